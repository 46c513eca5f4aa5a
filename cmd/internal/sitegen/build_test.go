package sitegen

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
)

func TestRenderFixture(t *testing.T) {
	out, err := renderFixture(t, nil)
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	tests := []struct {
		file string
		want []string // substrings the file must contain
		not  []string // substrings it must not contain
	}{
		{"index.html", []string{"<h1>测试联盟</h1>", `href="/events/soon/"`, `<link rel="canonical" href="https://test.example/">`}, []string{"/events/past/"}},
		{"about/index.html", []string{
			`<h2 id="第一章-总则">第一章 总则</h2>`, // Chinese-keeping heading ID
			`<h2 id="org">组织</h2>`,
			"中小企业上市服务联盟是由中小企业合作发展促进中心", // hard-wrapped Chinese joins without a space
			"<table>", `id="fn:1"`, "注释", "……",
			`<a href="#%e7%ac%ac%e4%b8%80%e7%ab%a0-%e6%80%bb%e5%88%99">第一章 总则</a>`, // TOC (html/template escapes the fragment)
		}, nil},
		{"news/one/index.html", []string{`<h2 id="小标题">小标题</h2>`}, []string{`">小标题</a>`}}, // headings but no toc: true
		{"old-about/index.html", []string{`http-equiv="refresh" content="0; url=https://test.example/about/"`}, nil},
		{"events/index.html", []string{`class="up"><a href="/events/soon/"`, `href="/events/page/2/"`}, []string{"草稿活动", "尚未发布", "已过期"}},
		{"events/page/2/index.html", []string{`class="past"><a href="/events/past/"`}, nil},
		{"events/soon/index.html", []string{"2026年12月5日 星期六 14:00 安徽合肥 公益大讲堂", `href="/events/soon/event.ics"`}, nil},
		{"events/kind/salon/index.html", []string{"/events/later/", "/events/kind/salon/index.xml"}, []string{"/events/soon/"}},
		{"members/industry/finance/index.html", []string{"示例协会"}, []string{"示例科技有限公司"}},
		{"members/kind/enterprise/index.html", []string{"示例科技有限公司"}, []string{"示例协会"}},
		{"404.html", []string{"页面不存在"}, nil},
		{"robots.txt", []string{"Sitemap: https://test.example/sitemap.xml"}, nil},
		{"sitemap.xml", []string{"<loc>https://test.example/events/soon/</loc><lastmod>2026-11-01</lastmod>"}, []string{"404"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, ok := out.Files[tt.file]
			if !ok {
				t.Fatalf("got no file %s, want one", tt.file)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(data), w) {
					t.Errorf("got %s without %q, want it:\n%s", tt.file, w, data)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(string(data), n) {
					t.Errorf("got %s with %q, want it left out", tt.file, n)
				}
			}
		})
	}
	for _, absent := range []string{"events/draft/index.html", "events/future/index.html", "events/expired/index.html"} {
		if _, ok := out.Files[absent]; ok {
			t.Errorf("got %s, want it left out (draft, future or expired)", absent)
		}
	}
	var css []string
	for name := range out.Files {
		if strings.HasPrefix(name, "assets/site.") && strings.HasSuffix(name, ".css") {
			css = append(css, name)
		}
	}
	if len(css) != 1 || len(css[0]) != len("assets/site.0123456789.css") {
		t.Errorf("got css files %v, want one hashed assets/site.<10 hex>.css", css)
	} else if !strings.Contains(string(out.Files["index.html"]), `href="/`+css[0]+`"`) {
		t.Errorf("got index.html without a link to /%s", css[0])
	}
}

