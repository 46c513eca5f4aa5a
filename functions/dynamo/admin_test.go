package dynamo_test

import (
	"testing"

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
