package localstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/smelisting/alliance/functions/events"
	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/outbox"
)

// The buckets of event registrations, created on first write. Every change
// of an event's places happens in one bbolt write transaction, which makes
// capacity exact: transactions run one at a time.
var (
	bucketRegistrations = []byte("registrations") // <event>/<code> → registration (JSON with its token hash)
	bucketSeats         = []byte("seats")         // <event> → events.Seats (JSON)
	bucketPhones        = []byte("phones")        // <event>/<phone> → code of the registration holding the phone
	bucketCodes         = []byte("codes")         // <code> → event
)

// storedRegistration is a registration as stored: JSON with the token hash,
// which the domain type leaves out of JSON.
type storedRegistration struct {
	*events.Registration
	TokenHash string `json:"token_hash,omitempty"`
}

func regKey(event, code string) []byte { return []byte(event + "/" + code) }

func getRegistration(tx *bolt.Tx, event, code string) (*events.Registration, error) {
	var b []byte
	if bk := tx.Bucket(bucketRegistrations); bk != nil {
		b = bk.Get(regKey(event, code))
	}
	if b == nil {
		return nil, membership.Errorf(membership.ENOTFOUND, "localstore: get registration", "未找到报名 %s", code)
	}
	st := storedRegistration{Registration: &events.Registration{}}
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, err
	}
	st.Registration.TokenHash = st.TokenHash
	return st.Registration, nil
}

func putRegistration(tx *bolt.Tx, r *events.Registration) error {
	bk, err := writeBucket(tx, bucketRegistrations)
	if err != nil {
		return err
	}
	return putJSON(bk, string(regKey(r.Event, r.Code)), storedRegistration{r, r.TokenHash})
}

func getSeats(tx *bolt.Tx, event string) (events.Seats, error) {
	s := events.Seats{Queue: []string{}}
	if bk := tx.Bucket(bucketSeats); bk != nil {
		if b := bk.Get([]byte(event)); b != nil {
			if err := json.Unmarshal(b, &s); err != nil {
				return s, err
			}
		}
	}
	return s, nil
}

func putSeats(tx *bolt.Tx, event string, s events.Seats) error {
	bk, err := writeBucket(tx, bucketSeats)
	if err != nil {
		return err
	}
	s.Version++
	return putJSON(bk, event, s)
}

// claim records the registration's code under its phone and the code's event.
func claim(tx *bolt.Tx, r *events.Registration) error {
	phones, err := writeBucket(tx, bucketPhones)
	if err != nil {
		return err
	}
	codes, err := writeBucket(tx, bucketCodes)
	if err != nil {
		return err
	}
	if err := phones.Put([]byte(r.Event+"/"+r.Phone), []byte(r.Code)); err != nil {
		return err
	}
	return codes.Put([]byte(r.Code), []byte(r.Event))
}

// phoneHolder returns the registration of the event that holds the phone
// (not cancelled), or nil.
func phoneHolder(tx *bolt.Tx, event, phone string) (*events.Registration, error) {
	bk := tx.Bucket(bucketPhones)
	if bk == nil {
		return nil, nil
	}
	code := bk.Get([]byte(event + "/" + phone))
	if code == nil {
		return nil, nil
	}
	r, err := getRegistration(tx, event, string(code))
	if err != nil || r.Status == events.StatusCancelled {
		return nil, err
	}
	return r, nil
}

// newCode returns a code no registration holds.
func newCode(tx *bolt.Tx) (string, error) {
	for range 10 {
		c, err := events.NewCode()
		if err != nil {
			return "", err
		}
		if bk := tx.Bucket(bucketCodes); bk == nil || bk.Get([]byte(c)) == nil {
			return c, nil
		}
	}
	return "", errors.New("no free registration code in 10 tries")
}

