package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/smelisting/alliance/functions/auth"
	"github.com/smelisting/alliance/functions/backoffice"
	"github.com/smelisting/alliance/functions/httpapi"
	"github.com/smelisting/alliance/functions/localstore"
	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/storetest"
)

func consoleAPI(t *testing.T, opt storetest.ConsoleOptions) (*storetest.ConsoleAPI, *localstore.Store) {
	t.Helper()
	s, err := localstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return storetest.NewConsoleAPI(t, s, opt), s
}

// browser is an HTTP client with a cookie jar that does not follow
// redirects: each step of a sign-in is one request the test looks at.
type browser struct {
	t *testing.T
	c *http.Client
}

func newBrowser(t *testing.T) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, c: &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// do sends a request with the headers and returns the answer, its body read.
func (b *browser) do(method, u string, body io.Reader, header ...string) (*http.Response, string) {
	b.t.Helper()
	req, err := http.NewRequestWithContext(b.t.Context(), method, u, body)
	if err != nil {
		b.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, u, err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return res, string(data)
}

// redirect sends a GET and returns where it redirects to, resolved.
func (b *browser) redirect(u string, want int) *url.URL {
	b.t.Helper()
	res, body := b.do("GET", u, nil)
	if res.StatusCode != want {
		b.t.Fatalf("GET %s: got %d %s, want %d", u, res.StatusCode, body, want)
	}
	loc, err := res.Request.URL.Parse(res.Header.Get("Location"))
	if err != nil {
		b.t.Fatal(err)
	}
	return loc
}

// toIssuer starts a sign-in at the API and follows it to the provider's
// sign-in page, returning the authorization request's id.
func (b *browser) toIssuer(api *storetest.ConsoleAPI, ret string) (authorize *url.URL, id string) {
	b.t.Helper()
	authorize = b.redirect(api.URL+"/api/admin/signin?return="+url.QueryEscape(ret), http.StatusSeeOther)
	login := b.redirect(authorize.String(), http.StatusFound)
	return authorize, login.Query().Get("authRequestID")
}

// pick signs in on the provider's page and returns the console's callback
// URL the provider sends the browser to.
func (b *browser) pick(api *storetest.ConsoleAPI, id, role, name string) *url.URL {
	b.t.Helper()
	form := url.Values{"id": {id}, "role": {role}, "name": {name}}
	res, body := b.do("POST", api.Issuer.URL+"/login", strings.NewReader(form.Encode()), "Content-Type", "application/x-www-form-urlencoded")
	if res.StatusCode != http.StatusFound {
		b.t.Fatalf("sign-in page: got %d %s, want 302", res.StatusCode, body)
	}
	cb, _ := res.Request.URL.Parse(res.Header.Get("Location"))
	return b.redirect(cb.String(), http.StatusFound)
}

// signIn goes through the whole sign-in and returns where the API sends the
// browser in the end.
func (b *browser) signIn(api *storetest.ConsoleAPI, role, name, ret string) *url.URL {
	b.t.Helper()
	_, id := b.toIssuer(api, ret)
	return b.redirect(b.pick(api, id, role, name).String(), http.StatusSeeOther)
}

// me returns the status of GET /api/admin/me and the CSRF token it carried.
func (b *browser) me(api *storetest.ConsoleAPI) (int, membership.Actor, string) {
	b.t.Helper()
	res, body := b.do("GET", api.URL+"/api/admin/me", nil)
	var a membership.Actor
	if res.StatusCode == http.StatusOK {
		if err := json.Unmarshal([]byte(body), &a); err != nil {
			b.t.Fatal(err)
		}
	}
	return res.StatusCode, a, res.Header.Get(httpapi.CSRFHeader)
}

// cookie returns the value of the jar's cookie for the API, "" if none.
func (b *browser) cookie(api *storetest.ConsoleAPI, name string) string {
	u, _ := url.Parse(api.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

func wantSignIn(t *testing.T, to *url.URL, path, reason string) {
	t.Helper()
	if to.Path != path || to.Query().Get("signin") != reason {
		t.Errorf("sent back to %s, want %s with signin=%s", to, path, reason)
	}
}

func TestConsoleSignIn(t *testing.T) {
	api, _ := consoleAPI(t, storetest.ConsoleOptions{})
	b := newBrowser(t)
	authorize, id := b.toIssuer(api, "/admin/applications/?status=submitted")
	q := authorize.Query()
	if q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43 || q.Get("nonce") == "" || q.Get("state") == "" ||
		q.Get("client_id") != storetest.ConsoleClientID || q.Get("response_type") != "code" {
		t.Errorf("authorization request: got %s, want code flow with an S256 challenge, a nonce and a state", authorize)
	}
	if b.cookie(api, httpapi.SignInCookie) != q.Get("state") {
		t.Errorf("the sign-in cookie does not hold the state")
	}
	to := b.redirect(b.pick(api, id, membership.RoleSecretariat, "王秘书").String(), http.StatusSeeOther)
	if to.RequestURI() != "/admin/applications/?status=submitted" || to.Host != strings.TrimPrefix(api.URL, "http://") {
		t.Errorf("after sign-in: sent to %s, want the page the sign-in started on", to)
	}
	if b.cookie(api, httpapi.SignInCookie) != "" {
		t.Errorf("the sign-in cookie outlived the sign-in")
	}
	status, me, csrf := b.me(api)
	if status != http.StatusOK || me.Name != "王秘书" || !me.Has(membership.RoleSecretariat) || csrf == "" {
		t.Fatalf("GET /api/admin/me with the session: got %d %+v csrf %q, want 200 王秘书 (secretariat) with a CSRF token", status, me, csrf)
	}
	if api.Issuer.Completed() != 1 {
		t.Errorf("provider: got %d sign-ins on its page, want 1", api.Issuer.Completed())
	}
}

func TestConsoleSignInRefused(t *testing.T) {
	tests := []struct {
		name   string
		opt    storetest.ConsoleOptions
		role   string
		tamper func(b *browser, cb *url.URL) *url.URL // the callback as delivered
		other  bool                                   // delivered to another browser
		reason string
	}{
		{"wrong state", storetest.ConsoleOptions{}, membership.RoleSecretariat, func(b *browser, cb *url.URL) *url.URL {
			q := cb.Query()
			q.Set("state", "not-the-state")
			cb.RawQuery = q.Encode()
			return cb
		}, false, "state"},
		{"state of another browser", storetest.ConsoleOptions{}, membership.RoleSecretariat, nil, true, "state"},

		{"error from the issuer", storetest.ConsoleOptions{}, membership.RoleSecretariat, func(b *browser, cb *url.URL) *url.URL {
			q := cb.Query()
			q.Del("code")
			q.Set("error", "access_denied")
			cb.RawQuery = q.Encode()
			return cb
		}, false, "issuer"},
		{"forged code", storetest.ConsoleOptions{}, membership.RoleSecretariat, func(b *browser, cb *url.URL) *url.URL {
			q := cb.Query()
			q.Set("code", "forged")
			cb.RawQuery = q.Encode()
			return cb
		}, false, "token"},
		{"ID token for another audience", storetest.ConsoleOptions{Audience: "some-other-client"}, membership.RoleSecretariat, nil, false, "token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api, _ := consoleAPI(t, tt.opt)
			b := newBrowser(t)
			_, id := b.toIssuer(api, "/admin/members/")
			cb := b.pick(api, id, tt.role, "测试人员")
			if tt.tamper != nil {
				cb = tt.tamper(b, cb)
			}
			at := b
			if tt.other {
				at = newBrowser(t)
			}
			// Without the sign-in, the page it started on is unknown: the console's start.
			back := "/admin/members/"
			if tt.reason == "state" {
				back = "/admin/"
			}
			wantSignIn(t, at.redirect(cb.String(), http.StatusSeeOther), back, tt.reason)
			if tt.reason == "state" && !tt.other {
				wantSignIn(t, at.redirect(cb.String(), http.StatusSeeOther), "/admin/", "state")
			}
			if at.cookie(api, httpapi.SessionCookie) != "" {
				t.Errorf("a session cookie was set")
			}
			if status, _, _ := at.me(api); status != http.StatusUnauthorized {
				t.Errorf("GET /api/admin/me after a refused sign-in: got %d, want 401", status)
			}
		})
	}
}

func TestConsoleReplayedCallback(t *testing.T) {
	api, _ := consoleAPI(t, storetest.ConsoleOptions{})
	b := newBrowser(t)
	_, id := b.toIssuer(api, "/admin/")
	cb := b.pick(api, id, membership.RoleChair, "刘理事长")
	if to := b.redirect(cb.String(), http.StatusSeeOther); to.Query().Get("signin") != "" {
		t.Fatalf("first callback refused: %s", to)
	}
	first := b.cookie(api, httpapi.SessionCookie)
	// The same state and code again, in this browser and in another one.
	for _, at := range []*browser{b, newBrowser(t)} {
		wantSignIn(t, at.redirect(cb.String(), http.StatusSeeOther), "/admin/", "state")
	}
	if b.cookie(api, httpapi.SessionCookie) != first {
		t.Errorf("the replayed callback replaced the session")
	}
}

// TestProviderRefusesCodeReplayAndBadVerifiers plays the console's part
// against the development provider with golang.org/x/oauth2, so that the
// test knows the PKCE verifier: the token endpoint refuses a missing or
// wrong verifier and a code used twice.
func TestProviderRefusesCodeReplayAndBadVerifiers(t *testing.T) {
	api, _ := consoleAPI(t, storetest.ConsoleOptions{})
	b := newBrowser(t)
	ctx := context.WithValue(t.Context(), oauth2.HTTPClient, &http.Client{Timeout: 10 * time.Second})
	tests := []struct {
		name     string
		verifier func(right string) []oauth2.AuthCodeOption
		twice    bool
	}{
		{"no verifier", func(string) []oauth2.AuthCodeOption { return nil }, false},
		{"wrong verifier", func(string) []oauth2.AuthCodeOption {
			return []oauth2.AuthCodeOption{oauth2.VerifierOption(oauth2.GenerateVerifier())}
		}, false},
		{"code used twice", func(right string) []oauth2.AuthCodeOption {
			return []oauth2.AuthCodeOption{oauth2.VerifierOption(right)}
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := api.OAuth2Config(t)
			verifier := oauth2.GenerateVerifier()
			u := cfg.AuthCodeURL("state-1", oauth2.S256ChallengeOption(verifier))
			login := b.redirect(u, http.StatusFound)
			cb := b.pick(api, login.Query().Get("authRequestID"), membership.RoleSecretariat, "王秘书")
			code := cb.Query().Get("code")
			_, err := cfg.Exchange(ctx, code, tt.verifier(verifier)...)
			if tt.twice {
				if err != nil {
					t.Fatalf("first exchange: %v", err)
				}
				_, err = cfg.Exchange(ctx, code, tt.verifier(verifier)...)
			}
			var re *oauth2.RetrieveError
			if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" && re.ErrorCode != "invalid_request" {
				t.Errorf("got %v, want the token endpoint to refuse with invalid_grant or invalid_request", err)
			}
		})
	}
}

func TestConsoleChangesNeedCSRFAndOrigin(t *testing.T) {
	const site = "https://www.alliance.test"
	api, s := consoleAPI(t, storetest.ConsoleOptions{SiteOrigin: site})
	b := newBrowser(t)
	if to := b.signIn(api, membership.RoleSecretariat, "王秘书", "/admin/"); to.String() != site+"/admin/" {
		t.Fatalf("after sign-in: sent to %s, want the console on the site's origin", to)
	}
	_, _, csrf := b.me(api)
	number := storetest.Submit(t, s, "北京会话示例科技有限公司")
	review := api.URL + "/api/admin/applications/" + number + "/review"
	body := func() io.Reader { return strings.NewReader(`{"version": 1}`) }
	tests := []struct {
		name   string
		header []string
		want   int
	}{
		{"no CSRF token", []string{"Origin", site}, http.StatusForbidden},
		{"wrong CSRF token", []string{"Origin", site, httpapi.CSRFHeader, "x" + csrf}, http.StatusForbidden},
		{"from another site", []string{"Origin", "https://evil.example", httpapi.CSRFHeader, csrf}, http.StatusForbidden},
		{"no origin at all", []string{httpapi.CSRFHeader, csrf}, http.StatusForbidden},
		{"cross-site fetch", []string{"Sec-Fetch-Site", "cross-site", httpapi.CSRFHeader, csrf}, http.StatusForbidden},
		{"from the console", []string{"Origin", site, httpapi.CSRFHeader, csrf}, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, text := b.do("POST", review, body(), append([]string{"Content-Type", "application/json"}, tt.header...)...)
			if res.StatusCode != tt.want {
				t.Errorf("got %d %s, want %d", res.StatusCode, text, tt.want)
			}
		})
	}
	if a, err := s.Application(t.Context(), number); err != nil || a.Status != membership.StatusReviewed || a.Version != 2 {
		t.Errorf("application: got %+v, %v, want reviewed once (version 2)", a, err)
	}
	res, _ := b.do("OPTIONS", review, nil, "Origin", site, "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type,x-csrf-token")
	if res.Header.Get("Access-Control-Allow-Origin") != site || res.Header.Get("Access-Control-Allow-Credentials") != "true" ||
		!strings.Contains(res.Header.Get("Access-Control-Allow-Headers"), httpapi.CSRFHeader) {
		t.Errorf("preflight: got %v, want the site allowed with credentials and the CSRF header", res.Header)
	}
}

