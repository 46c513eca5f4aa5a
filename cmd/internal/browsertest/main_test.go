package browsertest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/smelisting/alliance/cmd/internal/sitegen"
	"github.com/smelisting/alliance/functions/httpapi"
)

// chromiumPath is Debian's Chromium binary; the shell wrapper /usr/bin/chromium
// is skipped because it prints noise and adds flags of its own.
const chromiumPath = "/usr/lib/chromium/chromium"

// contentSecurityPolicy is the policy the deployed site sends (template.yaml);
// the test server sends it too, so an inline script or style fails here first.
const contentSecurityPolicy = "default-src 'self'"

// env is the shared state TestMain prepares for every test.
var env struct {
	root     string          // module root
	siteDir  string          // the built site
	baseURL  string          // http://127.0.0.1:port of the test server
	browser  context.Context // chromedp context of the one browser
	axe      string          // source of axe.min.js
	shotsDir string          // $ROOT/screenshots
	store    *stallable      // the store behind /api, which a test may stall
	// apiOrigin is a second server of the same API on an origin of its own, with
	// SITE_ORIGIN set to baseURL: the China layout, where the API is not behind the
	// site's CloudFront but on its execute-api address.
	apiOrigin string
}

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

// run prepares the site, the server and the browser, runs the tests and tears
// everything down; it returns the exit code.
func run(m *testing.M) int {
	fail := func(format string, args ...any) int {
		fmt.Fprintf(os.Stderr, "browsertest: "+format+"\n", args...)
		return 1
	}
	root, err := moduleRoot()
	if err != nil {
		return fail("%v", err)
	}
	env.root = root
	if _, err := os.Stat(chromiumPath); err != nil {
		return fail("Chromium is missing (%v): run `make test-deps` (apt-get install -y chromium)", err)
	}
	// Without a CJK font Chinese renders as boxes: the screenshots are useless
	// and the phone layout check measures the wrong glyphs.
	if out, err := exec.Command("fc-list", ":lang=zh").Output(); err != nil || len(out) == 0 {
		return fail("no Chinese font (fc-list :lang=zh: %v): apt-get install -y fonts-wqy-microhei (.ci/run does)", err)
	}
	axe, err := os.ReadFile(filepath.Join(root, "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		return fail("axe-core is missing (%v): run `make test-deps`", err)
	}
	env.axe = string(axe)
	env.shotsDir = filepath.Join(root, "screenshots")
	if err := os.MkdirAll(env.shotsDir, 0o755); err != nil {
		return fail("create screenshot folder: %v", err)
	}

	tmp, err := os.MkdirTemp("", "browsertest-")
	if err != nil {
		return fail("create temp dir: %v", err)
	}
	defer os.RemoveAll(tmp)

	env.siteDir = filepath.Join(tmp, "site")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fail("listen: %v", err)
	}
	env.baseURL = "http://" + ln.Addr().String()

	// Site and API on one origin, as behind CloudFront: the API's pages keep the
	// frame's links as they are.
	api, store, closeAPI, err := openAPI(filepath.Join(tmp, "data"), "", env.siteDir)
	if err != nil {
		return fail("open the API: %v", err)
	}
	defer closeAPI()
	env.store = store
	apiLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fail("listen: %v", err)
	}
	env.apiOrigin = "http://" + apiLn.Addr().String()
	apiSrv := &http.Server{ReadHeaderTimeout: 10 * time.Second,
		Handler: httpapi.NewPublic(httpapi.PublicConfig{Store: store, SiteOrigin: env.baseURL, Frame: siteFrame(env.siteDir),
			Registrations: store, Events: siteEvents(env.siteDir), Timeout: apiTimeout})}
	go apiSrv.Serve(apiLn)
	defer apiSrv.Close()

	// The API sets its own headers; the static site gets the deployed ones.
	mux := http.NewServeMux()
	mux.Handle("/api/", api)
	mux.Handle("/", withCSP(staticSite{dir: env.siteDir}))
	// Pages that break every rule, to prove that the harness sees it.
	mux.Handle("/_harness/", http.StripPrefix("/_harness/", withCSP(http.FileServer(http.Dir("testdata")))))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()

	if err := buildSite(root, env.siteDir, env.baseURL); err != nil {
		return fail("build the site: %v", err)
	}

	browser, stop, err := startBrowser(filepath.Join(tmp, "profile"))
	if err != nil {
		return fail("start Chromium: %v", err)
	}
	defer stop()
	env.browser = browser

	return m.Run()
}

