package outbox_test

import (
	"testing"
	"time"

	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/outbox"
)

var t0 = time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC)

func TestBackoff(t *testing.T) {
	for _, tt := range []struct {
		n    int
		want time.Duration
	}{{1, time.Minute}, {2, 2 * time.Minute}, {5, 16 * time.Minute}, {10, 8 * time.Hour}, {40, 8 * time.Hour}} {
		if got := outbox.Backoff(tt.n); got != tt.want {
			t.Errorf("Backoff(%d) = %v, want %v", tt.n, got, tt.want)
		}
	}
}

func TestLeaseRules(t *testing.T) {
	clerk := membership.Actor{ID: "c", Roles: []string{membership.RoleSecretariat}}
	chair := membership.Actor{ID: "p", Roles: []string{membership.RoleChair}}
	tests := []struct {
		name string
		do   func(e *outbox.Entry) error
		code string
	}{
		{"claim before due", func(e *outbox.Entry) error { return e.Claim("a", t0.Add(-time.Second), time.Minute) }, membership.ECONFLICT},
		{"claim twice", func(e *outbox.Entry) error { _ = e.Claim("a", t0, time.Minute); return e.Claim("b", t0, time.Minute) }, membership.ECONFLICT},
		{"sent without a lease", func(e *outbox.Entry) error { return e.Sent("a", "", t0) }, membership.ECONFLICT},
		{"sent by another", func(e *outbox.Entry) error { _ = e.Claim("a", t0, time.Minute); return e.Sent("b", "", t0) }, membership.ECONFLICT},
		{"retry a pending one", func(e *outbox.Entry) error { return e.Retry(clerk, "", t0) }, membership.ECONFLICT},
		{"retry by the chair", func(e *outbox.Entry) error {
			_ = e.Claim("a", t0, time.Minute)
			_ = e.Failed("a", "550", true, t0)
			return e.Retry(chair, "", t0)
		}, membership.EFORBIDDEN},
		{"retry to a bad address", func(e *outbox.Entry) error {
			_ = e.Claim("a", t0, time.Minute)
			_ = e.Failed("a", "550", true, t0)
			return e.Retry(clerk, "lisi@", t0)
		}, membership.EINVALID},
		{"sent", func(e *outbox.Entry) error { _ = e.Claim("a", t0, time.Minute); return e.Sent("a", "id", t0) }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := outbox.New(outbox.KindReviewed, "SQ2026-000001", "h1", "lisi@example.com", "李四", map[string]string{"number": "SQ2026-000001"}, t0)
			if got := membership.ErrorCode(tt.do(&e)); got != tt.code {
				t.Errorf("code %q, want %q", got, tt.code)
			}
		})
	}
}

func TestFailedGivesUpAfterMaxAttempts(t *testing.T) {
	e := outbox.New(outbox.KindReviewed, "R", "1", "lisi@example.com", "", nil, t0)
	now := t0
	for i := 1; i <= outbox.MaxAttempts; i++ {
		if err := e.Claim("a", now, time.Minute); err != nil {
			t.Fatalf("attempt %d: %v", i, err)
		}
		if err := e.Failed("a", "451 try later", false, now); err != nil {
			t.Fatal(err)
		}
		if i < outbox.MaxAttempts && (e.State != outbox.StatePending || !e.Due.Equal(now.Add(outbox.Backoff(i)))) {
			t.Fatalf("after attempt %d: %s due %v", i, e.State, e.Due)
		}
		now = e.Due
	}
	if e.State != outbox.StateFailed || e.LastError != "451 try later" {
		t.Errorf("after %d passing failures: %s (%q), want failed", outbox.MaxAttempts, e.State, e.LastError)
	}
}

