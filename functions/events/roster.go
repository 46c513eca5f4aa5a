package events

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"slices"
	"strconv"
	"strings"

	"github.com/smelisting/alliance/functions/membership"
)

// Counts are an event's registrations by state.
type Counts struct {
	Capacity   int `json:"capacity"`
	Confirmed  int `json:"confirmed"`  // holding a place (walk-ins not included)
	Left       int `json:"left"`       // places free
	Waitlisted int `json:"waitlisted"` // waiting for a place
	Cancelled  int `json:"cancelled"`
	CheckedIn  int `json:"checked_in"` // walk-ins included
	WalkIns    int `json:"walk_ins"`
	Promotable int `json:"promotable"` // waiting who would take a free place now (补位, see Promotable)
}

// Listed is a registration as the secretariat's list shows it: with its
// place on the waitlist and its state in words.
type Listed struct {
	Registration
	Position int    `json:"position,omitempty"`
	Label    string `json:"label"`
}

// Roster is an event's registrations and their counts: registrations in the
// order they were made, the waitlisted in their order.
type Roster struct {
	Event         Event    `json:"event"`
	Counts        Counts   `json:"counts"`
	Registrations []Listed `json:"registrations"`
}

// NewRoster lists the registrations of the event with the seats taken.
func NewRoster(ev *Event, regs []Registration, s Seats) *Roster {
	ro := &Roster{Event: *ev, Registrations: []Listed{}}
	c := &ro.Counts
	c.Capacity, c.Left, c.Promotable = ev.Capacity, s.Left(ev.Capacity), Promotable(ev.Capacity, s)
	for _, r := range regs {
		l := Listed{Registration: r, Position: s.Position(r.Code)}
		l.Label = r.Label(l.Position)
		switch {
		case r.WalkIn:
			c.WalkIns++
		case r.Status == StatusConfirmed:
			c.Confirmed++
		case r.Status == StatusWaitlisted:
			c.Waitlisted++
		case r.Status == StatusCancelled:
			c.Cancelled++
		}
		if r.CheckedIn != nil {
			c.CheckedIn++
		}
		ro.Registrations = append(ro.Registrations, l)
	}
	slices.SortStableFunc(ro.Registrations, func(a, b Listed) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.Code, b.Code))
	})
	return ro
}

// CSV renders the roster for Excel like the dues report: UTF-8 with a byte
// order mark, CRLF line ends, formula-like cells defused, phone numbers kept
// as text, and a line of counts at the end.
func (ro *Roster) CSV() []byte {
	var buf bytes.Buffer
	buf.WriteString("\uFEFF")
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	cell := membership.SpreadsheetCell
	w.Write([]string{"报名编号", "状态", "候补顺序", "姓名", "单位", "职务", "手机", "电子邮箱", "会员证书编号", "会员名称", "报名时间", "签到时间", "备注"})
	for _, l := range ro.Registrations {
		pos, checked, note := "", "", ""
		if l.Position > 0 {
			pos = strconv.Itoa(l.Position)
		}
		if l.CheckedIn != nil {
			checked = cnTime(l.CheckedIn.At)
		}
		switch {
		case l.WalkIn:
			note = "现场报名"
		case l.Cancelled != nil && l.Cancelled.By != RegistrantActor:
			note = "秘书处代为取消于 " + cnTime(l.Cancelled.At) + "：" + l.Cancelled.Reason
		case l.Cancelled != nil:
			note = "取消于 " + cnTime(l.Cancelled.At)
		case l.PromotedAt != nil && l.PromotedBy != "":
			note = "秘书处补位于 " + cnTime(*l.PromotedAt)
		case l.PromotedAt != nil:
			note = "候补递补于 " + cnTime(*l.PromotedAt)
		}
		w.Write([]string{l.Code, l.Label, pos, cell(l.Name), cell(l.Org), cell(l.JobTitle), phoneCell(l.Phone), cell(l.Email),
			l.Member, cell(l.MemberName), cnTime(l.CreatedAt), checked, cell(note)})
	}
	c := ro.Counts
	w.Write([]string{"合计", "名额 " + strconv.Itoa(c.Capacity) + "，已报名 " + strconv.Itoa(c.Confirmed) + "，候补 " + strconv.Itoa(c.Waitlisted) +
		"，已取消 " + strconv.Itoa(c.Cancelled) + "，现场报名 " + strconv.Itoa(c.WalkIns) + "，已签到 " + strconv.Itoa(c.CheckedIn)})
	w.Flush()
	return buf.Bytes()
}

// phoneCell keeps a phone number as text: Excel shows 13800138000 as a
// number, and a number in scientific notation once the column is narrow.
func phoneCell(s string) string {
	if s != "" && strings.Trim(s, "0123456789") == "" {
		return `="` + s + `"`
	}
	return membership.SpreadsheetCell(s)
}
