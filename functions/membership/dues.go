package membership

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/width"
)

// DefaultAnnualFee is the yearly due of enterprise and group members (第十六条:
// 20,000 yuan), in fen. Individual members pay nothing.
const DefaultAnnualFee int64 = 2_000_000

// MaxAmount is the largest amount of money the register takes, in fen: 10,000,000
// yuan, five hundred times the charter's yearly due. Every fee and payment is checked
// against it on the way in (FeeSchedule.Check, NewPayment), so a sum of n amounts is at
// most n × 10⁹ fen and fits an int64 (below 9.2 × 10¹⁸) for any n under 9.2 billion
// lines — more members than there are companies. The dues report still adds with
// addFen, which refuses to wrap, so that no stored value, however it got there, can
// turn a total negative.
const MaxAmount int64 = 1_000_000_000

// maxAmountText is MaxAmount as the messages say it.
const maxAmountText = "1000 万元"

// FeeSchedule is the yearly due by member type, in fen. The general assembly
// may change it for a year; a year without a stored schedule uses
// DefaultFeeSchedule.
type FeeSchedule struct {
	Year       int         `json:"year" dynamodbav:"year"`
	Enterprise int64       `json:"enterprise" dynamodbav:"enterprise"`
	Group      int64       `json:"group" dynamodbav:"group"`
	Individual int64       `json:"individual" dynamodbav:"individual"`
	Note       string      `json:"note,omitempty" dynamodbav:"note,omitempty"` // e.g. the assembly's resolution
	SetBy      string      `json:"set_by,omitempty" dynamodbav:"set_by,omitempty"`
	SetAt      time.Time   `json:"set_at,omitzero" dynamodbav:"set_at,omitempty"`
	Version    int         `json:"version" dynamodbav:"version"`                     // 0: the default, never stored
	History    []FeeRecord `json:"history,omitempty" dynamodbav:"history,omitempty"` // earlier states, oldest first
}

// FeeRecord is an earlier state of a year's schedule, kept when it changes.
type FeeRecord struct {
	Enterprise int64     `json:"enterprise" dynamodbav:"enterprise"`
	Group      int64     `json:"group" dynamodbav:"group"`
	Individual int64     `json:"individual" dynamodbav:"individual"`
	Note       string    `json:"note,omitempty" dynamodbav:"note,omitempty"`
	SetBy      string    `json:"set_by,omitempty" dynamodbav:"set_by,omitempty"`
	SetAt      time.Time `json:"set_at" dynamodbav:"set_at"`
}

// Change sets the schedule's fees, keeping the state it replaces in History.
// Note is the basis of the change (e.g. the general assembly's resolution).
// Errors: EFORBIDDEN unless the actor is the secretariat; EINVALID without a
// note or with a negative fee.
func (s *FeeSchedule) Change(actor Actor, enterprise, group, individual int64, note string, now time.Time) error {
	const op = "membership: change fee schedule"
	if err := actor.May(TaskFees); err != nil {
		return err
	}
	note = strings.TrimSpace(note)
	if note == "" {
		return &Error{Code: EINVALID, Op: op, Message: "请在备注中写明调整依据（如会员大会决议）",
			Fields: map[string]string{"note": "请写明调整依据"}}
	}
	next := *s
	if s.Version > 0 {
		next.History = append(slices.Clone(s.History), FeeRecord{Enterprise: s.Enterprise, Group: s.Group,
			Individual: s.Individual, Note: s.Note, SetBy: s.SetBy, SetAt: s.SetAt})
	}
	next.Enterprise, next.Group, next.Individual, next.Note = enterprise, group, individual, note
	next.SetBy, next.SetAt = actor.ID, now.UTC()
	if err := next.Check(); err != nil {
		return err
	}
	*s = next
	return nil
}

// DefaultFeeSchedule returns the charter's schedule for a year.
func DefaultFeeSchedule(year int) FeeSchedule {
	return FeeSchedule{Year: year, Enterprise: DefaultAnnualFee, Group: DefaultAnnualFee, Individual: 0}
}

// Fee returns the due of a member type, in fen.
func (s FeeSchedule) Fee(t MemberType) int64 {
	switch t {
	case TypeEnterprise:
		return s.Enterprise
	case TypeGroup:
		return s.Group
	default:
		return s.Individual
	}
}

// Check returns an EINVALID error for a year out of range, a negative fee or one
// above MaxAmount.
func (s *FeeSchedule) Check() error {
	fields := map[string]string{}
	if !validYear(s.Year) {
		fields["year"] = "年份应在 2000 至 2100 之间"
	}
	for k, v := range map[string]int64{"enterprise": s.Enterprise, "group": s.Group, "individual": s.Individual} {
		switch {
		case v < 0:
			fields[k] = "会费不能为负数"
		case v > MaxAmount:
			fields[k] = "会费不能超过" + maxAmountText
		}
	}
	if len(fields) > 0 {
		return &Error{Code: EINVALID, Op: "membership: check fee schedule", Message: "会费标准有误", Fields: fields}
	}
	return nil
}

