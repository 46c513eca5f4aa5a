package sitegen

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/smelisting/alliance/functions/events"
)

// Shanghai is the time zone of every date in the content (Asia/Shanghai).
var Shanghai = mustLoadLocation("Asia/Shanghai")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(fmt.Sprintf("sitegen: load time zone %s: %v", name, err))
	}
	return loc
}

// Date is a front matter date. It accepts 2006-01-02, 2006-01-02 15:04,
// 2006-01-02T15:04:05 and RFC 3339; dates without a zone are in Asia/Shanghai.
type Date struct {
	time.Time
	// ISO (RFC 3339, for datetime attributes), CNDate ("2026年12月5日"),
	// CNWeekday ("星期六") and CNTime ("14:00") are the date formatted once
	// for templates, in Asia/Shanghai: cheaper than a template function
	// call on every page that shows it. All are "" for no date.
	ISO, CNDate, CNWeekday, CNTime string
}

// newDate returns the Date of t with its formatted fields.
func newDate(t time.Time) Date {
	t = t.In(Shanghai)
	return Date{Time: t, ISO: t.Format(time.RFC3339), CNDate: t.Format("2006年1月2日"), CNWeekday: weekdays[t.Weekday()], CNTime: t.Format("15:04")}
}

var dateLayouts = []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"}

// ParseDate parses a date in one of the front matter layouts.
func ParseDate(s string) (time.Time, error) {
	// Try the layout the length points to first: a failed parse allocates.
	guess := time.RFC3339
	switch {
	case len(s) == 10:
		guess = "2006-01-02"
	case len(s) == 16 && s[10] == ' ':
		guess = "2006-01-02 15:04"
	case len(s) == 16:
		guess = "2006-01-02T15:04"
	}
	if t, err := time.ParseInLocation(guess, s, Shanghai); err == nil {
		return t.In(Shanghai), nil
	}
	for _, l := range dateLayouts {
		if t, err := time.ParseInLocation(l, s, Shanghai); err == nil {
			return t.In(Shanghai), nil
		}
	}
	return time.Time{}, fmt.Errorf("bad date %q, want a date like 2026-12-05 or 2026-12-05 14:00", s)
}

// UnmarshalYAML parses a date node, naming its line on error.
func (d *Date) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: a date must be a single value like 2026-12-05 14:00", n.Line)
	}
	t, err := ParseDate(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*d = newDate(t)
	return nil
}

// FrontMatter holds every field a content file may set. Unknown fields are errors.
type FrontMatter struct {
	Title       string   `yaml:"title"`
	Date        Date     `yaml:"date"`
	Draft       bool     `yaml:"draft"`
	Slug        string   `yaml:"slug"`
	Summary     string   `yaml:"summary"`
	Aliases     []string `yaml:"aliases"`
	PublishDate Date     `yaml:"publishDate"`
	ExpiryDate  Date     `yaml:"expiryDate"`
	Weight      int      `yaml:"weight"`
	// Layout names the template file templates/LAYOUT.html.
	Layout string `yaml:"layout"`
	// TOC asks for a table of contents built from the h2 and h3 headings.
	TOC bool `yaml:"toc"`
	// Noindex keeps the page out of the sitemap; its layout says
	// <meta name="robots" content="noindex"> (the secretariat's console).
	Noindex bool `yaml:"noindex"`

	// Events: start and end time, place, kind (a slug of config eventKinds)
	// and how to register.
	Start    Date   `yaml:"start"`
	End      Date   `yaml:"end"`
	City     string `yaml:"city"`
	Venue    string `yaml:"venue"`
	Kind     string `yaml:"kind"`
	Register string `yaml:"register"`
	// Online registration (package events): open (on the page, up to
	// Capacity places, then a waitlist, until RegisterBy, default the
	// start), closed, or external (at RegistrationURL); Fee is shown only.
	Registration    string `yaml:"registration"`
	Capacity        int    `yaml:"capacity"`
	RegisterBy      Date   `yaml:"registerBy"`
	RegistrationURL string `yaml:"registrationURL"`
	Fee             string `yaml:"fee"`

	// Members: name, kind (a slug of config memberKinds), industry (slug or
	// name of config industries), region, year joined, website, logo, and
	// whether the profile is sample data.
	Name     string `yaml:"name"`
	Industry string `yaml:"industry"`
	Region   string `yaml:"region"`
	Joined   int    `yaml:"joined"`
	Website  string `yaml:"website"`
	Logo     string `yaml:"logo"`
	Sample   bool   `yaml:"sample"`
}

