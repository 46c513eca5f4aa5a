package main

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

// root is the module root (ALLIANCE_ROOT or two folders up from cmd/alliance).
func root(t *testing.T) string {
	t.Helper()
	if r := os.Getenv("ALLIANCE_ROOT"); r != "" {
		return r
	}
	r, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestBuildCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "site")
	r := root(t)
	args := []string{"--content", filepath.Join(r, "content"), "--templates", filepath.Join(r, "templates"),
		"--now", "2026-11-27", "--out", out}
	if err := runBuild(context.Background(), args); err != nil {
		t.Fatalf("build: %v", err)
	}
	for _, f := range []string{"index.html", "charter/index.html", "events/index.xml", "events/events.ics", "sitemap.xml", "404.html"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("got %v, want %s in the output", err, f)
		}
	}
	tests := []struct {
		name string
		args []string
	}{
		{"bad --now", []string{"--now", "tomorrow", "--out", out}},
		{"stray argument", []string{"extra"}},
		{"missing content", []string{"--content", filepath.Join(r, "no-such-folder"), "--out", out}},
	}
	for _, tt := range tests {
		if err := runBuild(context.Background(), tt.args); err == nil {
			t.Errorf("%s: got no error, want one", tt.name)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "index.html")); err != nil {
		t.Errorf("got %v after failed builds, want the previous site kept", err)
	}
}

func TestHelp(t *testing.T) {
	for _, cmd := range []func(context.Context, []string) error{runBuild, runServe, runNew} {
		if err := cmd(context.Background(), []string{"--help"}); !errors.Is(err, flag.ErrHelp) {
			t.Errorf("got %v for --help, want flag.ErrHelp after the usage", err)
		}
	}
}
