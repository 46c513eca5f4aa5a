package backoffice

import (
	"context"

	"github.com/smelisting/alliance/functions/events"
	"github.com/smelisting/alliance/functions/membership"
)

// EventStore is where the back office finds event registrations and records
// check-ins. Implementations: dynamo.Store and localstore.Store. Every
// method may also fail with EUNAVAILABLE or EINTERNAL, as Store's.
type EventStore interface {
	// Registrations lists the registrations of the event.
	Registrations(ctx context.Context, event string) ([]events.Registration, error)

	// Registration returns the registration of the event with the code, or ENOTFOUND.
	Registration(ctx context.Context, event, code string) (*events.Registration, error)

	// RegistrationByCode returns the registration with the code, whatever its
	// event, or ENOTFOUND.
	RegistrationByCode(ctx context.Context, code string) (*events.Registration, error)

	// RegistrationByPhone returns the registration of the event that holds the
	// phone and is not cancelled, or ENOTFOUND.
	RegistrationByPhone(ctx context.Context, event, phone string) (*events.Registration, error)

	// Seats returns the places taken of the event.
	Seats(ctx context.Context, event string) (events.Seats, error)

	// CheckIn loads the registration, checks that its Version is expected
	// (any when 0) and calls fn, which checks it in and returns the
	// attendance to record (nil: none); it stores the registration with
	// Version+1 and, unless the member's attendance of the event is already
	// on file, the attendance, in one atomic write, and reports whether the
	// attendance was recorded. Errors: ENOTFOUND; ECONFLICT when the version
	// differs or a concurrent write won; fn's error.
	CheckIn(ctx context.Context, event, code string, expected int, fn func(*events.Registration) (*membership.Attendance, error)) (*events.Registration, bool, error)

	// VoidCheckIn is CheckIn for voiding one: fn voids the check-in and
	// returns the void, which the store also puts on the attendance that
	// check-in recorded (its Registration is the code), in the same write;
	// it reports whether there was such an attendance to void.
	VoidCheckIn(ctx context.Context, event, code string, expected int, fn func(*events.Registration) (*membership.Void, error)) (*events.Registration, bool, error)

	// WalkIn stores a registration made at the door (checked in, outside the
	// capacity) with a fresh code and the claim of its phone and, unless the
	// member's attendance of the event is already on file, att with its
	// Registration set to the code, in one atomic write; r is updated. It
	// reports whether att was recorded. Errors: ECONFLICT when the phone
	// holds a registration of the event.
	WalkIn(ctx context.Context, r *events.Registration, att *membership.Attendance) (bool, error)

	// MemberStatus returns the status and name of the member with the
	// certificate number; status "" when there is no such member.
	MemberStatus(ctx context.Context, certificate string) (membership.MemberStatus, string, error)

	// Cancel loads the registration and calls fn, which cancels it; then it
	// stores it with its place freed, its phone released and the first
	// waiting promoted into the free places (events.Promotions), all in one
	// atomic write with the mail that tells each promoted (as
	// httpapi.RegistrationStore's). Errors: ENOTFOUND, fn's.
	Cancel(ctx context.Context, event, code string, ev *events.Event, fn func(*events.Registration) error) (*events.Registration, error)

	// Promote gives the free places of ev to the first waiting, as many as
	// events.Promotions says (at most events.MaxPromotions), each promoted by
	// fn and told by mail (outbox.ForPromotion), with the seats, in one
	// atomic write, and returns those promoted: none when no place is free or
	// nobody waits. Errors: fn's (nothing is stored then).
	Promote(ctx context.Context, ev *events.Event, fn func(*events.Registration) error) ([]events.Registration, error)

	// EraseRegistration: see privacy.RegistrationStore (a person's
	// registrations are cancelled (Cancel) before their event and erased).
	EraseRegistration(ctx context.Context, event, code string, fn func(*events.Registration) error) (*events.Registration, error)
}

// EventSource gives the published catalog of events with registration;
// *events.CatalogCache is one.
type EventSource interface {
	Catalog(ctx context.Context) (*events.Catalog, error)
}
