package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smelisting/alliance/functions/backoffice"
	"github.com/smelisting/alliance/functions/intake"
	"github.com/smelisting/alliance/functions/membership"
)

// AdminStore is a store of both halves: the applications the public submits
// and the back office's records. dynamo.Store and localstore.Store are both.
type AdminStore interface {
	intake.Store
	backoffice.Store
}

// NewAdminStore returns an empty back-office store for one test.
type NewAdminStore func(t *testing.T) AdminStore

// RunAdmin runs the back office's contract suite against stores made by newStore.
func RunAdmin(t *testing.T, newStore NewAdminStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s AdminStore)
	}{
		{"ApplicationListPagesFiltersAndSearches", testApplicationList},
		{"ApplicationCounts", testApplicationCounts},
		{"ListsPastTheDeadlineUnavailable", testListsPastDeadline},
		{"IssueCertificateAllOrNothing", testIssueCertificate},
		{"MemberUpdateWithVersion", testMemberUpdate},
		{"AttendanceOncePerMemberEvent", testAttendance},
		{"AttendanceVoidKeepsRecordAndFreesEvent", testVoidAttendance},
		{"ConcurrentVoidOneWins", testConcurrentVoid},
		{"FeeScheduleDefaultAndVersions", testFeeSchedule},
		{"PaymentClaimsAndCorrections", testPayments},
		{"ConflictingTransitionsOneWinsPerPair", testConflictingTransitions},
		{"ConcurrentCertificatesUniqueNumbers", testConcurrentCertificates},
		{"ConcurrentSameMemberYearOneWins", testConcurrentMemberYear},
		{"ConcurrentSameReceiptOneWins", testConcurrentReceipt},
		{"WrappedDomainErrorsKeepTheirCode", testWrappedErrors},
		{"CreditCodeHeldByOneRecordAtATime", testCreditCodeClaims},
		{"CreditCodeHeldElsewhereIsRefused", testCreditCodeHeld},
		{"ConcurrentSameCreditCodeOneStored", testConcurrentCreditCode},
		{"RecordsByCreditCode", testRecordsByCreditCode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, newStore(t)) })
	}
}

var (
	clerk  = membership.Actor{ID: "clerk-1", Name: "王秘书", Roles: []string{membership.RoleSecretariat}}
	clerk2 = membership.Actor{ID: "clerk-2", Name: "赵秘书", Roles: []string{membership.RoleSecretariat}}
	chair  = membership.Actor{ID: "chair-1", Name: "刘理事长", Roles: []string{membership.RoleChair}}
)

// wantCode fails the test unless err has the domain code ("" for nil).
func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := membership.ErrorCode(err); got != code {
		t.Fatalf("%s: got code %q (%v), want %q", what, got, err, code)
	}
}

// created stores n sample applications and returns their numbers.
func created(t *testing.T, s AdminStore, n int) []string {
	t.Helper()
	var numbers []string
	for i := range n {
		a := Sample(t0.Add(time.Duration(i) * time.Second))
		if err := s.CreateApplication(t.Context(), a, nil); err != nil {
			t.Fatalf("CreateApplication: %v", err)
		}
		numbers = append(numbers, a.Number)
	}
	return numbers
}

// advance moves an application through the workflow up to status to.
func advance(t *testing.T, s AdminStore, number string, to membership.Status) {
	t.Helper()
	steps := []struct {
		actor  membership.Actor
		change membership.Change
		after  membership.Status
	}{
		{clerk, membership.Change{Action: membership.ActionReview}, membership.StatusReviewed},
		{chair, membership.Change{Action: membership.ActionApprove}, membership.StatusApproved},
		{clerk, membership.Change{Action: membership.ActionFile, Filing: &membership.Filing{Date: "2026-11-20", Reference: "ZC-" + number}}, membership.StatusFiled},
	}
	for _, st := range steps {
		if _, err := s.UpdateApplication(t.Context(), number, 0, func(a *membership.Application) error {
			return a.Apply(st.actor, st.change, t0)
		}); err != nil {
			t.Fatalf("advance %s: %v", number, err)
		}
		if st.after == to {
			return
		}
	}
}

