package sitegen

import (
	"context"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/smelisting/alliance/cmd/internal/sitewriter"
)

// Each phase of a build runs alone here, on the fixture site or on a plan
// made by hand.

// loadFixture runs the load phase on the fixture with edits applied.
func loadFixture(t *testing.T, edits map[string]string) *plan {
	t.Helper()
	c, tm := fixtureFS(t, fixture, edits)
	p, err := NewBuilder(Options{Content: c, Templates: tm, Now: testNow}).load(t.Context())
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return p
}

func TestLoad(t *testing.T) {
	c, tm := fixtureFS(t, fixture, map[string]string{"content/files/章程.pdf": "%PDF-1.7"})
	b := NewBuilder(Options{Content: c, Templates: tm, Now: testNow})
	p, err := b.load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, pg := range p.pages {
		files = append(files, pg.File)
	}
	want := []string{"404.md", "_index.md", "about.md", "events/_index.md", "events/draft.md", "events/expired.md", "events/future.md",
		"events/later.md", "events/past.md", "events/soon.md", "members/_index.md", "members/acme.md", "members/assoc.md", "news/_index.md", "news/one.md"}
	if !slices.Equal(files, want) {
		t.Errorf("got pages %q, want every Markdown file by path, drafts too: %q", files, want)
	}
	if got := slices.Collect(maps.Keys(p.static)); !slices.Equal(got, []string{"files/章程.pdf"}) {
		t.Errorf("got static files %q, want [files/章程.pdf]", got)
	}
	if p.cfg.Title != "测试联盟" || p.layouts.sets["events-list"] == nil || len(p.layouts.files) != 1 {
		t.Errorf("got title %q, layouts %v, %d assets; want the fixture's config, layouts and one asset", p.cfg.Title, slices.Sorted(maps.Keys(p.layouts.sets)), len(p.layouts.files))
	}
	if p.site != nil || p.jobs != nil || p.files != nil {
		t.Error("got outputs after load, want only inputs")
	}

	if p.summary.Warnings != nil {
		t.Errorf("got warnings %q for a site at test.example, want none", p.summary.Warnings)
	}

	// A second load reuses the pages whose bytes did not change.
	c["news/one.md"] = &fstest.MapFile{Data: []byte("---\ntitle: 改过的新闻\ndate: 2026-11-02\n---\n正文。\n")}
	again, err := b.load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for i, pg := range again.pages {
		if reused := pg == p.pages[i]; reused != (pg.File != "news/one.md") {
			t.Errorf("%s: got page reused = %v, want it reused unless its file changed", pg.File, reused)
		}
	}
}

