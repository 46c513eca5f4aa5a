package membership

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Roles of the people who act on applications and members. The secretariat
// roles come from the bearer token; RoleApplicant is the applicant holding the
// application's status token.
const (
	RoleApplicant   = "applicant"   // the applicant: may withdraw before approval
	RoleSecretariat = "secretariat" // 秘书处: reviews, files, issues certificates, records dues and attendance
	RoleChair       = "chair"       // 理事长办公会: approves or rejects, approves expulsions
	RoleSupervisor  = "supervisor"  // 监事: reads everything, changes nothing
)

// Actor is who makes a change: a stable id (the token's subject), a display
// name and the roles they hold. Histories record the id, so that the
// same-person rules compare ids, not names.
type Actor struct {
	ID    string   `json:"id"`
	Name  string   `json:"name,omitempty"`
	Roles []string `json:"roles"`
}

// Has reports whether the actor holds the role.
func (a Actor) Has(role string) bool { return slices.Contains(a.Roles, role) }

// Action is a move in the workflow of 第十四条.
type Action string

// Actions on applications.
const (
	ActionReview   Action = "review"   // 秘书处审核通过: submitted → reviewed
	ActionApprove  Action = "approve"  // 理事长办公会批准: reviewed → approved
	ActionReject   Action = "reject"   // 不予通过 (with a reason): submitted or reviewed → rejected
	ActionFile     Action = "file"     // 报中促中心备案 (date and reference): approved → filed
	ActionCertify  Action = "certify"  // 颁发会员证书: filed → certified (creates the member)
	ActionWithdraw Action = "withdraw" // 申请人撤回: submitted or reviewed → withdrawn
)

// ActionLabels are the Chinese names of the actions.
var ActionLabels = map[Action]string{
	ActionReview:   "审核通过",
	ActionApprove:  "批准",
	ActionReject:   "不予通过",
	ActionFile:     "报中促中心备案",
	ActionCertify:  "颁发会员证书",
	ActionWithdraw: "撤回申请",
}

// move is one allowed transition: from a status, by a role, to a status.
type move struct {
	Action Action
	From   Status
	Role   string
	To     Status
}

// moves is the transition table of 第十四条. Anything not listed is refused.
var moves = []move{
	{ActionReview, StatusSubmitted, RoleSecretariat, StatusReviewed},
	{ActionReject, StatusSubmitted, RoleSecretariat, StatusRejected},
	{ActionApprove, StatusReviewed, RoleChair, StatusApproved},
	{ActionReject, StatusReviewed, RoleChair, StatusRejected},
	{ActionFile, StatusApproved, RoleSecretariat, StatusFiled},
	{ActionCertify, StatusFiled, RoleSecretariat, StatusCertified},
	{ActionWithdraw, StatusSubmitted, RoleApplicant, StatusWithdrawn},
	{ActionWithdraw, StatusReviewed, RoleApplicant, StatusWithdrawn},
}

// Filing is the record of an application's filing with the centre (报中促中心备案).
type Filing struct {
	Date      string `json:"date" dynamodbav:"date" label:"备案日期" validate:"oneline"`           // YYYY-MM-DD
	Reference string `json:"reference" dynamodbav:"reference" label:"备案编号" validate:"oneline"` // the centre's reference
}

// Change is what an actor asks for: an action and its details. Note is the
// reason for a rejection (required) or a free remark; Filing is required for
// ActionFile.
type Change struct {
	Action Action  `json:"action"`
	Note   string  `json:"note,omitempty"`
	Filing *Filing `json:"filing,omitempty"`
}

// Apply checks that the actor may make the change to the application now and,
// if so, applies it: the new status and an appended history event. It does not
// touch Version (the store does) and does not create the member of
// ActionCertify (IssueCertificate does). Errors: EFORBIDDEN when none of the
// actor's roles may ever take the action, or a different role is needed at this
// step, or the actor reviewed the application and now tries to decide on it at
// the chairman's office step; ECONFLICT naming the current status when the move
// is not possible from it; EINVALID for a missing reason or filing.
func (a *Application) Apply(actor Actor, c Change, now time.Time) error {
	const op = "membership: apply change"
	if err := actor.MayTake(c.Action); err != nil {
		return err
	}
	i := slices.IndexFunc(moves, func(m move) bool { return m.Action == c.Action && m.From == a.Status })
	if i < 0 {
		return Errorf(ECONFLICT, op, "申请 %s 当前状态为「%s」（%s），不能%s",
			a.Number, StatusLabels[a.Status], a.Status, ActionLabels[c.Action])
	}
	m := moves[i]
	if !actor.Has(m.Role) {
		return Errorf(EFORBIDDEN, op, "申请当前状态为「%s」，「%s」须由%s执行",
			StatusLabels[a.Status], ActionLabels[c.Action], RoleLabels[m.Role])
	}
	if m.Role == RoleChair {
		if rev := a.lastEvent(StatusReviewed); rev != nil && rev.Actor == actor.ID {
			return Errorf(EFORBIDDEN, op, "审核人不能同时批准同一申请")
		}
	}
	note := strings.TrimSpace(c.Note)
	switch c.Action {
	case ActionReject:
		if note == "" {
			return &Error{Code: EINVALID, Op: op, Message: "请填写不予通过的理由",
				Fields: map[string]string{"note": "请填写不予通过的理由"}}
		}
	case ActionFile:
		if err := c.Filing.check(op, now); err != nil {
			return err
		}
		f := *c.Filing
		f.Reference = strings.TrimSpace(f.Reference)
		a.Filing = &f
	}
	a.History = append(a.History, Event{From: a.Status, To: m.To, Actor: actor.ID, ActorName: actor.Name, Role: m.Role, At: now.UTC(), Note: note})
	a.Status = m.To
	return nil
}

// check returns an EINVALID error for a missing filing, a missing reference,
// or a date that is not a date or is after now (in China).
func (f *Filing) check(op string, now time.Time) error {
	fields := map[string]string{}
	if f == nil {
		f = &Filing{}
	}
	if _, err := ParseDate(f.Date); err != nil {
		fields["filing.date"] = "请填写备案日期（格式 2026-03-01）"
	} else if f.Date > Today(now) {
		fields["filing.date"] = "备案日期不能晚于今天"
	}
	if strings.TrimSpace(f.Reference) == "" {
		fields["filing.reference"] = "请填写备案编号"
	}
	if len(fields) > 0 {
		return &Error{Code: EINVALID, Op: op, Message: "备案信息不完整", Fields: fields}
	}
	return nil
}

// lastEvent returns the latest history event that moved the application to
// status, or nil.
func (a *Application) lastEvent(to Status) *Event {
	for i := len(a.History) - 1; i >= 0; i-- {
		if a.History[i].To == to && a.History[i].Action == "" {
			return &a.History[i]
		}
	}
	return nil
}

// RoleLabels are the Chinese names of the roles.
var RoleLabels = map[string]string{
	RoleApplicant:   "申请人",
	RoleSecretariat: "秘书处",
	RoleChair:       "理事长办公会",
	RoleSupervisor:  "监事",
}

// ParseDate parses a calendar date written YYYY-MM-DD.
func ParseDate(s string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("membership: parse date %q: %w", s, err)
	}
	return t, nil
}

// Today returns the date in China at t, as YYYY-MM-DD.
func Today(t time.Time) string { return t.In(China).Format(time.DateOnly) }