func TestConsoleSessionEnds(t *testing.T) {
	api, _ := consoleAPI(t, storetest.ConsoleOptions{})
	b := newBrowser(t)
	b.signIn(api, membership.RoleSupervisor, "周监事", "/admin/")
	if status, _, _ := b.me(api); status != http.StatusOK {
		t.Fatalf("signed in: got %d", status)
	}
	api.Clock.Advance(membership.SessionIdle - time.Minute)
	if status, _, _ := b.me(api); status != http.StatusOK {
		t.Fatalf("after %v idle: got %d, want 200", membership.SessionIdle-time.Minute, status)
	}
	api.Clock.Advance(membership.SessionIdle - time.Minute) // idle again, but used in between
	if status, _, _ := b.me(api); status != http.StatusOK {
		t.Fatalf("used within the idle time: got %d, want 200", status)
	}
	api.Clock.Advance(membership.SessionIdle)
	if status, _, _ := b.me(api); status != http.StatusUnauthorized {
		t.Errorf("after %v idle: got %d, want 401", membership.SessionIdle, status)
	}

	b.signIn(api, membership.RoleSupervisor, "周监事", "/admin/")
	for range int(membership.SessionLifetime / (membership.SessionIdle / 2)) {
		api.Clock.Advance(membership.SessionIdle / 2)
		b.me(api)
	}
	if status, _, _ := b.me(api); status != http.StatusUnauthorized {
		t.Errorf("after %v in use: got %d, want 401", membership.SessionLifetime, status)
	}

	b.signIn(api, membership.RoleSupervisor, "周监事", "/admin/")
	_, _, csrf := b.me(api)
	if res, _ := b.do("POST", api.URL+"/api/admin/signout", nil, "Sec-Fetch-Site", "same-origin"); res.StatusCode != http.StatusForbidden {
		t.Errorf("sign-out without the CSRF token: got %d, want 403", res.StatusCode)
	}
	if res, _ := b.do("POST", api.URL+"/api/admin/signout", nil, "Sec-Fetch-Site", "same-origin", httpapi.CSRFHeader, csrf); res.StatusCode != http.StatusNoContent {
		t.Errorf("sign-out: got %d, want 204", res.StatusCode)
	}
	if b.cookie(api, httpapi.SessionCookie) != "" {
		t.Errorf("sign-out left the cookie")
	}
}

