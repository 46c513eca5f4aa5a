package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/outbox"
)

// Store keeps the membership data in DynamoDB tables laid out as the package doc says.
type Store struct {
	client *dynamodb.Client
	tables TableNames
	now    func() time.Time
}

// New returns a store on the tables n, reached through client.
func New(client *dynamodb.Client, n TableNames) *Store {
	return &Store{client: client, tables: n, now: time.Now}
}

// counterKey is the key of the counter item that numbers a year's applications.
func counterKey(year int) string { return "COUNTER#SQ" + strconv.Itoa(year) }

// nextNumber atomically increments the year's counter and returns the new number.
func (s *Store) nextNumber(ctx context.Context, year int) (string, error) {
	upd := expression.Add(expression.Name("seq"), expression.Value(1))
	expr, err := expression.NewBuilder().WithUpdate(upd).Build()
	if err != nil {
		return "", err
	}
	out, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.tables.Applications),
		Key:                       map[string]types.AttributeValue{"number": &types.AttributeValueMemberS{Value: counterKey(year)}},
		UpdateExpression:          expr.Update(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ReturnValues:              types.ReturnValueUpdatedNew,
	})
	if err != nil {
		return "", err
	}
	var c struct {
		Seq int `dynamodbav:"seq"`
	}
	if err := attributevalue.UnmarshalMap(out.Attributes, &c); err != nil {
		return "", err
	}
	return membership.FormatNumber(year, c.Seq), nil
}

// CreateApplication numbers app and stores it, with its claim on its credit code, with
// rec when not nil and with the mail telling the applicant (outbox.ForApplication), in
// one transaction (see intake.Store). Errors: ECONFLICT when
// rec.Key is taken by an unexpired record, or (membership.CreditCodeTaken) when another
// record holds the credit code; EUNAVAILABLE, EINTERNAL.
func (s *Store) CreateApplication(ctx context.Context, app *membership.Application, rec *membership.IdempotencyRecord) error {
	const op = "dynamo: create application"
	number, err := s.nextNumber(ctx, membership.NumberYear(app.CreatedAt))
	if err != nil {
		return fail(op, fmt.Errorf("next number: %w", err))
	}
	saved := *app
	saved.Number = number
	item, err := attributevalue.MarshalMap(&saved)
	if err != nil {
		return fail(op, fmt.Errorf("marshal %s: %w", number, err))
	}
	put, err := conditionalPut(s.tables.Applications, item, expression.AttributeNotExists(expression.Name("number")))
	if err != nil {
		return fail(op, err)
	}
	items := []types.TransactWriteItem{{Put: put}}
	claim, idem := -1, -1 // the indexes of the claim's and the record's items
	if code := app.CreditClaim(); code != "" {
		put, err := conditionalPut(s.tables.Applications, claimItem(code, number), claimFree())
		if err != nil {
			return fail(op, err)
		}
		claim, items = len(items), append(items, types.TransactWriteItem{Put: put})
	}
	if rec != nil {
		put, err := s.idempotencyPut(rec, number)
		if err != nil {
			return fail(op, err)
		}
		idem, items = len(items), append(items, types.TransactWriteItem{Put: put})
	}
	mails, err := s.mailPuts(outbox.ForApplication(&saved, 0))
	if err != nil {
		return fail(op, err)
	}
	if err := s.transact(ctx, append(items, mails...)); err != nil {
		switch {
		case failedCondition(err, idem):
			return membership.Errorf(membership.ECONFLICT, op, "Idempotency-Key 已被使用")
		case failedCondition(err, claim):
			return membership.CreditCodeTaken(op)
		case isTransactionConflict(err):
			return membership.Errorf(membership.ECONFLICT, op, "同一单位的申请正在提交中，请稍后重试")
		}
		return fail(op, fmt.Errorf("put %s: %w", number, err))
	}
	app.Number = number
	if rec != nil {
		rec.Number = number
	}
	return nil
}

// idempotencyPut is the conditional put of rec, for the application number: the
// key must be free (no record, or an expired one).
func (s *Store) idempotencyPut(rec *membership.IdempotencyRecord, number string) (*types.Put, error) {
	r := *rec
	r.Number = number
	item, err := attributevalue.MarshalMap(&r)
	if err != nil {
		return nil, fmt.Errorf("marshal idempotency record: %w", err)
	}
	free := expression.AttributeNotExists(expression.Name("key")).
		Or(expression.Name("expires_at").LessThanEqual(expression.Value(s.now().Unix())))
	return conditionalPut(s.tables.Idempotency, item, free)
}

