package localstore

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/outbox"
)

// The outbox: bucketOutbox holds each entry as JSON under its ID (ref/tag, so
// that the entries of one record are neighbours); bucketOutboxQueue indexes
// the pending and failed ones as state NUL due NUL id, so that the due are
// found in order without reading the rest. Entries are written in the
// transaction of the change that causes them (addMail).
var (
	bucketOutbox      = []byte("outbox")
	bucketOutboxQueue = []byte("outbox_queue")
)

// dueKeyLayout writes a time so that keys sort by it.
const dueKeyLayout = "2006-01-02T15:04:05.000000000Z"

func queueKey(e *outbox.Entry) []byte {
	return []byte(string(e.State) + "\x00" + e.Due.UTC().Format(dueKeyLayout) + "\x00" + e.ID())
}

// storedEntry is an entry as stored: JSON with the lease and expiry, which
// the domain type leaves out of JSON.
type storedEntry struct {
	*outbox.Entry
	Data      map[string]string `json:"data,omitempty"`
	Lease     string            `json:"lease,omitempty"`
	ExpiresAt time.Time         `json:"expires_at,omitzero"`
}

func decodeEntry(b []byte) (*outbox.Entry, error) {
	st := storedEntry{Entry: &outbox.Entry{}}
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, err
	}
	st.Entry.Data, st.Entry.Lease, st.Entry.ExpiresAt = st.Data, st.Lease, st.ExpiresAt
	return st.Entry, nil
}

// putMail stores e in tx, replacing old (nil: none) in the queue's index.
func putMail(tx *bolt.Tx, e, old *outbox.Entry) error {
	bk, err := writeBucket(tx, bucketOutbox)
	if err != nil {
		return err
	}
	q, err := writeBucket(tx, bucketOutboxQueue)
	if err != nil {
		return err
	}
	if old != nil && old.State != outbox.StateSent {
		if err := q.Delete(queueKey(old)); err != nil {
			return err
		}
	}
	if e.State != outbox.StateSent {
		if err := q.Put(queueKey(e), nil); err != nil {
			return err
		}
	}
	b, err := json.Marshal(storedEntry{e, e.Data, e.Lease, e.ExpiresAt})
	if err != nil {
		return err
	}
	return bk.Put([]byte(e.ID()), b)
}

// addMail stores the entries in tx, each unless one with its ID exists (the
// same change never writes two), and returns how many it stored.
func addMail(tx *bolt.Tx, entries []outbox.Entry) (int, error) {
	added := 0
	for i := range entries {
		if bk := tx.Bucket(bucketOutbox); bk != nil && bk.Get([]byte(entries[i].ID())) != nil {
			continue
		}
		if err := putMail(tx, &entries[i], nil); err != nil {
			return added, fmt.Errorf("add mail %s: %w", entries[i].ID(), err)
		}
		added++
	}
	return added, nil
}

// EnqueueMail stores each entry whose ID is free and returns how many it
// stored: the daily notices, which a second run must not write again.
func (s *Store) EnqueueMail(ctx context.Context, entries []outbox.Entry) (int, error) {
	const op = "localstore: enqueue mail"
	var n int
	err := s.write(ctx, op, func(tx *bolt.Tx) (err error) {
		n, err = addMail(tx, entries)
		return err
	})
	if err != nil {
		return 0, wrap(err, op)
	}
	return n, nil
}

// queued returns the entries of the state in the index, by due time, those
// due by before when it is not zero, at most limit (0: all).
func queued(tx *bolt.Tx, state outbox.State, before time.Time, limit int) ([]outbox.Entry, error) {
	q, bk := tx.Bucket(bucketOutboxQueue), tx.Bucket(bucketOutbox)
	if q == nil || bk == nil {
		return nil, nil
	}
	prefix := []byte(string(state) + "\x00")
	var out []outbox.Entry
	c := q.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		parts := strings.SplitN(string(k), "\x00", 3)
		if !before.IsZero() && parts[1] > before.UTC().Format(dueKeyLayout) {
			break
		}
		e, err := decodeEntry(bk.Get([]byte(parts[2])))
		if err != nil {
			return nil, fmt.Errorf("entry %s: %w", parts[2], err)
		}
		out = append(out, *e)
		if limit > 0 && len(out) == limit {
			break
		}
	}
	return out, nil
}

// DueMail returns up to limit pending entries due at now, soonest first.
func (s *Store) DueMail(ctx context.Context, now time.Time, limit int) ([]outbox.Entry, error) {
	const op = "localstore: due mail"
	var out []outbox.Entry
	err := s.read(ctx, op, func(tx *bolt.Tx) (err error) {
		out, err = queued(tx, outbox.StatePending, now, limit)
		return err
	})
	return out, wrap(err, op)
}

