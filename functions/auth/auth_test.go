package auth_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"

	"github.com/smelisting/alliance/functions/auth"
	"github.com/smelisting/alliance/functions/membership"
)

const (
	issuer   = "https://id.example.test/realms/alliance"
	audience = "alliance-admin"
)

// keys are the issuer's signing keys, published by a JWKS server on 127.0.0.1.
type keys struct {
	rsa   *rsa.PrivateKey
	ec    *ecdsa.PrivateKey
	other *rsa.PrivateKey // not published
	url   string
}

func newKeys(t *testing.T) *keys {
	t.Helper()
	k := &keys{}
	var err error
	if k.rsa, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		t.Fatal(err)
	}
	if k.other, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		t.Fatal(err)
	}
	if k.ec, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		t.Fatal(err)
	}
	set := jwkset.NewMemoryStorage()
	for kid, pub := range map[string]crypto.PublicKey{"rsa-1": &k.rsa.PublicKey, "ec-1": &k.ec.PublicKey} {
		jwk, err := jwkset.NewJWKFromKey(pub, jwkset.JWKOptions{Metadata: jwkset.JWKMetadataOptions{KID: kid, USE: jwkset.UseSig}})
		if err != nil {
			t.Fatal(err)
		}
		if err := set.KeyWrite(t.Context(), jwk); err != nil {
			t.Fatal(err)
		}
	}
	doc, err := set.JSONPublic(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(doc)
	}))
	t.Cleanup(srv.Close)
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("JWKS server at %s, want 127.0.0.1", srv.URL)
	}
	k.url = srv.URL
	return k
}

func claims(mut func(jwt.MapClaims)) jwt.MapClaims {
	now := time.Now()
	c := jwt.MapClaims{
		"iss":   issuer,
		"aud":   audience,
		"sub":   "u-1001",
		"name":  "王秘书",
		"iat":   now.Unix(),
		"nbf":   now.Add(-time.Minute).Unix(),
		"exp":   now.Add(10 * time.Minute).Unix(),
		"roles": []string{"secretariat"},
	}
	if mut != nil {
		mut(c)
	}
	return c
}

