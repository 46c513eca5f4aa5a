package sitegen

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/smelisting/alliance/cmd/internal/parallel"
)

// check is the fourth phase: it verifies the internal links and anchors of
// the given HTML outputs (all for nil) against the outputs. Errors name the
// source file and, when the link is written in it, the line.
func (p *plan) check(names []string) error {
	if names == nil {
		for name := range p.links {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	type broken struct{ name, href, msg string }
	var mu sync.Mutex
	var bad []broken
	_ = parallel.For(context.Background(), runtime.GOMAXPROCS(0), len(names), func(i int) error {
		name := names[i]
		pageDir := "/" + name[:strings.LastIndexByte(name, '/')+1]
		hrefs := p.links[name].hrefs
		if hrefs == nil { // dropped by keep after the full check of a Render
			hrefs = extractLinks(p.files[name]).hrefs
		}
		for _, href := range hrefs {
			if msg := p.checkLink(pageDir, href); msg != "" {
				mu.Lock()
				bad = append(bad, broken{name, href, msg})
				mu.Unlock()
			}
		}
		return nil
	})
	if len(bad) == 0 {
		return nil
	}
	raw := make(map[string][]byte, len(p.pages))
	for _, pg := range p.pages {
		raw[p.opts.ContentName+"/"+pg.File] = pg.raw
	}
	layouts := make(map[string]string, len(p.jobs))
	for _, j := range p.jobs {
		layouts[j.out] = j.layout
	}
	var errs []error
	for _, b := range bad {
		errs = append(errs, linkError(p.sources[b.name], layouts[b.name], raw, b.href, fmt.Sprintf("broken link %q on /%s: %s", b.href, b.name, b.msg)))
	}
	sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
	if len(errs) > 20 {
		errs = append(errs[:20], fmt.Errorf("… and %d more broken links", len(errs)-20))
	}
	return errors.Join(errs...)
}

// checkLink returns why href on a page in pageDir is broken, or "".
func (p *plan) checkLink(pageDir, href string) string {
	var target, frag string
	base := p.base
	// an absolute URL of the site with a plain path is checked like that path
	if rest, ok := strings.CutPrefix(href, base.Scheme+"://"+base.Host); ok && plainPath(rest) && noSpaceOrControl(rest) {
		href = rest
	}
	switch {
	case strings.HasPrefix(href, "#"):
		target, frag = pageDir, href[1:]
	case plainPath(href):
		target, frag, _ = strings.Cut(href, "#")
	default:
		u, err := url.Parse(href)
		if err != nil {
			return "malformed URL"
		}
		if u.Scheme != "" || u.Host != "" {
			if !strings.EqualFold(u.Host, base.Host) || (u.Scheme != "" && u.Scheme != base.Scheme) {
				return "" // external
			}
		}
		t := (&url.URL{Path: pageDir}).ResolveReference(u)
		target, frag = t.Path, t.Fragment
	}
	if frag != "" && strings.IndexByte(frag, '%') >= 0 {
		if f, err := url.PathUnescape(frag); err == nil {
			frag = f
		}
	}
	if strings.HasPrefix(target, p.cfg.APIPath) || strings.HasPrefix(target, "/__") {
		return "" // served by the API or the dev server
	}
	out := strings.TrimPrefix(target, "/")
	if out == "" || strings.HasSuffix(out, "/") {
		out += "index.html"
	}
	if _, ok := p.files[out]; !ok {
		if _, ok := p.files[out+"/index.html"]; !ok {
			return "no page " + target
		}
		out += "/index.html"
	}
	if frag != "" {
		if pl, ok := p.links[out]; !ok || !pl.ids[frag] {
			return "no anchor #" + frag + " on " + target
		}
	}
	return ""
}

// plainPath reports whether href is a site path that needs no URL parsing.
func plainPath(href string) bool {
	return strings.HasPrefix(href, "/") && !strings.HasPrefix(href, "//") && !strings.Contains(href, "/.") && !strings.ContainsAny(href, "?%\\")
}

// noSpaceOrControl reports whether s has no spaces or control characters,
// which url.Parse rejects or keeps.
func noSpaceOrControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] == 0x7f {
			return false
		}
	}
	return true
}

// linkError names the source file and the first line that contains the
// link; a link the file does not contain came from its layout, which it
// names then.
func linkError(source, layout string, raw map[string][]byte, href, msg string) error {
	if data, ok := raw[source]; ok {
		candidates := []string{href}
		if u, err := url.PathUnescape(href); err == nil && u != href {
			candidates = append(candidates, u)
		}
		for i, l := range strings.Split(string(data), "\n") {
			for _, c := range candidates {
				if strings.Contains(l, "("+c) || strings.Contains(l, `"`+c) || strings.Contains(l, "'"+c) || strings.Contains(l, "="+c) ||
					strings.Contains(l, "<"+c) || strings.Contains(l, "]: "+c) {
					return fmt.Errorf("%s:%d: %s", source, i+1, msg)
				}
			}
		}
	}
	if source == "" {
		source = "site"
	}
	if layout != "" {
		return fmt.Errorf("%s: %s (not in this file: it comes from its layout %s, base.html or a partial)", source, msg, layout)
	}
	return fmt.Errorf("%s: %s", source, msg)
}
