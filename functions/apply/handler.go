package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/smelisting/alliance/functions/dynamo"
	"github.com/smelisting/alliance/functions/events"
	"github.com/smelisting/alliance/functions/httpapi"
	"github.com/smelisting/alliance/functions/sitebucket"
	"github.com/smelisting/alliance/functions/uploadbucket"
)

// config is what the function reads from its environment.
type config struct {
	Endpoint      string // DYNAMODB_ENDPOINT, tests only
	Applications  string // APPLICATIONS_TABLE
	Idempotency   string // IDEMPOTENCY_TABLE
	Registrations string // REGISTRATIONS_TABLE: event registrations
	Members       string // MEMBERS_TABLE: read for a registration's certificate number (status and name only)
	Outbox        string // OUTBOX_TABLE: the mail each submission and registration writes
	Limits        string // LIMITS_TABLE: per-client limits (httpapi.PublicLimits); empty: none
	SiteOrigin    string // SITE_ORIGIN, the only origin CORS allows
	SiteBucket    string // SITE_BUCKET, where the frame of the form's own pages is read
	UploadsBucket string // UPLOADS_BUCKET: the applicants' documents; empty: no uploads
	S3Endpoint    string // S3_ENDPOINT, tests only
	Timeout       string // STORE_TIMEOUT: the store work of one request (httpapi.Deadline); empty: the default
}

// newHandler builds the client, the store and the handler once, outside the invocations.
func newHandler(ctx context.Context, cfg config, log *slog.Logger) (http.Handler, error) {
	if cfg.Applications == "" || cfg.Idempotency == "" || cfg.Registrations == "" || cfg.Members == "" || cfg.Outbox == "" {
		return nil, errors.New("apply: APPLICATIONS_TABLE, IDEMPOTENCY_TABLE, REGISTRATIONS_TABLE, MEMBERS_TABLE and OUTBOX_TABLE must be set")
	}
	timeout, err := httpapi.ParseTimeout(cfg.Timeout)
	if err != nil {
		return nil, err
	}
	client, err := dynamo.NewClient(ctx, cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	store := dynamo.New(client, dynamo.TableNames{Applications: cfg.Applications, Idempotency: cfg.Idempotency,
		Registrations: cfg.Registrations, Members: cfg.Members, Outbox: cfg.Outbox})
	// No outbox eraser (PublicConfig.Erasers): the public function may not list
	// or delete (samtest), so the mail about an application its applicant
	// erased goes with the admin function's next daily sweep (privacy.Sweep).
	pc := httpapi.PublicConfig{Store: store, Log: log, SiteOrigin: cfg.SiteOrigin, Registrations: store, Certificates: store, Timeout: timeout}
	if cfg.Limits != "" {
		pc.Limits = dynamo.NewLimits(client, cfg.Limits)
	}
	if cfg.SiteBucket == "" && cfg.UploadsBucket == "" {
		return httpapi.NewPublic(pc), nil
	}
	s3c, err := sitebucket.NewClient(cfg.S3Endpoint)
	if err != nil {
		return nil, err
	}
	if cfg.UploadsBucket != "" {
		pc.Files = uploadbucket.New(s3c, cfg.UploadsBucket)
	}
	if cfg.SiteBucket != "" {
		pc.Frame = httpapi.FrameFunc(sitebucket.NewFile(s3c, cfg.SiteBucket, httpapi.FramePath).Read)
		pc.Events = events.NewCatalogCache(sitebucket.NewFile(s3c, cfg.SiteBucket, events.CatalogFile).Read)
	}
	return httpapi.NewPublic(pc), nil
}
