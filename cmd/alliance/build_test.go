package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smelisting/alliance/functions/localstore"
	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/storetest"
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
	if err := runBuild(t.Context(), args); err != nil {
		t.Fatalf("build: %v", err)
	}
	for _, f := range []string{"index.html", "charter/index.html", "events/index.xml", "events/events.ics", "sitemap.xml", "404.html"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("got %v, want %s in the output", err, f)
		}
	}
	// What a visitor reads on the built pages: how to register only while an
	// event is ahead (the build clock is 2026-11-27), and the menu entry of
	// the section a page belongs to.
	pages := []struct {
		file      string
		want, not []string
	}{
		{"events/2026-hefei-lecture/index.html", []string{"<dt>报名方式</dt><dd>免费参加", `href="/events/" aria-current="true"`}, []string{"报名已截止"}},
		{"events/2026-shenzhen-salon/index.html", []string{"<dt>报名方式</dt><dd>活动已结束，报名已截止</dd>"}, nil},
		{"members/qiheng/index.html", []string{`href="/members/" aria-current="true"`}, nil},
		{"events/index.html", []string{`href="/events/" aria-current="page"`}, []string{`aria-current="true"`}},
		{"index.html", nil, []string{"aria-current"}},
	}
	for _, p := range pages {
		data, err := os.ReadFile(filepath.Join(out, p.file))
		if err != nil {
			t.Errorf("got %v, want %s", err, p.file)
			continue
		}
		for _, w := range p.want {
			if !strings.Contains(string(data), w) {
				t.Errorf("%s: got no %q, want it", p.file, w)
			}
		}
		for _, n := range p.not {
			if strings.Contains(string(data), n) {
				t.Errorf("%s: got %q, want it absent", p.file, n)
			}
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
		if err := runBuild(t.Context(), tt.args); err == nil {
			t.Errorf("%s: got no error, want one", tt.name)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "index.html")); err != nil {
		t.Errorf("got %v after failed builds, want the previous site kept", err)
	}
}

// TestHelp runs every command with --help: each prints its usage with an
// example of itself and returns flag.ErrHelp (so main exits 0).
func TestHelp(t *testing.T) {
	for _, c := range commands {
		t.Run(c.name, func(t *testing.T) {
			var err error
			out := captureStderr(t, func() { err = c.run(t.Context(), []string{"--help"}) })
			if !errors.Is(err, flag.ErrHelp) {
				t.Errorf("got %v for --help, want flag.ErrHelp after the usage", err)
			}
			for _, w := range []string{"Usage: alliance " + c.name, "Example", "  alliance " + c.name + " "} {
				if !strings.Contains(out, w) {
					t.Errorf("got usage without %q, want it:\n%s", w, out)
				}
			}
		})
	}
}

// captureStderr returns what f writes to os.Stderr.
func captureStderr(t *testing.T, f func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stderr
	os.Stderr = w
	done := make(chan string)
	go func() {
		b, _ := io.ReadAll(r)
		done <- string(b)
	}()
	defer func() { os.Stderr = old }()
	f()
	w.Close()
	return <-done
}

