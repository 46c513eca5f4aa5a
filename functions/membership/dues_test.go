package membership

import (
	"bytes"
	"encoding/csv"
	"flag"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestNewPayment(t *testing.T) {
	sec := actor("s-1", RoleSecretariat)
	ent := &Member{Certificate: "LM-2026-0001", Type: TypeEnterprise, JoinedOn: "2026-03-02", Status: MemberActive}
	gone := &Member{Certificate: "LM-2026-0001", Type: TypeEnterprise, JoinedOn: "2026-03-02", Status: MemberExited, LeftOn: "2026-03-20"}
	ind := &Member{Certificate: "LM-2026-0002", Type: TypeIndividual, JoinedOn: "2026-03-02", Status: MemberActive}
	sched := DefaultFeeSchedule(2026)
	today := now.AddDate(0, 1, 0) // 2026-04-02
	cur := &Payment{ID: "LM-2026-0001/2026/1", Member: "LM-2026-0001", Year: 2026, Amount: 2_000_000, Receipt: "SK-001"}
	in := func(mut func(*PaymentInput)) PaymentInput {
		p := PaymentInput{Member: "LM-2026-0001", Year: 2026, Amount: 2_000_000, PaidOn: "2026-03-10", Receipt: "SK-001"}
		if mut != nil {
			mut(&p)
		}
		return p
	}
	tests := []struct {
		name    string
		actor   Actor
		in      PaymentInput
		m       *Member
		current *Payment
		code    string
		field   string
		id      string
	}{
		{"the scheduled amount", sec, in(nil), ent, nil, "", "", "LM-2026-0001/2026/1"},
		{"a different amount needs a note", sec, in(func(p *PaymentInput) { p.Amount = 1_000_000 }), ent, nil, EINVALID, "note", ""},
		{"a different amount with a note", sec, in(func(p *PaymentInput) { p.Amount = 1_000_000; p.Note = "年中入会减半，理事会决议" }), ent, nil, "", "", "LM-2026-0001/2026/1"},
		{"an individual paying nothing needs no note", sec, in(func(p *PaymentInput) { p.Member, p.Amount = "LM-2026-0002", 0 }), ind, nil, "", "", "LM-2026-0002/2026/1"},
		{"negative amount", sec, in(func(p *PaymentInput) { p.Amount = -1; p.Note = "x" }), ent, nil, EINVALID, "amount", ""},
		{"no receipt", sec, in(func(p *PaymentInput) { p.Receipt = " " }), ent, nil, EINVALID, "receipt", ""},
		{"bad date", sec, in(func(p *PaymentInput) { p.PaidOn = "2026-13-01" }), ent, nil, EINVALID, "paid_on", ""},
		{"paid after today", sec, in(func(p *PaymentInput) { p.PaidOn = "2026-04-03" }), ent, nil, EINVALID, "paid_on", ""},
		{"a year before joining", sec, in(func(p *PaymentInput) { p.Year = 2025 }), ent, nil, EINVALID, "year", ""},
		{"a year after leaving", sec, in(func(p *PaymentInput) { p.Year = 2027 }), gone, nil, EINVALID, "year", ""},
		{"arrears of the year of leaving", sec, in(nil), gone, nil, "", "", "LM-2026-0001/2026/1"},
		{"the year is already paid", sec, in(func(p *PaymentInput) { p.Receipt = "SK-002" }), ent, cur, ECONFLICT, "", ""},
		{"a correction", sec, in(func(p *PaymentInput) { p.Corrects = cur.ID; p.Note = "凭证号录错" }), ent, cur, "", "", "LM-2026-0001/2026/2"},
		{"a correction needs a note", sec, in(func(p *PaymentInput) { p.Corrects = cur.ID }), ent, cur, EINVALID, "note", ""},
		{"a correction of a superseded entry", sec, in(func(p *PaymentInput) { p.Corrects = "LM-2026-0001/2026/0"; p.Note = "x" }), ent, cur, ECONFLICT, "", ""},
		{"a correction of nothing", sec, in(func(p *PaymentInput) { p.Corrects = cur.ID; p.Note = "x" }), ent, nil, ECONFLICT, "", ""},
		{"the chair cannot record", actor("c-1", RoleChair), in(nil), ent, nil, EFORBIDDEN, "", ""},
		{"the supervisor cannot record", actor("v-1", RoleSupervisor), in(nil), ent, nil, EFORBIDDEN, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := NewPayment(tt.actor, tt.in, tt.m, sched, tt.current, today)
			if got := ErrorCode(err); got != tt.code {
				t.Fatalf("got %q (%v), want %q", got, err, tt.code)
			}
			if tt.field != "" {
				if _, ok := ErrorFields(err)[tt.field]; !ok {
					t.Errorf("fields: got %v, want one for %q", ErrorFields(err), tt.field)
				}
			}
			if tt.id != "" && (p == nil || p.ID != tt.id || p.RecordedBy != "s-1") {
				t.Errorf("payment: got %+v, want id %s recorded by s-1", p, tt.id)
			}
		})
	}
}

