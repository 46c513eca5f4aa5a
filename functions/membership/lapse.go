package membership

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Kinds of alliance events whose attendance counts for the lapse rule.
const (
	EventGeneralAssembly = "general_assembly" // 会员大会
	EventActivity        = "event"            // 联盟活动
)

// Attendance records that a member attended an event, one current record per
// member per event. The secretariat enters it. A record entered by mistake is
// voided, not deleted: it stays on file with Voided set, no longer counts for
// the lapse rule, and the member's attendance of that event may be entered
// again (e.g. with the right date).
type Attendance struct {
	Member     string    `json:"member" dynamodbav:"member"` // certificate number
	Event      string    `json:"event" dynamodbav:"event"`   // the event's id, e.g. 2026-general-assembly
	Title      string    `json:"title,omitempty" dynamodbav:"title,omitempty"`
	Kind       string    `json:"kind" dynamodbav:"kind"` // EventGeneralAssembly or EventActivity
	Date       string    `json:"date" dynamodbav:"date"` // YYYY-MM-DD, in China
	RecordedBy string    `json:"recorded_by" dynamodbav:"recorded_by"`
	RecordedAt time.Time `json:"recorded_at" dynamodbav:"recorded_at"`
	Voided     *Void     `json:"voided,omitempty" dynamodbav:"voided,omitempty"`
	// Registration is the event registration whose check-in recorded this
	// attendance (package events), "" when the secretariat entered it by hand;
	// voiding that check-in voids this record.
	Registration string `json:"registration,omitempty" dynamodbav:"registration,omitempty"`
}

// Void says who voided a record, when and why.
type Void struct {
	Reason string    `json:"reason" dynamodbav:"reason"`
	By     string    `json:"by" dynamodbav:"by"`
	At     time.Time `json:"at" dynamodbav:"at"`
}

// NewVoid returns the actor's voiding of a record entered by mistake, for the
// reason. Errors: EFORBIDDEN unless the actor is the secretariat; EINVALID
// without a reason.
func NewVoid(actor Actor, reason string, now time.Time) (*Void, error) {
	const op = "membership: void attendance"
	if err := actor.May(TaskAttendance); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, &Error{Code: EINVALID, Op: op, Message: "请在备注中写明作废原因", Fields: map[string]string{"note": "请写明作废原因"}}
	}
	return &Void{Reason: reason, By: actor.ID, At: now.UTC()}, nil
}

// Void marks a record entered by mistake as void, with the reason.
// Errors: those of NewVoid; ECONFLICT when it is already void.
func (a *Attendance) Void(actor Actor, reason string, now time.Time) error {
	v, err := NewVoid(actor, reason, now)
	if err != nil {
		return err
	}
	if a.Voided != nil {
		return Errorf(ECONFLICT, "membership: void attendance", "会员 %s 出席活动 %s 的记录已作废", a.Member, a.Event)
	}
	a.Voided = v
	return nil
}

// Record stamps a record the actor enters with who entered it and when, and
// checks it. Errors: EFORBIDDEN unless the actor is the secretariat; those of
// Check.
func (a *Attendance) Record(actor Actor, now time.Time) error {
	if err := actor.May(TaskAttendance); err != nil {
		return err
	}
	a.RecordedBy, a.RecordedAt = actor.ID, now.UTC()
	return a.Check(now)
}

// Check returns an EINVALID error naming the fields that are missing or
// wrong; an event dated after now (in China) cannot have been attended yet.
func (a *Attendance) Check(now time.Time) error {
	fields := map[string]string{}
	if strings.TrimSpace(a.Member) == "" {
		fields["member"] = "请填写会员证书编号"
	}
	if strings.TrimSpace(a.Event) == "" || strings.ContainsAny(a.Event, "#/") {
		fields["event"] = "请填写活动编号（不含 # 和 /）"
	}
	if a.Kind != EventGeneralAssembly && a.Kind != EventActivity {
		fields["kind"] = "活动类型须为 general_assembly（会员大会）或 event（联盟活动）"
	}
	if _, err := ParseDate(a.Date); err != nil {
		fields["date"] = "请填写活动日期（格式 2026-03-01）"
	} else if a.Date > Today(now) {
		fields["date"] = "活动日期不能晚于今天（出席须在活动之后登记）"
	}
	if len(fields) > 0 {
		return &Error{Code: EINVALID, Op: "membership: check attendance", Message: "出席记录有误", Fields: fields}
	}
	return nil
}

// StandingState is where a member stands under the lapse rule on a date.
type StandingState string

// Standing states.
const (
	StandingOK     StandingState = "ok"      // attended recently enough
	StandingAtRisk StandingState = "at_risk" // lapses at the end of this year without attending
	StandingLapsed StandingState = "lapsed"  // two consecutive years without attending
)

