package httpapi_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/smelisting/alliance/functions/httpapi"
	"github.com/smelisting/alliance/functions/localstore"
	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/storetest"
)

// verifyEnv is the public handler over an embedded store holding an active
// enterprise member, an individual who exited and a member who was expelled,
// limiting the lookups of each client as `alliance serve` does.
func verifyEnv(t *testing.T) (http.Handler, []*membership.Member) {
	t.Helper()
	s, err := localstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ms := []*membership.Member{storetest.Member(t, s, "2025-03-01"), storetest.Member(t, s, "2025-04-01"), storetest.Member(t, s, "2025-05-01")}
	now := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	clerk := membership.Actor{ID: "clerk-1", Roles: []string{membership.RoleSecretariat}}
	chair := membership.Actor{ID: "chair-1", Roles: []string{membership.RoleChair}}
	change := func(m *membership.Member, fn func(*membership.Member) error) {
		up, err := s.UpdateMember(t.Context(), m.Certificate, 0, fn)
		if err != nil {
			t.Fatal(err)
		}
		*m = *up
	}
	change(ms[1], func(m *membership.Member) error {
		m.Type, m.Profile.Name = membership.TypeIndividual, "张三丰" // as NewMember names an individual
		return m.Exit(clerk, "2026-06-30", true, "", now)
	})
	change(ms[2], func(m *membership.Member) error { return m.ProposeExpulsion(clerk, "严重违反章程", now) })
	change(ms[2], func(m *membership.Member) error { return m.DecideExpulsion(chair, true, "", now) })
	h := httpapi.NewPublic(httpapi.PublicConfig{Store: s, SiteOrigin: origin, Frame: testFrame, Certificates: s,
		Limits: s, Limited: httpapi.LookupLimits, Now: func() time.Time { return now }})
	return h, ms
}

func get(h http.Handler, path, addr string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("GET", path, nil)
	r.RemoteAddr = addr
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestCertificateLookup(t *testing.T) {
	h, ms := verifyEnv(t)
	tests := []struct {
		name, number string
		want         membership.Verification
	}{
		{"active", ms[0].Certificate, membership.Verification{Certificate: ms[0].Certificate, Name: ms[0].Profile.Name, Type: membership.TypeEnterprise,
			TypeLabel: "企业会员", Status: membership.MemberActive, StatusLabel: "有效", JoinedOn: "2025-03-01", Valid: true}},
		{"typed in lower case and full width", "ｌｍ" + strings.ToLower(ms[0].Certificate[2:]), membership.Verification{Certificate: ms[0].Certificate,
			Name: ms[0].Profile.Name, Type: membership.TypeEnterprise, TypeLabel: "企业会员", Status: membership.MemberActive, StatusLabel: "有效",
			JoinedOn: "2025-03-01", Valid: true}},
		{"individual, exited", ms[1].Certificate, membership.Verification{Certificate: ms[1].Certificate, Name: "张**", Type: membership.TypeIndividual,
			TypeLabel: "个人会员", Status: membership.MemberExited, StatusLabel: "已退会", JoinedOn: "2025-04-01", LeftOn: "2026-06-30"}},
		{"expelled", ms[2].Certificate, membership.Verification{Certificate: ms[2].Certificate, Name: ms[2].Profile.Name, Type: membership.TypeEnterprise,
			TypeLabel: "企业会员", Status: membership.MemberExpelled, StatusLabel: "已除名", JoinedOn: "2025-05-01", LeftOn: "2026-11-27"}},
	}
	for _, tt := range tests {
		w := get(h, "/api/certificates/"+url.PathEscape(tt.number), "203.0.113.1")
		var got membership.Verification
		if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &got) != nil || got != tt.want {
			t.Errorf("%s: %d %s, want 200 %+v", tt.name, w.Code, w.Body, tt.want)
		}
		for _, secret := range []string{ms[0].CreditCode, ms[0].Contact.Phone, ms[0].Contact.Email, ms[0].Contact.Person, "张三丰", "introduction", "credit_code"} {
			if secret != "" && strings.Contains(w.Body.String(), secret) {
				t.Errorf("%s: the answer holds %q: %s", tt.name, secret, w.Body)
			}
		}
	}
}

