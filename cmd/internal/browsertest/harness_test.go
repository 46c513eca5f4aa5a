package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// viewport is a screen the tests emulate.
type viewport struct {
	name          string
	width, height int64
	scale         float64
	mobile        bool
}

var (
	phone   = viewport{name: "phone", width: 390, height: 844, scale: 3, mobile: true}
	desktop = viewport{name: "desktop", width: 1366, height: 768, scale: 1}
	// viewports are the screens every page test runs at.
	viewports = []viewport{phone, desktop}
)

// tabTimeout bounds everything one test does in its tab, and stepTimeout each
// call into it, so that a hang (a click on an element that never appears)
// fails the test instead of the whole run.
const (
	tabTimeout  = 120 * time.Second
	stepTimeout = 30 * time.Second
)

// tab is one browser tab, in a browser context of its own, with a recorder of
// its network and console events.
type tab struct {
	t   testing.TB
	ctx context.Context
	vp  viewport
	rec *recorder
	// origins are the scheme://host of every server the page may reach; nil
	// means the test server's alone (env.baseURL).
	origins []string
}

// openTab opens a tab at viewport vp; the test's cleanup closes it.
func openTab(t testing.TB, vp viewport) *tab {
	t.Helper()
	return openTabIn(t, env.browser, vp)
}

// openTabIn opens a tab of the browser of the chromedp context.
func openTabIn(t testing.TB, browser context.Context, vp viewport) *tab {
	t.Helper()
	tctx, cancelTimeout := context.WithTimeout(browser, tabTimeout)
	ctx, cancel := chromedp.NewContext(tctx, chromedp.WithNewBrowserContext())
	t.Cleanup(func() { cancel(); cancelTimeout() })
	tb := &tab{t: t, ctx: ctx, vp: vp, rec: newRecorder()}
	if err := chromedp.Listen(ctx, tb.rec.event); err != nil {
		t.Fatalf("open tab: %v", err)
	}
	opts := []chromedp.EmulateViewportOption{chromedp.EmulateScale(vp.scale)}
	if vp.mobile {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)
	}
	// The first call opens the tab; it binds the tab to ctx, so it gets no
	// step timeout of its own.
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(vp.width, vp.height, opts...),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: true})
			return err
		}),
	); err != nil {
		t.Fatalf("%s: open tab: %v", vp.name, err)
	}
	return tb
}

// reduceMotion makes the page see prefers-reduced-motion: reduce, which turns
// the site's smooth scrolling off, so that a click lands where the element is
// and not where it was while the page scrolled.
func (tb *tab) reduceMotion() {
	tb.t.Helper()
	tb.do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: "reduce"}},
		})
		return err
	}))
}

// do runs actions in the tab and fails the test on an error.
func (tb *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tb.t.Fatalf("%s: %v", tb.vp.name, err)
	}
}

// eval evaluates a JavaScript expression in the page and returns its value;
// a promise is awaited.
func eval[T any](tb *tab, expr string) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.t.Fatalf("%s: evaluate %.80q: %v", tb.vp.name, expr, err)
	}
	return v
}

// doubleClick double-clicks the element with the given id as a mouse does:
// two presses and releases at its centre, the second with click count 2, so
// that the page gets two click events and a dblclick. (chromedp.DoubleClick
// sends one press with click count 2: one click event, which would not test
// a guard against a second submit.)
func (tb *tab) doubleClick(id string) {
	tb.t.Helper()
	tb.do(chromedp.ScrollIntoView(chromedp.ID(id)))
	c := eval[struct {
		X float64 `json:"x"`
		Y float64 `json:"y"`
	}](tb, `(r => ({x: r.left + r.width / 2, y: r.top + r.height / 2}))(document.getElementById(`+strconv.Quote(id)+`).getBoundingClientRect())`)
	tb.do(chromedp.MouseClickXY(c.X, c.Y), chromedp.MouseClickXY(c.X, c.Y, chromedp.ClickCount(2)))
}

// url returns the absolute URL of a site path.
func siteURL(p string) string { return env.baseURL + p }

// load navigates to a site path, waits for the load event and for every
// request the page started to end, and returns what the load cost.
func (tb *tab) load(p string) pageWeight {
	tb.t.Helper()
	tb.rec.reset()
	tb.do(chromedp.Navigate(siteURL(p)))
	tb.settle()
	return tb.weight()
}

