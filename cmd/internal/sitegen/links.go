package sitegen

import (
	"errors"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"sort"
	"strings"
)

var (
	hrefRe = regexp.MustCompile(`\s(?:href|src)="([^"]*)"`)
	idRe   = regexp.MustCompile(`\sid="([^"]*)"`)
)

// checkLinks verifies that every internal link and anchor of every HTML
// output points to an existing output and id. Errors name the source file
// and, when the link is written in it, the line.
func checkLinks(site *Site, files map[string][]byte, sources map[string]string, raw map[string][]byte) error {
	base, _ := url.Parse(site.BaseURL)
	ids := map[string]map[string]bool{}
	var pages []string
	for name, data := range files {
		if !strings.HasSuffix(name, ".html") {
			continue
		}
		pages = append(pages, name)
		set := map[string]bool{}
		for _, m := range idRe.FindAllSubmatch(data, -1) {
			set[html.UnescapeString(string(m[1]))] = true
		}
		ids[name] = set
	}
	sort.Strings(pages)
	var errs []error
	for _, name := range pages {
		pageURL := &url.URL{Path: "/" + strings.TrimSuffix(name, "index.html")}
		seen := map[string]bool{}
		for _, m := range hrefRe.FindAllSubmatch(files[name], -1) {
			href := html.UnescapeString(string(m[1]))
			if seen[href] || href == "" {
				continue
			}
			seen[href] = true
			u, err := url.Parse(href)
			if err != nil {
				errs = append(errs, linkError(sources[name], raw, href, fmt.Sprintf("malformed link %q on /%s", href, name)))
				continue
			}
			if u.Scheme != "" || u.Host != "" {
				if !(strings.EqualFold(u.Host, base.Host) && (u.Scheme == base.Scheme || u.Scheme == "")) {
					continue // external
				}
			}
			t := pageURL.ResolveReference(u)
			if strings.HasPrefix(t.Path, site.Config.APIPath) || strings.HasPrefix(t.Path, "/__") {
				continue // served by the API or the dev server
			}
			target := strings.TrimPrefix(t.Path, "/")
			if target == "" || strings.HasSuffix(target, "/") {
				target += "index.html"
			}
			if _, ok := files[target]; !ok {
				if _, ok := files[target+"/index.html"]; ok {
					target += "/index.html"
				} else {
					errs = append(errs, linkError(sources[name], raw, href, fmt.Sprintf("broken link %q on /%s: no page %s", href, name, t.Path)))
					continue
				}
			}
			if t.Fragment != "" {
				set, ok := ids[target]
				if !ok || !set[t.Fragment] {
					errs = append(errs, linkError(sources[name], raw, href, fmt.Sprintf("broken link %q on /%s: no anchor #%s on %s", href, name, t.Fragment, t.Path)))
				}
			}
		}
	}
	if len(errs) > 20 {
		errs = append(errs[:20], fmt.Errorf("… and %d more broken links", len(errs)-20))
	}
	return errors.Join(errs...)
}

// linkError names the source file and the first line that contains the link.
func linkError(source string, raw map[string][]byte, href, msg string) error {
	if data, ok := raw[source]; ok {
		candidates := []string{href}
		if u, err := url.PathUnescape(href); err == nil {
			candidates = append(candidates, u)
		}
		for i, l := range strings.Split(string(data), "\n") {
			for _, c := range candidates {
				if strings.Contains(l, "("+c) || strings.Contains(l, `"`+c) || strings.Contains(l, "<"+c) {
					return fmt.Errorf("%s:%d: %s", source, i+1, msg)
				}
			}
		}
	}
	if source == "" {
		source = "site"
	}
	return fmt.Errorf("%s: %s", source, msg)
}
