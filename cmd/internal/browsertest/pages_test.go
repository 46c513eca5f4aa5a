package browsertest

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/smelisting/alliance/functions/httpapi"
)

// pageType is one kind of page a visitor sees.
type pageType struct {
	name   string // screenshot name
	path   string
	status int64 // HTTP status of the document
}

// pageTypes lists one page of each type in the built site.
func pageTypes(t *testing.T) []pageType {
	t.Helper()
	return []pageType{
		{"home", "/", http.StatusOK},
		{"charter", "/charter/", http.StatusOK},
		{"events", "/events/", http.StatusOK},
		{"event", firstPage(t, "events"), http.StatusOK},
		{"members", "/members/", http.StatusOK},
		{"member", firstPage(t, "members"), http.StatusOK},
		{"news", "/news/", http.StatusOK},
		{"join", "/join/", http.StatusOK},
		{"404", "/no-such-page/", http.StatusNotFound},
	}
}

// firstPage returns the path of the first single page of a section in the
// built site: a folder with an index.html that is not a list page.
func firstPage(t *testing.T, section string) string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(env.siteDir, section))
	if err != nil {
		t.Fatalf("read section %s: %v", section, err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() || slices.Contains([]string{"page", "kind", "industry", "kinds", "industries"}, e.Name()) {
			continue
		}
		if _, err := os.Stat(filepath.Join(env.siteDir, section, e.Name(), "index.html")); err == nil {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		t.Fatalf("section %s: got no single page in the built site, want at least one", section)
	}
	slices.Sort(names)
	return "/" + section + "/" + names[0] + "/"
}

// axeViolation is the part of an axe-core result the tests report.
type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// runAxe injects axe-core into the page and returns its serious and critical
// violations.
func runAxe(tb *tab) []axeViolation {
	tb.t.Helper()
	eval[bool](tb, env.axe+";true")
	return eval[[]axeViolation](tb, `axe.run(document, {resultTypes: ['violations']}).then(r =>
		r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => ({
			id: v.id, impact: v.impact, help: v.help,
			nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ': ' + n.failureSummary),
		})))`)
}

// checkAxe fails the test on each serious or critical axe-core violation of
// the current page.
func (tb *tab) checkAxe() {
	tb.t.Helper()
	for _, v := range runAxe(tb) {
		tb.t.Errorf("%s: axe %s (%s): %s\n  %s", tb.vp.name, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n  "))
	}
}

// checkNoSideScroll fails the test if the current page is wider than the
// phone's screen.
func (tb *tab) checkNoSideScroll() {
	tb.t.Helper()
	if tb.vp.mobile {
		if msg := sideScroll(tb); msg != "" {
			tb.t.Errorf("%s: %s", tb.vp.name, msg)
		}
	}
}

// sideScroll says how the current page is wider than the viewport, naming the
// elements that stick out, or returns "".
func sideScroll(tb *tab) string {
	tb.t.Helper()
	sw := eval[int64](tb, `document.documentElement.scrollWidth`)
	iw := eval[int64](tb, `window.innerWidth`)
	if sw <= iw {
		return ""
	}
	wide := eval[[]string](tb, `[...document.querySelectorAll('body *')]
		.filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
		.slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + String(e.className).replace(/ +/g, '.') : ''))`)
	return fmt.Sprintf("%s scrolls sideways: got scrollWidth %d, want <= innerWidth %d (too wide: %s)",
		eval[string](tb, `location.pathname`), sw, iw, strings.Join(wide, ", "))
}

// TestPages loads one page of each type at each viewport and checks that it
// loads clean (no other host, no failed request, no console error), has no
// serious or critical axe-core violation, does not scroll sideways on a
// phone, and leaves a screenshot. It logs the page weight.
func TestPages(t *testing.T) {
	for _, vp := range viewports {
		for _, pt := range pageTypes(t) {
			t.Run(vp.name+"/"+pt.name, func(t *testing.T) {
				tb := openTab(t, vp)
				w := tb.load(pt.path)
				reqs := tb.rec.snapshot()
				if len(reqs) == 0 {
					t.Fatalf("got no request recorded for %s", pt.path)
				}
				if got := reqs[0].status; got != pt.status {
					t.Errorf("GET %s: got status %d, want %d", pt.path, got, pt.status)
				}
				tb.clean(map[string]int64{pt.path: pt.status})
				var paths []string
				for _, r := range reqs {
					paths = append(paths, strings.TrimPrefix(r.url, env.baseURL))
				}
				t.Logf("page weight %-8s %-7s %s: %s", pt.name, vp.name, w, strings.Join(paths, " "))

				if lang := eval[string](tb, `document.documentElement.lang`); lang != "zh-CN" {
					t.Errorf("%s: got <html lang=%q>, want zh-CN", pt.path, lang)
				}
				tb.checkNoSideScroll()
				checkTouchTargets(tb, 0)
				tb.screenshot(pt.name)

				tb.checkAxe()
			})
		}
	}
}

// TestPageWeight checks the budget of a charter-sized page: under 30 KB on
// the wire before compression, at most 3 requests.
func TestPageWeight(t *testing.T) {
	tb := openTab(t, desktop)
	w := tb.load("/charter/")
	tb.clean(nil)
	if w.bytes >= 30*1024 {
		t.Errorf("charter page: got %d bytes transferred, want < %d", w.bytes, 30*1024)
	}
	if w.requests > 3 {
		var urls []string
		for _, r := range tb.rec.snapshot() {
			urls = append(urls, r.url)
		}
		t.Errorf("charter page: got %d requests, want <= 3: %s", w.requests, strings.Join(urls, " "))
	}
}

// TestIcon checks that every page links the site's own icon and that it is served, so a
// browser never falls back to /favicon.ico and a 404 page.
func TestIcon(t *testing.T) {
	linkRE := regexp.MustCompile(`<link rel="icon" href="([^"]+)" type="image/svg\+xml">`)
	var icon string
	for _, pt := range pageTypes(t) {
		path := pt.path
		resp, err := http.Get(env.baseURL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := linkRE.FindSubmatch(body)
		if m == nil {
			t.Errorf("%s links no icon, want <link rel=\"icon\" … type=\"image/svg+xml\">", path)
			continue
		}
		if icon != "" && string(m[1]) != icon {
			t.Errorf("%s links icon %s, want the same as the other pages (%s)", path, m[1], icon)
		}
		icon = string(m[1])
	}
	if icon == "" {
		return
	}
	if !isIconURL(icon) {
		t.Errorf("icon URL %s does not match the pattern the request recorder skips", icon)
	}
	resp, err := http.Get(env.baseURL + icon)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/svg+xml" {
		t.Errorf("GET %s = %d %s, want 200 image/svg+xml", icon, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// sitePages returns the path of every HTML page of the built site (redirects of old
// URLs and the API's frame, which is no page, left out), in order.
func sitePages(t *testing.T) []string {
	t.Helper()
	var paths []string
	err := filepath.WalkDir(env.siteDir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".html") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil || strings.Contains(string(b), `http-equiv="refresh"`) {
			return err
		}
		rel, _ := filepath.Rel(env.siteDir, p)
		if rel == httpapi.FramePath {
			return nil
		}
		paths = append(paths, "/"+strings.TrimSuffix(filepath.ToSlash(rel), "index.html"))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(paths)
	return paths
}

// outlineProblems lists how the headings of the current page break the outline: not
// exactly one h1, or a level skipped on the way down (h1 followed by h3).
func outlineProblems(tb *tab) []string {
	tb.t.Helper()
	levels := eval[[]int](tb, `[...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map(h => +h.tagName[1])`)
	var out []string
	h1 := 0
	for _, l := range levels {
		if l == 1 {
			h1++
		}
	}
	if h1 != 1 {
		out = append(out, fmt.Sprintf("headings %v: got %d h1, want exactly one", levels, h1))
	}
	prev := 0
	for _, l := range levels {
		if l > prev+1 {
			out = append(out, fmt.Sprintf("headings %v: h%d follows h%d, skipping a level", levels, l, prev))
			break
		}
		prev = l
	}
	return out
}

// TestHeadingOutline loads every page of the site and checks that its headings form an
// outline: one h1, and no level skipped on the way down (what the HTML validator and
// Lighthouse report, and what a screen reader's list of headings shows).
func TestHeadingOutline(t *testing.T) {
	tb := openTab(t, desktop)
	pages := sitePages(t)
	if len(pages) < 40 {
		t.Fatalf("got %d pages in the built site, want the whole site (>= 40)", len(pages))
	}
	for _, p := range pages {
		tb.load(p)
		for _, msg := range outlineProblems(tb) {
			t.Errorf("%s: %s", p, msg)
		}
	}
}