func TestFeeSchedule(t *testing.T) {
	s := DefaultFeeSchedule(2027)
	if s.Fee(TypeEnterprise) != 2_000_000 || s.Fee(TypeGroup) != 2_000_000 || s.Fee(TypeIndividual) != 0 {
		t.Errorf("default fees: got %+v, want 2,000,000 fen for enterprise and group, 0 for individuals", s)
	}
	bad := FeeSchedule{Year: 1999, Enterprise: -5}
	if err := bad.Check(); ErrorCode(err) != EINVALID || len(ErrorFields(err)) != 2 {
		t.Errorf("Check: got %v, want EINVALID on year and enterprise", err)
	}
	if got := Yuan(2_000_005); got != "20000.05" {
		t.Errorf("Yuan: got %s, want 20000.05", got)
	}
}

func duesFixture() *DuesReport {
	members := []Member{
		{Certificate: "LM-2026-0001", Type: TypeEnterprise, JoinedOn: "2026-03-02", Status: MemberActive, Profile: Profile{Name: "北京某科技有限公司"}},
		{Certificate: "LM-2026-0002", Type: TypeIndividual, JoinedOn: "2026-03-05", Status: MemberActive, Profile: Profile{Name: "张三"}},
		{Certificate: "LM-2026-0003", Type: TypeGroup, JoinedOn: "2026-04-01", Status: MemberActive, Profile: Profile{Name: "=某协会,\"联合\""}},
		{Certificate: "LM-2026-0004", Type: TypeEnterprise, JoinedOn: "2026-04-01", Status: MemberActive, Profile: Profile{Name: "上海某制造股份有限公司"}},
		{Certificate: "LM-2025-0009", Type: TypeEnterprise, JoinedOn: "2025-01-10", Status: MemberExited, LeftOn: "2025-12-01", Profile: Profile{Name: "已退会公司"}},
		{Certificate: "LM-2027-0001", Type: TypeEnterprise, JoinedOn: "2027-01-05", Status: MemberActive, Profile: Profile{Name: "明年入会公司"}},
	}
	payments := []Payment{
		{ID: "LM-2026-0001/2026/1", Member: "LM-2026-0001", Year: 2026, Amount: 200_000, PaidOn: "2026-03-10", Receipt: "SK-001", Note: "录入错误"},
		{ID: "LM-2026-0001/2026/2", Member: "LM-2026-0001", Year: 2026, Amount: 2_000_000, PaidOn: "2026-03-10", Receipt: "SK-001", Note: "更正金额", Corrects: "LM-2026-0001/2026/1"},
		{ID: "LM-2026-0003/2026/1", Member: "LM-2026-0003", Year: 2026, Amount: 1_500_000, PaidOn: "2026-04-20", Receipt: "0012300456", Note: "经会员大会同意减免 5000 元"},
		{ID: "LM-2026-0001/2025/1", Member: "LM-2026-0001", Year: 2025, Amount: 2_000_000, PaidOn: "2025-03-10", Receipt: "SK-000", Note: "另一年"},
	}
	r, err := BuildDuesReport(2026, DefaultFeeSchedule(2026), members, payments)
	if err != nil {
		panic(err) // amounts of the fixture are small
	}
	return r
}

