package sitewriter

import (
	"context"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// readTree returns every file under dir (slash-separated relative name → content).
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	got := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		got[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func toFiles(m map[string]string) map[string][]byte {
	files := map[string][]byte{}
	for k, v := range m {
		files[k] = []byte(v)
	}
	return files
}

// writeSite writes files into the working folder beside dir and swaps it in.
func writeSite(t *testing.T, dir string, files map[string][]byte) error {
	w, err := New(dir)
	if err != nil {
		return err
	}
	if err := w.WriteAll(t.Context(), files, nil); err != nil {
		w.Abort()
		return err
	}
	return w.Commit()
}

// Each build after the second rewrites the build before last in place; the
// result must be exactly the new file set whatever the old tree held.
func TestWriteSiteRecyclesThePreviousBuild(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "site")
	builds := []struct {
		name  string
		files map[string]string
	}{
		{"fresh", map[string]string{"index.html": "一", "a/index.html": "A", "gone/index.html": "G", "x/y/z.txt": "deep", "f": "a file"}},
		{"fresh again", map[string]string{"index.html": "二二二二", "a/index.html": "A", "b/index.html": "B", "f/index.html": "f is a folder"}},
		{"over build 1: grow, drop files and folders, folder to file", map[string]string{"index.html": "三三三", "a/index.html": "A", "x": "x is a file"}},
		{"over build 2: shrink, drop a folder", map[string]string{"index.html": "短", "a/index.html": "A"}},
		{"over build 3: file to folder", map[string]string{"index.html": "短", "x/index.html": "x is a folder again"}},
	}
	for i, b := range builds {
		if i == 2 {
			// Mark an unchanged file in the spare: it must not be rewritten.
			old := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
			if err := os.Chtimes(filepath.Join(spareDir(dir), "a", "index.html"), old, old); err != nil {
				t.Fatal(err)
			}
		}
		if err := writeSite(t, dir, toFiles(b.files)); err != nil {
			t.Fatalf("build %d (%s): %v", i, b.name, err)
		}
		if got := readTree(t, dir); !maps.Equal(got, b.files) {
			t.Errorf("build %d (%s): got %v, want %v", i, b.name, got, b.files)
		}
		if i == 2 {
			fi, err := os.Stat(filepath.Join(dir, "a", "index.html"))
			if err != nil || fi.ModTime().Year() != 2020 {
				t.Errorf("build 2: got an unchanged file rewritten (mtime %v, %v), want it left alone", fi.ModTime(), err)
			}
		}
		if i > 0 {
			if got := readTree(t, spareDir(dir)); !maps.Equal(got, builds[i-1].files) {
				t.Errorf("build %d: got spare %v, want the previous build %v", i, got, builds[i-1].files)
			}
		}
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(dir), ".site-new-*")); len(left) > 0 {
		t.Errorf("got working folders %v left behind", left)
	}
}

// Two builds into one folder at once must both succeed and leave one of
// them whole, not a mix: the first build of a folder (both move in) as
// well as later ones (both swap).
func TestWriteSiteConcurrentBuilds(t *testing.T) {
	one := map[string]string{"index.html": "one", "p/index.html": "1"}
	two := map[string]string{"index.html": "two", "q/index.html": "2"}
	var dir string
	for round := 0; round < 40; round++ {
		if round%4 == 0 { // a folder never built
			dir = filepath.Join(t.TempDir(), "site")
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, files := range []map[string]string{one, two} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = writeSite(t, dir, toFiles(files))
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d, build %d: %v", round, i, err)
			}
		}
		if got := readTree(t, dir); !maps.Equal(got, one) && !maps.Equal(got, two) {
			t.Fatalf("round %d: got %v, want exactly one of the two builds", round, got)
		}
	}
}

// A name that is both a file and a folder of one build is an error, in
// whichever order the two are written, never a silent loss of one.
func TestWriteSiteFileFolderClash(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "site")
	for i := 0; i < 3; i++ { // fresh, fresh, recycled
		w, err := New(dir)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write("events/index.xml", []byte("feed")); err != nil {
			t.Fatal(err)
		}
		err = w.Write("events/index.xml/index.html", []byte("page"))
		if err == nil || !strings.Contains(err.Error(), "both a file and a folder") {
			t.Errorf("build %d: got %v, want a clash error", i, err)
		}
		w.Abort()
		if err := writeSite(t, dir, toFiles(map[string]string{"index.html": "ok"})); err != nil {
			t.Fatal(err)
		}
	}
}

// An aborted build leaves the output as it was, and the next build
// recycles its working folder.
func TestAbortKeepsTheOutput(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "site")
	first := map[string]string{"index.html": "一", "news/index.html": "新闻"}
	if err := writeSite(t, dir, toFiles(first)); err != nil {
		t.Fatal(err)
	}
	w, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteAll(t.Context(), toFiles(map[string]string{"index.html": "半途", "skipped.html": "x"}), func(name string) bool { return name == "skipped.html" }); err != nil {
		t.Fatal(err)
	}
	w.Abort()
	if got := readTree(t, dir); !maps.Equal(got, first) {
		t.Errorf("got %v after an aborted build, want the first build %v", got, first)
	}
	second := map[string]string{"index.html": "二"}
	if err := writeSite(t, dir, toFiles(second)); err != nil {
		t.Fatal(err)
	}
	if got := readTree(t, dir); !maps.Equal(got, second) {
		t.Errorf("got %v, want the second build %v (nothing of the aborted one)", got, second)
	}
}

// WriteAll leaves out what skip names and stops at a cancelled context.
func TestWriteAll(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "site")
	w, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := toFiles(map[string]string{"a.html": "A", "b/index.html": "B", "c.txt": "C"})
	if err := w.WriteAll(t.Context(), files, func(name string) bool { return name == "a.html" }); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	if got, want := readTree(t, dir), map[string]string{"b/index.html": "B", "c.txt": "C"}; !maps.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	w, err = New(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	if err := w.WriteAll(ctx, files, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v with a cancelled context, want context.Canceled", err)
	}
}
