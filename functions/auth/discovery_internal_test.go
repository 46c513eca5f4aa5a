package auth

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHTTPSClientRefusesDowngrade: the default client follows a redirect from an
// https:// key set only to another https:// URL.
func TestHTTPSClientRefusesDowngrade(t *testing.T) {
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"keys":[]}`)) }))
	defer plain.Close()
	var secure *httptest.Server
	secure = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/down":
			http.Redirect(w, r, plain.URL+"/jwks", http.StatusFound)
		case "/up":
			http.Redirect(w, r, secure.URL+"/jwks", http.StatusFound)
		default:
			w.Write([]byte(`{"keys":[]}`))
		}
	}))
	defer secure.Close()
	tests := []struct {
		path, wantErr string
	}{
		{"/down", "must start with https://"},
		{"/up", ""},
	}
	for _, tt := range tests {
		c := httpsClient(false)
		c.Transport = secure.Client().Transport // trust httptest's certificate
		res, err := c.Get(secure.URL + tt.path)
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("GET %s: %v, want the redirect followed", tt.path, err)
				continue
			}
			res.Body.Close()
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("GET %s: got %v, want an error containing %q", tt.path, err, tt.wantErr)
		}
	}
}

func TestCheckURL(t *testing.T) {
	tests := []struct {
		url           string
		allowLoopback bool
		ok            bool
	}{
		{"https://login.example.org/realms/alliance", false, true},
		{"http://login.example.org", false, false},
		{"http://login.example.org", true, false},
		{"http://127.0.0.1:8080/jwks", false, false},
		{"http://127.0.0.1:8080/jwks", true, true},
		{"http://[::1]:8080/jwks", true, true},
		{"http://localhost:8080/jwks", true, true},
		{"http://127.0.0.1.example.org/jwks", true, false},
		{"HTTPS://login.example.org", false, true}, // url.Parse lower-cases the scheme
		{"https://user:pw@login.example.org", false, false},
		{"ftp://login.example.org", true, false},
		{"/relative/jwks", true, false},
		{"", false, false},
	}
	for _, tt := range tests {
		err := checkURL("issuer", tt.url, tt.allowLoopback)
		if (err == nil) != tt.ok {
			t.Errorf("checkURL(%q, loopback %v) = %v, want ok %v", tt.url, tt.allowLoopback, err, tt.ok)
		}
	}
}
