package httpapi

import (
	"context"

	"github.com/smelisting/alliance/functions/membership"
)

// CertificateStore answers the public certificate lookup from the register.
// Implementations: dynamo.Store and localstore.Store; storetest checks both.
type CertificateStore interface {
	// CertificateHolder returns the member with the certificate number with
	// only the fields of membership.VerificationFields (and the number) set,
	// or ENOTFOUND; EUNAVAILABLE when the store is down or too slow.
	CertificateHolder(ctx context.Context, certificate string) (*membership.Member, error)
}
