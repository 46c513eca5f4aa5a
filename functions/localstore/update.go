package localstore

import (
	"encoding/json"

	bolt "go.etcd.io/bbolt"

	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/outbox"
)

// kind is a record type kept under optimistic locking: its bucket, its name
// in messages, how it is encoded, its key and version fields, and the credit
// code it holds a claim on (membership.CreditClaim).
type kind[T any] struct {
	bucket  []byte
	label   string // 申请, 会员
	decode  func([]byte) (*T, error)
	encode  func(*T) ([]byte, error)
	fields  func(*T) (key *string, version *int)
	claim   func(*T) string
	created bool // the bucket is created on first write rather than by Open
	// mail returns the messages a change causes, given the length of the
	// record's history before it (outbox.ForApplication); nil: none.
	mail    func(v *T, since int) []outbox.Entry
	history func(*T) int
}

var (
	applicationKind = kind[membership.Application]{
		bucket: bucketApplications, label: "申请", decode: decodeApplication, encode: encodeApplication,
		fields: func(a *membership.Application) (*string, *int) { return &a.Number, &a.Version },
		claim:  (*membership.Application).CreditClaim,
		mail:   outbox.ForApplication, history: func(a *membership.Application) int { return len(a.History) },
	}
	memberKind = kind[membership.Member]{
		bucket: bucketMembers, label: "会员", created: true,
		decode: func(b []byte) (*membership.Member, error) {
			m := &membership.Member{}
			return m, json.Unmarshal(b, m)
		},
		encode: func(m *membership.Member) ([]byte, error) { return json.Marshal(m) },
		fields: func(m *membership.Member) (*string, *int) { return &m.Certificate, &m.Version },
		claim:  (*membership.Member).CreditClaim,
	}
)

// update is the one optimistic update of the store, inside the write
// transaction tx: it loads the record under key, checks that its version is
// expected (any when 0), calls fn on it and stores it with its key kept and
// its version one higher, releasing or taking the claim on its credit code if
// fn changed what it holds, and writes the mail the change causes (kind.mail).
// Errors: ENOTFOUND, ECONFLICT, fn's error.
func update[T any](tx *bolt.Tx, k kind[T], op, key string, expected int, fn func(*T) error) (*T, error) {
	bk := tx.Bucket(k.bucket)
	if k.created {
		var err error
		if bk, err = tx.CreateBucketIfNotExists(k.bucket); err != nil {
			return nil, err
		}
	}
	b := bk.Get([]byte(key))
	if b == nil {
		return nil, membership.Errorf(membership.ENOTFOUND, op, "未找到%s %s", k.label, key)
	}
	v, err := k.decode(b)
	if err != nil {
		return nil, err
	}
	_, version := k.fields(v)
	if expected != 0 && *version != expected {
		return nil, membership.Errorf(membership.ECONFLICT, op, "%s %s 已被他人修改，请刷新后重试", k.label, key)
	}
	read, claimed := *version, k.claim(v)
	var seen int
	if k.history != nil {
		seen = k.history(v)
	}
	if err := fn(v); err != nil {
		return nil, err
	}
	keyField, version := k.fields(v)
	*keyField, *version = key, read+1
	if c := k.claim(v); c != claimed {
		if err := moveClaim(tx, op, claimed, key, ""); err != nil {
			return nil, err
		}
		if err := moveClaim(tx, op, c, "", key); err != nil {
			return nil, err
		}
	}
	if k.mail != nil {
		if _, err := addMail(tx, k.mail(v, seen)); err != nil {
			return nil, err
		}
	}
	if b, err = k.encode(v); err != nil {
		return nil, err
	}
	return v, bk.Put([]byte(key), b)
}
