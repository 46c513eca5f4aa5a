package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"time"

	"github.com/smelisting/alliance/functions/backoffice"
	"github.com/smelisting/alliance/functions/dynamo"
	"github.com/smelisting/alliance/functions/httpapi"
	"github.com/smelisting/alliance/functions/intake"
	"github.com/smelisting/alliance/functions/localfiles"
	"github.com/smelisting/alliance/functions/localstore"
	"github.com/smelisting/alliance/functions/mail"
	"github.com/smelisting/alliance/functions/notify"
	"github.com/smelisting/alliance/functions/privacy"
)

// apiConfig is what `alliance serve` needs to host the /api routes.
type apiConfig struct {
	DataDir        string              // folder of the embedded store (default ".alliance-data", git-ignored)
	DynamoEndpoint string              // when set, use DynamoDB at this endpoint instead of the embedded store
	SiteOrigin     string              // the origin the site is served from, for CORS (e.g. http://127.0.0.1:1313)
	Frame          httpapi.FrameSource // the site's frame of the join form's own pages
	IssuerAddr     string              // loopback address of the development OpenID provider
	Timeout        time.Duration       // the store work of one request (httpapi.Deadline); 0: the default
	Events         httpapi.EventSource // the published events with registration (events.CatalogFile)
	Mail           mailConfig          // the in-process sender of the outbox (mail.go)
}

// openAPI returns the handler for every /api/ route, its store (which is also
// the register the site's 会员风采 is read from) and a closer for it.
// The store is the embedded one in cfg.DataDir, or DynamoDB at cfg.DynamoEndpoint with
// the default table names (created if missing). The public routes and the secretariat
// routes (trusting the development OpenID provider, see mountAdmin) share it.
func openAPI(ctx context.Context, cfg apiConfig, log *slog.Logger) (http.Handler, store, io.Closer, error) {
	store, counter, closer, err := openStore(ctx, cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	// The applicants' documents: files under the data folder, posted to and
	// downloaded from /api/files/ with signed forms and links, as from S3.
	files, err := localfiles.Open(filepath.Join(cfg.DataDir, "uploads"), cfg.SiteOrigin+"/api/files/")
	if err != nil {
		closer.Close()
		return nil, nil, nil, err
	}
	// Every erasure of a person's data also deletes the mail about their records.
	mailErasers := []privacy.Eraser{privacy.Outbox(store)}
	mux := http.NewServeMux()
	mux.Handle("/api/files/", files.Handler())
	mux.Handle("/api/", httpapi.NewPublic(httpapi.PublicConfig{Store: store, Log: log, SiteOrigin: cfg.SiteOrigin, Frame: cfg.Frame,
		Registrations: store, Events: cfg.Events, Timeout: cfg.Timeout, Files: files, Erasers: mailErasers, Certificates: store,
		// The lookups by number only, as on AWS behind the WAF: a developer submits the forms
		// far more often than PublicLimits would let a client.
		Limits: counter, Limited: httpapi.LookupLimits}))
	office := backoffice.New(backoffice.Config{Store: store, Events: store, Catalog: cfg.Events, Mail: store, Log: log, Files: files,
		Erasers: mailErasers})
	if err := startMail(ctx, store, cfg.Mail, log); err != nil {
		closer.Close()
		return nil, nil, nil, err
	}
	if _, err := mountAdmin(ctx, mux, adminMount{DataDir: cfg.DataDir, IssuerAddr: cfg.IssuerAddr, Origin: cfg.SiteOrigin,
		Office: office, Sessions: store, Log: log, Timeout: cfg.Timeout}); err != nil {
		closer.Close()
		return nil, nil, nil, fmt.Errorf("api: secretariat routes: %w", err)
	}
	return mux, store, sweepHourly(office, closer, log), nil
}

// sweepHourly runs the retention sweep now and every hour until the
// returned closer is closed (then it closes c).
func sweepHourly(office *backoffice.Service, c io.Closer, log *slog.Logger) io.Closer {
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(time.Hour)
		defer t.Stop()
		for {
			if _, err := office.Sweep(ctx, time.Now()); err != nil && ctx.Err() == nil {
				log.Error("retention sweep", "err", err.Error())
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return closerFunc(func() error {
		stop()
		<-done
		return c.Close()
	})
}

type closerFunc func() error

func (f closerFunc) Close() error { return f() }

// store is what `alliance serve` keeps both halves of the API in: the
// applications the public submits, the back office's records and the
// console's sessions.
type store interface {
	intake.Store
	backoffice.Store
	httpapi.SessionStore
	httpapi.RegistrationStore
	backoffice.EventStore
	httpapi.CertificateStore
	mail.Outbox
	backoffice.MailStore
	notify.Store
	privacy.MailEraser
}

// openStore opens the store openAPI uses and the per-client counts beside it.
func openStore(ctx context.Context, cfg apiConfig) (store, httpapi.ClientCounter, io.Closer, error) {
	if cfg.DynamoEndpoint != "" {
		client, err := dynamo.NewClient(ctx, cfg.DynamoEndpoint)
		if err != nil {
			return nil, nil, nil, err
		}
		if err := dynamo.CreateTables(ctx, client, dynamo.DefaultTableNames); err != nil {
			return nil, nil, nil, fmt.Errorf("api: tables at %s: %w", cfg.DynamoEndpoint, err)
		}
		return dynamo.New(client, dynamo.DefaultTableNames), dynamo.NewLimits(client, dynamo.DefaultTableNames.Limits), io.NopCloser(nil), nil
	}
	s, err := localstore.Open(cfg.DataDir)
	if err != nil {
		return nil, nil, nil, err
	}
	return s, s, s, nil
}
