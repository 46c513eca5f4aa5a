// Package auth verifies the bearer tokens of the secretariat API: JWTs signed
// by a configured OIDC issuer, checked against the issuer's published keys
// (JWKS), which New finds through the issuer's OpenID discovery document.
// Only asymmetric algorithms are accepted, so neither an unsigned token (alg
// "none") nor an HMAC token keyed with the public key gets through. The issuer
// and the key set are fetched over https:// only: a plain http:// URL is
// refused at start (tests may allow it on the loopback interface).
package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"

	"github.com/smelisting/alliance/functions/membership"
)

// Algorithms lists the signing algorithms a token may use. All are asymmetric.
var Algorithms = []string{"RS256", "ES256"}

// Errors returned by Verify and VerifyRequest; both mean 401.
var (
	ErrNoToken  = errors.New("auth: no bearer token")
	ErrBadToken = errors.New("auth: invalid token")
)

// Config says which tokens to trust.
type Config struct {
	Issuer     string           // the "iss" every token must carry: an https:// URL for New
	Audience   string           // a value the "aud" claim must contain
	JWKSURL    string           // where the issuer publishes its keys; empty: the jwks_uri of its discovery document (New)
	RolesClaim string           // claim holding the roles; a dotted path such as "realm_access.roles" is followed; default "roles"
	HTTPClient *http.Client     // for discovery and the key set; default: 5 s timeout, redirects to https:// only
	Now        func() time.Time // clock for expiry checks; default time.Now

	// AllowLoopbackHTTP lets New fetch http:// URLs whose host is 127.0.0.1,
	// ::1 or localhost. Tests set it to serve an issuer from httptest; the
	// deployed functions never do, so there every URL must be https://.
	AllowLoopbackHTTP bool
}

// Identity is who a verified token speaks for.
type Identity struct {
	Subject string   // the "sub" claim: a stable user id
	Name    string   // "name" or "preferred_username", for the audit history
	Roles   []string // roles from the configured claim
}

// Actor returns the membership actor the identity speaks for: the subject as
// the stable id the same-person rules compare, the display name for the
// histories as clean text (membership.ActorName: invisible and control
// characters dropped, at most membership.MaxActorName characters), and the
// roles, whose meaning is the domain's (membership.Actor.May).
func (id Identity) Actor() membership.Actor {
	return membership.Actor{ID: id.Subject, Name: membership.ActorName(id.Name), Roles: id.Roles}
}

// Verifier checks bearer tokens.
type Verifier struct {
	keys       jwt.Keyfunc
	parser     *jwt.Parser
	rolesClaim string
}

// New returns a Verifier that fetches the issuer's keys and refreshes them in
// the background until ctx ends. The keys come from cfg.JWKSURL, or, when it
// is empty, from the jwks_uri of the issuer's OpenID discovery document
// (<issuer>/.well-known/openid-configuration), which must name the same
// issuer. The issuer, the discovery document and the key set must be https://
// (see Config.AllowLoopbackHTTP). An unknown key id causes a rate-limited
// refresh, so key rotation at the issuer needs no restart.
func New(ctx context.Context, cfg Config) (*Verifier, error) {
	if err := checkConfig(cfg); err != nil {
		return nil, err
	}
	if err := checkURL("issuer", cfg.Issuer, cfg.AllowLoopbackHTTP); err != nil {
		return nil, err
	}
	client := cfg.HTTPClient
	if client == nil {
		client = httpsClient(cfg.AllowLoopbackHTTP)
	}
	jwksURL := cfg.JWKSURL
	if jwksURL == "" {
		var err error
		if jwksURL, err = discoverJWKS(ctx, client, cfg.Issuer); err != nil {
			return nil, err
		}
	}
	if err := checkURL("JWKS", jwksURL, cfg.AllowLoopbackHTTP); err != nil {
		return nil, err
	}
	kf, err := keyfunc.NewDefaultOverrideCtx(ctx, []string{jwksURL}, keyfunc.Override{
		Client:      client,
		HTTPTimeout: 5 * time.Second,
	})
	if err != nil {
		return nil, fmt.Errorf("auth: load JWKS %s: %w", jwksURL, err)
	}
	return newVerifier(kf.KeyfuncCtx(ctx), cfg)
}

// NewFromJWKS returns a Verifier trusting the keys of a fixed JWK Set, given
// as its JSON document. The local development server uses it.
func NewFromJWKS(raw json.RawMessage, cfg Config) (*Verifier, error) {
	kf, err := keyfunc.NewJWKSetJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("auth: parse JWKS: %w", err)
	}
	return newVerifier(kf.Keyfunc, cfg)
}

func checkConfig(cfg Config) error {
	if cfg.Issuer == "" {
		return errors.New("auth: no issuer configured")
	}
	if cfg.Audience == "" {
		return errors.New("auth: no audience configured")
	}
	return nil
}

func newVerifier(keys jwt.Keyfunc, cfg Config) (*Verifier, error) {
	if err := checkConfig(cfg); err != nil {
		return nil, err
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods(Algorithms),
		jwt.WithIssuer(cfg.Issuer),
		jwt.WithAudience(cfg.Audience),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(30 * time.Second),
	}
	if cfg.Now != nil {
		opts = append(opts, jwt.WithTimeFunc(cfg.Now))
	}
	claim := cfg.RolesClaim
	if claim == "" {
		claim = "roles"
	}
	return &Verifier{keys: keys, parser: jwt.NewParser(opts...), rolesClaim: claim}, nil
}

// Verify checks a token's signature, algorithm, expiry, not-before, issuer
// and audience, and returns the identity it carries. Any failure wraps
// ErrBadToken.
func (v *Verifier) Verify(token string) (Identity, error) {
	claims := jwt.MapClaims{}
	if _, err := v.parser.ParseWithClaims(token, claims, v.keys); err != nil {
		return Identity{}, fmt.Errorf("%w: %v", ErrBadToken, err)
	}
	return v.identity(claims)
}

// identity returns the identity of verified claims.
func (v *Verifier) identity(claims jwt.MapClaims) (Identity, error) {
	id := Identity{}
	id.Subject, _ = claims["sub"].(string)
	if id.Subject == "" {
		return Identity{}, fmt.Errorf("%w: no subject", ErrBadToken)
	}
	for _, k := range []string{"name", "preferred_username"} {
		if s, ok := claims[k].(string); ok && s != "" {
			id.Name = s
			break
		}
	}
	id.Roles = rolesAt(claims, v.rolesClaim)
	return id, nil
}

// VerifyRequest verifies the request's "Authorization: Bearer" token.
// It wraps ErrNoToken when there is none.
func (v *Verifier) VerifyRequest(r *http.Request) (Identity, error) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if h == "" || !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return Identity{}, ErrNoToken
	}
	return v.Verify(strings.TrimSpace(token))
}

// rolesAt reads the roles at a dotted claim path. The value may be a list of
// strings or one string of space- or comma-separated roles.
func rolesAt(claims map[string]any, path string) []string {
	var cur any = claims
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	var roles []string
	switch v := cur.(type) {
	case string:
		roles = strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' })
	case []any:
		for _, e := range v {
			if s, ok := e.(string); ok && s != "" {
				roles = append(roles, s)
			}
		}
	}
	return roles
}
