package sitegen

import (
	"strings"
	"testing"
)

// TestNoindexLeftOutOfSitemap checks that a page marked noindex is built
// but left out of the sitemap, and a page beside it is not.
func TestNoindexLeftOutOfSitemap(t *testing.T) {
	out, err := renderFixture(t, map[string]string{
		"content/internal.md": "---\ntitle: 内部页面\nnoindex: true\n---\n仅供秘书处使用。\n",
		"content/public.md":   "---\ntitle: 公开页面\n---\n欢迎。\n",
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := out.Files["internal/index.html"]; !ok {
		t.Fatalf("got no internal/index.html, want the page built")
	}
	sm := string(out.Files["sitemap.xml"])
	if strings.Contains(sm, "/internal/") || !strings.Contains(sm, "/public/") {
		t.Errorf("sitemap: got\n%s\nwant /public/ and not /internal/", sm)
	}
}

func TestOriginOf(t *testing.T) {
	for in, want := range map[string]string{
		"/api/":                           "",
		"https://api.example.cn/api/":     "https://api.example.cn",
		"https://api.example.cn:8443/api": "https://api.example.cn:8443",
		"api/":                            "",
		"":                                "",
	} {
		if got := originOf(in); got != want {
			t.Errorf("originOf(%q): got %q, want %q", in, got, want)
		}
	}
}
