package storetest

import (
	"crypto/rand"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/smelisting/alliance/functions/auth"
	"github.com/smelisting/alliance/functions/auth/devprovider"
	"github.com/smelisting/alliance/functions/backoffice"
	"github.com/smelisting/alliance/functions/httpapi"
	"github.com/smelisting/alliance/functions/intake"
)

// ConsoleStore is a store of everything the console reaches.
type ConsoleStore interface {
	AdminStore
	httpapi.SessionStore
}

// ConsoleClientID is the client ID (and token audience) of the tests' console.
const ConsoleClientID = "alliance-console-test"

// Clock is a clock a test moves forward.
type Clock struct {
	mu  sync.Mutex
	off time.Duration
}

// Now returns the time, moved on by every Advance so far.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.off += d
}

// ConsoleAPI is the public and secretariat handlers over one store with the
// console's sign-in, trusting the development OpenID provider, each served
// on 127.0.0.1 the way `alliance serve` wires them.
type ConsoleAPI struct {
	URL    string              // the API's origin
	Issuer *devprovider.Server // the provider the API trusts
	Clock  *Clock              // the sessions' clock
	secret string              // the console's client secret at the provider
}

// OAuth2Config is the console's client at the provider, found through its
// discovery document: a test that plays the console's part with it knows
// its own PKCE verifier.
func (a *ConsoleAPI) OAuth2Config(t *testing.T) *oauth2.Config {
	t.Helper()
	p, err := oidc.NewProvider(t.Context(), a.Issuer.URL)
	if err != nil {
		t.Fatal(err)
	}
	return &oauth2.Config{ClientID: ConsoleClientID, ClientSecret: a.secret, Endpoint: p.Endpoint(),
		RedirectURL: a.URL + httpapi.ConsoleRoutes[1].Pattern, Scopes: []string{oidc.ScopeOpenID}}
}

// Submit stores a sample application of the named organisation and returns
// its number.
func Submit(t testing.TB, s intake.Store, name string) string {
	t.Helper()
	a := Sample(time.Now())
	a.OrgName = name
	if err := s.CreateApplication(t.Context(), a, nil); err != nil {
		t.Fatal(err)
	}
	return a.Number
}

// ConsoleOptions vary the set-up.
type ConsoleOptions struct {
	// SiteOrigin is the origin of the console's pages when it is not the
	// API's own (the China layout).
	SiteOrigin string
	// Audience is the audience the API checks; "" is the console's client
	// ID, anything else makes every ID token one for another audience.
	Audience string
	// Listener, if set, is where the API is served (a test that needs a
	// host name for it); else a free port on 127.0.0.1.
	Listener net.Listener
	// Wrap, if set, wraps the API's handler (a test serving the site too).
	Wrap func(http.Handler) http.Handler
	// APIOrigin is the origin browsers reach the API on, when it is not
	// http://<Listener's address> (a host name mapped to 127.0.0.1).
	APIOrigin string
	// TLS serves the API over https:// with httptest's certificate.
	TLS bool
	// Events, if set, are the published events with registration the API
	// knows (the store must be an EventStore then).
	Events backoffice.EventSource
	// Now, if set, is the clock of the back office and the public routes
	// (the event's day at the door, say); the sessions keep Clock.
	Now func() time.Time
	// Files is the uploads bucket of the applicants' documents; nil: none.
	Files intake.Files
}

// NewConsoleAPI serves the API over s with the console's sign-in until the
// test ends.
func NewConsoleAPI(t testing.TB, s ConsoleStore, opt ConsoleOptions) *ConsoleAPI {
	t.Helper()
	ln := opt.Listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
	}
	origin := opt.APIOrigin
	if origin == "" && opt.TLS {
		origin = "https://" + ln.Addr().String()
	} else if origin == "" {
		origin = "http://" + ln.Addr().String()
	}
	callback := origin + httpapi.ConsoleRoutes[1].Pattern
	key, err := auth.NewLocalIssuer("unused", "unused")
	if err != nil {
		t.Fatal(err)
	}
	pk, kid := key.SigningKey()
	secret := rand.Text()
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	iss, err := devprovider.Start(t.Context(), "127.0.0.1:0", devprovider.Config{
		ClientID: ConsoleClientID, ClientSecret: secret, RedirectURIs: []string{callback}, Key: pk, KeyID: kid, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { iss.Close() })
	aud := opt.Audience
	if aud == "" {
		aud = ConsoleClientID
	}
	cfg := auth.Config{Issuer: iss.URL, Audience: aud, JWKSURL: iss.KeysURL(), RolesClaim: "roles", AllowLoopbackHTTP: true}
	v, err := auth.New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	login, err := auth.NewLogin(auth.LoginConfig{Config: auth.Config{Issuer: iss.URL, Audience: ConsoleClientID, AllowLoopbackHTTP: true},
		ClientSecret: secret, RedirectURL: callback}, v)
	if err != nil {
		t.Fatal(err)
	}
	clock := &Clock{}
	oc := backoffice.Config{Store: s, Log: log, Now: opt.Now}
	pc := httpapi.PublicConfig{Store: s, Log: log, SiteOrigin: opt.SiteOrigin, Timeout: TestTimeout, Now: opt.Now}
	if opt.Events != nil {
		es, ok := s.(EventStore)
		if !ok {
			t.Fatalf("ConsoleOptions.Events with a store of no events (%T)", s)
		}
		oc.Events, oc.Catalog = es, opt.Events
		pc.Registrations, pc.Events = es, opt.Events
	}
	if m, ok := s.(backoffice.MailStore); ok {
		oc.Mail = m // the console's mail page
	}
	if opt.Files != nil {
		oc.Files, pc.Files = opt.Files, opt.Files
	}
	office := backoffice.New(oc)
	mux := http.NewServeMux()
	site := opt.SiteOrigin // where printed certificates' QR codes point: the site, on the API's origin unless set
	if site == "" {
		site = origin
	}
	mux.Handle("/api/admin/", httpapi.NewAdmin(httpapi.AdminConfig{Office: office, Verifier: v, Log: log, SiteOrigin: opt.SiteOrigin, SiteURL: site,
		Console: &httpapi.ConsoleConfig{Login: login, Sessions: s, Origin: opt.SiteOrigin, Now: clock.Now}, Timeout: TestTimeout}))
	mux.Handle("/api/", httpapi.NewPublic(pc))
	var h http.Handler = mux
	if opt.Wrap != nil {
		h = opt.Wrap(mux)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = ln
	if opt.TLS {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return &ConsoleAPI{URL: origin, Issuer: iss, Clock: clock, secret: secret}
}
