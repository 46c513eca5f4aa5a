package sitegen

import (
	"errors"
	"fmt"
	"html/template"
	"net/url"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/smelisting/alliance/functions/events"
)

// assemble is the second phase: it makes the site of the published pages
// and decides every output: the pages to render with a layout (jobs: each
// page, each page of each list and filtered list), the files written as
// they are (content files, assets, redirects of aliases), the events'
// registration catalog for the API (registration.go), the sitemap and
// robots.txt. Problems are reported together.
func (p *plan) assemble() error {
	if err := p.makeSite(); err != nil {
		return err
	}
	p.files = make(map[string][]byte, len(p.static)+len(p.layouts.files)+len(p.pages))
	p.sources = make(map[string]string, len(p.files))
	for name, data := range p.static {
		p.files[name] = data
		p.sources[name] = p.opts.ContentName + "/" + name
	}
	for name, data := range p.layouts.files {
		p.files[name] = data
		p.sources[name] = p.opts.TemplatesName + "/assets/" + path.Base(name)
	}
	var errs []error
	for _, pg := range p.site.Pages {
		errs = append(errs, p.addJobs(pg)...)
		errs = append(errs, p.addAliases(pg)...)
	}
	for _, j := range p.jobs {
		if prev, ok := p.sources[j.out]; ok {
			errs = append(errs, fmt.Errorf("%s: duplicate URL /%s, also produced by %s", j.file, strings.TrimSuffix(j.out, "index.html"), prev))
		}
		p.sources[j.out] = j.file
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	p.summary.Pages = len(p.jobs)
	catalog, err := eventCatalog(p.site)
	if err != nil {
		return err
	}
	p.files[events.CatalogFile] = catalog
	p.sources[events.CatalogFile] = p.opts.ContentName + "/events"
	p.files["sitemap.xml"] = sitemap(p.site, p.jobs)
	p.files["robots.txt"] = []byte("User-agent: *\nAllow: /\nDisallow: " + p.cfg.APIPath + "\n\nSitemap: " + p.cfg.BaseURL + "sitemap.xml\n")
	return nil
}

// makeSite makes the Site of the published pages, each with a valid
// section fields and a URL of its own, with the sections in order.
func (p *plan) makeSite() error {
	cfg := p.cfg
	site := &Site{Config: cfg, BaseURL: cfg.BaseURL, Now: p.now, sections: map[string][]*Page{}, byURL: map[string]*Page{}}
	var errs []error
	for _, pg := range p.pages {
		if !published(pg, p.opts, p.now) {
			continue
		}
		file := p.opts.ContentName + "/" + pg.File
		if err := validateSectionFields(cfg, file, pg); err != nil {
			errs = append(errs, err)
			continue
		}
		if prev, ok := site.byURL[pg.URL]; ok {
			errs = append(errs, fmt.Errorf("%s: duplicate URL %s, also used by %s/%s", file, pg.URL, p.opts.ContentName, prev.File))
			continue
		}
		site.byURL[pg.URL] = pg
		site.Pages = append(site.Pages, pg)
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	for _, pg := range site.Pages {
		if pg.PageKind == "page" && pg.Section != "" {
			site.sections[pg.Section] = append(site.sections[pg.Section], pg)
		}
	}
	for name, list := range site.sections {
		sortSection(name, list)
	}
	p.addFeedLinks(site)
	base, err := url.Parse(cfg.BaseURL)
	if err != nil {
		return fmt.Errorf("%s/config.yaml: baseURL: %w", p.opts.ContentName, err)
	}
	p.site, p.base = site, base
	return nil
}

// addFeedLinks gives the site the feeds of each section of feedSections
// that has a list page, and notes the feeds the pages of such a section
// advertise: its own first, then the site's others.
func (p *plan) addFeedLinks(site *Site) {
	site.sectionFeeds = map[string][]FeedLink{}
	for _, name := range feedSections {
		if list := site.byURL["/"+name+"/"]; list != nil {
			site.sectionFeeds[name] = feedLinks(p.cfg, list.Title, list.URL)
			site.feeds = append(site.feeds, site.sectionFeeds[name]...)
		}
	}
	p.headFeeds = map[string][]FeedLink{}
	for name, own := range site.sectionFeeds {
		head := slices.Clone(own)
		for _, l := range site.feeds {
			if !slices.Contains(own, l) {
				head = append(head, l)
			}
		}
		p.headFeeds[name] = head
	}
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

// addJobs adds the outputs of a page: the page, or every page of a list
// and of its filtered lists.
func (p *plan) addJobs(pg *Page) []error {
	switch {
	case pg.PageKind == "home":
		return p.addJob(pg, &PageData{Page: pg, URL: "/"}, pg.Layout, "home")
	case pg.File == "404.md":
		return p.addJob(pg, &PageData{Page: pg, URL: "/404.html"}, pg.Layout, "404", "single")
	case pg.PageKind == "section":
		return p.addListJobs(pg)
	}
	return p.addJob(pg, &PageData{Page: pg, URL: pg.URL}, pg.Layout, pg.Section+"-single", "single")
}

// addListJobs adds the pages of a section's list and of each of its
// filtered lists (/events/kind/salon/, /members/industry/it/ …).
func (p *plan) addListJobs(pg *Page) []error {
	items := p.site.sections[pg.Section]
	if pg.Section == "events" {
		items = orderEvents(items, p.now)
	}
	layouts := []string{pg.Layout, pg.Section + "-list", "list"}
	var errs []error
	for _, data := range p.listPages(pg, pg.URL, items) {
		errs = append(errs, p.addJob(pg, data, layouts...)...)
	}
	for _, f := range p.cfg.filters(pg.Section) {
		for _, t := range f.terms {
			var sel []*Page
			for _, it := range items {
				if f.match(p.cfg, it, t) {
					sel = append(sel, it)
				}
			}
			base := pg.URL + f.field + "/" + t.Slug + "/"
			fp := *pg
			fp.URL = base
			fp.Title = t.Name + " · " + pg.Title
			fp.Content = ""
			fp.TOC = nil
			var feeds []FeedLink
			if pg.Section == "events" {
				feeds = feedLinks(p.cfg, t.Name, base)
			}
			for _, data := range p.listPages(&fp, base, sel) {
				data.Filter = &Filter{Field: f.field, Term: t}
				data.Feeds = append(feeds, p.site.feeds...)
				errs = append(errs, p.addJob(pg, data, layouts...)...)
			}
		}
	}
	return errs
}

// listPages returns the data of each page of a list of items at base.
func (p *plan) listPages(pg *Page, base string, items []*Page) []*PageData {
	pagers := paginate(base, items, p.cfg.Paginate)
	if pg.Section == "events" {
		splitEvents(pagers, p.now)
	}
	data := make([]*PageData, len(pagers))
	for i, pgr := range pagers {
		data[i] = &PageData{Page: pg, Pager: pgr, URL: pagerURL(base, i+1)}
	}
	return data
}

// termFilter is a classification a section's list is filtered by.
type termFilter struct {
	field string // "kind" or "industry": the URL segment and the front matter field
	terms []Term
}

// filters returns the classifications the list of a section is filtered by.
func (c *Config) filters(section string) []termFilter {
	switch section {
	case "events":
		return []termFilter{{"kind", c.EventKinds}}
	case "members":
		return []termFilter{{"kind", c.MemberKinds}, {"industry", c.Industries}}
	}
	return nil
}

// match reports whether the page pg has the term t.
func (f termFilter) match(cfg *Config, pg *Page, t Term) bool {
	if f.field == "industry" {
		return cfg.Industry(pg.Industry).Slug == t.Slug
	}
	return pg.FrontMatter.Kind == t.Slug
}

// addJob adds the output of data (a page or a page of a list of pg),
// rendered with the first of the layouts that exists, or the layout of
// the front matter, which must exist.
func (p *plan) addJob(pg *Page, data *PageData, layouts ...string) []error {
	out := outPath(data.URL)
	file := p.opts.ContentName + "/" + pg.File
	if pg.File == "" {
		file = out
	}
	if pg.Layout != "" {
		layouts = []string{pg.Layout} // an explicit layout must exist
	}
	t, layout, ok := p.layouts.pick(layouts...)
	if !ok {
		return []error{fmt.Errorf("%s: no template for layout %q (looked for %s in %s/)", file, layouts[0], strings.Join(nonEmpty(layouts), ", "), p.opts.TemplatesName)}
	}
	p.describe(data)
	p.jobs = append(p.jobs, job{out: out, tmpl: t, data: data, file: file, layout: p.opts.TemplatesName + "/" + layout + ".html"})
	return nil
}

// describe fills in what the layout of data reads besides the page: the
// site, feeds, document title, description, canonical URL and the keys of
// the cached partials.
func (p *plan) describe(data *PageData) {
	site, cfg := p.site, p.cfg
	data.Site = site
	if data.Feeds == nil {
		data.Feeds = site.feeds
		if own, ok := p.headFeeds[data.Page.Section]; ok {
			data.Feeds = own
		}
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
}

// addAliases adds a redirect page for each alias of a page.
func (p *plan) addAliases(pg *Page) []error {
	var errs []error
	for _, a := range pg.Aliases {
		u := "/" + strings.Trim(a, "/") + "/"
		if strings.HasSuffix(a, ".html") {
			u = "/" + strings.TrimPrefix(a, "/")
		}
		out := outPath(u)
		if prev, ok := p.sources[out]; ok {
			errs = append(errs, fmt.Errorf("%s/%s: alias %s duplicates the URL of %s", p.opts.ContentName, pg.File, a, prev))
			continue
		}
		p.files[out] = aliasPage(p.cfg.BaseURL, pg.URL)
		p.sources[out] = p.opts.ContentName + "/" + pg.File
		p.summary.Aliases++
	}
	return errs
}

// aliasPage is the page at an old URL that sends the reader on to target.
func aliasPage(base, target string) []byte {
	u := base + strings.TrimPrefix(target, "/")
	esc := template.HTMLEscapeString(u)
	return []byte(`<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>页面已迁移</title><link rel="canonical" href="` + esc +
		`"><meta name="robots" content="noindex"><meta http-equiv="refresh" content="0; url=` + esc +
		`"></head><body><p>页面已迁移至 <a href="` + esc + `">` + esc + "</a>。</p></body></html>\n")
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

// outPath is the output file of a site-relative URL: /events/ → events/index.html.
func outPath(url string) string {
	p := strings.TrimPrefix(url, "/")
	if p == "" || strings.HasSuffix(p, "/") {
		return p + "index.html"
	}
	return p
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
