package localstore

import (
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// HoldWrites takes the store's turn to write, as a write transaction that
// does not end would (a stalled disk, a long transaction), until release is
// called: the tests stall the store with it.
func (s *Store) HoldWrites() (release func()) {
	s.writer <- struct{}{}
	return func() { <-s.writer }
}

// Dump returns every key and value of every bucket (nested ones included),
// one per line: what the erasure tests search for a person's data.
func (s *Store) Dump() (string, error) {
	var b strings.Builder
	err := s.db.View(func(tx *bolt.Tx) error {
		var walk func(prefix string, bk *bolt.Bucket) error
		walk = func(prefix string, bk *bolt.Bucket) error {
			return bk.ForEach(func(k, v []byte) error {
				if v == nil {
					return walk(prefix+string(k)+"/", bk.Bucket(k))
				}
				fmt.Fprintf(&b, "%s%s = %s\n", prefix, k, v)
				return nil
			})
		}
		return tx.ForEach(func(name []byte, bk *bolt.Bucket) error { return walk(string(name)+"/", bk) })
	})
	return b.String(), err
}
