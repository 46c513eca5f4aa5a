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
// number or certificate number holding it, absent once released. They have no
// status and no credit_code attribute, so neither index lists them. A release
// rewrites the item without its holder rather than deleting it, so that both
// functions make do with the PutItem they have on the table (the public one
// may delete nothing).

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

// claimFree is the condition of taking a claim: nobody holds it.
func claimFree() expression.ConditionBuilder {
	return expression.AttributeNotExists(expression.Name("holder"))
}

// claimFreeOr is the condition of moving a claim: nobody holds it, or holder does.
func claimFreeOr(holder string) expression.ConditionBuilder {
	return claimFree().Or(expression.Name("holder").Equal(expression.Value(holder)))
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
// (a Put without holder on condition that key holds it), and the taking of
// after (a Put on condition that it is free). A code held by another record is
// not released.
func (s *Store) claimChange(ctx context.Context, key, before, after string) ([]types.TransactWriteItem, error) {
	if before == after {
		return nil, nil
	}
	var items []types.TransactWriteItem
	if before != "" {
		holder, err := s.claimHolder(ctx, before)
		if err != nil {
			return nil, err
		}
		if holder == key {
			put, err := conditionalPut(s.tables.Applications, creditKey(before), expression.Name("holder").Equal(expression.Value(key)))
			if err != nil {
				return nil, err
			}
			items = append(items, types.TransactWriteItem{Put: put})
		}
	}
	if after != "" {
		put, err := conditionalPut(s.tables.Applications, claimItem(after, key), claimFree())
		if err != nil {
			return nil, err
		}
		items = append(items, types.TransactWriteItem{Put: put})
	}
	return items, nil
}