func sign(t *testing.T, m jwt.SigningMethod, kid string, key any, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newVerifier(t *testing.T, k *keys, rolesClaim string) *auth.Verifier {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	t.Cleanup(cancel)
	v, err := auth.New(ctx, auth.Config{Issuer: issuer, Audience: audience, JWKSURL: k.url, RolesClaim: rolesClaim, AllowLoopbackHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestVerifyAccepts(t *testing.T) {
	k := newKeys(t)
	v := newVerifier(t, k, "")
	tests := []struct {
		name  string
		token string
		roles []string
	}{
		{"RS256", sign(t, jwt.SigningMethodRS256, "rsa-1", k.rsa, claims(nil)), []string{"secretariat"}},
		{"ES256", sign(t, jwt.SigningMethodES256, "ec-1", k.ec, claims(nil)), []string{"secretariat"}},
		{"no kid tries every key", sign(t, jwt.SigningMethodES256, "", k.ec, claims(nil)), []string{"secretariat"}},
		{"audience list", sign(t, jwt.SigningMethodRS256, "rsa-1", k.rsa, claims(func(c jwt.MapClaims) {
			c["aud"] = []string{"other", audience}
		})), []string{"secretariat"}},
		{"roles as a string", sign(t, jwt.SigningMethodRS256, "rsa-1", k.rsa, claims(func(c jwt.MapClaims) {
			c["roles"] = "chair supervisor"
		})), []string{"chair", "supervisor"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := v.Verify(tt.token)
			if err != nil {
				t.Fatalf("Verify: got %v, want nil", err)
			}
			if a := id.Actor(); id.Subject != "u-1001" || a.ID != "u-1001" || a.Name != "王秘书" || !slices.Equal(a.Roles, tt.roles) {
				t.Errorf("identity: got %+v, want subject u-1001 named 王秘书", id)
			}
			if !slices.Equal(id.Roles, tt.roles) {
				t.Errorf("roles: got %v, want %v", id.Roles, tt.roles)
			}
		})
	}
}

func TestVerifyRefuses(t *testing.T) {
	k := newKeys(t)
	v := newVerifier(t, k, "")
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: must(x509.MarshalPKIXPublicKey(&k.rsa.PublicKey))})
	valid := sign(t, jwt.SigningMethodRS256, "rsa-1", k.rsa, claims(nil))
	parts := strings.Split(valid, ".")

	tests := []struct {
		name  string
		token string
	}{
		{"expired", sign(t, jwt.SigningMethodRS256, "rsa-1", k.rsa, claims(func(c jwt.MapClaims) {
			c["exp"] = time.Now().Add(-time.Hour).Unix()
		}))},
		{"no expiry", sign(t, jwt.SigningMethodRS256, "rsa-1", k.rsa, claims(func(c jwt.MapClaims) { delete(c, "exp") }))},
		{"not yet valid", sign(t, jwt.SigningMethodRS256, "rsa-1", k.rsa, claims(func(c jwt.MapClaims) {
			c["nbf"] = time.Now().Add(time.Hour).Unix()
		}))},
		{"wrong issuer", sign(t, jwt.SigningMethodRS256, "rsa-1", k.rsa, claims(func(c jwt.MapClaims) {
			c["iss"] = "https://evil.example.test"
		}))},
		{"wrong audience", sign(t, jwt.SigningMethodRS256, "rsa-1", k.rsa, claims(func(c jwt.MapClaims) { c["aud"] = "someone-else" }))},
		{"no audience", sign(t, jwt.SigningMethodRS256, "rsa-1", k.rsa, claims(func(c jwt.MapClaims) { delete(c, "aud") }))},
		{"no subject", sign(t, jwt.SigningMethodRS256, "rsa-1", k.rsa, claims(func(c jwt.MapClaims) { delete(c, "sub") }))},
		{"wrong signature (unpublished key, published kid)", sign(t, jwt.SigningMethodRS256, "rsa-1", k.other, claims(nil))},
		{"unknown kid", sign(t, jwt.SigningMethodRS256, "rsa-9", k.other, claims(nil))},
		{"tampered payload", parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(
			`{"iss":"`+issuer+`","aud":"`+audience+`","sub":"u-1001","exp":9999999999,"roles":["chair"]}`)) + "." + parts[2]},
		{"alg none", sign(t, jwt.SigningMethodNone, "rsa-1", jwt.UnsafeAllowNoneSignatureType, claims(nil))},
		{"alg none, no signature part", strings.Join(strings.Split(sign(t, jwt.SigningMethodNone, "rsa-1", jwt.UnsafeAllowNoneSignatureType, claims(nil)), ".")[:2], ".")},
		{"HS256 keyed with the public key (PEM)", sign(t, jwt.SigningMethodHS256, "rsa-1", pubPEM, claims(nil))},
		{"HS256 keyed with the public key (DER)", sign(t, jwt.SigningMethodHS256, "rsa-1", must(x509.MarshalPKIXPublicKey(&k.rsa.PublicKey)), claims(nil))},
		{"RS512 not allowed", sign(t, jwt.SigningMethodRS512, "rsa-1", k.rsa, claims(nil))},
		{"ES256 header on RSA key", sign(t, jwt.SigningMethodES256, "rsa-1", k.ec, claims(nil))},
		{"garbage", "not.a.token"},
		{"empty", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := v.Verify(tt.token)
			if !errors.Is(err, auth.ErrBadToken) {
				t.Fatalf("Verify: got (%+v, %v), want ErrBadToken", id, err)
			}
		})
	}
}

