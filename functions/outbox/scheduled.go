package outbox

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/smelisting/alliance/functions/membership"
)

// Schedule is when the yearly notices go out, each a month and day (MM-DD)
// in China: the dues notice for the next year (DuesNotice, e.g. 12-01), the
// reminder to members who have not paid this year's dues (DuesReminder,
// e.g. 03-31), and the lapse-risk notice (LapseNotice, e.g. 07-01). A
// notice goes out on the first daily run on or after its date and never
// twice in a year. Digest is the secretariat's address for the daily list
// of new applications ("": none).
type Schedule struct {
	DuesNotice   string
	DuesReminder string
	LapseNotice  string
	Digest       string
}

// DefaultSchedule is the schedule of `alliance serve` and the template's defaults.
var DefaultSchedule = Schedule{DuesNotice: "12-01", DuesReminder: "03-31", LapseNotice: "07-01"}

var monthDay = regexp.MustCompile(`^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$`)

// Check returns an EINVALID error naming each date that is not a MM-DD, or a
// digest address that is not one.
func (s Schedule) Check() error {
	fields := map[string]string{}
	for name, v := range map[string]string{"dues_notice": s.DuesNotice, "dues_reminder": s.DuesReminder, "lapse_notice": s.LapseNotice} {
		if !monthDay.MatchString(v) {
			fields[name] = fmt.Sprintf("日期 %q 应写作月-日，例如 12-01", v)
		}
	}
	if s.Digest != "" && !membership.ValidEmail(s.Digest) {
		fields["digest"] = fmt.Sprintf("新申请日报的收件地址 %q 不是电子邮箱", s.Digest)
	}
	if len(fields) > 0 {
		return &membership.Error{Code: membership.EINVALID, Op: "outbox: check schedule", Message: "邮件通知的日期设置有误", Fields: fields}
	}
	return nil
}

// Register is what the daily notices are decided from: the members, the
// attendance records by certificate number, the fee schedules and ledger
// entries of this year and the next, and the applications submitted
// yesterday (for the digest).
type Register struct {
	Members    []membership.Member
	Attendance map[string][]membership.Attendance
	Fees       map[int]membership.FeeSchedule
	Payments   map[int][]membership.Payment
	Yesterday  []membership.ApplicationSummary
}

// byCertificate returns the register's members by certificate number.
func (r Register) byCertificate() map[string]*membership.Member {
	byCert := make(map[string]*membership.Member, len(r.Members))
	for i := range r.Members {
		byCert[r.Members[i].Certificate] = &r.Members[i]
	}
	return byCert
}

// DigestRef is the Ref of the secretariat's daily digests.
const DigestRef = "digest"

// Daily returns the notices due on the day today (YYYY-MM-DD, in China) by
// the schedule, keyed so that a second run on the same day, or on a later
// day of the same year, writes none of them again (the store writes each
// only when its key is free). Errors: EINVALID for a bad date or schedule,
// EINTERNAL from the reports.
func Daily(s Schedule, today string, r Register, now time.Time) ([]Entry, error) {
	if err := s.Check(); err != nil {
		return nil, err
	}
	d, err := membership.ParseDate(today)
	if err != nil {
		return nil, &membership.Error{Code: membership.EINVALID, Op: "outbox: daily notices", Message: "日期格式应为 2026-03-01", Err: err}
	}
	year, md := d.Year(), today[5:]
	var out []Entry
	if md >= s.DuesNotice {
		out = append(out, duesNotices(year+1, r, now)...)
	}
	if md >= s.DuesReminder {
		reminders, err := duesReminders(year, today[:5]+s.DuesReminder, r, now)
		if err != nil {
			return nil, err
		}
		out = append(out, reminders...)
	}
	if md >= s.LapseNotice {
		risks, err := lapseRisks(year, today, r, now)
		if err != nil {
			return nil, err
		}
		out = append(out, risks...)
	}
	if s.Digest != "" && len(r.Yesterday) > 0 {
		out = append(out, digest(s.Digest, d.AddDate(0, 0, -1).Format(time.DateOnly), r.Yesterday, now))
	}
	return out, nil
}