func TestDuesReport(t *testing.T) {
	r := duesFixture()
	want := DuesTotals{Members: 4, Paid: 2, Unpaid: 1, Exempt: 1, Due: 6_000_000, Settled: 3_500_000, Owed: 2_000_000}
	if r.Totals != want {
		t.Fatalf("totals: got %+v, want %+v", r.Totals, want)
	}
	states := map[string]DuesState{}
	for _, l := range r.Lines {
		states[l.Certificate] = l.State
	}
	wantStates := map[string]DuesState{"LM-2026-0001": DuesPaid, "LM-2026-0002": DuesExempt, "LM-2026-0003": DuesPaid, "LM-2026-0004": DuesUnpaid}
	for c, s := range wantStates {
		if states[c] != s {
			t.Errorf("%s: got %q, want %q", c, states[c], s)
		}
	}
	if len(states) != len(wantStates) {
		t.Errorf("lines: got %v, want only %v (gone before the year, or joined after it, are left out)", states, wantStates)
	}
	if r.Lines[0].Payment != "LM-2026-0001/2026/2" || r.Lines[0].Paid != 2_000_000 {
		t.Errorf("corrected line: got %+v, want the correction's entry", r.Lines[0])
	}
}

func TestDuesCSV(t *testing.T) {
	got := duesFixture().CSV()
	if !bytes.HasPrefix(got, []byte("\xEF\xBB\xBF")) {
		t.Fatalf("CSV starts with %q, want the UTF-8 byte order mark", got[:3])
	}
	if n, crlf := bytes.Count(got, []byte("\n")), bytes.Count(got, []byte("\r\n")); n != crlf || n != 6 {
		t.Errorf("line ends: got %d LF and %d CRLF, want 6 CRLF", n, crlf)
	}
	rows, err := csv.NewReader(bytes.NewReader(got[3:])).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse back: %v", err)
	}
	if rows[3][1] != "'=某协会,\"联合\"" {
		t.Errorf("formula-like name: got %q, want it defused with an apostrophe", rows[3][1])
	}
	if rows[3][8] != `="0012300456"` {
		t.Errorf("receipt of digits with a leading zero: got %q, want =\"0012300456\" so that Excel keeps it as text", rows[3][8])
	}
	golden := filepath.Join("testdata", "dues-2026.golden.csv")
	if *updateGolden {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("CSV differs from %s (go test -update rewrites it):\ngot:\n%s\nwant:\n%s", golden, got, want)
	}
}

func TestFeeScheduleChange(t *testing.T) {
	s := DefaultFeeSchedule(2027)
	sec := actor("s-1", RoleSecretariat)
	if err := s.Change(actor("c-1", RoleChair), 1, 1, 0, "x", now); ErrorCode(err) != EFORBIDDEN {
		t.Errorf("chair: got %v, want EFORBIDDEN", err)
	}
	if err := s.Change(sec, 1, 1, 0, " ", now); ErrorCode(err) != EINVALID {
		t.Errorf("no note: got %v, want EINVALID", err)
	}
	if err := s.Change(sec, -1, 1, 0, "x", now); ErrorCode(err) != EINVALID {
		t.Errorf("negative: got %v, want EINVALID", err)
	}
	if !reflect.DeepEqual(s, DefaultFeeSchedule(2027)) {
		t.Fatalf("refused changes altered the schedule: %+v", s)
	}
	if err := s.Change(sec, 1_500_000, 1_500_000, 0, "2026 年会员大会决议", now); err != nil || len(s.History) != 0 {
		t.Fatalf("first change: got %v and %d history entries, want nil and none (the default is not a stored state)", err, len(s.History))
	}
	s.Version = 1
	if err := s.Change(sec, 1_000_000, 1_000_000, 0, "2027 年临时会员大会决议", now); err != nil {
		t.Fatal(err)
	}
	if len(s.History) != 1 || s.History[0].Enterprise != 1_500_000 || s.History[0].Note != "2026 年会员大会决议" || s.Enterprise != 1_000_000 {
		t.Fatalf("second change: got %+v, want the first state kept in the history", s)
	}
}

func TestNewPaymentReceiptIsNormalised(t *testing.T) {
	ent := &Member{Certificate: "LM-2026-0001", Type: TypeEnterprise, JoinedOn: "2026-03-02", Status: MemberActive}
	for _, typed := range []string{"SK-001", " sk-001 ", "ＳＫ－００１", "ｓｋ－001"} {
		p, err := NewPayment(actor("s-1", RoleSecretariat), PaymentInput{Member: ent.Certificate, Year: 2026, Amount: DefaultAnnualFee,
			PaidOn: "2026-03-02", Receipt: typed}, ent, DefaultFeeSchedule(2026), nil, now)
		if err != nil || p.Receipt != "SK-001" {
			t.Errorf("receipt typed %q: got %v, %v; want SK-001", typed, p, err)
		}
	}
}