func certify(t *testing.T, s AdminStore, number string, version int) (*membership.Application, *membership.Member, error) {
	return s.IssueCertificate(t.Context(), number, version, func(a *membership.Application) (*membership.Member, error) {
		if err := a.Apply(clerk, membership.Change{Action: membership.ActionCertify}, t0); err != nil {
			return nil, err
		}
		return membership.NewMember(a, clerk, t0), nil
	})
}

func testIssueCertificate(t *testing.T, s AdminStore) {
	ctx := t.Context()
	numbers := created(t, s, 3)
	for _, n := range numbers {
		advance(t, s, n, membership.StatusFiled)
	}
	year := membership.NumberYear(time.Now())
	filed, err := s.Application(ctx, numbers[0])
	if err != nil {
		t.Fatal(err)
	}
	app, m, err := certify(t, s, numbers[0], filed.Version)
	if err != nil {
		t.Fatalf("IssueCertificate: %v", err)
	}
	want := membership.FormatCertificate(year, 1)
	if m.Certificate != want || app.CertificateNumber != want || app.Status != membership.StatusCertified || app.Version != filed.Version+1 {
		t.Fatalf("issued: got member %s, application %s/%s v%d, want %s, certified v%d",
			m.Certificate, app.CertificateNumber, app.Status, app.Version, want, filed.Version+1)
	}
	stored, err := s.Member(ctx, want)
	if err != nil {
		t.Fatalf("Member: %v", err)
	}
	if stored.Application != numbers[0] || stored.Version != 1 || stored.Status != membership.MemberActive || stored.Filing == nil {
		t.Errorf("stored member: got %+v, want application %s, version 1, active, with the filing", stored, numbers[0])
	}

	// A stale version writes nothing: no member, no number used.
	_, _, err = certify(t, s, numbers[1], 1)
	wantCode(t, "stale version", err, membership.ECONFLICT)
	// A refusal by the domain writes nothing either.
	_, _, err = s.IssueCertificate(ctx, numbers[1], 0, func(*membership.Application) (*membership.Member, error) {
		return nil, membership.Errorf(membership.EFORBIDDEN, "test", "no")
	})
	wantCode(t, "refused", err, membership.EFORBIDDEN)
	if a, _ := s.Application(ctx, numbers[1]); a.Status != membership.StatusFiled || a.CertificateNumber != "" {
		t.Errorf("after failed issues: got %s %q, want filed, no certificate", a.Status, a.CertificateNumber)
	}
	_, m2, err := certify(t, s, numbers[1], 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := membership.FormatCertificate(year, 2); m2.Certificate != want {
		t.Errorf("second certificate: got %s, want %s (no gap after failures)", m2.Certificate, want)
	}
	// Certifying twice is a conflict from the domain, and creates nothing.
	_, _, err = certify(t, s, numbers[0], 0)
	wantCode(t, "certify twice", err, membership.ECONFLICT)
	ms, err := s.Members(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 {
		t.Errorf("members: got %d, want 2", len(ms))
	}
	_, _, err = certify(t, s, "SQ2026-999999", 0)
	wantCode(t, "unknown application", err, membership.ENOTFOUND)
}

// members issues n certificates and returns the members.
func members(t *testing.T, s AdminStore, n int) []*membership.Member {
	t.Helper()
	var ms []*membership.Member
	for _, number := range created(t, s, n) {
		advance(t, s, number, membership.StatusFiled)
		_, m, err := certify(t, s, number, 0)
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m)
	}
	return ms
}

func testMemberUpdate(t *testing.T, s AdminStore) {
	ctx := t.Context()
	m := members(t, s, 1)[0]
	up, err := s.UpdateMember(ctx, m.Certificate, 1, func(m *membership.Member) error {
		return m.ProposeExpulsion(clerk, "长期拒不履行会员义务", t0)
	})
	if err != nil {
		t.Fatal(err)
	}
	if up.Version != 2 || up.PendingExpulsion == nil {
		t.Fatalf("updated: got v%d pending %v, want v2 with a pending expulsion", up.Version, up.PendingExpulsion)
	}
	_, err = s.UpdateMember(ctx, m.Certificate, 1, func(m *membership.Member) error {
		return m.DecideExpulsion(chair, true, "", t0)
	})
	wantCode(t, "stale version", err, membership.ECONFLICT)
	_, err = s.UpdateMember(ctx, m.Certificate, 2, func(m *membership.Member) error {
		return m.DecideExpulsion(clerk, true, "", t0)
	})
	wantCode(t, "wrong role", err, membership.EFORBIDDEN)
	got, err := s.Member(ctx, m.Certificate)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 2 || got.Status != membership.MemberActive {
		t.Errorf("after refused updates: got v%d %s, want v2 active", got.Version, got.Status)
	}
	_, err = s.UpdateMember(ctx, "LM-1999-0001", 0, func(*membership.Member) error { return nil })
	wantCode(t, "unknown member", err, membership.ENOTFOUND)
	_, err = s.Member(ctx, "LM-1999-0001")
	wantCode(t, "unknown member", err, membership.ENOTFOUND)
}

func testAttendance(t *testing.T, s AdminStore) {
	ctx := t.Context()
	ms := members(t, s, 2)
	att := func(member, event, date string) *membership.Attendance {
		return &membership.Attendance{Member: member, Event: event, Kind: membership.EventActivity, Date: date, RecordedBy: clerk.ID, RecordedAt: t0}
	}
	for _, a := range []*membership.Attendance{
		att(ms[0].Certificate, "2026-assembly", "2026-06-01"),
		att(ms[0].Certificate, "2026-forum", "2026-09-01"),
		att(ms[1].Certificate, "2026-assembly", "2026-06-01"),
	} {
		if err := s.AddAttendance(ctx, a); err != nil {
			t.Fatalf("AddAttendance %s %s: %v", a.Member, a.Event, err)
		}
	}
	wantCode(t, "same member and event", s.AddAttendance(ctx, att(ms[0].Certificate, "2026-assembly", "2026-06-02")), membership.ECONFLICT)
	wantCode(t, "unknown member", s.AddAttendance(ctx, att("LM-1999-0001", "2026-assembly", "2026-06-01")), membership.ENOTFOUND)
	all, err := s.Attendance(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || len(all[ms[0].Certificate]) != 2 || len(all[ms[1].Certificate]) != 1 {
		t.Fatalf("attendance: got %v, want 2 records and 1", all)
	}
	if got := all[ms[0].Certificate][0]; got.Date != "2026-06-01" || got.Event != "2026-assembly" {
		t.Errorf("first record: got %+v, want 2026-assembly on 2026-06-01", got)
	}
}

// testVoidAttendance voids a record entered with the wrong date: it stays on
// file, voided, and the member's attendance of the event can be entered again.
func testVoidAttendance(t *testing.T, s AdminStore) {
	ctx := t.Context()
	m := members(t, s, 1)[0]
	wrong := &membership.Attendance{Member: m.Certificate, Event: "2026-assembly", Kind: membership.EventGeneralAssembly,
		Date: "2025-06-18", RecordedBy: clerk.ID, RecordedAt: t0}
	if err := s.AddAttendance(ctx, wrong); err != nil {
		t.Fatal(err)
	}
	void := func(a *membership.Attendance) error { return a.Void(clerk, "日期录错", t0.Add(time.Hour)) }
	got, err := s.VoidAttendance(ctx, m.Certificate, "2026-assembly", void)
	if err != nil {
		t.Fatalf("VoidAttendance: %v", err)
	}
	if got.Voided == nil || got.Voided.Reason != "日期录错" || got.Date != "2025-06-18" {
		t.Errorf("voided record: got %+v, want the 2025-06-18 record voided for 日期录错", got)
	}
	_, err = s.VoidAttendance(ctx, m.Certificate, "2026-assembly", void)
	wantCode(t, "void again", err, membership.ENOTFOUND)
	_, err = s.VoidAttendance(ctx, m.Certificate, "2026-forum", void)
	wantCode(t, "void unknown event", err, membership.ENOTFOUND)
	_, err = s.VoidAttendance(ctx, m.Certificate, "2026-assembly", func(a *membership.Attendance) error {
		return a.Void(chair, "误录", t0)
	})
	wantCode(t, "nothing current to void", err, membership.ENOTFOUND)

	right := *wrong
	right.Date, right.RecordedAt = "2026-06-18", t0.Add(2*time.Hour)
	if err := s.AddAttendance(ctx, &right); err != nil {
		t.Fatalf("AddAttendance after void: got %v, want nil", err)
	}
	wantCode(t, "add twice after void", s.AddAttendance(ctx, &right), membership.ECONFLICT)
	_, err = s.VoidAttendance(ctx, m.Certificate, "2026-assembly", func(a *membership.Attendance) error {
		return a.Void(chair, "误录", t0)
	})
	wantCode(t, "fn's error", err, membership.EFORBIDDEN)

	all, err := s.Attendance(ctx)
	if err != nil {
		t.Fatal(err)
	}
	recs := all[m.Certificate]
	slices.SortFunc(recs, func(a, b membership.Attendance) int { return strings.Compare(a.Date, b.Date) })
	if len(recs) != 2 || recs[0].Voided == nil || recs[0].Date != "2025-06-18" || recs[1].Voided != nil || recs[1].Date != "2026-06-18" {
		t.Fatalf("attendance: got %+v, want the voided 2025 record and the current 2026 one", recs)
	}
}

// testConcurrentVoid voids one record from 10 goroutines: exactly one succeeds
// and one voided copy is kept.
func testConcurrentVoid(t *testing.T, s AdminStore) {
	ctx := t.Context()
	m := members(t, s, 1)[0]
	if err := s.AddAttendance(ctx, &membership.Attendance{Member: m.Certificate, Event: "2026-forum", Kind: membership.EventActivity,
		Date: "2026-09-01", RecordedBy: clerk.ID, RecordedAt: t0}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	ok := 0
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.VoidAttendance(ctx, m.Certificate, "2026-forum", func(a *membership.Attendance) error {
				return a.Void(clerk, fmt.Sprintf("误录 %d", i), t0.Add(time.Duration(i)*time.Second))
			})
			mu.Lock()
			defer mu.Unlock()
			switch membership.ErrorCode(err) {
			case "":
				ok++
			case membership.ECONFLICT, membership.ENOTFOUND:
			default:
				t.Errorf("void %d: got %v, want success, conflict or not found", i, err)
			}
		}()
	}
	wg.Wait()
	all, err := s.Attendance(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ok != 1 || len(all[m.Certificate]) != 1 || all[m.Certificate][0].Voided == nil {
		t.Fatalf("10 voids at once: got %d successes and records %+v, want 1 success and 1 voided record", ok, all[m.Certificate])
	}
}

func testFeeSchedule(t *testing.T, s AdminStore) {
	ctx := t.Context()
	fs, err := s.FeeSchedule(ctx, 2027)
	if err != nil {
		t.Fatal(err)
	}
	if def := membership.DefaultFeeSchedule(2027); fs.Enterprise != def.Enterprise || fs.Group != def.Group || fs.Individual != def.Individual || fs.Version != 0 {
		t.Fatalf("default: got %+v, want the charter's", fs)
	}
	fs.Enterprise, fs.Note = 1_500_000, "2026 年会员大会决议"
	if err := s.PutFeeSchedule(ctx, &fs); err != nil {
		t.Fatal(err)
	}
	stale := membership.FeeSchedule{Year: 2027, Enterprise: 1, Version: 0}
	wantCode(t, "second first write", s.PutFeeSchedule(ctx, &stale), membership.ECONFLICT)
	got, err := s.FeeSchedule(ctx, 2027)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 1 || got.Enterprise != 1_500_000 || got.Group != membership.DefaultAnnualFee || got.Note != fs.Note {
		t.Fatalf("stored: got %+v, want v1 with enterprise 1,500,000", got)
	}
	if err := got.Change(clerk, got.Enterprise, 1_000_000, 0, "理事会决议", t0); err != nil {
		t.Fatal(err)
	}
	if err := s.PutFeeSchedule(ctx, &got); err != nil || got.Version != 2 {
		t.Fatalf("update: got %v v%d, want nil v2", err, got.Version)
	}
	got, err = s.FeeSchedule(ctx, 2027)
	if err != nil {
		t.Fatal(err)
	}
	if got.Group != 1_000_000 || len(got.History) != 1 || got.History[0].Group != membership.DefaultAnnualFee || got.History[0].Note != fs.Note {
		t.Fatalf("after change: got %+v, want group 1,000,000 and the earlier state in the history", got)
	}
	if other, _ := s.FeeSchedule(ctx, 2026); other.Version != 0 || other.Enterprise != membership.DefaultAnnualFee {
		t.Errorf("other year: got %+v, want the default", other)
	}
}

func payment(member string, year, n int, receipt, corrects string) *membership.Payment {
	return &membership.Payment{ID: membership.PaymentID(member, year, n), Member: member, Year: year, Amount: membership.DefaultAnnualFee,
		PaidOn: "2026-03-10", Receipt: receipt, Corrects: corrects, RecordedBy: clerk.ID, RecordedAt: t0}
}

func testPayments(t *testing.T, s AdminStore) {
	ctx := t.Context()
	const a, b = "LM-2026-0001", "LM-2026-0002"
	steps := []struct {
		name string
		p    *membership.Payment
		code string
	}{
		{"first payment", payment(a, 2026, 1, "SK-001", ""), ""},
		{"same member-year again", payment(a, 2026, 2, "SK-002", ""), membership.ECONFLICT},
		{"same id again", payment(a, 2026, 1, "SK-003", ""), membership.ECONFLICT},
		{"receipt reused by another member", payment(b, 2026, 1, "SK-001", ""), membership.ECONFLICT},
		{"another year of the same member", payment(a, 2027, 1, "SK-004", ""), ""},
		{"correction keeping the receipt", payment(a, 2026, 2, "SK-001", membership.PaymentID(a, 2026, 1)), ""},
		{"correction of a superseded entry", payment(a, 2026, 3, "SK-001", membership.PaymentID(a, 2026, 1)), membership.ECONFLICT},
		{"correction of an entry that does not exist", payment(b, 2026, 2, "SK-009", membership.PaymentID(b, 2026, 1)), membership.ECONFLICT},
		{"correction with a new receipt", payment(a, 2026, 3, "SK-005", membership.PaymentID(a, 2026, 2)), ""},
		{"the released receipt is free again", payment(b, 2026, 1, "SK-001", ""), ""},
		{"the correction's receipt is taken", payment("LM-2026-0003", 2026, 1, "SK-005", ""), membership.ECONFLICT},
	}
	for _, st := range steps {
		wantCode(t, st.name, s.RecordPayment(ctx, st.p), st.code)
	}
	cur, err := s.CurrentPayment(ctx, a, 2026)
	if err != nil {
		t.Fatal(err)
	}
	if cur.ID != membership.PaymentID(a, 2026, 3) || cur.Receipt != "SK-005" || cur.Corrects != membership.PaymentID(a, 2026, 2) {
		t.Errorf("current: got %+v, want the second correction", cur)
	}
	_, err = s.CurrentPayment(ctx, "LM-2026-0003", 2026)
	wantCode(t, "no payment", err, membership.ENOTFOUND)
	ps, err := s.Payments(ctx, 2026)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range ps {
		ids = append(ids, p.ID)
	}
	slices.Sort(ids)
	want := []string{a + "/2026/1", a + "/2026/2", a + "/2026/3", b + "/2026/1"}
	if !slices.Equal(ids, want) {
		t.Errorf("ledger 2026: got %v, want %v (nothing edited or lost)", ids, want)
	}
}

// testConflictingTransitions runs 50 pairs of simultaneous conflicting moves
// (review and reject of the same application, at the same version): exactly
// one of each pair may succeed, the other must be a conflict.
func testConflictingTransitions(t *testing.T, s AdminStore) {
	ctx := t.Context()
	const pairs = 50
	numbers := created(t, s, pairs)
	type result struct{ review, reject error }
	results := make([]result, pairs)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, n := range numbers {
		wg.Add(2)
		go func() {
			defer wg.Done()
			<-start
			_, results[i].review = s.UpdateApplication(ctx, n, 1, func(a *membership.Application) error {
				return a.Apply(clerk, membership.Change{Action: membership.ActionReview}, t0)
			})
		}()
		go func() {
			defer wg.Done()
			<-start
			_, results[i].reject = s.UpdateApplication(ctx, n, 1, func(a *membership.Application) error {
				return a.Apply(clerk2, membership.Change{Action: membership.ActionReject, Note: "材料不全"}, t0)
			})
		}()
	}
	close(start)
	wg.Wait()
	for i, r := range results {
		ok := 0
		for _, err := range []error{r.review, r.reject} {
			switch membership.ErrorCode(err) {
			case "":
				ok++
			case membership.ECONFLICT:
			default:
				t.Errorf("pair %d: got %v, want success or conflict", i, err)
			}
		}
		if ok != 1 {
			t.Errorf("pair %d: got %d successes (review %v, reject %v), want exactly 1", i, ok, r.review, r.reject)
		}
		a, err := s.Application(ctx, numbers[i])
		if err != nil {
			t.Fatal(err)
		}
		wantStatus := membership.StatusReviewed
		if r.reject == nil {
			wantStatus = membership.StatusRejected
		}
		if a.Version != 2 || len(a.History) != 2 || a.Status != wantStatus {
			t.Errorf("pair %d: stored v%d, %d events, %s; want v2, 2 events, %s", i, a.Version, len(a.History), a.Status, wantStatus)
		}
	}
}

// testConcurrentCertificates issues certificates for 12 applications at once:
// every one succeeds (the store retries lost races for the number) and the
// numbers are 1..12 without gaps or duplicates.
func testConcurrentCertificates(t *testing.T, s AdminStore) {
	const n = 12
	numbers := created(t, s, n)
	for _, number := range numbers {
		advance(t, s, number, membership.StatusFiled)
	}
	certs := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, number := range numbers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, m, err := certify(t, s, number, 0)
			if err == nil {
				certs[i] = m.Certificate
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("concurrent issues: %v", err)
	}
	slices.Sort(certs)
	year := membership.NumberYear(time.Now())
	for i, c := range certs {
		if want := membership.FormatCertificate(year, i+1); c != want {
			t.Fatalf("certificates: got %v, want %s..%s", certs, membership.FormatCertificate(year, 1), membership.FormatCertificate(year, n))
		}
	}
}

// race runs attempts calls of fn from workers goroutines and counts successes;
// any error other than a conflict fails the test.
func race(t *testing.T, attempts, workers int, fn func(i int) error) int {
	t.Helper()
	var mu sync.Mutex
	ok := 0
	var others []error
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < attempts; i += workers {
				err := fn(i)
				mu.Lock()
				switch membership.ErrorCode(err) {
				case "":
					ok++
				case membership.ECONFLICT:
				default:
					others = append(others, err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(others) > 0 {
		t.Fatalf("%d attempts failed with other errors than a conflict, e.g. %v", len(others), others[0])
	}
	return ok
}

func testConcurrentMemberYear(t *testing.T, s AdminStore) {
	ctx := t.Context()
	ok := race(t, 100, 10, func(i int) error {
		return s.RecordPayment(ctx, payment("LM-2026-0001", 2026, 1, fmt.Sprintf("SK-%03d", i), ""))
	})
	if ok != 1 {
		t.Fatalf("same member-year from 10 goroutines: got %d successes, want exactly 1", ok)
	}
	ps, err := s.Payments(ctx, 2026)
	if err != nil || len(ps) != 1 {
		t.Fatalf("ledger: got %d entries, %v; want 1", len(ps), err)
	}
	// The receipts of the losers stay free.
	for i := range 100 {
		r := fmt.Sprintf("SK-%03d", i)
		if r == ps[0].Receipt {
			continue
		}
		if err := s.RecordPayment(ctx, payment(fmt.Sprintf("LM-2026-%04d", 100+i), 2026, 1, r, "")); err != nil {
			t.Fatalf("receipt %s of a lost attempt: got %v, want it free", r, err)
		}
		break
	}
}

func testConcurrentReceipt(t *testing.T, s AdminStore) {
	ctx := t.Context()
	ok := race(t, 100, 10, func(i int) error {
		return s.RecordPayment(ctx, payment(fmt.Sprintf("LM-2026-%04d", i+1), 2026, 1, "SK-SHARED", ""))
	})
	if ok != 1 {
		t.Fatalf("same receipt from 10 goroutines: got %d successes, want exactly 1", ok)
	}
	ps, err := s.Payments(ctx, 2026)
	if err != nil || len(ps) != 1 {
		t.Fatalf("ledger: got %d entries, %v; want 1", len(ps), err)
	}
	// The member-years of the losers stay free.
	winner := ps[0].Member
	other := "LM-2026-0001"
	if winner == other {
		other = "LM-2026-0002"
	}
	if err := s.RecordPayment(ctx, payment(other, 2026, 1, "SK-OTHER", "")); err != nil {
		t.Fatalf("member-year of a lost attempt: got %v, want it free", err)
	}
}

// testWrappedErrors checks that an error fn returns keeps its domain code when
// it wraps a domain error (fmt.Errorf with %w): a store that only passes an
// unwrapped *membership.Error through would turn a 409 into a 500.
func testWrappedErrors(t *testing.T, s AdminStore) {
	ctx := t.Context()
	refused := fmt.Errorf("check: %w", membership.Errorf(membership.ECONFLICT, "test", "已被他人修改"))
	m := members(t, s, 1)[0]
	numbers := created(t, s, 1)
	advance(t, s, numbers[0], membership.StatusFiled)
	if err := s.AddAttendance(ctx, &membership.Attendance{Member: m.Certificate, Event: "2026-forum", Kind: membership.EventActivity,
		Date: "2026-09-01", RecordedBy: clerk.ID, RecordedAt: t0}); err != nil {
		t.Fatal(err)
	}
	_, err := s.UpdateApplication(ctx, numbers[0], 0, func(*membership.Application) error { return refused })
	wantCode(t, "UpdateApplication", err, membership.ECONFLICT)
	_, _, err = s.IssueCertificate(ctx, numbers[0], 0, func(*membership.Application) (*membership.Member, error) { return nil, refused })
	wantCode(t, "IssueCertificate", err, membership.ECONFLICT)
	_, err = s.UpdateMember(ctx, m.Certificate, 0, func(*membership.Member) error { return refused })
	wantCode(t, "UpdateMember", err, membership.ECONFLICT)
	_, err = s.VoidAttendance(ctx, m.Certificate, "2026-forum", func(*membership.Attendance) error { return refused })
	wantCode(t, "VoidAttendance", err, membership.ECONFLICT)
}

// Member stores an application, takes it through the workflow and issues its
// certificate, with the member's join date set to joinedOn (YYYY-MM-DD; "" for
// today), and returns the member.
func Member(t *testing.T, s AdminStore, joinedOn string) *membership.Member {
	t.Helper()
	number := created(t, s, 1)[0]
	advance(t, s, number, membership.StatusFiled)
	_, m, err := s.IssueCertificate(t.Context(), number, 0, func(a *membership.Application) (*membership.Member, error) {
		if err := a.Apply(clerk, membership.Change{Action: membership.ActionCertify}, t0); err != nil {
			return nil, err
		}
		m := membership.NewMember(a, clerk, t0)
		if joinedOn != "" {
			m.JoinedOn = joinedOn
		}
		return m, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}
