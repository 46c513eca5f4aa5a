package sitegen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
)

// pageLinks are the ids and link targets of one HTML output.
type pageLinks struct {
	ids   map[string]bool
	hrefs []string
}

// extractLinks scans rendered HTML for id, href and src attributes, in one
// pass over the attribute values (="…").
func extractLinks(data []byte) pageLinks {
	pl := pageLinks{ids: map[string]bool{}}
	for {
		i := bytes.Index(data, []byte(`="`))
		if i < 0 {
			return pl
		}
		name := data[:i]
		data = data[i+2:]
		j := bytes.IndexByte(data, '"')
		if j < 0 {
			return pl
		}
		isID := bytes.HasSuffix(name, []byte(" id"))
		if isID || bytes.HasSuffix(name, []byte(" href")) || bytes.HasSuffix(name, []byte(" src")) {
			v := string(data[:j])
			if strings.IndexByte(v, '&') >= 0 {
				v = html.UnescapeString(v)
			}
			switch {
			case isID:
				pl.ids[v] = true
			// a page has few distinct links: a linear search beats a map
			case v != "" && !slices.Contains(pl.hrefs, v):
				pl.hrefs = append(pl.hrefs, v)
			}
		}
		data = data[j+1:]
	}
}

// linkChecker checks internal links and anchors against the rendered outputs.
type linkChecker struct {
	site    *Site
	base    *url.URL
	files   map[string][]byte
	links   map[string]pageLinks // HTML output → its ids and links
	sources map[string]string
	layouts map[string]string // HTML output → its layout file
	// raw returns the sources by error name, for the line of a broken link.
	raw func() map[string][]byte
}

// check verifies the links of the given HTML outputs (all when names is
// nil). Errors name the source file and, when the link is written in it, the line.
func (c *linkChecker) check(names []string) error {
	if names == nil {
		for name := range c.links {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	type broken struct{ name, href, msg string }
	var mu sync.Mutex
	var bad []broken
	_ = parallel(context.Background(), len(names), func(i int) error {
		name := names[i]
		pageDir := "/" + name[:strings.LastIndexByte(name, '/')+1]
		hrefs := c.links[name].hrefs
		if hrefs == nil { // dropped after the full check of a render
			hrefs = extractLinks(c.files[name]).hrefs
		}
		for _, href := range hrefs {
			if msg := c.checkOne(pageDir, href); msg != "" {
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
	raw := c.raw()
	var errs []error
	for _, b := range bad {
		errs = append(errs, linkError(c.sources[b.name], c.layouts[b.name], raw, b.href, fmt.Sprintf("broken link %q on /%s: %s", b.href, b.name, b.msg)))
	}
	sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
	if len(errs) > 20 {
		errs = append(errs[:20], fmt.Errorf("… and %d more broken links", len(errs)-20))
	}
	return errors.Join(errs...)
}

// checkOne returns why href on a page in pageDir is broken, or "".
func (c *linkChecker) checkOne(pageDir, href string) string {
	var p, frag string
	// an absolute URL of the site with a plain path is checked like that path
	if rest, ok := strings.CutPrefix(href, c.base.Scheme+"://"+c.base.Host); ok && plainPath(rest) && noSpaceOrControl(rest) {
		href = rest
	}
	switch {
	case strings.HasPrefix(href, "#"):
		p, frag = pageDir, href[1:]
	case plainPath(href):
		p, frag, _ = strings.Cut(href, "#")
	default:
		u, err := url.Parse(href)
		if err != nil {
			return "malformed URL"
		}
		if u.Scheme != "" || u.Host != "" {
			if !strings.EqualFold(u.Host, c.base.Host) || (u.Scheme != "" && u.Scheme != c.base.Scheme) {
				return "" // external
			}
		}
		t := (&url.URL{Path: pageDir}).ResolveReference(u)
		p, frag = t.Path, t.Fragment
	}
	if frag != "" && strings.IndexByte(frag, '%') >= 0 {
		if f, err := url.PathUnescape(frag); err == nil {
			frag = f
		}
	}
	if strings.HasPrefix(p, c.site.Config.APIPath) || strings.HasPrefix(p, "/__") {
		return "" // served by the API or the dev server
	}
	target := strings.TrimPrefix(p, "/")
	if target == "" || strings.HasSuffix(target, "/") {
		target += "index.html"
	}
	if _, ok := c.files[target]; !ok {
		if _, ok := c.files[target+"/index.html"]; !ok {
			return "no page " + p
		}
		target += "/index.html"
	}
	if frag != "" {
		if pl, ok := c.links[target]; !ok || !pl.ids[frag] {
			return "no anchor #" + frag + " on " + p
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
				if strings.Contains(l, "("+c) || strings.Contains(l, `"`+c) || strings.Contains(l, "<"+c) || strings.Contains(l, "]: "+c) {
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