func validYear(y int) bool { return y >= 2000 && y <= 2100 }

// Payment is one entry of the dues ledger: a member's payment for a year,
// with the receipt number the centre issued (收款凭证). Entries are never
// edited: a correction is a new entry whose Corrects names the entry it
// replaces. At most one entry per member and year is current; a receipt
// number is used once across all entries, except that a correction may keep
// the receipt of the entry it corrects.
type Payment struct {
	ID         string    `json:"id" dynamodbav:"id"`         // member/year/n, e.g. LM-2026-0001/2026/1
	Member     string    `json:"member" dynamodbav:"member"` // certificate number
	Year       int       `json:"year" dynamodbav:"year"`
	Amount     int64     `json:"amount" dynamodbav:"amount"`   // fen
	PaidOn     string    `json:"paid_on" dynamodbav:"paid_on"` // YYYY-MM-DD
	Receipt    string    `json:"receipt" dynamodbav:"receipt"`
	Note       string    `json:"note,omitempty" dynamodbav:"note,omitempty"`
	Corrects   string    `json:"corrects,omitempty" dynamodbav:"corrects,omitempty"`
	RecordedBy string    `json:"recorded_by" dynamodbav:"recorded_by"`
	RecordedAt time.Time `json:"recorded_at" dynamodbav:"recorded_at"`
}

// PaymentInput is what the secretariat enters to record a payment.
type PaymentInput struct {
	Member   string `json:"member" label:"会员证书编号" validate:"oneline"`
	Year     int    `json:"year"`
	Amount   int64  `json:"amount"` // fen, at most MaxAmount
	PaidOn   string `json:"paid_on" label:"缴费日期" validate:"oneline"`
	Receipt  string `json:"receipt" label:"收款凭证号" validate:"oneline"`
	Note     string `json:"note,omitempty" label:"备注" validate:"multiline"`
	Corrects string `json:"corrects,omitempty" label:"更正的记录" validate:"oneline"`
}

// NewPayment checks a payment the actor enters for member m against the
// year's schedule and the member-year's current entry (nil if none), and
// returns the ledger entry to store, its receipt number in half-width upper
// case. Errors: EFORBIDDEN unless the actor is
// the secretariat; EINVALID for bad fields (a payment date after now included), or an amount different from the
// schedule without a note, or a correction without a note; ECONFLICT when the
// year is already paid and the input is not a correction of its current
// entry. The store enforces the uniqueness rules again, atomically.
func NewPayment(actor Actor, in PaymentInput, m *Member, s FeeSchedule, current *Payment, now time.Time) (*Payment, error) {
	const op = "membership: new payment"
	if err := actor.May(TaskPayment); err != nil {
		return nil, err
	}
	in.Receipt, in.Note, in.Corrects = normalReceipt(in.Receipt), strings.TrimSpace(in.Note), strings.TrimSpace(in.Corrects)
	fields := map[string]string{}
	if !validYear(in.Year) {
		fields["year"] = "年份应在 2000 至 2100 之间"
	} else if j, err := ParseDate(m.JoinedOn); err == nil && in.Year < j.Year() {
		fields["year"] = fmt.Sprintf("会员 %s 于 %s 入会，不能登记更早年份的会费", m.Certificate, m.JoinedOn)
	} else if l, err := ParseDate(m.LeftOn); err == nil && m.Status != MemberActive && in.Year > l.Year() {
		fields["year"] = fmt.Sprintf("会员 %s 已于 %s 离会（%s），不能登记之后年份的会费", m.Certificate, m.LeftOn, MemberStatusLabels[m.Status])
	}
	switch {
	case in.Amount < 0:
		fields["amount"] = "金额不能为负数"
	case in.Amount > MaxAmount:
		fields["amount"] = "金额不能超过" + maxAmountText + "，请核对（金额以分为单位）"
	}
	if _, err := ParseDate(in.PaidOn); err != nil {
		fields["paid_on"] = "请填写缴费日期（格式 2026-03-01）"
	} else if in.PaidOn > Today(now) {
		fields["paid_on"] = "缴费日期不能晚于今天"
	}
	if in.Receipt == "" || len(in.Receipt) > 64 || strings.ContainsAny(in.Receipt, "#/") {
		fields["receipt"] = "请填写收款凭证号（不超过 64 个字符，不含 # 和 /）"
	}
	if due := s.Fee(m.Type); in.Amount != due && in.Note == "" {
		fields["note"] = fmt.Sprintf("金额与会费标准 %s 元不同，请在备注中说明", Yuan(due))
	}
	if in.Corrects != "" && in.Note == "" {
		fields["note"] = "更正须在备注中说明原因"
	}
	if len(fields) > 0 {
		return nil, &Error{Code: EINVALID, Op: op, Message: "会费登记有误", Fields: fields}
	}
	n := 1
	switch {
	case current == nil && in.Corrects != "":
		return nil, Errorf(ECONFLICT, op, "会员 %s %d 年没有可更正的缴费记录", m.Certificate, in.Year)
	case current != nil && in.Corrects == "":
		return nil, Errorf(ECONFLICT, op, "会员 %s %d 年已登记缴费（凭证 %s，记录 %s）；如需修改请登记更正",
			m.Certificate, in.Year, current.Receipt, current.ID)
	case current != nil && in.Corrects != current.ID:
		return nil, Errorf(ECONFLICT, op, "会员 %s %d 年的当前缴费记录是 %s，不是 %s", m.Certificate, in.Year, current.ID, in.Corrects)
	case current != nil:
		n = current.seq() + 1
	}
	return &Payment{
		ID: PaymentID(m.Certificate, in.Year, n), Member: m.Certificate, Year: in.Year, Amount: in.Amount,
		PaidOn: in.PaidOn, Receipt: in.Receipt, Note: in.Note, Corrects: in.Corrects,
		RecordedBy: actor.ID, RecordedAt: now.UTC(),
	}, nil
}