// TestMoneyBounds: amounts and fees above MaxAmount (10,000,000 yuan) are
// refused, naming the field; MaxAmount itself is taken.
func TestMoneyBounds(t *testing.T) {
	sec := actor("s-1", RoleSecretariat)
	ent := &Member{Certificate: "LM-2026-0001", Type: TypeEnterprise, JoinedOn: "2026-03-02", Status: MemberActive}
	for _, tt := range []struct {
		amount int64
		field  string
	}{
		{MaxAmount, ""},
		{MaxAmount + 1, "amount"},
		{math.MaxInt64, "amount"},
		{-1, "amount"},
		{math.MinInt64, "amount"},
	} {
		_, err := NewPayment(sec, PaymentInput{Member: ent.Certificate, Year: 2026, Amount: tt.amount, PaidOn: "2026-03-02",
			Receipt: "SK-1", Note: "按会员大会决议"}, ent, DefaultFeeSchedule(2026), nil, now)
		if got := ErrorFields(err)[tt.field]; tt.field == "" && err != nil || tt.field != "" && got == "" {
			t.Errorf("payment of %d fen: got %v (fields %v), want a message on %q", tt.amount, err, ErrorFields(err), tt.field)
		}
		s := DefaultFeeSchedule(2027)
		err = s.Change(sec, tt.amount, 0, 0, "按会员大会决议", now)
		if got := ErrorFields(err)["enterprise"]; tt.field == "" && err != nil || tt.field != "" && got == "" {
			t.Errorf("fee of %d fen: got %v (fields %v), want a message on enterprise", tt.amount, err, ErrorFields(err))
		}
	}
	if got, want := ErrorFields(mustErr(NewPayment(sec, PaymentInput{Member: ent.Certificate, Year: 2026, Amount: MaxAmount + 1,
		PaidOn: "2026-03-02", Receipt: "SK-1", Note: "x"}, ent, DefaultFeeSchedule(2026), nil, now)))["amount"],
		"金额不能超过1000 万元，请核对（金额以分为单位）"; got != want {
		t.Errorf("message: got %q, want %q", got, want)
	}
}

func mustErr(_ *Payment, err error) error { return err }

// TestDuesReportAtTheMaximum: the largest fees and payments the register takes
// add up exactly, in the report and in its CSV, and stored amounts that no
// input could make (written before the bound) never wrap a total negative.
func TestDuesReportAtTheMaximum(t *testing.T) {
	fs := FeeSchedule{Year: 2026, Enterprise: MaxAmount, Group: MaxAmount}
	var members []Member
	for i := 1; i <= 3; i++ {
		members = append(members, Member{Certificate: FormatCertificate(2026, i), Type: TypeEnterprise, JoinedOn: "2026-01-05", Status: MemberActive})
	}
	payments := []Payment{
		{ID: "LM-2026-0001/2026/1", Member: "LM-2026-0001", Year: 2026, Amount: MaxAmount, Receipt: "SK-1"},
		{ID: "LM-2026-0002/2026/1", Member: "LM-2026-0002", Year: 2026, Amount: MaxAmount, Receipt: "SK-2"},
	}
	r, err := BuildDuesReport(2026, fs, members, payments)
	if err != nil {
		t.Fatal(err)
	}
	want := DuesTotals{Members: 3, Paid: 2, Unpaid: 1, Due: 3 * MaxAmount, Settled: 2 * MaxAmount, Owed: MaxAmount}
	if r.Totals != want {
		t.Errorf("totals: got %+v, want %+v", r.Totals, want)
	}
	rows, err := csv.NewReader(bytes.NewReader(r.CSV()[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	total := rows[len(rows)-1]
	if total[5] != "30000000.00" || total[6] != "20000000.00" || total[9] != "未缴合计 10000000.00 元" {
		t.Errorf("CSV totals: got due %s, settled %s, %s; want 30000000.00, 20000000.00, 未缴合计 10000000.00 元", total[5], total[6], total[9])
	}

	payments[0].Amount, payments[1].Amount = math.MaxInt64, math.MaxInt64
	if r, err := BuildDuesReport(2026, fs, members, payments); ErrorCode(err) != EINTERNAL {
		t.Errorf("two stored payments of MaxInt64: got %+v, %v; want an EINTERNAL error, not a wrapped total", r, err)
	}
	if got := Yuan(math.MinInt64); got != "-92233720368547758.08" {
		t.Errorf("Yuan(MinInt64) = %q, want -92233720368547758.08", got)
	}
}
