package sitegen

import (
	"fmt"
	"io/fs"
	"sync"
	"time"
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

// Site is what every template sees as .Site.
type Site struct {
	Config  *Config
	BaseURL string
	Now     time.Time
	// Pages are every content page that is published, in the order of
	// their files' paths.
	Pages    []*Page
	sections map[string][]*Page
	byURL    map[string]*Page
	feeds    []FeedLink // of every section with feeds, in the order of feedSections
	// sectionFeeds are the feeds of each section of feedSections with a list page.
	sectionFeeds map[string][]FeedLink

	veventMu sync.Mutex
	vevents  map[*Page][]byte // iCalendar VEVENT blocks
}

// FeedLink is a feed for autodiscovery and subscription links.
type FeedLink struct {
	Title string // for feed readers: "中小企业上市服务联盟 · 新闻（RSS）"
	// Format is the name people know the format by: "RSS", "Atom" or
	// "JSON Feed", the text of a subscription link.
	Format    string
	Type, URL string // the media type and the site-relative URL
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

// Feeds returns the site-wide feeds: of all events and of the news.
func (s *Site) Feeds() []FeedLink { return s.feeds }

// SectionFeeds returns the feeds of a section ("events", "news"), or none.
func (s *Site) SectionFeeds(section string) []FeedLink { return s.sectionFeeds[section] }

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
