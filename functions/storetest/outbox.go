package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/smelisting/alliance/functions/events"
	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/outbox"
)

// Outbox is the outbox half of a store: what the sender (mail.Outbox), the
// secretariat (backoffice.MailStore), the daily notices and the erasure of a
// person's data use of it.
type Outbox interface {
	EnqueueMail(ctx context.Context, entries []outbox.Entry) (int, error)
	DueMail(ctx context.Context, now time.Time, limit int) ([]outbox.Entry, error)
	Mail(ctx context.Context, state outbox.State) ([]outbox.Entry, error)
	UpdateMail(ctx context.Context, id string, fn func(*outbox.Entry) error) (*outbox.Entry, error)
	ClaimMail(ctx context.Context, ids []string, fn func(*outbox.Entry) error) ([]outbox.Entry, error)
	EraseMail(ctx context.Context, ref string) (int, error)
}

// MailStore is a store of everything with its outbox; dynamo.Store and
// localstore.Store are both.
type MailStore interface {
	EventStore
	Outbox
}

// NewMailStore returns an empty store for one test.
type NewMailStore func(t *testing.T) MailStore

// RunOutbox runs the outbox's contract suite against stores made by
// newStore: its own methods, and that every change that causes mail writes
// it in the same atomic write, and only then (a failed change writes none;
// of two racing changes only the winner's mail exists).
func RunOutbox(t *testing.T, newStore NewMailStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s MailStore)
	}{
		{"EnqueueOnceDueInOrder", testMailEnqueue},
		{"LeaseSentFailedRetry", testMailLifecycle},
		{"ConcurrentClaimsOneWins", testMailConcurrentClaims},
		{"ClaimABatch", testMailClaimBatch},
		{"EraseEveryEntryOfARecord", testMailErase},
		{"ApplicationMovesWriteTheirMail", testMailApplicationMoves},
		{"FailedChangeWritesNoMail", testMailFailedChange},
		{"RacingTransitionsOnlyWinnersMail", testMailRacingTransitions},
		{"RegistrationsAndPromotionsWriteTheirMail", testMailRegistrations},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, newStore(t)) })
	}
}

func sampleMail(ref, tag string, due time.Time) outbox.Entry {
	e := outbox.New(outbox.KindReviewed, ref, tag, "lisi@example.com", "李四", map[string]string{"number": ref}, t0)
	e.Due = due
	return e
}

// mailOf returns the entries of the record ref in any state, by tag.
func mailOf(t *testing.T, s MailStore, ref string) map[string]outbox.Entry {
	t.Helper()
	out := map[string]outbox.Entry{}
	for _, st := range []outbox.State{outbox.StatePending, outbox.StateFailed} {
		es, err := s.Mail(t.Context(), st)
		if err != nil {
			t.Fatalf("Mail(%s): %v", st, err)
		}
		for _, e := range es {
			if e.Ref == ref {
				out[e.Tag] = e
			}
		}
	}
	return out
}

func testMailEnqueue(t *testing.T, s MailStore) {
	ctx := t.Context()
	es := []outbox.Entry{sampleMail("A", "3", t0.Add(3*time.Minute)), sampleMail("A", "1", t0.Add(time.Minute)), sampleMail("B", "2", t0.Add(2*time.Minute))}
	if n, err := s.EnqueueMail(ctx, es); err != nil || n != 3 {
		t.Fatalf("EnqueueMail: %d, %v; want 3", n, err)
	}
	again := sampleMail("A", "1", t0)
	again.To = "other@example.com"
	if n, err := s.EnqueueMail(ctx, []outbox.Entry{again, sampleMail("C", "1", t0.Add(4*time.Minute))}); err != nil || n != 1 {
		t.Fatalf("EnqueueMail again: %d, %v; want 1 (A/1 exists)", n, err)
	}
	due, err := s.DueMail(ctx, t0.Add(150*time.Second), 10)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range due {
		ids = append(ids, e.ID())
	}
	if !slices.Equal(ids, []string{"A/1", "B/2"}) {
		t.Errorf("due at +2.5 min: %v, want [A/1 B/2] (soonest first, none later)", ids)
	}
	if due[0].To != "lisi@example.com" || due[0].Data["number"] != "A" || due[0].Kind != outbox.KindReviewed || due[0].ToName != "李四" {
		t.Errorf("A/1 read back as %+v", due[0])
	}
	if due, err := s.DueMail(ctx, t0.Add(time.Hour), 2); err != nil || len(due) != 2 {
		t.Errorf("due with limit 2: %d, %v", len(due), err)
	}
}

