package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/smelisting/alliance/functions/backoffice"
	"github.com/smelisting/alliance/functions/dynamo"
	"github.com/smelisting/alliance/functions/httpapi"
	"github.com/smelisting/alliance/functions/intake"
	"github.com/smelisting/alliance/functions/localstore"
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
}

// openAPI returns the handler for every /api/ route and a closer for its store.
// The store is the embedded one in cfg.DataDir, or DynamoDB at cfg.DynamoEndpoint with
// the default table names (created if missing). The public routes and the secretariat
// routes (trusting the development OpenID provider, see mountAdmin) share it.
func openAPI(ctx context.Context, cfg apiConfig, log *slog.Logger) (http.Handler, io.Closer, error) {
	store, counter, closer, err := openStore(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/api/", httpapi.NewPublic(httpapi.PublicConfig{Store: store, Log: log, SiteOrigin: cfg.SiteOrigin, Frame: cfg.Frame,
		Registrations: store, Events: cfg.Events, Timeout: cfg.Timeout, Certificates: store,
		// The lookups by number only, as on AWS behind the WAF: a developer submits the forms
		// far more often than PublicLimits would let a client.
		Limits: counter, Limited: httpapi.LookupLimits}))
	office := backoffice.New(backoffice.Config{Store: store, Events: store, Catalog: cfg.Events, Log: log})
	if _, err := mountAdmin(ctx, mux, adminMount{DataDir: cfg.DataDir, IssuerAddr: cfg.IssuerAddr, Origin: cfg.SiteOrigin,
		Office: office, Sessions: store, Log: log, Timeout: cfg.Timeout}); err != nil {
		closer.Close()
		return nil, nil, fmt.Errorf("api: secretariat routes: %w", err)
	}
	return mux, closer, nil
}

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
