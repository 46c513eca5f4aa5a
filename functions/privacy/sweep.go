package privacy

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/smelisting/alliance/functions/events"
	"github.com/smelisting/alliance/functions/membership"
)

// ApplicationLister lists applications by status (backoffice.Store has it).
type ApplicationLister interface {
	Applications(ctx context.Context, q membership.ApplicationQuery) (*membership.ApplicationPage, error)
}

// RegistrationLister lists the registrations of an event (both stores have it).
type RegistrationLister interface {
	Registrations(ctx context.Context, event string) ([]events.Registration, error)
}

// Sweep erases the personal data whose retention period has ended: that of
// rejected and withdrawn applications (Retention.Closed after the decision)
// and of the registrations of events that ended (Retention.Registrations
// after the end); and it runs the Extra erasers (the outbox's) again for the
// rejected and withdrawn applications already erased, which finishes an
// applicant's own erasure made where they do not run. It runs daily on AWS (the admin function, on a schedule)
// and hourly in `alliance serve`.
type Sweep struct {
	Erasers       *Erasers
	Applications  ApplicationLister
	Registrations RegistrationLister // nil: no events
	Retention     membership.Retention
	Log           *slog.Logger // nil: discard
}

// SweepReport says how many records a sweep erased.
type SweepReport struct {
	Applications  int `json:"applications"`
	Registrations int `json:"registrations"`
}

// Run erases what is due at now. Errors: the first failure (EUNAVAILABLE…);
// what was erased before it stays erased and the next run goes on.
func (s *Sweep) Run(ctx context.Context, now time.Time) (SweepReport, error) {
	var rep SweepReport
	log := s.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e := membership.Erasure{At: now, Reason: membership.ErasedRetention, By: "retention", Role: "system"}
	n, err := s.applications(ctx, now, e)
	rep.Applications = n
	if err == nil {
		rep.Registrations, err = s.registrations(ctx, now, e)
	}
	log.InfoContext(ctx, "retention sweep", "applications", rep.Applications, "registrations", rep.Registrations,
		"closed_days", membership.Days(s.Retention.Closed), "registration_days", membership.Days(s.Retention.Registrations))
	return rep, err
}

func (s *Sweep) applications(ctx context.Context, now time.Time, e membership.Erasure) (int, error) {
	var due, erased []string
	for _, st := range []membership.Status{membership.StatusRejected, membership.StatusWithdrawn} {
		q := membership.ApplicationQuery{Status: st, Limit: membership.MaxPageSize}
		for range 10000 { // 2 million applications: a bound, not a size
			page, err := s.Applications.Applications(ctx, q)
			if err != nil {
				return 0, fmt.Errorf("privacy: sweep %s applications: %w", st, err)
			}
			for _, sum := range page.Applications {
				if sum.Contact == membership.ErasedMark {
					erased = append(erased, sum.Number) // erased before: only what the host's erasers keep
					continue
				}
				a, err := s.Erasers.Applications.Application(ctx, sum.Number)
				if err != nil {
					return 0, fmt.Errorf("privacy: sweep application %s: %w", sum.Number, err)
				}
				if s.Retention.ErasureDue(a, now) {
					due = append(due, a.Number)
				}
			}
			if page.Next == "" {
				break
			}
			q.After = page.Next
		}
	}
	// An erasure by a host without the extra erasers (the applicant's own, in
	// the public function, which may not delete the outbox's mail) is
	// finished here: the extra erasers are idempotent, and cheap when done.
	for _, n := range erased {
		for _, er := range s.Erasers.Extra {
			if err := er(ctx, &Person{Applications: []string{n}}, e); err != nil {
				return 0, err
			}
		}
	}
	e.Note = fmt.Sprintf("不予通过或撤回满 %d 天", membership.Days(s.Retention.Closed))
	for i, n := range due {
		if err := s.Erasers.Erase(ctx, &Person{Applications: []string{n}}, e); err != nil {
			return i, err
		}
	}
	return len(due), nil
}

func (s *Sweep) registrations(ctx context.Context, now time.Time, e membership.Erasure) (int, error) {
	if s.Registrations == nil || s.Erasers.Events == nil {
		return 0, nil
	}
	cat, err := s.Erasers.Events.Catalog(ctx)
	if err != nil {
		return 0, fmt.Errorf("privacy: sweep registrations: %w", err)
	}
	e.Note = fmt.Sprintf("活动结束满 %d 天", membership.Days(s.Retention.Registrations))
	n := 0
	for _, ev := range cat.Events {
		end := ev.End
		if end.IsZero() {
			end = ev.Start
		}
		if now.Before(end.Add(s.Retention.Registrations)) {
			continue
		}
		regs, err := s.Registrations.Registrations(ctx, ev.Slug)
		if err != nil {
			return n, fmt.Errorf("privacy: sweep registrations of %s: %w", ev.Slug, err)
		}
		for _, r := range regs {
			if !events.ErasureDue(&r, end, s.Retention.Registrations, now) {
				continue
			}
			if err := s.Erasers.Erase(ctx, &Person{Registrations: []RegistrationRef{{r.Event, r.Code}}}, e); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}
