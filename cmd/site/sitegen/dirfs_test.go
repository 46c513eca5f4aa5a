package sitegen

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

func TestDirFS(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"config.yaml":      "title: 测试\n",
		"events/a.md":      "---\ntitle: 活动\n---\n" + strings.Repeat("正文", 5000), // larger than one read
		"events/empty.md":  "",
		"news/_index.md":   "---\ntitle: 新闻\n---\n",
		"members/x/y/z.md": "深",
	}
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fsys := DirFS(dir)
	// TestFS checks ReadFile, ReadDir and Stat against Open for every file.
	if err := fstest.TestFS(fsys, "config.yaml", "events/a.md", "events/empty.md", "news/_index.md", "members/x/y/z.md"); err != nil {
		t.Fatal(err)
	}
	for name, want := range files {
		got, err := fs.ReadFile(fsys, name)
		if err != nil || string(got) != want {
			t.Errorf("ReadFile(%s) = %d bytes, %v; want %d bytes", name, len(got), err, len(want))
		}
	}
	tests := []struct {
		name string
		want error
	}{
		{"missing.md", fs.ErrNotExist},
		{"../outside.md", fs.ErrInvalid},
		{"/etc/passwd", fs.ErrInvalid},
		{"events", nil}, // a folder: some error
	}
	for _, tt := range tests {
		_, err := fs.ReadFile(fsys, tt.name)
		if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
			t.Errorf("ReadFile(%q) error = %v, want %v", tt.name, err, tt.want)
		}
		var pe *fs.PathError
		if errors.As(err, &pe) && pe.Path != tt.name {
			t.Errorf("ReadFile(%q) error names %q, want the name as given", tt.name, pe.Path)
		}
	}
}