// downSessions is an embedded store whose sessions and sign-ins are
// unavailable while down is set, as a DynamoDB sessions table that is
// throttled or does not answer by the deadline.
type downSessions struct {
	*localstore.Store
	down atomic.Bool
}

func (d *downSessions) err() error {
	if d.down.Load() {
		return membership.Unavailable("test: sessions", errors.New("the sessions table does not answer"))
	}
	return nil
}

func (d *downSessions) PutSignIn(ctx context.Context, in *membership.SignIn) error {
	if err := d.err(); err != nil {
		return err
	}
	return d.Store.PutSignIn(ctx, in)
}

func (d *downSessions) TakeSignIn(ctx context.Context, state string) (*membership.SignIn, error) {
	if err := d.err(); err != nil {
		return nil, err
	}
	return d.Store.TakeSignIn(ctx, state)
}

func (d *downSessions) Session(ctx context.Context, id string) (*membership.Session, error) {
	if err := d.err(); err != nil {
		return nil, err
	}
	return d.Store.Session(ctx, id)
}

// TestConsoleSessionsUnavailable: while the sessions cannot be read, a
// request with a session cookie is a 503 with Retry-After (the console says
// 系统繁忙 and keeps the input), not a 401 that would send the clerk to sign
// in again; a sign-in that cannot be started or finished ends on the console
// with signin=unavailable, not with "the state is wrong".
func TestConsoleSessionsUnavailable(t *testing.T) {
	ls, err := localstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ls.Close() })
	s := &downSessions{Store: ls}
	api := storetest.NewConsoleAPI(t, s, storetest.ConsoleOptions{})
	b := newBrowser(t)
	b.signIn(api, membership.RoleSecretariat, "王秘书", "/admin/")
	s.down.Store(true)
	res, body := b.do("GET", api.URL+"/api/admin/applications", nil)
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" || !strings.Contains(body, `"unavailable"`) {
		t.Errorf("the list with a session while the sessions are down: got %d (Retry-After %q) %s, want 503 unavailable",
			res.StatusCode, res.Header.Get("Retry-After"), body)
	}
	wantSignIn(t, b.redirect(api.URL+"/api/admin/signin?return=/admin/members/", http.StatusSeeOther), "/admin/", "unavailable")

	s.down.Store(false)
	other := newBrowser(t)
	_, id := other.toIssuer(api, "/admin/dues/")
	callback := other.pick(api, id, membership.RoleChair, "李理事长")
	s.down.Store(true)
	wantSignIn(t, other.redirect(callback.String(), http.StatusSeeOther), "/admin/", "unavailable")
	s.down.Store(false)
	if status, _, _ := b.me(api); status != http.StatusOK {
		t.Errorf("the session once the sessions are back: got %d, want 200", status)
	}
}

