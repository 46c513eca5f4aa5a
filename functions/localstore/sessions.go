package localstore

import (
	"bytes"
	"context"
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/smelisting/alliance/functions/membership"
)

// bucketSessions holds the console's sign-ins ("signin/<state hash>") and
// sessions ("session/<id>"), as JSON; created on first write.
var bucketSessions = []byte("sessions")

func signInKey(state string) []byte { return []byte("signin/" + state) }
func sessionKey(id string) []byte   { return []byte("session/" + id) }

// PutSignIn stores a sign-in under its state (see httpapi.SessionStore).
func (s *Store) PutSignIn(ctx context.Context, in *membership.SignIn) error {
	return s.put(ctx, "localstore: put sign-in", signInKey(in.State), in)
}

// TakeSignIn returns the sign-in stored under the state and deletes it, so
// that it is used once. Errors: ENOTFOUND.
func (s *Store) TakeSignIn(ctx context.Context, state string) (*membership.SignIn, error) {
	const op = "localstore: take sign-in"
	var in *membership.SignIn
	err := s.write(ctx, op, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSessions)
		if b == nil {
			return membership.Errorf(membership.ENOTFOUND, op, "登录请求不存在或已使用")
		}
		v := b.Get(signInKey(state))
		if v == nil {
			return membership.Errorf(membership.ENOTFOUND, op, "登录请求不存在或已使用")
		}
		in = &membership.SignIn{}
		if err := json.Unmarshal(v, in); err != nil {
			return err
		}
		in.State = state
		return b.Delete(signInKey(state))
	})
	if err != nil {
		return nil, err
	}
	return in, nil
}

// CreateSession stores a new session.
func (s *Store) CreateSession(ctx context.Context, ss *membership.Session) error {
	return s.put(ctx, "localstore: create session", sessionKey(ss.ID), ss)
}

// Session returns the session with the id. Errors: ENOTFOUND.
func (s *Store) Session(ctx context.Context, id string) (*membership.Session, error) {
	const op = "localstore: get session"
	var ss *membership.Session
	err := s.read(ctx, op, func(tx *bolt.Tx) error {
		var v []byte
		if b := tx.Bucket(bucketSessions); b != nil {
			v = b.Get(sessionKey(id))
		}
		if v == nil {
			return membership.Errorf(membership.ENOTFOUND, op, "登录已失效")
		}
		ss = &membership.Session{}
		return json.Unmarshal(v, ss)
	})
	if err != nil {
		return nil, err
	}
	ss.ID = id
	return ss, nil
}

// TouchSession stores the session's SeenAt, if the session still exists.
// Errors: ENOTFOUND.
func (s *Store) TouchSession(ctx context.Context, ss *membership.Session) error {
	id, seen := ss.ID, ss.SeenAt
	const op = "localstore: touch session"
	return s.write(ctx, op, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSessions)
		var v []byte
		if b != nil {
			v = b.Get(sessionKey(id))
		}
		if v == nil {
			return membership.Errorf(membership.ENOTFOUND, op, "登录已失效")
		}
		var ss membership.Session
		if err := json.Unmarshal(v, &ss); err != nil {
			return err
		}
		ss.SeenAt = seen.UTC()
		v, err := json.Marshal(&ss)
		if err != nil {
			return err
		}
		return b.Put(sessionKey(id), v)
	})
}

// DeleteSession deletes the session; deleting one that is gone is no error.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	return s.write(ctx, "localstore: delete session", func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketSessions); b != nil {
			return b.Delete(sessionKey(id))
		}
		return nil
	})
}

// put stores v as JSON under key in the sessions bucket, in a write of the
// operation op. Errors: EUNAVAILABLE, EINTERNAL.
func (s *Store) put(ctx context.Context, op string, key []byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return membership.Internal(op, err)
	}
	return s.write(ctx, op, func(tx *bolt.Tx) error {
		bk, err := tx.CreateBucketIfNotExists(bucketSessions)
		if err != nil {
			return err
		}
		return bk.Put(key, b)
	})
}

// sweepSessions deletes the ended sessions and sign-ins in the write
// transaction tx.
func (s *Store) sweepSessions(tx *bolt.Tx) error {
	b := tx.Bucket(bucketSessions)
	if b == nil {
		return nil
	}
	now := s.now()
	var gone [][]byte
	err := b.ForEach(func(k, v []byte) error {
		if ended(k, v, now) {
			gone = append(gone, k) // keys are valid only during the transaction
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range gone {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// ended reports whether the sign-in or session stored as k, v has ended at
// now (or cannot be read).
func ended(k, v []byte, now time.Time) bool {
	if bytes.HasPrefix(k, []byte("signin/")) {
		var in membership.SignIn
		return json.Unmarshal(v, &in) != nil || in.Expired(now)
	}
	var ss membership.Session
	return json.Unmarshal(v, &ss) != nil || ss.Expired(now)
}
