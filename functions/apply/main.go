// Command apply is the Lambda function of the public join form: it serves
// httpapi.PublicRoutes behind API Gateway, storing applications and event registrations
// in DynamoDB and reading the frame of its own pages and the published events from the
// site's bucket.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/smelisting/alliance/functions/apigateway"
)

func main() {
	var level slog.Level
	_ = level.UnmarshalText([]byte(os.Getenv("LOG_LEVEL"))) // empty or unknown: INFO
	log := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(log) // libraries' lines in JSON too, so the level=ERROR metric filter counts them
	h, err := newHandler(context.Background(), config{
		Endpoint:      os.Getenv("DYNAMODB_ENDPOINT"),
		Applications:  os.Getenv("APPLICATIONS_TABLE"),
		Idempotency:   os.Getenv("IDEMPOTENCY_TABLE"),
		Registrations: os.Getenv("REGISTRATIONS_TABLE"),
		Members:       os.Getenv("MEMBERS_TABLE"),
		Outbox:        os.Getenv("OUTBOX_TABLE"),
		Limits:        os.Getenv("LIMITS_TABLE"),
		SiteOrigin:    os.Getenv("SITE_ORIGIN"),
		SiteBucket:    os.Getenv("SITE_BUCKET"),
		UploadsBucket: os.Getenv("UPLOADS_BUCKET"),
		S3Endpoint:    os.Getenv("S3_ENDPOINT"),
		Timeout:       os.Getenv("STORE_TIMEOUT"),
	}, log)
	if err != nil {
		log.Error("start", "err", err.Error())
		os.Exit(1)
	}
	lambda.Start(apigateway.Handler(h, apigateway.Config{OriginSecret: os.Getenv("ORIGIN_VERIFY_SECRET")}))
}
