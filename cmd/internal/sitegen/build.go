package sitegen

import (
	"context"
	"sync"
	"time"

	"github.com/smelisting/alliance/cmd/internal/sitewriter"
	"github.com/yuin/goldmark"
)

// Build renders the site and writes it to opts.OutDir through a working
// folder, leaving the previous output untouched on any error.
func Build(ctx context.Context, opts Options) (Summary, error) {
	return NewBuilder(opts).Build(ctx)
}

// Builder renders a site repeatedly, keeping parsed and converted pages
// whose source did not change, and the plan of its last Render for
// RenderChanged.
type Builder struct {
	opts Options
	md   goldmark.Markdown

	mu    sync.Mutex
	cache map[string]*Page // content path → page parsed from identical bytes
	last  *plan            // the last good Render, for RenderChanged
}

// NewBuilder returns a Builder for opts.
func NewBuilder(opts Options) *Builder {
	if opts.ContentName == "" {
		opts.ContentName = "content"
	}
	if opts.TemplatesName == "" {
		opts.TemplatesName = "templates"
	}
	if opts.OutDir == "" {
		opts.OutDir = "site"
	}
	return &Builder{opts: opts, md: newMarkdown(), cache: map[string]*Page{}}
}

// Build renders the site and swaps it into the output folder. Pages are
// written as they are rendered, not kept in memory, so a Build leaves
// nothing for RenderChanged.
func (b *Builder) Build(ctx context.Context) (Summary, error) {
	start := time.Now()
	w, err := sitewriter.New(b.opts.OutDir)
	if err != nil {
		return Summary{}, err
	}
	p, err := b.run(ctx, w)
	if err != nil {
		w.Abort()
		return Summary{}, err
	}
	if err := w.Commit(); err != nil {
		return Summary{}, err
	}
	p.summary.Duration = time.Since(start)
	return p.summary, nil
}

// Render builds the whole site in memory and checks its links.
func (b *Builder) Render(ctx context.Context) (*Output, error) {
	p, err := b.run(ctx, nil)
	if err != nil {
		return nil, err
	}
	if err := p.keep(); err != nil {
		return nil, err
	}
	b.mu.Lock()
	b.last = p
	b.mu.Unlock()
	return &Output{Files: p.files, Summary: p.summary}, nil
}

// run takes a build through its phases (see the package doc). With w set,
// render writes each page through w as soon as it is rendered and write
// the other files; without, the plan holds every file.
func (b *Builder) run(ctx context.Context, w siteWriter) (*plan, error) {
	b.mu.Lock()
	b.last = nil
	b.mu.Unlock()
	start := time.Now()
	p, err := b.load(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.assemble(); err != nil {
		return nil, err
	}
	if err := p.render(ctx, w); err != nil {
		return nil, err
	}
	if err := p.check(nil); err != nil {
		return nil, err
	}
	if err := p.write(ctx, w); err != nil {
		return nil, err
	}
	p.summary.Duration = time.Since(start)
	return p, nil
}
