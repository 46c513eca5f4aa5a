package localstore

import (
	"context"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/smelisting/alliance/functions/membership"
)

// write runs fn in a write transaction under ctx's deadline: it waits for the
// store's one writer (bbolt runs one write transaction at a time) only until ctx
// ends, and rolls fn's work back if ctx ended while it ran, so that a request
// given up on with EUNAVAILABLE has written nothing. Errors: fn's, EUNAVAILABLE,
// EINTERNAL.
func (s *Store) write(ctx context.Context, op string, fn func(tx *bolt.Tx) error) error {
	select {
	case s.writer <- struct{}{}:
	case <-ctx.Done():
		return membership.Unavailable(op, fmt.Errorf("wait for the writer: %w", ctx.Err()))
	}
	defer func() { <-s.writer }()
	err := s.db.Update(func(tx *bolt.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return membership.Unavailable(op, fmt.Errorf("roll back: %w", err))
		}
		return nil
	})
	return wrap(err, op)
}

// read runs fn in a read transaction, unless ctx has already ended.
// Errors: fn's, EUNAVAILABLE, EINTERNAL.
func (s *Store) read(ctx context.Context, op string, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return membership.Unavailable(op, err)
	}
	return wrap(s.db.View(fn), op)
}

// wrap passes domain errors through, wrapped or not, makes a deadline or a
// lock that could not be had an EUNAVAILABLE one, and any other error an
// EINTERNAL one.
func wrap(err error, op string) error {
	var e *membership.Error
	switch {
	case err == nil || errors.As(err, &e):
		return err
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled), errors.Is(err, berrors.ErrTimeout):
		return membership.Unavailable(op, err)
	}
	return membership.Internal(op, err)
}

// bucketCreditCodes holds the claims on credit codes (see membership.CreditClaim):
// credit code → the application number or certificate number holding it.
var bucketCreditCodes = []byte("credit_codes")

// moveClaim changes who holds the claim on code, in the write transaction tx:
// from the record from ("": nobody) to the record to ("": nobody). Taking a code
// another record holds is a membership.CreditCodeHeld error; releasing a code
// held by another record than from leaves it alone.
func moveClaim(tx *bolt.Tx, op, code, from, to string) error {
	if code == "" || from == to {
		return nil
	}
	bk, err := writeBucket(tx, bucketCreditCodes)
	if err != nil {
		return err
	}
	held := string(bk.Get([]byte(code)))
	if to == "" {
		if held == from {
			return bk.Delete([]byte(code))
		}
		return nil
	}
	if held != "" && held != from {
		return membership.CreditCodeHeld(op, code, held)
	}
	return bk.Put([]byte(code), []byte(to))
}
