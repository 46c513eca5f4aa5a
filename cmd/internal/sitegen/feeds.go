package sitegen

import (
	"bytes"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gorilla/feeds"
)

// feedSections are the sections whose pages have feeds: RSS, Atom and
// JSON Feed in the folder of the section's list (/events/, /news/).
var feedSections = []string{"events", "news"}

// feedFormats are the formats of every feed: the file in the feed's
// folder, the name people know it by and its media type.
var feedFormats = []struct{ file, name, mediaType string }{
	{"index.xml", "RSS", "application/rss+xml"},
	{"atom.xml", "Atom", "application/atom+xml"},
	{"feed.json", "JSON Feed", "application/feed+json"},
}

// feedLinks are the feeds of what (活动, 新闻, 公益大讲堂 …) published in
// the folder dir, one a format.
func feedLinks(cfg *Config, what, dir string) []FeedLink {
	links := make([]FeedLink, len(feedFormats))
	for i, f := range feedFormats {
		links[i] = FeedLink{Title: cfg.Title + " · " + what + "（" + f.name + "）", Format: f.name, Type: f.mediaType, URL: dir + f.file}
	}
	return links
}

// feed is one feed of the site (in its three formats): where, its title
// and description, and its pages.
type feed struct {
	dir, title, description string
	pages                   []*Page
}

// feedList lists the feeds of the site: each section of feedSections that has
// a list page, and the events of each kind.
func (s *Site) feedList() []feed {
	cfg := s.Config
	var list []feed
	for _, name := range feedSections {
		if pg := s.byURL["/"+name+"/"]; pg != nil {
			list = append(list, feed{pg.URL, cfg.Title + " · " + pg.Title, pg.Description, s.sections[name]})
		}
	}
	if s.byURL["/events/"] == nil {
		return list
	}
	for _, t := range cfg.EventKinds {
		var sel []*Page
		for _, p := range s.sections["events"] {
			if p.FrontMatter.Kind == t.Slug {
				sel = append(sel, p)
			}
		}
		list = append(list, feed{"/events/kind/" + t.Slug + "/", cfg.Title + " · " + t.Name, t.Name + "活动", sel})
	}
	return list
}

var relURLRe = regexp.MustCompile(`(href|src)="/([^/"][^"]*)?"`)

// absolutize makes site-relative links of rendered HTML absolute.
func absolutize(base string, html string) string {
	return relURLRe.ReplaceAllString(html, `$1="`+base+`$2"`)
}

// renderFeeds writes RSS 2.0, Atom 1.0 and JSON Feed 1.1 of every feed of
// the site, the iCalendar file of all events and one per event. With
// changed set (a fast rebuild, front matter unchanged), only the files
// those pages appear in.
func renderFeeds(site *Site, changed []*Page) (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, f := range site.feedList() {
		if err := f.render(site, out, changed); err != nil {
			return nil, err
		}
	}
	events := site.sections["events"]
	if changed != nil {
		events = slices.DeleteFunc(slices.Clone(changed), func(p *Page) bool { return !p.IsEvent() })
		if len(events) == 0 {
			return out, nil
		}
	}
	out["events/events.ics"] = calendar(site, site.sections["events"])
	for _, p := range events {
		out[strings.TrimPrefix(p.URL, "/")+"event.ics"] = calendar(site, []*Page{p})
	}
	return out, nil
}

