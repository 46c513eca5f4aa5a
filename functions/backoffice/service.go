// Package backoffice is the secretariat's back office: every use case of the
// membership register that the secretariat, the chairman's office and the
// supervisor carry out (charter 第十四~十八条), each a method of Service that
// checks the actor, makes the store calls in order and leaves every rule to
// the domain (package membership). Both Lambda hosts and `alliance serve`
// reach it through httpapi; `alliance admin` reaches it through
// httpapi.AdminClient, which has the same methods.
//
// The actor is taken from the context (membership.NewContext); a context
// without one is refused with EUNAUTHORIZED. The request and answer types of
// the use cases (ChangeRequest, Certified, …) are the admin API's JSON
// contract, described for integrators in content/developers/openapi.json.
package backoffice

import (
	"context"
	"log/slog"
	"time"

	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/privacy"
)

// Store is what the back office keeps its records in. Implementations:
// dynamo.Store and localstore.Store; storetest checks both. Every update is
// guarded by the record's Version; a lost race is an ECONFLICT error, never an
// overwrite. Every method may also fail with EUNAVAILABLE (the store is down,
// throttled or slower than the context's deadline) or EINTERNAL.
type Store interface {
	// Application returns the application with the number, or ENOTFOUND.
	Application(ctx context.Context, number string) (*membership.Application, error)

	// Applications returns the page of the applications that q (checked by
	// ApplicationQuery.Normal) asks for: those q.Matches, oldest first
	// (ApplicationSummary.Before), after q.After, at most q.Limit, with the
	// cursor of the next page when there is one (ApplicationQuery.PageOf
	// says the same of a whole list). Errors: EINVALID for a bad cursor.
	Applications(ctx context.Context, q membership.ApplicationQuery) (*membership.ApplicationPage, error)

	// ApplicationCounts returns how many applications there are of each
	// status (statuses without any may be left out).
	ApplicationCounts(ctx context.Context) (map[membership.Status]int, error)

	// UpdateApplication loads the application, checks that its Version equals
	// expectedVersion (any version when 0), calls fn on it and stores the
	// result with Version+1 unless another write came first; a claim on the
	// credit code that fn ends (a rejection) is released in the same write. Errors:
	// ENOTFOUND; ECONFLICT when the version differs or a concurrent write won;
	// fn's error (nothing is stored then).
	UpdateApplication(ctx context.Context, number string, expectedVersion int, fn func(*membership.Application) error) (*membership.Application, error)

	// IssueCertificate loads the application, checks its Version as
	// UpdateApplication does and calls fn, which moves it to certified and
	// returns the new member. The store gives the member the next certificate
	// number of the year (membership.FormatCertificate, year in China), sets
	// the application's CertificateNumber, moves the claim on the credit code
	// from the application to the member (membership.Member.CreditClaim), and
	// writes the member, the number, the claim and the application (Version+1)
	// all together or not at all. Errors: ENOTFOUND, ECONFLICT (also when
	// another record holds the credit code), or fn's error.
	IssueCertificate(ctx context.Context, number string, expectedVersion int, fn func(*membership.Application) (*membership.Member, error)) (*membership.Application, *membership.Member, error)

	// Member returns the member with the certificate number, or ENOTFOUND.
	Member(ctx context.Context, certificate string) (*membership.Member, error)

	// Members lists every member, whatever their status, by certificate number.
	Members(ctx context.Context) ([]membership.Member, error)

	// ApplicationsByCreditCode lists the applications with the unified social
	// credit code, oldest first; MembersByCreditCode the members, by certificate
	// number. Either may miss a record written a moment ago.
	ApplicationsByCreditCode(ctx context.Context, code string) ([]membership.Application, error)
	MembersByCreditCode(ctx context.Context, code string) ([]membership.Member, error)

	// UpdateMember is UpdateApplication for members: a claim on the credit
	// code that fn ends (an exit, an expulsion, a lapse) is released in the
	// same write.
	UpdateMember(ctx context.Context, certificate string, expectedVersion int, fn func(*membership.Member) error) (*membership.Member, error)

	// AddAttendance records that a member attended an event. Errors: ENOTFOUND
	// when there is no such member; ECONFLICT when that member's attendance of
	// that event is already recorded.
	AddAttendance(ctx context.Context, a *membership.Attendance) error

	// VoidAttendance finds the member's current (not voided) record of the
	// event and calls fn, which voids it; the voided record is then kept under
	// a key of its own, so that the attendance may be entered again, all in
	// one write. Errors: ENOTFOUND, ECONFLICT when the record changed
	// meanwhile, or fn's error.
	VoidAttendance(ctx context.Context, member, event string, fn func(*membership.Attendance) error) (*membership.Attendance, error)

	// Attendance returns every attendance record, voided ones included, by
	// certificate number.
	Attendance(ctx context.Context) (map[string][]membership.Attendance, error)

	// FeeSchedule returns the stored schedule for the year, or the charter's
	// default (Version 0) when none is stored.
	FeeSchedule(ctx context.Context, year int) (membership.FeeSchedule, error)

	// PutFeeSchedule stores s if the stored schedule's Version equals
	// s.Version (0: none stored yet), with Version+1. Errors: ECONFLICT.
	PutFeeSchedule(ctx context.Context, s *membership.FeeSchedule) error

	// RecordPayment stores a ledger entry atomically with its two uniqueness
	// claims: the member-year (free, or held by p.Corrects) and the receipt
	// number (free, or held by p.Corrects). Errors: ECONFLICT when either claim
	// is taken or the entry id exists.
	RecordPayment(ctx context.Context, p *membership.Payment) error

	// CurrentPayment returns the member-year's current ledger entry, or ENOTFOUND.
	CurrentPayment(ctx context.Context, member string, year int) (*membership.Payment, error)

	// Payments returns every ledger entry of the year, corrections included.
	Payments(ctx context.Context, year int) ([]membership.Payment, error)
}

