package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/smelisting/alliance/cmd/internal/sitegen"
)

// siteFlags are the flags build and serve share.
type siteFlags struct {
	content, templates string
	drafts, future     bool
	now, baseURL       string
}

// register adds the site flags to fs.
func (f *siteFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.content, "content", "content", "content `folder`")
	fs.StringVar(&f.templates, "templates", "templates", "templates `folder`")
	fs.BoolVar(&f.drafts, "drafts", false, "include drafts")
	fs.BoolVar(&f.future, "future", false, "include items published in the future")
	fs.StringVar(&f.now, "now", "", "build clock for reproducible builds, e.g. 2026-11-27 or 2026-11-27T09:00:00+08:00")
	fs.StringVar(&f.baseURL, "base-url", "", "override the baseURL of content/config.yaml")
}

// options turns the flags into build options.
func (f *siteFlags) options() (sitegen.Options, error) {
	opts := sitegen.Options{
		Content: sitegen.DirFS(f.content), Templates: sitegen.DirFS(f.templates),
		ContentName: f.content, TemplatesName: f.templates,
		Drafts: f.drafts, Future: f.future, BaseURL: f.baseURL,
	}
	if f.now != "" {
		t, err := sitegen.ParseDate(f.now)
		if err != nil {
			return opts, fmt.Errorf("--now: %w", err)
		}
		opts.Now = t
	}
	return opts, nil
}

func runBuild(ctx context.Context, args []string) error {
	fs := newFlagSet("build", "build [flags]", "alliance build --now 2026-11-27 --out site")
	var sf siteFlags
	sf.register(fs)
	out := fs.String("out", "site", "output `folder` (replaced only when the build succeeds)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("build: unexpected argument %q", fs.Arg(0))
	}
	opts, err := sf.options()
	if err != nil {
		return err
	}
	opts.OutDir = *out
	start := time.Now()
	sum, err := sitegen.Build(ctx, opts)
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("build interrupted, %s left untouched", *out)
	}
	if err != nil {
		return fmt.Errorf("build failed, %s left untouched:\n%w", *out, err)
	}
	sum.Duration = time.Since(start)
	for _, w := range sum.Warnings {
		fmt.Fprintln(os.Stderr, "warning:", w)
	}
	fmt.Printf("Built %s into %s/\n", sum, *out)
	return nil
}
