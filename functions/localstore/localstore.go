// Package localstore is the embedded store `alliance serve` uses by default: one bbolt
// file under the data folder, kept across restarts. It implements the same contracts as
// the dynamo package (see storetest): the claims on credit codes are a bucket of their
// own, changed in the transaction of the record (tx.go), and a write that cannot have
// its turn by its context's deadline, or a file another process holds, is EUNAVAILABLE.
package localstore

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/outbox"
)

// FileName is the name of the store's file inside the data folder.
const FileName = "alliance.db"

var (
	bucketApplications = []byte("applications")
	bucketCounters     = []byte("counters")
	bucketIdempotency  = []byte("idempotency")
)

// Store keeps the membership data in one bbolt file. It is safe for concurrent use;
// bbolt runs one write transaction at a time, which makes every write atomic. A
// write waits for its turn only until its context ends (see write), so a stalled
// store answers EUNAVAILABLE by the request's deadline instead of holding it.
// Expired idempotency records and sent mail past its retention are deleted when the
// store opens and, at most once per SweepEvery, by a CreateApplication; until then
// lookups ignore the records.
type Store struct {
	db        *bolt.DB
	writer    chan struct{} // the turn to write: one at a time, waited for under a deadline
	now       func() time.Time
	lastSweep time.Time // only read and written inside write transactions
}

// SweepEvery is how often CreateApplication also deletes expired idempotency records.
const SweepEvery = time.Hour

// LockTimeout is how long Open waits for the file while another process (a
// second `alliance serve` on the same folder) has it open.
const LockTimeout = 2 * time.Second

// Open opens (creating if needed) the store in dir. Errors: EUNAVAILABLE when
// another process holds the file past LockTimeout.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("localstore: create %s: %w", dir, err)
	}
	path := filepath.Join(dir, FileName)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: LockTimeout})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, membership.Unavailable("localstore: open "+path,
			fmt.Errorf("another process (a second alliance serve?) has the file open: %w", err))
	}
	if err != nil {
		return nil, fmt.Errorf("localstore: open %s: %w", path, err)
	}
	s := &Store{db: db, writer: make(chan struct{}, 1), now: time.Now}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketApplications, bucketCounters, bucketIdempotency} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		if err := s.sweep(tx); err != nil {
			return err
		}
		if err := s.sweepLimits(tx); err != nil {
			return err
		}
		if err := s.sweepMail(tx); err != nil {
			return err
		}
		return s.sweepSessions(tx)
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("localstore: create buckets in %s: %w", path, err)
	}
	return s, nil
}

// OpenReadOnly opens the existing store in dir for reading only (`alliance
// build` reads the register from it). It waits at most 2 s for a process
// that has it open for writing (`alliance serve`), then fails.
func OpenReadOnly(dir string) (*Store, error) {
	path := filepath.Join(dir, FileName)
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("localstore: open %s: %w", path, err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second, ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("localstore: open %s for reading: %w", path, err)
	}
	return &Store{db: db, now: time.Now}, nil
}