// memberData is what every notice to a member says about it.
func memberData(m *membership.Member, year int) map[string]string {
	return map[string]string{"certificate": m.Certificate, "org": m.Profile.Name, "year": strconv.Itoa(year)}
}

// duesNotices tells every active member with dues for year what they owe,
// unless they have paid already.
func duesNotices(year int, r Register, now time.Time) []Entry {
	s, ok := r.Fees[year]
	if !ok {
		s = membership.DefaultFeeSchedule(year)
	}
	paid := map[string]bool{}
	for _, p := range r.Payments[year] {
		paid[p.Member] = true
	}
	var out []Entry
	for i := range r.Members {
		m := &r.Members[i]
		fee := s.Fee(m.Type)
		if m.Status != membership.MemberActive || fee == 0 || paid[m.Certificate] || m.Contact.Email == "" {
			continue
		}
		data := memberData(m, year)
		data["amount"] = membership.Yuan(fee)
		out = append(out, New(KindDuesNotice, m.Certificate, fmt.Sprintf("dues-%d-notice", year), m.Contact.Email, m.Contact.Person, data, now))
	}
	return out
}

// duesReminders reminds every active member who joined before the reminder
// date and has not paid year's dues.
func duesReminders(year int, date string, r Register, now time.Time) ([]Entry, error) {
	s, ok := r.Fees[year]
	if !ok {
		s = membership.DefaultFeeSchedule(year)
	}
	report, err := membership.BuildDuesReport(year, s, r.Members, r.Payments[year])
	if err != nil {
		return nil, err
	}
	byCert := r.byCertificate()
	var out []Entry
	for _, l := range report.Lines {
		m := byCert[l.Certificate]
		if l.State != membership.DuesUnpaid || m == nil || m.Status != membership.MemberActive || m.JoinedOn >= date || m.Contact.Email == "" {
			continue
		}
		data := memberData(m, year)
		data["amount"] = membership.Yuan(l.Due)
		out = append(out, New(KindDuesRemind, m.Certificate, fmt.Sprintf("dues-%d-reminder", year), m.Contact.Email, m.Contact.Person, data, now))
	}
	return out, nil
}

// lapseRisks warns every member the lapse rule of 第十五条 finds at risk today.
func lapseRisks(year int, today string, r Register, now time.Time) ([]Entry, error) {
	report, err := membership.BuildLapseReport(r.Members, r.Attendance, today)
	if err != nil {
		return nil, err
	}
	byCert := r.byCertificate()
	var out []Entry
	for _, st := range report.AtRisk {
		m := byCert[st.Certificate]
		if m == nil || m.Contact.Email == "" {
			continue
		}
		data := memberData(m, year)
		data["absent_year"] = strconv.Itoa(st.AbsentYears[0])
		data["lapses_on"] = chinaDate(st.LapsesOn)
		data["last_attended"] = chinaDate(st.LastAttended)
		out = append(out, New(KindLapseRisk, m.Certificate, fmt.Sprintf("lapse-%d", year), m.Contact.Email, m.Contact.Person, data, now))
	}
	return out, nil
}

// digest lists the applications submitted on day for the secretariat: number,
// member type and organisation (an individual applicant is not named).
func digest(to, day string, apps []membership.ApplicationSummary, now time.Time) Entry {
	var lines []string
	for _, a := range apps {
		org := a.OrgName
		if a.Type == membership.TypeIndividual || org == "" {
			org = "（个人申请）"
		}
		lines = append(lines, fmt.Sprintf("%s\t%s\t%s", a.Number, membership.Label(membership.MemberTypes, string(a.Type)), org))
	}
	data := map[string]string{"date": chinaDate(day), "count": strconv.Itoa(len(apps)), "lines": strings.Join(lines, "\n")}
	return New(KindDigest, DigestRef, day, to, "秘书处", data, now)
}

// chinaDate writes a YYYY-MM-DD date the Chinese way (2026年3月1日); "" stays "".
func chinaDate(s string) string {
	t, err := membership.ParseDate(s)
	if err != nil {
		return s
	}
	return t.Format("2006年1月2日")
}