// TestLoadWarnings checks that load notes what the configuration of a site at a real
// domain lacks, and that the summary of the build carries it to `alliance build`.
func TestLoadWarnings(t *testing.T) {
	c, tm := fixtureFS(t, fixture, nil)
	cfg := c["config.yaml"]
	cfg.Data = []byte(strings.Replace(string(cfg.Data), ", email: office@test.example", "", 1))
	out, err := NewBuilder(Options{Content: c, Templates: tm, Now: testNow, BaseURL: "https://www.smelisting.cn/"}).Render(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if w := out.Summary.Warnings; len(w) != 1 || !strings.HasPrefix(w[0], "content/config.yaml: contact.email is empty") {
		t.Errorf("got warnings %q, want one about the empty contact.email naming content/config.yaml", w)
	}
}

func TestAssemble(t *testing.T) {
	p := loadFixture(t, nil)
	if err := p.assemble(); err != nil {
		t.Fatal(err)
	}
	var jobs []string
	for _, j := range p.jobs {
		jobs = append(jobs, j.out)
	}
	wantJobs := []string{
		"404.html", "index.html", "about/index.html",
		"events/index.html", "events/page/2/index.html", "events/kind/salon/index.html", "events/kind/lecture/index.html",
		"events/later/index.html", "events/past/index.html", "events/soon/index.html",
		"members/index.html", "members/kind/enterprise/index.html", "members/kind/group/index.html",
		"members/industry/it/index.html", "members/industry/finance/index.html", "members/acme/index.html", "members/assoc/index.html",
		"news/index.html", "news/one/index.html",
	}
	if !slices.Equal(jobs, wantJobs) {
		t.Errorf("got jobs\n%q\nwant\n%q", jobs, wantJobs)
	}
	layouts := map[string]string{}
	for _, j := range p.jobs {
		layouts[j.out] = j.layout
	}
	for out, want := range map[string]string{"index.html": "templates/home.html", "events/kind/salon/index.html": "templates/events-list.html",
		"news/index.html": "templates/list.html", "events/soon/index.html": "templates/events-single.html", "404.html": "templates/404.html"} {
		if layouts[out] != want {
			t.Errorf("%s: got layout %s, want %s", out, layouts[out], want)
		}
	}
	// Each page advertises its own list's feeds first, then the site's others.
	for out, want := range map[string][]string{
		"index.html":                   {"/events/index.xml", "/events/atom.xml", "/events/feed.json", "/news/index.xml", "/news/atom.xml", "/news/feed.json"},
		"news/index.html":              {"/news/index.xml", "/news/atom.xml", "/news/feed.json", "/events/index.xml", "/events/atom.xml", "/events/feed.json"},
		"news/one/index.html":          {"/news/index.xml", "/news/atom.xml", "/news/feed.json", "/events/index.xml", "/events/atom.xml", "/events/feed.json"},
		"events/kind/salon/index.html": {"/events/kind/salon/index.xml", "/events/kind/salon/atom.xml", "/events/kind/salon/feed.json", "/events/index.xml", "/events/atom.xml", "/events/feed.json", "/news/index.xml", "/news/atom.xml", "/news/feed.json"},
	} {
		i := slices.IndexFunc(p.jobs, func(j job) bool { return j.out == out })
		var got []string
		for _, f := range p.jobs[i].data.Feeds {
			got = append(got, f.URL)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: got feeds %q, want %q", out, got, want)
		}
	}
	var files []string
	for name, data := range p.files {
		if data == nil {
			t.Errorf("%s: got no bytes, want a file written as it is", name)
		}
		files = append(files, strings.Split(name, ".")[0])
	}
	if slices.Sort(files); !slices.Equal(files, []string{"api-events", "assets/site", "old-about/index", "robots", "sitemap"}) {
		t.Errorf("got files %q, want the events' catalog, the asset, the alias, robots.txt and sitemap.xml and no rendered page", files)
	}
	if got := p.site.Section("events"); len(got) != 3 || got[0].Title != "往期沙龙" {
		t.Errorf("got events %d, want the 3 published, by start", len(got))
	}
	if p.summary.Pages != len(wantJobs) || p.summary.Aliases != 1 {
		t.Errorf("got summary %+v, want %d pages and 1 redirect", p.summary, len(wantJobs))
	}
}

// TestAssembleErrors checks that assemble reports every problem at once.
func TestAssembleErrors(t *testing.T) {
	p := loadFixture(t, map[string]string{
		"content/join.md":     "---\ntitle: 加入\nlayout: join\n---\n",
		"content/news/two.md": "---\ntitle: 别名\naliases: [/old-about/]\n---\n",
	})
	err := p.assemble()
	if err == nil {
		t.Fatal("got no error, want two")
	}
	for _, want := range []string{`content/join.md: no template for layout "join"`, "content/news/two.md: alias /old-about/ duplicates the URL of content/about.md"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("got %q, want it to contain %q", err, want)
		}
	}
}

// recordingWriter is a siteWriter that keeps what it is given.
type recordingWriter struct {
	mu    sync.Mutex
	files map[string]string
}

func (w *recordingWriter) Write(name string, data []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.files[name] = string(data)
	return nil
}

func (w *recordingWriter) WriteAll(_ context.Context, files map[string][]byte, skip func(string) bool) error {
	for name, data := range files {
		if !skip(name) {
			w.Write(name, data)
		}
	}
	return nil
}

