// Command sender is the Lambda function that sends the alliance's mail: run
// every minute by a schedule, it drains the outbox table (package mail)
// through Amazon SES in the global regions or an SMTP relay in China,
// whichever its environment names.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	var level slog.Level
	_ = level.UnmarshalText([]byte(os.Getenv("LOG_LEVEL")))
	log := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(log)
	d, err := newDrainer(context.Background(), config{
		Endpoint:        os.Getenv("DYNAMODB_ENDPOINT"),
		Outbox:          os.Getenv("OUTBOX_TABLE"),
		FromAddress:     os.Getenv("MAIL_FROM"),
		FromName:        os.Getenv("MAIL_FROM_NAME"),
		ReplyTo:         os.Getenv("MAIL_REPLY_TO"),
		SiteURL:         os.Getenv("SITE_URL"),
		SESIdentity:     os.Getenv("SES_IDENTITY_ARN"),
		SESEndpoint:     os.Getenv("SES_ENDPOINT"),
		SMTPHost:        os.Getenv("SMTP_HOST"),
		SMTPPort:        os.Getenv("SMTP_PORT"),
		SMTPSecret:      os.Getenv("SMTP_SECRET_ARN"),
		SecretsEndpoint: os.Getenv("SECRETS_ENDPOINT"),
	}, log)
	if err != nil {
		log.Error("start", "err", err.Error())
		os.Exit(1)
	}
	lambda.Start(d.handle)
}
