package auth_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/smelisting/alliance/functions/auth"
)

func TestVerifyIDToken(t *testing.T) {
	k := newKeys(t)
	v := newVerifier(t, k, "")
	withNonce := func(n string) jwt.MapClaims { return claims(func(c jwt.MapClaims) { c["nonce"] = n }) }
	tests := []struct {
		name  string
		token string
		nonce string
		ok    bool
	}{
		{"its nonce", sign(t, jwt.SigningMethodES256, "ec-1", k.ec, withNonce("n-1")), "n-1", true},
		{"another sign-in's nonce", sign(t, jwt.SigningMethodES256, "ec-1", k.ec, withNonce("n-2")), "n-1", false},
		{"no nonce", sign(t, jwt.SigningMethodES256, "ec-1", k.ec, claims(nil)), "n-1", false},
		{"no nonce expected", sign(t, jwt.SigningMethodES256, "ec-1", k.ec, withNonce("")), "", false},
		{"another audience", sign(t, jwt.SigningMethodES256, "ec-1", k.ec, claims(func(c jwt.MapClaims) {
			c["nonce"], c["aud"] = "n-1", "another-client"
		})), "n-1", false},
		{"another issuer", sign(t, jwt.SigningMethodES256, "ec-1", k.ec, claims(func(c jwt.MapClaims) {
			c["nonce"], c["iss"] = "n-1", "https://id.example.test/realms/other"
		})), "n-1", false},
		{"unknown key", sign(t, jwt.SigningMethodRS256, "rsa-1", k.other, withNonce("n-1")), "n-1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := v.VerifyIDToken(tt.token, tt.nonce)
			if tt.ok && (err != nil || id.Subject != "u-1001" || id.Name != "王秘书" || len(id.Roles) != 1) {
				t.Errorf("got %+v, %v, want u-1001 王秘书 with one role", id, err)
			}
			if !tt.ok && !errors.Is(err, auth.ErrBadToken) {
				t.Errorf("got %+v, %v, want ErrBadToken", id, err)
			}
		})
	}
}

