// Package browsertest holds the end-to-end tests that drive the built site and
// the join form in a real headless Chromium, as a visitor on a phone (390×844,
// mobile emulation, device scale 3) and on a desktop (1366×768) uses them.
//
// The package has no code of its own outside its tests. TestMain builds the
// site from content/ and templates/ into a temporary folder, serves it on
// 127.0.0.1 with the real /api handler on an embedded store in a temporary
// folder, and starts one Chromium (/usr/lib/chromium/chromium) with a fresh
// profile. Each test opens its own tab in a fresh browser context and records
// every request, response, console message and exception through the DevTools
// protocol: a request to another host, a failed request, a console error or an
// uncaught exception fails the test.
//
// Run it alone with
//
//	go test -count=1 ./cmd/internal/browsertest/
//
// and add -v to see the page weight of each page type (bytes transferred,
// requests, time to the load event). A missing Chromium is a failure that says
// to run `make test-deps`.
//
// Every run writes a full-page screenshot of each page type at both viewports
// to $ROOT/screenshots/ (git-ignored), named page-viewport.jpg, so that a
// person can look at them. $ROOT is $ALLIANCE_ROOT, or the folder of go.mod.
package browsertest
