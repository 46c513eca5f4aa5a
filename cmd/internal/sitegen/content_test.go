package sitegen

import (
	"bytes"
	"flag"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	ics "github.com/arran4/golang-ical"
	"github.com/mmcdole/gofeed"
)

var update = flag.Bool("update", false, "rewrite the testdata/*.golden files")

var (
	tagRe    = regexp.MustCompile(`<[^>]*>`)
	chapRe   = regexp.MustCompile(`<h2 id="chapter-(\d+)">`)
	artRe    = regexp.MustCompile(`<h3 id="article-(\d+)">`)
	scriptRe = regexp.MustCompile(`<script[^>]*>`)
	tocRe    = regexp.MustCompile(`<a href="#(chapter|article)-(\d+)">`)
)

// normalise drops all white space (line and page breaks of the seed, the
// spacing of headings such as "总 则").
func normalise(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '\f' {
			return -1
		}
		return r
	}, s)
}

func TestCharter(t *testing.T) {
	out := renderRealSite(t)
	page := string(out.Files["charter/index.html"])
	if page == "" {
		t.Fatal("got no charter/index.html")
	}
	for _, c := range []struct {
		name string
		re   *regexp.Regexp
		n    int
	}{{"chapters", chapRe, 7}, {"articles", artRe, 20}} {
		m := c.re.FindAllStringSubmatch(page, -1)
		if len(m) != c.n {
			t.Errorf("got %d %s, want %d", len(m), c.name, c.n)
		}
		for i, g := range m {
			if g[1] != fmt.Sprint(i+1) {
				t.Errorf("got %s anchor #%s at position %d, want %d", c.name, g[1], i+1, i+1)
			}
		}
	}
	if got := len(tocRe.FindAllString(page, -1)); got < 27 {
		t.Errorf("got %d table of contents links to chapters and articles, want 27", got)
	}
	// The text from the first chapter to the closing date equals the seed.
	start := strings.Index(page, `<h2 id="chapter-1">`)
	end := strings.Index(page, "</article>")
	if start < 0 || end < start {
		t.Fatal("got no charter body between #chapter-1 and </article>")
	}
	got := normalise(html.UnescapeString(tagRe.ReplaceAllString(page[start:end], "")))
	seed, err := os.ReadFile(filepath.Join("testdata", "charter.txt"))
	if err != nil {
		t.Fatal(err)
	}
	want := normalise(string(seed))
	if got != want {
		g, w := []rune(got), []rune(want)
		i := 0
		for i < len(g) && i < len(w) && g[i] == w[i] {
			i++
		}
		t.Errorf("got charter text differing from the seed at rune %d:\n got …%s…\nwant …%s…", i, excerpt(g, i), excerpt(w, i))
	}
	if !strings.Contains(page, "交回务联盟会员") {
		t.Errorf("got the source's wording 交回务联盟会员证书 changed, want it kept as in the seed")
	}
}

func excerpt(r []rune, i int) string {
	lo, hi := max(0, i-10), min(len(r), i+20)
	return string(r[lo:hi])
}

