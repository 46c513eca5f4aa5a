package backoffice_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/smelisting/alliance/functions/backoffice"
	"github.com/smelisting/alliance/functions/events"
	"github.com/smelisting/alliance/functions/localstore"
	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/storetest"
)

// now is the service's clock in these tests: 2026-11-27 16:00 in China.
var now = time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)

var (
	clerk   = membership.Actor{ID: "clerk-1", Name: "王秘书", Roles: []string{membership.RoleSecretariat}}
	chair   = membership.Actor{ID: "chair-1", Name: "刘理事长", Roles: []string{membership.RoleChair}}
	auditor = membership.Actor{ID: "auditor-1", Roles: []string{membership.RoleSupervisor}}
	nobody  = membership.Actor{ID: "guest-1", Roles: []string{"member"}}
)

func as(ctx context.Context, a membership.Actor) context.Context {
	return membership.NewContext(ctx, a)
}

// untouchable is a store whose every method panics (its embedded interface is
// nil): a use case that refuses must refuse before it reads or writes anything.
type untouchable struct{ backoffice.Store }

// useCases calls every use case of the service with plausible input, and
// says whether it changes something.
var useCases = []struct {
	name   string
	change bool
	call   func(ctx context.Context, s *backoffice.Service) error
}{
	{"WhoAmI", false, func(ctx context.Context, s *backoffice.Service) error { _, err := s.WhoAmI(ctx); return err }},
	{"Dashboard", false, func(ctx context.Context, s *backoffice.Service) error { _, err := s.Dashboard(ctx); return err }},
	{"Applications", false, func(ctx context.Context, s *backoffice.Service) error {
		_, err := s.Applications(ctx, membership.ApplicationQuery{})
		return err
	}},
	{"Application", false, func(ctx context.Context, s *backoffice.Service) error {
		_, err := s.Application(ctx, "SQ2026-000001")
		return err
	}},
	{"ChangeApplication", true, func(ctx context.Context, s *backoffice.Service) error {
		_, err := s.ChangeApplication(ctx, "SQ2026-000001", membership.ActionReview, backoffice.ChangeRequest{Version: 1})
		return err
	}},
	{"Certify", true, func(ctx context.Context, s *backoffice.Service) error {
		_, err := s.Certify(ctx, "SQ2026-000001", backoffice.ChangeRequest{Version: 4})
		return err
	}},
	{"Members", false, func(ctx context.Context, s *backoffice.Service) error { _, err := s.Members(ctx, ""); return err }},
	{"Member", false, func(ctx context.Context, s *backoffice.Service) error {
		_, err := s.Member(ctx, "LM-2026-0001")
		return err
	}},
	{"Exit", true, func(ctx context.Context, s *backoffice.Service) error {
		_, err := s.Exit(ctx, "LM-2026-0001", backoffice.ExitRequest{Version: 1, RequestedOn: "2026-11-01", CertificateReturned: true})
		return err
	}},
	{"ProposeExpulsion", true, func(ctx context.Context, s *backoffice.Service) error {
		_, err := s.ProposeExpulsion(ctx, "LM-2026-0001", backoffice.ExpulsionRequest{Version: 1, Reason: "严重违反章程"})
		return err
	}},
	{"DecideExpulsion", true, func(ctx context.Context, s *backoffice.Service) error {
		_, err := s.DecideExpulsion(ctx, "LM-2026-0001", backoffice.DecisionRequest{Version: 2, Approve: true})
		return err
	}},
	{"MarkLapsed", true, func(ctx context.Context, s *backoffice.Service) error {
		_, err := s.MarkLapsed(ctx, "LM-2026-0001", backoffice.LapseRequest{Version: 1})
		return err
	}},
	{"CertificateCard", false, func(ctx context.Context, s *backoffice.Service) error {
		_, err := s.CertificateCard(ctx, "LM-2026-0001")
		return err
	}},
	{"ChangeShowcase", true, func(ctx context.Context, s *backoffice.Service) error {
		_, err := s.ChangeShowcase(ctx, "LM-2026-0001", backoffice.ShowcaseRequest{Version: 1, RequestedBy: "联系人李四来函", RequestedOn: "2026-11-01"})
		return err
	}},
	{"Attendance", false, func(ctx context.Context, s *backoffice.Service) error { _, err := s.Attendance(ctx, ""); return err }},
	{"RecordAttendance", true, func(ctx context.Context, s *backoffice.Service) error {
		_, err := s.RecordAttendance(ctx, backoffice.AttendanceRequest{Event: "2026-forum", Kind: membership.EventActivity,
			Date: "2026-09-01", Members: []string{"LM-2026-0001"}})
		return err
	}},
	{"VoidAttendance", true, func(ctx context.Context, s *backoffice.Service) error {
		_, err := s.VoidAttendance(ctx, backoffice.AttendanceRequest{Event: "2026-forum", Void: true, Note: "误录", Members: []string{"LM-2026-0001"}})
		return err
	}},
	{"LapseReport", false, func(ctx context.Context, s *backoffice.Service) error { _, err := s.LapseReport(ctx, ""); return err }},
	{"FeeSchedule", false, func(ctx context.Context, s *backoffice.Service) error { _, err := s.FeeSchedule(ctx, 2027); return err }},
	{"ChangeFees", true, func(ctx context.Context, s *backoffice.Service) error {
		_, err := s.ChangeFees(ctx, 2027, backoffice.FeesRequest{Enterprise: 1_500_000, Group: 1_500_000, Note: "会员大会决议"})
		return err
	}},
	{"RecordPayment", true, func(ctx context.Context, s *backoffice.Service) error {
		_, err := s.RecordPayment(ctx, membership.PaymentInput{Member: "LM-2026-0001", Year: 2026, Amount: membership.DefaultAnnualFee,
			PaidOn: "2026-03-10", Receipt: "SK-0001"})
		return err
	}},
	{"Payments", false, func(ctx context.Context, s *backoffice.Service) error { _, err := s.Payments(ctx, 0, ""); return err }},
	{"DuesReport", false, func(ctx context.Context, s *backoffice.Service) error { _, err := s.DuesReport(ctx, 2026); return err }},
	{"Events", false, func(ctx context.Context, s *backoffice.Service) error { _, err := s.Events(ctx); return err }},
	{"Roster", false, func(ctx context.Context, s *backoffice.Service) error {
		_, err := s.Roster(ctx, "2026-salon")
		return err
	}},
	{"CheckIn", true, func(ctx context.Context, s *backoffice.Service) error {
		_, err := s.CheckIn(ctx, "2026-salon", backoffice.CheckInRequest{Code: "7KQ3-M9XD"})
		return err
	}},
	{"VoidCheckIn", true, func(ctx context.Context, s *backoffice.Service) error {
		_, err := s.VoidCheckIn(ctx, "2026-salon", backoffice.VoidCheckInRequest{Code: "7KQ3-M9XD", Note: "扫错了"})
		return err
	}},
	{"WalkIn", true, func(ctx context.Context, s *backoffice.Service) error {
		_, err := s.WalkIn(ctx, "2026-salon", backoffice.WalkInRequest{Name: "赵六", Org: "某公司", Phone: "13900001111", PrivacyAccepted: true})
		return err
	}},
	{"CancelRegistration", true, func(ctx context.Context, s *backoffice.Service) error {
		_, err := s.CancelRegistration(ctx, "2026-salon", "7KQ3-M9XD", backoffice.CancelRegistrationRequest{Note: "本人来电取消"})
		return err
	}},
	{"Promote", true, func(ctx context.Context, s *backoffice.Service) error {
		_, err := s.Promote(ctx, "2026-salon")
		return err
	}},
}

