package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/smelisting/alliance/cmd/site/sitegen"
	"github.com/smelisting/alliance/functions/dynamo"
	"github.com/smelisting/alliance/functions/localstore"
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

// openRegister opens the register a build reads 会员风采 from: DynamoDB at
// endpoint, else the embedded store in dataDir (read-only), else none.
func openRegister(ctx context.Context, dataDir, endpoint string) (sitegen.Register, io.Closer, error) {
	switch {
	case endpoint != "":
		client, err := dynamo.NewClient(ctx, endpoint)
		if err != nil {
			return nil, nil, err
		}
		return dynamo.New(client, dynamo.DefaultTableNames), io.NopCloser(nil), nil
	case dataDir != "":
		s, err := localstore.OpenReadOnly(dataDir)
		if err != nil {
			return nil, nil, err
		}
		return s, s, nil
	}
	return nil, io.NopCloser(nil), nil
}

func runBuild(ctx context.Context, args []string) error {
	fs := newFlagSet("build", "build [flags]", "alliance build --now 2026-11-27 --out site")
	var sf siteFlags
	sf.register(fs)
	out := fs.String("out", "site", "output `folder` (replaced only when the build succeeds)")
	dataDir := fs.String("data-dir", "", "read 会员风采's members from the embedded store in this `folder` (as serve's --data-dir; default: content alone)")
	dynamo := fs.String("dynamodb-endpoint", "", "read 会员风采's members from DynamoDB at this `URL` (default tables)")
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
	reg, closer, err := openRegister(ctx, *dataDir, *dynamo)
	if err != nil {
		return fmt.Errorf("build: %w", err)
	}
	defer closer.Close()
	opts.Register = reg
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
