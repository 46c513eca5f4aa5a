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

// kindFeeds are the feeds of one event kind, published under base.
func kindFeeds(cfg *Config, t Term, base string) []FeedLink {
	return []FeedLink{
		{Title: cfg.Title + " · " + t.Name + "（RSS）", Type: "application/rss+xml", URL: base + "index.xml"},
		{Title: cfg.Title + " · " + t.Name + "（Atom）", Type: "application/atom+xml", URL: base + "atom.xml"},
		{Title: cfg.Title + " · " + t.Name + "（JSON Feed）", Type: "application/feed+json", URL: base + "feed.json"},
	}
}

var relURLRe = regexp.MustCompile(`(href|src)="/([^/"][^"]*)?"`)

// absolutize makes site-relative links of rendered HTML absolute.
func absolutize(base string, html string) string {
	return relURLRe.ReplaceAllString(html, `$1="`+base+`$2"`)
}

// renderFeeds writes RSS 2.0, Atom 1.0 and JSON Feed 1.1 of all events and
// of each event kind, the iCalendar file of all events and one per event.
// With changed set (a fast rebuild, front matter unchanged), only the files
// those pages appear in.
func renderFeeds(site *Site, changed []*Page) (map[string][]byte, error) {
	cfg := site.Config
	events := site.sections["events"]
	out := map[string][]byte{}
	kinds := map[string]bool{}
	for _, p := range changed {
		if p.IsEvent() {
			kinds[p.Kind] = true
		}
	}
	if changed != nil && len(kinds) == 0 {
		return out, nil // no event changed
	}
	write := func(dir, title, desc string, list []*Page) error {
		f := &feeds.Feed{
			Title:       title,
			Link:        &feeds.Link{Href: site.BaseURL + strings.TrimPrefix(dir, "/")},
			Description: desc,
			Author:      &feeds.Author{Name: cfg.Title, Email: cfg.Contact.Email},
			Id:          site.BaseURL + strings.TrimPrefix(dir, "/"),
		}
		// newest publication first
		sorted := append([]*Page(nil), list...)
		sort.SliceStable(sorted, func(i, j int) bool { return pubTime(sorted[i]).After(pubTime(sorted[j])) })
		if cfg.FeedLimit > 0 && len(sorted) > cfg.FeedLimit {
			sorted = sorted[:cfg.FeedLimit]
		}
		if changed != nil && !slices.ContainsFunc(sorted, func(p *Page) bool { return slices.Contains(changed, p) }) {
			return nil // none of the changed pages is in this feed
		}
		for _, p := range sorted {
			link := site.BaseURL + strings.TrimPrefix(p.URL, "/")
			when := fmt.Sprintf("<p>时间：%s %s　地点：%s %s　类型：%s</p>",
				p.Start.In(Shanghai).Format("2006年1月2日 15:04"), weekdays[p.Start.In(Shanghai).Weekday()], p.City, p.Venue, cfg.EventKind(p.FrontMatter.Kind))
			it := &feeds.Item{
				Title:       p.Title,
				Link:        &feeds.Link{Href: link},
				Id:          link,
				Description: p.Description,
				Created:     pubTime(p),
				Updated:     pubTime(p),
				Content:     when + absolutize(site.BaseURL, string(p.Content)),
			}
			f.Add(it)
			if f.Updated.Before(it.Updated) {
				f.Updated = it.Updated
			}
		}
		if f.Updated.IsZero() {
			f.Updated = time.Date(2021, 12, 31, 0, 0, 0, 0, Shanghai)
		}
		f.Created = f.Updated
		d := strings.TrimPrefix(dir, "/")
		rss, err := f.ToRss()
		if err != nil {
			return fmt.Errorf("feeds: rss %s: %w", dir, err)
		}
		atom, err := f.ToAtom()
		if err != nil {
			return fmt.Errorf("feeds: atom %s: %w", dir, err)
		}
		js, err := f.ToJSON()
		if err != nil {
			return fmt.Errorf("feeds: json %s: %w", dir, err)
		}
		out[d+"index.xml"] = []byte(rss)
		out[d+"atom.xml"] = []byte(atom)
		out[d+"feed.json"] = []byte(js)
		return nil
	}
	if err := write("/events/", cfg.Title+" · 活动", "联盟活动：大讲堂、投融资沙龙、高级培训班、上市公司考察等", events); err != nil {
		return nil, err
	}
	for _, t := range cfg.EventKinds {
		if changed != nil && !kinds[t.Slug] {
			continue
		}
		var sel []*Page
		for _, p := range events {
			if p.FrontMatter.Kind == t.Slug {
				sel = append(sel, p)
			}
		}
		if err := write("/events/kind/"+t.Slug+"/", cfg.Title+" · "+t.Name, t.Name+"活动", sel); err != nil {
			return nil, err
		}
	}
	out["events/events.ics"] = calendar(site, events)
	if changed != nil {
		events = nil
		for _, p := range changed {
			if p.IsEvent() {
				events = append(events, p)
			}
		}
	}
	for _, p := range events {
		out[strings.TrimPrefix(p.URL, "/")+"event.ics"] = calendar(site, []*Page{p})
	}
	return out, nil
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

// sitemap lists every rendered page except 404 and paginated copies.
func sitemap(site *Site, jobs []job) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n")
	urls := make([]string, 0, len(jobs))
	mod := map[string]time.Time{}
	for _, j := range jobs {
		if j.out == "404.html" {
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