// TestRefusedBeforeTheStore calls every use case without an actor, with a
// role the back office does not know, and as the supervisor: each is refused
// (the supervisor only where it changes something) without a store call.
func TestRefusedBeforeTheStore(t *testing.T) {
	s := backoffice.New(backoffice.Config{Store: untouchable{}, Now: func() time.Time { return now }})
	for _, uc := range useCases {
		tests := []struct {
			who  string
			ctx  context.Context
			want string
		}{
			{"nobody signed in", t.Context(), membership.EUNAUTHORIZED},
			{"unknown role", as(t.Context(), nobody), membership.EFORBIDDEN},
			{"no role", as(t.Context(), membership.Actor{ID: "u-1"}), membership.EFORBIDDEN},
		}
		if uc.change {
			tests = append(tests, struct {
				who  string
				ctx  context.Context
				want string
			}{"supervisor", as(t.Context(), auditor), membership.EFORBIDDEN})
		}
		for _, tt := range tests {
			t.Run(uc.name+"/"+tt.who, func(t *testing.T) {
				if err := uc.call(tt.ctx, s); membership.ErrorCode(err) != tt.want {
					t.Errorf("got %v, want %s", err, tt.want)
				}
			})
		}
	}
}

// TestSupervisorReadsEverything calls every reading use case as the
// supervisor on an empty store.
func TestSupervisorReadsEverything(t *testing.T) {
	s, _ := newService(t)
	ctx := as(t.Context(), auditor)
	for _, uc := range useCases {
		if uc.change {
			continue
		}
		err := uc.call(ctx, s)
		want := ""
		if uc.name == "Application" || uc.name == "Member" || uc.name == "CertificateCard" {
			want = membership.ENOTFOUND
		}
		if got := membership.ErrorCode(err); got != want {
			t.Errorf("%s: got %v, want %q", uc.name, err, want)
		}
	}
}