// TestSiteFlags checks that the flags build and serve share reach the
// builder: --drafts, --future, --now (in Beijing time unless it says
// otherwise) and --base-url.
func TestSiteFlags(t *testing.T) {
	tests := []struct {
		args    []string
		drafts  bool
		future  bool
		now     string // RFC 3339, "" for the real clock
		baseURL string
		wantErr bool
	}{
		{args: nil},
		{args: []string{"--drafts", "--future"}, drafts: true, future: true},
		{args: []string{"--now", "2026-12-01"}, now: "2026-12-01T00:00:00+08:00"},
		{args: []string{"--now", "2026-12-01 14:30"}, now: "2026-12-01T14:30:00+08:00"},
		{args: []string{"--base-url", "https://example.cn/"}, baseURL: "https://example.cn/"},
		{args: []string{"--now", "2026-13-01"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			var sf siteFlags
			sf.register(fs)
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			opts, err := sf.options()
			if tt.wantErr {
				if err == nil {
					t.Fatalf("got no error, want one for %v", tt.args)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			now := ""
			if !opts.Now.IsZero() {
				now = opts.Now.Format(time.RFC3339)
			}
			if opts.Drafts != tt.drafts || opts.Future != tt.future || now != tt.now || opts.BaseURL != tt.baseURL {
				t.Errorf("got drafts %v future %v now %q base %q, want %v %v %q %q",
					opts.Drafts, opts.Future, now, opts.BaseURL, tt.drafts, tt.future, tt.now, tt.baseURL)
			}
		})
	}
}

func TestBuildInterrupted(t *testing.T) {
	out := filepath.Join(t.TempDir(), "site")
	r := root(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel() // as Ctrl-C does
	err := runBuild(ctx, []string{"--content", filepath.Join(r, "content"), "--templates", filepath.Join(r, "templates"), "--out", out})
	if err == nil || !strings.Contains(err.Error(), "build interrupted") {
		t.Errorf("got %v, want build interrupted", err)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("got %v for the output folder, want none after an interrupted first build", err)
	}
}

// TestBuildWarnsOfMissingFilings builds the real site for a real domain: content/config.yaml
// has no ICP number and no email yet, so the build succeeds and says so; for the example
// domain it says nothing.
func TestBuildWarnsOfMissingFilings(t *testing.T) {
	r := root(t)
	for _, tt := range []struct {
		baseURL string
		want    []string
	}{
		{"https://www.smelisting.cn/", []string{"warning: " + filepath.Join(r, "content") + "/config.yaml: icp is empty", "warning: " + filepath.Join(r, "content") + "/config.yaml: contact.email is empty"}},
		{"", nil},
	} {
		args := []string{"--content", filepath.Join(r, "content"), "--templates", filepath.Join(r, "templates"),
			"--now", "2026-11-27", "--out", filepath.Join(t.TempDir(), "site")}
		if tt.baseURL != "" {
			args = append(args, "--base-url", tt.baseURL)
		}
		var err error
		stderr := captureStderr(t, func() { err = runBuild(context.Background(), args) })
		if err != nil {
			t.Fatalf("build for %q: %v", tt.baseURL, err)
		}
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		if stderr == "" {
			lines = nil
		}
		if len(lines) != len(tt.want) {
			t.Fatalf("build for %q: stderr %q, want %d warnings", tt.baseURL, stderr, len(tt.want))
		}
		for i, w := range tt.want {
			if !strings.HasPrefix(lines[i], w) {
				t.Errorf("build for %q: warning %q, want it to start %q", tt.baseURL, lines[i], w)
			}
		}
	}
}

// TestBuildReadsRegister builds with --data-dir: a consenting member of the
// embedded store is in 会员风采, and the sample profiles are gone.
func TestBuildReadsRegister(t *testing.T) {
	data := t.TempDir()
	s, err := localstore.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	a := storetest.Sample(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	a.ShowcaseConsent = true
	if err := s.CreateApplication(t.Context(), a, nil); err != nil {
		t.Fatal(err)
	}
	clerk := membership.Actor{ID: "s-1", Name: "王秘书", Roles: []string{membership.RoleSecretariat}}
	_, m, err := s.IssueCertificate(t.Context(), a.Number, 0, func(a *membership.Application) (*membership.Member, error) {
		return membership.NewMember(a, clerk, time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	out := filepath.Join(t.TempDir(), "site")
	r := root(t)
	err = runBuild(t.Context(), []string{"--content", filepath.Join(r, "content"), "--templates", filepath.Join(r, "templates"),
		"--now", "2026-11-27", "--out", out, "--data-dir", data})
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	page, err := os.ReadFile(filepath.Join(out, "members", strings.ToLower(m.Certificate), "index.html"))
	if err != nil || !strings.Contains(string(page), a.OrgName) {
		t.Errorf("member page: got %v, want the page of %s", err, a.OrgName)
	}
	if _, err := os.Stat(filepath.Join(out, "members/qiheng/index.html")); err == nil {
		t.Errorf("got the sample profile members/qiheng/ beside a real member")
	}
}
