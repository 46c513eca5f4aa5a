package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

// TableNames are the physical names of the tables, from the functions' environment
// (APPLICATIONS_TABLE, IDEMPOTENCY_TABLE, MEMBERS_TABLE, DUES_TABLE, LIMITS_TABLE,
// SESSIONS_TABLE, REGISTRATIONS_TABLE, OUTBOX_TABLE).
type TableNames struct {
	Applications  string
	Idempotency   string
	Members       string
	Dues          string
	Limits        string
	Sessions      string
	Registrations string
	Outbox        string
}

// DefaultTableNames are the names `alliance serve` and the tests use.
var DefaultTableNames = TableNames{
	Applications:  "applications",
	Idempotency:   "idempotency",
	Members:       "members",
	Dues:          "dues",
	Limits:        "limits",
	Sessions:      "sessions",
	Registrations: "registrations",
	Outbox:        "outbox",
}

// Table is the definition of one table: its logical name (the key of TableNames, e.g.
// "applications"), what CreateTable needs, and its TTL attribute if any.
type Table struct {
	Logical      string
	Create       dynamodb.CreateTableInput
	TTLAttribute string
}

// Index names.
const (
	IndexByStatus = "by_status" // applications by status, newest last
)

// Tables returns the definition of every table under the names n. It is the one place
// tables are defined: CreateTables, dynamotest and the deployment tests read it.
func Tables(n TableNames) []Table {
	tables := []Table{
		{
			Logical: "applications",
			Create: dynamodb.CreateTableInput{
				TableName:   aws.String(n.Applications),
				BillingMode: types.BillingModePayPerRequest,
				AttributeDefinitions: []types.AttributeDefinition{
					{AttributeName: aws.String("number"), AttributeType: types.ScalarAttributeTypeS},
					{AttributeName: aws.String("status"), AttributeType: types.ScalarAttributeTypeS},
					{AttributeName: aws.String("created_at"), AttributeType: types.ScalarAttributeTypeS},
					{AttributeName: aws.String("credit_code"), AttributeType: types.ScalarAttributeTypeS},
				},
				KeySchema: []types.KeySchemaElement{
					{AttributeName: aws.String("number"), KeyType: types.KeyTypeHash},
				},
				GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
					IndexName: aws.String(IndexByStatus),
					KeySchema: []types.KeySchemaElement{
						{AttributeName: aws.String("status"), KeyType: types.KeyTypeHash},
						{AttributeName: aws.String("created_at"), KeyType: types.KeyTypeRange},
					},
					Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
				}, creditCodeIndex("created_at")},
			},
		},
		{
			Logical: "idempotency",
			Create: dynamodb.CreateTableInput{
				TableName:   aws.String(n.Idempotency),
				BillingMode: types.BillingModePayPerRequest,
				AttributeDefinitions: []types.AttributeDefinition{
					{AttributeName: aws.String("key"), AttributeType: types.ScalarAttributeTypeS},
				},
				KeySchema: []types.KeySchemaElement{
					{AttributeName: aws.String("key"), KeyType: types.KeyTypeHash},
				},
			},
			TTLAttribute: "expires_at",
		},
	}
	// The back office appends the members and dues tables here.
	tables = append(tables, backOfficeTables(n)...)
	tables = append(tables, limitsTable(n), registrationsTable(n), outboxTable(n))
	return append(tables, sessionsTable(n.Sessions))
}

// CreateTables creates every table of Tables(n) that does not exist yet, waits until it
// is active and turns on its TTL. A server without TTL (dynalite) is an error that says so:
// the store also needs transactions, which only DynamoDB and DynamoDB Local have.
func CreateTables(ctx context.Context, client *dynamodb.Client, n TableNames) error {
	for _, t := range Tables(n) {
		in := t.Create
		_, err := client.CreateTable(ctx, &in)
		created := err == nil
		var inUse *types.ResourceInUseException
		if err != nil && !errors.As(err, &inUse) {
			return fmt.Errorf("dynamo: create table %s: %w", *in.TableName, err)
		}
		w := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) {
			o.MinDelay = 50 * time.Millisecond
			o.MaxDelay = time.Second
		})
		if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: in.TableName}, time.Minute); err != nil {
			return fmt.Errorf("dynamo: wait for table %s: %w", *in.TableName, err)
		}
		if t.TTLAttribute != "" && created {
			_, err := client.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
				TableName: in.TableName,
				TimeToLiveSpecification: &types.TimeToLiveSpecification{
					AttributeName: aws.String(t.TTLAttribute),
					Enabled:       aws.Bool(true),
				},
			})
			var api smithy.APIError
			if errors.As(err, &api) && api.ErrorCode() == "UnknownOperationException" {
				return fmt.Errorf("dynamo: enable TTL on %s: this server does not support TTL (dynalite?); "+
					"the store needs TTL and transactions: use DynamoDB Local or DynamoDB: %w", *in.TableName, err)
			}
			if err != nil {
				return fmt.Errorf("dynamo: enable TTL on %s: %w", *in.TableName, err)
			}
		}
	}
	return nil
}