func TestVerifyRequest(t *testing.T) {
	k := newKeys(t)
	v := newVerifier(t, k, "")
	valid := sign(t, jwt.SigningMethodES256, "ec-1", k.ec, claims(nil))
	tests := []struct {
		name   string
		header string
		want   error
	}{
		{"missing", "", auth.ErrNoToken},
		{"basic scheme", "Basic dTpw", auth.ErrNoToken},
		{"bearer without token", "Bearer ", auth.ErrNoToken},
		{"bad token", "Bearer abc.def.ghi", auth.ErrBadToken},
		{"valid", "Bearer " + valid, nil},
		{"valid, lower-case scheme", "bearer " + valid, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/api/admin/applications", nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			_, err := v.VerifyRequest(r)
			if !errors.Is(err, tt.want) && !(err == nil && tt.want == nil) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

// TestRolesClaim reads the roles at a dotted claim path, and only there.
func TestRolesClaim(t *testing.T) {
	k := newKeys(t)
	v := newVerifier(t, k, "realm_access.roles")
	tests := []struct {
		name   string
		claims jwt.MapClaims
		want   []string
	}{
		{"nested roles", claims(func(c jwt.MapClaims) {
			c["realm_access"] = map[string]any{"roles": []string{"offline_access", "chair"}}
		}), []string{"offline_access", "chair"}},
		{"roles only at the top level are not read", claims(nil), nil},
		{"no roles", claims(func(c jwt.MapClaims) {
			c["realm_access"] = map[string]any{"roles": []string{}}
		}), nil},
		{"claim of the wrong shape", claims(func(c jwt.MapClaims) { c["realm_access"] = "chair" }), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := v.Verify(sign(t, jwt.SigningMethodRS256, "rsa-1", k.rsa, tt.claims))
			if err != nil {
				t.Fatalf("Verify: got %v, want nil", err)
			}
			if got := id.Actor().Roles; !slices.Equal(got, tt.want) {
				t.Fatalf("roles: got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNewFromJWKS(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	jwk, err := jwkset.NewJWKFromKey(&ec.PublicKey, jwkset.JWKOptions{Metadata: jwkset.JWKMetadataOptions{KID: "dev"}})
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := json.Marshal(jwkset.JWKSMarshal{Keys: []jwkset.JWKMarshal{jwk.Marshal()}})
	v, err := auth.NewFromJWKS(doc, auth.Config{Issuer: issuer, Audience: audience})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(sign(t, jwt.SigningMethodES256, "dev", ec, claims(nil))); err != nil {
		t.Fatalf("got %v, want nil", err)
	}
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if _, err := v.Verify(sign(t, jwt.SigningMethodES256, "dev", other, claims(nil))); !errors.Is(err, auth.ErrBadToken) {
		t.Fatalf("other key: got %v, want ErrBadToken", err)
	}
}

func TestNewNeedsConfig(t *testing.T) {
	tests := []auth.Config{
		{Audience: audience, JWKSURL: "https://127.0.0.1:1/jwks"},
		{Issuer: issuer, JWKSURL: "https://127.0.0.1:1/jwks"},
		{Issuer: issuer, Audience: audience, JWKSURL: "ftp://127.0.0.1:1/jwks"},
	}
	for _, cfg := range tests {
		if _, err := auth.New(t.Context(), cfg); err == nil {
			t.Errorf("New(%+v): got nil error, want one", cfg)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestLocalIssuer(t *testing.T) {
	path := t.TempDir() + "/keys/dev.pem"
	li, err := auth.LoadLocalIssuer(path, auth.DevIssuer, auth.DevAudience)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := li.Mint("dev-chair", "开发用理事长", []string{"chair"}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	again, err := auth.LoadLocalIssuer(path, auth.DevIssuer, auth.DevAudience)
	if err != nil {
		t.Fatal(err)
	}
	v, err := again.Verifier()
	if err != nil {
		t.Fatal(err)
	}
	id, err := v.Verify(tok)
	if err != nil {
		t.Fatalf("token of the reloaded key: got %v, want it valid", err)
	}
	if id.Subject != "dev-chair" || !id.Actor().Has("chair") {
		t.Errorf("identity: got %+v, want dev-chair with role chair", id)
	}
	other, _ := auth.NewLocalIssuer(auth.DevIssuer, auth.DevAudience)
	forged, _ := other.Mint("dev-chair", "", []string{"chair"}, time.Minute)
	if _, err := v.Verify(forged); !errors.Is(err, auth.ErrBadToken) {
		t.Errorf("token of another machine's key: got %v, want ErrBadToken", err)
	}
	expired, _ := li.Mint("dev-chair", "", []string{"chair"}, -time.Hour)
	if _, err := v.Verify(expired); !errors.Is(err, auth.ErrBadToken) {
		t.Errorf("expired dev token: got %v, want ErrBadToken", err)
	}
}

// TestActorNameIsCleanText: the display name a token carries reaches the
// histories (the actor's Name) without control or invisible characters and
// cut to membership.MaxActorName characters, whatever the issuer put in it;
// the subject, which the same-person rules compare, is left as it is.
func TestActorNameIsCleanText(t *testing.T) {
	k := newKeys(t)
	v := newVerifier(t, k, "")
	for _, tt := range []struct{ name, want string }{
		{"\u202e书秘王", "书秘王"},
		{"王秘书\u001b[2J\u200b", "王秘书[2J"},
		{"王\n秘书\x00", "王 秘书"},
		{strings.Repeat("赵", 80), strings.Repeat("赵", membership.MaxActorName)},
	} {
		tok := sign(t, jwt.SigningMethodRS256, "rsa-1", k.rsa, claims(func(c jwt.MapClaims) { c["name"] = tt.name }))
		id, err := v.Verify(tok)
		if err != nil {
			t.Fatal(err)
		}
		if a := id.Actor(); a.Name != tt.want || a.ID != "u-1001" || !membership.CleanText(a.Name, false) {
			t.Errorf("token named %q: actor %+v, want the name %q", tt.name, a, tt.want)
		}
	}
}
