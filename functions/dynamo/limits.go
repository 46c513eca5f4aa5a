package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// limitsTable defines the table of per-client request counters:
//
//	limits   pk "key" (S): route, hashed client and window start (httpapi.LimitClients);
//	         hits (N), expires_at (N, Unix seconds, the window's end, the table's TTL
//	         attribute). DynamoDB deletes expired items within days; a counter is
//	         keyed by its window, so a late deletion never carries a count over.
func limitsTable(n TableNames) Table {
	return Table{
		Logical: "limits",
		Create: dynamodb.CreateTableInput{
			TableName:   aws.String(n.Limits),
			BillingMode: types.BillingModePayPerRequest,
			AttributeDefinitions: []types.AttributeDefinition{
				{AttributeName: aws.String("key"), AttributeType: types.ScalarAttributeTypeS},
			},
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String("key"), KeyType: types.KeyTypeHash},
			},
		},
		TTLAttribute: "expires_at",
	}
}

// Limits keeps httpapi's per-client request counts in the limits table, shared by
// every instance of a function. It implements httpapi.ClientCounter.
type Limits struct {
	client *dynamodb.Client
	table  string
}

// NewLimits returns the counters in table (LIMITS_TABLE), reached through client.
func NewLimits(client *dynamodb.Client, table string) *Limits {
	return &Limits{client: client, table: table}
}

// Take adds one to key's count in one conditional UpdateItem unless the count has
// reached limit, and reports whether it did. Concurrent calls never let more than
// limit through: the condition and the increment are one atomic write.
func (l *Limits) Take(ctx context.Context, key string, limit int, expires time.Time) (bool, error) {
	_, err := l.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           aws.String(l.table),
		Key:                 map[string]types.AttributeValue{"key": str(key)},
		UpdateExpression:    aws.String("ADD hits :one SET expires_at = :exp"),
		ConditionExpression: aws.String("attribute_not_exists(hits) OR hits < :limit"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":one":   &types.AttributeValueMemberN{Value: "1"},
			":limit": &types.AttributeValueMemberN{Value: strconv.Itoa(limit)},
			":exp":   &types.AttributeValueMemberN{Value: strconv.FormatInt(expires.Unix(), 10)},
		},
	})
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("dynamo: count request %s: %w", key, err)
	}
	return true, nil
}
