package membership

import (
	"fmt"
	"strconv"
	"time"
)

// Why personal data was erased.
const (
	ErasedRetention = "retention" // its retention period ended (Retention)
	ErasedRequest   = "request"   // the person asked for it (PIPL art. 47)
)

// ErasureReasonLabels are the Chinese labels of the reasons.
var ErasureReasonLabels = map[string]string{
	ErasedRetention: "保存期满",
	ErasedRequest:   "应本人要求",
}

// Erasure records that a record's personal data was erased: when, why, by
// whom (the secretariat's ID and name, "applicant", or "retention" for the
// sweep) and, for a request, on whose request (Note: e.g. 本人书面申请，
// 2027-03-02 来函). It holds none of the erased data.
type Erasure struct {
	At     time.Time `json:"at" dynamodbav:"at"`
	Reason string    `json:"reason" dynamodbav:"reason"`
	By     string    `json:"by" dynamodbav:"by"`
	ByName string    `json:"by_name,omitempty" dynamodbav:"by_name,omitempty"`
	Role   string    `json:"role" dynamodbav:"role"`
	Note   string    `json:"note,omitempty" dynamodbav:"note,omitempty"`
}

// Label says in Chinese why the data was erased.
func (e *Erasure) Label() string {
	s := ErasureReasonLabels[e.Reason] + "，已删除个人信息"
	if e.Note != "" {
		s += "：" + e.Note
	}
	return s
}

// Retention is how long personal data is kept once its purpose ended
// (content/config.yaml: retention). The record itself stays, pseudonymised,
// for the history and the numbering.
type Retention struct {
	// Closed: after an application is rejected or withdrawn.
	Closed time.Duration
	// Registrations: after the end of the event, for every registration of
	// it (cancelled or not).
	Registrations time.Duration
}

// DefaultRetention is what the privacy notices promise (the join page: 180
// days; the event pages: within a year of the event) and template.yaml sets.
var DefaultRetention = Retention{Closed: 180 * 24 * time.Hour, Registrations: 365 * 24 * time.Hour}

// Days returns d in whole days.
func Days(d time.Duration) int { return int(d / (24 * time.Hour)) }

// ClosedAt returns when the application was rejected or withdrawn, and false
// while it is not.
func (a *Application) ClosedAt() (time.Time, bool) {
	if a.Status != StatusRejected && a.Status != StatusWithdrawn {
		return time.Time{}, false
	}
	if e := a.lastEvent(a.Status); e != nil {
		return e.At, true
	}
	return a.CreatedAt, true
}

// ErasureDue reports whether the retention period of the application's
// personal data ended at now and it is not yet erased.
func (r Retention) ErasureDue(a *Application, now time.Time) bool {
	closed, ok := a.ClosedAt()
	return ok && a.Erased == nil && !now.Before(closed.Add(r.Closed))
}

// ErasedMark is what an erased name reads.
const ErasedMark = "（已删除）"

// Erase removes the natural persons' data from the application — the
// contact's name, phone and email, the representative, the introduction, an
// individual's name, the files — and records e in its history. The
// organisation's name and credit code, the status and the history stay. It
// returns the attachments that were recorded, whose files must be deleted.
// Erasing twice changes nothing more.
func (a *Application) Erase(e Erasure) []Attachment {
	files := a.Attachments
	a.Contact, a.Phone, a.Email, a.Representative, a.Introduction = ErasedMark, "", "", "", ""
	if a.Type == TypeIndividual {
		a.OrgName = ""
	}
	a.Attachments = nil
	if a.Erased == nil {
		e.At = e.At.UTC()
		a.Erased = &e
		a.History = append(a.History, Event{From: a.Status, To: a.Status, Action: "erase", Actor: e.By, ActorName: e.ByName,
			Role: e.Role, At: e.At, Note: e.Label()})
	}
	return files
}

// MayEraseByApplicant returns nil when the applicant may have the
// application's data erased: before the chairman's office approved it (it is
// withdrawn with the erasure) or once it was rejected or withdrawn. After
// approval the register keeps it (第十四条); the secretariat decides on a
// request then. Errors: ECONFLICT.
func (a *Application) MayEraseByApplicant() error {
	switch a.Status {
	case StatusSubmitted, StatusReviewed, StatusRejected, StatusWithdrawn:
		return nil
	}
	return Errorf(ECONFLICT, "membership: erase by applicant",
		"申请 %s 已经批准（当前状态「%s」），个人信息须随会员档案保存；如需删除，请联系秘书处书面申请", a.Number, StatusLabels[a.Status])
}

// EraseContact removes the natural person's data from the member: the
// contact person, phone and email; for an individual member also the name
// and introduction shown, replaced by the certificate number. The
// organisation's name, the certificate, the credit code, the status and the
// dues stay. Who asked for a change of the showcase consent, and the note
// with it, go from the history (eraseShowcaseRequesters); the dates and the
// changes stay. It records e in the history; erasing twice changes nothing more.
func (m *Member) EraseContact(e Erasure) {
	m.Contact = Contact{}
	m.eraseShowcaseRequesters()
	if m.Type == TypeIndividual {
		m.Profile.Name, m.Profile.Introduction = "个人会员 "+m.Certificate, ""
	}
	if m.Erased == nil {
		e.At = e.At.UTC()
		m.Erased = &e
		m.History = append(m.History, MemberEvent{Action: "erase", From: m.Status, To: m.Status, Actor: e.By, ActorName: e.ByName,
			Role: e.Role, At: e.At, Note: e.Label()})
	}
}

// ParseRetention reads the retention periods in days (the functions'
// RETENTION_CLOSED_DAYS and RETENTION_REGISTRATION_DAYS); an empty one is
// DefaultRetention's. Each must be a whole number of days from 1 to 3650.
func ParseRetention(closed, registrations string) (Retention, error) {
	r := DefaultRetention
	for _, f := range []struct {
		name, s string
		d       *time.Duration
	}{{"RETENTION_CLOSED_DAYS", closed, &r.Closed}, {"RETENTION_REGISTRATION_DAYS", registrations, &r.Registrations}} {
		if f.s == "" {
			continue
		}
		n, err := strconv.Atoi(f.s)
		if err != nil || n < 1 || n > 3650 {
			return r, fmt.Errorf("membership: %s %q: want whole days from 1 to 3650", f.name, f.s)
		}
		*f.d = time.Duration(n) * 24 * time.Hour
	}
	return r, nil
}
