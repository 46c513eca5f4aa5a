package sitegen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/smelisting/alliance/cmd/internal/parallel"
)

// load is the first phase: it reads the configuration (noting what it lacks
// in the summary's warnings), every content file (Markdown parsed and
// converted, reusing the Builder's cache; other files kept as they are) and
// the layouts and assets, into a new plan.
func (b *Builder) load(ctx context.Context) (*plan, error) {
	o := b.opts
	cfgName := o.ContentName + "/config.yaml"
	cfgData, err := fs.ReadFile(o.Content, "config.yaml")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfgName, err)
	}
	cfg, err := parseConfig(cfgName, cfgData)
	if err != nil {
		return nil, err
	}
	if o.BaseURL != "" {
		cfg.BaseURL = strings.TrimSuffix(o.BaseURL, "/") + "/"
	}
	p := &plan{opts: o, now: buildClock(o), cfg: cfg, cfgRaw: cfgData}
	p.summary.Warnings = cfg.Warnings(cfgName)
	mdFiles, static, err := walkContent(o.Content)
	if err != nil {
		return nil, fmt.Errorf("walk %s: %w", o.ContentName, err)
	}
	p.static = static
	if p.pages, err = b.loadPages(ctx, mdFiles); err != nil {
		return nil, err
	}
	if p.layouts, err = loadLayouts(o.Templates, o.TemplatesName, cfg); err != nil {
		return nil, err
	}
	return p, nil
}

// walkContent lists the Markdown files of the content folder and reads
// the other files but config.yaml; names starting with a dot are left out.
func walkContent(content fs.FS) (md []string, static map[string][]byte, err error) {
	static = map[string][]byte{}
	err = fs.WalkDir(content, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && name != "." {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() || name == "config.yaml" {
			return nil
		}
		if strings.HasSuffix(name, ".md") {
			md = append(md, name)
			return nil
		}
		data, err := fs.ReadFile(content, name)
		if err != nil {
			return err
		}
		static[name] = data
		return nil
	})
	return md, static, err
}

// buildClock is Options.Now (default now) in Asia/Shanghai.
func buildClock(o Options) time.Time {
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	return now.In(Shanghai)
}

// loadPages reads, parses and converts the Markdown files, reusing cached
// pages whose bytes did not change. The pages are sorted by path.
func (b *Builder) loadPages(ctx context.Context, names []string) ([]*Page, error) {
	sort.Strings(names)
	pages := make([]*Page, len(names))
	errs := make([]error, len(names))
	_ = parallel.For(ctx, runtime.GOMAXPROCS(0), len(names), func(i int) error {
		pages[i], errs[i] = b.loadPage(names[i])
		return nil
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	b.mu.Lock()
	keep := make(map[string]*Page, len(names))
	for i, n := range names {
		keep[n] = pages[i]
	}
	b.cache = keep
	b.mu.Unlock()
	return pages, nil
}

// loadPage returns the page of the content file name, from the cache when
// its bytes did not change.
func (b *Builder) loadPage(name string) (*Page, error) {
	raw, err := fs.ReadFile(b.opts.Content, name)
	if err != nil {
		return nil, fmt.Errorf("%s/%s: %w", b.opts.ContentName, name, err)
	}
	b.mu.Lock()
	c := b.cache[name]
	b.mu.Unlock()
	if c != nil && bytes.Equal(c.raw, raw) {
		return c, nil
	}
	p, err := b.parse(name, raw)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	b.cache[name] = p
	b.mu.Unlock()
	return p, nil
}

// parse parses the content file name and converts its Markdown body.
func (b *Builder) parse(name string, raw []byte) (*Page, error) {
	file := b.opts.ContentName + "/" + name
	p, err := parsePage(file, name, raw)
	if err != nil {
		return nil, err
	}
	html, toc, plain, err := renderMarkdown(b.md, p.body, p.FrontMatter.TOC, p.Summary == "")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	p.setBody(html, toc, plain)
	return p, nil
}