// TestFailedIsKeptForFailedRetention: a failed message (address and text)
// is deleted FailedRetention after it failed, unless the secretariat sends
// it again, which keeps it until it is sent.
func TestFailedIsKeptForFailedRetention(t *testing.T) {
	e := outbox.New(outbox.KindReviewed, "R", "1", "lisi@example.com", "", map[string]string{"org": "某公司"}, t0)
	if err := e.Claim("a", t0, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := e.Failed("a", "550 no such user", true, t0); err != nil {
		t.Fatal(err)
	}
	if e.State != outbox.StateFailed || !e.ExpiresAt.Equal(t0.Add(outbox.FailedRetention)) {
		t.Fatalf("failed: %s, expires %v; want failed, expiring %v", e.State, e.ExpiresAt, t0.Add(outbox.FailedRetention))
	}
	clerk := membership.Actor{ID: "clerk-1", Roles: []string{membership.RoleSecretariat}}
	if err := e.Retry(clerk, "", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if e.State != outbox.StatePending || !e.ExpiresAt.IsZero() {
		t.Errorf("retried: %s, expires %v; want pending, kept until sent", e.State, e.ExpiresAt)
	}
}

func TestSplitID(t *testing.T) {
	for _, id := range []string{"", "SQ2026-000001", "/h1", "SQ2026-000001/", "a/b/c"} {
		if _, _, err := outbox.SplitID(id); membership.ErrorCode(err) != membership.ENOTFOUND {
			t.Errorf("SplitID(%q): %v, want not found", id, err)
		}
	}
	if ref, tag, err := outbox.SplitID("SQ2026-000001/h1"); err != nil || ref != "SQ2026-000001" || tag != "h1" {
		t.Errorf("SplitID: %q %q %v", ref, tag, err)
	}
}

// TestForApplication: one message per move to another status, none for an
// event that moves nothing or for an application without an address.
func TestForApplication(t *testing.T) {
	a := &membership.Application{Number: "SQ2026-000001", Type: membership.TypeIndividual, Contact: "王五", Email: "w@example.cn"}
	a.Submit(t0)
	a.History = append(a.History, membership.Event{From: membership.StatusSubmitted, To: membership.StatusSubmitted, At: t0, Note: "备注"})
	if got := outbox.ForApplication(a, 0); len(got) != 1 || got[0].Kind != outbox.KindReceived || got[0].ID() != "SQ2026-000001/h0" ||
		got[0].Data["documents"] != "" {
		t.Errorf("ForApplication: %+v, want the received mail only, asking an individual for no licence", got)
	}
	e := &membership.Application{Number: "SQ2026-000002", Type: membership.TypeEnterprise, OrgName: "某公司", Contact: "王五", Email: "w@example.cn"}
	e.Submit(t0)
	if got := outbox.ForApplication(e, 0); len(got) != 1 || got[0].Data["documents"] != membership.DocumentsMissingLabel {
		t.Errorf("an enterprise's received mail: %+v, want it to ask for the licence (材料不全)", got)
	}
	if got := outbox.ForApplication(a, 1); len(got) != 0 {
		t.Errorf("an event that moves nothing: %+v", got)
	}
	a.Email = ""
	if got := outbox.ForApplication(a, 0); len(got) != 0 {
		t.Errorf("without an address: %+v", got)
	}
}

// TestDaily: each notice from its date to the end of the year, for the
// members it concerns, and not before.
func TestDaily(t *testing.T) {
	m := func(cert, joined string, st membership.MemberStatus) membership.Member {
		return membership.Member{Certificate: cert, Type: membership.TypeEnterprise, JoinedOn: joined, Status: st,
			Profile: membership.Profile{Name: "某公司"}, Contact: membership.Contact{Person: "李四", Email: "l@example.com"}}
	}
	r := outbox.Register{
		Members: []membership.Member{m("LM-2024-0001", "2024-03-01", membership.MemberActive), m("LM-2024-0002", "2024-03-01", membership.MemberExited),
			m("LM-2026-0003", "2026-05-01", membership.MemberActive)},
		Payments: map[int][]membership.Payment{2027: {{Member: "LM-2026-0003", Year: 2027}}},
	}
	tests := []struct {
		day  string
		want map[string]outbox.Kind
	}{
		{"2026-03-30", map[string]outbox.Kind{}},
		{"2026-03-31", map[string]outbox.Kind{"LM-2024-0001/dues-2026-reminder": outbox.KindDuesRemind}},
		{"2026-07-01", map[string]outbox.Kind{"LM-2024-0001/dues-2026-reminder": outbox.KindDuesRemind, "LM-2024-0001/lapse-2026": outbox.KindLapseRisk}},
		{"2026-12-31", map[string]outbox.Kind{"LM-2024-0001/dues-2026-reminder": outbox.KindDuesRemind, "LM-2024-0001/lapse-2026": outbox.KindLapseRisk,
			"LM-2024-0001/dues-2027-notice": outbox.KindDuesNotice}}, // LM-2026-0003 paid 2027 already; joined after 03-31
	}
	for _, tt := range tests {
		es, err := outbox.Daily(outbox.DefaultSchedule, tt.day, r, t0)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]outbox.Kind{}
		for _, e := range es {
			got[e.ID()] = e.Kind
		}
		if len(got) != len(tt.want) {
			t.Errorf("%s: %v, want %v", tt.day, got, tt.want)
		}
		for id, k := range tt.want {
			if got[id] != k {
				t.Errorf("%s: %v, want %v", tt.day, got, tt.want)
			}
		}
	}
	if _, err := outbox.Daily(outbox.Schedule{DuesNotice: "13-01", DuesReminder: "03-31", LapseNotice: "07-01"}, "2026-12-01", r, t0); membership.ErrorCode(err) != membership.EINVALID {
		t.Errorf("a schedule with month 13: %v", err)
	}
}
