package localstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/smelisting/alliance/functions/localstore"
	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/storetest"
)

// TestStalledStore holds the store's one writer, as a write that does not
// end would: writes give up by the request's time limit with a 503 and
// Retry-After instead of waiting, and once the writer is free a submission
// made meanwhile and sent again with its Idempotency-Key is stored once.
func TestStalledStore(t *testing.T) {
	s := open(t, t.TempDir())
	t.Cleanup(func() { s.Close() })
	const timeout = 500 * time.Millisecond
	api := storetest.NewAPIWithTimeout(t, s, timeout)
	var release func()
	storetest.Outage(t, api, s, func() { release = s.HoldWrites() }, func() { release() }, timeout+3*time.Second)
}

// TestStalledWriteStoresNothing: a write that waited past its context's deadline
// stores nothing and is EUNAVAILABLE.
func TestStalledWriteStoresNothing(t *testing.T) {
	s := open(t, t.TempDir())
	t.Cleanup(func() { s.Close() })
	release := s.HoldWrites()
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	a := storetest.Sample(time.Now())
	start := time.Now()
	err := s.CreateApplication(ctx, a, nil)
	if membership.ErrorCode(err) != membership.EUNAVAILABLE || time.Since(start) > 3*time.Second {
		t.Errorf("CreateApplication while the writer is held: got %v after %v, want EUNAVAILABLE at the deadline", err, time.Since(start))
	}
	release()
	if apps, err := s.ApplicationsByCreditCode(t.Context(), a.CreditCode); err != nil || len(apps) != 0 {
		t.Errorf("after the refused write: %d applications, %v; want none", len(apps), err)
	}
	if err := s.CreateApplication(t.Context(), a, nil); err != nil {
		t.Errorf("CreateApplication once the writer is free: %v", err)
	}
}

// TestFileHeldByAnotherOpener: while another opener holds the file (a second
// `alliance serve` on the same folder), Open gives up after LockTimeout with
// EUNAVAILABLE, saying why.
func TestFileHeldByAnotherOpener(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	defer s.Close()
	// A second open file description of the same file: flock refuses it as it
	// would another process.
	start := time.Now()
	_, err := localstore.Open(dir)
	if membership.ErrorCode(err) != membership.EUNAVAILABLE {
		t.Fatalf("Open while the file is held: got %v, want EUNAVAILABLE", err)
	}
	if took := time.Since(start); took < localstore.LockTimeout/2 || took > localstore.LockTimeout+3*time.Second {
		t.Errorf("Open gave up after %v, want about %v", took, localstore.LockTimeout)
	}
}