func TestNewLoginWantsHTTPS(t *testing.T) {
	k := newKeys(t)
	v := newVerifier(t, k, "")
	tests := []struct {
		issuer, redirect string
		loopback         bool
		ok               bool
	}{
		{"https://id.example.test/realms/alliance", "https://www.example.cn/api/admin/signin/callback", false, true},
		{"http://id.example.test/realms/alliance", "https://www.example.cn/api/admin/signin/callback", false, false},
		{"https://id.example.test/realms/alliance", "http://www.example.cn/api/admin/signin/callback", false, false},
		{"http://127.0.0.1:1314", "http://127.0.0.1:1313/api/admin/signin/callback", false, false},
		{"http://127.0.0.1:1314", "http://127.0.0.1:1313/api/admin/signin/callback", true, true},
		{"http://id.example.test", "http://127.0.0.1:1313/api/admin/signin/callback", true, false},
		{"https://id.example.test", "/api/admin/signin/callback", false, false},
	}
	for _, tt := range tests {
		_, err := auth.NewLogin(auth.LoginConfig{Config: auth.Config{Issuer: tt.issuer, Audience: audience,
			AllowLoopbackHTTP: tt.loopback}, RedirectURL: tt.redirect}, v)
		if (err == nil) != tt.ok {
			t.Errorf("issuer %s, redirect %s, loopback %v: got %v, want ok %v", tt.issuer, tt.redirect, tt.loopback, err, tt.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "URL") {
			t.Errorf("error %q does not name the URL", err)
		}
	}
}

// tokenIssuer is an issuer on 127.0.0.1 with a discovery document, an authorization
// endpoint it never serves, and a token endpoint that answers a code exchange with an ID
// token (carrying the nonce asked for) only for the client secret it currently expects.
type tokenIssuer struct {
	url    string
	secret atomic.Value // string
	nonce  atomic.Value // string: the nonce of the next ID token
}

func newTokenIssuer(t *testing.T, k *keys) *tokenIssuer {
	t.Helper()
	is := &tokenIssuer{}
	is.secret.Store("")
	is.nonce.Store("")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"issuer": is.url, "authorization_endpoint": is.url + "/auth",
			"token_endpoint": is.url + "/token", "jwks_uri": k.url})
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		id, secret, ok := r.BasicAuth()
		if !ok {
			id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
		}
		if id != audience || secret != is.secret.Load().(string) || r.PostFormValue("code_verifier") == "" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"error":"invalid_client"}`))
			return
		}
		tok := sign(t, jwt.SigningMethodES256, "ec-1", k.ec, claims(func(c jwt.MapClaims) {
			c["iss"], c["nonce"] = is.url, is.nonce.Load().(string)
		}))
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 60, "id_token": tok})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	is.url = srv.URL
	return is
}

// TestLoginLoadsClientSecret: a secret from LoadClientSecret is read when the first
// sign-in needs it, not at start; it is used for the code exchange; a failure to read it
// fails that sign-in only; and after the issuer stops accepting it (rotated), one failed
// exchange makes the next sign-in read it again.
func TestLoginLoadsClientSecret(t *testing.T) {
	k := newKeys(t)
	is := newTokenIssuer(t, k)
	cfg := auth.Config{Issuer: is.url, Audience: audience, JWKSURL: k.url, AllowLoopbackHTTP: true}
	v, err := auth.New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var loads atomic.Int32
	var current atomic.Value
	current.Store("")
	var unavailable atomic.Bool
	login, err := auth.NewLogin(auth.LoginConfig{Config: cfg, RedirectURL: "http://127.0.0.1:1313/api/admin/signin/callback",
		LoadClientSecret: func(context.Context) (string, error) {
			loads.Add(1)
			if unavailable.Load() {
				return "", errors.New("secrets: down")
			}
			return current.Load().(string), nil
		}}, v)
	if err != nil {
		t.Fatal(err)
	}
	if n := loads.Load(); n != 0 {
		t.Fatalf("the secret was read %d times at start, want only when a sign-in needs it", n)
	}
	unavailable.Store(true)
	if _, err := login.AuthURL(t.Context(), "state", "n-1", "verifier-verifier-verifier-verifier-verifier"); err == nil || !strings.Contains(err.Error(), "client secret") {
		t.Errorf("secret unreadable: got %v, want an error about the client secret", err)
	}
	unavailable.Store(false)
	current.Store("s-1")
	is.secret.Store("s-1")
	to, err := login.AuthURL(t.Context(), "state", "n-1", "verifier-verifier-verifier-verifier-verifier")
	if err != nil || !strings.HasPrefix(to, is.url+"/auth?") {
		t.Fatalf("AuthURL: %q, %v, want the issuer's authorization endpoint", to, err)
	}
	finish := func(nonce string) (auth.Identity, error) {
		is.nonce.Store(nonce)
		return login.Finish(t.Context(), "code", "verifier-verifier-verifier-verifier-verifier", nonce)
	}
	if id, err := finish("n-1"); err != nil || id.Subject != "u-1001" {
		t.Fatalf("exchange with the secret: %+v, %v", id, err)
	}
	if n := loads.Load(); n != 2 {
		t.Errorf("the secret was read %d times, want 2 (the failed read, then once)", n)
	}
	// Rotated at the issuer and in Secrets Manager: one exchange fails with the old one,
	// the next reads the new one.
	is.secret.Store("s-2")
	current.Store("s-2")
	if _, err := finish("n-2"); !errors.Is(err, auth.ErrExchange) {
		t.Errorf("exchange with the old secret: got %v, want ErrExchange", err)
	}
	if id, err := finish("n-3"); err != nil || id.Subject != "u-1001" {
		t.Errorf("exchange after the rotation: %+v, %v", id, err)
	}
	if n := loads.Load(); n != 3 {
		t.Errorf("the secret was read %d times, want 3", n)
	}
}
