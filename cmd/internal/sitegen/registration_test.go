package sitegen

import (
	"testing"
	"time"

	"github.com/smelisting/alliance/functions/events"
)

// TestEventCatalog: the build writes the registration settings of every
// published event with registration to api-events.json, which the API's
// parser reads back as they were written in front matter; events without
// registration and drafts are left out.
func TestEventCatalog(t *testing.T) {
	out, err := renderFixture(t, map[string]string{
		"content/events/open.md": "---\ntitle: 沙龙\nstart: 2026-12-05 14:00\nend: 2026-12-05 17:00\ncity: 深圳\nkind: salon\n" +
			"registration: open\ncapacity: 60\nregisterBy: 2026-12-04 18:00\nfee: 免费\n---\n正文\n",
		"content/events/draft.md": "---\ntitle: 草稿\nstart: 2026-12-06 14:00\ncity: 北京\nkind: salon\ndraft: true\nregistration: open\ncapacity: 9\n---\n",
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := events.ParseCatalog(out.Files[events.CatalogFile])
	if err != nil {
		t.Fatalf("%s: %v\n%s", events.CatalogFile, err, out.Files[events.CatalogFile])
	}
	if len(c.Events) != 1 {
		t.Fatalf("catalog: %d events, want the one published with registration: %+v", len(c.Events), c.Events)
	}
	e, err := c.Event("open")
	if err != nil {
		t.Fatal(err)
	}
	cst := time.FixedZone("CST", 8*3600)
	want := events.Event{Slug: "open", Title: "沙龙", URL: "/events/open/", Kind: "salon", Start: time.Date(2026, 12, 5, 14, 0, 0, 0, cst),
		End: time.Date(2026, 12, 5, 17, 0, 0, 0, cst), Registration: events.ModeOpen, Capacity: 60,
		RegisterBy: time.Date(2026, 12, 4, 18, 0, 0, 0, cst), Fee: "免费"}
	if !e.Start.Equal(want.Start) || !e.End.Equal(want.End) || !e.RegisterBy.Equal(want.RegisterBy) {
		t.Errorf("times: %v %v %v, want %v %v %v", e.Start, e.End, e.RegisterBy, want.Start, want.End, want.RegisterBy)
	}
	e.Start, e.End, e.RegisterBy = want.Start, want.End, want.RegisterBy
	if *e != want {
		t.Errorf("event %+v, want %+v", *e, want)
	}
}
