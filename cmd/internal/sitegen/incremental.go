package sitegen

import (
	"bytes"
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

// renderState is what a render leaves behind for the next RenderChanged.
type renderState struct {
	cfgRaw  []byte
	tmplSum [32]byte
	now     time.Time
	pubSig  []bool           // published and upcoming flags of every page, in file order
	pages   map[string]*Page // content path → page
	names   []string         // the keys of pages, sorted
	site    *Site
	jobs    []job
	jobIdx  map[*Page][]int // page → its own (not list) outputs
	files   map[string][]byte
	sources map[string]string
	links   map[string]pageLinks
	summary Summary
	checker *linkChecker
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
// config) it re-renders just those pages, the feeds and their links;
// anything else, or changed == nil, falls back to a full Render.
func (b *Builder) RenderChanged(ctx context.Context, changed []string) (*Output, error) {
	b.mu.Lock()
	prev := b.prev
	b.mu.Unlock()
	if prev == nil || len(changed) == 0 {
		return b.Render(ctx)
	}
	out, ok, err := b.renderBodies(ctx, prev, changed)
	if err != nil {
		b.mu.Lock()
		b.prev = nil // pages may have been updated in place: next time, render all
		b.mu.Unlock()
		return nil, err
	}
	if !ok {
		return b.Render(ctx)
	}
	return out, nil
}

// renderBodies is the fast path of RenderChanged; ok is false when it does not apply.
func (b *Builder) renderBodies(ctx context.Context, prev *renderState, changed []string) (*Output, bool, error) {
	start := time.Now()
	o := b.opts
	cfgRaw, err := fs.ReadFile(o.Content, "config.yaml")
	if err != nil || string(cfgRaw) != string(prev.cfgRaw) {
		return nil, false, nil
	}
	if sum, err := templatesSum(o.Templates); err != nil || sum != prev.tmplSum {
		return nil, false, nil
	}
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	now = now.In(Shanghai)
	type update struct{ old, new *Page }
	var updates []update
	for _, name := range slices.Compact(slices.Sorted(slices.Values(changed))) {
		old, ok := prev.pages[name]
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
		file := o.ContentName + "/" + name
		p, err := parsePage(file, name, raw)
		if err != nil {
			return nil, false, err
		}
		if !reflect.DeepEqual(p.FrontMatter, old.FrontMatter) {
			return nil, false, nil // lists, feeds and URLs may change
		}
		html, toc, plain, err := renderMarkdown(b.md, p.body, p.FrontMatter.TOC, p.Summary == "")
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", file, err)
		}
		p.setBody(html, toc, plain)
		updates = append(updates, update{old, p})
	}
	// The clock may have moved: the same pages must be published and upcoming.
	i := 0
	for _, name := range prev.names {
		p := prev.pages[name]
		if i+1 >= len(prev.pubSig) || published(p, o, now) != prev.pubSig[i] || p.Upcoming(now) != prev.pubSig[i+1] {
			return nil, false, nil
		}
		i += 2
	}

	b.mu.Lock()
	for _, u := range updates {
		*u.old = *u.new // every list and index keeps pointing at the same page
		b.cache[u.old.File] = u.old
	}
	b.mu.Unlock()
	prev.site.Now = now
	prev.site.veventMu.Lock()
	for _, u := range updates {
		delete(prev.site.vevents, u.old)
	}
	prev.site.veventMu.Unlock()

	var idx []int
	for _, u := range updates {
		idx = append(idx, prev.jobIdx[u.old]...)
	}
	rendered := make([][]byte, len(idx))
	if err := parallel(ctx, len(idx), func(k int) error {
		buf := bufPool.Get().(*bytes.Buffer)
		defer bufPool.Put(buf)
		if err := execute(buf, prev.jobs[idx[k]]); err != nil {
			return err
		}
		rendered[k] = bytes.Clone(buf.Bytes())
		return nil
	}); err != nil {
		return nil, false, err
	}
	files := maps.Clone(prev.files)
	links := maps.Clone(prev.links)
	var names []string
	idsChanged := false
	for k, ji := range idx {
		name := prev.jobs[ji].out
		files[name] = rendered[k]
		pl := extractLinks(rendered[k])
		if !maps.Equal(pl.ids, links[name].ids) {
			idsChanged = true
		}
		links[name] = pl
		names = append(names, name)
	}
	var pages []*Page
	for _, u := range updates {
		pages = append(pages, u.old)
	}
	feeds, err := renderFeeds(prev.site, pages)
	if err != nil {
		return nil, false, err
	}
	maps.Copy(files, feeds)
	lc := *prev.checker
	lc.files, lc.links = files, links
	if idsChanged {
		names = nil // an anchor went or came: check every page
	}
	if err := lc.check(names); err != nil {
		return nil, false, err
	}
	prev.files, prev.links, prev.checker = files, links, &lc
	sum := prev.summary
	sum.Duration = time.Since(start)
	return &Output{Files: files, Summary: sum}, true, nil
}
