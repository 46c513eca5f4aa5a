// Package notify is the daily job of the mail that no single change causes:
// the dues notice before each year, the reminder of unpaid dues, the yearly
// lapse-risk notice (第十五条) and the secretariat's digest of yesterday's
// applications. It reads the register, lets the domain decide (outbox.Daily)
// and queues what is due under keys that make a second run of the same day,
// or a catch-up run on a later day, write nothing twice. It runs as the
// notices Lambda function (a daily schedule) and inside `alliance serve`.
package notify

import (
	"context"
	"fmt"
	"time"

	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/outbox"
)

// Store is what the job reads and writes. Implementations: dynamo.Store and
// localstore.Store.
type Store interface {
	Members(ctx context.Context) ([]membership.Member, error)
	Attendance(ctx context.Context) (map[string][]membership.Attendance, error)
	FeeSchedule(ctx context.Context, year int) (membership.FeeSchedule, error)
	Payments(ctx context.Context, year int) ([]membership.Payment, error)
	Applications(ctx context.Context, q membership.ApplicationQuery) (*membership.ApplicationPage, error)
	// EnqueueMail stores each entry whose key is free and returns how many.
	EnqueueMail(ctx context.Context, entries []outbox.Entry) (int, error)
}

// Run reads the register and queues the notices due today (in China) by
// the schedule. It returns how many it queued (those queued by an earlier
// run are not counted). Errors: EINVALID for a bad schedule; the store's.
func Run(ctx context.Context, s Store, sched outbox.Schedule, now time.Time) (int, error) {
	const op = "notify: run"
	if err := sched.Check(); err != nil {
		return 0, err
	}
	today := membership.Today(now)
	year := membership.NumberYear(now)
	r := outbox.Register{Fees: map[int]membership.FeeSchedule{}, Payments: map[int][]membership.Payment{}}
	var err error
	if r.Members, err = s.Members(ctx); err != nil {
		return 0, fmt.Errorf("%s: members: %w", op, err)
	}
	if r.Attendance, err = s.Attendance(ctx); err != nil {
		return 0, fmt.Errorf("%s: attendance: %w", op, err)
	}
	for _, y := range []int{year, year + 1} {
		if r.Fees[y], err = s.FeeSchedule(ctx, y); err != nil {
			return 0, fmt.Errorf("%s: fees %d: %w", op, y, err)
		}
		if r.Payments[y], err = s.Payments(ctx, y); err != nil {
			return 0, fmt.Errorf("%s: payments %d: %w", op, y, err)
		}
	}
	if sched.Digest != "" {
		if r.Yesterday, err = submittedOn(ctx, s, now.In(membership.China).AddDate(0, 0, -1)); err != nil {
			return 0, fmt.Errorf("%s: yesterday's applications: %w", op, err)
		}
	}
	entries, err := outbox.Daily(sched, today, r, now)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	n, err := s.EnqueueMail(ctx, entries)
	if err != nil {
		return n, fmt.Errorf("%s: queue %d notices: %w", op, len(entries), err)
	}
	return n, nil
}

// submittedOn lists the applications created on the day (in China), whatever
// their status now, reading the list page by page.
func submittedOn(ctx context.Context, s Store, day time.Time) ([]membership.ApplicationSummary, error) {
	date := membership.Today(day)
	var out []membership.ApplicationSummary
	q := membership.ApplicationQuery{Limit: membership.MaxPageSize}
	for range 10_000 { // bounded: 2 million applications
		page, err := s.Applications(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, a := range page.Applications {
			if membership.Today(a.CreatedAt) == date {
				out = append(out, a)
			}
		}
		if page.Next == "" {
			return out, nil
		}
		q.After = page.Next
	}
	return out, nil
}
