package dynamo_test

import (
	"context"
	"testing"

	"github.com/smelisting/alliance/functions/dynamo"
	"github.com/smelisting/alliance/functions/httpapi"
	"github.com/smelisting/alliance/functions/storetest"
)

// TestAdminContract runs the back office's contract suite against DynamoDB
// Local, which supports the transactions the store uses.
func TestAdminContract(t *testing.T) {
	storetest.RunAdmin(t, func(t *testing.T) httpapi.AdminStore { return newStore(t) })
}

func TestAdminFullPath(t *testing.T) {
	storetest.FullPath(t, newStore(t))
}

func benchStore(b *testing.B) *dynamo.Store {
	n, err := server.NewTables(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	return dynamo.New(server.Client, n)
}

func BenchmarkAdminTransition(b *testing.B) { storetest.BenchTransition(b, benchStore(b)) }

func BenchmarkAdminPayment(b *testing.B) { storetest.BenchPayment(b, benchStore(b)) }

func TestAdminConcurrentHTTP(t *testing.T) {
	storetest.ConcurrentHTTP(t, newStore(t))
}
