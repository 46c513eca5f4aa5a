package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudfront"

	"github.com/smelisting/alliance/cmd/site/publish"
	"github.com/smelisting/alliance/cmd/site/sitegen"
	"github.com/smelisting/alliance/functions/dynamo"
	"github.com/smelisting/alliance/functions/lambdaenv"
	"github.com/smelisting/alliance/functions/sitebucket"
)

// config is what the function reads from its environment.
type config struct {
	DynamoEndpoint string // DYNAMODB_ENDPOINT, tests only
	Members        string // MEMBERS_TABLE: the register
	Bucket         string // SITE_BUCKET: the sources under publish.SourcesPrefix, the site beside them
	S3Endpoint     string // S3_ENDPOINT, tests only
	Distribution   string // DISTRIBUTION_ID: CloudFront to invalidate (global layout); empty: none (China)
	BaseURL        string // SITE_BASE_URL: overrides content/config.yaml's baseURL when set
}

// builder rebuilds and publishes the site; one per process, reused by warm invocations.
type builder struct {
	bucket   bucket
	name     string
	register sitegen.Register
	pub      *publish.Publisher
	baseURL  string
	now      func() time.Time
	log      *slog.Logger
}

// newBuilder makes the clients once, outside the invocations.
func newBuilder(ctx context.Context, cfg config, log *slog.Logger) (*builder, error) {
	if cfg.Members == "" || cfg.Bucket == "" {
		return nil, errors.New("site: MEMBERS_TABLE and SITE_BUCKET must be set")
	}
	db, err := dynamo.NewClient(ctx, cfg.DynamoEndpoint)
	if err != nil {
		return nil, err
	}
	s3c, err := sitebucket.NewClient(cfg.S3Endpoint)
	if err != nil {
		return nil, err
	}
	var cf publish.CloudFront
	if cfg.Distribution != "" {
		region, creds, err := lambdaenv.AWS("", "")
		if err != nil {
			return nil, fmt.Errorf("site: CloudFront client: %w", err)
		}
		cf = cloudfront.New(cloudfront.Options{Region: region, Credentials: creds})
	}
	return &builder{
		bucket: s3c, name: cfg.Bucket, register: dynamo.New(db, dynamo.TableNames{Members: cfg.Members}),
		pub: publish.New(s3c, cfg.Bucket, cf, cfg.Distribution), baseURL: cfg.BaseURL, now: time.Now, log: log,
	}, nil
}

// result is what an invocation answers (and logs).
type result struct {
	Trigger   string `json:"trigger"` // "schedule", "stream" or "direct"
	Pages     int    `json:"pages"`
	Uploaded  int    `json:"uploaded"`
	Deleted   int    `json:"deleted"`
	Unchanged int    `json:"unchanged"`
	Millis    int64  `json:"ms"`
}

// handle rebuilds the site whatever invoked it: the payload only names the
// trigger in the log. A failure is returned, so that the schedule's
// asynchronous invocation and the stream retry it.
func (b *builder) handle(ctx context.Context, ev json.RawMessage) (result, error) {
	start := time.Now()
	res := result{Trigger: trigger(ev)}
	dir, err := os.MkdirTemp("", "alliance-sources-")
	if err != nil {
		return res, fmt.Errorf("site: sources folder: %w", err)
	}
	defer os.RemoveAll(dir)
	if err := fetchSources(ctx, b.bucket, b.name, dir); err != nil {
		return res, err
	}
	out, err := sitegen.NewBuilder(sitegen.Options{
		Content: sitegen.DirFS(dir + "/content"), Templates: sitegen.DirFS(dir + "/templates"),
		Now: b.now(), BaseURL: b.baseURL, Register: b.register,
	}).Render(ctx)
	if err != nil {
		return res, fmt.Errorf("site: build: %w", err)
	}
	pr, err := b.pub.PublishFiles(ctx, publish.Files(out.Files), false)
	if err != nil {
		return res, err
	}
	res.Pages, res.Uploaded, res.Deleted, res.Unchanged = out.Summary.Pages, len(pr.Upload), len(pr.Delete), pr.Unchanged
	res.Millis = time.Since(start).Milliseconds()
	b.log.Info("site rebuilt", "trigger", res.Trigger, "pages", res.Pages, "uploaded", res.Uploaded,
		"deleted", res.Deleted, "unchanged", res.Unchanged, "ms", res.Millis, "invalidated", len(pr.Invalidated))
	return res, nil
}

// trigger names what sent the event: an EventBridge schedule, a DynamoDB
// stream batch, or anything else (an invocation by hand or by `make deploy`).
func trigger(ev json.RawMessage) string {
	var e struct {
		Source     string `json:"source"`
		DetailType string `json:"detail-type"`
		Records    []struct {
			EventSource string `json:"eventSource"`
		} `json:"Records"`
	}
	_ = json.Unmarshal(ev, &e)
	switch {
	case e.DetailType == "Scheduled Event":
		return "schedule"
	case len(e.Records) > 0 && e.Records[0].EventSource == "aws:dynamodb":
		return "stream"
	}
	return "direct"
}