func testMailLifecycle(t *testing.T, s MailStore) {
	ctx := t.Context()
	if _, err := s.EnqueueMail(ctx, []outbox.Entry{sampleMail("SQ2026-000009", "h1", t0)}); err != nil {
		t.Fatal(err)
	}
	id := "SQ2026-000009/h1"
	claim := func(owner string, at time.Time) (*outbox.Entry, error) {
		return s.UpdateMail(ctx, id, func(e *outbox.Entry) error { return e.Claim(owner, at, time.Minute) })
	}
	e, err := claim("a", t0)
	if err != nil || e.Attempts != 1 || e.Version != 2 {
		t.Fatalf("claim: %+v, %v", e, err)
	}
	if _, err := claim("b", t0.Add(30*time.Second)); membership.ErrorCode(err) != membership.ECONFLICT {
		t.Fatalf("second claim within the lease: %v, want a conflict", err)
	}
	if due, _ := s.DueMail(ctx, t0.Add(30*time.Second), 10); len(due) != 0 {
		t.Errorf("a claimed entry is due within its lease: %v", due)
	}
	// The lease ended (a sender died): another claims it, and the first may no longer record.
	if _, err := claim("b", t0.Add(61*time.Second)); err != nil {
		t.Fatalf("claim after the lease: %v", err)
	}
	if _, err := s.UpdateMail(ctx, id, func(e *outbox.Entry) error { return e.Sent("a", "x", t0) }); membership.ErrorCode(err) != membership.ECONFLICT {
		t.Errorf("sent by the sender whose lease ended: %v, want a conflict", err)
	}
	e, err = s.UpdateMail(ctx, id, func(e *outbox.Entry) error {
		return e.Failed("b", "451 4.3.0 try later", false, t0.Add(62*time.Second))
	})
	if err != nil || e.State != outbox.StatePending || !e.Due.Equal(t0.Add(62*time.Second+outbox.Backoff(2))) {
		t.Fatalf("passing failure: %+v, %v; want pending, due after the backoff", e, err)
	}
	if _, err = claim("c", e.Due); err != nil {
		t.Fatal(err)
	}
	e, err = s.UpdateMail(ctx, id, func(e *outbox.Entry) error {
		return e.Failed("c", "550 5.1.1 mailbox unavailable", true, t0.Add(time.Hour))
	})
	if err != nil || e.State != outbox.StateFailed {
		t.Fatalf("permanent failure: %+v, %v", e, err)
	}
	failed := mailOf(t, s, "SQ2026-000009")
	if got := failed["h1"]; got.State != outbox.StateFailed || got.LastError != "550 5.1.1 mailbox unavailable" || got.Attempts != 3 {
		t.Errorf("failed list: %+v", got)
	}
	if due, _ := s.DueMail(ctx, t0.Add(24*time.Hour), 10); len(due) != 0 {
		t.Errorf("a failed entry is due: %v", due)
	}
	e, err = s.UpdateMail(ctx, id, func(e *outbox.Entry) error { return e.Retry(clerk, "wangwu@example.com", t0.Add(2*time.Hour)) })
	if err != nil || e.State != outbox.StatePending || e.To != "wangwu@example.com" || e.Attempts != 0 {
		t.Fatalf("retry: %+v, %v", e, err)
	}
	if _, err = claim("d", t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	e, err = s.UpdateMail(ctx, id, func(e *outbox.Entry) error { return e.Sent("d", "250 queued as X1", t0.Add(2*time.Hour)) })
	if err != nil || e.State != outbox.StateSent || e.Data != nil || e.ProviderID != "250 queued as X1" || e.ExpiresAt.IsZero() {
		t.Fatalf("sent: %+v, %v", e, err)
	}
	if left := mailOf(t, s, "SQ2026-000009"); len(left) != 0 {
		t.Errorf("a sent entry is still listed as pending or failed: %v", left)
	}
	if _, err := s.UpdateMail(ctx, "SQ2026-000009/nope", func(*outbox.Entry) error { return nil }); membership.ErrorCode(err) != membership.ENOTFOUND {
		t.Errorf("unknown entry: %v, want not found", err)
	}
}

func testMailConcurrentClaims(t *testing.T, s MailStore) {
	ctx := t.Context()
	if _, err := s.EnqueueMail(ctx, []outbox.Entry{sampleMail("R", "1", t0)}); err != nil {
		t.Fatal(err)
	}
	ok := race(t, 10, 10, func(i int) error {
		_, err := s.UpdateMail(ctx, "R/1", func(e *outbox.Entry) error { return e.Claim(fmt.Sprint("sender-", i), t0, time.Minute) })
		return err
	})
	if ok != 1 {
		t.Errorf("%d of 10 senders claimed one entry at once, want 1", ok)
	}
}

func testMailErase(t *testing.T, s MailStore) {
	ctx := t.Context()
	es := []outbox.Entry{sampleMail("SQ2026-000001", "h0", t0), sampleMail("SQ2026-000001", "h1", t0), sampleMail("SQ2026-000001", "h2", t0),
		sampleMail("SQ2026-000010", "h0", t0), sampleMail("SQ2026-00000", "h0", t0)}
	if _, err := s.EnqueueMail(ctx, es); err != nil {
		t.Fatal(err)
	}
	// One sent, one failed: erasure takes every state.
	for _, step := range []func(e *outbox.Entry) error{
		func(e *outbox.Entry) error { return e.Claim("a", t0, time.Minute) },
		func(e *outbox.Entry) error { return e.Sent("a", "ok", t0) },
	} {
		if _, err := s.UpdateMail(ctx, "SQ2026-000001/h1", step); err != nil {
			t.Fatal(err)
		}
	}
	for _, step := range []func(e *outbox.Entry) error{
		func(e *outbox.Entry) error { return e.Claim("a", t0, time.Minute) },
		func(e *outbox.Entry) error { return e.Failed("a", "550", true, t0) },
	} {
		if _, err := s.UpdateMail(ctx, "SQ2026-000001/h2", step); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.EraseMail(ctx, "SQ2026-000001"); err != nil || n != 3 {
		t.Fatalf("EraseMail: %d, %v; want 3", n, err)
	}
	for _, tag := range []string{"h0", "h1", "h2"} {
		if _, err := s.UpdateMail(ctx, "SQ2026-000001/"+tag, func(*outbox.Entry) error { return nil }); membership.ErrorCode(err) != membership.ENOTFOUND {
			t.Errorf("erased entry %s: %v, want not found", tag, err)
		}
	}
	if len(mailOf(t, s, "SQ2026-000010")) != 1 || len(mailOf(t, s, "SQ2026-00000")) != 1 {
		t.Errorf("erasing one record's mail touched another's (same prefix)")
	}
	if n, err := s.EraseMail(ctx, "SQ2026-000001"); err != nil || n != 0 {
		t.Errorf("EraseMail again: %d, %v; want 0", n, err)
	}
}

// wantMail fails unless the record's entries are exactly the kinds by tag.
func wantMail(t *testing.T, s MailStore, ref string, want map[string]outbox.Kind) map[string]outbox.Entry {
	t.Helper()
	got := mailOf(t, s, ref)
	kinds := map[string]outbox.Kind{}
	for tag, e := range got {
		kinds[tag] = e.Kind
	}
	if fmt.Sprint(kinds) != fmt.Sprint(want) {
		t.Errorf("mail of %s: %v, want %v", ref, kinds, want)
	}
	return got
}

func testMailApplicationMoves(t *testing.T, s MailStore) {
	a := Sample(t0)
	a.StatusToken = "tok-123"
	if err := s.CreateApplication(t.Context(), a, nil); err != nil {
		t.Fatal(err)
	}
	got := wantMail(t, s, a.Number, map[string]outbox.Kind{"h0": outbox.KindReceived})
	if e := got["h0"]; e.To != a.Email || e.ToName != a.Contact || e.Data["number"] != a.Number || e.Data["token"] != "tok-123" {
		t.Errorf("received mail: %+v", e)
	}
	if stored, _ := s.Application(t.Context(), a.Number); stored.StatusToken != "" {
		t.Errorf("the plain status token was stored with the application")
	}
	advance(t, s, a.Number, membership.StatusFiled)
	app, m, err := certify(t, s, a.Number, 0)
	if err != nil {
		t.Fatal(err)
	}
	got = wantMail(t, s, a.Number, map[string]outbox.Kind{"h0": outbox.KindReceived, "h1": outbox.KindReviewed,
		"h2": outbox.KindApproved, "h3": outbox.KindFiled, "h4": outbox.KindCertified})
	if c := got["h4"].Data["certificate"]; c != m.Certificate || c != app.CertificateNumber || c == "" {
		t.Errorf("certified mail names certificate %q, want %q", c, m.Certificate)
	}
}

func testMailFailedChange(t *testing.T, s MailStore) {
	ctx := t.Context()
	numbers := created(t, s, 2)
	refused := errors.New("refused by fn")
	if _, err := s.UpdateApplication(ctx, numbers[0], 0, func(a *membership.Application) error {
		if err := a.Apply(clerk, membership.Change{Action: membership.ActionReview}, t0); err != nil {
			return err
		}
		return refused // the domain moved it, then something refused: nothing is stored
	}); !errors.Is(err, refused) {
		t.Fatalf("UpdateApplication: %v", err)
	}
	if _, err := s.UpdateApplication(ctx, numbers[1], 7, func(a *membership.Application) error {
		return a.Apply(clerk, membership.Change{Action: membership.ActionReview}, t0)
	}); membership.ErrorCode(err) != membership.ECONFLICT {
		t.Fatalf("stale version: %v", err)
	}
	advance(t, s, numbers[0], membership.StatusReviewed)
	if _, _, err := certify(t, s, numbers[0], 0); membership.ErrorCode(err) != membership.ECONFLICT {
		t.Fatalf("certify a reviewed application: %v, want a conflict", err)
	}
	wantMail(t, s, numbers[0], map[string]outbox.Kind{"h0": outbox.KindReceived, "h1": outbox.KindReviewed})
	wantMail(t, s, numbers[1], map[string]outbox.Kind{"h0": outbox.KindReceived})
	ev := SampleEvent("mail-full", 1)
	register(t, s, ev, 1, false)
	if _, err := s.Register(ctx, SampleRegistration(ev, 2, false), ev, nil); membership.ErrorCode(err) != membership.EINVALID {
		t.Fatalf("full without consent: %v", err)
	}
	pending, err := s.Mail(ctx, outbox.StatePending)
	if err != nil {
		t.Fatal(err)
	}
	regs := 0
	for _, e := range pending {
		if e.Kind == outbox.KindConfirmed || e.Kind == outbox.KindWaitlisted {
			regs++
		}
	}
	if regs != 1 {
		t.Errorf("%d registration mails after one registration and one refused, want 1", regs)
	}
}

func testMailRacingTransitions(t *testing.T, s MailStore) {
	ctx := t.Context()
	const pairs = 20
	numbers := created(t, s, pairs)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, n := range numbers {
		for _, c := range []struct {
			who membership.Actor
			ch  membership.Change
		}{{clerk, membership.Change{Action: membership.ActionReview}}, {clerk2, membership.Change{Action: membership.ActionReject, Note: "材料不全"}}} {
			wg.Go(func() {
				<-start
				_, _ = s.UpdateApplication(ctx, n, 1, func(a *membership.Application) error { return a.Apply(c.who, c.ch, t0) })
			})
		}
	}
	close(start)
	wg.Wait()
	for _, n := range numbers {
		a, err := s.Application(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		want := outbox.KindReviewed
		if a.Status == membership.StatusRejected {
			want = outbox.KindRejected
		}
		wantMail(t, s, n, map[string]outbox.Kind{"h0": outbox.KindReceived, "h1": want})
	}
}

func testMailRegistrations(t *testing.T, s MailStore) {
	ev := SampleEvent("mail-event", 2)
	var regs []*events.Registration
	for i := range 4 {
		regs = append(regs, register(t, s, ev, i+1, true))
	}
	wantMail(t, s, regs[0].Code, map[string]outbox.Kind{"confirmed": outbox.KindConfirmed})
	got := wantMail(t, s, regs[2].Code, map[string]outbox.Kind{"waitlisted": outbox.KindWaitlisted})
	if e := got["waitlisted"]; e.To != regs[2].Email || e.Data["event"] != ev.Title || e.Data["code"] != regs[2].Code || e.ToName != regs[2].Name {
		t.Errorf("waitlisted mail: %+v", e)
	}
	cancel(t, s, ev, regs[0].Code)
	wantMail(t, s, regs[0].Code, map[string]outbox.Kind{"confirmed": outbox.KindConfirmed})
	wantMail(t, s, regs[2].Code, map[string]outbox.Kind{"waitlisted": outbox.KindWaitlisted, "promoted": outbox.KindPromoted})
	wantMail(t, s, regs[3].Code, map[string]outbox.Kind{"waitlisted": outbox.KindWaitlisted})
	// The secretariat's 补位 (a place more in the content) tells the promoted
	// too; a second 补位 with no place free writes nothing.
	ev.Capacity = 3
	for range 2 {
		if _, err := promoteFor(t.Context(), s, ev); err != nil {
			t.Fatal(err)
		}
	}
	wantMail(t, s, regs[3].Code, map[string]outbox.Kind{"waitlisted": outbox.KindWaitlisted, "promoted": outbox.KindPromoted})
}

func testMailClaimBatch(t *testing.T, s MailStore) {
	ctx := t.Context()
	if _, err := s.EnqueueMail(ctx, []outbox.Entry{sampleMail("B", "1", t0), sampleMail("B", "2", t0), sampleMail("B", "3", t0.Add(time.Hour))}); err != nil {
		t.Fatal(err)
	}
	claim := func(e *outbox.Entry) error { return e.Claim("a", t0, time.Minute) }
	got, err := s.ClaimMail(ctx, []string{"B/1", "B/2", "B/3", "B/gone"}, claim)
	if err != nil || len(got) != 2 || got[0].ID() != "B/1" || got[1].ID() != "B/2" || got[0].Lease != "a" || got[0].Version != 2 {
		t.Fatalf("ClaimMail: %+v, %v; want B/1 and B/2 claimed (B/3 not due, B/gone unknown)", got, err)
	}
	if again, err := s.ClaimMail(ctx, []string{"B/1", "B/2"}, claim); err != nil || len(again) != 0 {
		t.Errorf("ClaimMail of held entries: %+v, %v; want none", again, err)
	}
	if _, err := s.UpdateMail(ctx, "B/1", func(e *outbox.Entry) error { return e.Sent("a", "ok", t0) }); err != nil {
		t.Errorf("sent under the batch's lease: %v", err)
	}
}
