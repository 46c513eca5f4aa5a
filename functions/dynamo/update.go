package dynamo

import (
	"context"
	"slices"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/outbox"
)

// kind is a record type kept under optimistic locking: its name in messages,
// how it is read, its table and item, its key and version fields, and the
// credit code it holds a claim on (membership.CreditClaim).
type kind[T any] struct {
	label  string // 申请, 会员
	get    func(s *Store, ctx context.Context, key string) (*T, error)
	item   func(s *Store, v *T) (table string, item map[string]types.AttributeValue, err error)
	fields func(*T) (key *string, version *int)
	claim  func(*T) string
	// mail returns the messages a change causes, given the length of the
	// record's history before it (outbox.ForApplication); nil: none.
	mail    func(v *T, since int) []outbox.Entry
	history func(*T) int
}

var (
	applicationKind = kind[membership.Application]{
		label: "申请", get: (*Store).Application,
		item: func(s *Store, a *membership.Application) (string, map[string]types.AttributeValue, error) {
			item, err := attributevalue.MarshalMap(a)
			return s.tables.Applications, item, err
		},
		fields: func(a *membership.Application) (*string, *int) { return &a.Number, &a.Version },
		claim:  (*membership.Application).CreditClaim,
		mail:   outbox.ForApplication, history: func(a *membership.Application) int { return len(a.History) },
	}
	memberKind = kind[membership.Member]{
		label: "会员", get: (*Store).Member,
		item: func(s *Store, m *membership.Member) (string, map[string]types.AttributeValue, error) {
			item, err := marshalItem(m, partMembers, m.Certificate)
			return s.tables.Members, item, err
		},
		fields: func(m *membership.Member) (*string, *int) { return &m.Certificate, &m.Version },
		claim:  (*membership.Member).CreditClaim,
	}
)

// prepare reads the record under key, checks that its version is expected
// (any when 0) and calls fn on it, then sets its key and its next version. It
// returns the record to write, the version it was read at, which the write
// must find unchanged, and the mail the change causes (kind.mail), which the
// write must add. Errors: ENOTFOUND, ECONFLICT, fn's error, EUNAVAILABLE, EINTERNAL.
func prepare[T any](ctx context.Context, s *Store, k kind[T], op, key string, expected int, fn func(*T) error) (*T, int, func() []outbox.Entry, error) {
	v, err := k.get(s, ctx, key)
	if err != nil {
		return nil, 0, nil, err
	}
	_, version := k.fields(v)
	if expected != 0 && *version != expected {
		return nil, 0, nil, conflict(k, op, key)
	}
	read, seen := *version, 0
	if k.history != nil {
		seen = k.history(v)
	}
	if err := fn(v); err != nil {
		return nil, 0, nil, err
	}
	keyField, version := k.fields(v)
	*keyField, *version = key, read+1
	mail := func() []outbox.Entry {
		if k.mail == nil {
			return nil
		}
		return k.mail(v, seen)
	}
	return v, read, mail, nil
}

// update is the one optimistic update of the store: prepare, then a put on
// condition that the stored version is still the one read, in one transaction
// with the release or taking of the claim on a credit code when fn changed
// what the record holds (a rejection, a withdrawal, an exit) and with the
// mail the change causes.
// Errors: ENOTFOUND, ECONFLICT, fn's error, EUNAVAILABLE, EINTERNAL.
func update[T any](ctx context.Context, s *Store, k kind[T], op, key string, expected int, fn func(*T) error) (*T, error) {
	var claimed string
	v, read, mail, err := prepare(ctx, s, k, op, key, expected, func(v *T) error {
		claimed = k.claim(v)
		return fn(v)
	})
	if err != nil {
		return nil, err
	}
	table, item, err := k.item(s, v)
	if err != nil {
		return nil, fail(op, err)
	}
	put, err := conditionalPut(table, item, versionIs(read))
	if err != nil {
		return nil, fail(op, err)
	}
	claims, err := s.claimChange(ctx, key, claimed, k.claim(v))
	if err != nil {
		return nil, fail(op, err)
	}
	mails, err := s.mailPuts(mail())
	if err != nil {
		return nil, fail(op, err)
	}
	err = s.transact(ctx, slices.Concat([]types.TransactWriteItem{{Put: put}}, claims, mails))
	switch reasons := cancellationReasons(err); {
	case err == nil:
		return v, nil
	case failedCondition(err, 0), isTransactionConflict(err):
		return nil, conflict(k, op, key)
	case slices.Contains(reasons, "ConditionalCheckFailed"): // the claim changed meanwhile, or is held
		if c := k.claim(v); c != "" {
			return nil, s.heldError(ctx, op, c)
		}
		return nil, conflict(k, op, key)
	}
	return nil, fail(op, err)
}

// conflict is the error of a record that changed since it was read.
func conflict[T any](k kind[T], op, key string) error {
	return membership.Errorf(membership.ECONFLICT, op, "%s %s 已被他人修改，请刷新后重试", k.label, key)
}