func newService(t *testing.T) (*backoffice.Service, storetest.AdminStore) {
	t.Helper()
	st, err := localstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return backoffice.New(backoffice.Config{Store: st, Events: st, Catalog: catalogOf(storetest.SampleEvent("2026-salon", 2)),
		Now: func() time.Time { return now }}), st
}

// catalogOf is the catalog of the events, as the site would publish it.
func catalogOf(evs ...*events.Event) *events.CatalogCache {
	b := storetest.CatalogJSON(evs...)
	return events.NewCatalogCache(func(context.Context) ([]byte, error) { return b, nil })
}

// TestCancelAndPromote: the clerk cancels a registration on the registrant's
// behalf (the first waiting takes the place), then, the places raised in the
// content, fills them from the waitlist in one go (补位); the chair may do
// neither, and nothing is promoted once the event is over.
func TestCancelAndPromote(t *testing.T) {
	st, err := localstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ev := storetest.SampleEvent("2026-salon", 2)
	clock := now
	office := func(ev *events.Event) *backoffice.Service {
		return backoffice.New(backoffice.Config{Store: st, Events: st, Catalog: catalogOf(ev), Now: func() time.Time { return clock }})
	}
	var regs []*events.Registration
	for i := range 12 {
		r := storetest.SampleRegistration(ev, i, true)
		if _, err := st.Register(t.Context(), r, ev, nil); err != nil {
			t.Fatal(err)
		}
		regs = append(regs, r)
	}
	s := office(ev)
	if _, err := s.CancelRegistration(as(t.Context(), chair), ev.Slug, regs[0].Code, backoffice.CancelRegistrationRequest{Note: "本人来电取消"}); membership.ErrorCode(err) != membership.EFORBIDDEN {
		t.Errorf("the chair cancels: %v, want forbidden", err)
	}
	if _, err := s.CancelRegistration(as(t.Context(), clerk), ev.Slug, regs[0].Code, backoffice.CancelRegistrationRequest{Note: "本人\u202e来电取消"}); membership.ErrorFields(err)["note"] == "" {
		t.Errorf("a reason with a bidi override: %v, want it refused on note", err)
	}
	res, err := s.CancelRegistration(as(t.Context(), clerk), ev.Slug, strings.ToLower(regs[0].Code), backoffice.CancelRegistrationRequest{Note: "本人来电取消"})
	if err != nil || res.Registration.Label != "已取消" || res.Registration.Cancelled.Reason != "本人来电取消" || res.Counts.Confirmed != 2 || res.Counts.Waitlisted != 9 {
		t.Fatalf("cancel on behalf: %+v, %v; want cancelled with the reason, 2 confirmed and 9 waiting", res, err)
	}
	ev.Capacity = 11 // raised in the content: 9 places free for 9 waiting, more than one write promotes
	s = office(ev)
	if _, err := s.Promote(as(t.Context(), chair), ev.Slug); membership.ErrorCode(err) != membership.EFORBIDDEN {
		t.Errorf("the chair promotes: %v, want forbidden", err)
	}
	p, err := s.Promote(as(t.Context(), clerk), ev.Slug)
	if err != nil || len(p.Promoted) != 9 || p.Promoted[0].Code != regs[3].Code || p.Promoted[0].PromotedBy != clerk.ID ||
		p.Counts.Confirmed != 11 || p.Counts.Waitlisted != 0 || p.Counts.Promotable != 0 {
		t.Fatalf("promote: %d promoted (first %+v), counts %+v, %v; want the 9 waiting from %s, 11 confirmed", len(p.Promoted), p.Promoted, p.Counts, err, regs[3].Code)
	}
	if p, err := s.Promote(as(t.Context(), clerk), ev.Slug); err != nil || len(p.Promoted) != 0 {
		t.Errorf("promote again: %+v, %v; want nothing to do", p, err)
	}
	clock = ev.End
	if _, err := s.Promote(as(t.Context(), clerk), ev.Slug); membership.ErrorCode(err) != membership.ECONFLICT {
		t.Errorf("promote after the event: %v, want a conflict", err)
	}
}