// TestCertificateUnknownLikeMalformed: an unknown and a malformed number get the
// same 404, byte for byte but for the request ID.
func TestCertificateUnknownLikeMalformed(t *testing.T) {
	h, _ := verifyEnv(t)
	var bodies []string
	for _, n := range []string{"LM-2026-9999", "LM-2026-0001x", "LM-2026-0001%2F..", "%E2%80%AE", "x"} {
		w := get(h, "/api/certificates/"+n, "203.0.113.2")
		if w.Code != 404 || w.Header().Get("Content-Type") != "application/json; charset=utf-8" {
			t.Errorf("%s: %d %s, want a JSON 404", n, w.Code, w.Header().Get("Content-Type"))
		}
		var b struct {
			Error map[string]any `json:"error"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &b); err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		delete(b.Error, "request_id")
		out, _ := json.Marshal(b)
		bodies = append(bodies, string(out))
	}
	for i, b := range bodies[1:] {
		if b != bodies[0] {
			t.Errorf("answer %d %s differs from the unknown number's %s", i+2, b, bodies[0])
		}
	}
}

// TestCertificateLimit: one client gets its 30 lookups in ten minutes, JSON and
// page counted together, then a 429 with Retry-After and a Chinese message;
// another client is not held up.
func TestCertificateLimit(t *testing.T) {
	h, ms := verifyEnv(t)
	limit := httpapi.LookupLimits[httpapi.CertificateRoutes[0]].Requests
	for i := range limit {
		path := "/api/certificates/" + membership.FormatCertificate(2026, i+1)
		if i%2 == 1 {
			path = "/api/verify?n=" + membership.FormatCertificate(2026, i+1)
		}
		if w := get(h, path, "203.0.113.3"); w.Code == http.StatusTooManyRequests {
			t.Fatalf("lookup %d (%s): 429 within the limit", i+1, path)
		}
	}
	w := get(h, "/api/certificates/"+ms[0].Certificate, "203.0.113.3")
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" || !strings.Contains(w.Body.String(), "请求过于频繁") {
		t.Errorf("lookup %d: %d Retry-After %q %s, want 429 with Retry-After and a Chinese message", limit+1, w.Code, w.Header().Get("Retry-After"), w.Body)
	}
	if w := get(h, "/api/certificates/"+ms[0].Certificate, "198.51.100.7"); w.Code != 200 {
		t.Errorf("another client: %d, want 200", w.Code)
	}
	// The form without JavaScript: the page again, with the number and what to do.
	r := httptest.NewRequest("GET", "/api/verify?n=LM-2026-0007", nil)
	r.RemoteAddr, w = "203.0.113.3", httptest.NewRecorder()
	r.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
	h.ServeHTTP(w, r)
	body := w.Body.String()
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
		t.Errorf("page over the limit: %d Retry-After %q %q, want a 429 page with Retry-After", w.Code, w.Header().Get("Retry-After"), w.Header().Get("Content-Type"))
	}
	for _, want := range []string{"请求过于频繁，请 ", "分钟后再试", `action="/api/verify"`, `value="LM-2026-0007"`} {
		if !strings.Contains(body, want) {
			t.Errorf("page over the limit lacks %q:\n%s", want, body)
		}
	}
}

// TestVerifyPage: the page without JavaScript in the site's frame.
func TestVerifyPage(t *testing.T) {
	h, ms := verifyEnv(t)
	tests := []struct {
		query  string
		status int
		want   []string
	}{
		{"", 200, []string{`<form class="verify-form" method="get" action="/api/verify"`}},
		{"?n=" + ms[0].Certificate, 200, []string{"有效", ms[0].Profile.Name, "企业会员", "2025-03-01", `value="` + ms[0].Certificate + `"`}},
		{"?n=" + ms[1].Certificate, 200, []string{"已退会", "张**", "退会日期", "2026-06-30"}},
		{"?n=" + ms[2].Certificate, 200, []string{"已除名", "除名日期"}},
		{"?n=LM-2026-9999", 404, []string{"未查到该证书编号"}},
		{"?n=%3Cscript%3Ealert(1)%3C/script%3E", 404, []string{"未查到该证书编号", `value="&lt;script&gt;alert(1)&lt;/script&gt;"`}},
	}
	for _, tt := range tests {
		w := get(h, "/api/verify"+tt.query, "203.0.113.4")
		body := w.Body.String()
		if w.Code != tt.status || !strings.Contains(w.Header().Get("Content-Type"), "text/html") || !strings.Contains(body, "<!doctype html>") {
			t.Errorf("%s: %d %s, want %d in the frame", tt.query, w.Code, w.Header().Get("Content-Type"), tt.status)
		}
		for _, s := range tt.want {
			if !strings.Contains(body, s) {
				t.Errorf("%s: the page lacks %q", tt.query, s)
			}
		}
		if strings.Contains(body, "<script>") || strings.Contains(body, "张三丰") {
			t.Errorf("%s: the page holds a script or a whole individual's name", tt.query)
		}
	}
}

// stalledCertificates is the embedded store whose certificate lookups reach it
// only once the request's time limit has passed.
type stalledCertificates struct{ *localstore.Store }

func (s stalledCertificates) CertificateHolder(ctx context.Context, certificate string) (*membership.Member, error) {
	<-ctx.Done()
	return s.Store.CertificateHolder(ctx, certificate)
}

// TestCertificateLookupStalled: a store that does not answer by the request's
// time limit makes a lookup a 503 with Retry-After, answered by that limit,
// on the JSON route and on the page without JavaScript.
func TestCertificateLookupStalled(t *testing.T) {
	s, err := localstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	m := storetest.Member(t, s, "2025-03-01")
	const timeout = 300 * time.Millisecond
	h := httpapi.NewPublic(httpapi.PublicConfig{Store: s, SiteOrigin: origin, Frame: testFrame, Certificates: stalledCertificates{s},
		Log: slog.New(slog.DiscardHandler), Timeout: timeout})
	for _, path := range []string{"/api/certificates/" + m.Certificate, "/api/verify?n=" + url.QueryEscape(m.Certificate)} {
		start := time.Now()
		w := get(h, path, "198.51.100.7:1234")
		if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
			t.Errorf("GET %s while stalled: %d (Retry-After %q) %s, want 503 with Retry-After", path, w.Code, w.Header().Get("Retry-After"), w.Body)
		}
		if took := time.Since(start); took > timeout+3*time.Second {
			t.Errorf("GET %s while stalled: answered after %v, want by the time limit", path, took)
		}
	}
}
