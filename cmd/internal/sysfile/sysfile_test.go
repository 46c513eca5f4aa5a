package sysfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	tests := []struct{ name, data string }{
		{"empty", ""},
		{"short", "章程"},
		{"long", strings.Repeat("正文", 50000)}, // more than one read
	}
	for _, tt := range tests {
		p := filepath.Join(dir, tt.name)
		if err := os.WriteFile(p, []byte(tt.data), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := ReadFile(p)
		if err != nil || string(got) != tt.data {
			t.Errorf("ReadFile(%s) = %d bytes, %v; want %d bytes", tt.name, len(got), err, len(tt.data))
		}
	}
	if _, err := ReadFile(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadFile(missing): got %v, want fs.ErrNotExist", err)
	}
}

// TestRewrite rewrites one file in turn with each content; a file whose
// bytes are already right keeps its modification time.
func TestRewrite(t *testing.T) {
	p := filepath.Join(t.TempDir(), "index.html")
	old := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	steps := []struct {
		name, data string
		untouched  bool // the file already holds data: no write
	}{
		{"new file", "<p>第一版</p>", false},
		{"same bytes", "<p>第一版</p>", true},
		{"same length, other bytes", "<p>第二版</p>", false},
		{"longer", "<p>第三版，更长一些</p>", false},
		{"shorter", "<p>短</p>", false},
		{"empty", "", false},
	}
	for _, s := range steps {
		if err := Rewrite(p, []byte(s.data)); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		got, err := os.ReadFile(p)
		if err != nil || string(got) != s.data {
			t.Errorf("%s: got %q, %v; want %q", s.name, got, err, s.data)
		}
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if kept := fi.ModTime().Equal(old); kept != s.untouched {
			t.Errorf("%s: got modification time kept = %v, want %v", s.name, kept, s.untouched)
		}
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	if err := Rewrite(filepath.Join(p, "x"), []byte("a")); err == nil {
		t.Error("Rewrite under a file: got no error, want one")
	}
}
