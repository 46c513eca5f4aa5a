package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/smelisting/alliance/functions/membership"
)

// The claims on credit codes (membership.CreditClaim) live in the applications
// table, an item each: number "CREDIT#<code>", holder (S): the application
// number or certificate number holding it. They have no status and no
// credit_code attribute, so neither index lists them; the item exists while
// the code is held.

// claimPrefix starts the key of a claim on a credit code in the applications table.
const claimPrefix = "CREDIT#"

// claimKey is the key of the claim on a credit code.
func creditKey(code string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"number": str(claimPrefix + code)}
}

// claimItem is the claim on a credit code held by holder.
func claimItem(code, holder string) map[string]types.AttributeValue {
	item := creditKey(code)
	item["holder"] = str(holder)
	return item
}

// claimFreeOr is the condition of taking a claim: nobody holds it, or holder does.
func claimFreeOr(holder string) expression.ConditionBuilder {
	return expression.AttributeNotExists(expression.Name("number")).Or(expression.Name("holder").Equal(expression.Value(holder)))
}

// claimHolder returns who holds the claim on code, "" for nobody.
func (s *Store) claimHolder(ctx context.Context, code string) (string, error) {
	var c struct {
		Holder string `dynamodbav:"holder"`
	}
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.tables.Applications), Key: creditKey(code), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return "", err
	}
	if err := attributevalue.UnmarshalMap(out.Item, &c); err != nil {
		return "", err
	}
	return c.Holder, nil
}

// heldError is the ECONFLICT error of a change that would take the claim on
// code while another record holds it, naming that record if it can be read.
func (s *Store) heldError(ctx context.Context, op, code string) error {
	holder, err := s.claimHolder(ctx, code)
	if err != nil || holder == "" {
		holder = "另一记录"
	}
	return membership.CreditCodeHeld(op, code, holder)
}

// claimChange returns the transaction items that change the claim of the
// record key from the code it held (before) to the code it holds after a
// change (after; "" for none): the release of before, if key still holds it
// (a Delete on condition that it does), and the taking of after (a Put on
// condition that it is free). A code held by another record is not released.
func (s *Store) claimChange(ctx context.Context, key, before, after string) ([]types.TransactWriteItem, error) {
	if before == after {
		return nil, nil
	}
	var items []types.TransactWriteItem
	holder := ""
	if before != "" {
		var err error
		if holder, err = s.claimHolder(ctx, before); err != nil {
			return nil, err
		}
	}
	if before != "" && holder == key {
		e, err := condition(expression.Name("holder").Equal(expression.Value(key)))
		if err != nil {
			return nil, err
		}
		items = append(items, types.TransactWriteItem{Delete: &types.Delete{TableName: aws.String(s.tables.Applications),
			Key: creditKey(before), ConditionExpression: e.Condition(), ExpressionAttributeNames: e.Names(),
			ExpressionAttributeValues: e.Values()}})
	}
	if after != "" {
		put, err := conditionalPut(s.tables.Applications, claimItem(after, key), expression.AttributeNotExists(expression.Name("number")))
		if err != nil {
			return nil, err
		}
		items = append(items, types.TransactWriteItem{Put: put})
	}
	return items, nil
}
