package sitegen

import (
	"bytes"
	"encoding/xml"
	"path"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"
	"github.com/mmcdole/gofeed"

	"github.com/smelisting/alliance/functions/events"
)

type wantItem struct {
	title, link, content string
	published            time.Time
}

func TestFeedsParseItemByItem(t *testing.T) {
	out, err := renderFixture(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := func(s string) time.Time { tm, _ := ParseDate(s); return tm }
	later := wantItem{"明年沙龙", "https://test.example/events/later/", "明年活动正文", d("2026-11-20")}
	soon := wantItem{"公益大讲堂——走进合肥：专精特新企业的资本市场之路，北交所上市条件与审核要点；案例分享", "https://test.example/events/soon/",
		`<a href="https://test.example/about/#org">详情</a>`, d("2026-11-01")}
	past := wantItem{"往期沙龙", "https://test.example/events/past/", "往期活动正文", d("2026-09-01")}
	news := wantItem{"第一条新闻", "https://test.example/news/one/", "<h2 id=\"小标题\">小标题</h2>", d("2026-11-02")}
	tests := []struct {
		file, feedType, version string
		items                   []wantItem
	}{
		{"events/index.xml", "rss", "2.0", []wantItem{later, soon, past}},
		{"events/atom.xml", "atom", "1.0", []wantItem{later, soon, past}},
		{"events/feed.json", "json", "https://jsonfeed.org/version/1.1", []wantItem{later, soon, past}},
		{"events/kind/salon/index.xml", "rss", "2.0", []wantItem{later, past}},
		{"events/kind/salon/atom.xml", "atom", "1.0", []wantItem{later, past}},
		{"events/kind/lecture/feed.json", "json", "https://jsonfeed.org/version/1.1", []wantItem{soon}},
		{"news/index.xml", "rss", "2.0", []wantItem{news}},
		{"news/atom.xml", "atom", "1.0", []wantItem{news}},
		{"news/feed.json", "json", "https://jsonfeed.org/version/1.1", []wantItem{news}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, ok := out.Files[tt.file]
			if !ok {
				t.Fatalf("got no %s, want a feed", tt.file)
			}
			f, err := gofeed.NewParser().Parse(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("parse %s: %v", tt.file, err)
			}
			if f.FeedType != tt.feedType || f.FeedVersion != tt.version {
				t.Errorf("got feed type %s %s, want %s %s", f.FeedType, f.FeedVersion, tt.feedType, tt.version)
			}
			if dir := "https://test.example/" + path.Dir(tt.file) + "/"; f.Link != dir {
				t.Errorf("got feed link %q, want the list %s", f.Link, dir)
			}
			if len(f.Items) != len(tt.items) {
				t.Fatalf("got %d items, want %d", len(f.Items), len(tt.items))
			}
			for i, w := range tt.items {
				it := f.Items[i]
				if it.Title != w.title {
					t.Errorf("item %d: got title %q, want %q", i, it.Title, w.title)
				}
				if it.Link != w.link {
					t.Errorf("item %d: got link %q, want %q", i, it.Link, w.link)
				}
				if !strings.Contains(it.Content, w.content) {
					t.Errorf("item %d: got content %q, want it to contain %q", i, it.Content, w.content)
				}
				if strings.Contains(it.Content, `href="/`) {
					t.Errorf("item %d: got a site-relative link in %q, want absolute URLs", i, it.Content)
				}
				got := it.PublishedParsed
				if got == nil {
					got = it.UpdatedParsed
				}
				if got == nil || !got.Equal(w.published) {
					t.Errorf("item %d: got date %v, want %v", i, got, w.published)
				}
			}
		})
	}
}