// Mail returns every entry in the state (pending or failed), by due time.
// Errors: EINVALID for another state.
func (s *Store) Mail(ctx context.Context, state outbox.State) ([]outbox.Entry, error) {
	const op = "localstore: list mail"
	if state != outbox.StatePending && state != outbox.StateFailed {
		return nil, membership.Errorf(membership.EINVALID, op, "只能列出待发送或发送失败的邮件")
	}
	var out []outbox.Entry
	err := s.read(ctx, op, func(tx *bolt.Tx) (err error) {
		out, err = queued(tx, state, time.Time{}, 0)
		return err
	})
	return out, wrap(err, op)
}

// UpdateMail loads the entry with the ID, calls fn on it and stores the
// result with Version+1, in one transaction. Errors: ENOTFOUND, fn's.
func (s *Store) UpdateMail(ctx context.Context, id string, fn func(*outbox.Entry) error) (*outbox.Entry, error) {
	op := "localstore: update mail " + id
	var e *outbox.Entry
	err := s.write(ctx, op, func(tx *bolt.Tx) error {
		var b []byte
		if bk := tx.Bucket(bucketOutbox); bk != nil {
			b = bk.Get([]byte(id))
		}
		if b == nil {
			return membership.Errorf(membership.ENOTFOUND, op, "未找到邮件 %s", id)
		}
		old, err := decodeEntry(b)
		if err != nil {
			return err
		}
		v := *old
		if err := fn(&v); err != nil {
			return err
		}
		v.Ref, v.Tag, v.Version = old.Ref, old.Tag, old.Version+1
		e = &v
		return putMail(tx, e, old)
	})
	if err != nil {
		return nil, wrap(err, op)
	}
	return e, nil
}

// EraseMail deletes every entry about the record ref (an application number,
// a registration code, a certificate number), whatever its state, and
// returns how many it deleted: for the erasure of a person's data, which
// must leave no address or text of theirs in the outbox.
func (s *Store) EraseMail(ctx context.Context, ref string) (int, error) {
	op := "localstore: erase mail of " + ref
	n := 0
	err := s.write(ctx, op, func(tx *bolt.Tx) error {
		bk, q := tx.Bucket(bucketOutbox), tx.Bucket(bucketOutboxQueue)
		if bk == nil || ref == "" || strings.Contains(ref, "/") {
			return nil
		}
		prefix := []byte(ref + "/")
		var doomed []*outbox.Entry
		c := bk.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			e, err := decodeEntry(v)
			if err != nil {
				return err
			}
			doomed = append(doomed, e)
		}
		for _, e := range doomed {
			if e.State != outbox.StateSent {
				if err := q.Delete(queueKey(e)); err != nil {
					return err
				}
			}
			if err := bk.Delete([]byte(e.ID())); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, wrap(err, op)
	}
	return n, nil
}

// sweepMail deletes the sent and failed entries past their ExpiresAt
// (outbox.SentRetention, FailedRetention), in the write transaction tx.
func (s *Store) sweepMail(tx *bolt.Tx) error {
	bk := tx.Bucket(bucketOutbox)
	if bk == nil {
		return nil
	}
	now := s.now()
	var expired []*outbox.Entry
	err := bk.ForEach(func(k, v []byte) error {
		e, err := decodeEntry(v)
		if err == nil && e.State != outbox.StatePending && !e.ExpiresAt.IsZero() && now.After(e.ExpiresAt) {
			expired = append(expired, e)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, e := range expired {
		if e.State == outbox.StateFailed { // failed entries are listed for the secretariat
			if q := tx.Bucket(bucketOutboxQueue); q != nil {
				if err := q.Delete(queueKey(e)); err != nil {
					return err
				}
			}
		}
		if err := bk.Delete([]byte(e.ID())); err != nil {
			return err
		}
	}
	return nil
}

// ClaimMail calls fn (which claims the entry: outbox.Entry.Claim) on each
// entry of ids in one transaction and stores those it accepted, with
// Version+1; it returns them. An entry fn refuses, or that is gone, is left
// as it is. One write for a batch, where UpdateMail would take one each.
func (s *Store) ClaimMail(ctx context.Context, ids []string, fn func(*outbox.Entry) error) ([]outbox.Entry, error) {
	const op = "localstore: claim mail"
	var out []outbox.Entry
	err := s.write(ctx, op, func(tx *bolt.Tx) error {
		out = out[:0]
		bk := tx.Bucket(bucketOutbox)
		if bk == nil {
			return nil
		}
		for _, id := range ids {
			b := bk.Get([]byte(id))
			if b == nil {
				continue
			}
			old, err := decodeEntry(b)
			if err != nil {
				return err
			}
			v := *old
			if fn(&v) != nil {
				continue
			}
			v.Version = old.Version + 1
			if err := putMail(tx, &v, old); err != nil {
				return err
			}
			out = append(out, v)
		}
		return nil
	})
	if err != nil {
		return nil, wrap(err, op)
	}
	return out, nil
}
