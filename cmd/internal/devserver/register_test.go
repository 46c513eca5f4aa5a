package devserver

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smelisting/alliance/cmd/site/sitegen"
	"github.com/smelisting/alliance/functions/membership"
)

// register is a register in memory that a test changes.
type register struct {
	mu sync.Mutex
	ms []membership.Member
}

func (r *register) Members(context.Context) ([]membership.Member, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]membership.Member(nil), r.ms...), nil
}

func (r *register) set(ms ...membership.Member) {
	r.mu.Lock()
	r.ms = ms
	r.mu.Unlock()
}

// TestWatchRegister checks that a member certified, then expelled, in the
// register shows, then goes, within a few polls, without any file edited.
func TestWatchRegister(t *testing.T) {
	dir := writeSite(t)
	for name, data := range map[string]string{
		"content/members/_index.md":     "---\ntitle: 会员风采\n---\n",
		"templates/members-gone.html":   `{{define "main"}}<h1>{{.Page.Title}}</h1>{{end}}`,
		"templates/members-single.html": `{{define "main"}}<h1>{{.Page.FrontMatter.Name}}</h1>{{end}}`,
		"templates/list.html":           `{{define "main"}}{{range .Pager.Items}}<a href="{{.URL}}">{{.Title}}</a>{{end}}{{end}}`,
	} {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r := &register{}
	srv, err := New(t.Context(), Config{
		Build:  sitegen.Options{Content: os.DirFS(filepath.Join(dir, "content")), Templates: os.DirFS(filepath.Join(dir, "templates")), Register: r},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	go srv.WatchRegister(t.Context(), r, 20*time.Millisecond)
	const page = "members/lm-2026-0001/index.html"
	m := membership.Member{Certificate: "LM-2026-0001", Type: membership.TypeEnterprise, JoinedOn: "2026-03-02",
		Status: membership.MemberActive, ShowcaseConsent: true, Profile: membership.Profile{Name: "合肥晨阳储能科技有限公司"}}
	r.set(m)
	waitFor(t, "the certified member's page", func() bool { return contains(srv.File(page), "合肥晨阳储能科技有限公司") })
	m.Status = membership.MemberExpelled
	r.set(m)
	waitFor(t, "the expelled member's page gone", func() bool { return contains(srv.File(page), "已不在会员风采中展示") })
}

func contains(b []byte, s string) bool { return strings.Contains(string(b), s) }

// waitFor polls cond until it holds or 5 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 5 s for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
