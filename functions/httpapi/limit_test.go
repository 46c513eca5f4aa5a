package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smelisting/alliance/functions/httpapi"
	"github.com/smelisting/alliance/functions/localstore"
	"github.com/smelisting/alliance/functions/storetest"
)

// memCounter is a ClientCounter in memory, for tests (the deployed one is dynamo.Limits).
type memCounter struct {
	mu     sync.Mutex
	counts map[string]int
	keys   []string // every key Take saw, in order
	err    error
}

func (m *memCounter) Take(_ context.Context, key string, limit int, _ time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.keys = append(m.keys, key)
	if m.err != nil {
		return false, m.err
	}
	if m.counts == nil {
		m.counts = map[string]int{}
	}
	if m.counts[key] >= limit {
		return false, nil
	}
	m.counts[key]++
	return true, nil
}

// TestPublicLimitsCoverPublicPosts: every public POST route has a per-client limit,
// and every limit names a public route.
func TestPublicLimitsCoverPublicPosts(t *testing.T) {
	routes := map[httpapi.Route]bool{}
	for _, rt := range httpapi.PublicRoutes {
		routes[rt] = true
		if _, ok := httpapi.PublicLimits[rt]; rt.Method == http.MethodPost && !ok {
			t.Errorf("public POST route %s has no entry in PublicLimits", rt)
		}
	}
	for rt, l := range httpapi.PublicLimits {
		if !routes[rt] {
			t.Errorf("PublicLimits names %s, which is not in PublicRoutes", rt)
		}
		if l.Requests <= 0 || l.Window <= 0 {
			t.Errorf("PublicLimits[%s] = %+v, want a positive count and window", rt, l)
		}
	}
}

func TestLimitClients(t *testing.T) {
	clock := time.Date(2026, 11, 27, 8, 3, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	limits := map[httpapi.Route]httpapi.Limit{
		{Method: http.MethodPost, Pattern: "/api/join"}:                 {Requests: 3, Window: 10 * time.Minute},
		{Method: http.MethodGet, Pattern: "/api/applications/{number}"}: {Requests: 2, Window: time.Minute},
	}
	c := &memCounter{}
	h := httpapi.LimitClients(ok, c, limits, nil, now, nil)
	send := func(method, path, addr string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, path, nil)
		r.RemoteAddr = addr
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	steps := []struct {
		name, method, path, addr string
		want                     int
	}{
		{"1st join", "POST", "/api/join", "203.0.113.9", 204},
		{"2nd join", "POST", "/api/join", "203.0.113.9", 204},
		{"3rd join", "POST", "/api/join", "203.0.113.9:4711", 204}, // a port does not make another client
		{"4th join: over the limit", "POST", "/api/join", "203.0.113.9", 429},
		{"another client", "POST", "/api/join", "198.51.100.7", 204},
		{"a route without a limit", "POST", "/api/applications", "203.0.113.9", 204},
		{"another limited route has its own count", "GET", "/api/applications/SQ2026-000001", "203.0.113.9", 204},
		{"... per pattern, not per path", "GET", "/api/applications/SQ2026-000002", "203.0.113.9", 204},
		{"... and its own limit", "GET", "/api/applications/SQ2026-000003", "203.0.113.9", 429},
		{"IPv6 client", "POST", "/api/join", "[2001:db8:1:2::10]:443", 204},
		{"same /64", "POST", "/api/join", "2001:db8:1:2::99", 204},
		{"same /64 again", "POST", "/api/join", "2001:db8:1:2:aaaa::1", 204},
		{"same /64: over the limit", "POST", "/api/join", "2001:db8:1:2::10", 429},
		{"next /64", "POST", "/api/join", "2001:db8:1:3::10", 204},
	}
	for _, s := range steps {
		w := send(s.method, s.path, s.addr)
		if w.Code != s.want {
			t.Fatalf("%s: status %d %s, want %d", s.name, w.Code, w.Body, s.want)
		}
		if s.want == 429 {
			if ra := w.Header().Get("Retry-After"); ra == "" || ra == "0" {
				t.Errorf("%s: Retry-After %q, want the seconds to the window's end", s.name, ra)
			}
		}
	}
	// A browser's form over the limit gets the page, with the time to wait.
	var waited time.Duration
	page := func(w http.ResponseWriter, r *http.Request, wait time.Duration) {
		waited = wait
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusTooManyRequests)
	}
	r := httptest.NewRequest("POST", "/api/join", nil)
	r.RemoteAddr = "203.0.113.9"
	r.Header.Set("Accept", "text/html,*/*;q=0.8")
	w := httptest.NewRecorder()
	httpapi.LimitClients(ok, c, limits, nil, now, page).ServeHTTP(w, r)
	if w.Code != 429 || waited != 7*time.Minute || w.Header().Get("Retry-After") != "421" || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
		t.Errorf("a browser's form over the limit: %d %q, waited %v, Retry-After %q; want the page, 7m0s, 421", w.Code, w.Header().Get("Content-Type"), waited, w.Header().Get("Retry-After"))
	}
	if got := send("POST", "/api/join", "203.0.113.9").Header().Get("Retry-After"); got != "421" {
		t.Errorf("Retry-After at 08:03:00 in a 10-minute window = %q, want 421 (08:10:00, plus one)", got)
	}
	clock = clock.Add(7 * time.Minute) // 08:10: the next window
	if w := send("POST", "/api/join", "203.0.113.9"); w.Code != 204 {
		t.Errorf("first join of the next window: status %d, want 204", w.Code)
	}
	for _, k := range c.keys {
		if strings.Contains(k, "203.0.113.9") || strings.Contains(k, "2001:db8") {
			t.Errorf("counter key %q holds the client's address, want it hashed", k)
		}
	}
}

