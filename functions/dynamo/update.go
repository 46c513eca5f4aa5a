package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/smelisting/alliance/functions/membership"
)

// kind is a record type kept under optimistic locking: its name in messages,
// how it is read, its table and item, and its key and version fields.
type kind[T any] struct {
	label  string // 申请, 会员
	get    func(s *Store, ctx context.Context, key string) (*T, error)
	item   func(s *Store, v *T) (table string, item map[string]types.AttributeValue, err error)
	fields func(*T) (key *string, version *int)
}

var (
	applicationKind = kind[membership.Application]{
		label: "申请", get: (*Store).Application,
		item: func(s *Store, a *membership.Application) (string, map[string]types.AttributeValue, error) {
			item, err := attributevalue.MarshalMap(a)
			return s.tables.Applications, item, err
		},
		fields: func(a *membership.Application) (*string, *int) { return &a.Number, &a.Version },
	}
	memberKind = kind[membership.Member]{
		label: "会员", get: (*Store).Member,
		item: func(s *Store, m *membership.Member) (string, map[string]types.AttributeValue, error) {
			item, err := marshalItem(m, partMembers, m.Certificate)
			return s.tables.Members, item, err
		},
		fields: func(m *membership.Member) (*string, *int) { return &m.Certificate, &m.Version },
	}
)

// prepare reads the record under key, checks that its version is expected
// (any when 0) and calls fn on it, then sets its key and its next version. It
// returns the record to write and the version it was read at, which the write
// must find unchanged. Errors: ENOTFOUND, ECONFLICT, fn's error, EINTERNAL.
func prepare[T any](ctx context.Context, s *Store, k kind[T], op, key string, expected int, fn func(*T) error) (*T, int, error) {
	v, err := k.get(s, ctx, key)
	if err != nil {
		return nil, 0, err
	}
	_, version := k.fields(v)
	if expected != 0 && *version != expected {
		return nil, 0, conflict(k, op, key)
	}
	read := *version
	if err := fn(v); err != nil {
		return nil, 0, err
	}
	keyField, version := k.fields(v)
	*keyField, *version = key, read+1
	return v, read, nil
}

// update is the one optimistic update of the store: prepare, then a put on
// condition that the stored version is still the one read.
// Errors: ENOTFOUND, ECONFLICT, fn's error, EINTERNAL.
func update[T any](ctx context.Context, s *Store, k kind[T], op, key string, expected int, fn func(*T) error) (*T, error) {
	v, read, err := prepare(ctx, s, k, op, key, expected, fn)
	if err != nil {
		return nil, err
	}
	table, item, err := k.item(s, v)
	if err != nil {
		return nil, membership.Internal(op, err)
	}
	ok, err := s.putIf(ctx, op, table, item, versionIs(read))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, conflict(k, op, key)
	}
	return v, nil
}

// conflict is the error of a record that changed since it was read.
func conflict[T any](k kind[T], op, key string) error {
	return membership.Errorf(membership.ECONFLICT, op, "%s %s 已被他人修改，请刷新后重试", k.label, key)
}
