package httpapi

import (
	"context"

	"github.com/smelisting/alliance/functions/events"
	"github.com/smelisting/alliance/functions/membership"
)

// RegistrationStore keeps the registrations visitors make for events, and
// reads from the register whether a certificate number is an active
// member's. Implementations: dynamo.Store and localstore.Store; storetest
// checks both. Every method may also fail with EUNAVAILABLE (the store is
// down, throttled or slower than the context's deadline: a 503) or EINTERNAL.
type RegistrationStore interface {
	// Register gives r a fresh code, decides its status with events.Admit
	// from the event's seats at the moment of writing (ev.Capacity places),
	// and stores it, the claim of its phone for the event, the mail telling
	// the registrant (outbox.ForRegistration) and, when rec is not nil, rec
	// (its Number set to the code), all in one atomic write; r is updated. When the phone holds a registration of the event that is not
	// cancelled, nothing is stored and that one is returned. Errors: EINVALID
	// from Admit (full, and no consent to wait); ECONFLICT when rec.Key is
	// taken by an unexpired record.
	Register(ctx context.Context, r *events.Registration, ev *events.Event, rec *membership.IdempotencyRecord) (existing *events.Registration, err error)

	// Registration returns the registration of the event with the code, or ENOTFOUND.
	Registration(ctx context.Context, event, code string) (*events.Registration, error)

	// Seats returns the places taken of the event.
	Seats(ctx context.Context, event string) (events.Seats, error)

	// Cancel loads the registration of ev and calls fn, which cancels it;
	// then it stores it with its place freed, its phone released and the
	// first waiting promoted into the free places (events.Promotions, with
	// Registration.Promote; ev.Capacity places), with the mail telling each
	// of them (outbox.ForPromotion), all in one atomic write. Errors:
	// ENOTFOUND, fn's.
	Cancel(ctx context.Context, event, code string, ev *events.Event, fn func(*events.Registration) error) (*events.Registration, error)

	// Idempotency returns the unexpired record stored for key, or ENOTFOUND.
	Idempotency(ctx context.Context, key string) (*membership.IdempotencyRecord, error)

	// MemberStatus returns the status and name of the member with the
	// certificate number; status "" when there is no such member.
	MemberStatus(ctx context.Context, certificate string) (membership.MemberStatus, string, error)
}

// EventSource gives the published catalog of events with registration
// (events.CatalogFile); *events.CatalogCache is one. A catalog that cannot be
// read by the context's deadline is EUNAVAILABLE.
type EventSource interface {
	Catalog(ctx context.Context) (*events.Catalog, error)
}
