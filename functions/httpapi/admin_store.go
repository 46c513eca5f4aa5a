package httpapi

import (
	"context"

	"github.com/smelisting/alliance/functions/membership"
)

// AdminStore is what the secretariat API needs: the applications, the members
// they become, attendance and the dues ledger. Implementations: dynamo.Store and
// localstore.Store; storetest checks both. Every update is guarded by the
// record's Version; a lost race is an ECONFLICT error, never an overwrite.
type AdminStore interface {
	ApplicationStore

	// Applications lists the applications with the status, or all when status
	// is "", oldest first.
	Applications(ctx context.Context, status membership.Status) ([]membership.Application, error)

	// IssueCertificate loads the application, checks its Version as
	// UpdateApplication does and calls fn, which moves it to certified and
	// returns the new member. The store gives the member the next certificate
	// number of the year (membership.FormatCertificate, year in China), sets
	// the application's CertificateNumber, and writes the member, the number
	// and the application (Version+1) all together or not at all.
	// Errors: ENOTFOUND, ECONFLICT, or fn's error.
	IssueCertificate(ctx context.Context, number string, expectedVersion int, fn func(*membership.Application) (*membership.Member, error)) (*membership.Application, *membership.Member, error)

	// Member returns the member with the certificate number, or ENOTFOUND.
	Member(ctx context.Context, certificate string) (*membership.Member, error)

	// Members lists every member, whatever their status, by certificate number.
	Members(ctx context.Context) ([]membership.Member, error)

	// UpdateMember is UpdateApplication for members.
	UpdateMember(ctx context.Context, certificate string, expectedVersion int, fn func(*membership.Member) error) (*membership.Member, error)

	// AddAttendance records that a member attended an event. Errors: ECONFLICT
	// when that member's attendance of that event is already recorded.
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
