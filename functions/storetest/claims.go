package storetest

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smelisting/alliance/functions/membership"
)

// The contract of the claims on credit codes (one organisation, one
// membership): which records hold one is membership.CreditClaim's to say; the
// stores take, move and release the claims with the records, atomically.

// sampleOf returns a sample application of the organisation with the code.
func sampleOf(code string, at time.Time) *membership.Application {
	a := Sample(at)
	a.CreditCode = code
	return a
}

// mustCreate stores the application and fails the test if it cannot.
func mustCreate(t *testing.T, s AdminStore, a *membership.Application) string {
	t.Helper()
	if err := s.CreateApplication(t.Context(), a, nil); err != nil {
		t.Fatalf("CreateApplication of %s: %v", a.CreditCode, err)
	}
	return a.Number
}

// wantTaken fails the test unless a new application of the organisation is
// refused as membership.CreditCodeTaken says: a conflict on credit_code that
// names no record.
func wantTaken(t *testing.T, s AdminStore, code, why string, numbers ...string) {
	t.Helper()
	err := s.CreateApplication(t.Context(), sampleOf(code, t0), nil)
	f := membership.ErrorFields(err)["credit_code"]
	if membership.ErrorCode(err) != membership.ECONFLICT || f == "" {
		t.Fatalf("%s: a new application of the organisation: got %v, want a conflict on credit_code", why, err)
	}
	for _, n := range numbers {
		if strings.Contains(membership.ErrorMessage(err), n) || strings.Contains(f, n) {
			t.Errorf("%s: the refusal %q names %s, which an anonymous applicant may not learn", why, f, n)
		}
	}
}

// apply moves the application with the change by the actor.
func apply(t *testing.T, s AdminStore, number string, actor membership.Actor, c membership.Change) {
	t.Helper()
	if _, err := s.UpdateApplication(t.Context(), number, 0, func(a *membership.Application) error {
		return a.Apply(actor, c, t0)
	}); err != nil {
		t.Fatalf("%s %s: %v", c.Action, number, err)
	}
}

