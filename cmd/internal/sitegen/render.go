package sitegen

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"github.com/smelisting/alliance/cmd/internal/parallel"
	"github.com/smelisting/alliance/cmd/internal/sitewriter"
)

// render is the third phase: it executes the layout of every job in
// parallel, each page going to w as soon as it is rendered (a Build) or
// into p.files (w == nil), renders the feeds and calendars alongside, then
// the API's frame (frame.go), and reads the ids and links of every HTML
// output for check.
func (p *plan) render(ctx context.Context, w siteWriter) error {
	var feeds map[string][]byte
	var feedErr error
	feedsDone := make(chan struct{})
	go func() { // the feeds need only the pages
		defer close(feedsDone)
		feeds, feedErr = renderFeeds(p.site, nil)
	}()
	pages, links, err := p.renderJobs(ctx, nil, w)
	<-feedsDone
	if err != nil {
		return err
	}
	if feedErr != nil {
		return feedErr
	}
	p.links = make(map[string]pageLinks, len(p.files)+len(p.jobs))
	for i, j := range p.jobs {
		p.files[j.out] = pages[i] // nil when written already
		p.links[j.out] = links[i]
	}
	for name, data := range feeds {
		section := p.opts.ContentName + "/" + strings.SplitN(name, "/", 2)[0] // the section the feed follows
		if prev, ok := p.sources[name]; ok {
			return fmt.Errorf("%s: feed /%s clashes with a file from %s", section, name, prev)
		}
		p.files[name] = data
		p.sources[name] = section
		p.summary.Feeds++
	}
	if err := p.renderFrame(); err != nil {
		return err
	}
	for name, data := range p.files { // redirects, HTML copied from content, the API's frame
		if _, ok := p.links[name]; !ok && strings.HasSuffix(name, ".html") {
			p.links[name] = extractLinks(data)
		}
	}
	p.summary.Files = len(p.files)
	return nil
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// renderJobs renders the jobs with the given indexes (all for nil) in
// parallel and returns their bytes (nil for those written through w) and
// links, in the order of the indexes.
func (p *plan) renderJobs(ctx context.Context, idx []int, w siteWriter) ([][]byte, []pageLinks, error) {
	n := len(idx)
	if idx == nil {
		n = len(p.jobs)
	}
	pages := make([][]byte, n)
	links := make([]pageLinks, n)
	workers := runtime.GOMAXPROCS(0)
	if w != nil {
		workers = sitewriter.Workers() // each also waits for its writes
	}
	err := parallel.For(ctx, workers, n, func(i int) error {
		j := p.jobs[i]
		if idx != nil {
			j = p.jobs[idx[i]]
		}
		buf := bufPool.Get().(*bytes.Buffer)
		defer bufPool.Put(buf)
		buf.Reset()
		if err := j.tmpl.ExecuteTemplate(buf, "base.html", j.data); err != nil {
			return fmt.Errorf("%s: render %s: %w", j.file, j.out, err)
		}
		links[i] = extractLinks(buf.Bytes())
		if w != nil {
			return w.Write(j.out, buf.Bytes())
		}
		pages[i] = bytes.Clone(buf.Bytes())
		return nil
	})
	return pages, links, err
}