// Page is one rendered page: a content file or a generated list page.
// Templates name front matter fields in full (.Page.FrontMatter.Title):
// text/template looks promoted fields up by a slow search on every use.
type Page struct {
	FrontMatter
	// File is the content file, relative to the content folder ("" when generated).
	File string
	// PageKind is "home", "section" (an _index.md list page) or "page".
	PageKind string
	// Section is the top folder of the file ("" at the root).
	Section string
	// URL is the site-relative pretty URL, e.g. /events/foo/.
	URL string
	// Content is the rendered Markdown body.
	Content template.HTML
	// TOC lists the h2 and h3 headings of the body when the front matter
	// asks for it (toc: true).
	TOC []Heading
	// Description is the summary or, without one, the start of the body text.
	Description string

	raw      []byte // the whole source file
	bodyLine int    // line number of the first body line
	body     []byte
}

// Heading is an entry of a table of contents.
type Heading struct {
	Level int
	ID    string
	Text  string
}

// IsEvent reports whether the page is an event.
func (p *Page) IsEvent() bool { return p.Section == "events" && p.PageKind == "page" }

// Upcoming reports whether an event ends (or starts, without an end) at or after now.
func (p *Page) Upcoming(now time.Time) bool {
	end := p.End.Time
	if end.IsZero() {
		end = p.Start.Time
	}
	return !end.Before(now)
}

// EventSlug is the last segment of an event's URL: the name of the event in
// the registration API (/api/events/SLUG).
func (p *Page) EventSlug() string { return path.Base(p.URL) }

// RegistrationEvent returns the event's registration settings as the API
// reads them from the catalog (events.CatalogFile).
func (p *Page) RegistrationEvent() *events.Event {
	return &events.Event{Slug: p.EventSlug(), Title: p.Title, URL: p.URL, Kind: p.FrontMatter.Kind,
		Start: p.Start.Time, End: p.End.Time, Registration: p.Registration, Capacity: p.Capacity,
		RegisterBy: p.RegisterBy.Time, ExternalURL: p.RegistrationURL, Fee: p.Fee}
}

// RegistrationState is the state of the event's registration at now, as far
// as the build can tell (places taken are the API's to say): open,
// deadline, closed, external or ended (events.State).
func (p *Page) RegistrationState(now time.Time) string {
	return string(p.RegistrationEvent().State(now, events.Seats{}))
}

// RegistrationDeadline is when registration closes: registerBy, or the start.
func (p *Page) RegistrationDeadline() Date { return newDate(p.RegistrationEvent().Deadline()) }

// setBody sets the rendered body, its headings and the description.
func (p *Page) setBody(html string, toc []Heading, plain string) {
	p.Content, p.TOC, p.Description = template.HTML(html), toc, p.Summary
	if p.Description == "" {
		p.Description = makeExcerpt(plain)
	}
}

// makeExcerpt returns the first 120 characters of a page's text, its
// words joined by single spaces.
func makeExcerpt(plain string) string {
	const max = 120
	if !utf8.ValidString(plain) {
		// []rune turns each bad byte into U+FFFD
		r := []rune(strings.Join(strings.Fields(plain), " "))
		if len(r) > max {
			return string(r[:max]) + "……"
		}
		return string(r)
	}
	var b strings.Builder
	n := 0 // runes in b
	for f := range strings.FieldsSeq(plain) {
		if n > 0 {
			b.WriteByte(' ')
			n++
		}
		b.WriteString(f)
		n += utf8.RuneCountInString(f)
		if n > max {
			break
		}
	}
	s := b.String()
	if n <= max {
		return s
	}
	i := 0
	for range max {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i] + "……"
}

var lineRe = regexp.MustCompile(`line (\d+)`)

// yamlError rewrites a yaml.v3 error as file:line: message lines, adding
// offset to yaml's line numbers (the line of the first YAML line minus 1).
func yamlError(file string, offset int, err error) string {
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	var out []string
	for _, m := range msgs {
		if loc := lineRe.FindStringSubmatchIndex(m); loc != nil {
			n, _ := strconv.Atoi(m[loc[2]:loc[3]])
			rest := strings.TrimLeft(m[loc[1]:], ": ")
			out = append(out, fmt.Sprintf("%s:%d: %s", file, n+offset, plainYAML(rest)))
			continue
		}
		out = append(out, fmt.Sprintf("%s: %s", file, plainYAML(m)))
	}
	return strings.Join(out, "\n")
}

