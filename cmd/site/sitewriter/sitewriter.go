// Package sitewriter writes a built site into its output folder so that the
// folder changes only when a whole build succeeded: the build is written
// into a working folder beside the output and swapped in (atomically on
// Linux, with renameat2 RENAME_EXCHANGE).
//
// The working folder is the build before last, kept beside the output as
// .<name>-previous and rewritten in place: a file whose bytes did not
// change is left alone (its modification time too), one that did is
// overwritten, and whatever the new build lacks is removed before the
// swap. Creating a fresh tree instead is slow exactly when sites are
// rebuilt: ext4 avoids reusing recently freed inodes, so creating 14,000
// files and folders right after deleting as many took 4–7 s here, against
// well under a second to rewrite them.
package sitewriter

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/smelisting/alliance/cmd/site/parallel"
	"github.com/smelisting/alliance/cmd/site/sysfile"
)

// Workers is the number of goroutines worth writing files at once: more
// than the cores, since creating files and folders mostly waits in the
// kernel.
func Workers() int { return 4 * runtime.GOMAXPROCS(0) }

// Writer writes one build of a site into its working folder; Commit swaps
// it in and Abort sets it aside. Write and WriteAll are safe for concurrent
// use.
type Writer struct {
	out, spare, tmp string
	recycled        bool // tmp holds an earlier build to rewrite

	mu      sync.Mutex
	dirs    map[string]*madeDir // folder (relative) → its creation
	written map[string]bool     // files (relative) this build wrote
}

// madeDir makes a folder once, whoever asks first.
type madeDir struct {
	once sync.Once
	err  error
}

// spareDir is where the build before last is kept for out.
func spareDir(out string) string {
	out = filepath.Clean(out)
	return filepath.Join(filepath.Dir(out), "."+filepath.Base(out)+"-previous")
}

// New claims the working folder for a site written to out: the spare when
// there is one, otherwise a new empty folder.
func New(out string) (*Writer, error) {
	out = filepath.Clean(out)
	parent := filepath.Dir(out)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("write site: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, ".site-new-")
	if err != nil {
		return nil, fmt.Errorf("write site: %w", err)
	}
	w := &Writer{out: out, spare: spareDir(out), tmp: tmp, dirs: map[string]*madeDir{}, written: map[string]bool{}}
	// Renaming claims the spare atomically, so two builds never share it.
	if fi, err := os.Lstat(w.spare); err == nil && fi.IsDir() && os.Remove(tmp) == nil {
		if os.Rename(w.spare, tmp) == nil {
			w.recycled = true
		} else if err := os.Mkdir(tmp, 0o755); err != nil {
			return nil, fmt.Errorf("write site: %w", err)
		}
	}
	return w, nil
}

// mkdir creates the folder dir (relative, slash-separated) and its parents
// in the working folder, each with a single mkdir.
func (w *Writer) mkdir(dir string) error {
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
		w.mu.Lock()
		clash := w.written[dir]
		w.mu.Unlock()
		if clash {
			d.err = fmt.Errorf("%s is both a file and a folder", dir)
			return
		}
		if d.err = w.mkdir(path.Dir(dir)); d.err != nil {
			return
		}
		p := filepath.Join(w.tmp, filepath.FromSlash(dir))
		if w.recycled { // mostly there already
			if fi, err := os.Lstat(p); err == nil && fi.IsDir() {
				return
			} else if err == nil { // a file of an earlier build
				if d.err = os.Remove(p); d.err != nil {
					return
				}
			}
		}
		d.err = os.Mkdir(p, 0o755)
	})
	return d.err
}

// Write writes one output file (name is slash-separated, relative to the
// site). A name that is both a file and a folder of the build is an error.
func (w *Writer) Write(name string, data []byte) error {
	if err := w.mkdir(path.Dir(name)); err != nil {
		return fmt.Errorf("write site: %w", err)
	}
	w.mu.Lock()
	w.written[name] = true
	_, isDir := w.dirs[name]
	w.mu.Unlock()
	if isDir {
		return fmt.Errorf("write site: %s is both a file and a folder", name)
	}
	p := filepath.Join(w.tmp, filepath.FromSlash(name))
	err := sysfile.Rewrite(p, data) // in a new folder: open, fstat, write, close
	if err != nil && w.recycled {
		if fi, lerr := os.Lstat(p); lerr == nil && fi.IsDir() { // a folder of an earlier build
			if err = os.RemoveAll(p); err == nil {
				err = os.WriteFile(p, data, 0o644)
			}
		}
	}
	if err != nil {
		return fmt.Errorf("write site: %w", err)
	}
	return nil
}

