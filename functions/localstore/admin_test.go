package localstore_test

import (
	"testing"

	"github.com/smelisting/alliance/functions/httpapi"
	"github.com/smelisting/alliance/functions/localstore"
	"github.com/smelisting/alliance/functions/storetest"
)

func TestAdminContract(t *testing.T) {
	storetest.RunAdmin(t, func(t *testing.T) storetest.AdminStore {
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

func BenchmarkAdminTransition(b *testing.B) {
	s, err := localstore.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	storetest.BenchTransition(b, s)
}

func BenchmarkAdminPayment(b *testing.B) {
	s, err := localstore.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	storetest.BenchPayment(b, s)
}

func TestAdminConcurrentHTTP(t *testing.T) {
	s := open(t, t.TempDir())
	t.Cleanup(func() { s.Close() })
	storetest.ConcurrentHTTP(t, s)
}

func TestSessionContract(t *testing.T) {
	storetest.RunSessions(t, func(t *testing.T) httpapi.SessionStore {
		s := open(t, t.TempDir())
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func BenchmarkAdminList(b *testing.B) {
	for name, q := range storetest.ListQueries {
		b.Run(name, func(b *testing.B) {
			s, err := localstore.Open(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			storetest.BenchList(b, s, q)
		})
	}
}

func BenchmarkTransitionMail(b *testing.B) {
	s, err := localstore.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	storetest.BenchTransitionMail(b, s)
}
