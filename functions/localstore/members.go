package localstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/smelisting/alliance/functions/membership"
)

// The back office's buckets, created on first write.
var (
	bucketMembers     = []byte("members")      // certificate number → member (JSON)
	bucketCertCounter = []byte("certificates") // year → last certificate sequence (uint64)
	bucketAttendance  = []byte("attendance")   // certificate/date/event → attendance (JSON)
)

// readBucket returns the bucket, or nil when nothing was written to it yet.
func readBucket(tx *bolt.Tx, name []byte) *bolt.Bucket { return tx.Bucket(name) }

func writeBucket(tx *bolt.Tx, name []byte) (*bolt.Bucket, error) {
	return tx.CreateBucketIfNotExists(name)
}

// Applications returns the page of the applications q asks for (see
// backoffice.Store). Errors: EINVALID for a bad cursor.
func (s *Store) Applications(ctx context.Context, q membership.ApplicationQuery) (*membership.ApplicationPage, error) {
	var apps []membership.ApplicationSummary
	err := s.eachApplication(ctx, "localstore: list applications", func(a *membership.Application) {
		if sum := a.Summary(); q.Matches(&sum) {
			apps = append(apps, sum)
		}
	})
	if err != nil {
		return nil, err
	}
	return q.PageOf(apps)
}

// ApplicationCounts returns how many applications there are of each status.
func (s *Store) ApplicationCounts(ctx context.Context) (map[membership.Status]int, error) {
	counts := map[membership.Status]int{}
	err := s.eachApplication(ctx, "localstore: count applications", func(a *membership.Application) { counts[a.Status]++ })
	if err != nil {
		return nil, err
	}
	return counts, nil
}

// eachApplication calls fn with every stored application, in one read
// transaction of the operation op. Errors: EUNAVAILABLE, EINTERNAL.
func (s *Store) eachApplication(ctx context.Context, op string, fn func(*membership.Application)) error {
	return s.read(ctx, op, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketApplications).ForEach(func(k, v []byte) error {
			a, err := decodeApplication(v)
			if err != nil {
				return err
			}
			fn(a)
			return nil
		})
	})
}

// IssueCertificate certifies the application and creates its member in one
// transaction (see backoffice.Store). Errors: ENOTFOUND, ECONFLICT, fn's error.
func (s *Store) IssueCertificate(ctx context.Context, number string, expectedVersion int, fn func(*membership.Application) (*membership.Member, error)) (*membership.Application, *membership.Member, error) {
	const op = "localstore: issue certificate"
	var app *membership.Application
	var m *membership.Member
	err := s.write(ctx, op+" "+number, func(tx *bolt.Tx) (err error) {
		app, err = update(tx, applicationKind, op, number, expectedVersion, func(a *membership.Application) error {
			if m, err = fn(a); err != nil {
				return err
			}
			return s.issue(tx, op, a, m)
		})
		return err
	})
	if err != nil {
		return nil, nil, wrap(err, op+" "+number)
	}
	return app, m, nil
}

// issue gives the member the next certificate number of the year, stores it,
// moves the claim on the credit code from the application to it and notes the
// number on the application, in the transaction tx.
func (s *Store) issue(tx *bolt.Tx, op string, a *membership.Application, m *membership.Member) error {
	counters, err := writeBucket(tx, bucketCertCounter)
	if err != nil {
		return err
	}
	members, err := writeBucket(tx, bucketMembers)
	if err != nil {
		return err
	}
	year := membership.NumberYear(s.now())
	ck := []byte(strconv.Itoa(year))
	var seq uint64
	if b := counters.Get(ck); len(b) == 8 {
		seq = binary.BigEndian.Uint64(b)
	}
	seq++
	m.Certificate = membership.FormatCertificate(year, int(seq))
	if members.Get([]byte(m.Certificate)) != nil {
		return membership.Errorf(membership.ECONFLICT, op, "证书编号 %s 已存在", m.Certificate)
	}
	m.Version = 1
	a.CertificateNumber = m.Certificate
	if err := counters.Put(ck, binary.BigEndian.AppendUint64(nil, seq)); err != nil {
		return err
	}
	if err := moveClaim(tx, op, m.CreditClaim(), a.Number, m.Certificate); err != nil {
		return err
	}
	return putJSON(members, m.Certificate, m)
}

