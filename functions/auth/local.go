package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
)

// Development issuer defaults: `alliance serve` trusts tokens with these, and
// nothing else does.
const (
	DevIssuer   = "urn:alliance:dev-server"
	DevAudience = "alliance-admin-dev"
)

// LocalIssuer mints ES256 tokens with a key that exists only on this machine.
// The development server and the tests use it; the deployed function never
// does (it trusts only its configured JWKS URL).
type LocalIssuer struct {
	key      *ecdsa.PrivateKey
	kid      string
	Issuer   string
	Audience string
}

// NewLocalIssuer returns an issuer with a fresh key held in memory.
func NewLocalIssuer(issuer, audience string) (*LocalIssuer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("auth: generate key: %w", err)
	}
	return newLocalIssuer(key, issuer, audience)
}

// LoadLocalIssuer returns an issuer whose key is kept in the PEM file at path,
// creating the key (mode 0600) when the file does not exist.
func LoadLocalIssuer(path, issuer, audience string) (*LocalIssuer, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		li, err := NewLocalIssuer(issuer, audience)
		if err != nil {
			return nil, err
		}
		der, err := x509.MarshalECPrivateKey(li.key)
		if err != nil {
			return nil, fmt.Errorf("auth: marshal key: %w", err)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("auth: create %s: %w", filepath.Dir(path), err)
		}
		pemBytes := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
		if err := os.WriteFile(path, pemBytes, 0o600); err != nil {
			return nil, fmt.Errorf("auth: write key %s: %w", path, err)
		}
		return li, nil
	}
	if err != nil {
		return nil, fmt.Errorf("auth: read key %s: %w", path, err)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, fmt.Errorf("auth: read key %s: no PEM block", path)
	}
	key, err := x509.ParseECPrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("auth: parse key %s: %w", path, err)
	}
	return newLocalIssuer(key, issuer, audience)
}

func newLocalIssuer(key *ecdsa.PrivateKey, issuer, audience string) (*LocalIssuer, error) {
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("auth: marshal public key: %w", err)
	}
	sum := sha256.Sum256(der)
	return &LocalIssuer{key: key, kid: "local-" + base64.RawURLEncoding.EncodeToString(sum[:9]), Issuer: issuer, Audience: audience}, nil
}

// JWKS returns the JWK Set document of the issuer's public key.
func (li *LocalIssuer) JWKS() json.RawMessage {
	jwk, err := jwkset.NewJWKFromKey(&li.key.PublicKey, jwkset.JWKOptions{
		Metadata: jwkset.JWKMetadataOptions{ALG: jwkset.AlgES256, KID: li.kid, USE: jwkset.UseSig},
	})
	if err != nil {
		panic("auth: local issuer JWK: " + err.Error()) // a P-256 public key always converts
	}
	set := jwkset.NewMemoryStorage()
	ctx := context.Background()
	if err := set.KeyWrite(ctx, jwk); err != nil {
		panic("auth: local issuer JWK set: " + err.Error())
	}
	doc, err := set.JSONPublic(ctx)
	if err != nil {
		panic("auth: local issuer JWK set JSON: " + err.Error())
	}
	return doc
}

// Verifier returns a Verifier that trusts this issuer's tokens, with roles in
// the "roles" claim.
func (li *LocalIssuer) Verifier() (*Verifier, error) {
	return NewFromJWKS(li.JWKS(), Config{Issuer: li.Issuer, Audience: li.Audience, RolesClaim: "roles"})
}

// Mint returns a token for the subject with the roles, valid for ttl.
func (li *LocalIssuer) Mint(subject, name string, roles []string, ttl time.Duration) (string, error) {
	now := time.Now()
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{
		"iss": li.Issuer, "aud": li.Audience, "sub": subject, "name": name, "roles": roles,
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(ttl).Unix(),
	})
	tok.Header["kid"] = li.kid
	s, err := tok.SignedString(li.key)
	if err != nil {
		return "", fmt.Errorf("auth: sign token: %w", err)
	}
	return s, nil
}

// SigningKey returns the issuer's private key and its key id, for the
// development OpenID provider (devprovider) that signs with the same key as
// `alliance admin dev-token`.
func (li *LocalIssuer) SigningKey() (*ecdsa.PrivateKey, string) { return li.key, li.kid }
