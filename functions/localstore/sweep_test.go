package localstore

import (
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/smelisting/alliance/functions/membership"
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
