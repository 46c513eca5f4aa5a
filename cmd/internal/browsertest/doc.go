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
// The whole suite takes about a minute and a half. Run it alone with
//
//	go test -count=1 ./cmd/internal/browsertest/
//
// and add -v to see the page weight of each page type (bytes transferred,
// requests, time to the load event). A missing Chromium is a failure that says
// to run `make test-deps`.
//
// Every run writes a full-page JPEG screenshot of each page type at both
// viewports, and of the join form's error, success and no-JavaScript pages,
// to $ROOT/screenshots/ (git-ignored), named PAGE-VIEWPORT.jpg (home-phone.jpg,
// join-errors-desktop.jpg …), so that a person can look at them. $ROOT is
// $ALLIANCE_ROOT, or the folder of go.mod.
//
// The test server sends the deployed Content-Security-Policy
// (default-src 'self') with every page of the site, so an inline script or
// style shows up here as a console error. The tests need a Chinese font
// (fonts-wqy-microhei, which .ci/run installs), or Chinese renders as boxes.
package browsertest