// Member returns the member with the certificate number. Errors: ENOTFOUND.
func (s *Store) Member(ctx context.Context, certificate string) (*membership.Member, error) {
	var m *membership.Member
	err := s.read(ctx, "localstore: get member "+certificate, func(tx *bolt.Tx) error {
		var b []byte
		if bk := readBucket(tx, bucketMembers); bk != nil {
			b = bk.Get([]byte(certificate))
		}
		if b == nil {
			return membership.Errorf(membership.ENOTFOUND, "localstore: get member", "未找到会员 %s", certificate)
		}
		m = &membership.Member{}
		return json.Unmarshal(b, m)
	})
	if err != nil {
		return nil, wrap(err, "localstore: get member "+certificate)
	}
	return m, nil
}

// Members lists every member by certificate number.
func (s *Store) Members(ctx context.Context) ([]membership.Member, error) {
	ms := []membership.Member{}
	err := s.read(ctx, "localstore: list members", func(tx *bolt.Tx) error {
		bk := readBucket(tx, bucketMembers)
		if bk == nil {
			return nil
		}
		return bk.ForEach(func(k, v []byte) error {
			var m membership.Member
			if err := json.Unmarshal(v, &m); err != nil {
				return err
			}
			ms = append(ms, m)
			return nil
		})
	})
	if err != nil {
		return nil, wrap(err, "localstore: list members")
	}
	return ms, nil
}

// UpdateMember applies fn to the member under optimistic locking.
// Errors: ENOTFOUND, ECONFLICT, fn's error.
func (s *Store) UpdateMember(ctx context.Context, certificate string, expectedVersion int, fn func(*membership.Member) error) (*membership.Member, error) {
	const op = "localstore: update member"
	var m *membership.Member
	err := s.write(ctx, op+" "+certificate, func(tx *bolt.Tx) (err error) {
		m, err = update(tx, memberKind, op, certificate, expectedVersion, fn)
		return err
	})
	if err != nil {
		return nil, wrap(err, op+" "+certificate)
	}
	return m, nil
}

// AddAttendance records a member's attendance of an event.
// Errors: ENOTFOUND (no such member), ECONFLICT (already recorded).
func (s *Store) AddAttendance(ctx context.Context, a *membership.Attendance) error {
	const op = "localstore: add attendance"
	err := s.write(ctx, op, func(tx *bolt.Tx) error { return addAttendance(tx, op, a) })
	return wrap(err, op)
}

// addAttendance is AddAttendance in the write transaction tx.
func addAttendance(tx *bolt.Tx, op string, a *membership.Attendance) error {
	if mb := readBucket(tx, bucketMembers); mb == nil || mb.Get([]byte(a.Member)) == nil {
		return membership.Errorf(membership.ENOTFOUND, op, "未找到会员 %s", a.Member)
	}
	bk, err := writeBucket(tx, bucketAttendance)
	if err != nil {
		return err
	}
	prefix := a.Member + "/"
	c := bk.Cursor()
	for k, v := c.Seek([]byte(prefix)); k != nil && bytes.HasPrefix(k, []byte(prefix)); k, v = c.Next() {
		var old membership.Attendance
		if err := json.Unmarshal(v, &old); err != nil {
			return err
		}
		if old.Event == a.Event && old.Voided == nil {
			return membership.Errorf(membership.ECONFLICT, op, "会员 %s 出席活动 %s 已登记", a.Member, a.Event)
		}
	}
	return putJSON(bk, prefix+a.Date+"/"+a.Event, a)
}