func TestRealSite(t *testing.T) {
	out := renderRealSite(t)
	count := func(section string, upcoming bool) (n int) {
		for name := range out.Files {
			if strings.HasPrefix(name, section+"/") && strings.HasSuffix(name, "/event.ics") {
				n++
			}
		}
		return n
	}
	if n := count("events", true); n < 8 {
		t.Errorf("got %d events, want at least 8", n)
	}
	events := string(out.Files["events/index.html"])
	if !strings.Contains(events, `id="upcoming"`) || !strings.Contains(events, `id="past"`) {
		t.Errorf("got an events page without both upcoming and past sections")
	}
	members := 0
	for name := range out.Files {
		if strings.HasPrefix(name, "members/") && strings.Count(name, "/") == 2 && !strings.Contains(name, "/kind/") && !strings.Contains(name, "/industry/") && name != "members/index.html" {
			members++
		}
	}
	if members < 8 {
		t.Errorf("got %d member profiles, want at least 8", members)
	}
	// every feed of the real site parses, with absolute links on every item
	for name, data := range out.Files {
		switch {
		case strings.HasSuffix(name, ".xml") && name != "sitemap.xml", strings.HasSuffix(name, "feed.json"):
			f, err := gofeed.NewParser().Parse(bytes.NewReader(data))
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			section := "https://www.smelisting.example/" + strings.SplitN(name, "/", 2)[0] + "/"
			for _, it := range f.Items {
				if !strings.HasPrefix(it.Link, section) || it.Content == "" {
					t.Errorf("%s: got item link %q and %d bytes of content, want an absolute URL under %s and content", name, it.Link, len(it.Content), section)
				}
			}
		case strings.HasSuffix(name, ".ics"):
			cal, err := ics.ParseCalendar(bytes.NewReader(data))
			if err != nil {
				t.Errorf("%s: %v", name, err)
			} else if len(cal.Events()) == 0 {
				t.Errorf("%s: got no events", name)
			}
		}
	}
	if !strings.Contains(string(out.Files["membership/index.html"]), `href="/join/"`) {
		t.Errorf("got a membership page without a link to /join/")
	}
	for name, data := range out.Files {
		// The old charter URL redirects; the API's frame inlines its style (TestFrame).
		if !strings.HasSuffix(name, ".html") || strings.HasPrefix(name, "zhangcheng/") || name == frameFile {
			continue
		}
		frame := []string{`<html lang="zh-CN">`, `<a class="skip-link" href="#main">`, `<p class="legal">`, `rel="alternate" type="application/rss`, `<link rel="canonical" href="https://www.smelisting.example/`}
		if strings.HasPrefix(name, "admin/") { // the console has a skeleton of its own, kept out of search engines
			frame = []string{`<html lang="zh-CN">`, `<a class="skip-link" href="#main">`, `<meta name="robots" content="noindex, nofollow">`}
			if bytes.Contains(out.Files["sitemap.xml"], []byte("/"+strings.TrimSuffix(name, "index.html"))) {
				t.Errorf("%s: in the sitemap, want it left out (noindex)", name)
			}
		}
		for _, w := range frame {
			if !bytes.Contains(data, []byte(w)) {
				t.Errorf("%s: got no %q", name, w)
			}
		}
		for _, tag := range scriptRe.FindAll(data, -1) {
			if !bytes.Contains(tag, []byte(` src="/`)) || !bytes.Contains(tag, []byte(" defer")) {
				t.Errorf("%s: got %s, want only deferred scripts from this site (CSP default-src 'self')", name, tag)
			}
		}
		// content/config.yaml has no ICP number or email yet: no page may show a made-up one.
		for _, bad := range []string{"ICP备", "公网安备", "00000000", "@smelisting.example", `href="mailto:"`, `href="tel:"`} {
			if bytes.Contains(data, []byte(bad)) {
				t.Errorf("%s: got %q, want no placeholder contact or filing number", name, bad)
			}
		}
		for _, bad := range []string{"style=", "<style", `src="http`, `src="//`, `href="http://`, "og:image"} {
			if bytes.Contains(data, []byte(bad)) {
				t.Errorf("%s: got %q, want no inline script or style and no resource from another host", name, bad)
			}
		}
	}
}

// TestGolden compares rendered pages of the real site with testdata/*.golden
// (go test ./cmd/internal/sitegen -run Golden -update rewrites them).
func TestGolden(t *testing.T) {
	out := renderRealSite(t)
	assetRe := regexp.MustCompile(`/assets/site\.[0-9a-f]{10}\.css`)
	pages := []struct{ golden, file string }{
		{"home", "index.html"},
		{"charter", "charter/index.html"},
		{"events", "events/index.html"},
		{"event", "events/2026-hefei-lecture/index.html"},
		{"members-industry", "members/industry/manufacturing/index.html"},
		{"member", "members/qiheng/index.html"},
		{"membership", "membership/index.html"},
		{"event-ics", "events/2026-hefei-lecture/event.ics"},
		{"news", "news/index.html"},
		{"news-atom", "news/atom.xml"},
	}
	for _, p := range pages {
		t.Run(p.golden, func(t *testing.T) {
			data, ok := out.Files[p.file]
			if !ok {
				t.Fatalf("got no %s", p.file)
			}
			// the CSS hash changes with every style edit; the asset test covers it
			data = assetRe.ReplaceAll(data, []byte("/assets/site.HASH.css"))
			path := filepath.Join("testdata", p.golden+".golden")
			if *update {
				if err := os.WriteFile(path, data, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read golden (run with -update to create it): %v", err)
			}
			if !bytes.Equal(data, want) {
				t.Errorf("got %s differing from %s (run with -update if the change is intended):\n%s", p.file, path, firstDiff(string(data), string(want)))
			}
		})
	}
}

func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d:\n got %s\nwant %s", i+1, gl, wl)
		}
	}
	return ""
}
