package auth_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/smelisting/alliance/functions/auth"
)

// provider is an OpenID provider on 127.0.0.1: its discovery document names issuer
// (the server's own URL unless set) and jwks_uri (its /jwks unless set).
type provider struct {
	srv     *httptest.Server
	keys    *keys
	issuer  string // the "issuer" of the discovery document; default srv.URL
	jwksURI string // the "jwks_uri"; default srv.URL + "/jwks"
	hits    map[string]int
}

func newProvider(t *testing.T, tls bool) *provider {
	t.Helper()
	p := &provider{keys: newKeys(t), hits: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		p.hits[r.URL.Path]++
		iss, jwks := p.issuer, p.jwksURI
		if iss == "" {
			iss = p.srv.URL
		}
		if jwks == "" {
			jwks = p.srv.URL + "/jwks"
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"issuer": iss, "jwks_uri": jwks})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		p.hits[r.URL.Path]++
		http.Redirect(w, r, p.keys.url, http.StatusFound) // the key set of newKeys, on 127.0.0.1
	})
	if tls {
		p.srv = httptest.NewTLSServer(mux)
	} else {
		p.srv = httptest.NewServer(mux)
	}
	t.Cleanup(p.srv.Close)
	return p
}

// TestNewDiscoversJWKS: with no JWKS URL, the key set is the discovery document's
// jwks_uri, over https:// without any test exception.
func TestNewDiscoversJWKS(t *testing.T) {
	p := newProvider(t, true)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The key set itself is served over http:// on 127.0.0.1 (newKeys); publish it
	// through the TLS server instead, so that this test needs no loopback exception.
	doc := fetch(t, p.keys.url)
	mux := http.NewServeMux()
	tlsJWKS := httptest.NewTLSServer(mux)
	defer tlsJWKS.Close()
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) { w.Write(doc) })
	p.jwksURI = tlsJWKS.URL + "/keys"
	client := p.srv.Client() // trusts httptest's certificate, which both TLS servers share
	v, err := auth.New(ctx, auth.Config{Issuer: p.srv.URL, Audience: audience, HTTPClient: client})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	tok := sign(t, jwt.SigningMethodES256, "ec-1", p.keys.ec, claims(func(c jwt.MapClaims) { c["iss"] = p.srv.URL }))
	if _, err := v.Verify(tok); err != nil {
		t.Fatalf("Verify a token of the discovered key set: %v", err)
	}
	if p.hits["/.well-known/openid-configuration"] != 1 {
		t.Errorf("discovery document fetched %d times, want 1", p.hits["/.well-known/openid-configuration"])
	}
}

// TestNewDiscoveryWithTrailingSlash: an issuer written with a trailing slash finds
// <issuer without the slash>/.well-known/openid-configuration, and must be named
// exactly so by the document.
func TestNewDiscoveryWithTrailingSlash(t *testing.T) {
	p := newProvider(t, false)
	p.issuer = p.srv.URL + "/"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := auth.New(ctx, auth.Config{Issuer: p.srv.URL + "/", Audience: audience, AllowLoopbackHTTP: true}); err != nil {
		t.Fatalf("New: %v", err)
	}
	if p.hits["/.well-known/openid-configuration"] != 1 || p.hits["/jwks"] != 1 {
		t.Errorf("fetched %v, want the discovery document and the key set once each", p.hits)
	}
}

func fetch(t *testing.T, url string) []byte {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var raw json.RawMessage
	if err := json.NewDecoder(res.Body).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestNewRefuses: a start-up configuration that could be a typo or a downgrade
// fails New with a message naming the problem.
func TestNewRefuses(t *testing.T) {
	p := newProvider(t, false)
	tests := []struct {
		name     string
		cfg      auth.Config
		mutate   func() // changes the provider's discovery document
		wantErr  string
		wantHits int // discovery requests expected (0: refused before any request)
	}{
		{"http:// issuer", auth.Config{Issuer: "http://login.example.org", Audience: audience}, nil, "must start with https://", 0},
		{"http:// issuer on loopback, without the test option", auth.Config{Issuer: p.srv.URL, Audience: audience}, nil, "must start with https://", 0},
		{"http:// JWKS URL", auth.Config{Issuer: "https://login.example.org", Audience: audience, JWKSURL: "http://login.example.org/jwks"}, nil, "JWKS URL", 0},
		{"http:// JWKS URL on loopback, without the test option", auth.Config{Issuer: "https://login.example.org", Audience: audience, JWKSURL: p.keys.url}, nil, "must start with https://", 0},
		{"issuer that is no URL", auth.Config{Issuer: "login.example.org", Audience: audience}, nil, "not an absolute URL", 0},
		{"discovery names another issuer", auth.Config{Issuer: p.srv.URL, Audience: audience, AllowLoopbackHTTP: true},
			func() { p.issuer = "https://evil.example.org" }, `names issuer "https://evil.example.org"`, 1},
		{"discovery points to an http:// key set elsewhere", auth.Config{Issuer: p.srv.URL, Audience: audience, AllowLoopbackHTTP: true},
			func() { p.jwksURI = "http://keys.example.org/jwks" }, "must start with https://", 1},
		{"discovery without jwks_uri", auth.Config{Issuer: p.srv.URL, Audience: audience, AllowLoopbackHTTP: true},
			func() { p.jwksURI = " " }, "JWKS URL", 1},
		{"no discovery document", auth.Config{Issuer: p.srv.URL + "/realms/none", Audience: audience, AllowLoopbackHTTP: true}, nil, "404", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p.issuer, p.jwksURI, p.hits = "", "", map[string]int{}
			if tt.mutate != nil {
				tt.mutate()
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			_, err := auth.New(ctx, tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New: got %v, want an error containing %q", err, tt.wantErr)
			}
			if got := p.hits["/.well-known/openid-configuration"]; got != tt.wantHits {
				t.Errorf("discovery requests: got %d, want %d", got, tt.wantHits)
			}
			if p.hits["/jwks"] != 0 {
				t.Errorf("the key set was fetched although the configuration was refused")
			}
		})
	}
}
