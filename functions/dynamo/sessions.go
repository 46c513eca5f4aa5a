package dynamo

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/smelisting/alliance/functions/membership"
)

// sessionsTable defines the table of the console's sign-ins and sessions:
//
//	sessions  pk "key" (S), TTL attribute "expires_at" (N, Unix seconds)
//	          sign-in: key "SIGNIN#<state hash>", nonce, verifier, return
//	          session: key "SESSION#<id>", actor, csrf, created_at, seen_at
//
// Reads check the expiry themselves, since DynamoDB deletes expired items late.
func sessionsTable(name string) Table {
	return Table{
		Logical: "sessions",
		Create: dynamodb.CreateTableInput{
			TableName:   aws.String(name),
			BillingMode: types.BillingModePayPerRequest,
			AttributeDefinitions: []types.AttributeDefinition{
				{AttributeName: aws.String("key"), AttributeType: types.ScalarAttributeTypeS},
			},
			KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("key"), KeyType: types.KeyTypeHash}},
		},
		TTLAttribute: "expires_at",
	}
}

func sessionsKey(key string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"key": str(key)}
}

// storedSession is a session as stored: with its key and the expiry the
// table's TTL reads.
type storedSession struct {
	*membership.Session
	Key       string `dynamodbav:"key"`
	ExpiresAt int64  `dynamodbav:"expires_at"`
}

// PutSignIn stores a sign-in under its state (see httpapi.SessionStore).
// Errors: EUNAVAILABLE, EINTERNAL.
func (s *Store) PutSignIn(ctx context.Context, in *membership.SignIn) error {
	const op = "dynamo: put sign-in"
	item, err := attributevalue.MarshalMap(in)
	if err != nil {
		return fail(op, err)
	}
	item["key"] = str("SIGNIN#" + in.State)
	if _, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.tables.Sessions), Item: item}); err != nil {
		return fail(op, err)
	}
	return nil
}

// TakeSignIn returns the sign-in stored under the state and deletes it in
// the same request, so that it is used once. Errors: ENOTFOUND; EUNAVAILABLE, EINTERNAL.
func (s *Store) TakeSignIn(ctx context.Context, state string) (*membership.SignIn, error) {
	const op = "dynamo: take sign-in"
	// The condition makes two concurrent deletes one success and one failed
	// condition: without it DynamoDB Local gave both the old item.
	e, err := condition(expression.AttributeExists(expression.Name("key")))
	if err != nil {
		return nil, fail(op, err)
	}
	out, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(s.tables.Sessions), Key: sessionsKey("SIGNIN#" + state), ReturnValues: types.ReturnValueAllOld,
		ConditionExpression: e.Condition(), ExpressionAttributeNames: e.Names(),
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) || err == nil && len(out.Attributes) == 0 {
		return nil, membership.Errorf(membership.ENOTFOUND, op, "登录请求不存在或已使用")
	}
	if err != nil {
		return nil, fail(op, err)
	}
	in := &membership.SignIn{}
	if err := attributevalue.UnmarshalMap(out.Attributes, in); err != nil {
		return nil, fail(op, err)
	}
	in.State = state
	return in, nil
}

// CreateSession stores a new session. Errors: EUNAVAILABLE, EINTERNAL.
func (s *Store) CreateSession(ctx context.Context, ss *membership.Session) error {
	const op = "dynamo: create session"
	item, err := attributevalue.MarshalMap(storedSession{ss, "SESSION#" + ss.ID, ss.ExpiresAt().Unix()})
	if err != nil {
		return fail(op, err)
	}
	ok, err := s.putIf(ctx, op, s.tables.Sessions, item, expression.AttributeNotExists(expression.Name("key")))
	if err != nil {
		return err
	}
	if !ok {
		return membership.Internal(op, errors.New("session id taken"))
	}
	return nil
}

// Session returns the session with the id. Errors: ENOTFOUND; EUNAVAILABLE, EINTERNAL.
func (s *Store) Session(ctx context.Context, id string) (*membership.Session, error) {
	const op = "dynamo: get session"
	st := storedSession{Session: &membership.Session{}}
	found, err := s.getItem(ctx, op, s.tables.Sessions, sessionsKey("SESSION#"+id), &st)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, membership.Errorf(membership.ENOTFOUND, op, "登录已失效")
	}
	st.Session.ID = id
	return st.Session, nil
}

// TouchSession stores the session's SeenAt and the expiry that follows,
// if the session still exists (a sign-out is never undone). Errors:
// ENOTFOUND; EUNAVAILABLE, EINTERNAL.
func (s *Store) TouchSession(ctx context.Context, ss *membership.Session) error {
	const op = "dynamo: touch session"
	seen, err := attributevalue.Marshal(ss.SeenAt)
	if err != nil {
		return fail(op, err)
	}
	e, err := expression.NewBuilder().
		WithUpdate(expression.Set(expression.Name("seen_at"), expression.Value(seen)).
			Set(expression.Name("expires_at"), expression.Value(ss.ExpiresAt().Unix()))).
		WithCondition(expression.AttributeExists(expression.Name("key"))).Build()
	if err != nil {
		return fail(op, err)
	}
	_, err = s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.tables.Sessions), Key: sessionsKey("SESSION#" + ss.ID),
		UpdateExpression: e.Update(), ConditionExpression: e.Condition(),
		ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values(),
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return membership.Errorf(membership.ENOTFOUND, op, "登录已失效")
	}
	if err != nil {
		return fail(op, err)
	}
	return nil
}

// DeleteSession deletes the session; deleting one that is gone is no error.
// Errors: EUNAVAILABLE, EINTERNAL.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	_, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(s.tables.Sessions), Key: sessionsKey("SESSION#" + id)})
	if err != nil {
		return fail("dynamo: delete session", err)
	}
	return nil
}
