package browsertest

import (
	"slices"
	"strings"
	"testing"
)

// TestHarnessSeesProblems loads a page that breaks every rule and checks that
// the harness reports each one, so that a clean page really is clean.
func TestHarnessSeesProblems(t *testing.T) {
	tb := openTab(t, phone)
	tb.load("/_harness/bad.html")
	got := strings.Join(tb.problems(nil), "\n")
	for _, want := range []string{
		"request to another host: GET http://other.invalid/x.png",
		"missing.png: got status 404",
		"render-blocking script " + env.baseURL + "/_harness/blocking.js",
		"Content Security Policy", // the inline script
		"uncaught exception at " + env.baseURL + "/_harness/throws.js",
		"console.error: 控制台错误",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("problems of a broken page: got\n%s\nwant a line with %q", got, want)
		}
	}
	if msg := sideScroll(tb); !strings.Contains(msg, "div.too-wide") {
		t.Errorf("sideways scrolling of a broken page: got %q, want it to name div.too-wide", msg)
	}
	var ids []string
	for _, v := range runAxe(tb) {
		ids = append(ids, v.ID)
	}
	if !slices.Contains(ids, "label") {
		t.Errorf("axe-core on a broken page: got violations %v, want label among them", ids)
	}
}

// TestHarnessDoubleClick checks that the harness's double click reaches the
// page as a mouse's does: two click events and one dblclick, after scrolling
// the button into view.
func TestHarnessDoubleClick(t *testing.T) {
	for _, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			tb := openTab(t, vp)
			tb.load("/_harness/clicks.html")
			tb.doubleClick("counted")
			got := eval[string](tb, `(b => b.dataset.clicks + ' clicks, ' + b.dataset.dblclicks + ' dblclick')(document.getElementById('counted'))`)
			if got != "2 clicks, 1 dblclick" {
				t.Errorf("double click on a button: got %s, want 2 clicks, 1 dblclick", got)
			}
			tb.clean(nil)
		})
	}
}
