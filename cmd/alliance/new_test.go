package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smelisting/alliance/cmd/site/sitegen"
)

func TestSlugFromTitle(t *testing.T) {
	now := time.Date(2026, 11, 27, 9, 30, 5, 0, sitegen.Shanghai)
	tests := []struct{ title, want string }{
		{"Shenzhen Salon 2027", "shenzhen-salon-2027"},
		{"2027 年投融资沙龙（深圳）", "2026-11-27-093005"},
		{"关于召开理事大会的通知", "2026-11-27-093005"},
		{"IPO 培训班", "ipo"},
	}
	for _, tt := range tests {
		if got := slugFromTitle(tt.title, now); got != tt.want {
			t.Errorf("slugFromTitle(%q): got %q, want %q", tt.title, got, tt.want)
		}
	}
}

// TestNewWritesValidFrontMatter writes each kind and parses the result with
// the site's own front matter rules (known fields only).
func TestNewWritesValidFrontMatter(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		args []string
		file string
	}{
		{[]string{"event", "深圳投融资沙龙", "--slug", "sz-salon", "--content", dir}, "events/sz-salon.md"},
		{[]string{"--content", dir, "member", "某某科技股份有限公司", "--slug", "mouke"}, "members/mouke.md"},
		{[]string{"news", "--slug", "notice", "关于缴纳会费的通知", "--content", dir}, "news/notice.md"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			if err := runNew(t.Context(), tt.args); err != nil {
				t.Fatalf("new %v: %v", tt.args, err)
			}
			data, err := os.ReadFile(filepath.Join(dir, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(data), "---\n") || !strings.Contains(string(data), "draft: true") {
				t.Errorf("got %q, want front matter with draft: true", data)
			}
			if err := sitegen.CheckFrontMatter(tt.file, data); err != nil {
				t.Errorf("got invalid front matter: %v", err)
			}
		})
	}
	if err := runNew(t.Context(), []string{"news", "关于缴纳会费的通知", "--slug", "notice", "--content", dir}); err == nil {
		t.Errorf("got no error writing over news/notice.md, want one")
	}
	if err := runNew(t.Context(), []string{"party", "标题", "--content", dir}); err == nil {
		t.Errorf("got no error for an unknown kind, want one")
	}
}

// TestNewDraftBuilds writes one file of each kind into a copy of the real
// content, as `alliance new` does without --slug, and builds it with
// --drafts: a new draft must preview as it is, before anyone edits it.
func TestNewDraftBuilds(t *testing.T) {
	r := root(t)
	content := filepath.Join(t.TempDir(), "content")
	if err := os.CopyFS(content, os.DirFS(filepath.Join(r, "content"))); err != nil {
		t.Fatal(err)
	}
	titles := map[string]string{"event": "2027 年投融资沙龙（深圳）", "member": "某某科技股份有限公司", "news": "关于召开理事大会的通知"}
	for kind, title := range titles {
		if err := runNew(t.Context(), []string{kind, title, "--content", content}); err != nil {
			t.Fatalf("new %s: %v", kind, err)
		}
	}
	out, err := sitegen.NewBuilder(sitegen.Options{
		Content: os.DirFS(content), Templates: os.DirFS(filepath.Join(r, "templates")), ContentName: content, Drafts: true,
	}).Render(t.Context())
	if err != nil {
		t.Fatalf("build --drafts with the new files: %v", err)
	}
	for kind, title := range titles {
		found := false
		for name, data := range out.Files {
			if strings.HasSuffix(name, "/index.html") && strings.Contains(string(data), "<title>"+title+" · ") {
				found = true
			}
		}
		if !found {
			t.Errorf("new %s: got no page with the title %q in a --drafts build", kind, title)
		}
	}
}