// Register decides the registration's status from the event's seats
// (events.Admit) and stores it, its claims, rec and the mail that tells the
// registrant (outbox.ForRegistration), in one transaction (see
// httpapi.RegistrationStore). Errors: EINVALID (full, no waitlist consent),
// ECONFLICT (idempotency key taken).
func (s *Store) Register(ctx context.Context, r *events.Registration, ev *events.Event, rec *membership.IdempotencyRecord) (*events.Registration, error) {
	const op = "localstore: register"
	var existing *events.Registration
	err := s.write(ctx, op+" "+r.Event, func(tx *bolt.Tx) error {
		if rec != nil {
			if old := tx.Bucket(bucketIdempotency).Get([]byte(rec.Key)); old != nil {
				var o membership.IdempotencyRecord
				if err := json.Unmarshal(old, &o); err == nil && !o.Expired(s.now()) {
					return membership.Errorf(membership.ECONFLICT, op, "Idempotency-Key 已被使用")
				}
			}
		}
		var err error
		if existing, err = phoneHolder(tx, r.Event, r.Phone); err != nil || existing != nil {
			return err
		}
		seats, err := getSeats(tx, r.Event)
		if err != nil {
			return err
		}
		saved := *r
		if saved.Status, err = events.Admit(ev.Capacity, seats, r.WaitlistAccepted); err != nil {
			return err
		}
		if saved.Code, err = newCode(tx); err != nil {
			return err
		}
		if saved.Status == events.StatusConfirmed {
			seats.Confirmed++
		} else {
			seats.Queue = append(seats.Queue, saved.Code)
		}
		for _, put := range []func() error{
			func() error { return putSeats(tx, r.Event, seats) },
			func() error { return putRegistration(tx, &saved) },
			func() error { return claim(tx, &saved) },
			func() error { _, err := addMail(tx, outbox.ForRegistration(ev, &saved)); return err },
		} {
			if err := put(); err != nil {
				return err
			}
		}
		if rec != nil {
			rc := *rec
			rc.Number = saved.Code
			if err := putJSON(tx.Bucket(bucketIdempotency), rc.Key, rc); err != nil {
				return err
			}
			rec.Number = saved.Code
		}
		*r = saved
		return nil
	})
	if err != nil {
		return nil, wrap(err, op+" "+r.Event)
	}
	return existing, nil
}

// Registration returns the registration of the event with the code. Errors: ENOTFOUND.
func (s *Store) Registration(ctx context.Context, event, code string) (*events.Registration, error) {
	var r *events.Registration
	err := s.read(ctx, "localstore: get registration "+code, func(tx *bolt.Tx) (err error) {
		r, err = getRegistration(tx, event, code)
		return err
	})
	if err != nil {
		return nil, wrap(err, "localstore: get registration "+code)
	}
	return r, nil
}

// RegistrationByCode returns the registration with the code, of whichever
// event. Errors: ENOTFOUND.
func (s *Store) RegistrationByCode(ctx context.Context, code string) (*events.Registration, error) {
	var r *events.Registration
	err := s.read(ctx, "localstore: find registration "+code, func(tx *bolt.Tx) (err error) {
		var event []byte
		if bk := tx.Bucket(bucketCodes); bk != nil {
			event = bk.Get([]byte(code))
		}
		if event == nil {
			return membership.Errorf(membership.ENOTFOUND, "localstore: find registration", "未找到报名编号 %s", code)
		}
		r, err = getRegistration(tx, string(event), code)
		return err
	})
	if err != nil {
		return nil, wrap(err, "localstore: find registration "+code)
	}
	return r, nil
}

// RegistrationByPhone returns the registration of the event that holds the
// phone and is not cancelled. Errors: ENOTFOUND.
func (s *Store) RegistrationByPhone(ctx context.Context, event, phone string) (*events.Registration, error) {
	var r *events.Registration
	err := s.read(ctx, "localstore: find registration by phone", func(tx *bolt.Tx) (err error) {
		r, err = phoneHolder(tx, event, phone)
		if err == nil && r == nil {
			err = membership.Errorf(membership.ENOTFOUND, "localstore: find registration", "本活动没有手机号码为 %s 的报名", phone)
		}
		return err
	})
	if err != nil {
		return nil, wrap(err, "localstore: find registration by phone")
	}
	return r, nil
}