// TestProviderRefusesInvisibleName: the development provider's display name
// becomes the actor's name in every history entry, so it is clean text.
func TestProviderRefusesInvisibleName(t *testing.T) {
	api, _ := consoleAPI(t, storetest.ConsoleOptions{})
	b := newBrowser(t)
	_, id := b.toIssuer(api, "/admin/")
	form := url.Values{"id": {id}, "role": {membership.RoleSecretariat}, "name": {"王\u202e书秘"}}
	res, body := b.do("POST", api.Issuer.URL+"/login", strings.NewReader(form.Encode()), "Content-Type", "application/x-www-form-urlencoded")
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "无法显示的特殊字符") {
		t.Errorf("a name with a right-to-left override: got %d, want 400 saying why:\n%s", res.StatusCode, body)
	}
	if to := b.pick(api, id, membership.RoleSecretariat, "王秘书"); to.Query().Get("code") == "" {
		t.Errorf("the same sign-in with a clean name: sent to %s, want the console's callback with a code", to)
	}
}

func TestConsoleReturnStaysInConsole(t *testing.T) {
	api, _ := consoleAPI(t, storetest.ConsoleOptions{})
	for _, ret := range []string{"https://evil.example/", "//evil.example/admin/", "/admin/../x", "/admin//evil.example", "/news/", `/admin/\evil`, "/admin/#x"} {
		b := newBrowser(t)
		if to := b.signIn(api, membership.RoleSecretariat, "王秘书", ret); to.String() != api.URL+"/admin/" {
			t.Errorf("return %q: sent to %s, want %s/admin/", ret, to, api.URL)
		}
	}
}

