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
