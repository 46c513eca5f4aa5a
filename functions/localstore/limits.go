package localstore

import (
	"context"
	"encoding/binary"
	"time"

	bolt "go.etcd.io/bbolt"
)

var bucketLimits = []byte("limits")

// Take counts one request under key unless its count has reached limit, and
// reports whether it did, as dynamo.Limits does: the per-client counts of
// `alliance serve` (httpapi.ClientCounter). A count is kept with the end of
// its window (expires); the key names its window, so an old count is never
// carried over, and Open deletes the expired ones. Errors: EUNAVAILABLE,
// EINTERNAL.
func (s *Store) Take(ctx context.Context, key string, limit int, expires time.Time) (bool, error) {
	taken := false
	err := s.write(ctx, "localstore: take "+key, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketLimits)
		if err != nil {
			return err
		}
		hits := uint64(0)
		if v := b.Get([]byte(key)); len(v) == 16 {
			hits = binary.BigEndian.Uint64(v)
		}
		if hits >= uint64(limit) {
			return nil
		}
		v := make([]byte, 16)
		binary.BigEndian.PutUint64(v, hits+1)
		binary.BigEndian.PutUint64(v[8:], uint64(expires.Unix()))
		taken = true
		return b.Put([]byte(key), v)
	})
	return taken, err
}

// sweepLimits deletes the counts whose window has ended, in the write transaction tx.
func (s *Store) sweepLimits(tx *bolt.Tx) error {
	b := tx.Bucket(bucketLimits)
	if b == nil {
		return nil
	}
	var expired [][]byte
	now := s.now().Unix()
	if err := b.ForEach(func(k, v []byte) error {
		if len(v) != 16 || int64(binary.BigEndian.Uint64(v[8:])) <= now {
			expired = append(expired, append([]byte(nil), k...))
		}
		return nil
	}); err != nil {
		return err
	}
	for _, k := range expired {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}
