package notify_test

import (
	"testing"
	"time"

	"github.com/smelisting/alliance/functions/localstore"
	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/notify"
	"github.com/smelisting/alliance/functions/outbox"
	"github.com/smelisting/alliance/functions/storetest"
)

// TestRunOncePerYear runs the daily job on the embedded store with a fixed
// clock: on the dues notice's date a certified member gets the next year's
// notice and the secretariat the digest of yesterday's application; a
// second run that day, and a run the next day, queue nothing again.
func TestRunOncePerYear(t *testing.T) {
	s, err := localstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// 2026-11-30 10:00 in China: an application, certified the same day.
	submitted := time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC)
	a := storetest.Sample(submitted)
	if err := s.CreateApplication(t.Context(), a, nil); err != nil {
		t.Fatal(err)
	}
	m := storetest.Member(t, s, "2026-11-30")
	sched := outbox.DefaultSchedule
	sched.Digest = "secretariat@example.org"
	day := time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC) // 09:00 on 12-01 in China
	n, err := notify.Run(t.Context(), s, sched, day)
	if err != nil {
		t.Fatal(err)
	}
	pending, err := s.Mail(t.Context(), outbox.StatePending)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, e := range pending {
		got[e.ID()] = true
	}
	if n != 2 || !got[m.Certificate+"/dues-2027-notice"] || !got[outbox.DigestRef+"/2026-11-30"] {
		t.Fatalf("queued %d: %v; want the 2027 dues notice of %s and the digest of 2026-11-30", n, got, m.Certificate)
	}
	for _, later := range []time.Time{day.Add(time.Hour), day.Add(24 * time.Hour)} {
		if n, err := notify.Run(t.Context(), s, sched, later); err != nil || n != 0 {
			t.Errorf("run at %v: queued %d, %v; want nothing new", later, n, err)
		}
	}
	if _, err := notify.Run(t.Context(), s, outbox.Schedule{DuesNotice: "12-1"}, day); membership.ErrorCode(err) != membership.EINVALID {
		t.Errorf("bad schedule: %v", err)
	}
}