// TestChangesNeedAVersion checks that every change of a versioned record
// names the version it was made against.
func TestChangesNeedAVersion(t *testing.T) {
	s, _ := newService(t)
	ctx := as(t.Context(), membership.Actor{ID: "clerk-1", Roles: []string{membership.RoleSecretariat, membership.RoleChair}})
	for name, err := range map[string]error{
		"ChangeApplication": second(s.ChangeApplication(ctx, "SQ2026-000001", membership.ActionReview, backoffice.ChangeRequest{})),
		"Certify":           second(s.Certify(ctx, "SQ2026-000001", backoffice.ChangeRequest{})),
		"Exit":              second(s.Exit(ctx, "LM-2026-0001", backoffice.ExitRequest{RequestedOn: "2026-11-01", CertificateReturned: true})),
		"ProposeExpulsion":  second(s.ProposeExpulsion(ctx, "LM-2026-0001", backoffice.ExpulsionRequest{Reason: "x"})),
		"DecideExpulsion":   second(s.DecideExpulsion(ctx, "LM-2026-0001", backoffice.DecisionRequest{Approve: true})),
		"MarkLapsed":        second(s.MarkLapsed(ctx, "LM-2026-0001", backoffice.LapseRequest{})),
		"ChangeShowcase":    second(s.ChangeShowcase(ctx, "LM-2026-0001", backoffice.ShowcaseRequest{RequestedBy: "来函", RequestedOn: "2026-11-01"})),
	} {
		if membership.ErrorFields(err)["version"] == "" {
			t.Errorf("%s without a version: got %v, want an EINVALID error on version", name, err)
		}
	}
}

func second[T any](_ T, err error) error { return err }