// TestLimitClientsCounterFails: a counter error lets the request through and logs it.
func TestLimitClientsCounterFails(t *testing.T) {
	logs := &syncBuffer{}
	c := &memCounter{err: errors.New("dynamo: update limits: throttled")}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	h := httpapi.LimitClients(ok, c, httpapi.PublicLimits, slog.New(slog.NewJSONHandler(logs, nil)), nil, nil)
	r := httptest.NewRequest("POST", "/api/join", nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 204 {
		t.Errorf("status %d, want 204 (a failing counter does not refuse)", w.Code)
	}
	if !strings.Contains(logs.String(), `"level":"ERROR"`) || !strings.Contains(logs.String(), "throttled") {
		t.Errorf("log %q, want an ERROR line with the counter's error", logs.String())
	}
}

// TestPublicClientLimit: through NewPublic, the 429 of a client over the limit is a
// JSON error a browser on the site's origin can read, or a page for a form sent
// without JavaScript.
func TestPublicClientLimit(t *testing.T) {
	s, err := localstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	c := &memCounter{}
	h := httpapi.NewPublic(httpapi.PublicConfig{Store: s, SiteOrigin: origin, Limits: c})
	limit := httpapi.PublicLimits[httpapi.Route{Method: "POST", Pattern: "/api/applications"}].Requests
	var last *httptest.ResponseRecorder
	for i := range limit + 1 {
		r := httptest.NewRequest("POST", "/api/applications", strings.NewReader(`{"type":`))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Origin", origin)
		r.RemoteAddr = "203.0.113.9"
		last = httptest.NewRecorder()
		h.ServeHTTP(last, r)
		if i < limit && last.Code != http.StatusBadRequest {
			t.Fatalf("request %d: status %d, want 400 (malformed, but within the limit)", i+1, last.Code)
		}
	}
	if last.Code != http.StatusTooManyRequests {
		t.Fatalf("request %d: status %d %s, want 429", limit+1, last.Code, last.Body)
	}
	if got := last.Header().Get("Access-Control-Allow-Origin"); got != origin {
		t.Errorf("429 Access-Control-Allow-Origin %q, want %q (the form on the site must read it)", got, origin)
	}
	var body struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if err := json.Unmarshal(last.Body.Bytes(), &body); err != nil || body.Error.Code != "rate_limited" || body.Error.Message == "" {
		t.Errorf("429 body %s, want a JSON error with code rate_limited and a message", last.Body)
	}

	// The form without JavaScript, over its limit: a page in the site's frame that
	// says how long to wait and that the typed answers are still on the page before.
	form := httpapi.Route{Method: "POST", Pattern: "/api/join"}
	for range httpapi.PublicLimits[form].Requests + 1 {
		r := httptest.NewRequest("POST", "/api/join", strings.NewReader("type=enterprise"))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
		r.RemoteAddr = "198.51.100.20"
		last = httptest.NewRecorder()
		h.ServeHTTP(last, r)
	}
	page := last.Body.String()
	if last.Code != http.StatusTooManyRequests || !strings.HasPrefix(last.Header().Get("Content-Type"), "text/html") || last.Header().Get("Retry-After") == "" {
		t.Fatalf("form over the limit: %d %q Retry-After %q, want a 429 page with Retry-After", last.Code, last.Header().Get("Content-Type"), last.Header().Get("Retry-After"))
	}
	for _, want := range []string{"<h1>请求过于频繁</h1>", "分钟后再试", "回到上一页"} {
		if !strings.Contains(page, want) {
			t.Errorf("page over the limit lacks %q:\n%s", want, page)
		}
	}
}

// TestMemCounterContract: the fake the handler tests use keeps the counter contract.
func TestMemCounterContract(t *testing.T) {
	storetest.Limits(t, &memCounter{})
}