// Registrations lists the registrations of the event.
func (s *Store) Registrations(ctx context.Context, event string) ([]events.Registration, error) {
	regs := []events.Registration{}
	err := s.read(ctx, "localstore: list registrations "+event, func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketRegistrations)
		if bk == nil {
			return nil
		}
		prefix := []byte(event + "/")
		c := bk.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			st := storedRegistration{Registration: &events.Registration{}}
			if err := json.Unmarshal(v, &st); err != nil {
				return err
			}
			st.Registration.TokenHash = st.TokenHash
			regs = append(regs, *st.Registration)
		}
		return nil
	})
	if err != nil {
		return nil, wrap(err, "localstore: list registrations "+event)
	}
	return regs, nil
}

// Seats returns the event's seats (none taken when nobody registered yet).
func (s *Store) Seats(ctx context.Context, event string) (events.Seats, error) {
	var seats events.Seats
	err := s.read(ctx, "localstore: get seats "+event, func(tx *bolt.Tx) (err error) {
		seats, err = getSeats(tx, event)
		return err
	})
	return seats, wrap(err, "localstore: get seats "+event)
}

// Cancel cancels the registration with fn, frees its phone and its seat and
// promotes the first waiting into freed places, with the mail that tells
// each of them (outbox.ForPromotion), in one transaction.
// Errors: ENOTFOUND, fn's error.
func (s *Store) Cancel(ctx context.Context, event, code string, ev *events.Event, fn func(*events.Registration) error) (*events.Registration, error) {
	const op = "localstore: cancel registration"
	var r *events.Registration
	err := s.write(ctx, op+" "+code, func(tx *bolt.Tx) (err error) {
		if r, err = getRegistration(tx, event, code); err != nil {
			return err
		}
		was := r.Status
		if err := fn(r); err != nil {
			return err
		}
		if r.Status != events.StatusCancelled {
			return membership.Internal(op, errors.New("fn did not cancel the registration"))
		}
		r.Version++
		seats, err := getSeats(tx, event)
		if err != nil {
			return err
		}
		switch {
		case was == events.StatusConfirmed && !r.WalkIn:
			seats.Confirmed--
		case was == events.StatusWaitlisted:
			if i := seats.Position(code); i > 0 {
				seats.Queue = append(seats.Queue[:i-1:i-1], seats.Queue[i:]...)
			}
		}
		now := s.now()
		if _, err := promote(tx, ev, &seats, func(p *events.Registration) error { return p.Promote(now) }); err != nil {
			return err
		}
		if err := putSeats(tx, event, seats); err != nil {
			return err
		}
		if err := tx.Bucket(bucketPhones).Delete([]byte(event + "/" + r.Phone)); err != nil {
			return err
		}
		return putRegistration(tx, r)
	})
	if err != nil {
		return nil, wrap(err, op+" "+code)
	}
	return r, nil
}

// Promote gives the free places of ev to the first waiting, as many as
// events.Promotions says, each promoted by fn, with the mail that tells each
// (outbox.ForPromotion), in one transaction, and returns those promoted (none
// when no place is free or nobody waits). Errors: fn's error (nothing is
// written).
func (s *Store) Promote(ctx context.Context, ev *events.Event, fn func(*events.Registration) error) ([]events.Registration, error) {
	op := "localstore: promote " + ev.Slug
	var promoted []events.Registration
	err := s.write(ctx, op, func(tx *bolt.Tx) error {
		seats, err := getSeats(tx, ev.Slug)
		if err != nil {
			return err
		}
		if promoted, err = promote(tx, ev, &seats, fn); err != nil || len(promoted) == 0 {
			return err
		}
		return putSeats(tx, ev.Slug, seats)
	})
	if err != nil {
		return nil, wrap(err, op)
	}
	return promoted, nil
}