func TestRender(t *testing.T) {
	assembled := func() *plan {
		p := loadFixture(t, nil)
		if err := p.assemble(); err != nil {
			t.Fatal(err)
		}
		return p
	}
	t.Run("in memory", func(t *testing.T) {
		p := assembled()
		if err := p.render(t.Context(), nil); err != nil {
			t.Fatal(err)
		}
		for _, j := range p.jobs {
			if !strings.HasPrefix(string(p.files[j.out]), "<!doctype html>") {
				t.Errorf("%s: got %.40q, want a rendered page", j.out, p.files[j.out])
			}
		}
		for _, name := range []string{"events/index.xml", "events/atom.xml", "events/feed.json", "events/events.ics", "events/soon/event.ics"} {
			if len(p.files[name]) == 0 {
				t.Errorf("got no %s, want it rendered", name)
			}
		}
		if about := p.links["about/index.html"]; !about.ids["org"] || !slices.Contains(about.hrefs, "/events/#upcoming") {
			t.Errorf("got about/ links %v, want the id org and the link /events/#upcoming", about)
		}
		if alias := p.links["old-about/index.html"]; !slices.Contains(alias.hrefs, "https://test.example/about/") {
			t.Errorf("got alias links %v, want the link it redirects to", alias)
		}
		if p.summary.Feeds != 16 || p.summary.Files != len(p.files) {
			t.Errorf("got summary %+v, want 16 feeds (12 feeds, 4 calendars) and %d files", p.summary, len(p.files))
		}
	})
	t.Run("the API's frame", func(t *testing.T) {
		p := loadFixture(t, map[string]string{"templates/api-frame.html": `{{define "title"}}[[title]]{{end}}{{define "main"}}[[main]]<a href="/about/">关于</a>{{end}}`})
		if err := p.assemble(); err != nil {
			t.Fatal(err)
		}
		if err := p.render(t.Context(), nil); err != nil {
			t.Fatal(err)
		}
		if frame := string(p.files[frameFile]); !strings.Contains(frame, "[[main]]") {
			t.Errorf("got /%s %.60q, want the frame with its slots", frameFile, frame)
		}
		if p.sources[frameFile] != "templates/api-frame.html" || !slices.Contains(p.links[frameFile].hrefs, "/about/") {
			t.Errorf("got source %q and links %v, want templates/api-frame.html and the frame's links for check", p.sources[frameFile], p.links[frameFile])
		}
		if p.summary.Files != len(p.files) || p.summary.Pages != len(p.jobs) {
			t.Errorf("got summary %+v, want the frame among the files, not the pages", p.summary)
		}
	})
	t.Run("to a writer", func(t *testing.T) {
		p := assembled()
		w := &recordingWriter{files: map[string]string{}}
		if err := p.render(t.Context(), w); err != nil {
			t.Fatal(err)
		}
		for _, j := range p.jobs {
			if p.files[j.out] != nil || !strings.HasPrefix(w.files[j.out], "<!doctype html>") {
				t.Errorf("%s: got %d bytes kept, %d written; want the page written, not kept", j.out, len(p.files[j.out]), len(w.files[j.out]))
			}
		}
		if len(w.files) != len(p.jobs) {
			t.Errorf("got %d files written, want only the %d pages (write writes the rest)", len(w.files), len(p.jobs))
		}
	})
}

func TestCheck(t *testing.T) {
	pages := map[string]string{
		"index.html":       `<h1 id="top">首页</h1>`,
		"about/index.html": `<h2 id="org">组织</h2><h2 id="第一章-总则">第一章</h2>`,
		"logo.png":         "",
	}
	tests := []struct {
		name, html string
		want       string // "" for no error
	}{
		{"page and anchor", `<a href="/about/#org">`, ""},
		{"Chinese anchor, escaped", `<a href="/about/#%e7%ac%ac%e4%b8%80%e7%ab%a0-%e6%80%bb%e5%88%99">`, ""},
		{"relative and own anchor", `<a href='../about/'><a href=#here id=here><img src=../logo.png>`, ""},
		{"external and API", `<a href="https://example.com/x/"><form action="/api/join"><a href="/api/applications">`, ""},
		{"missing page, single-quoted", `<a href='/nowhere/'>`, `broken link "/nowhere/" on /news/index.html: no page /nowhere/`},
		{"missing page, unquoted", `<img src=/missing.png>`, `broken link "/missing.png" on /news/index.html: no page /missing.png`},
		{"missing anchor", `<A HREF=/about/#article-90>`, "no anchor #article-90 on /about/"},
		{"own site, absolute", `<a href="https://test.example/gone/">`, "no page /gone/"},
		{"malformed", `<a href="/%zz/">`, "malformed URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, _ := url.Parse("https://test.example/")
			p := &plan{opts: Options{ContentName: "content"}, cfg: &Config{APIPath: "/api/"}, base: base,
				files: map[string][]byte{}, links: map[string]pageLinks{}, sources: map[string]string{"news/index.html": "content/news/_index.md"}}
			for name, html := range pages {
				p.files[name] = []byte(html)
				p.links[name] = extractLinks([]byte(html))
			}
			p.files["news/index.html"] = []byte(tt.html)
			p.links["news/index.html"] = extractLinks([]byte(tt.html))
			err := p.check(nil)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v, want no error", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want an error with %q", err, tt.want)
			case err != nil && !strings.HasPrefix(err.Error(), "content/news/_index.md: "):
				t.Errorf("got %v, want it to name the source", err)
			}
		})
	}
}

func TestWrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "site")
	w, err := sitewriter.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	// render wrote the page already and kept no bytes of it
	if err := w.Write("news/index.html", []byte("<p>新闻</p>")); err != nil {
		t.Fatal(err)
	}
	p := &plan{
		jobs:  []job{{out: "news/index.html"}},
		files: map[string][]byte{"news/index.html": nil, "robots.txt": []byte("User-agent: *\n"), "assets/site.css": []byte("body{}")},
	}
	if err := p.write(t.Context(), w); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"news/index.html": "<p>新闻</p>", "robots.txt": "User-agent: *\n", "assets/site.css": "body{}"} {
		if got, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(got) != want {
			t.Errorf("%s: got %q, %v; want %q", name, got, err, want)
		}
	}
	if err := (&plan{files: map[string][]byte{"a": nil}}).write(t.Context(), nil); err != nil {
		t.Errorf("write without a writer (Render): got %v, want nothing to do", err)
	}
}