func TestDraftsAndFuture(t *testing.T) {
	c, tm := fixtureFS(t, fixture, nil)
	tests := []struct {
		name          string
		drafts, fut   bool
		wantDraft     bool
		wantFuture    bool
		wantExpiredIn bool
	}{
		{"default", false, false, false, false, false},
		{"drafts", true, false, true, false, false},
		{"future", false, true, false, true, false},
		{"both", true, true, true, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := NewBuilder(Options{Content: c, Templates: tm, Now: testNow, Drafts: tt.drafts, Future: tt.fut}).Render(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			_, d := out.Files["events/draft/index.html"]
			_, f := out.Files["events/future/index.html"]
			_, e := out.Files["events/expired/index.html"]
			if d != tt.wantDraft || f != tt.wantFuture || e != tt.wantExpiredIn {
				t.Errorf("got draft %v future %v expired %v, want %v %v %v", d, f, e, tt.wantDraft, tt.wantFuture, tt.wantExpiredIn)
			}
		})
	}
	// --now moves the clock: on 2026-12-25 the future item is published.
	out, err := NewBuilder(Options{Content: c, Templates: tm, Now: testNow.AddDate(0, 0, 28)}).Render(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := out.Files["events/future/index.html"]; !ok {
		t.Errorf("got no events/future/ with now = 2026-12-25, want it published")
	}
}

func TestBadInput(t *testing.T) {
	event := func(fm string) string {
		return "---\ntitle: 活动\nstart: 2026-12-01 10:00\ncity: 北京\nkind: salon\n" + fm + "---\n正文\n"
	}
	tests := []struct {
		name  string
		edits map[string]string
		want  []string // substrings of the error
	}{
		{"broken front matter", map[string]string{"content/news/bad.md": "---\ntitle: [unclosed\n---\n"}, []string{"content/news/bad.md:2:"}},
		{"unclosed front matter", map[string]string{"content/news/bad.md": "---\ntitle: x\n"}, []string{"content/news/bad.md:1:", "never closed"}},
		{"unknown field", map[string]string{"content/events/bad.md": event("colour: red\n")}, []string{`content/events/bad.md:6: unknown field "colour"`}},
		{"wrong type", map[string]string{"content/news/bad.md": "---\ntitle: x\nweight: 第一\ndraft: maybe\n---\n"},
			[]string{`content/news/bad.md:3: "第一" is text, want a whole number`, `content/news/bad.md:4: "maybe" is text, want true or false`}},
		{"bad date", map[string]string{"content/events/bad.md": event("end: 2026-13-45\n")}, []string{"content/events/bad.md:6:", `bad date "2026-13-45"`}},
		{"missing title", map[string]string{"content/news/bad.md": "---\ndate: 2026-01-01\n---\n"}, []string{"content/news/bad.md:1: title is required"}},
		{"unknown event kind", map[string]string{"content/events/bad.md": "---\ntitle: 活动\nstart: 2026-12-01 10:00\nkind: party\n---\n"}, []string{"content/events/bad.md:4:", `"party"`}},
		{"registration without capacity", map[string]string{"content/events/bad.md": event("registration: open\n")}, []string{"content/events/bad.md: capacity:", "名额"}},
		{"deadline after the end", map[string]string{"content/events/bad.md": event("registration: open\ncapacity: 50\nregisterBy: 2026-12-02 10:00\n")},
			[]string{"content/events/bad.md:8: registerBy:", "不能晚于"}},
		{"external over http", map[string]string{"content/events/bad.md": event("registration: external\nregistrationURL: http://example.org/\n")},
			[]string{"content/events/bad.md:7: registrationURL:", "https://"}},
		{"capacity without registration", map[string]string{"content/events/bad.md": event("capacity: 50\n")}, []string{"content/events/bad.md:6: capacity needs registration"}},
		{"missing template", map[string]string{"content/join.md": "---\ntitle: 加入\nlayout: join\n---\n"}, []string{"content/join.md", `layout "join"`, "join.html"}},
		{"missing base template", map[string]string{"templates/base.html": ""}, []string{"templates/base.html"}},
		{"template error", map[string]string{"templates/single.html": "{{define \"main\"}}{{.Page.Nope}}{{end}}"}, []string{"content/about.md", "Nope"}},
		{"duplicate URL", map[string]string{"content/news/two.md": "---\ntitle: 重复\nslug: one\n---\n"}, []string{"duplicate URL /news/one/", "content/news/one.md", "content/news/two.md"}},
		{"alias clash", map[string]string{"content/news/two.md": "---\ntitle: 别名\naliases: [/about/]\n---\n"}, []string{"content/news/two.md", "/about/"}},
		{"broken link", map[string]string{"content/news/two.md": "---\ntitle: 链接\n---\n第一段。\n\n见[不存在的页面](/nowhere/)。\n"}, []string{"content/news/two.md:6:", `"/nowhere/"`}},
		{"broken reference link", map[string]string{"content/news/two.md": "---\ntitle: 链接\n---\n见[页面][p]。\n\n[p]: /nowhere/\n"}, []string{"content/news/two.md:6:", `"/nowhere/"`}},
		{"broken link in raw HTML, single-quoted", map[string]string{"content/news/two.md": "---\ntitle: 链接\n---\n第一段。\n\n<p><a href='/nowhere/'>旧页面</a></p>\n"},
			[]string{"content/news/two.md:6:", `"/nowhere/"`}},
		{"broken link in raw HTML, unquoted", map[string]string{"content/news/two.md": "---\ntitle: 链接\n---\n<p><img src=/missing.png alt=图></p>\n"},
			[]string{"content/news/two.md:4:", `"/missing.png"`}},
		{"broken anchor in raw HTML, upper case", map[string]string{"content/news/two.md": "---\ntitle: 链接\n---\n<P><A HREF=/about/#article-90>第九十条</A></P>\n"},
			[]string{"content/news/two.md:4:", "#article-90"}},
		{"broken link in a template", map[string]string{"templates/single.html": "{{define \"main\"}}<a href=\"/nowhere/\">x</a>{{end}}"},
			[]string{"content/about.md:", `"/nowhere/"`, "from its layout templates/single.html"}},
		{"broken anchor", map[string]string{"content/news/two.md": "---\ntitle: 锚点\n---\n见[第九十条](/about/#article-90)。\n"}, []string{"content/news/two.md:4:", "#article-90"}},
		{"bad config", map[string]string{"content/config.yaml": "title: x\nbaseURL: https://t.example/\nbogus: 1\n"}, []string{"content/config.yaml:3:", "bogus"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := renderFixture(t, tt.edits)
			if err == nil {
				t.Fatalf("got no error, want one containing %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got error %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestFailedBuildKeepsOldSite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "site")
	c, tm := fixtureFS(t, fixture, nil)
	if _, err := Build(t.Context(), Options{Content: c, Templates: tm, Now: testNow, OutDir: dir}); err != nil {
		t.Fatalf("first build: %v", err)
	}
	before := listTree(t, dir)
	c["news/two.md"] = &fstest.MapFile{Data: []byte("---\ntitle: 坏链接\n---\n[坏](/missing/)\n")}
	if _, err := Build(t.Context(), Options{Content: c, Templates: tm, Now: testNow, OutDir: dir}); err == nil {
		t.Fatal("got no error for a broken link, want the build to fail")
	}
	after := listTree(t, dir)
	if strings.Join(before, "\n") != strings.Join(after, "\n") {
		t.Errorf("got site/ changed by a failed build:\nbefore %v\nafter %v", before, after)
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(dir), ".site-new-*"))
	if len(leftovers) > 0 {
		t.Errorf("got temporary folders %v left behind, want none", leftovers)
	}
	// A good build replaces the site.
	delete(c, "news/two.md")
	c["news/three.md"] = &fstest.MapFile{Data: []byte("---\ntitle: 新的\n---\n正文\n")}
	if _, err := Build(t.Context(), Options{Content: c, Templates: tm, Now: testNow, OutDir: dir}); err != nil {
		t.Fatalf("third build: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "news", "three", "index.html")); err != nil {
		t.Errorf("got %v, want news/three/index.html after a good build", err)
	}
}

func listTree(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if !info.IsDir() {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(dir, p)
			files = append(files, fmt.Sprintf("%s %x", rel, sha256.Sum256(data)))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	return files
}

func TestPagerWindow(t *testing.T) {
	links := func(n int) []PagerLink {
		var r []PagerLink
		for i := 1; i <= n; i++ {
			r = append(r, PagerLink{Number: i})
		}
		return r
	}
	show := func(ls []PagerLink) string {
		var b strings.Builder
		for _, l := range ls {
			switch {
			case l.Gap:
				b.WriteString("… ")
			case l.Current:
				fmt.Fprintf(&b, "[%d] ", l.Number)
			default:
				fmt.Fprintf(&b, "%d ", l.Number)
			}
		}
		return strings.TrimSpace(b.String())
	}
	tests := []struct {
		total, cur int
		want       string
	}{
		{3, 0, "[1] 2 3"},
		{10, 0, "[1] 2 3 … 10"},
		{10, 4, "1 … 3 4 [5] 6 7 … 10"},
		{10, 9, "1 … 8 9 [10]"},
		{10, 3, "1 2 3 [4] 5 6 … 10"},
	}
	for _, tt := range tests {
		if got := show(pagerWindow(links(tt.total), tt.cur)); got != tt.want {
			t.Errorf("pagerWindow(%d pages, current %d): got %q, want %q", tt.total, tt.cur+1, got, tt.want)
		}
	}
}
