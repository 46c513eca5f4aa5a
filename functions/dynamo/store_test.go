package dynamo_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/smelisting/alliance/functions/dynamo"
	"github.com/smelisting/alliance/functions/dynamo/dynamotest"
	"github.com/smelisting/alliance/functions/intake"
	"github.com/smelisting/alliance/functions/storetest"
)

// server is DynamoDB Local, started once for the package: the store uses
// TransactWriteItems, which dynalite does not support.
var server *dynamotest.Server

func TestMain(m *testing.M) {
	var err error
	server, err = dynamotest.StartLocal()
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		os.Exit(1)
	}
	code := m.Run()
	server.Stop()
	os.Exit(code)
}

func newStore(t *testing.T) *dynamo.Store {
	t.Helper()
	n, err := server.NewTables(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return dynamo.New(server.Client, n)
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) intake.Store { return newStore(t) })
}

func TestConcurrentSubmissions(t *testing.T) {
	storetest.Concurrency(t, newStore(t))
}

func TestCreateTablesIsIdempotent(t *testing.T) {
	ctx := t.Context()
	n, err := server.NewTables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := dynamo.CreateTables(ctx, server.Client, n); err != nil {
		t.Errorf("CreateTables on existing tables: %v, want nil", err)
	}
}

func BenchmarkSubmit(b *testing.B) {
	n, err := server.NewTables(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	storetest.BenchmarkSubmit(b, dynamo.New(server.Client, n))
}

func TestLimits(t *testing.T) {
	n, err := server.NewTables(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	storetest.Limits(t, dynamo.NewLimits(server.Client, n.Limits))
}

func TestEventsContract(t *testing.T) {
	events := func(t *testing.T) storetest.EventStore { return newStore(t) }
	storetest.RunEvents(t, events)
	storetest.EventsConcurrency(t, events)
}

func BenchmarkRegister(b *testing.B) {
	n, err := server.NewTables(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	storetest.BenchmarkRegister(b, dynamo.New(server.Client, n))
}

func TestCertificatesContract(t *testing.T) {
	storetest.RunCertificates(t, func(t *testing.T) storetest.CertificateStore { return newStore(t) })
}

func TestOutboxContract(t *testing.T) {
	storetest.RunOutbox(t, func(t *testing.T) storetest.MailStore { return newStore(t) })
}

func TestErasure(t *testing.T) {
	n, err := server.NewTables(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	storetest.RunErasure(t, dynamo.New(server.Client, n), func(t *testing.T) string { return scanAll(t, n) })
}

// scanAll returns every item of every table of n as JSON, keys included.
func scanAll(t *testing.T, n dynamo.TableNames) string {
	var b strings.Builder
	for _, tb := range dynamo.Tables(n) {
		p := dynamodb.NewScanPaginator(server.Client, &dynamodb.ScanInput{TableName: tb.Create.TableName})
		for p.HasMorePages() {
			page, err := p.NextPage(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range page.Items {
				var m map[string]any
				if err := attributevalue.UnmarshalMap(it, &m); err != nil {
					t.Fatal(err)
				}
				j, _ := json.Marshal(m)
				fmt.Fprintf(&b, "%s %s\n", *tb.Create.TableName, j)
			}
		}
	}
	return b.String()
}
