package sitegen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/url"
	"path"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/yuin/goldmark"

	"github.com/smelisting/alliance/functions/events"
)

// Options configure a build.
type Options struct {
	// Content and Templates are the source folders (os.DirFS("content") …).
	Content   fs.FS
	Templates fs.FS
	// ContentName and TemplatesName prefix file names in errors (default
	// "content" and "templates").
	ContentName, TemplatesName string
	// OutDir is the folder Build writes (default "site").
	OutDir string
	// Now is the build clock (default time.Now) deciding future, expired
	// and upcoming items.
	Now time.Time
	// Drafts and Future include drafts and items published after Now.
	Drafts, Future bool
	// BaseURL overrides the config's baseURL.
	BaseURL string
}

// Summary counts what a build produced.
type Summary struct {
	Pages, Feeds, Aliases, Files int
	Duration                     time.Duration
	// Warnings are what the site lacks but can be built without (see Config.Warnings).
	Warnings []string
}

// String is the one-line summary the build prints, like Hugo's.
func (s Summary) String() string {
	return fmt.Sprintf("%d pages, %d feeds, %d %s, %d files in %d ms",
		s.Pages, s.Feeds, s.Aliases, plural(s.Aliases, "redirect", "redirects"), s.Files, s.Duration.Milliseconds())
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Output is a rendered site held in memory: output path (without a
// leading slash, e.g. "events/index.html") → bytes.
type Output struct {
	Files   map[string][]byte
	Summary Summary
}

// Build renders the site and writes it to opts.OutDir through a temporary
// folder, leaving the previous output untouched on any error.
func Build(ctx context.Context, opts Options) (Summary, error) {
	return NewBuilder(opts).Build(ctx)
}

// Builder renders a site repeatedly, keeping parsed and converted pages
// whose source did not change.
type Builder struct {
	opts Options
	md   goldmark.Markdown

	mu    sync.Mutex
	cache map[string]*Page // content path → page parsed from identical bytes
	prev  *renderState     // the last good render, for RenderChanged
}

// NewBuilder returns a Builder for opts.
func NewBuilder(opts Options) *Builder {
	if opts.ContentName == "" {
		opts.ContentName = "content"
	}
	if opts.TemplatesName == "" {
		opts.TemplatesName = "templates"
	}
	if opts.OutDir == "" {
		opts.OutDir = "site"
	}
	return &Builder{opts: opts, md: newMarkdown(), cache: map[string]*Page{}}
}

// Build renders the site and swaps it into the output folder. Pages are
// written as they are rendered, not kept in memory, so a Build leaves
// nothing for RenderChanged.
func (b *Builder) Build(ctx context.Context) (Summary, error) {
	start := time.Now()
	w, err := newSiteWriter(b.opts.OutDir)
	if err != nil {
		return Summary{}, err
	}
	out, err := b.render(ctx, w)
	if err != nil {
		w.abort()
		return Summary{}, err
	}
	if err := w.commit(); err != nil {
		return Summary{}, err
	}
	out.Summary.Duration = time.Since(start)
	return out.Summary, nil
}

// Site is what every template sees as .Site.
type Site struct {
	Config  *Config
	BaseURL string
	Now     time.Time
	// Pages are every content page that is published, sorted by URL.
	Pages    []*Page
	sections map[string][]*Page
	byURL    map[string]*Page
	feeds    []FeedLink

	veventMu sync.Mutex
	vevents  map[*Page][]byte // iCalendar VEVENT blocks
}

// FeedLink is a feed for autodiscovery and subscription links.
type FeedLink struct {
	Title, Type, URL string
}

// Section returns the pages of a section in its order: events by start,
// news newest first, others by weight then title.
func (s *Site) Section(name string) []*Page { return s.sections[name] }

// UpcomingEvents returns at most n events not yet over, soonest first.
func (s *Site) UpcomingEvents(n int) []*Page {
	var r []*Page
	for _, p := range s.sections["events"] {
		if p.Upcoming(s.Now) {
			r = append(r, p)
		}
	}
	if len(r) > n {
		r = r[:n]
	}
	return r
}

// LatestNews returns the n newest news items.
func (s *Site) LatestNews(n int) []*Page {
	r := s.sections["news"]
	if len(r) > n {
		r = r[:n]
	}
	return r
}

// MenuCurrent returns the menu URL of the page at url ("" if none), the
// only thing that varies between headers.
func (s *Site) MenuCurrent(url string) string {
	for _, m := range s.Config.Menu {
		if m.URL == url {
			return url
		}
	}
	return ""
}

// GetPage returns the page at a site-relative URL, or nil.
func (s *Site) GetPage(url string) *Page { return s.byURL[url] }

// Feeds returns the site-wide feeds (all events).
func (s *Site) Feeds() []FeedLink { return s.feeds }

// PageData is the data of a layout.
type PageData struct {
	Site *Site
	Page *Page
	// Pager is set on list pages.
	Pager *Pager
	// Filter is set on the per-kind and per-industry list pages.
	Filter *Filter
	// Feeds are the feeds advertised in the head of this page.
	Feeds []FeedLink
	// URL is the site-relative URL of this output (page 2 of a list has its own).
	URL string
	// Title is the document title: the page title, the page number of a
	// list after the first, and the site title ("联盟动态（第 2 页） · 中小企业…").
	Title string
	// Description is the page's description (the site's on the home page).
	Description string
	// Canonical is the absolute URL of this output.
	Canonical string
	// FeedsKey identifies the set of feeds of this page (for partialCached).
	FeedsKey string
	// HeaderKey identifies the header of this page (for partialCached):
	// the current menu URL and the section.
	HeaderKey string
	// FilterKey identifies the filter of a list page (for partialCached):
	// "" for the whole list, else "kind/lecture", "industry/it" ….
	FilterKey string
}

// Filter describes a filtered list: Field is "kind" or "industry".
type Filter struct {
	Field string
	Term  Term
}

// Pager is one page of a paginated list.
type Pager struct {
	Number, Total int
	Items         []*Page
	PrevURL       string
	NextURL       string
	Links         []PagerLink
	// Upcoming and Past split Items by the build clock on events lists.
	Upcoming, Past []*Page
}

// PagerLink is a numbered link of a pager; Gap marks left-out numbers (…).
type PagerLink struct {
	Number  int
	URL     string
	Current bool
	Gap     bool
}

// pagerWindow returns the first and last page and two pages either side of
// the current one (index cur), with gaps between.
func pagerWindow(all []PagerLink, cur int) []PagerLink {
	var r []PagerLink
	last := -1
	for i, l := range all {
		if i == 0 || i == len(all)-1 || (i >= cur-2 && i <= cur+2) {
			if last >= 0 && i > last+1 {
				r = append(r, PagerLink{Gap: true})
			}
			l.Current = i == cur
			r = append(r, l)
			last = i
		}
	}
	return r
}

// job is one output to render with a layout.
type job struct {
	out  string
	tmpl *template.Template
	data *PageData
	file string // source for errors
	// layout is the template file, for errors about what it renders.
	layout string
}

// Render builds the whole site in memory and checks its links.
func (b *Builder) Render(ctx context.Context) (*Output, error) { return b.render(ctx, nil) }

// render builds the site and checks its links. With w set, each page is
// written through w as soon as it is rendered and the other files after
// the link check; the returned Output then holds no page bytes.
func (b *Builder) render(ctx context.Context, w *siteWriter) (*Output, error) {
	b.mu.Lock()
	b.prev = nil
	b.mu.Unlock()
	start := time.Now()
	o := b.opts
	cfgName := o.ContentName + "/config.yaml"
	cfgData, err := fs.ReadFile(o.Content, "config.yaml")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfgName, err)
	}
	cfg, err := parseConfig(cfgName, cfgData)
	if err != nil {
		return nil, err
	}
	if o.BaseURL != "" {
		cfg.BaseURL = strings.TrimSuffix(o.BaseURL, "/") + "/"
	}
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	now = now.In(Shanghai)

	files := map[string][]byte{}
	sources := map[string]string{} // output → source file, for errors
	var mdFiles []string
	err = fs.WalkDir(o.Content, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && p != "." {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() || p == "config.yaml" {
			return nil
		}
		if strings.HasSuffix(p, ".md") {
			mdFiles = append(mdFiles, p)
			return nil
		}
		data, err := fs.ReadFile(o.Content, p)
		if err != nil {
			return err
		}
		files[p] = data
		sources[p] = o.ContentName + "/" + p
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("walk %s: %w", o.ContentName, err)
	}

	pages, err := b.loadPages(ctx, mdFiles)
	if err != nil {
		return nil, err
	}
	site := &Site{Config: cfg, BaseURL: cfg.BaseURL, Now: now, sections: map[string][]*Page{}, byURL: map[string]*Page{}}
	var errs []error
	for _, p := range pages {
		if !published(p, o, now) {
			continue
		}
		if err := validateSectionFields(cfg, o.ContentName+"/"+p.File, p); err != nil {
			errs = append(errs, err)
			continue
		}
		if prev, ok := site.byURL[p.URL]; ok {
			errs = append(errs, fmt.Errorf("%s/%s: duplicate URL %s, also used by %s/%s", o.ContentName, p.File, p.URL, o.ContentName, prev.File))
			continue
		}
		site.byURL[p.URL] = p
		site.Pages = append(site.Pages, p)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	for _, p := range site.Pages {
		if p.PageKind == "page" && p.Section != "" {
			site.sections[p.Section] = append(site.sections[p.Section], p)
		}
	}
	for name, list := range site.sections {
		sortSection(name, list)
	}

	lay, err := loadLayouts(o.Templates, o.TemplatesName, cfg)
	if err != nil {
		return nil, err
	}
	for k, v := range lay.files {
		files[k] = v
		sources[k] = o.TemplatesName + "/assets/" + path.Base(k)
	}
	site.feeds = []FeedLink{
		{Title: cfg.Title + " · 活动（RSS）", Type: "application/rss+xml", URL: "/events/index.xml"},
		{Title: cfg.Title + " · 活动（Atom）", Type: "application/atom+xml", URL: "/events/atom.xml"},
		{Title: cfg.Title + " · 活动（JSON Feed）", Type: "application/feed+json", URL: "/events/feed.json"},
	}

	var jobs []job
	var jobErrs []error
	addJob := func(p *Page, out string, data *PageData, names ...string) {
		file := o.ContentName + "/" + p.File
		if p.File == "" {
			file = out
		}
		if p.Layout != "" {
			names = []string{p.Layout} // an explicit layout must exist
		}
		t, layout, ok := lay.pick(names...)
		if !ok {
			jobErrs = append(jobErrs, fmt.Errorf("%s: no template for layout %q (looked for %s in %s/)", file, names[0], strings.Join(nonEmpty(names), ", "), o.TemplatesName))
			return
		}
		if data.Feeds == nil {
			data.Feeds = site.feeds
		}
		data.Canonical = site.BaseURL + strings.TrimPrefix(data.URL, "/")
		data.Title, data.Description = cfg.Title, cfg.Description
		if data.Page.PageKind != "home" {
			data.Title = data.Page.Title
			if data.Pager != nil && data.Pager.Number > 1 {
				data.Title += "（第 " + strconv.Itoa(data.Pager.Number) + " 页）"
			}
			data.Title += " · " + cfg.Title
			data.Description = data.Page.Description
		}
		if len(data.Feeds) > 0 {
			data.FeedsKey = data.Feeds[0].URL
		}
		data.HeaderKey = site.MenuCurrent(data.URL) + "|" + data.Page.Section
		if data.Filter != nil {
			data.FilterKey = data.Filter.Field + "/" + data.Filter.Term.Slug
		}
		jobs = append(jobs, job{out: out, tmpl: t, data: data, file: file, layout: o.TemplatesName + "/" + layout + ".html"})
	}
	summary := Summary{Warnings: cfg.Warnings(cfgName)}
	for _, p := range site.Pages {
		switch {
		case p.PageKind == "home":
			addJob(p, "index.html", &PageData{Site: site, Page: p, URL: "/"}, p.Layout, "home")
		case p.File == "404.md":
			addJob(p, "404.html", &PageData{Site: site, Page: p, URL: "/404.html"}, p.Layout, "404", "single")
		case p.PageKind == "section":
			items := site.sections[p.Section]
			if p.Section == "events" {
				items = orderEvents(items, now)
			}
			names := []string{p.Layout, p.Section + "-list", "list"}
			pagers := paginate(p.URL, items, cfg.Paginate)
			if p.Section == "events" {
				splitEvents(pagers, now)
			}
			for i, pg := range pagers {
				addJob(p, outPath(pagerURL(p.URL, i+1)), &PageData{Site: site, Page: p, Pager: pg, URL: pagerURL(p.URL, i+1)}, names...)
			}
			var terms []Term
			var field string
			switch p.Section {
			case "events":
				terms, field = cfg.EventKinds, "kind"
			case "members":
				terms, field = cfg.MemberKinds, "kind"
			}
			filters := []struct {
				field string
				terms []Term
			}{{field, terms}}
			if p.Section == "members" {
				filters = append(filters, struct {
					field string
					terms []Term
				}{"industry", cfg.Industries})
			}
			for _, f := range filters {
				for _, t := range f.terms {
					var sel []*Page
					for _, it := range items {
						if (f.field == "kind" && it.FrontMatter.Kind == t.Slug) || (f.field == "industry" && cfg.Industry(it.Industry).Slug == t.Slug) {
							sel = append(sel, it)
						}
					}
					base := p.URL + f.field + "/" + t.Slug + "/"
					fp := *p
					fp.URL = base
					fp.Title = t.Name + " · " + p.Title
					fp.Content = ""
					fp.TOC = nil
					var feeds []FeedLink
					if p.Section == "events" {
						feeds = kindFeeds(cfg, t, base)
					}
					pagers := paginate(base, sel, cfg.Paginate)
					if p.Section == "events" {
						splitEvents(pagers, now)
					}
					for i, pg := range pagers {
						u := pagerURL(base, i+1)
						addJob(p, outPath(u), &PageData{Site: site, Page: &fp, Pager: pg, Filter: &Filter{Field: f.field, Term: t}, Feeds: append(feeds, site.feeds...), URL: u}, names...)
					}
				}
			}
		default:
			addJob(p, outPath(p.URL), &PageData{Site: site, Page: p, URL: p.URL}, p.Layout, p.Section+"-single", "single")
		}
		for _, a := range p.Aliases {
			u := "/" + strings.Trim(a, "/") + "/"
			if strings.HasSuffix(a, ".html") {
				u = "/" + strings.TrimPrefix(a, "/")
			}
			if prev, ok := sources[outPath(u)]; ok {
				jobErrs = append(jobErrs, fmt.Errorf("%s/%s: alias %s duplicates the URL of %s", o.ContentName, p.File, a, prev))
				continue
			}
			files[outPath(u)] = aliasPage(cfg.BaseURL, p.URL)
			sources[outPath(u)] = o.ContentName + "/" + p.File
			summary.Aliases++
		}
	}
	for _, j := range jobs {
		if prev, ok := sources[j.out]; ok {
			jobErrs = append(jobErrs, fmt.Errorf("%s: duplicate URL /%s, also produced by %s", j.file, strings.TrimSuffix(j.out, "index.html"), prev))
		}
		sources[j.out] = j.file
	}
	if len(jobErrs) > 0 {
		return nil, errors.Join(jobErrs...)
	}

	// The feeds need only the pages: render them alongside.
	var feedFiles map[string][]byte
	var feedErr error
	feedsDone := make(chan struct{})
	go func() {
		defer close(feedsDone)
		feedFiles, feedErr = renderFeeds(site, nil)
	}()
	links := make(map[string]pageLinks, len(jobs)+summary.Aliases+1)
	jobLinks := make([]pageLinks, len(jobs))
	rendered := make([][]byte, len(jobs))
	workers := runtime.GOMAXPROCS(0)
	if w != nil {
		workers = ioWorkers()
	}
	err = parallelN(ctx, workers, len(jobs), func(i int) error {
		buf := bufPool.Get().(*bytes.Buffer)
		defer bufPool.Put(buf)
		if err := execute(buf, jobs[i]); err != nil {
			return err
		}
		jobLinks[i] = extractLinks(buf.Bytes())
		if w != nil {
			return w.write(jobs[i].out, buf.Bytes())
		}
		rendered[i] = bytes.Clone(buf.Bytes())
		return nil
	})
	<-feedsDone
	if err != nil {
		return nil, err
	}
	if feedErr != nil {
		return nil, feedErr
	}
	for i, j := range jobs {
		files[j.out] = rendered[i] // nil when written already
		links[j.out] = jobLinks[i]
	}
	summary.Pages = len(jobs)

	for k, v := range feedFiles {
		if prev, ok := sources[k]; ok {
			return nil, fmt.Errorf("%s: feed /%s clashes with a file from %s", o.ContentName+"/events", k, prev)
		}
		files[k] = v
		sources[k] = o.ContentName + "/events"
		summary.Feeds++
	}
	catalog, err := eventCatalog(site)
	if err != nil {
		return nil, err
	}
	files[events.CatalogFile] = catalog
	sources[events.CatalogFile] = o.ContentName + "/events"
	frame, err := renderFrame(lay, site, o.TemplatesName)
	if err != nil {
		return nil, err
	}
	if frame != nil {
		files[frameFile] = frame
		sources[frameFile] = o.TemplatesName + "/" + frameLayout + ".html"
	}
	files["sitemap.xml"] = sitemap(site, jobs)
	files["robots.txt"] = []byte("User-agent: *\nAllow: /\nDisallow: " + cfg.APIPath + "\n\nSitemap: " + cfg.BaseURL + "sitemap.xml\n")

	var htmlNames []string // aliases and HTML copied from content
	for name := range files {
		if _, ok := links[name]; !ok && strings.HasSuffix(name, ".html") {
			htmlNames = append(htmlNames, name)
		}
	}
	for _, n := range htmlNames {
		links[n] = extractLinks(files[n])
	}
	base, _ := url.Parse(cfg.BaseURL)
	layouts := make(map[string]string, len(jobs))
	for _, j := range jobs {
		layouts[j.out] = j.layout
	}
	lc := &linkChecker{site: site, base: base, files: files, links: links, sources: sources, layouts: layouts, raw: b.rawByFile}
	if err := lc.check(nil); err != nil {
		return nil, err
	}
	summary.Files = len(files)
	if w != nil {
		written := make(map[string]bool, len(jobs))
		for _, j := range jobs {
			written[j.out] = true
		}
		if err := w.writeAll(ctx, files, func(name string) bool { return written[name] }); err != nil {
			return nil, err
		}
		summary.Duration = time.Since(start)
		return &Output{Files: files, Summary: summary}, nil
	}
	// Keep only the ids for fast rebuilds: the links of unchanged pages
	// are extracted again if every page must be checked.
	for n, pl := range links {
		links[n] = pageLinks{ids: pl.ids}
	}
	summary.Duration = time.Since(start)
	tsum, err := templatesSum(o.Templates)
	if err != nil {
		return nil, err
	}
	st := &renderState{cfgRaw: cfgData, tmplSum: tsum, now: now, pages: map[string]*Page{}, site: site,
		jobs: jobs, jobIdx: map[*Page][]int{}, files: files, sources: sources, links: links, summary: summary, checker: lc}
	for _, p := range pages {
		st.pages[p.File] = p
		st.names = append(st.names, p.File)
		st.pubSig = append(st.pubSig, published(p, o, now), p.Upcoming(now))
	}
	for i, j := range jobs {
		if j.data.Pager == nil {
			st.jobIdx[j.data.Page] = append(st.jobIdx[j.data.Page], i)
		}
	}
	b.mu.Lock()
	b.prev = st
	b.mu.Unlock()
	return &Output{Files: files, Summary: summary}, nil
}

// published reports whether a page is in the site at now: not a draft
// (unless Drafts), not published later (unless Future), not expired.
func published(p *Page, o Options, now time.Time) bool {
	if p.Draft && !o.Drafts {
		return false
	}
	pub := p.PublishDate.Time
	if pub.IsZero() {
		pub = p.Date.Time
	}
	if !o.Future && !pub.IsZero() && pub.After(now) {
		return false
	}
	return p.ExpiryDate.IsZero() || p.ExpiryDate.After(now)
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// execute renders a job into buf, replacing its contents.
func execute(buf *bytes.Buffer, j job) error {
	buf.Reset()
	if err := j.tmpl.ExecuteTemplate(buf, "base.html", j.data); err != nil {
		return fmt.Errorf("%s: render %s: %w", j.file, j.out, err)
	}
	return nil
}

func nonEmpty(s []string) []string {
	var r []string
	for _, v := range s {
		if v != "" {
			r = append(r, v+".html")
		}
	}
	return r
}

// loadPages reads, parses and converts the Markdown files, reusing cached
// pages whose bytes did not change.
func (b *Builder) loadPages(ctx context.Context, names []string) ([]*Page, error) {
	o := b.opts
	sort.Strings(names)
	pages := make([]*Page, len(names))
	errs := make([]error, len(names))
	_ = parallel(ctx, len(names), func(i int) error {
		name := names[i]
		raw, err := fs.ReadFile(o.Content, name)
		if err != nil {
			errs[i] = fmt.Errorf("%s/%s: %w", o.ContentName, name, err)
			return nil
		}
		b.mu.Lock()
		c := b.cache[name]
		b.mu.Unlock()
		if c != nil && bytes.Equal(c.raw, raw) {
			pages[i] = c
			return nil
		}
		file := o.ContentName + "/" + name
		p, err := parsePage(file, name, raw)
		if err != nil {
			errs[i] = err
			return nil
		}
		html, toc, plain, err := renderMarkdown(b.md, p.body, p.FrontMatter.TOC, p.Summary == "")
		if err != nil {
			errs[i] = fmt.Errorf("%s: %w", file, err)
			return nil
		}
		p.setBody(html, toc, plain)
		pages[i] = p
		b.mu.Lock()
		b.cache[name] = p
		b.mu.Unlock()
		return nil
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var all []error
	for _, e := range errs {
		if e != nil {
			all = append(all, e)
		}
	}
	if len(all) > 0 {
		return nil, errors.Join(all...)
	}
	b.mu.Lock()
	keep := make(map[string]*Page, len(names))
	for i, n := range names {
		keep[n] = pages[i]
	}
	b.cache = keep
	b.mu.Unlock()
	return pages, nil
}

// rawByFile returns the cached sources by error name, for line lookups.
func (b *Builder) rawByFile() map[string][]byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	m := make(map[string][]byte, len(b.cache))
	for n, p := range b.cache {
		m[b.opts.ContentName+"/"+n] = p.raw
	}
	return m
}

func validateSectionFields(cfg *Config, file string, p *Page) error {
	if p.PageKind != "page" {
		return nil
	}
	line := func(field string) string {
		for i, l := range strings.Split(string(p.raw), "\n") {
			if strings.HasPrefix(l, field+":") {
				return fmt.Sprintf("%s:%d", file, i+1)
			}
		}
		return file
	}
	switch p.Section {
	case "events":
		if p.Start.IsZero() {
			return fmt.Errorf("%s: an event needs a start date (start: 2026-12-05 14:00)", file)
		}
		if !p.End.IsZero() && p.End.Before(p.Start.Time) {
			return fmt.Errorf("%s: end %s is before start %s", line("end"), p.End.Format("2006-01-02 15:04"), p.Start.Format("2006-01-02 15:04"))
		}
		if !hasSlug(cfg.EventKinds, p.FrontMatter.Kind) {
			return fmt.Errorf("%s: unknown event kind %q, want one of the eventKinds slugs in config.yaml", line("kind"), p.FrontMatter.Kind)
		}
		if err := checkRegistration(p, line); err != nil {
			return err
		}
	case "members":
		if !hasSlug(cfg.MemberKinds, p.FrontMatter.Kind) {
			return fmt.Errorf("%s: unknown member kind %q, want one of the memberKinds slugs in config.yaml", line("kind"), p.FrontMatter.Kind)
		}
		if _, ok := termBySlugOrName(cfg.Industries, p.Industry); !ok {
			return fmt.Errorf("%s: unknown industry %q, want one of the industries in config.yaml", line("industry"), p.Industry)
		}
	}
	return nil
}

func hasSlug(terms []Term, slug string) bool {
	for _, t := range terms {
		if t.Slug == slug {
			return true
		}
	}
	return false
}

func sortSection(name string, list []*Page) {
	switch name {
	case "events":
		// soonest first; the events layout splits upcoming from past.
		sort.SliceStable(list, func(i, j int) bool { return list[i].Start.Before(list[j].Start.Time) })
	case "news":
		sort.SliceStable(list, func(i, j int) bool {
			if !list[i].Date.Equal(list[j].Date.Time) {
				return list[i].Date.After(list[j].Date.Time)
			}
			return list[i].URL < list[j].URL
		})
	default:
		sort.SliceStable(list, func(i, j int) bool {
			if list[i].Weight != list[j].Weight {
				return list[i].Weight < list[j].Weight
			}
			return list[i].Title < list[j].Title
		})
	}
}

// orderEvents returns upcoming events soonest first followed by past events newest first.
func orderEvents(list []*Page, now time.Time) []*Page {
	var up, past []*Page
	for _, p := range list {
		if p.Upcoming(now) {
			up = append(up, p)
		} else {
			past = append(past, p)
		}
	}
	slices.Reverse(past)
	return append(up, past...)
}

// splitEvents sets Upcoming and Past on the pagers of an events list.
func splitEvents(pagers []*Pager, now time.Time) {
	for _, pg := range pagers {
		for _, it := range pg.Items {
			if it.Upcoming(now) {
				pg.Upcoming = append(pg.Upcoming, it)
			} else {
				pg.Past = append(pg.Past, it)
			}
		}
	}
}

func pagerURL(base string, n int) string {
	if n <= 1 {
		return base
	}
	return fmt.Sprintf("%spage/%d/", base, n)
}

func outPath(url string) string {
	p := strings.TrimPrefix(url, "/")
	if p == "" || strings.HasSuffix(p, "/") {
		return p + "index.html"
	}
	return p
}

func paginate(base string, items []*Page, per int) []*Pager {
	total := (len(items) + per - 1) / per
	if total == 0 {
		total = 1
	}
	pagers := make([]*Pager, total)
	var links []PagerLink
	for i := 1; i <= total; i++ {
		links = append(links, PagerLink{Number: i, URL: pagerURL(base, i)})
	}
	for i := range pagers {
		lo, hi := i*per, min((i+1)*per, len(items))
		pg := &Pager{Number: i + 1, Total: total, Items: items[lo:hi]}
		if i > 0 {
			pg.PrevURL = pagerURL(base, i)
		}
		if i+1 < total {
			pg.NextURL = pagerURL(base, i+2)
		}
		if total > 1 {
			pg.Links = pagerWindow(links, i)
		}
		pagers[i] = pg
	}
	return pagers
}

// parallel runs f(0..n-1) on GOMAXPROCS workers and returns the first error
// (see parallelN).
func parallel(ctx context.Context, n int, f func(i int) error) error {
	return parallelN(ctx, runtime.GOMAXPROCS(0), n, f)
}

// parallelN runs f(0..n-1) on the given number of workers. Once one fails no
// other is started, and the error returned is that of the lowest i that failed
// (every lower i was started before it), so that a build reports the same
// page's error whichever worker failed first.
func parallelN(ctx context.Context, workers, n int, f func(i int) error) error {
	workers = min(workers, n)
	var next int
	var mu sync.Mutex
	var first error
	firstAt := n
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if first != nil || next >= n || ctx.Err() != nil {
					mu.Unlock()
					return
				}
				i := next
				next++
				mu.Unlock()
				if err := f(i); err != nil {
					mu.Lock()
					if i < firstAt {
						first, firstAt = err, i
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

func aliasPage(base, target string) []byte {
	u := base + strings.TrimPrefix(target, "/")
	esc := template.HTMLEscapeString(u)
	return []byte(`<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>页面已迁移</title><link rel="canonical" href="` + esc +
		`"><meta name="robots" content="noindex"><meta http-equiv="refresh" content="0; url=` + esc +
		`"></head><body><p>页面已迁移至 <a href="` + esc + `">` + esc + "</a>。</p></body></html>\n")
}
