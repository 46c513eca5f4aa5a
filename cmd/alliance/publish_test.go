package main

import (
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// captureStdout runs f and returns what it printed.
func captureStdout(t *testing.T, f func() error) (string, error) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdout
	os.Stdout = w
	done := make(chan string)
	go func() {
		b, _ := io.ReadAll(r)
		done <- string(b)
	}()
	ferr := f()
	os.Stdout = old
	w.Close()
	return <-done, ferr
}

func TestRunPublish(t *testing.T) {
	backend := s3mem.New()
	if err := backend.CreateBucket("site"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	defer srv.Close()
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte("<p>联盟</p>"), 0o644); err != nil {
		t.Fatal(err)
	}
	src := t.TempDir()
	for name, data := range map[string]string{"content/_index.md": "---\ntitle: 首页\n---\n", "templates/base.html": "<!doctype html>"} {
		os.MkdirAll(filepath.Join(src, filepath.Dir(name)), 0o755)
		if err := os.WriteFile(filepath.Join(src, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	base := []string{"--bucket", "site", "--site", dir, "--region", "us-east-1", "--endpoint", srv.URL,
		"--content", filepath.Join(src, "content"), "--templates", filepath.Join(src, "templates")}
	tests := []struct {
		name string
		args []string
		want []string // lines the output must contain
	}{
		{"dry run", append([]string{"--dry-run"}, base...), []string{
			"upload  index.html  (text/html; charset=utf-8; public, max-age=300)",
			"sources: 2 uploaded, 0 deleted, 0 unchanged", "dry run: 1 to upload, 0 to delete, 0 unchanged"}},
		{"first publish", base, []string{"sources: 2 uploaded", "upload  index.html", "\n1 uploaded, 0 deleted, 0 unchanged"}},
		// The site's publish leaves the sources alone, and theirs the site.
		{"second publish", base, []string{"sources: 0 uploaded, 0 deleted, 2 unchanged", "\n0 uploaded, 0 deleted, 1 unchanged"}},
		{"sources only", append([]string{"--sources-only"}, base...), []string{"sources: 0 uploaded, 0 deleted, 2 unchanged"}},
	}
	for _, tt := range tests {
		out, err := captureStdout(t, func() error { return runPublish(t.Context(), tt.args) })
		if err != nil {
			t.Fatalf("%s: runPublish: %v", tt.name, err)
		}
		for _, w := range tt.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: output %q, want it to contain %q", tt.name, out, w)
			}
		}
	}
}

func TestRunPublishErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no bucket", []string{"--site", t.TempDir()}, "--bucket is required"},
		{"extra argument", []string{"--bucket", "b", "site"}, `unexpected argument "site"`},
	}
	for _, tt := range tests {
		_, err := captureStdout(t, func() error { return runPublish(t.Context(), tt.args) })
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}
