package sitegen

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"
)

// keep readies the plan of a Render for RenderChanged: it notes what the
// fast path must find unchanged (the templates, which pages are published
// and upcoming) and which jobs render each page, and drops the links of
// every output but their ids, extracted again when every page must be
// checked.
func (p *plan) keep() error {
	sum, err := templatesSum(p.opts.Templates)
	if err != nil {
		return err
	}
	p.tmplSum = sum
	p.pubSig = p.publishedSig(p.now)
	p.jobsOf = map[*Page][]int{}
	for i, j := range p.jobs {
		if j.data.Pager == nil {
			p.jobsOf[j.data.Page] = append(p.jobsOf[j.data.Page], i)
		}
	}
	for n, pl := range p.links {
		p.links[n] = pageLinks{ids: pl.ids}
	}
	return nil
}

// publishedSig is whether each page is published and upcoming at now.
func (p *plan) publishedSig(now time.Time) []bool {
	sig := make([]bool, 0, 2*len(p.pages))
	for _, pg := range p.pages {
		sig = append(sig, published(pg, p.opts, now), pg.Upcoming(now))
	}
	return sig
}

// templatesSum hashes every file of the templates folder.
func templatesSum(tfs fs.FS) ([32]byte, error) {
	h := sha256.New()
	err := fs.WalkDir(tfs, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(tfs, p)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", p, len(data))
		h.Write(data)
		return nil
	})
	var sum [32]byte
	if err != nil {
		return sum, fmt.Errorf("hash templates: %w", err)
	}
	copy(sum[:], h.Sum(nil))
	return sum, nil
}

// RenderChanged renders the site again after the content files named in
// changed (paths relative to the content folder) were edited. When only
// page bodies changed (same front matter, same files, same templates and
// config) it re-renders just the jobs of those pages in the plan of the
// last Render, the feeds they are in, and checks the links again;
// anything else, or changed == nil, falls back to a full Render.
func (b *Builder) RenderChanged(ctx context.Context, changed []string) (*Output, error) {
	b.mu.Lock()
	last := b.last
	b.mu.Unlock()
	if last == nil || len(changed) == 0 {
		return b.Render(ctx)
	}
	start := time.Now()
	updates, ok, err := b.changedBodies(last, changed)
	if err != nil {
		return nil, err
	}
	if !ok {
		return b.Render(ctx)
	}
	b.mu.Lock()
	for _, u := range updates {
		*u.old = *u.new // every list and index keeps pointing at the same page
		b.cache[u.old.File] = u.old
	}
	b.mu.Unlock()
	pages := make([]*Page, len(updates))
	for i, u := range updates {
		pages[i] = u.old
	}
	if err := last.rerender(ctx, pages); err != nil {
		b.mu.Lock()
		b.last = nil // pages were updated in place: next time, render all
		b.mu.Unlock()
		return nil, err
	}
	sum := last.summary
	sum.Duration = time.Since(start)
	return &Output{Files: last.files, Summary: sum}, nil
}

// bodyUpdate is a page whose body changed: old is in the plan, new parsed
// from the file now.
type bodyUpdate struct{ old, new *Page }

// changedBodies parses the changed files; ok is false when more than
// bodies changed: the config, a template, front matter, a file added or
// removed, a list page, or the clock moved a page in or out of the site
// or of the upcoming events.
func (b *Builder) changedBodies(last *plan, changed []string) (updates []bodyUpdate, ok bool, err error) {
	o := b.opts
	cfgRaw, err := fs.ReadFile(o.Content, "config.yaml")
	if err != nil || string(cfgRaw) != string(last.cfgRaw) {
		return nil, false, nil
	}
	if sum, err := templatesSum(o.Templates); err != nil || sum != last.tmplSum {
		return nil, false, nil
	}
	if !slices.Equal(last.publishedSig(buildClock(o)), last.pubSig) {
		return nil, false, nil
	}
	byFile := make(map[string]*Page, len(last.pages))
	for _, pg := range last.pages {
		byFile[pg.File] = pg
	}
	for _, name := range slices.Compact(slices.Sorted(slices.Values(changed))) {
		old, ok := byFile[name]
		if !ok || !strings.HasSuffix(name, ".md") || old.PageKind == "section" {
			return nil, false, nil // a new file, a static file or a list page
		}
		raw, err := fs.ReadFile(o.Content, name)
		if err != nil {
			return nil, false, nil // removed
		}
		if string(raw) == string(old.raw) {
			continue
		}
		p, err := b.parse(name, raw)
		if err != nil {
			return nil, false, err
		}
		if !reflect.DeepEqual(p.FrontMatter, old.FrontMatter) {
			return nil, false, nil // lists, feeds and URLs may change
		}
		updates = append(updates, bodyUpdate{old, p})
	}
	return updates, true, nil
}

// rerender renders again the jobs and feeds of pages whose bodies changed
// in place, and checks the links of what it rendered (of every page when
// an anchor came or went). The files go into a new map: the old one may
// still be served. After an error the plan is not to be used again.
func (p *plan) rerender(ctx context.Context, pages []*Page) error {
	p.now = buildClock(p.opts)
	p.site.Now = p.now
	p.site.veventMu.Lock()
	for _, pg := range pages {
		delete(p.site.vevents, pg)
	}
	p.site.veventMu.Unlock()
	var idx []int
	for _, pg := range pages {
		idx = append(idx, p.jobsOf[pg]...)
	}
	rendered, links, err := p.renderJobs(ctx, idx, nil)
	if err != nil {
		return err
	}
	files, allLinks := maps.Clone(p.files), maps.Clone(p.links)
	names := make([]string, len(idx))
	idsChanged := false
	for k, i := range idx {
		name := p.jobs[i].out
		files[name] = rendered[k]
		if !maps.Equal(links[k].ids, allLinks[name].ids) {
			idsChanged = true
		}
		allLinks[name] = links[k]
		names[k] = name
	}
	feeds, err := renderFeeds(p.site, pages)
	if err != nil {
		return err
	}
	maps.Copy(files, feeds)
	if idsChanged {
		names = nil // an anchor went or came: check every page
	}
	p.files, p.links = files, allLinks
	return p.check(names)
}
