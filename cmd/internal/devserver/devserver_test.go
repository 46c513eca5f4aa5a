package devserver

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smelisting/alliance/cmd/internal/sitegen"
)

var siteFiles = map[string]string{
	"content/config.yaml":   "title: 测试\nbaseURL: http://127.0.0.1/\n",
	"content/_index.md":     "---\ntitle: 首页\n---\n欢迎。\n",
	"content/about.md":      "---\ntitle: 关于\n---\n第一版。\n",
	"content/404.md":        "---\ntitle: 未找到\n---\n没有这个页面。\n",
	"templates/base.html":   `<!doctype html><html lang="zh-CN"><head><title>{{.Page.Title}}</title></head><body>{{block "main" .}}{{.Page.Content}}{{end}}</body></html>`,
	"templates/home.html":   `{{define "main"}}<a href="/about/">关于</a>{{end}}`,
	"templates/single.html": `{{define "main"}}<h1>{{.Page.Title}}</h1>{{.Page.Content}}{{end}}`,
}

// writeSite writes the test site into a temporary folder and returns it.
func writeSite(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range siteFiles {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func newServer(t *testing.T, dir string) *Server {
	t.Helper()
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"path":"`+r.URL.Path+`"}`)
	})
	srv, err := New(t.Context(), Config{
		Build: sitegen.Options{Content: os.DirFS(filepath.Join(dir, "content")), Templates: os.DirFS(filepath.Join(dir, "templates"))},
		API:   api, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Debounce: 10 * time.Millisecond,
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return srv
}

func TestServeHTTP(t *testing.T) {
	srv := newServer(t, writeSite(t))
	tests := []struct {
		method, path string
		status       int
		ctype        string
		body         []string
	}{
		{"GET", "/", 200, "text/html", []string{`<a href="/about/">`, `<script src="/__livereload.js" defer></script></head>`}},
		{"GET", "/about/", 200, "text/html", []string{"第一版", "/__livereload.js"}},
		{"GET", "/about", 301, "", nil},
		{"GET", "/nowhere/", 404, "text/html", []string{"没有这个页面"}},
		{"GET", "/api/applications", 200, "application/json", []string{`{"path":"/api/applications"}`}},
		{"POST", "/api/applications", 200, "application/json", []string{`"/api/applications"`}},
		{"POST", "/about/", 405, "", nil},
		{"GET", "/__livereload.js", 200, "text/javascript", []string{"EventSource", "/__livereload", `meta[name="alliance-build-error"]`}},
		{"GET", "/robots.txt", 200, "text/plain", []string{"Sitemap:"}},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
			if rec.Code != tt.status {
				t.Fatalf("got status %d, want %d", rec.Code, tt.status)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, tt.ctype) {
				t.Errorf("got content type %q, want %q", ct, tt.ctype)
			}
			for _, w := range tt.body {
				if !strings.Contains(rec.Body.String(), w) {
					t.Errorf("got body %q, want it to contain %q", rec.Body.String(), w)
				}
			}
		})
	}
}

// TestLiveReload edits a content file and waits for the reload event and the new page.
func TestLiveReload(t *testing.T) {
	dir := writeSite(t)
	srv := newServer(t, dir)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	watching := make(chan error, 1)
	go func() { watching <- srv.Watch(ctx, filepath.Join(dir, "content"), filepath.Join(dir, "templates")) }()
	hs := httptest.NewServer(srv)
	defer hs.Close()

	req, _ := http.NewRequestWithContext(ctx, "GET", hs.URL+ReloadPath, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("got content type %q, want text/event-stream", ct)
	}
	events := make(chan string, 10)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "event: ") {
				events <- strings.TrimPrefix(sc.Text(), "event: ")
			}
		}
	}()
	// The watcher may start after the first write: keep writing until a reload arrives.
	for i := 0; ; i++ {
		if err := os.WriteFile(filepath.Join(dir, "content", "about.md"), []byte("---\ntitle: 关于\n---\n第二版。\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		select {
		case ev := <-events:
			if ev != "reload" {
				t.Fatalf("got event %q, want reload", ev)
			}
		case <-time.After(500 * time.Millisecond):
			if ctx.Err() != nil || i > 30 {
				t.Fatal("got no reload event after editing content/about.md")
			}
			continue
		case <-ctx.Done():
			t.Fatal("got no reload event after editing content/about.md")
		}
		break
	}
	res, err := http.Get(hs.URL + "/about/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(body), "第二版") {
		t.Errorf("got %q after the edit, want the new text 第二版", body)
	}

	// A broken edit keeps the last good site and sends buildfailed.
	if err := os.WriteFile(filepath.Join(dir, "content", "about.md"), []byte("---\ntitle: [\n---\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// (a late reload of the earlier edit may come first)
	for failed := false; !failed; {
		select {
		case ev := <-events:
			failed = ev == "buildfailed"
		case <-ctx.Done():
			t.Fatal("got no buildfailed event after a broken edit")
		}
	}
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest("GET", "/about/", nil))
	if !strings.Contains(rec.Body.String(), "第二版") || !strings.Contains(rec.Body.String(), "alliance-build-error") {
		t.Errorf("got %q, want the last good page with the build error marked", rec.Body.String())
	}
	cancel()
	if err := <-watching; err != nil {
		t.Errorf("Watch: %v", err)
	}
}
