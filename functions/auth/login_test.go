package auth_test

import (
	"errors"
	"strings"
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
		_, err := auth.NewLogin(auth.LoginConfig{Config: auth.Config{Issuer: tt.issuer, Audience: audience},
			RedirectURL: tt.redirect, AllowLoopbackHTTP: tt.loopback}, v)
		if (err == nil) != tt.ok {
			t.Errorf("issuer %s, redirect %s, loopback %v: got %v, want ok %v", tt.issuer, tt.redirect, tt.loopback, err, tt.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "URL") {
			t.Errorf("error %q does not name the URL", err)
		}
	}
}