// render writes the feed in each format into out: its newest items
// (Config.FeedLimit), newest publication first. In a fast rebuild (changed
// not nil) it writes nothing unless one of them changed.
func (f feed) render(site *Site, out map[string][]byte, changed []*Page) error {
	isChanged := func(p *Page) bool { return slices.Contains(changed, p) }
	if changed != nil && !slices.ContainsFunc(f.pages, isChanged) {
		return nil // before sorting: a fast rebuild changes few feeds
	}
	cfg := site.Config
	sorted := slices.Clone(f.pages)
	sort.SliceStable(sorted, func(i, j int) bool { return pubTime(sorted[i]).After(pubTime(sorted[j])) })
	if cfg.FeedLimit > 0 && len(sorted) > cfg.FeedLimit {
		sorted = sorted[:cfg.FeedLimit]
	}
	if changed != nil && !slices.ContainsFunc(sorted, isChanged) {
		return nil
	}
	page := site.BaseURL + strings.TrimPrefix(f.dir, "/")
	gf := &feeds.Feed{
		Title:       f.title,
		Link:        &feeds.Link{Href: page},
		Description: f.description,
		Author:      &feeds.Author{Name: cfg.Title, Email: cfg.Contact.Email},
		Id:          page,
	}
	for _, p := range sorted {
		it := feedItem(site, p)
		gf.Add(it)
		if gf.Updated.Before(it.Updated) {
			gf.Updated = it.Updated
		}
	}
	if gf.Updated.IsZero() {
		gf.Updated = time.Date(2021, 12, 31, 0, 0, 0, 0, Shanghai)
	}
	gf.Created = gf.Updated
	dir := strings.TrimPrefix(f.dir, "/")
	for _, format := range feedFormats {
		data, err := encodeFeed(gf, format.name, page+format.file)
		if err != nil {
			return fmt.Errorf("feeds: %s %s: %w", format.name, f.dir, err)
		}
		out[dir+format.file] = data
	}
	return nil
}

// feedItem is the feed item of a page: its content with absolute links,
// after the time, place and kind of an event.
func feedItem(site *Site, p *Page) *feeds.Item {
	link := site.BaseURL + strings.TrimPrefix(p.URL, "/")
	content := absolutize(site.BaseURL, string(p.Content))
	if p.IsEvent() {
		start := p.Start.In(Shanghai)
		content = fmt.Sprintf("<p>时间：%s %s　地点：%s %s　类型：%s</p>",
			start.Format("2006年1月2日 15:04"), weekdays[start.Weekday()], p.City, p.Venue, site.Config.EventKind(p.FrontMatter.Kind)) + content
	}
	return &feeds.Item{
		Title:       p.Title,
		Link:        &feeds.Link{Href: link},
		Id:          link,
		Description: p.Description,
		Created:     pubTime(p),
		Updated:     pubTime(p),
		Content:     content,
	}
}

func pubTime(p *Page) time.Time {
	if !p.PublishDate.IsZero() {
		return p.PublishDate.Time
	}
	if !p.Date.IsZero() {
		return p.Date.Time
	}
	return p.Start.Time
}

// calendar renders an RFC 5545 iCalendar file of events in Asia/Shanghai.
func calendar(site *Site, events []*Page) []byte {
	host := "alliance"
	if u, err := url.Parse(site.BaseURL); err == nil {
		host = u.Host
	}
	blocks := make([][]byte, len(events))
	size := 1024 // the calendar's own lines
	for i, p := range events {
		blocks[i] = site.vevent(p, host)
		size += len(blocks[i])
	}
	var b bytes.Buffer
	b.Grow(size)
	line := func(s string) { b.WriteString(foldLine(s)) }
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//" + host + "//alliance sitegen//ZH")
	line("CALSCALE:GREGORIAN")
	line("METHOD:PUBLISH")
	line("X-WR-CALNAME:" + icsText(site.Config.Title+" · 活动"))
	line("X-WR-TIMEZONE:Asia/Shanghai")
	line("BEGIN:VTIMEZONE")
	line("TZID:Asia/Shanghai")
	line("BEGIN:STANDARD")
	line("DTSTART:19700101T000000")
	line("TZOFFSETFROM:+0800")
	line("TZOFFSETTO:+0800")
	line("TZNAME:CST")
	line("END:STANDARD")
	line("END:VTIMEZONE")
	for _, v := range blocks {
		b.Write(v)
	}
	line("END:VCALENDAR")
	return b.Bytes()
}