// transact writes items all together or not at all: a single Put as a PutItem,
// more as a TransactWriteItems. A transaction that a concurrent one on the same
// items cancelled (TransactionConflict) is tried again, up to five times, until
// one of the two wins. A failed condition of a single Put comes back as a
// cancelled transaction too, so that the caller reads every outcome one way
// (cancellationReasons).
func (s *Store) transact(ctx context.Context, items []types.TransactWriteItem) error {
	if len(items) == 1 && items[0].Put != nil {
		p := items[0].Put
		_, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: p.TableName, Item: p.Item,
			ConditionExpression: p.ConditionExpression, ExpressionAttributeNames: p.ExpressionAttributeNames,
			ExpressionAttributeValues: p.ExpressionAttributeValues})
		var ccf *types.ConditionalCheckFailedException
		if errors.As(err, &ccf) {
			return &types.TransactionCanceledException{Message: ccf.Message,
				CancellationReasons: []types.CancellationReason{{Code: aws.String("ConditionalCheckFailed")}}}
		}
		return err
	}
	in := &dynamodb.TransactWriteItemsInput{TransactItems: items}
	for attempt := 1; ; attempt++ {
		_, err := s.client.TransactWriteItems(ctx, in)
		if !isTransactionConflict(err) || attempt == 5 {
			return err
		}
		if err := backoff(ctx, attempt); err != nil {
			return err
		}
	}
}

// getItem reads one item of table with a strongly consistent read into out and reports
// whether it exists. Errors: EUNAVAILABLE, EINTERNAL, wrapped with op.
func (s *Store) getItem(ctx context.Context, op, table string, key map[string]types.AttributeValue, out any) (bool, error) {
	res, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(table), Key: key, ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return false, fail(op, err)
	}
	if res.Item == nil {
		return false, nil
	}
	if err := attributevalue.UnmarshalMap(res.Item, out); err != nil {
		return false, fail(op, err)
	}
	return true, nil
}

// Idempotency returns the unexpired record for key. Errors: ENOTFOUND; EUNAVAILABLE, EINTERNAL.
func (s *Store) Idempotency(ctx context.Context, key string) (*membership.IdempotencyRecord, error) {
	const op = "dynamo: get idempotency record"
	if key == "" {
		return nil, membership.Errorf(membership.ENOTFOUND, op, "未找到")
	}
	var rec membership.IdempotencyRecord
	found, err := s.getItem(ctx, op, s.tables.Idempotency,
		map[string]types.AttributeValue{"key": &types.AttributeValueMemberS{Value: key}}, &rec)
	if err != nil {
		return nil, err
	}
	if !found || rec.Expired(s.now()) {
		return nil, membership.Errorf(membership.ENOTFOUND, op, "未找到")
	}
	return &rec, nil
}

// Application returns the application with the number. Errors: ENOTFOUND; EUNAVAILABLE, EINTERNAL.
func (s *Store) Application(ctx context.Context, number string) (*membership.Application, error) {
	op := "dynamo: get application " + number
	if number == "" {
		return nil, membership.Errorf(membership.ENOTFOUND, op, "未找到申请")
	}
	var app membership.Application
	found, err := s.getItem(ctx, op, s.tables.Applications,
		map[string]types.AttributeValue{"number": &types.AttributeValueMemberS{Value: number}}, &app)
	if err != nil {
		return nil, err
	}
	if !found || app.Status == "" { // missing, or a counter item
		return nil, membership.Errorf(membership.ENOTFOUND, op, "未找到申请 %s", number)
	}
	return &app, nil
}

// UpdateApplication applies fn to the application under optimistic locking: the put is
// conditional on the version read (see backoffice.Store). Errors: ENOTFOUND,
// ECONFLICT, fn's error, EUNAVAILABLE, EINTERNAL.
func (s *Store) UpdateApplication(ctx context.Context, number string, expectedVersion int, fn func(*membership.Application) error) (*membership.Application, error) {
	return update(ctx, s, applicationKind, "dynamo: update application "+number, number, expectedVersion, fn)
}

// failedCondition reports whether the item at index i (-1: none) of a cancelled
// transaction failed its condition.
func failedCondition(err error, i int) bool {
	r := cancellationReasons(err)
	return i >= 0 && i < len(r) && r[i] == "ConditionalCheckFailed"
}

// cancellationReasons returns the code of each item's reason when err is a
// cancelled transaction ("None" for an item that did not fail), else nil.
func cancellationReasons(err error) []string {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return nil
	}
	codes := make([]string, len(tce.CancellationReasons))
	for i, r := range tce.CancellationReasons {
		codes[i] = aws.ToString(r.Code)
	}
	return codes
}
