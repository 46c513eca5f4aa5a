package httpapi

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/smelisting/alliance/functions/auth"
	"github.com/smelisting/alliance/functions/membership"
)

// ConsoleRoutes are the sign-in routes of the secretariat's console, served
// by the secretariat function beside AdminRoutes when it has a ConsoleConfig.
// The console is a backend-for-frontend client (the IETF's OAuth 2.0 for
// Browser-Based Applications): this function signs people in at the issuer
// (authorization code flow with PKCE, as a confidential client), keeps no
// token, and gives the browser only an HttpOnly session cookie, with which
// it calls AdminRoutes; every change also carries the session's CSRF token.
var ConsoleRoutes = []Route{
	{http.MethodGet, "/api/admin/signin"},          // start: to the issuer, ?return=/admin/…
	{http.MethodGet, "/api/admin/signin/callback"}, // the issuer's answer: the session, back to the console
	{http.MethodPost, "/api/admin/signout"},        // end the session
}

// Cookie and header names of the console's sessions. The __Host- prefix
// makes the browser insist on Secure, Path=/ and no Domain: the cookies
// belong to the API's host alone.
const (
	SessionCookie = "__Host-alliance-session"
	SignInCookie  = "__Host-alliance-signin"
	CSRFHeader    = "X-CSRF-Token"
)

// SessionStore keeps the console's sign-ins and sessions under the hashes
// of their secrets (membership.SecretHash). localstore.Store and dynamo.Store
// are both; storetest.RunSessions checks them.
type SessionStore interface {
	// PutSignIn stores a started sign-in under its State.
	PutSignIn(ctx context.Context, in *membership.SignIn) error
	// TakeSignIn returns the sign-in under the state and deletes it in one
	// step, so that a second callback with the same state finds nothing.
	// Errors: ENOTFOUND.
	TakeSignIn(ctx context.Context, state string) (*membership.SignIn, error)
	// CreateSession stores a new session.
	CreateSession(ctx context.Context, s *membership.Session) error
	// Session returns the session with the id, ended or not. Errors: ENOTFOUND.
	Session(ctx context.Context, id string) (*membership.Session, error)
	// TouchSession stores the session's SeenAt if the session still exists
	// (a sign-out is never undone). Errors: ENOTFOUND.
	TouchSession(ctx context.Context, s *membership.Session) error
	// DeleteSession deletes the session; one that is gone is no error.
	DeleteSession(ctx context.Context, id string) error
}

// Login is the sign-in at the issuer; *auth.Login is one.
type Login interface {
	AuthURL(ctx context.Context, state, nonce, verifier string) (string, error)
	Finish(ctx context.Context, code, verifier, nonce string) (auth.Identity, error)
}

// ConsoleConfig is what the console's sign-in needs.
type ConsoleConfig struct {
	Login    Login
	Sessions SessionStore
	// Origin is where the console's pages are ("https://www.example.cn"),
	// "" when they are on the API's own origin (behind CloudFront, or
	// `alliance serve`). Sign-in ends on Origin + "/admin/…", and a change
	// made with a session must come from this origin (or the same origin).
	Origin string
	Now    func() time.Time // nil: time.Now
}

// console serves ConsoleRoutes and finds the session of a request.
type console struct {
	login    Login
	sessions SessionStore
	origin   string
	now      func() time.Time
	log      *slog.Logger
}

func newConsole(cfg *ConsoleConfig, log *slog.Logger) *console {
	c := &console{login: cfg.Login, sessions: cfg.Sessions, origin: strings.TrimRight(cfg.Origin, "/"), now: cfg.Now, log: log}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}

// handlers returns the handler of each of ConsoleRoutes.
func (c *console) handlers() map[Route]http.HandlerFunc {
	return map[Route]http.HandlerFunc{
		ConsoleRoutes[0]: c.signIn,
		ConsoleRoutes[1]: c.callback,
		ConsoleRoutes[2]: c.signOut,
	}
}