// testCreditCodeClaims takes one organisation through every way its claim is
// held and ended: an open application holds it until it is rejected or
// withdrawn; a certificate moves it to the member, who holds it until it exits
// or is expelled; then the organisation may apply again.
func testCreditCodeClaims(t *testing.T, s AdminStore) {
	code := NewCreditCode()
	applicant := membership.Actor{ID: "applicant", Roles: []string{membership.RoleApplicant}}

	first := mustCreate(t, s, sampleOf(code, t0))
	wantTaken(t, s, code, "while submitted", first)
	advance(t, s, first, membership.StatusReviewed)
	wantTaken(t, s, code, "while reviewed", first)
	apply(t, s, first, chair, membership.Change{Action: membership.ActionReject, Note: "材料不全"})

	second := mustCreate(t, s, sampleOf(code, t0)) // after a rejection
	apply(t, s, second, applicant, membership.Change{Action: membership.ActionWithdraw})

	third := mustCreate(t, s, sampleOf(code, t0)) // after a withdrawal
	advance(t, s, third, membership.StatusFiled)
	wantTaken(t, s, code, "while filed", third)
	_, m, err := certify(t, s, third, 0)
	if err != nil {
		t.Fatal(err)
	}
	wantTaken(t, s, code, "while a member", third, m.Certificate)
	if _, err := s.UpdateMember(t.Context(), m.Certificate, 0, func(m *membership.Member) error {
		return m.Exit(clerk, membership.Today(t0), true, "", t0)
	}); err != nil {
		t.Fatal(err)
	}

	fourth := mustCreate(t, s, sampleOf(code, t0)) // after an exit
	advance(t, s, fourth, membership.StatusFiled)
	_, m2, err := certify(t, s, fourth, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []func(m *membership.Member) error{
		func(m *membership.Member) error { return m.ProposeExpulsion(clerk, "严重违反章程", t0) },
		func(m *membership.Member) error { return m.DecideExpulsion(chair, true, "", t0) },
	} {
		if _, err := s.UpdateMember(t.Context(), m2.Certificate, 0, step); err != nil {
			t.Fatal(err)
		}
	}
	mustCreate(t, s, sampleOf(code, t0)) // after an expulsion

	// Individuals have no code: any number of them.
	for range 2 {
		a := Sample(t0)
		a.Type, a.CreditCode, a.Representative, a.RepresentativeKind = membership.TypeIndividual, "", "", ""
		mustCreate(t, s, a)
	}
}

// testCreditCodeHeld: a change that would give a record a credit code another
// record holds is refused, naming the holder for the secretariat, and stores
// nothing.
func testCreditCodeHeld(t *testing.T, s AdminStore) {
	ctx := t.Context()
	held, other := NewCreditCode(), NewCreditCode()
	holder := mustCreate(t, s, sampleOf(held, t0))
	n := mustCreate(t, s, sampleOf(other, t0))
	_, err := s.UpdateApplication(ctx, n, 0, func(a *membership.Application) error {
		a.CreditCode = held
		return nil
	})
	if membership.ErrorCode(err) != membership.ECONFLICT || !strings.Contains(membership.ErrorMessage(err), holder) {
		t.Fatalf("taking a held code: got %v, want a conflict naming %s", err, holder)
	}
	if a, _ := s.Application(ctx, n); a.CreditCode != other || a.Version != 1 {
		t.Errorf("after the refusal: got code %s version %d, want %s, 1 (nothing stored)", a.CreditCode, a.Version, other)
	}
	// The code the application gave up is free, the one it took is its own.
	if _, err := s.UpdateApplication(ctx, n, 0, func(a *membership.Application) error {
		a.CreditCode = NewCreditCode()
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, sampleOf(other, t0))
}

// testConcurrentCreditCode submits applications of one organisation from many
// goroutines at once: exactly one is stored.
func testConcurrentCreditCode(t *testing.T, s AdminStore) {
	code := NewCreditCode()
	const n = 10
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.CreateApplication(t.Context(), sampleOf(code, t0.Add(time.Duration(i)*time.Second)), nil)
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch membership.ErrorCode(err) {
		case "":
			ok++
		case membership.ECONFLICT:
		default:
			t.Errorf("concurrent application: %v, want success or a conflict", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d concurrent applications of one organisation: %d stored, want exactly 1", n, ok)
	}
	apps := related(t, s, code, 1)
	if len(apps) != 1 {
		t.Errorf("applications with the code: got %d, want 1", len(apps))
	}
}

// related returns the applications with the code, waiting up to ten seconds
// for want of them (an index may lag behind the table).
func related(t *testing.T, s AdminStore, code string, want int) []membership.Application {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		apps, err := s.ApplicationsByCreditCode(t.Context(), code)
		if err != nil {
			t.Fatal(err)
		}
		if len(apps) >= want || time.Now().After(deadline) {
			return apps
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// testRecordsByCreditCode: the applications and members of one organisation,
// whatever their status, and no one else's.
func testRecordsByCreditCode(t *testing.T, s AdminStore) {
	ctx := t.Context()
	code := NewCreditCode()
	first := mustCreate(t, s, sampleOf(code, t0))
	apply(t, s, first, clerk, membership.Change{Action: membership.ActionReject, Note: "材料不全"})
	second := mustCreate(t, s, sampleOf(code, t0.Add(time.Hour)))
	advance(t, s, second, membership.StatusFiled)
	_, m, err := certify(t, s, second, 0)
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, Sample(t0)) // another organisation
	apps := related(t, s, code, 2)
	if len(apps) != 2 || apps[0].Number != first || apps[1].Number != second {
		t.Errorf("applications of the organisation: got %d, want %s and %s, oldest first", len(apps), first, second)
	}
	var ms []membership.Member
	for deadline := time.Now().Add(10 * time.Second); len(ms) == 0 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if ms, err = s.MembersByCreditCode(ctx, code); err != nil {
			t.Fatal(err)
		}
	}
	if len(ms) != 1 || ms[0].Certificate != m.Certificate {
		t.Errorf("members of the organisation: got %+v, want %s", ms, m.Certificate)
	}
	if none, err := s.ApplicationsByCreditCode(ctx, NewCreditCode()); err != nil || len(none) != 0 {
		t.Errorf("an unknown code: got %d applications, %v; want none", len(none), err)
	}
	if none, err := s.MembersByCreditCode(ctx, ""); err != nil || len(none) != 0 {
		t.Errorf("no code: got %d members, %v; want none", len(none), err)
	}
}