// TestFeedsLinkToThemselves checks that every feed names its own URL (Atom
// and RSS: a link rel="self"; JSON Feed: feed_url), as feed readers and the
// W3C feed validator want, besides the page it follows.
func TestFeedsLinkToThemselves(t *testing.T) {
	out, err := renderFixture(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for name := range out.Files {
		if ext := path.Ext(name); ext == ".xml" && name != "sitemap.xml" || ext == ".json" && name != events.CatalogFile {
			names = append(names, name)
		}
	}
	if len(names) != 12 { // events, two kinds, news: three formats each
		t.Errorf("got %d feeds %v, want 12", len(names), names)
	}
	for _, name := range names {
		f, err := gofeed.NewParser().Parse(bytes.NewReader(out.Files[name]))
		if err != nil {
			t.Errorf("parse %s: %v", name, err)
			continue
		}
		if want := "https://test.example/" + name; f.FeedLink != want {
			t.Errorf("%s: got feed link %q, want %q", name, f.FeedLink, want)
		}
		if want := "https://test.example/" + path.Dir(name) + "/"; f.Link != want {
			t.Errorf("%s: got page link %q, want %q", name, f.Link, want)
		}
		if path.Ext(name) == ".xml" && !bytes.Contains(out.Files[name], []byte(`rel="self" type="application/`)) {
			t.Errorf("%s: got no link rel=\"self\" with its type", name)
		}
	}
	// Atom: the links come before the entries (RFC 4287's schema), one of each.
	var atom struct {
		Links []struct {
			Rel  string `xml:"rel,attr"`
			Href string `xml:"href,attr"`
		} `xml:"link"`
	}
	if err := xml.Unmarshal(out.Files["news/atom.xml"], &atom); err != nil {
		t.Fatal(err)
	}
	if len(atom.Links) != 2 || atom.Links[0].Rel != "alternate" || atom.Links[1].Rel != "self" {
		t.Errorf("got feed links %+v, want an alternate and a self link", atom.Links)
	}
	if self, entry := bytes.Index(out.Files["news/atom.xml"], []byte(`rel="self"`)), bytes.Index(out.Files["news/atom.xml"], []byte("<entry>")); self > entry {
		t.Errorf("got the self link at %d after the first entry at %d, want it before", self, entry)
	}
}

func TestICalendar(t *testing.T) {
	out, err := renderFixture(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		file   string
		events []string // summaries, in order
	}{
		{"events/events.ics", []string{"往期沙龙", "公益大讲堂——走进合肥：专精特新企业的资本市场之路，北交所上市条件与审核要点；案例分享", "明年沙龙"}},
		{"events/soon/event.ics", []string{"公益大讲堂——走进合肥：专精特新企业的资本市场之路，北交所上市条件与审核要点；案例分享"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data := out.Files[tt.file]
			checkICSLines(t, data)
			cal, err := ics.ParseCalendar(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("parse %s: %v", tt.file, err)
			}
			evs := cal.Events()
			if len(evs) != len(tt.events) {
				t.Fatalf("got %d events, want %d", len(evs), len(tt.events))
			}
			for i, want := range tt.events {
				if got := ics.FromText(evs[i].GetProperty(ics.ComponentPropertySummary).Value); got != want {
					t.Errorf("event %d: got summary %q, want %q", i, got, want)
				}
			}
		})
	}
	cal, _ := ics.ParseCalendar(bytes.NewReader(out.Files["events/soon/event.ics"]))
	ev := cal.Events()[0]
	start, err := ev.GetStartAt()
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 12, 5, 14, 0, 0, 0, Shanghai); !start.Equal(want) {
		t.Errorf("got start %v, want %v", start, want)
	}
	if got := ev.GetProperty(ics.ComponentPropertyDtStart).ICalParameters["TZID"]; len(got) != 1 || got[0] != "Asia/Shanghai" {
		t.Errorf("got DTSTART TZID %v, want Asia/Shanghai", got)
	}
	if got, want := ev.Id(), "events-soon@test.example"; got != want {
		t.Errorf("got UID %q, want %q", got, want)
	}
	if got, want := ics.FromText(ev.GetProperty(ics.ComponentPropertyLocation).Value), "安徽合肥 政务中心, 三楼; 会议室"; got != want {
		t.Errorf("got location %q, want %q (commas and semicolons escaped and restored)", got, want)
	}
	// UIDs are stable: the same event has the same UID in both files.
	all, _ := ics.ParseCalendar(bytes.NewReader(out.Files["events/events.ics"]))
	if got := all.Events()[1].Id(); got != ev.Id() {
		t.Errorf("got UID %q in events.ics, want %q as in event.ics", got, ev.Id())
	}
	if !bytes.Contains(out.Files["events/events.ics"], []byte("BEGIN:VTIMEZONE\r\nTZID:Asia/Shanghai\r\n")) {
		t.Errorf("got no VTIMEZONE for Asia/Shanghai")
	}
}

// checkICSLines checks RFC 5545 3.1: CRLF line ends, lines of at most 75
// octets, folds that never split a UTF-8 character.
func checkICSLines(t *testing.T, data []byte) {
	t.Helper()
	if !bytes.HasSuffix(data, []byte("\r\n")) {
		t.Errorf("got a file not ending in CRLF")
	}
	lines := bytes.Split(bytes.TrimSuffix(data, []byte("\r\n")), []byte("\r\n"))
	folded := 0
	for i, l := range lines {
		if bytes.ContainsAny(l, "\r\n") {
			t.Errorf("line %d: got a bare CR or LF in %q", i+1, l)
		}
		if len(l) > 75 {
			t.Errorf("line %d: got %d octets, want at most 75", i+1, len(l))
		}
		if !utf8.Valid(l) {
			t.Errorf("line %d: got invalid UTF-8 (a character split by folding): %q", i+1, l)
		}
		if bytes.HasPrefix(l, []byte(" ")) {
			folded++
		}
	}
	if folded == 0 {
		t.Errorf("got no folded line, want the long Chinese title folded")
	}
}

func TestFoldLine(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"SUMMARY:短", "SUMMARY:短\r\n"},
		{strings.Repeat("a", 75), strings.Repeat("a", 75) + "\r\n"},
		{strings.Repeat("a", 76), strings.Repeat("a", 75) + "\r\n a\r\n"},
		// 3-octet characters: 25 fit in 75 octets; the next line holds 24 after the space.
		{strings.Repeat("汉", 50), strings.Repeat("汉", 25) + "\r\n " + strings.Repeat("汉", 24) + "\r\n " + "汉" + "\r\n"},
		{"X:" + strings.Repeat("汉", 25), "X:" + strings.Repeat("汉", 24) + "\r\n 汉\r\n"},
	}
	for _, tt := range tests {
		if got := foldLine(tt.in); got != tt.want {
			t.Errorf("foldLine(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestICSText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a,b;c\\d", `a\,b\;c\\d`},
		{"一\n二", `一\n二`},
		{"一\r\n二", `一\n二`},
	}
	for _, tt := range tests {
		if got := icsText(tt.in); got != tt.want {
			t.Errorf("icsText(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}