// signIn starts a sign-in: it keeps the state (by its hash), the nonce and
// the PKCE verifier in the store, ties the state to this browser with a
// short-lived cookie and sends the browser to the issuer.
func (c *console) signIn(w http.ResponseWriter, r *http.Request) {
	ret := consolePath(r.URL.Query().Get("return"))
	state, now := rand.Text(), c.now()
	in := &membership.SignIn{State: membership.SecretHash(state), Nonce: rand.Text(), Verifier: oauth2.GenerateVerifier(),
		Return: ret, ExpiresAt: now.Add(membership.SignInLifetime)}
	to, err := c.login.AuthURL(r.Context(), state, in.Nonce, in.Verifier)
	if err == nil {
		err = c.sessions.PutSignIn(r.Context(), in)
	}
	if err != nil {
		c.log.ErrorContext(r.Context(), "sign-in not started", "request_id", requestID(r), "err", err.Error())
		c.back(w, r, "/admin/", "unavailable")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: SignInCookie, Value: state, Path: "/", MaxAge: int(membership.SignInLifetime / time.Second),
		Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode}) // Lax: the issuer's redirect back is a cross-site navigation
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// callback finishes a sign-in: the state must be the one this browser's
// cookie holds and still stored (once); the code is exchanged with the
// verifier; the ID token must carry the nonce and a role of the back office.
// Any failure sends the browser back to the console with a reason and no
// session.
func (c *console) callback(w http.ResponseWriter, r *http.Request) {
	ctx, q := r.Context(), r.URL.Query()
	http.SetCookie(w, &http.Cookie{Name: SignInCookie, Path: "/", MaxAge: -1, Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	w.Header().Set("Cache-Control", "no-store")
	state := q.Get("state")
	ck, err := r.Cookie(SignInCookie)
	if err != nil || state == "" || subtle.ConstantTimeCompare([]byte(ck.Value), []byte(state)) != 1 {
		c.refuse(w, r, "/admin/", "state", errors.New("state does not match this browser's sign-in cookie"))
		return
	}
	in, err := c.sessions.TakeSignIn(ctx, membership.SecretHash(state))
	switch {
	case err != nil && membership.ErrorCode(err) != membership.ENOTFOUND: // EUNAVAILABLE, EINTERNAL
		c.log.ErrorContext(ctx, "sign-in not read", "request_id", requestID(r), "err", err.Error())
		c.back(w, r, "/admin/", "unavailable")
		return
	case err == nil && in.Expired(c.now()):
		err = errors.New("sign-in expired")
	}
	if err != nil {
		c.refuse(w, r, "/admin/", "state", err)
		return
	}
	if e := q.Get("error"); e != "" {
		c.refuse(w, r, in.Return, "issuer", errors.New("issuer answered "+e))
		return
	}
	id, err := c.login.Finish(ctx, q.Get("code"), in.Verifier, in.Nonce)
	if err != nil {
		c.refuse(w, r, in.Return, "token", err)
		return
	}
	a := id.Actor()
	if err := a.May(membership.TaskRead); err != nil {
		c.refuse(w, r, in.Return, "role", err)
		return
	}
	s, secret := membership.NewSession(a, c.now())
	if err := c.sessions.CreateSession(ctx, s); err != nil {
		c.log.ErrorContext(ctx, "session not stored", "request_id", requestID(r), "err", err.Error())
		c.back(w, r, in.Return, "unavailable")
		return
	}
	c.log.InfoContext(ctx, "signed in", "request_id", requestID(r), "actor", a.ID, "roles", strings.Join(a.Roles, ","))
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: secret, Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, c.origin+in.Return, http.StatusSeeOther)
}

// refuse logs why a sign-in failed and sends the browser back to the console.
func (c *console) refuse(w http.ResponseWriter, r *http.Request, ret, reason string, err error) {
	c.log.InfoContext(r.Context(), "sign-in refused", "request_id", requestID(r), "reason", reason, "err", err.Error())
	c.back(w, r, ret, reason)
}

// back sends the browser to the console page ret with ?signin=reason.
func (c *console) back(w http.ResponseWriter, r *http.Request, ret, reason string) {
	u, _ := url.Parse(ret) // consolePath made it
	q := u.Query()
	q.Set("signin", reason)
	u.RawQuery = q.Encode()
	http.Redirect(w, r, c.origin+u.String(), http.StatusSeeOther)
}

// signOut ends the request's session (with the CSRF token, like any change)
// and clears the cookie.
func (c *console) signOut(w http.ResponseWriter, r *http.Request) {
	s, err := c.session(r)
	if err == nil {
		err = c.checkChange(r, s)
	}
	if err != nil && membership.ErrorCode(err) != membership.EUNAUTHORIZED {
		writeError(w, r, c.log, err)
		return
	}
	if s != nil {
		if err := c.sessions.DeleteSession(r.Context(), s.ID); err != nil {
			writeError(w, r, c.log, err)
			return
		}
		c.log.InfoContext(r.Context(), "signed out", "request_id", requestID(r), "actor", s.Actor.ID)
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Path: "/", MaxAge: -1, Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// errSessionEnded is the answer to a request whose session is gone or over.
var errSessionEnded = membership.Errorf(membership.EUNAUTHORIZED, "httpapi: session", "登录已过期，请重新登录")

// session returns the request's live session and records the use. Errors:
// EUNAUTHORIZED when there is no cookie or the session is gone or over.
func (c *console) session(r *http.Request) (*membership.Session, error) {
	ck, err := r.Cookie(SessionCookie)
	if err != nil || ck.Value == "" {
		return nil, errSessionEnded
	}
	s, err := c.sessions.Session(r.Context(), membership.SecretHash(ck.Value))
	if membership.ErrorCode(err) == membership.ENOTFOUND {
		return nil, errSessionEnded
	}
	if err != nil {
		return nil, err
	}
	now := c.now()
	if s.Expired(now) {
		return nil, errSessionEnded
	}
	if s.NeedsTouch(now) {
		s.SeenAt = now.UTC()
		err := c.sessions.TouchSession(r.Context(), s)
		if membership.ErrorCode(err) == membership.ENOTFOUND {
			return nil, errSessionEnded
		}
		if err != nil {
			return nil, err
		}
	}
	return s, nil
}

// checkChange refuses a change made with a session unless it comes from the
// console's origin (the Origin header, or Sec-Fetch-Site: same-origin) and
// carries the session's CSRF token. Errors: EFORBIDDEN.
func (c *console) checkChange(r *http.Request, s *membership.Session) error {
	const op = "httpapi: check change"
	origin := r.Header.Get("Origin")
	fromConsole := r.Header.Get("Sec-Fetch-Site") == "same-origin" || c.origin != "" && origin == c.origin
	if !fromConsole {
		return membership.Errorf(membership.EFORBIDDEN, op, "请求来源不是本系统的控制台，已拒绝")
	}
	got := r.Header.Get(CSRFHeader)
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(s.CSRF)) != 1 {
		return membership.Errorf(membership.EFORBIDDEN, op, "页面已过期，请刷新后重试（缺少有效的 CSRF 令牌）")
	}
	return nil
}

// consolePath returns ret if it is a path of the console ("/admin/…",
// query included), else "/admin/": sign-in never sends the browser elsewhere.
func consolePath(ret string) string {
	u, err := url.Parse(ret)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Fragment != "" || strings.ContainsAny(ret, `\`) {
		return "/admin/"
	}
	clean := path.Clean(u.Path)
	if strings.HasSuffix(u.Path, "/") {
		clean += "/"
	}
	if clean != u.Path || !strings.HasPrefix(clean, "/admin/") {
		return "/admin/"
	}
	return u.RequestURI()
}
