package events

import (
	"bytes"
	"context"
	"errors"
	"sync"

	"github.com/smelisting/alliance/functions/membership"
)

// CatalogCache parses the catalog a read function returns, once per distinct
// content: the API reads CatalogFile from the published site (a file that
// changes when the site is published) and asks for the catalog on every
// registration.
type CatalogCache struct {
	read func(ctx context.Context) ([]byte, error)

	mu   sync.Mutex
	raw  []byte
	last *Catalog
}

// NewCatalogCache returns the catalog of what read returns.
func NewCatalogCache(read func(ctx context.Context) ([]byte, error)) *CatalogCache {
	return &CatalogCache{read: read}
}

// Catalog returns the current catalog. When read fails or returns a bad
// catalog, the last good one is returned if there is one, else the error:
// EUNAVAILABLE when the read did not end by the context's deadline (the
// request is answered 503, to be tried again), EINTERNAL for a bad file or
// any other failure.
func (c *CatalogCache) Catalog(ctx context.Context) (*Catalog, error) {
	b, err := c.read(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err == nil && c.last != nil && bytes.Equal(b, c.raw) {
		return c.last, nil
	}
	var cat *Catalog
	if err == nil {
		cat, err = ParseCatalog(b)
	}
	if err != nil {
		if c.last != nil {
			return c.last, nil
		}
		return nil, catalogError(err)
	}
	c.raw, c.last = bytes.Clone(b), cat
	return cat, nil
}

// catalogError is the domain error of a catalog that could not be had.
func catalogError(err error) error {
	const op = "events: read catalog"
	var e *membership.Error
	switch {
	case errors.As(err, &e):
		return err
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return membership.Unavailable(op, err)
	}
	return membership.Internal(op, err)
}