// fakeLogin is an issuer that vouches for whoever the test says.
type fakeLogin struct{ id auth.Identity }

func (f fakeLogin) AuthURL(_ context.Context, state, nonce, verifier string) (string, error) {
	return "https://issuer.example/authorize?state=" + url.QueryEscape(state), nil
}

func (f fakeLogin) Finish(context.Context, string, string, string) (auth.Identity, error) {
	return f.id, nil
}

// TestConsoleRoleChecked signs in people the issuer vouches for: only those
// with a role of the back office get a session.
func TestConsoleRoleChecked(t *testing.T) {
	s, err := localstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	for _, tt := range []struct {
		roles  []string
		reason string
	}{
		{nil, "role"},
		{[]string{"applicant", "staff"}, "role"},
		{[]string{membership.RoleSupervisor}, ""},
	} {
		h := httpapi.NewAdmin(httpapi.AdminConfig{Office: backoffice.New(backoffice.Config{Store: s}), Verifier: noTokens{},
			Console: &httpapi.ConsoleConfig{Login: fakeLogin{auth.Identity{Subject: "u-1", Name: "某人", Roles: tt.roles}}, Sessions: s}})
		srv := httptest.NewServer(h)
		api := &storetest.ConsoleAPI{URL: srv.URL}
		b := newBrowser(t)
		to := b.redirect(srv.URL+"/api/admin/signin?return=/admin/", http.StatusSeeOther)
		cb := srv.URL + "/api/admin/signin/callback?code=c&state=" + url.QueryEscape(to.Query().Get("state"))
		wantSignIn(t, b.redirect(cb, http.StatusSeeOther), "/admin/", tt.reason)
		if got := b.cookie(api, httpapi.SessionCookie) != ""; got != (tt.reason == "") {
			t.Errorf("roles %v: got a session %v, want %v", tt.roles, got, tt.reason == "")
		}
		srv.Close()
	}
}

// noTokens is a verifier for requests without a bearer token.
type noTokens struct{}

func (noTokens) VerifyRequest(*http.Request) (auth.Identity, error) {
	return auth.Identity{}, auth.ErrNoToken
}