// VoidAttendance voids the member's current record of the event and keeps it
// under its key plus "/void/<time>" (see backoffice.Store).
// Errors: ENOTFOUND, fn's error.
func (s *Store) VoidAttendance(ctx context.Context, member, event string, fn func(*membership.Attendance) error) (*membership.Attendance, error) {
	const op = "localstore: void attendance"
	var a *membership.Attendance
	err := s.write(ctx, op+" "+member+" "+event, func(tx *bolt.Tx) error {
		bk := readBucket(tx, bucketAttendance)
		var key []byte
		if bk != nil {
			prefix := []byte(member + "/")
			c := bk.Cursor()
			for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
				var cur membership.Attendance
				if err := json.Unmarshal(v, &cur); err != nil {
					return err
				}
				if cur.Event == event && cur.Voided == nil {
					key, a = bytes.Clone(k), &cur
					break
				}
			}
		}
		if a == nil {
			return membership.Errorf(membership.ENOTFOUND, op, "未找到会员 %s 出席活动 %s 的记录", member, event)
		}
		if err := fn(a); err != nil {
			return err
		}
		if a.Voided == nil {
			return membership.Internal(op, errors.New("fn did not void the record"))
		}
		if err := bk.Delete(key); err != nil {
			return err
		}
		return putJSON(bk, string(key)+"/void/"+a.Voided.At.Format(time.RFC3339Nano), a)
	})
	if err != nil {
		return nil, wrap(err, op+" "+member+" "+event)
	}
	return a, nil
}

// Attendance returns every attendance record, voided ones included, by
// certificate number.
func (s *Store) Attendance(ctx context.Context) (map[string][]membership.Attendance, error) {
	all := map[string][]membership.Attendance{}
	err := s.read(ctx, "localstore: list attendance", func(tx *bolt.Tx) error {
		bk := readBucket(tx, bucketAttendance)
		if bk == nil {
			return nil
		}
		return bk.ForEach(func(k, v []byte) error {
			var a membership.Attendance
			if err := json.Unmarshal(v, &a); err != nil {
				return err
			}
			all[a.Member] = append(all[a.Member], a)
			return nil
		})
	})
	if err != nil {
		return nil, wrap(err, "localstore: list attendance")
	}
	return all, nil
}

func putJSON(bk *bolt.Bucket, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return bk.Put([]byte(key), b)
}

// ApplicationsByCreditCode lists the applications with the credit code, oldest first.
func (s *Store) ApplicationsByCreditCode(ctx context.Context, code string) ([]membership.Application, error) {
	apps := []membership.Application{}
	if code == "" {
		return apps, nil
	}
	err := s.read(ctx, "localstore: applications by credit code", func(tx *bolt.Tx) error {
		return tx.Bucket(bucketApplications).ForEach(func(k, v []byte) error {
			a, err := decodeApplication(v)
			if err == nil && a.CreditCode == code {
				apps = append(apps, *a)
			}
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(apps, func(a, b membership.Application) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return apps, nil
}

// MembersByCreditCode lists the members with the credit code, by certificate number.
func (s *Store) MembersByCreditCode(ctx context.Context, code string) ([]membership.Member, error) {
	if code == "" {
		return []membership.Member{}, nil
	}
	ms, err := s.Members(ctx)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(ms, func(m membership.Member) bool { return m.CreditCode != code }), nil
}

// CertificateHolder returns the member with the certificate number with only
// the fields a verification reads (membership.VerificationFields), as the
// DynamoDB store does. Errors: ENOTFOUND, EUNAVAILABLE.
func (s *Store) CertificateHolder(ctx context.Context, certificate string) (*membership.Member, error) {
	m, err := s.Member(ctx, certificate)
	if err != nil {
		return nil, err
	}
	return &membership.Member{Certificate: m.Certificate, Type: m.Type, Status: m.Status, JoinedOn: m.JoinedOn, LeftOn: m.LeftOn,
		Profile: membership.Profile{Name: m.Profile.Name}}, nil
}