// promote gives the free places of seats to the first waiting of ev, as many
// as events.Promotions says, each promoted by fn and stored with Version+1
// with the mail that tells it, and returns them; seats is changed to match.
func promote(tx *bolt.Tx, ev *events.Event, seats *events.Seats, fn func(*events.Registration) error) ([]events.Registration, error) {
	n := events.Promotions(ev.Capacity, *seats)
	var promoted []events.Registration
	for _, code := range seats.Queue[:n] {
		p, err := getRegistration(tx, ev.Slug, code)
		if err != nil {
			return nil, err
		}
		if err := fn(p); err != nil {
			return nil, err
		}
		if p.Status != events.StatusConfirmed || p.PromotedAt == nil {
			return nil, membership.Internal("localstore: promote", errors.New("fn did not promote the registration"))
		}
		p.Version++
		if err := putRegistration(tx, p); err != nil {
			return nil, err
		}
		if _, err := addMail(tx, outbox.ForPromotion(ev, p, *p.PromotedAt)); err != nil {
			return nil, err
		}
		promoted = append(promoted, *p)
	}
	seats.Queue = seats.Queue[n:]
	seats.Confirmed += n
	return promoted, nil
}

// currentAttendance returns the member's attendance of the event that is not
// voided, and its key, or nil.
func currentAttendance(tx *bolt.Tx, member, event string) ([]byte, *membership.Attendance, error) {
	bk := tx.Bucket(bucketAttendance)
	if bk == nil {
		return nil, nil, nil
	}
	prefix := []byte(member + "/")
	c := bk.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var a membership.Attendance
		if err := json.Unmarshal(v, &a); err != nil {
			return nil, nil, err
		}
		if a.Event == event && a.Voided == nil {
			return bytes.Clone(k), &a, nil
		}
	}
	return nil, nil, nil
}

// updateRegistration loads the registration, checks its version (any when
// expected is 0), calls fn and stores the result with Version+1.
func updateRegistration(tx *bolt.Tx, op, event, code string, expected int, fn func(*events.Registration) error) (*events.Registration, error) {
	r, err := getRegistration(tx, event, code)
	if err != nil {
		return nil, err
	}
	if expected != 0 && r.Version != expected {
		return nil, membership.Errorf(membership.ECONFLICT, op, "报名 %s 已被他人修改，请刷新后重试", code)
	}
	if err := fn(r); err != nil {
		return nil, err
	}
	r.Version++
	return r, putRegistration(tx, r)
}

// CheckIn checks the registration in with fn and records the attendance fn
// returns, unless the member's attendance of the event is already on file,
// in one transaction (see backoffice.EventStore). Errors: ENOTFOUND,
// ECONFLICT (version), fn's error.
func (s *Store) CheckIn(ctx context.Context, event, code string, expected int, fn func(*events.Registration) (*membership.Attendance, error)) (*events.Registration, bool, error) {
	const op = "localstore: check in"
	var recorded bool
	var r *events.Registration
	err := s.write(ctx, op+" "+code, func(tx *bolt.Tx) (err error) {
		var att *membership.Attendance
		r, err = updateRegistration(tx, op, event, code, expected, func(r *events.Registration) (err error) {
			att, err = fn(r)
			return err
		})
		if err != nil || att == nil {
			return err
		}
		if _, cur, err := currentAttendance(tx, att.Member, att.Event); err != nil || cur != nil {
			return err
		}
		recorded = true
		return addAttendance(tx, op, att)
	})
	if err != nil {
		return nil, false, wrap(err, op+" "+code)
	}
	return r, recorded, nil
}

