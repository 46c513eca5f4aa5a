package browsertest

import (
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
}
