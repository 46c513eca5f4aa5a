package sitegen

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
)

// ioWorkers is the number of goroutines writing files: more than the
// cores, since creating files and folders mostly waits in the kernel.
func ioWorkers() int { return 4 * runtime.GOMAXPROCS(0) }

// siteWriter writes a site into a fresh temporary folder beside its output
// folder; commit swaps it in, abort removes it. Its methods are safe for
// concurrent use.
type siteWriter struct {
	out, tmp string

	mu   sync.Mutex
	dirs map[string]*madeDir // folder (relative) → its creation
}

// madeDir makes a folder once, whoever asks first.
type madeDir struct {
	once sync.Once
	err  error
}

// newSiteWriter creates the temporary folder for a site written to out.
func newSiteWriter(out string) (*siteWriter, error) {
	parent := filepath.Dir(strings.TrimSuffix(out, "/"))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("write site: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, ".site-new-")
	if err != nil {
		return nil, fmt.Errorf("write site: %w", err)
	}
	return &siteWriter{out: out, tmp: tmp, dirs: map[string]*madeDir{}}, nil
}

// mkdir creates the folder dir (relative, slash-separated) and its parents
// in the temporary folder, each with a single mkdir.
func (w *siteWriter) mkdir(dir string) error {
	if dir == "." {
		return nil
	}
	w.mu.Lock()
	d := w.dirs[dir]
	if d == nil {
		d = &madeDir{}
		w.dirs[dir] = d
	}
	w.mu.Unlock()
	d.once.Do(func() {
		if d.err = w.mkdir(path.Dir(dir)); d.err == nil {
			d.err = os.Mkdir(filepath.Join(w.tmp, filepath.FromSlash(dir)), 0o755)
		}
	})
	return d.err
}

// write writes one output file (name is slash-separated, relative).
func (w *siteWriter) write(name string, data []byte) error {
	if err := w.mkdir(path.Dir(name)); err != nil {
		return fmt.Errorf("write site: %w", err)
	}
	if err := os.WriteFile(filepath.Join(w.tmp, filepath.FromSlash(name)), data, 0o644); err != nil {
		return fmt.Errorf("write site: %w", err)
	}
	return nil
}

// writeAll writes files in parallel, skipping the names for which skip is true.
func (w *siteWriter) writeAll(ctx context.Context, files map[string][]byte, skip func(string) bool) error {
	names := make([]string, 0, len(files))
	for k := range files {
		if skip == nil || !skip(k) {
			names = append(names, k)
		}
	}
	return parallelN(ctx, ioWorkers(), len(names), func(i int) error {
		return w.write(names[i], files[names[i]])
	})
}

// abort removes the temporary folder.
func (w *siteWriter) abort() { os.RemoveAll(w.tmp) }

// commit swaps the temporary folder in as the output folder and removes
// the previous output.
func (w *siteWriter) commit() error {
	old := ""
	if _, err := os.Stat(w.out); err == nil {
		old = w.tmp + "-old"
		if err := os.Rename(w.out, old); err != nil {
			w.abort()
			return fmt.Errorf("write site: move old %s aside: %w", w.out, err)
		}
	}
	if err := os.Rename(w.tmp, w.out); err != nil {
		if old != "" {
			os.Rename(old, w.out)
		}
		w.abort()
		return fmt.Errorf("write site: swap in %s: %w", w.out, err)
	}
	if old != "" {
		removeTree(old)
	}
	return nil
}

// removeTree removes a folder, its subfolders in parallel (os.RemoveAll
// alone unlinks one file at a time).
func removeTree(dir string) {
	entries, _ := os.ReadDir(dir)
	_ = parallelN(context.Background(), ioWorkers(), len(entries), func(i int) error {
		os.RemoveAll(filepath.Join(dir, entries[i].Name()))
		return nil
	})
	os.RemoveAll(dir)
}

// writeSite writes files into a fresh folder beside dir and swaps it in.
func writeSite(dir string, files map[string][]byte) error {
	w, err := newSiteWriter(dir)
	if err != nil {
		return err
	}
	if err := w.writeAll(context.Background(), files, nil); err != nil {
		w.abort()
		return err
	}
	return w.commit()
}