var (
	unknownFieldRe = regexp.MustCompile(`^field (\S+) not found in type \S+$`)
	unmarshalRe    = regexp.MustCompile("^cannot unmarshal !!(\\w+) `(.*)` into (\\S+)$")
)

// yamlKinds names yaml.v3's node tags and Go types in the words of a content author.
var yamlKinds = map[string]string{
	"str": "text", "int": "a whole number", "float": "a number", "bool": "true or false",
	"seq": "a list", "map": "a set of fields", "timestamp": "a date",
	"[]string": "a list", "string": "text",
}

// plainYAML rewrites the yaml.v3 messages that name Go types ("field colour not found in
// type sitegen.FrontMatter", "cannot unmarshal !!str `20x6` into int") in terms of the
// front matter; other messages pass unchanged.
func plainYAML(msg string) string {
	if m := unknownFieldRe.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("unknown field %q (the fields a page may have are listed in the README)", m[1])
	}
	if m := unmarshalRe.FindStringSubmatch(msg); m != nil {
		got, want := yamlKinds[m[1]], yamlKinds[m[3]]
		if got == "" {
			got = m[1]
		}
		if want == "" {
			want = m[3]
		}
		return fmt.Sprintf("%q is %s, want %s", m[2], got, want)
	}
	return msg
}

// parsePage splits a content file into front matter and body. file is the
// name used in errors; rel is the path relative to the content folder.
func parsePage(file, rel string, raw []byte) (*Page, error) {
	p := &Page{File: rel, raw: raw, bodyLine: 1, body: raw}
	src := bytes.TrimPrefix(raw, []byte("\ufeff"))
	if bytes.HasPrefix(src, []byte("---\n")) || bytes.HasPrefix(src, []byte("---\r\n")) {
		fm, body, ok := splitFrontMatter(src[bytes.IndexByte(src, '\n')+1:])
		if !ok {
			return nil, fmt.Errorf("%s:1: front matter opened with --- is never closed", file)
		}
		p.body = body
		p.bodyLine = 3 + bytes.Count(fm, []byte("\n"))
		if len(bytes.TrimSpace(fm)) > 0 && !decodeSimpleFrontMatter(fm, &p.FrontMatter) {
			dec := yaml.NewDecoder(bytes.NewReader(fm))
			dec.KnownFields(true)
			if err := dec.Decode(&p.FrontMatter); err != nil {
				return nil, errors.New(yamlError(file, 1, err))
			}
		}
	}
	if err := p.place(file); err != nil {
		return nil, err
	}
	if p.Title == "" {
		return nil, fmt.Errorf("%s:1: title is required", file)
	}
	return p, nil
}

// splitFrontMatter splits what follows the opening --- line at the
// closing one; ok is false when there is none.
func splitFrontMatter(rest []byte) (fm, body []byte, ok bool) {
	for off := 0; off < len(rest); {
		nl := bytes.IndexByte(rest[off:], '\n')
		line := rest[off:]
		if nl >= 0 {
			line = rest[off : off+nl]
		}
		if string(bytes.TrimRight(line, "\r ")) == "---" {
			if nl < 0 {
				return rest[:off], nil, true
			}
			return rest[:off], rest[off+nl+1:], true
		}
		if nl < 0 {
			break
		}
		off += nl + 1
	}
	return nil, nil, false
}

// place sets the kind, section and URL of the page from its path (and slug).
func (p *Page) place(file string) error {
	base := path.Base(p.File)
	dir := path.Dir(p.File)
	if dir != "." {
		p.Section = strings.SplitN(dir, "/", 2)[0]
	}
	switch {
	case p.File == "_index.md":
		p.PageKind, p.URL = "home", "/"
	case base == "_index.md":
		p.PageKind, p.URL = "section", "/"+dir+"/"
	case p.File == "404.md":
		p.PageKind, p.URL = "page", "/404.html"
	default:
		slug := strings.TrimSuffix(base, ".md")
		if p.Slug != "" {
			slug = p.Slug
		}
		if strings.ContainsAny(slug, "/?#") || slug == "" {
			return fmt.Errorf("%s: slug %q must be a single path segment", file, slug)
		}
		p.PageKind = "page"
		if dir == "." {
			p.URL = "/" + slug + "/"
		} else {
			p.URL = "/" + dir + "/" + slug + "/"
		}
	}
	return nil
}

// CheckFrontMatter parses a content file's front matter with the build's
// rules (known fields, valid dates, a title) and returns the first problem.
func CheckFrontMatter(name string, data []byte) error {
	_, err := parsePage(name, name, data)
	return err
}
