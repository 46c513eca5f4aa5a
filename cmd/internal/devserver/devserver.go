// Package devserver is the server behind `alliance serve`: it renders the
// site in memory with a sitegen.Builder, serves it together with the /api/
// handler, rebuilds when a file under the watched folders changes and tells
// open browser tabs to reload through Server-Sent Events.
//
// It is a library so tests can run the whole thing in process:
//
//	srv, err := devserver.New(devserver.Config{Build: opts, API: api})
//	go srv.Watch(ctx, "content", "templates")
//	http.Serve(ln, srv)
package devserver

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"html"
	"log/slog"
	"mime"
	"net/http"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/smelisting/alliance/cmd/site/sitegen"
)

// ReloadPath is the Server-Sent Events endpoint; ReloadScript the script
// injected (deferred, never inline) into every HTML page served.
const (
	ReloadPath   = "/__livereload"
	ReloadScript = "/__livereload.js"
)

//go:embed livereload.js
var reloadJS []byte

// Config configures a Server.
type Config struct {
	// Build are the options of every (re)build; OutDir is not used, the
	// site is served from memory.
	Build sitegen.Options
	// API serves every path under /api/ (nil: 404).
	API http.Handler
	// Logger receives build results and errors (nil: slog.Default()).
	Logger *slog.Logger
	// Debounce is how long to wait for more changes before rebuilding (default 50 ms).
	Debounce time.Duration
}

// Server serves the rendered site and the API. It is an http.Handler.
type Server struct {
	cfg     Config
	log     *slog.Logger
	builder *sitegen.Builder

	mu       sync.RWMutex
	files    map[string][]byte
	buildErr error
	version  int
	changed  chan struct{} // closed and replaced after every build
}

// New renders the site once and returns a Server for it. A build error is
// returned, not served.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Debounce == 0 {
		cfg.Debounce = 50 * time.Millisecond
	}
	s := &Server{cfg: cfg, log: cfg.Logger, builder: sitegen.NewBuilder(cfg.Build), changed: make(chan struct{})}
	out, err := s.builder.Render(ctx)
	if err != nil {
		return nil, err
	}
	s.files = out.Files
	s.log.Info("site built", "summary", out.Summary.String())
	return s, nil
}

// Rebuild renders the site again. On error the previous site stays served
// and pages show the error until the next good build.
func (s *Server) Rebuild(ctx context.Context) (sitegen.Summary, error) {
	return s.rebuild(ctx, nil)
}

// rebuild renders again; changed lists the edited content files (relative
// to the content folder) when known, for the fast path of the builder.
func (s *Server) rebuild(ctx context.Context, changed []string) (sitegen.Summary, error) {
	out, err := s.builder.RenderChanged(ctx, changed)
	s.mu.Lock()
	if err == nil {
		s.files = out.Files
	}
	s.buildErr = err
	s.version++
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
	if err != nil {
		s.log.Error("build failed", "err", err)
		return sitegen.Summary{}, err
	}
	s.log.Info("site rebuilt", "summary", out.Summary.String())
	return out.Summary, nil
}

// Watch rebuilds after any change under dirs (recursively) until ctx ends.
// dirs[0] is the content folder: edits of existing files there take the
// builder's fast path; anything else rebuilds everything.
func (s *Server) Watch(ctx context.Context, dirs ...string) error {
	contentDir := ""
	if len(dirs) > 0 {
		contentDir, _ = filepath.Abs(dirs[0])
	}
	var changed []string
	full := false
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("devserver: watch: %w", err)
	}
	defer w.Close()
	for _, d := range dirs {
		if err := addTree(w, d); err != nil {
			return err
		}
	}
	var timer *time.Timer
	fire := make(chan struct{}, 1)
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if ev.Has(fsnotify.Create) {
				_ = addTree(w, ev.Name) // new folders are watched too
			}
			abs, _ := filepath.Abs(ev.Name)
			rel, err := filepath.Rel(contentDir, abs)
			if ev.Op&^(fsnotify.Write|fsnotify.Chmod) == 0 && contentDir != "" && err == nil && !strings.HasPrefix(rel, "..") {
				changed = append(changed, filepath.ToSlash(rel))
			} else {
				full = true
			}
			if timer == nil {
				timer = time.AfterFunc(s.cfg.Debounce, func() {
					select {
					case fire <- struct{}{}:
					default:
					}
				})
			} else {
				timer.Reset(s.cfg.Debounce)
			}
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			s.log.Warn("watch error", "err", err)
		case <-fire:
			if full {
				changed = nil
			}
			_, _ = s.rebuild(ctx, changed)
			changed, full = nil, false
		}
	}
}

