package localstore_test

import (
	"testing"
	"time"

	"github.com/smelisting/alliance/functions/intake"
	"github.com/smelisting/alliance/functions/localstore"
	"github.com/smelisting/alliance/functions/storetest"
)

func open(t *testing.T, dir string) *localstore.Store {
	t.Helper()
	s, err := localstore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) intake.Store {
		s := open(t, t.TempDir())
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestConcurrentSubmissions(t *testing.T) {
	s := open(t, t.TempDir())
	defer s.Close()
	storetest.Concurrency(t, s)
}

func TestKeepsDataAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	a := storetest.Sample(time.Now())
	if err := s.CreateApplication(t.Context(), a, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, dir)
	defer s.Close()
	got, err := s.Application(t.Context(), a.Number)
	if err != nil || got.OrgName != a.OrgName {
		t.Fatalf("after reopening: Application(%s) = %+v, %v, want org %s", a.Number, got, err, a.OrgName)
	}
	b := storetest.Sample(time.Now())
	if err := s.CreateApplication(t.Context(), b, nil); err != nil {
		t.Fatal(err)
	}
	if b.Number == a.Number {
		t.Errorf("number after restart = %s, want a new one", b.Number)
	}
}

func BenchmarkSubmit(b *testing.B) {
	s, err := localstore.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	storetest.BenchmarkSubmit(b, s)
}

func TestEventsContract(t *testing.T) {
	newStore := func(t *testing.T) storetest.EventStore {
		s, err := localstore.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	storetest.RunEvents(t, newStore)
	storetest.EventsConcurrency(t, newStore)
}

func BenchmarkRegister(b *testing.B) {
	s, err := localstore.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	storetest.BenchmarkRegister(b, s)
}

func TestCertificatesContract(t *testing.T) {
	storetest.RunCertificates(t, func(t *testing.T) storetest.CertificateStore {
		s, err := localstore.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestOutboxContract(t *testing.T) {
	storetest.RunOutbox(t, func(t *testing.T) storetest.MailStore {
		s, err := localstore.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestLimits(t *testing.T) {
	s, err := localstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	storetest.Limits(t, s)
}

func TestErasure(t *testing.T) {
	s := open(t, t.TempDir())
	defer s.Close()
	storetest.RunErasure(t, s, func(t *testing.T) string {
		d, err := s.Dump()
		if err != nil {
			t.Fatal(err)
		}
		return d
	})
}