// TestRecordPayment takes a payment through its four store calls: the
// member (typed in lower case), the year's schedule, the member-year's
// current entry and the write; then a correction of it.
func TestRecordPayment(t *testing.T) {
	s, st := newService(t)
	m := storetest.Member(t, st, "2025-03-01")
	ctx := as(t.Context(), clerk)
	in := membership.PaymentInput{Member: strings.ToLower(m.Certificate), Year: 2026, Amount: membership.DefaultAnnualFee,
		PaidOn: "2026-03-10", Receipt: "sk-0001"}
	p, err := s.RecordPayment(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if p.Member != m.Certificate || p.Receipt != "SK-0001" || p.RecordedBy != clerk.ID || !p.RecordedAt.Equal(now) {
		t.Errorf("payment: got %+v, want %s's, receipt SK-0001, recorded by %s at %v", p, m.Certificate, clerk.ID, now)
	}
	if _, err := s.RecordPayment(ctx, in); membership.ErrorCode(err) != membership.ECONFLICT {
		t.Errorf("the same year again: got %v, want a conflict", err)
	}
	in.PaidOn, in.Corrects, in.Note = "2026-03-11", p.ID, "缴费日期录入错误"
	fix, err := s.RecordPayment(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	ledger, err := s.Payments(as(t.Context(), auditor), 0, m.Certificate)
	if err != nil {
		t.Fatal(err)
	}
	if len(ledger) != 2 || ledger[1].ID != fix.ID || ledger[1].Corrects != p.ID {
		t.Errorf("ledger of this year: got %+v, want the entry and its correction", ledger)
	}
	if _, err := s.RecordPayment(as(t.Context(), chair), in); membership.ErrorCode(err) != membership.EFORBIDDEN {
		t.Errorf("as the chair: got %v, want forbidden", err)
	}
}

// TestAttendanceAndLapse enters attendance, voids a record entered by
// mistake, and records the lapse the rule then confirms.
func TestAttendanceAndLapse(t *testing.T) {
	s, st := newService(t)
	m := storetest.Member(t, st, "2023-03-01")
	ctx := as(t.Context(), clerk)
	entry := backoffice.AttendanceRequest{Event: "2025-forum", Kind: membership.EventActivity, Date: "2025-10-10", Members: []string{m.Certificate}}
	if res, err := s.RecordAttendance(ctx, entry); err != nil || len(res.Added) != 1 {
		t.Fatalf("record: got %+v, %v; want 1 added", res, err)
	}
	if res, err := s.RecordAttendance(ctx, entry); err != nil || len(res.Already) != 1 {
		t.Fatalf("record again: got %+v, %v; want 1 already there", res, err)
	}
	if _, err := s.MarkLapsed(ctx, m.Certificate, backoffice.LapseRequest{Version: 1}); membership.ErrorCode(err) != membership.ECONFLICT {
		t.Fatalf("lapse with 2025 attended: got %v, want a conflict (the rule does not hold)", err)
	}
	void := backoffice.AttendanceRequest{Event: "2025-forum", Void: true, Note: "误录", Members: []string{m.Certificate, "LM-1999-0001"}}
	res, err := s.VoidAttendance(ctx, void)
	if err != nil || len(res.Voided) != 1 || len(res.NotRecorded) != 1 {
		t.Fatalf("void: got %+v, %v; want 1 voided, 1 not recorded", res, err)
	}
	rep, err := s.LapseReport(ctx, "")
	if err != nil || rep.AsOf != "2026-11-27" || len(rep.Lapsed) != 1 {
		t.Fatalf("lapse report today: got %+v, %v; want %s lapsed as of 2026-11-27", rep, err, m.Certificate)
	}
	again := storetest.Sample(now)
	again.CreditCode = m.CreditCode
	if err := st.CreateApplication(t.Context(), again, nil); membership.ErrorCode(err) != membership.ECONFLICT {
		t.Fatalf("applying again while a member: got %v, want a conflict", err)
	}
	lapsed, err := s.MarkLapsed(ctx, m.Certificate, backoffice.LapseRequest{Version: 1})
	if err != nil || lapsed.Status != membership.MemberLapsed || lapsed.LeftOn != "2026-01-01" {
		t.Fatalf("lapse: got %+v, %v; want lapsed on 2026-01-01 (2024 and 2025 without attendance)", lapsed, err)
	}
	if err := st.CreateApplication(t.Context(), again, nil); err != nil {
		t.Errorf("applying again after the lapse: got %v, want the application stored", err)
	}
}

// TestChangeFees changes a year's schedule at the version it was read at,
// and refuses a change made against an older one.
func TestChangeFees(t *testing.T) {
	s, _ := newService(t)
	ctx := as(t.Context(), clerk)
	q := backoffice.FeesRequest{Version: 0, Enterprise: 1_500_000, Group: 1_500_000, Note: "2026 年会员大会决议"}
	fs, err := s.ChangeFees(ctx, 2027, q)
	if err != nil || fs.Version != 1 || fs.Enterprise != 1_500_000 || fs.SetBy != clerk.ID {
		t.Fatalf("change: got %+v, %v; want version 1 at 1,500,000 fen set by %s", fs, err, clerk.ID)
	}
	if _, err := s.ChangeFees(ctx, 2027, q); membership.ErrorCode(err) != membership.ECONFLICT {
		t.Errorf("again at version 0: got %v, want a conflict", err)
	}
	if _, err := s.FeeSchedule(ctx, 1999); membership.ErrorCode(err) != membership.EINVALID {
		t.Errorf("year 1999: got %v, want invalid", err)
	}
}

// TestCertify takes an application from submitted to certified through the
// service, each step by the role the charter names.
func TestCertify(t *testing.T) {
	s, st := newService(t)
	a := storetest.Sample(now)
	if err := st.CreateApplication(t.Context(), a, nil); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		who membership.Actor
		act membership.Action
		q   backoffice.ChangeRequest
	}{
		{clerk, membership.ActionReview, backoffice.ChangeRequest{Version: 1, Note: "材料齐全"}},
		{chair, membership.ActionApprove, backoffice.ChangeRequest{Version: 2}},
		{clerk, membership.ActionFile, backoffice.ChangeRequest{Version: 3, Filing: &membership.Filing{Date: "2026-11-20", Reference: "中促备〔2026〕12号"}}},
	}
	for _, st := range steps {
		if _, err := s.ChangeApplication(as(t.Context(), st.who), a.Number, st.act, st.q); err != nil {
			t.Fatalf("%s: %v", st.act, err)
		}
	}
	if _, err := s.ChangeApplication(as(t.Context(), clerk), a.Number, membership.ActionCertify, backoffice.ChangeRequest{Version: 4}); membership.ErrorCode(err) != membership.EINVALID {
		t.Errorf("certify through ChangeApplication: got %v, want invalid (Certify issues the certificate)", err)
	}
	res, err := s.Certify(as(t.Context(), clerk), a.Number, backoffice.ChangeRequest{Version: 4})
	if err != nil {
		t.Fatal(err)
	}
	cert := membership.FormatCertificate(membership.NumberYear(time.Now()), 1) // the store numbers by its own clock
	if res.Application.Status != membership.StatusCertified || res.Member.Certificate != cert || res.Member.JoinedOn != "2026-11-27" {
		t.Errorf("certified: got %s, member %s joined %s; want certified, %s joined 2026-11-27",
			res.Application.Status, res.Member.Certificate, res.Member.JoinedOn, cert)
	}
}
