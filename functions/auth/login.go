package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/oauth2"
)

// VerifyIDToken verifies an ID token as Verify does a bearer token (the same
// issuer, audience, keys, algorithms and roles claim) and checks that it
// carries the nonce of the sign-in it answers. Any failure wraps ErrBadToken.
func (v *Verifier) VerifyIDToken(token, nonce string) (Identity, error) {
	claims := jwt.MapClaims{}
	if _, err := v.parser.ParseWithClaims(token, claims, v.keys); err != nil {
		return Identity{}, fmt.Errorf("%w: %v", ErrBadToken, err)
	}
	got, _ := claims["nonce"].(string)
	if nonce == "" || subtle.ConstantTimeCompare([]byte(got), []byte(nonce)) != 1 {
		return Identity{}, fmt.Errorf("%w: nonce does not match the sign-in", ErrBadToken)
	}
	return v.identity(claims)
}

// LoginConfig is how the console signs people in at the issuer: as a
// confidential client (authorization code flow with PKCE) whose client ID is
// the audience its ID tokens carry, so that they are verified with exactly
// the bearer tokens' Config.
//
// Every URL (the issuer, its endpoints, the redirect) must be https://, as
// for New; Config.AllowLoopbackHTTP lets them be http:// on 127.0.0.1, ::1
// or localhost (`alliance serve`'s development provider and tests).
type LoginConfig struct {
	Config              // the issuer, and Audience as the client ID
	ClientSecret string // "" for a public client, which PKCE alone protects
	RedirectURL  string // where the issuer sends the browser back: …/api/admin/signin/callback
	// LoadClientSecret, when set, gives the client secret instead of
	// ClientSecret: the deployed function reads it from Secrets Manager
	// (package secrets) rather than carry it in its configuration. It is
	// called when the first sign-in needs it, not at start, and again after
	// a failed code exchange, so that a rotated secret is picked up.
	LoadClientSecret func(context.Context) (string, error)
}

// Login carries out the sign-ins of the console at the issuer. It reads the
// issuer's discovery document (go-oidc) and the client secret on first use,
// again after a failed code exchange, and exchanges codes with
// golang.org/x/oauth2; it keeps no tokens.
type Login struct {
	cfg    LoginConfig
	verify *Verifier
	client *http.Client

	mu    sync.Mutex
	oauth *oauth2.Config // nil until discovered, and again after a failed exchange
}

// NewLogin returns the sign-in of cfg, whose ID tokens v verifies; v must
// have been made from cfg.Config.
func NewLogin(cfg LoginConfig, v *Verifier) (*Login, error) {
	if err := checkConfig(cfg.Config); err != nil {
		return nil, err
	}
	for what, u := range map[string]string{"issuer": cfg.Issuer, "redirect": cfg.RedirectURL} {
		if err := checkURL(what, u, cfg.AllowLoopbackHTTP); err != nil {
			return nil, err
		}
	}
	client := cfg.HTTPClient
	if client == nil {
		client = httpsClient(cfg.AllowLoopbackHTTP) // as New's: no redirect to a URL checkURL refuses
	}
	return &Login{cfg: cfg, verify: v, client: client}, nil
}

// config returns the OAuth 2.0 client configuration, discovering the
// issuer's endpoints and loading the client secret on first use. go-oidc
// checks that the discovery document names exactly the configured issuer.
func (l *Login) config(ctx context.Context) (*oauth2.Config, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.oauth != nil {
		return l.oauth, nil
	}
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, l.client), l.cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("auth: discover %s: %w", l.cfg.Issuer, err)
	}
	ep := p.Endpoint()
	for what, u := range map[string]string{"authorization endpoint": ep.AuthURL, "token endpoint": ep.TokenURL} {
		if err := checkURL(what, u, l.cfg.AllowLoopbackHTTP); err != nil {
			return nil, err
		}
	}
	secret := l.cfg.ClientSecret
	if l.cfg.LoadClientSecret != nil {
		if secret, err = l.cfg.LoadClientSecret(ctx); err != nil {
			return nil, fmt.Errorf("auth: client secret: %w", err)
		}
	}
	l.oauth = &oauth2.Config{
		ClientID: l.cfg.Audience, ClientSecret: secret, Endpoint: ep,
		RedirectURL: l.cfg.RedirectURL, Scopes: []string{oidc.ScopeOpenID, "profile"},
	}
	return l.oauth, nil
}

// AuthURL returns where to send the browser to sign in: the issuer's
// authorization endpoint with the state, the nonce and the S256 challenge of
// the PKCE verifier (oauth2.GenerateVerifier).
func (l *Login) AuthURL(ctx context.Context, state, nonce, verifier string) (string, error) {
	c, err := l.config(ctx)
	if err != nil {
		return "", err
	}
	return c.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), nil
}

// ErrExchange wraps a refused or failed code exchange.
var ErrExchange = errors.New("auth: code exchange failed")

// Finish exchanges the code the issuer sent back, with the sign-in's PKCE
// verifier and the client's credentials, and returns the identity its ID
// token carries once VerifyIDToken accepts it with the sign-in's nonce.
// Errors wrap ErrExchange or ErrBadToken.
func (l *Login) Finish(ctx context.Context, code, verifier, nonce string) (Identity, error) {
	c, err := l.config(ctx)
	if err != nil {
		return Identity{}, err
	}
	tok, err := c.Exchange(oidc.ClientContext(ctx, l.client), code, oauth2.VerifierOption(verifier))
	if err != nil {
		l.forget(c) // the secret may have been rotated, the endpoints moved
		return Identity{}, fmt.Errorf("%w: %v", ErrExchange, err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return Identity{}, fmt.Errorf("%w: the answer has no ID token", ErrExchange)
	}
	return l.verify.VerifyIDToken(raw, nonce)
}

// forget drops the configuration c, so that the next sign-in discovers the
// issuer and loads the client secret again.
func (l *Login) forget(c *oauth2.Config) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.oauth == c {
		l.oauth = nil
	}
}