// normalReceipt writes a receipt number one way, so that the same paper
// receipt typed with a full-width input method (ＳＫ－００１) or in lower case
// is still the same number to the uniqueness rule.
func normalReceipt(s string) string {
	return strings.ToUpper(width.Fold.String(strings.TrimSpace(s)))
}

// PaymentID returns the id of the n-th ledger entry of a member-year.
func PaymentID(member string, year, n int) string { return fmt.Sprintf("%s/%d/%d", member, year, n) }

func (p *Payment) seq() int {
	var n int
	if i := strings.LastIndexByte(p.ID, '/'); i >= 0 {
		fmt.Sscan(p.ID[i+1:], &n)
	}
	return n
}

// Yuan formats an amount in fen as yuan with two decimals, e.g. 20000.00.
func Yuan(fen int64) string {
	sign, abs := "", uint64(fen)
	if fen < 0 {
		sign, abs = "-", -uint64(fen) // two's complement: exact for math.MinInt64 too
	}
	return fmt.Sprintf("%s%d.%02d", sign, abs/100, abs%100)
}

// addFen adds v to *total unless the sum would leave the range of int64, and
// reports whether it did.
func addFen(total *int64, v int64) bool {
	sum := *total + v
	if (v > 0 && sum < *total) || (v < 0 && sum > *total) {
		return false
	}
	*total = sum
	return true
}

// DuesState is a member's dues position for a year.
type DuesState string

// Dues states.
const (
	DuesPaid   DuesState = "paid"
	DuesUnpaid DuesState = "unpaid"
	DuesExempt DuesState = "exempt" // nothing due (individual members by default)
)

// DuesStateLabels are the Chinese labels of the dues states.
var DuesStateLabels = map[DuesState]string{DuesPaid: "已缴", DuesUnpaid: "未缴", DuesExempt: "免缴"}

// DuesLine is one member's line in the dues report.
type DuesLine struct {
	Certificate  string       `json:"certificate"`
	Name         string       `json:"name"`
	Type         MemberType   `json:"type"`
	MemberStatus MemberStatus `json:"member_status"`
	State        DuesState    `json:"state"`
	Due          int64        `json:"due"`  // fen
	Paid         int64        `json:"paid"` // fen
	PaidOn       string       `json:"paid_on,omitempty"`
	Receipt      string       `json:"receipt,omitempty"`
	Payment      string       `json:"payment,omitempty"` // id of the current ledger entry
	Note         string       `json:"note,omitempty"`
}

// DuesTotals sums a dues report.
type DuesTotals struct {
	Members int   `json:"members"`
	Paid    int   `json:"paid"`
	Unpaid  int   `json:"unpaid"`
	Exempt  int   `json:"exempt"`
	Due     int64 `json:"due"`         // fen, over paid and unpaid members
	Settled int64 `json:"settled"`     // fen received
	Owed    int64 `json:"outstanding"` // fen due from unpaid members
}

// DuesReport is the dues position of every member for a year.
type DuesReport struct {
	Year     int         `json:"year"`
	Schedule FeeSchedule `json:"schedule"`
	Lines    []DuesLine  `json:"lines"`
	Totals   DuesTotals  `json:"totals"`
}

