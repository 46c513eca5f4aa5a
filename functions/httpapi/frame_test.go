package httpapi_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/smelisting/alliance/functions/httpapi"
	"github.com/smelisting/alliance/functions/localstore"
)

// framedEnv is a handler with siteOrigin and frame source src.
func framedEnv(t *testing.T, siteOrigin string, src httpapi.FrameSource) *env {
	t.Helper()
	s, err := localstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	logs := &syncBuffer{}
	now := func() time.Time { return time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC) }
	h := httpapi.NewPublic(httpapi.PublicConfig{Store: s, Log: slog.New(slog.NewJSONHandler(logs, nil)), SiteOrigin: siteOrigin, Now: now, Frame: src})
	return &env{h: h, store: s, logs: logs}
}

// TestFrameOrigins renders the gone page in the frame for the two layouts: with the site
// on the API's origin (behind CloudFront, `alliance serve`) the frame's links stay as the
// site wrote them; with the site on another origin (China) they point at it. The page's
// own links always go to the site, its form to the API.
func TestFrameOrigins(t *testing.T) {
	for _, tt := range []struct {
		origin     string
		want, not  []string
		wantStatus int
	}{
		{"", []string{`<a class="brand" href="/">`, `<a href="/charter/">章程</a>`, `<a href="/contact/">联系秘书处</a>`}, []string{"https://www.smelisting.example/charter/"}, 404},
		{"https://www.example.cn", []string{`<a class="brand" href="https://www.example.cn/">`, `<a href="https://www.example.cn/charter/">章程</a>`, `<a href="https://www.example.cn/contact/">联系秘书处</a>`,
			`<a class="skip-link" href="#main">`, `<link rel="icon" href="data:image/svg+xml;base64,`}, []string{`href="/`}, 404},
	} {
		e := framedEnv(t, tt.origin, testFrame)
		rec := e.do("GET", "/api/join/thanks?number=SQ2026-000001", "", "")
		body := rec.Body.String()
		if rec.Code != tt.wantStatus || !strings.Contains(body, "<title>页面已失效 · 中小企业上市服务联盟</title>") {
			t.Errorf("origin %q: status %d, body %.300s; want %d and the frame's title", tt.origin, rec.Code, body, tt.wantStatus)
		}
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("origin %q: page lacks %s", tt.origin, w)
			}
		}
		for _, n := range tt.not {
			if strings.Contains(body, n) {
				t.Errorf("origin %q: page has %s", tt.origin, n)
			}
		}
		if csp := rec.Header().Get("Content-Security-Policy"); csp != framedCSP {
			t.Errorf("origin %q: Content-Security-Policy %q, want %q", tt.origin, csp, framedCSP)
		}
	}
}

// TestFrameSourceFails checks what a page looks like when the frame cannot be read: the
// last frame read while the source answered, else a plain page with a link to the site;
// either way the page is served and the failure logged.
func TestFrameSourceFails(t *testing.T) {
	good, err := os.ReadFile("testdata/frame.html")
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	flaky := httpapi.FrameFunc(func(context.Context) ([]byte, error) {
		if calls.Add(1) == 1 {
			return good, nil
		}
		return nil, errors.New("bucket unreachable")
	})
	broken := httpapi.FrameFunc(func(context.Context) ([]byte, error) { return []byte("<html>no slots</html>"), nil })
	for _, tt := range []struct {
		name     string
		src      httpapi.FrameSource
		wantSite bool // the site's header from the frame, else the plain page's link home
	}{
		{"failing after one answer", flaky, true},
		{"a frame without slots", broken, false},
		{"no source", nil, false},
	} {
		e := framedEnv(t, "https://www.example.cn", tt.src)
		for i := range 2 {
			rec := e.do("GET", "/api/join/thanks?number=SQ2026-000001", "", "")
			body := rec.Body.String()
			if rec.Code != 404 || !strings.Contains(body, "<h1>页面已失效</h1>") {
				t.Fatalf("%s, page %d: status %d, want 404 with the page's content", tt.name, i, rec.Code)
			}
			site := strings.Contains(body, `<header class="site-header">`)
			plain := strings.Contains(body, `<header><p><a href="https://www.example.cn/">返回联盟网站首页</a></p></header>`)
			if site != tt.wantSite || plain == tt.wantSite {
				t.Errorf("%s, page %d: site header %v, plain header %v; want the site's %v", tt.name, i, site, plain, tt.wantSite)
			}
			csp := rec.Header().Get("Content-Security-Policy")
			if !tt.wantSite && !strings.Contains(csp, "style-src 'none'") {
				t.Errorf("%s, page %d: Content-Security-Policy %q, want no style allowed on the plain page", tt.name, i, csp)
			}
		}
		if logged := strings.Contains(e.logs.String(), "site frame unavailable"); logged != (tt.src != nil) {
			t.Errorf("%s: logged the failure: %v, want %v:\n%s", tt.name, logged, tt.src != nil, e.logs)
		}
	}
}
