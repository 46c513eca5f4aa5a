// Command site is the site builder, an AWS Lambda function: it rebuilds the
// public site from the sources `alliance publish` keeps in the site bucket
// (publish.SourcesPrefix) and the membership register (the members table),
// and uploads only what changed, invalidating CloudFront for it where there
// is one. A daily schedule at 00:00 Beijing time invokes it (events move to
// past) and so does the members table's stream after a member's change
// (certified, left, consent changed). environment → clients → builder →
// lambda.Start.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	level := slog.LevelInfo
	_ = level.UnmarshalText([]byte(os.Getenv("LOG_LEVEL")))
	log := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(log)
	b, err := newBuilder(context.Background(), config{
		DynamoEndpoint: os.Getenv("DYNAMODB_ENDPOINT"),
		Members:        os.Getenv("MEMBERS_TABLE"),
		Bucket:         os.Getenv("SITE_BUCKET"),
		S3Endpoint:     os.Getenv("S3_ENDPOINT"),
		Distribution:   os.Getenv("DISTRIBUTION_ID"),
		BaseURL:        os.Getenv("SITE_BASE_URL"),
	}, log)
	if err != nil {
		log.Error("start", "err", err.Error())
		os.Exit(1)
	}
	lambda.Start(b.handle)
}
