// Command notices is the Lambda function of the daily mail that no single
// change causes (package notify): run every morning at 09:00 in Beijing by a
// schedule, it queues the dues notices, the reminders of unpaid dues, the
// lapse-risk notices and the secretariat's digest that are due, for the
// sender function to send.
package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/smelisting/alliance/functions/dynamo"
	"github.com/smelisting/alliance/functions/notify"
	"github.com/smelisting/alliance/functions/outbox"
)

func main() {
	var level slog.Level
	_ = level.UnmarshalText([]byte(os.Getenv("LOG_LEVEL")))
	log := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(log)
	sched := outbox.Schedule{
		DuesNotice:   os.Getenv("DUES_NOTICE_DATE"),
		DuesReminder: os.Getenv("DUES_REMINDER_DATE"),
		LapseNotice:  os.Getenv("LAPSE_NOTICE_DATE"),
		Digest:       os.Getenv("DIGEST_EMAIL"),
	}
	n := dynamo.TableNames{
		Applications: os.Getenv("APPLICATIONS_TABLE"),
		Members:      os.Getenv("MEMBERS_TABLE"),
		Dues:         os.Getenv("DUES_TABLE"),
		Outbox:       os.Getenv("OUTBOX_TABLE"),
	}
	store, err := newStore(sched, n)
	if err != nil {
		log.Error("start", "err", err.Error())
		os.Exit(1)
	}
	lambda.Start(func(ctx context.Context) (int, error) {
		queued, err := notify.Run(ctx, store, sched, time.Now())
		if err != nil {
			log.ErrorContext(ctx, "notices", "err", err.Error())
			return queued, err
		}
		log.InfoContext(ctx, "notices queued", "queued", queued)
		return queued, nil
	})
}

// newStore checks the configuration and returns the store on the tables n.
func newStore(sched outbox.Schedule, n dynamo.TableNames) (*dynamo.Store, error) {
	if err := sched.Check(); err != nil {
		return nil, err
	}
	if n.Applications == "" || n.Members == "" || n.Dues == "" || n.Outbox == "" {
		return nil, errors.New("notices: APPLICATIONS_TABLE, MEMBERS_TABLE, DUES_TABLE and OUTBOX_TABLE must be set")
	}
	client, err := dynamo.NewClient(context.Background(), os.Getenv("DYNAMODB_ENDPOINT"))
	if err != nil {
		return nil, err
	}
	return dynamo.New(client, n), nil
}
