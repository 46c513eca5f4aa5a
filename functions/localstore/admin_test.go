package localstore_test

import (
	"testing"

	"github.com/smelisting/alliance/functions/httpapi"
	"github.com/smelisting/alliance/functions/storetest"
)

func TestAdminContract(t *testing.T) {
	storetest.RunAdmin(t, func(t *testing.T) httpapi.AdminStore {
		s := open(t, t.TempDir())
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestAdminFullPath(t *testing.T) {
	s := open(t, t.TempDir())
	t.Cleanup(func() { s.Close() })
	storetest.FullPath(t, s)
}