// Config is what a Service needs.
type Config struct {
	Store Store
	// Events keeps the registrations of events and Catalog gives the
	// published events (events.go); both nil when the host has no events.
	Events  EventStore
	Catalog EventSource
	Mail    MailStore        // the outbox (mail.go); nil: no mail is listed
	Log     *slog.Logger     // the record of what was done; nil: discard
	Now     func() time.Time // nil: time.Now
	// Files is the uploads bucket of the applicants' documents (privacy.go);
	// nil: no documents.
	Files Files
	// Retention is how long personal data is kept (the retention sweep);
	// zero: membership.DefaultRetention.
	Retention membership.Retention
	// Erasers run after the register's own in every erasure (the outbox's).
	Erasers []privacy.Eraser
}

// Service carries out the back office's use cases over a store.
type Service struct {
	store     Store
	events    EventStore
	catalog   EventSource
	mail      MailStore
	log       *slog.Logger
	now       func() time.Time
	files     Files
	retention membership.Retention
	extra     []privacy.Eraser
}

// New returns the service over cfg.Store.
func New(cfg Config) *Service {
	s := &Service{store: cfg.Store, events: cfg.Events, catalog: cfg.Catalog, mail: cfg.Mail, log: cfg.Log, now: cfg.Now,
		files: cfg.Files, retention: cfg.Retention, extra: cfg.Erasers}
	if s.retention == (membership.Retention{}) {
		s.retention = membership.DefaultRetention
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// actor returns the context's actor if they may do the task.
// Errors: EUNAUTHORIZED, EFORBIDDEN.
func actor(ctx context.Context, t membership.Task) (membership.Actor, error) {
	a, err := membership.ActorFrom(ctx)
	if err != nil {
		return a, err
	}
	return a, a.May(t)
}

// Me is who is signed in, with every task of the back office they may do
// (membership.Actor.Tasks).
type Me struct {
	membership.Actor
	Tasks []membership.Task `json:"tasks"`
}

// WhoAmI returns the context's actor, if they may use the back office at
// all, with the tasks they may do. Errors: EUNAUTHORIZED, EFORBIDDEN.
func (s *Service) WhoAmI(ctx context.Context) (*Me, error) {
	a, err := actor(ctx, membership.TaskRead)
	if err != nil {
		return nil, err
	}
	return &Me{Actor: a, Tasks: a.Tasks()}, nil
}

// checkVersion rejects a change that does not say which version of the record
// it was made against: without it optimistic locking would be silently off.
func checkVersion(v int) error {
	if v <= 0 {
		return &membership.Error{Code: membership.EINVALID, Op: "backoffice: check version", Message: "请提供记录的版本号（version）",
			Fields: map[string]string{"version": "请提供记录的版本号"}}
	}
	return nil
}
