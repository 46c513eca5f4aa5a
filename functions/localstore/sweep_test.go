package localstore

import (
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/outbox"
)

// idempotencyKeys lists the keys of the records in the file, expired or not.
func idempotencyKeys(t *testing.T, s *Store) []string {
	t.Helper()
	var keys []string
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketIdempotency).ForEach(func(k, _ []byte) error {
			keys = append(keys, string(k))
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func create(t *testing.T, s *Store, key string, expires time.Time) {
	t.Helper()
	a := &membership.Application{Type: membership.TypeIndividual, Contact: "王五"}
	a.Submit(time.Now())
	var rec *membership.IdempotencyRecord
	if key != "" {
		rec = &membership.IdempotencyRecord{Key: key, RequestHash: "h", Token: "t", ExpiresAt: expires}
	}
	if err := s.CreateApplication(t.Context(), a, rec); err != nil {
		t.Fatal(err)
	}
}

// TestExpiredIdempotencyRecordsDeleted checks that expired records leave the file, on
// open and during writes, not only that lookups ignore them.
func TestExpiredIdempotencyRecordsDeleted(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	create(t, s, "expired", now.Add(-time.Minute))
	create(t, s, "day", now.Add(24*time.Hour))
	create(t, s, "week", now.Add(7*24*time.Hour))
	if got, want := idempotencyKeys(t, s), []string{"day", "expired", "week"}; !slices.Equal(got, want) {
		t.Fatalf("records before any sweep = %v, want %v", got, want)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got, want := idempotencyKeys(t, s), []string{"day", "week"}; !slices.Equal(got, want) {
		t.Errorf("records after reopening = %v, want %v (the expired one deleted)", got, want)
	}
	s.now = func() time.Time { return now.Add(25 * time.Hour) }
	create(t, s, "", time.Time{})
	if got, want := idempotencyKeys(t, s), []string{"week"}; !slices.Equal(got, want) {
		t.Errorf("records a day later = %v, want %v (the day-long one deleted by the write)", got, want)
	}
}

// TestExpiredMailDeleted checks that sent and failed mail leaves the file once
// its retention ends (outbox.SentRetention, FailedRetention), the failed
// one's entry in the secretariat's list too, and that pending mail stays.
func TestExpiredMailDeleted(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t0 := time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC)
	var ids []string // in the order of the file's keys
	for _, tag := range []string{"failed", "pending", "sent"} {
		e := outbox.New(outbox.KindReviewed, "SQ2026-000001", tag, "lisi@example.com", "李四", nil, t0)
		ids = append(ids, e.ID())
		if _, err := s.EnqueueMail(t.Context(), []outbox.Entry{e}); err != nil {
			t.Fatal(err)
		}
	}
	claim := func(e *outbox.Entry) error { return e.Claim("a", t0, time.Minute) }
	if _, err := s.ClaimMail(t.Context(), []string{ids[0], ids[2]}, claim); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateMail(t.Context(), ids[2], func(e *outbox.Entry) error { return e.Sent("a", "ok", t0) }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateMail(t.Context(), ids[0], func(e *outbox.Entry) error { return e.Failed("a", "550 no such user", true, t0) }); err != nil {
		t.Fatal(err)
	}
	left := func(at time.Time) []string {
		t.Helper()
		s.now = func() time.Time { return at }
		var ids []string
		err := s.db.Update(func(tx *bolt.Tx) error {
			if err := s.sweepMail(tx); err != nil {
				return err
			}
			return tx.Bucket(bucketOutbox).ForEach(func(k, _ []byte) error {
				ids = append(ids, string(k))
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	for _, tc := range []struct {
		at   time.Time
		want []string
	}{
		{t0.Add(outbox.SentRetention), ids},
		{t0.Add(outbox.SentRetention + time.Second), ids[:2]},
		{t0.Add(outbox.FailedRetention + time.Second), ids[1:2]},
	} {
		if got := left(tc.at); !slices.Equal(got, tc.want) {
			t.Errorf("mail left at %v: %v, want %v", tc.at, got, tc.want)
		}
	}
	if failed, err := s.Mail(t.Context(), outbox.StateFailed); err != nil || len(failed) != 0 {
		t.Errorf("failed mail listed after its retention: %+v, %v", failed, err)
	}
}