// WriteAll writes files in parallel, leaving out the names for which skip
// (if not nil) is true.
func (w *Writer) WriteAll(ctx context.Context, files map[string][]byte, skip func(name string) bool) error {
	names := make([]string, 0, len(files))
	for k := range files {
		if skip == nil || !skip(k) {
			names = append(names, k)
		}
	}
	return parallel.For(ctx, Workers(), len(names), func(i int) error { return w.Write(names[i], files[names[i]]) })
}

// prune removes from a recycled working folder every file and folder this
// build did not write. Anything stale sits in a folder of this build (or
// the top), so listing those folders finds it all.
func (w *Writer) prune() error {
	if !w.recycled {
		return nil
	}
	dirs := []string{"."} // no write runs now: the maps are read without the lock
	for d := range w.dirs {
		dirs = append(dirs, d)
	}
	return parallel.For(context.Background(), Workers(), len(dirs), func(i int) error {
		entries, err := os.ReadDir(filepath.Join(w.tmp, filepath.FromSlash(dirs[i])))
		if err != nil {
			return fmt.Errorf("write site: %w", err)
		}
		for _, e := range entries {
			rel := path.Join(dirs[i], e.Name())
			_, keepDir := w.dirs[rel]
			if keepDir && e.IsDir() || w.written[rel] && !e.IsDir() {
				continue
			}
			if err := os.RemoveAll(filepath.Join(w.tmp, filepath.FromSlash(rel))); err != nil {
				return fmt.Errorf("write site: %w", err)
			}
		}
		return nil
	})
}

// Abort keeps the working folder as the spare for the next build; the
// output folder stays as it was.
func (w *Writer) Abort() { keepSpare(w.tmp, w.spare) }

// Commit removes what this build did not write and swaps the working
// folder in as the output folder; the previous output becomes the spare.
// On error the output folder stays as it was.
func (w *Writer) Commit() error {
	if err := w.prune(); err != nil {
		w.Abort()
		return err
	}
	if _, err := os.Lstat(w.out); errors.Is(err, fs.ErrNotExist) {
		err := os.Rename(w.tmp, w.out)
		if err == nil {
			return nil
		}
		// Another build moved its site in first (rename then fails with
		// ENOTEMPTY, which matches fs.ErrExist): swap with that one.
		if !errors.Is(err, fs.ErrExist) {
			w.Abort()
			return fmt.Errorf("write site: move in %s: %w", w.out, err)
		}
	}
	if err := exchange(w.tmp, w.out); err != nil {
		w.Abort()
		return fmt.Errorf("write site: swap in %s: %w", w.out, err)
	}
	keepSpare(w.tmp, w.spare) // now the previous output
	return nil
}

// swapAside exchanges the folders a and b with three renames, for systems
// or file systems without an atomic exchange.
func swapAside(a, b string) error {
	aside := a + "-swap"
	if err := os.Rename(b, aside); err != nil {
		return err
	}
	if err := os.Rename(a, b); err != nil {
		os.Rename(aside, b)
		return err
	}
	return os.Rename(aside, a)
}

// keepSpare moves dir to spare, or removes it when a spare exists already
// (another build kept one meanwhile).
func keepSpare(dir, spare string) {
	if os.Rename(dir, spare) != nil {
		removeTree(dir)
	}
}

// removeTree removes a folder, its subfolders in parallel (os.RemoveAll
// alone unlinks one file at a time).
func removeTree(dir string) {
	entries, _ := os.ReadDir(dir)
	_ = parallel.For(context.Background(), Workers(), len(entries), func(i int) error {
		os.RemoveAll(filepath.Join(dir, entries[i].Name()))
		return nil
	})
	os.RemoveAll(dir)
}