// BuildDuesReport lists the members who belonged to the alliance during the
// year (joined by its end and not gone before it began), and any other member
// with a payment for it, with the current ledger entry of each. Superseded
// entries (those a correction replaced) are left out. Errors: EINTERNAL when a
// total would overflow, which amounts within MaxAmount cannot make.
func BuildDuesReport(year int, s FeeSchedule, members []Member, payments []Payment) (*DuesReport, error) {
	current := map[string]*Payment{}
	replaced := map[string]bool{}
	for i := range payments {
		if payments[i].Year == year && payments[i].Corrects != "" {
			replaced[payments[i].Corrects] = true
		}
	}
	for i := range payments {
		p := &payments[i]
		if p.Year == year && !replaced[p.ID] {
			current[p.Member] = p
		}
	}
	start, end := fmt.Sprintf("%d-01-01", year), fmt.Sprintf("%d-12-31", year)
	r := &DuesReport{Year: year, Schedule: s, Lines: []DuesLine{}}
	t := &r.Totals
	for _, m := range members {
		p := current[m.Certificate]
		belonged := m.JoinedOn <= end && (m.Status == MemberActive || m.LeftOn >= start)
		if !belonged && p == nil {
			continue
		}
		l := DuesLine{Certificate: m.Certificate, Name: m.Profile.Name, Type: m.Type, MemberStatus: m.Status, Due: s.Fee(m.Type)}
		ok := true
		switch {
		case p != nil:
			l.State, l.Paid, l.PaidOn, l.Receipt, l.Payment, l.Note = DuesPaid, p.Amount, p.PaidOn, p.Receipt, p.ID, p.Note
			t.Paid++
			ok = addFen(&t.Due, l.Due) && addFen(&t.Settled, p.Amount)
		case l.Due == 0:
			l.State = DuesExempt
			t.Exempt++
		default:
			l.State = DuesUnpaid
			t.Unpaid++
			ok = addFen(&t.Due, l.Due) && addFen(&t.Owed, l.Due)
		}
		if !ok {
			return nil, Internal("membership: dues report", fmt.Errorf("%d: totals overflow at member %s", year, m.Certificate))
		}
		t.Members++
		r.Lines = append(r.Lines, l)
	}
	slices.SortFunc(r.Lines, func(a, b DuesLine) int { return strings.Compare(a.Certificate, b.Certificate) })
	return r, nil
}

// CSV renders the report for Excel on a Chinese Windows machine: UTF-8 with a
// byte order mark (without it Excel reads the file as GBK), CRLF line ends,
// amounts in yuan, and a totals line. Cells that Excel would take for a
// formula are prefixed with an apostrophe; a receipt number of digits that
// Excel would turn into a number (dropping leading zeros, or showing
// 1.23457E+17) is written as ="…" so that it stays text.
func (r *DuesReport) CSV() []byte {
	var buf bytes.Buffer
	buf.WriteString("\uFEFF")
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	w.Write([]string{"证书编号", "会员名称", "会员类型", "会员状态", "缴费状态", "应缴（元）", "实缴（元）", "缴费日期", "收款凭证号", "备注"})
	for _, l := range r.Lines {
		w.Write([]string{l.Certificate, cell(l.Name), Label(MemberTypes, string(l.Type)), MemberStatusLabels[l.MemberStatus],
			DuesStateLabels[l.State], Yuan(l.Due), Yuan(l.Paid), l.PaidOn, textCell(l.Receipt), cell(l.Note)})
	}
	t := r.Totals
	w.Write([]string{"合计", fmt.Sprintf("%d 名会员：已缴 %d，未缴 %d，免缴 %d", t.Members, t.Paid, t.Unpaid, t.Exempt),
		"", "", "", Yuan(t.Due), Yuan(t.Settled), "", "", "未缴合计 " + Yuan(t.Owed) + " 元"})
	w.Flush()
	return buf.Bytes()
}

// SpreadsheetCell defuses text that a spreadsheet would run as a formula (a
// leading =, +, -, @, tab or CR gets an apostrophe), for CSV files opened in
// Excel.
func SpreadsheetCell(s string) string { return cell(s) }

// SpreadsheetText is SpreadsheetCell for a code or number that must stay text:
// digits that Excel would read as a number are written as ="…".
func SpreadsheetText(s string) string { return textCell(s) }

// textCell keeps a code made of digits as text: Excel reads a CSV cell of
// digits as a number, so 0012345 would show as 12345 and an 18-digit number
// would lose its last digits.
func textCell(s string) string {
	if len(s) > 1 && strings.Trim(s, "0123456789") == "" && (s[0] == '0' || len(s) > 11) {
		return `="` + s + `"`
	}
	return cell(s)
}

// cell defuses text that a spreadsheet would run as a formula.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
