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

// CreateApplication numbers app and stores it, with rec when not nil, in one transaction
// (see httpapi.ApplicationStore). Errors: ECONFLICT when rec.Key is taken by an unexpired
// record; EINTERNAL.
func (s *Store) CreateApplication(ctx context.Context, app *membership.Application, rec *membership.IdempotencyRecord) error {
	const op = "dynamo: create application"
	number, err := s.nextNumber(ctx, membership.NumberYear(app.CreatedAt))
	if err != nil {
		return membership.Internal(op, fmt.Errorf("next number: %w", err))
	}
	saved := *app
	saved.Number = number
	item, err := attributevalue.MarshalMap(&saved)
	if err != nil {
		return membership.Internal(op, fmt.Errorf("marshal %s: %w", number, err))
	}
	newItem, err := expression.NewBuilder().WithCondition(expression.AttributeNotExists(expression.Name("number"))).Build()
	if err != nil {
		return membership.Internal(op, err)
	}
	put := &types.Put{
		TableName:                 aws.String(s.tables.Applications),
		Item:                      item,
		ConditionExpression:       newItem.Condition(),
		ExpressionAttributeNames:  newItem.Names(),
		ExpressionAttributeValues: newItem.Values(),
	}
	if rec == nil {
		_, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: put.TableName, Item: put.Item, ConditionExpression: put.ConditionExpression,
			ExpressionAttributeNames: put.ExpressionAttributeNames,
		})
		if err != nil {
			return membership.Internal(op, fmt.Errorf("put %s: %w", number, err))
		}
		app.Number = number
		return nil
	}
	r := *rec
	r.Number = number
	recItem, err := attributevalue.MarshalMap(&r)
	if err != nil {
		return membership.Internal(op, fmt.Errorf("marshal idempotency record: %w", err))
	}
	free := expression.AttributeNotExists(expression.Name("key")).
		Or(expression.Name("expires_at").LessThanEqual(expression.Value(s.now().Unix())))
	freeExpr, err := expression.NewBuilder().WithCondition(free).Build()
	if err != nil {
		return membership.Internal(op, err)
	}
	in := &dynamodb.TransactWriteItemsInput{
		TransactItems: []types.TransactWriteItem{
			{Put: put},
			{Put: &types.Put{
				TableName:                 aws.String(s.tables.Idempotency),
				Item:                      recItem,
				ConditionExpression:       freeExpr.Condition(),
				ExpressionAttributeNames:  freeExpr.Names(),
				ExpressionAttributeValues: freeExpr.Values(),
			}},
		},
	}
	// A concurrent transaction on the same idempotency key cancels ours with the reason
	// TransactionConflict: try again (the number stays ours) until one of the two wins.
	for attempt := 1; ; attempt++ {
		_, err = s.client.TransactWriteItems(ctx, in)
		reason := cancellationReason(err, 1)
		if reason == "ConditionalCheckFailed" {
			return membership.Errorf(membership.ECONFLICT, op, "Idempotency-Key 已被使用")
		}
		if reason != "TransactionConflict" || attempt == 5 {
			break
		}
		select {
		case <-ctx.Done():
			return membership.Internal(op, ctx.Err())
		case <-time.After(time.Duration(attempt*attempt) * 10 * time.Millisecond):
		}
	}
	if err != nil {
		return membership.Internal(op, fmt.Errorf("transact put %s: %w", number, err))
	}
	app.Number, rec.Number = number, number
	return nil
}

// getItem reads one item of table with a strongly consistent read into out and reports
// whether it exists. Errors: EINTERNAL, wrapped with op.
func (s *Store) getItem(ctx context.Context, op, table string, key map[string]types.AttributeValue, out any) (bool, error) {
	res, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(table), Key: key, ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return false, membership.Internal(op, err)
	}
	if res.Item == nil {
		return false, nil
	}
	if err := attributevalue.UnmarshalMap(res.Item, out); err != nil {
		return false, membership.Internal(op, err)
	}
	return true, nil
}

// Idempotency returns the unexpired record for key. Errors: ENOTFOUND; EINTERNAL.
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

// Application returns the application with the number. Errors: ENOTFOUND; EINTERNAL.
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
// ECONFLICT, fn's error, EINTERNAL.
func (s *Store) UpdateApplication(ctx context.Context, number string, expectedVersion int, fn func(*membership.Application) error) (*membership.Application, error) {
	return update(ctx, s, applicationKind, "dynamo: update application "+number, number, expectedVersion, fn)
}

// cancellationReason returns the code of the i-th item's reason when err is a cancelled
// transaction, else "".
func cancellationReason(err error, i int) string {
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) && i < len(tce.CancellationReasons) {
		return aws.ToString(tce.CancellationReasons[i].Code)
	}
	return ""
}