// sweep deletes the expired idempotency records in the write transaction tx.
func (s *Store) sweep(tx *bolt.Tx) error {
	now := s.now()
	idem := tx.Bucket(bucketIdempotency)
	var expired [][]byte
	err := idem.ForEach(func(k, v []byte) error {
		var r membership.IdempotencyRecord
		if err := json.Unmarshal(v, &r); err != nil || r.Expired(now) {
			expired = append(expired, k) // keys are valid only during the transaction
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range expired {
		if err := idem.Delete(k); err != nil {
			return fmt.Errorf("delete expired idempotency record: %w", err)
		}
	}
	s.lastSweep = now
	return nil
}

// Close closes the file.
func (s *Store) Close() error { return s.db.Close() }

// storedApplication is an application as stored: JSON with the token hash, which the
// domain type leaves out of JSON.
type storedApplication struct {
	*membership.Application
	TokenHash string `json:"token_hash"`
}

func encodeApplication(a *membership.Application) ([]byte, error) {
	return json.Marshal(storedApplication{a, a.TokenHash})
}

func decodeApplication(b []byte) (*membership.Application, error) {
	st := storedApplication{Application: &membership.Application{}}
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, err
	}
	st.Application.TokenHash = st.TokenHash
	return st.Application, nil
}

// CreateApplication numbers and stores app, with rec when not nil and its claim on its
// credit code, in one transaction. Errors: ECONFLICT when rec.Key is taken by an
// unexpired record, or when another record holds the credit code
// (membership.CreditCodeTaken); EUNAVAILABLE.
func (s *Store) CreateApplication(ctx context.Context, app *membership.Application, rec *membership.IdempotencyRecord) error {
	const op = "localstore: create application"
	err := s.write(ctx, op, func(tx *bolt.Tx) error {
		if s.now().Sub(s.lastSweep) >= SweepEvery {
			if err := s.sweep(tx); err != nil {
				return err
			}
			if err := s.sweepMail(tx); err != nil {
				return err
			}
		}
		idem := tx.Bucket(bucketIdempotency)
		if rec != nil {
			if old := idem.Get([]byte(rec.Key)); old != nil {
				var o membership.IdempotencyRecord
				if err := json.Unmarshal(old, &o); err == nil && !o.Expired(s.now()) {
					return membership.Errorf(membership.ECONFLICT, op, "Idempotency-Key 已被使用")
				}
			}
		}
		year := membership.NumberYear(app.CreatedAt)
		number, err := nextNumber(tx, year)
		if err != nil {
			return err
		}
		if err := moveClaim(tx, op, app.CreditClaim(), "", number); err != nil {
			if membership.ErrorCode(err) == membership.ECONFLICT {
				return membership.CreditCodeTaken(op) // naming no one: the applicant may be anyone
			}
			return err
		}
		apps := tx.Bucket(bucketApplications)
		if apps.Get([]byte(number)) != nil {
			return membership.Errorf(membership.ECONFLICT, op, "申请编号 %s 已存在", number)
		}
		saved := *app
		saved.Number = number
		b, err := encodeApplication(&saved)
		if err != nil {
			return err
		}
		if err := apps.Put([]byte(number), b); err != nil {
			return err
		}
		if _, err := addMail(tx, outbox.ForApplication(&saved, 0)); err != nil {
			return err
		}
		if rec != nil {
			r := *rec
			r.Number = number
			b, err := json.Marshal(r)
			if err != nil {
				return err
			}
			if err := idem.Put([]byte(r.Key), b); err != nil {
				return err
			}
		}
		app.Number = number
		if rec != nil {
			rec.Number = number
		}
		return nil
	})
	return wrap(err, op)
}

// nextNumber takes the next application number of the year, in the write
// transaction tx.
func nextNumber(tx *bolt.Tx, year int) (string, error) {
	counters := tx.Bucket(bucketCounters)
	ck := []byte(strconv.Itoa(year))
	var seq uint64
	if b := counters.Get(ck); len(b) == 8 {
		seq = binary.BigEndian.Uint64(b)
	}
	seq++
	if err := counters.Put(ck, binary.BigEndian.AppendUint64(nil, seq)); err != nil {
		return "", err
	}
	return membership.FormatNumber(year, int(seq)), nil
}

// Idempotency returns the unexpired record for key. Errors: ENOTFOUND.
func (s *Store) Idempotency(ctx context.Context, key string) (*membership.IdempotencyRecord, error) {
	var rec *membership.IdempotencyRecord
	err := s.read(ctx, "localstore: get idempotency record", func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketIdempotency).Get([]byte(key))
		if b == nil {
			return nil
		}
		rec = &membership.IdempotencyRecord{}
		return json.Unmarshal(b, rec)
	})
	if err != nil {
		return nil, wrap(err, "localstore: get idempotency record")
	}
	if rec == nil || rec.Expired(s.now()) {
		return nil, membership.Errorf(membership.ENOTFOUND, "localstore: get idempotency record", "未找到")
	}
	return rec, nil
}

// Application returns the application with the number. Errors: ENOTFOUND.
func (s *Store) Application(ctx context.Context, number string) (*membership.Application, error) {
	var app *membership.Application
	err := s.read(ctx, "localstore: get application "+number, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketApplications).Get([]byte(number))
		if b == nil {
			return membership.Errorf(membership.ENOTFOUND, "localstore: get application", "未找到申请 %s", number)
		}
		var err error
		app, err = decodeApplication(b)
		return err
	})
	if err != nil {
		return nil, wrap(err, "localstore: get application "+number)
	}
	return app, nil
}

// UpdateApplication applies fn to the application under optimistic locking (see
// backoffice.Store). Errors: ENOTFOUND, ECONFLICT, or fn's error.
func (s *Store) UpdateApplication(ctx context.Context, number string, expectedVersion int, fn func(*membership.Application) error) (*membership.Application, error) {
	const op = "localstore: update application"
	var app *membership.Application
	err := s.write(ctx, op+" "+number, func(tx *bolt.Tx) (err error) {
		app, err = update(tx, applicationKind, op, number, expectedVersion, fn)
		return err
	})
	if err != nil {
		return nil, wrap(err, op+" "+number)
	}
	return app, nil
}