// VoidCheckIn voids the check-in with fn and, with the same void, the
// attendance that check-in recorded, in one transaction.
// Errors: ENOTFOUND, ECONFLICT (version), fn's error.
func (s *Store) VoidCheckIn(ctx context.Context, event, code string, expected int, fn func(*events.Registration) (*membership.Void, error)) (*events.Registration, bool, error) {
	const op = "localstore: void check-in"
	var voided bool
	var r *events.Registration
	err := s.write(ctx, op+" "+code, func(tx *bolt.Tx) (err error) {
		var v *membership.Void
		r, err = updateRegistration(tx, op, event, code, expected, func(r *events.Registration) (err error) {
			v, err = fn(r)
			return err
		})
		if err != nil || r.Member == "" {
			return err
		}
		key, cur, err := currentAttendance(tx, r.Member, event)
		if err != nil || cur == nil || cur.Registration != code {
			return err
		}
		cur.Voided, voided = v, true
		bk := tx.Bucket(bucketAttendance)
		if err := bk.Delete(key); err != nil {
			return err
		}
		return putJSON(bk, string(key)+"/void/"+v.At.Format(time.RFC3339Nano), cur)
	})
	if err != nil {
		return nil, false, wrap(err, op+" "+code)
	}
	return r, voided, nil
}

// WalkIn stores a walk-in registration (checked in, outside the capacity)
// with a fresh code, its claims and the attendance it records (its
// Registration set to the code) unless already on file, in one transaction.
// Errors: ECONFLICT when the phone holds a registration of the event.
func (s *Store) WalkIn(ctx context.Context, r *events.Registration, att *membership.Attendance) (bool, error) {
	const op = "localstore: walk in"
	var recorded bool
	err := s.write(ctx, op, func(tx *bolt.Tx) error {
		if old, err := phoneHolder(tx, r.Event, r.Phone); err != nil || old != nil {
			if err == nil {
				err = membership.Errorf(membership.ECONFLICT, op, "手机号码 %s 已有本活动的报名 %s，请按报名编号签到", r.Phone, old.Code)
			}
			return err
		}
		code, err := newCode(tx)
		if err != nil {
			return err
		}
		saved := *r
		saved.Code = code
		if err := putRegistration(tx, &saved); err != nil {
			return err
		}
		if err := claim(tx, &saved); err != nil {
			return err
		}
		*r = saved
		if att == nil {
			return nil
		}
		if _, cur, err := currentAttendance(tx, att.Member, att.Event); err != nil || cur != nil {
			return err
		}
		att.Registration, recorded = code, true
		return addAttendance(tx, op, att)
	})
	if err != nil {
		return false, wrap(err, op)
	}
	return recorded, nil
}

// MemberStatus returns the status and name of the member with the
// certificate number, "" when there is none.
func (s *Store) MemberStatus(ctx context.Context, certificate string) (membership.MemberStatus, string, error) {
	m, err := s.Member(ctx, certificate)
	if membership.ErrorCode(err) == membership.ENOTFOUND {
		return "", "", nil
	}
	if err != nil {
		return "", "", err
	}
	return m.Status, m.Profile.Name, nil
}

// EraseRegistration erases the registration with fn and stores it, deleting
// its phone's claim on the event when that claim still names it, in one
// transaction. Errors: ENOTFOUND, fn's error.
func (s *Store) EraseRegistration(ctx context.Context, event, code string, fn func(*events.Registration) error) (*events.Registration, error) {
	const op = "localstore: erase registration"
	var r *events.Registration
	err := s.write(ctx, op+" "+code, func(tx *bolt.Tx) (err error) {
		if r, err = getRegistration(tx, event, code); err != nil {
			return err
		}
		phone := r.Phone
		if err := fn(r); err != nil {
			return err
		}
		r.Version++
		if bk := tx.Bucket(bucketPhones); bk != nil && phone != "" && string(bk.Get([]byte(event+"/"+phone))) == code {
			if err := bk.Delete([]byte(event + "/" + phone)); err != nil {
				return err
			}
		}
		return putRegistration(tx, r)
	})
	if err != nil {
		return nil, wrap(err, op+" "+code)
	}
	return r, nil
}
