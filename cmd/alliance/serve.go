package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/smelisting/alliance/cmd/internal/devserver"
	"github.com/smelisting/alliance/functions/events"
	"github.com/smelisting/alliance/functions/httpapi"
)

func runServe(ctx context.Context, args []string) error {
	fs := newFlagSet("serve", "serve [flags]", "alliance serve --addr 127.0.0.1:1313 --drafts")
	var sf siteFlags
	sf.register(fs)
	addr := fs.String("addr", "127.0.0.1:1313", "listen `address` (keep it on 127.0.0.1)")
	dataDir := fs.String("data-dir", ".alliance-data", "`folder` of the embedded store behind /api/")
	dynamo := fs.String("dynamodb-endpoint", "", "use DynamoDB at this `URL` instead of the embedded store")
	issuerAddr := fs.String("issuer-addr", defaultIssuerAddr, "listen `address` of the development OpenID provider the console signs in with (keep it on 127.0.0.1)")
	timeout := fs.Duration("store-timeout", httpapi.DefaultTimeout, "answer an API request 503 (busy) when the store has not answered within this `duration`")
	smtpAddr := fs.String("smtp", "", "send the outbox's mail to the SMTP server at this `address` on 127.0.0.1 (e.g. Mailpit's 127.0.0.1:1025); empty: it stays queued")
	mailFrom := fs.String("mail-from", "noreply@smelisting.example", "the `address` the mail is sent from")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve: unexpected argument %q", fs.Arg(0))
	}
	opts, err := sf.options()
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	defer ln.Close()
	origin := "http://" + ln.Addr().String()
	if opts.BaseURL == "" {
		opts.BaseURL = origin + "/"
	}
	// The join form's own pages take their frame from the site this server built last.
	var srv *devserver.Server
	frame := httpapi.FrameFunc(func(context.Context) ([]byte, error) {
		if srv == nil {
			return nil, errors.New("serve: the site is not built yet")
		}
		if b := srv.File(httpapi.FramePath); b != nil {
			return b, nil
		}
		return nil, fmt.Errorf("serve: the site has no /%s (templates/api-frame.html)", httpapi.FramePath)
	})
	if *timeout <= 0 {
		return fmt.Errorf("serve: --store-timeout %s: want a positive duration such as 3s", *timeout)
	}
	// The registration API reads the events' settings from the same build.
	catalog := events.NewCatalogCache(func(context.Context) ([]byte, error) {
		if srv == nil {
			return nil, errors.New("serve: the site is not built yet")
		}
		if b := srv.File(events.CatalogFile); b != nil {
			return b, nil
		}
		return nil, fmt.Errorf("serve: the site has no /%s", events.CatalogFile)
	})
	api, closer, err := openAPI(ctx, apiConfig{DataDir: *dataDir, DynamoEndpoint: *dynamo, SiteOrigin: origin, Frame: frame,
		IssuerAddr: *issuerAddr, Timeout: *timeout, Events: catalog,
		Mail: mailConfig{SMTP: *smtpAddr, From: *mailFrom, SiteURL: origin, Templates: os.DirFS(filepath.Join(sf.templates, "mail"))}}, log)
	if err != nil {
		return fmt.Errorf("serve: open api: %w", err)
	}
	defer closer.Close()
	srv, err = devserver.New(ctx, devserver.Config{Build: opts, API: api, Logger: log})
	if err != nil {
		return fmt.Errorf("serve: first build failed:\n%w", err)
	}
	go func() {
		if err := srv.Watch(ctx, sf.content, sf.templates); err != nil {
			log.Error("watch stopped", "err", err)
		}
	}()
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return ctx }}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		hs.Shutdown(sctx)
	}()
	fmt.Printf("Serving on %s/ (live reload on; Ctrl+C to stop)\n", origin)
	if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}