// File returns a file of the last good build as the generator wrote it (without the
// reload script), or nil: the API reads its frame (httpapi.FramePath) from here.
func (s *Server) File(name string) []byte {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.files[name]
}

// ServeHTTP serves /api/ through the API handler, the live reload endpoint
// and script, and the rendered files (HTML with the reload script added).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasPrefix(r.URL.Path, "/api/"):
		if s.cfg.API == nil {
			http.NotFound(w, r)
			return
		}
		s.cfg.API.ServeHTTP(w, r)
		return
	case r.URL.Path == ReloadPath:
		s.serveEvents(w, r)
		return
	case r.URL.Path == ReloadScript:
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Write(reloadJS)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	s.mu.RLock()
	files, buildErr := s.files, s.buildErr
	s.mu.RUnlock()
	name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	if name == "" {
		name = "index.html"
	} else if strings.HasSuffix(r.URL.Path, "/") {
		name += "/index.html"
	}
	data, ok := files[name]
	if !ok {
		if _, dir := files[name+"/index.html"]; dir {
			http.Redirect(w, r, "/"+name+"/", http.StatusMovedPermanently)
			return
		}
	}
	status := http.StatusOK
	if !ok {
		status = http.StatusNotFound
		name = "404.html"
		data = files[name]
	}
	ctype := mime.TypeByExtension(path.Ext(name))
	switch path.Ext(name) {
	case ".ics":
		ctype = "text/calendar; charset=utf-8"
	case ".json":
		ctype = "application/feed+json; charset=utf-8"
	case ".xml":
		ctype = "application/xml; charset=utf-8"
	}
	if ctype == "" {
		ctype = http.DetectContentType(data)
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Content-Security-Policy", "default-src 'self'")
	if strings.HasPrefix(ctype, "text/html") {
		data = inject(data, buildErr)
	}
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	w.Write(data)
}

// inject adds the deferred reload script (and a build error banner) to an HTML page.
func inject(page []byte, buildErr error) []byte {
	tag := []byte(`<script src="` + ReloadScript + `" defer></script>`)
	if buildErr != nil {
		tag = append(tag, []byte(`<meta name="alliance-build-error" content="`+html.EscapeString(buildErr.Error())+`">`)...)
	}
	i := bytes.Index(page, []byte("</head>"))
	if i < 0 {
		return append(append([]byte{}, page...), tag...)
	}
	out := make([]byte, 0, len(page)+len(tag))
	out = append(out, page[:i]...)
	out = append(out, tag...)
	return append(out, page[i:]...)
}

// serveEvents streams a "reload" event after every build.
func (s *Server) serveEvents(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 1000\n\n")
	fl.Flush()
	for {
		s.mu.RLock()
		ch := s.changed
		s.mu.RUnlock()
		select {
		case <-r.Context().Done():
			return
		case <-ch:
			s.mu.RLock()
			v, failed := s.version, s.buildErr != nil
			s.mu.RUnlock()
			event := "reload"
			if failed {
				event = "buildfailed"
			}
			fmt.Fprintf(w, "event: %s\ndata: %d\n\n", event, v)
			fl.Flush()
		}
	}
}