// settle waits until every recorded request has finished or failed, for at
// most stepTimeout.
func (tb *tab) settle() {
	tb.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for tb.rec.pending() > 0 {
		if time.Now().After(deadline) {
			tb.t.Errorf("%s: requests still pending after %v: %v", tb.vp.name, stepTimeout, tb.rec.pendingURLs())
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// pageWeight is what one page load cost on loopback.
type pageWeight struct {
	bytes    int64         // bytes transferred, headers included, before any compression
	requests int           // number of requests
	load     time.Duration // from navigation start to the load event
}

func (w pageWeight) String() string {
	return fmt.Sprintf("%6.1f KB in %d requests, load event at %v", float64(w.bytes)/1024, w.requests, w.load.Round(time.Millisecond))
}

// weight measures the current page.
func (tb *tab) weight() pageWeight {
	ms := eval[float64](tb, `performance.getEntriesByType('navigation')[0].loadEventStart`)
	reqs := tb.rec.snapshot()
	var w pageWeight
	for _, r := range reqs {
		w.bytes += int64(r.bytes)
	}
	w.requests = len(reqs)
	w.load = time.Duration(ms * float64(time.Millisecond))
	return w
}

// clean fails the test on each of the page's problems.
func (tb *tab) clean(allowStatus map[string]int64) {
	tb.t.Helper()
	for _, p := range tb.problems(allowStatus) {
		tb.t.Errorf("%s: %s", tb.vp.name, p)
	}
}

// problems lists what is wrong with the requests and the console of the page:
// a request to a host not among the tab's origins, a failed request or one answered with an error
// status (except the statuses allowed for given paths), a render-blocking
// script, a console error or an uncaught exception.
func (tb *tab) problems(allowStatus map[string]int64) []string {
	var out []string
	origins := tb.origins
	if origins == nil {
		origins = []string{env.baseURL}
	}
	for _, r := range tb.rec.snapshot() {
		u, err := url.Parse(r.url)
		if err != nil || !slices.Contains(origins, u.Scheme+"://"+u.Host) {
			out = append(out, fmt.Sprintf("request to another host: %s %s", r.method, r.url))
			continue
		}
		if r.failed != "" {
			out = append(out, fmt.Sprintf("request failed: %s %s: %s", r.method, r.url, r.failed))
		}
		if r.status >= 400 && allowStatus[u.Path] != r.status {
			out = append(out, fmt.Sprintf("%s %s: got status %d, want < 400", r.method, r.url, r.status))
		}
		if r.typ == network.ResourceTypeScript && (r.blocking == network.RenderBlockingBehaviorBlocking ||
			r.blocking == network.RenderBlockingBehaviorInBodyParserBlocking) {
			out = append(out, fmt.Sprintf("render-blocking script %s (%s); load scripts with defer", r.url, r.blocking))
		}
	}
	for _, p := range tb.rec.problems() {
		if allowedConsole(p, allowStatus) || isIconURL(p) {
			continue
		}
		out = append(out, "console: "+p)
	}
	return out
}

// allowedConsole reports whether a console line is Chromium's own report of
// a status that the test expects (the 404 page answers 404).
func allowedConsole(line string, allowStatus map[string]int64) bool {
	for p, status := range allowStatus {
		if strings.Contains(line, fmt.Sprintf("status of %d", status)) && strings.Contains(line, p) {
			return true
		}
	}
	return false
}

// screenshot writes a full-page JPEG of the current page to
// $ROOT/screenshots/name-viewport.jpg.
func (tb *tab) screenshot(name string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	b, err := chromedp.Run(ctx, chromedp.FullScreenshot(80))
	if err != nil {
		tb.t.Fatalf("%s: screenshot %s: %v", tb.vp.name, name, err)
	}
	file := filepath.Join(env.shotsDir, name+"-"+tb.vp.name+".jpg")
	if err := os.WriteFile(file, b, 0o644); err != nil {
		tb.t.Fatalf("write screenshot: %v", err)
	}
}

// request is one request of a page, as the DevTools network events tell it.
type request struct {
	id       network.RequestID
	method   string
	url      string
	typ      network.ResourceType
	blocking network.RenderBlockingBehavior
	status   int64
	bytes    float64 // encoded data length: bytes on the wire, headers included
	done     bool
	failed   string
	key      string // the Idempotency-Key header
	body     string // the request body (post data)
	replayed string // the Idempotent-Replayed header of the answer
}

// recorder collects the network and console events of a tab. Its event
// method runs on chromedp's reader goroutine, so it only takes a lock.
type recorder struct {
	mu      sync.Mutex
	reqs    []*request
	byID    map[network.RequestID]*request
	console []string
}

func newRecorder() *recorder {
	return &recorder{byID: map[network.RequestID]*request{}}
}

func (r *recorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs, r.byID, r.console = nil, map[network.RequestID]*request{}, nil
}

func (r *recorder) event(ev any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		if ev.Type == network.ResourceTypeOther && isIconURL(ev.Request.URL) {
			// Chromium asks for the linked icon on its own, at a moment
			// of its choosing after the load; it is not a request of the
			// page. TestIcon checks the icon itself. A page that links
			// no icon makes Chromium ask for /favicon.ico, which is
			// recorded and fails on its 404.
			return
		}
		if prev := r.byID[ev.RequestID]; prev != nil && ev.RedirectResponse != nil {
			prev.status = ev.RedirectResponse.Status
			prev.done = true
		}
		req := &request{id: ev.RequestID, method: ev.Request.Method, url: ev.Request.URL + ev.Request.URLFragment,
			typ: ev.Type, blocking: ev.RenderBlockingBehavior, key: header(ev.Request.Headers, "Idempotency-Key")}
		for _, e := range ev.Request.PostDataEntries {
			req.body += string(e.Bytes)
		}
		if strings.HasPrefix(req.url, "data:") {
			req.done = true // no network; still checked against the host rule
		}
		r.reqs = append(r.reqs, req)
		r.byID[ev.RequestID] = req
	case *network.EventResponseReceived:
		if req := r.byID[ev.RequestID]; req != nil {
			req.status = ev.Response.Status
			req.replayed = header(ev.Response.Headers, "Idempotent-Replayed")
		}
	case *network.EventLoadingFinished:
		if req := r.byID[ev.RequestID]; req != nil {
			req.bytes, req.done = ev.EncodedDataLength, true
		}
	case *network.EventLoadingFailed:
		if req := r.byID[ev.RequestID]; req != nil {
			req.failed, req.done = ev.ErrorText, true
			if ev.BlockedReason != "" {
				req.failed += " (blocked: " + string(ev.BlockedReason) + ")"
			}
		}
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var parts []string
			for _, a := range ev.Args {
				var str string
				if a.Value != nil && json.Unmarshal(a.Value, &str) == nil {
					parts = append(parts, str)
				} else if a.Value != nil {
					parts = append(parts, string(a.Value))
				} else {
					parts = append(parts, a.Description)
				}
			}
			r.console = append(r.console, "console."+string(ev.Type)+": "+strings.Join(parts, " "))
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg := d.Text
		if d.Exception != nil {
			msg += " " + d.Exception.Description
		}
		r.console = append(r.console, fmt.Sprintf("uncaught exception at %s:%d: %s", d.URL, d.LineNumber+1, msg))
	case *log.EventEntryAdded:
		if ev.Entry.Level == log.EntryLevelError {
			r.console = append(r.console, fmt.Sprintf("%s error: %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
		}
	}
}

// snapshot returns a copy of the requests recorded since the last reset.
func (r *recorder) snapshot() []request {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]request, len(r.reqs))
	for i, q := range r.reqs {
		out[i] = *q
	}
	return out
}

func (r *recorder) problems() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.console)
}

func (r *recorder) pending() int {
	return len(r.pendingURLs())
}

func (r *recorder) pendingURLs() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, q := range r.reqs {
		if !q.done {
			out = append(out, q.url)
		}
	}
	return out
}

// header returns the value of the named header, whatever its case.
func header(h network.Headers, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			s, _ := v.(string)
			return s
		}
	}
	return ""
}

// containsAll reports whether s contains every one of subs.
func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// iconRE matches the site's icon: templates/assets/favicon.svg with its
// content hash. It does not match /favicon.ico, which a browser asks for only
// when a page links no icon.
var iconRE = regexp.MustCompile(`/assets/favicon\.[0-9a-f]+\.svg$`)

// isIconURL reports whether s ends with the URL of the site's icon.
func isIconURL(s string) bool { return iconRE.MatchString(s) }
