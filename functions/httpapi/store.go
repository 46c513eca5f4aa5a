package httpapi

import (
	"context"

	"github.com/smelisting/alliance/functions/membership"
)

// ApplicationStore keeps membership applications and the idempotency records of their
// submissions. Implementations: dynamo.Store and localstore.Store; storetest checks both.
type ApplicationStore interface {
	// CreateApplication gives app the next number of its year (membership.FormatNumber,
	// year of app.CreatedAt in China) and stores it. When rec is not nil, rec.Number is set
	// and rec is stored in the same atomic write; if an unexpired record with rec.Key
	// already exists nothing is stored and the error has code ECONFLICT. Numbers are unique;
	// a failed create may leave a gap.
	CreateApplication(ctx context.Context, app *membership.Application, rec *membership.IdempotencyRecord) error

	// Idempotency returns the unexpired record stored for key, or an ENOTFOUND error.
	Idempotency(ctx context.Context, key string) (*membership.IdempotencyRecord, error)

	// Application returns the application with the number, or an ENOTFOUND error.
	Application(ctx context.Context, number string) (*membership.Application, error)

	// UpdateApplication loads the application, checks that its Version equals
	// expectedVersion (any version when expectedVersion is 0), calls fn on it and stores
	// the result with Version+1, unless another write came first. It returns the stored
	// application. Errors: ENOTFOUND; ECONFLICT when the version differs or a concurrent
	// write won; whatever fn returns (nothing is stored then).
	UpdateApplication(ctx context.Context, number string, expectedVersion int, fn func(*membership.Application) error) (*membership.Application, error)
}
