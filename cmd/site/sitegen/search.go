package sitegen

import (
	"path"
	"slices"
	"strings"
	"time"

	"github.com/smelisting/alliance/cmd/site/searchindex"
)

// The site search's index (package searchindex) is built from the rendered
// pages: renderJobs reads the documents of each searchable page as it
// renders it (searchDocs), and indexSearch writes the index files under
// search/ into the plan before write.

// searchDir is the folder of the index in the output.
const searchDir = "search/data/"

// searchDoc is a document of the index with what orders it: the charter's
// articles first, then the newest pages.
type searchDoc struct {
	searchindex.Doc
	article bool
	when    time.Time
}

// Searchable reports whether the page is in the site search: a page of its
// own (no list, no home page, no 404) or a section with no pages to list
// (申请加入, whose layout is a form), not noindex and not nosearch. The base
// layout marks its <main> with data-search.
func (d *PageData) Searchable() bool {
	pg := d.Page
	if pg.Noindex || pg.NoSearch || d.URL == "/404.html" {
		return false
	}
	switch pg.PageKind {
	case "page":
		return d.Pager == nil
	case "section":
		return d.Pager != nil && len(d.Pager.Items) == 0 && d.Filter == nil
	}
	return false
}

// searchDocs returns the documents of a rendered job: the page and each of
// its articles, or none when the page is not searchable.
func (p *plan) searchDocs(data *PageData, page []byte) []searchDoc {
	if p.opts.noSearchIndex || !data.Searchable() {
		return nil
	}
	pg := data.Page
	doc := searchDoc{Doc: searchindex.Doc{URL: data.URL, Title: pg.Title, Section: p.sectionName(pg)}, when: pg.Date.Time}
	if pg.IsEvent() {
		doc.Date, doc.when = pg.Start.CNDate, pg.Start.Time
	}
	var docs []searchDoc
	for _, part := range searchindex.Extract(page) {
		d := doc
		d.Text = part.Text
		if part.ID != "" {
			d.URL, d.Title, d.article = data.URL+"#"+part.ID, part.Title, true
		}
		if d.Text != "" {
			docs = append(docs, d)
		}
	}
	return docs
}

// sectionName is what a result says it is: the menu's name of its section
// (活动, 新闻 …) or of the page itself (章程, 联盟简介), else 本站.
func (p *plan) sectionName(pg *Page) string {
	for _, want := range []string{"/" + pg.Section + "/", pg.URL} {
		for _, m := range p.cfg.Menu {
			if m.URL == want {
				return m.Name
			}
		}
	}
	return "本站"
}

// indexSearch puts the files of the index of the jobs' documents into
// files, replacing those of an earlier index.
func (p *plan) indexSearch(files map[string][]byte, perJob [][]searchDoc) {
	if p.opts.noSearchIndex {
		return
	}
	n := 0
	for _, d := range perJob {
		n += len(d)
	}
	docs := make([]searchDoc, 0, n)
	for _, d := range perJob {
		docs = append(docs, d...)
	}
	// Sorted by index (a document is a large value to move), ties in the
	// order found: the charter's articles keep theirs.
	order := make([]int32, len(docs))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(i, j int32) int {
		a, b := &docs[i], &docs[j]
		switch {
		case a.article != b.article:
			if a.article {
				return -1
			}
			return 1
		case a.article:
		case !a.when.Equal(b.when):
			return b.when.Compare(a.when)
		case a.URL != b.URL:
			return strings.Compare(a.URL, b.URL)
		}
		return int(i - j)
	})
	plain := make([]searchindex.Doc, len(docs))
	for k, i := range order {
		plain[k] = docs[i].Doc
	}
	for name := range files {
		if strings.HasPrefix(name, searchDir) {
			delete(files, name)
		}
	}
	for name, data := range searchindex.Build(plain) {
		out := path.Join(searchDir, name)
		files[out] = data
		p.sources[out] = "the site search's index"
	}
}

// SearchIndex is the site-relative URL of the folder of the search index,
// for the search page's script.
func (s *Site) SearchIndex() string { return "/" + searchDir }