// Standing is a member's position under the lapse rule on a date.
type Standing struct {
	Certificate  string        `json:"certificate"`
	Name         string        `json:"name"`
	AsOf         string        `json:"as_of"`
	State        StandingState `json:"state"`
	LastAttended string        `json:"last_attended,omitempty"` // latest attendance on or before AsOf
	AbsentYears  []int         `json:"absent_years,omitempty"`  // lapsed: the two years; at risk: last year
	LapsedOn     string        `json:"lapsed_on,omitempty"`     // lapsed: the day after the second year
	LapsesOn     string        `json:"lapses_on,omitempty"`     // at risk: when it lapses without attending
}

// Lapse applies the lapse rule of 第十五条 (连续两年不参加会员大会或联盟活动) to
// a member on the date asOf, given the member's attendance records.
//
// The rule is read in calendar years (in China): a year counts once the member
// was a member for all of it, so the first counted year is the join year if
// they joined on 1 January, else the next one. A member lapses on 1 January
// after two consecutive counted years with no attendance at all, and is at risk
// when the last completed year was such a year and nothing has been attended
// yet this year. Attendance after asOf is ignored, so a report for a past date
// reads as it would have then; so are voided records. Errors: EINVALID for a
// bad date.
func Lapse(m *Member, attended []Attendance, asOf string) (Standing, error) {
	const op = "membership: lapse rule"
	st := Standing{Certificate: m.Certificate, Name: m.Profile.Name, AsOf: asOf, State: StandingOK}
	d, err := ParseDate(asOf)
	if err != nil {
		return st, &Error{Code: EINVALID, Op: op, Message: "日期格式应为 2026-03-01", Fields: map[string]string{"date": "日期格式应为 2026-03-01"}, Err: err}
	}
	j, err := ParseDate(m.JoinedOn)
	if err != nil {
		return st, Internal(op, fmt.Errorf("member %s joined on: %w", m.Certificate, err))
	}
	years := map[int]bool{}
	for _, a := range attended {
		t, err := ParseDate(a.Date)
		if err != nil || a.Member != m.Certificate || t.After(d) || a.Voided != nil {
			continue
		}
		years[t.Year()] = true
		st.LastAttended = max(st.LastAttended, a.Date)
	}
	first := j.Year() + 1
	if j.YearDay() == 1 {
		first = j.Year()
	}
	for y := first; y+1 < d.Year(); y++ {
		if !years[y] && !years[y+1] {
			st.State, st.AbsentYears = StandingLapsed, []int{y, y + 1}
			st.LapsedOn = fmt.Sprintf("%d-01-01", y+2)
			return st, nil
		}
	}
	if last := d.Year() - 1; last >= first && !years[last] && !years[d.Year()] {
		st.State, st.AbsentYears = StandingAtRisk, []int{last}
		st.LapsesOn = fmt.Sprintf("%d-01-01", d.Year()+1)
	}
	return st, nil
}

// LapseReport lists the active members at risk of lapsing and those who have
// lapsed by the rule on a date.
type LapseReport struct {
	AsOf   string     `json:"as_of"`
	Active int        `json:"active"` // active members examined
	AtRisk []Standing `json:"at_risk"`
	Lapsed []Standing `json:"lapsed"`
}

// BuildLapseReport applies Lapse to every active member; attendance maps a
// certificate number to its records. Errors: EINVALID for a bad date.
func BuildLapseReport(members []Member, attendance map[string][]Attendance, asOf string) (*LapseReport, error) {
	r := &LapseReport{AsOf: asOf, AtRisk: []Standing{}, Lapsed: []Standing{}}
	if _, err := ParseDate(asOf); err != nil {
		return nil, &Error{Code: EINVALID, Op: "membership: lapse report", Message: "日期格式应为 2026-03-01",
			Fields: map[string]string{"date": "日期格式应为 2026-03-01"}, Err: err}
	}
	for i := range members {
		m := &members[i]
		if m.Status != MemberActive {
			continue
		}
		r.Active++
		st, err := Lapse(m, attendance[m.Certificate], asOf)
		if err != nil {
			return nil, err
		}
		switch st.State {
		case StandingAtRisk:
			r.AtRisk = append(r.AtRisk, st)
		case StandingLapsed:
			r.Lapsed = append(r.Lapsed, st)
		}
	}
	byCert := func(a, b Standing) int { return strings.Compare(a.Certificate, b.Certificate) }
	slices.SortFunc(r.AtRisk, byCert)
	slices.SortFunc(r.Lapsed, byCert)
	return r, nil
}
