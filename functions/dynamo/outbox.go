package dynamo

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/outbox"
)

// IndexByState is the outbox's index of its entries by state and due time.
const IndexByState = "by_state"

// outboxTable defines the table of the mail to send (package outbox):
//
//	outbox  pk "ref" (S): the record the message is about (application number,
//	        registration code, certificate number, "digest"); sk "tag" (S);
//	        outbox.Entry's attributes, "due" written so that it sorts (dueLayout),
//	        "data" as one JSON string;
//	        expires_at (N, Unix seconds) on sent entries, the table's TTL;
//	        GSI "by_state": pk "state" (S), sk "due" (S), all attributes: the
//	        sender's query of the pending entries due now, the secretariat's of
//	        the failed ones.
//
// An entry is put with attribute_not_exists(ref) in the transaction of the
// change that causes it (a second try of the same change finds its key taken
// and writes nothing), and changed with version = read, like the register's
// records. The entries of one record share its partition, so an erasure
// finds them all with a consistent Query.
func outboxTable(n TableNames) Table {
	return Table{Logical: "outbox", Create: dynamodb.CreateTableInput{
		TableName:   aws.String(n.Outbox),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("ref"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("tag"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("state"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("due"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("ref"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("tag"), KeyType: types.KeyTypeRange},
		},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName: aws.String(IndexByState),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String("state"), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String("due"), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
	}, TTLAttribute: "expires_at"}
}

// dueLayout writes due times so that they sort as strings.
const dueLayout = "2006-01-02T15:04:05.000000000Z"

func mailKey(ref, tag string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"ref": str(ref), "tag": str(tag)}
}

// mailItem is the item of an entry. Its data is one JSON string: a template's
// field may be empty, and DynamoDB Local refuses empty strings.
func mailItem(e *outbox.Entry) (map[string]types.AttributeValue, error) {
	item, err := attributevalue.MarshalMap(e)
	if err != nil {
		return nil, fmt.Errorf("marshal mail %s: %w", e.ID(), err)
	}
	delete(item, "data")
	if e.Data != nil {
		b, err := json.Marshal(e.Data)
		if err != nil {
			return nil, fmt.Errorf("marshal mail %s: %w", e.ID(), err)
		}
		item["data"] = str(string(b))
	}
	item["due"] = str(e.Due.UTC().Format(dueLayout))
	if e.ExpiresAt.IsZero() {
		delete(item, "expires_at") // a zero time would be a TTL long past
	}
	return item, nil
}

// unmarshalMail reads an entry from its item (mailItem's inverse).
func unmarshalMail(item map[string]types.AttributeValue) (outbox.Entry, error) {
	var e outbox.Entry
	data, _ := item["data"].(*types.AttributeValueMemberS)
	delete(item, "data")
	if err := attributevalue.UnmarshalMap(item, &e); err != nil {
		return e, err
	}
	if data != nil {
		if err := json.Unmarshal([]byte(data.Value), &e.Data); err != nil {
			return e, fmt.Errorf("mail %s: data: %w", e.ID(), err)
		}
	}
	return e, nil
}

// mailPuts are the transaction items that add the entries, each on condition
// that its key is free.
func (s *Store) mailPuts(entries []outbox.Entry) ([]types.TransactWriteItem, error) {
	var items []types.TransactWriteItem
	for i := range entries {
		item, err := mailItem(&entries[i])
		if err != nil {
			return nil, err
		}
		put, err := conditionalPut(s.tables.Outbox, item, expression.AttributeNotExists(expression.Name("ref")))
		if err != nil {
			return nil, err
		}
		items = append(items, types.TransactWriteItem{Put: put})
	}
	return items, nil
}

// EnqueueMail puts each entry whose key is free and returns how many it put:
// the daily notices, which a second run must not write again. Errors:
// EUNAVAILABLE, EINTERNAL.
func (s *Store) EnqueueMail(ctx context.Context, entries []outbox.Entry) (int, error) {
	const op = "dynamo: enqueue mail"
	n := 0
	for i := range entries {
		item, err := mailItem(&entries[i])
		if err != nil {
			return n, fail(op, err)
		}
		ok, err := s.putIf(ctx, op, s.tables.Outbox, item, expression.AttributeNotExists(expression.Name("ref")))
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}

// queryState returns the entries of the state from the index, by due time:
// those due by before when it is not zero, at most limit (0: all).
func (s *Store) queryState(ctx context.Context, op string, state outbox.State, before time.Time, limit int) ([]outbox.Entry, error) {
	key := expression.Key("state").Equal(expression.Value(string(state)))
	if !before.IsZero() {
		key = key.And(expression.Key("due").LessThanEqual(expression.Value(before.UTC().Format(dueLayout))))
	}
	expr, err := expression.NewBuilder().WithKeyCondition(key).Build()
	if err != nil {
		return nil, fail(op, err)
	}
	in := &dynamodb.QueryInput{TableName: aws.String(s.tables.Outbox), IndexName: aws.String(IndexByState),
		KeyConditionExpression: expr.KeyCondition(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values()}
	if limit > 0 {
		in.Limit = aws.Int32(int32(limit))
	}
	var out []outbox.Entry
	p := dynamodb.NewQueryPaginator(s.client, in)
	for p.HasMorePages() && (limit == 0 || len(out) < limit) {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fail(op, err)
		}
		for _, it := range page.Items {
			e, err := unmarshalMail(it)
			if err != nil {
				return nil, fail(op, err)
			}
			out = append(out, e)
		}
	}
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// DueMail returns up to limit pending entries due at now, soonest first. The
// index may lag a write by a moment: the sender's claim reads the entry itself.
func (s *Store) DueMail(ctx context.Context, now time.Time, limit int) ([]outbox.Entry, error) {
	return s.queryState(ctx, "dynamo: due mail", outbox.StatePending, now, limit)
}

// Mail returns every entry in the state (pending or failed), by due time.
// Errors: EINVALID for another state.
func (s *Store) Mail(ctx context.Context, state outbox.State) ([]outbox.Entry, error) {
	const op = "dynamo: list mail"
	if state != outbox.StatePending && state != outbox.StateFailed {
		return nil, membership.Errorf(membership.EINVALID, op, "只能列出待发送或发送失败的邮件")
	}
	return s.queryState(ctx, op, state, time.Time{}, 0)
}

// UpdateMail reads the entry with the ID, calls fn on it and puts the result
// with Version+1 on condition that the version is still the one read.
// Errors: ENOTFOUND; ECONFLICT when another write came first; fn's error;
// EUNAVAILABLE, EINTERNAL.
func (s *Store) UpdateMail(ctx context.Context, id string, fn func(*outbox.Entry) error) (*outbox.Entry, error) {
	op := "dynamo: update mail " + id
	ref, tag, err := outbox.SplitID(id)
	if err != nil {
		return nil, err
	}
	res, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.tables.Outbox), Key: mailKey(ref, tag), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, fail(op, err)
	}
	if res.Item == nil {
		return nil, membership.Errorf(membership.ENOTFOUND, op, "未找到邮件 %s", id)
	}
	e, err := unmarshalMail(res.Item)
	if err != nil {
		return nil, fail(op, err)
	}
	read := e.Version
	if err := fn(&e); err != nil {
		return nil, err
	}
	e.Ref, e.Tag, e.Version = ref, tag, read+1
	item, err := mailItem(&e)
	if err != nil {
		return nil, fail(op, err)
	}
	put, err := conditionalPut(s.tables.Outbox, item, versionIs(read))
	if err != nil {
		return nil, fail(op, err)
	}
	err = s.transact(ctx, []types.TransactWriteItem{{Put: put}})
	switch {
	case err == nil:
		return &e, nil
	case failedCondition(err, 0):
		return nil, membership.Errorf(membership.ECONFLICT, op, "邮件 %s 已被他人修改，请刷新后重试", id)
	}
	return nil, fail(op, err)
}

// EraseMail deletes every entry about the record ref, whatever its state, and
// returns how many it deleted: for the erasure of a person's data, which must
// leave no address or text of theirs in the outbox. The Query is consistent,
// so an entry written with the record's last change is found too.
func (s *Store) EraseMail(ctx context.Context, ref string) (int, error) {
	op := "dynamo: erase mail of " + ref
	if ref == "" {
		return 0, nil
	}
	expr, err := expression.NewBuilder().WithKeyCondition(expression.Key("ref").Equal(expression.Value(ref))).
		WithProjection(expression.NamesList(expression.Name("ref"), expression.Name("tag"))).Build()
	if err != nil {
		return 0, fail(op, err)
	}
	p := dynamodb.NewQueryPaginator(s.client, &dynamodb.QueryInput{TableName: aws.String(s.tables.Outbox), ConsistentRead: aws.Bool(true),
		KeyConditionExpression: expr.KeyCondition(), ProjectionExpression: expr.Projection(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values()})
	n := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return n, fail(op, err)
		}
		for _, it := range page.Items {
			_, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(s.tables.Outbox),
				Key: map[string]types.AttributeValue{"ref": it["ref"], "tag": it["tag"]}})
			if err != nil {
				return n, fail(op, err)
			}
			n++
		}
	}
	return n, nil
}

// ClaimMail calls fn (which claims the entry: outbox.Entry.Claim) on each
// entry of ids, each in its own conditional write (UpdateMail), and returns
// those it claimed; one fn refuses, one gone or one another sender changed
// first is left. Errors: the first other failure, with what was claimed so far.
func (s *Store) ClaimMail(ctx context.Context, ids []string, fn func(*outbox.Entry) error) ([]outbox.Entry, error) {
	var out []outbox.Entry
	for _, id := range ids {
		e, err := s.UpdateMail(ctx, id, fn)
		switch membership.ErrorCode(err) {
		case "":
			out = append(out, *e)
		case membership.ECONFLICT, membership.ENOTFOUND:
		default:
			return out, err
		}
	}
	return out, nil
}
