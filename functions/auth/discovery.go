package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// maxDiscoveryBytes bounds the discovery document read at start.
const maxDiscoveryBytes = 1 << 20

// checkURL refuses a URL that is not https:// with a host, unless allowLoopback
// and it is http:// on 127.0.0.1, ::1 or localhost. what names the URL in the
// error ("issuer", "JWKS").
func checkURL(what, raw string, allowLoopback bool) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil {
		return fmt.Errorf("auth: %s URL %q is not an absolute URL", what, raw)
	}
	switch {
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && allowLoopback && isLoopback(u.Hostname()):
		return nil
	}
	return fmt.Errorf("auth: %s URL %q must start with https://", what, raw)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// httpsClient returns the client New uses by default: a 5 s timeout, and no
// redirect to a URL checkURL would refuse (an https:// key set that redirects
// to http:// is as bad as an http:// one).
func httpsClient(allowLoopback bool) *http.Client {
	return &http.Client{
		Timeout: 5 * time.Second,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return errors.New("auth: too many redirects")
			}
			return checkURL("redirect", req.URL.String(), allowLoopback)
		},
	}
}

// discoverJWKS reads the issuer's OpenID Provider Configuration
// (OpenID Connect Discovery 1.0, section 4) and returns its jwks_uri. The
// document must name exactly the configured issuer (section 4.3), so a
// mistyped or look-alike issuer URL fails at start, not at the first login.
func discoverJWKS(ctx context.Context, client *http.Client, issuer string) (string, error) {
	where := strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, where, nil)
	if err != nil {
		return "", fmt.Errorf("auth: discovery %s: %w", where, err)
	}
	req.Header.Set("Accept", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("auth: discovery: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return "", fmt.Errorf("auth: discovery %s: status %s", where, res.Status)
	}
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.NewDecoder(io.LimitReader(res.Body, maxDiscoveryBytes)).Decode(&doc); err != nil {
		return "", fmt.Errorf("auth: discovery %s: %w", where, err)
	}
	if doc.Issuer != issuer {
		return "", fmt.Errorf("auth: discovery %s names issuer %q, want %q", where, doc.Issuer, issuer)
	}
	if doc.JWKSURI == "" {
		return "", fmt.Errorf("auth: discovery %s has no jwks_uri", where)
	}
	return doc.JWKSURI, nil
}