// moduleRoot returns $ALLIANCE_ROOT, or the nearest folder above the working
// directory that holds go.mod.
func moduleRoot() (string, error) {
	if r := os.Getenv("ALLIANCE_ROOT"); r != "" {
		return r, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("module root: %w", err)
	}
	for range 64 {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	return "", errors.New("module root: no go.mod above the working directory")
}

// buildSite renders the project's content/ and templates/ into out with the
// real generator, with baseURL as the site's address so canonical and feed
// URLs point at the test server, and the tests' own event (testEvent) added.
func buildSite(root, out, baseURL string) error {
	return buildSiteWith(root, out, baseURL, "")
}

// buildSiteWith is buildSite with another apiPath in the configuration,
// when not "" (the China layout: the API on its own origin).
func buildSiteWith(root, out, baseURL, apiPath string) error {
	extra := map[string][]byte{"events/" + eventSlug + ".md": []byte(testEvent)}
	if apiPath != "" {
		cfg, err := os.ReadFile(filepath.Join(root, "content", "config.yaml"))
		if err != nil {
			return err
		}
		re := regexp.MustCompile(`(?m)^apiPath: .*$`)
		if !re.Match(cfg) {
			return errors.New("content/config.yaml has no apiPath line")
		}
		extra["config.yaml"] = re.ReplaceAll(cfg, []byte("apiPath: "+apiPath))
	}
	content, err := contentWith(filepath.Join(root, "content"), extra)
	if err != nil {
		return err
	}
	_, err = sitegen.Build(context.Background(), sitegen.Options{
		Content:   content,
		Templates: os.DirFS(filepath.Join(root, "templates")),
		OutDir:    out,
		BaseURL:   baseURL + "/",
	})
	return err
}

// contentWith returns the content folder dir in memory, with the files of
// extra (paths in it) added or replaced.
func contentWith(dir string, extra map[string][]byte) (fs.FS, error) {
	src := os.DirFS(dir)
	m := fstest.MapFS{}
	err := fs.WalkDir(src, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(src, p)
		m[p] = &fstest.MapFile{Data: b, Mode: 0o644}
		return err
	})
	for p, b := range extra {
		m[p] = &fstest.MapFile{Data: b, Mode: 0o644}
	}
	return m, err
}

// startBrowser starts one headless Chromium with a fresh profile in dir and
// returns its chromedp context and a func that stops it.
func startBrowser(dir string) (context.Context, func(), error) {
	return startBrowserWith(dir)
}

// startBrowserWith is startBrowser with extra flags.
func startBrowserWith(dir string, extra ...chromedp.ExecAllocatorOption) (context.Context, func(), error) {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.UserDataDir(dir),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	)
	opts = append(opts, extra...)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	stop := func() { cancel(); cancelAlloc() }
	if err := chromedp.Do(ctx); err != nil {
		stop()
		return nil, nil, err
	}
	return ctx, stop, nil
}

// withCSP adds the headers the deployed site sends to every answer.
func withCSP(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", contentSecurityPolicy)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		h.ServeHTTP(w, r)
	})
}

// staticSite serves a built site the way the S3 + CloudFront deployment does:
// pretty URLs (/x/ is /x/index.html, /x redirects to /x/) and /404.html with
// status 404 for anything missing.
type staticSite struct{ dir string }

func (s staticSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := path.Clean("/" + r.URL.Path)
	name := filepath.Join(s.dir, filepath.FromSlash(p))
	fi, err := os.Stat(name)
	if err == nil && fi.IsDir() {
		if !strings.HasSuffix(r.URL.Path, "/") {
			http.Redirect(w, r, p+"/", http.StatusMovedPermanently)
			return
		}
		name = filepath.Join(name, "index.html")
		fi, err = os.Stat(name)
	}
	if err != nil {
		s.notFound(w)
		return
	}
	f, err := os.Open(name)
	if err != nil {
		s.notFound(w)
		return
	}
	defer f.Close()
	http.ServeContent(w, r, name, fi.ModTime(), f)
}

func (s staticSite) notFound(w http.ResponseWriter) {
	b, err := os.ReadFile(filepath.Join(s.dir, "404.html"))
	if err != nil {
		http.NotFound(w, nil)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	w.Write(b)
}