// icsText escapes a TEXT value (RFC 5545 3.3.11).
func icsText(s string) string { return icsEscaper.Replace(s) }

var icsEscaper = strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`)

// foldLine ends a content line with CRLF, folding it into lines of at most
// 75 octets without splitting a UTF-8 sequence (RFC 5545 3.1).
func foldLine(s string) string {
	if len(s) <= 75 {
		return s + "\r\n"
	}
	var b strings.Builder
	b.Grow(len(s) + len(s)/70*3 + 2)
	limit := 75
	n := 0
	for _, r := range s {
		size := len(string(r))
		if n+size > limit {
			b.WriteString("\r\n ")
			n = 1
		}
		b.WriteRune(r)
		n += size
	}
	b.WriteString("\r\n")
	return b.String()
}

// sitemap lists every rendered page except 404, paginated copies and pages
// marked noindex.
func sitemap(site *Site, jobs []job) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n")
	urls := make([]string, 0, len(jobs))
	mod := map[string]time.Time{}
	for _, j := range jobs {
		if j.out == "404.html" || j.data.Page.FrontMatter.Noindex {
			continue
		}
		urls = append(urls, j.data.URL)
		if j.data.URL == j.data.Page.URL {
			mod[j.data.URL] = pubTime(j.data.Page)
		}
	}
	sort.Strings(urls)
	for _, u := range urls {
		b.WriteString("  <url><loc>" + xmlEscape(site.BaseURL+strings.TrimPrefix(u, "/")) + "</loc>")
		if t := mod[u]; !t.IsZero() {
			b.WriteString("<lastmod>" + t.In(Shanghai).Format("2006-01-02") + "</lastmod>")
		}
		b.WriteString("</url>\n")
	}
	b.WriteString("</urlset>\n")
	return b.Bytes()
}

func xmlEscape(s string) string { return xmlEscaper.Replace(s) }

var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&apos;")

// vevent returns the VEVENT block of an event, cached for the site.
func (s *Site) vevent(p *Page, host string) []byte {
	s.veventMu.Lock()
	v, ok := s.vevents[p]
	s.veventMu.Unlock()
	if ok {
		return v
	}
	var b bytes.Buffer
	line := func(s string) { b.WriteString(foldLine(s)) }
	end := p.End.Time
	if end.IsZero() {
		end = p.Start.Add(2 * time.Hour)
	}
	link := s.BaseURL + strings.TrimPrefix(p.URL, "/")
	line("BEGIN:VEVENT")
	line("UID:" + strings.Trim(strings.ReplaceAll(p.URL, "/", "-"), "-") + "@" + host)
	line("DTSTAMP:" + pubTime(p).UTC().Format("20060102T150405Z"))
	line("DTSTART;TZID=Asia/Shanghai:" + p.Start.In(Shanghai).Format("20060102T150405"))
	line("DTEND;TZID=Asia/Shanghai:" + end.In(Shanghai).Format("20060102T150405"))
	line("SUMMARY:" + icsText(p.Title))
	line("LOCATION:" + icsText(strings.TrimSpace(p.City+" "+p.Venue)))
	desc := p.Description
	if p.Register != "" {
		desc += "\n报名方式：" + p.Register
	}
	if phone := s.Config.Contact.Phone; phone != "" {
		desc += "\n秘书处电话：" + phone
	}
	desc += "\n详情：" + link
	line("DESCRIPTION:" + icsText(desc))
	line("CATEGORIES:" + icsText(s.Config.EventKind(p.FrontMatter.Kind)))
	line("URL:" + link)
	line("END:VEVENT")
	s.veventMu.Lock()
	if s.vevents == nil {
		s.vevents = map[*Page][]byte{}
	}
	s.vevents[p] = b.Bytes()
	s.veventMu.Unlock()
	return b.Bytes()
}
