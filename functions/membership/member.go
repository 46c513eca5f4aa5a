package membership

import (
	"fmt"
	"strings"
	"time"
)

// MemberStatus is whether a member is in the alliance and, if not, how they left (第十五条).
type MemberStatus string

// Member statuses.
const (
	MemberActive   MemberStatus = "active"   // 在册
	MemberExited   MemberStatus = "exited"   // 自愿退会（书面申请并交回会员证书）
	MemberExpelled MemberStatus = "expelled" // 除名（秘书处审核，理事长办公会批准）
	MemberLapsed   MemberStatus = "lapsed"   // 连续两年不参加会员大会或联盟活动，视为自动退会
)

// MemberStatusLabels are the Chinese labels of the member statuses.
var MemberStatusLabels = map[MemberStatus]string{
	MemberActive:   "在册",
	MemberExited:   "已退会",
	MemberExpelled: "已除名",
	MemberLapsed:   "视为自动退会",
}

// Profile is what the showcase (会员风采) shows of a member, taken from the
// application when the certificate is issued.
type Profile struct {
	Name         string      `json:"name" dynamodbav:"name"`
	Region       string      `json:"region,omitempty" dynamodbav:"region,omitempty"`
	Industry     string      `json:"industry,omitempty" dynamodbav:"industry,omitempty"`
	Specialised  Specialised `json:"specialised,omitempty" dynamodbav:"specialised,omitempty"`
	Introduction string      `json:"introduction,omitempty" dynamodbav:"introduction,omitempty"`
	Homepage     string      `json:"homepage,omitempty" dynamodbav:"homepage,omitempty"` // http(s) address, optional
}

// Contact is how the secretariat reaches a member. It is never shown publicly.
type Contact struct {
	Person string `json:"person,omitempty" dynamodbav:"person,omitempty"`
	Phone  string `json:"phone,omitempty" dynamodbav:"phone,omitempty"`
	Email  string `json:"email,omitempty" dynamodbav:"email,omitempty"`
}

// MemberEvent is one entry of a member's history. Actor is the token's
// subject, which the same-person rules compare; ActorName is the display name
// the token carried at the time, so that a reader of the history sees who
// acted even when the issuer's subjects are opaque ids.
type MemberEvent struct {
	Action    string       `json:"action" dynamodbav:"action"`
	From      MemberStatus `json:"from,omitempty" dynamodbav:"from,omitempty"`
	To        MemberStatus `json:"to" dynamodbav:"to"`
	Actor     string       `json:"actor" dynamodbav:"actor"`
	ActorName string       `json:"actor_name,omitempty" dynamodbav:"actor_name,omitempty"`
	Role      string       `json:"role" dynamodbav:"role"`
	At        time.Time    `json:"at" dynamodbav:"at"`
	Note      string       `json:"note,omitempty" dynamodbav:"note,omitempty"`
}

// Expulsion is an expulsion the secretariat has proposed, waiting for the
// chairman's office.
type Expulsion struct {
	Reason     string    `json:"reason" dynamodbav:"reason"`
	ProposedBy string    `json:"proposed_by" dynamodbav:"proposed_by"`
	ProposedAt time.Time `json:"proposed_at" dynamodbav:"proposed_at"`
}

// Member is a member of the alliance: created when its certificate is issued,
// never deleted. A member who left keeps the record, with Status, LeftOn and
// LeftNote saying how and when. Version guards against lost updates.
type Member struct {
	Certificate string     `json:"certificate" dynamodbav:"certificate"` // e.g. LM-2026-0001
	Application string     `json:"application" dynamodbav:"application"` // e.g. SQ2026-000123
	Type        MemberType `json:"type" dynamodbav:"type"`
	JoinedOn    string     `json:"joined_on" dynamodbav:"joined_on"` // YYYY-MM-DD, in China
	CreditCode  string     `json:"credit_code,omitempty" dynamodbav:"credit_code,omitempty"`
	Profile     Profile    `json:"profile" dynamodbav:"profile"`
	Contact     Contact    `json:"contact" dynamodbav:"contact"`
	Filing      *Filing    `json:"filing,omitempty" dynamodbav:"filing,omitempty"`
	// ShowcaseConsent says whether the member agrees to be shown in 会员风采;
	// carried from the application, changed later only by the secretariat on
	// the member's request (recorded in History).
	ShowcaseConsent bool `json:"showcase_consent" dynamodbav:"showcase_consent"`

	Status           MemberStatus  `json:"status" dynamodbav:"status"`
	LeftOn           string        `json:"left_on,omitempty" dynamodbav:"left_on,omitempty"` // YYYY-MM-DD
	LeftNote         string        `json:"left_note,omitempty" dynamodbav:"left_note,omitempty"`
	PendingExpulsion *Expulsion    `json:"pending_expulsion,omitempty" dynamodbav:"pending_expulsion,omitempty"`
	History          []MemberEvent `json:"history" dynamodbav:"history"`
	Version          int           `json:"version" dynamodbav:"version"`
	// Erased records that the contact's personal data was erased (privacy.go).
	Erased *Erasure `json:"erased,omitempty" dynamodbav:"erased,omitempty"`
}

// Showcased reports whether the member may be shown in 会员风采: active
// (not exited, expelled or lapsed), consenting, and an organisation
// (individuals are never shown, see ShowcaseFields).
func (m *Member) Showcased() bool {
	return m.Status == MemberActive && m.ShowcaseConsent && m.Type != TypeIndividual
}

// FormatCertificate returns the certificate number of the seq-th certificate
// issued in year, e.g. LM-2026-0001.
func FormatCertificate(year, seq int) string { return fmt.Sprintf("LM-%d-%04d", year, seq) }

// NewMember returns the member created by certifying the application at now;
// the store gives it its certificate number. The application must be filed.
// Joined on is the day the certificate is issued, in China.
func NewMember(a *Application, actor Actor, now time.Time) *Member {
	m := &Member{
		Application: a.Number,
		Type:        a.Type,
		JoinedOn:    Today(now),
		CreditCode:  a.CreditCode,
		Profile: Profile{
			Name: a.OrgName, Region: a.Region, Industry: a.Industry,
			Specialised: a.Specialised, Introduction: a.Introduction,
			Homepage: a.Homepage,
		},
		ShowcaseConsent: a.ShowcaseConsent,
		Contact:         Contact{Person: a.Contact, Phone: a.Phone, Email: a.Email},
		Filing:          a.Filing,
		Status:          MemberActive,
		History: []MemberEvent{{Action: "join", To: MemberActive, Actor: actor.ID, ActorName: actor.Name, Role: RoleSecretariat, At: now.UTC(),
			Note: "颁发会员证书，申请 " + a.Number}},
		Version: 1,
	}
	if a.Type == TypeIndividual {
		m.Profile.Name = a.Contact
		if m.Profile.Name == "" {
			m.Profile.Name = a.OrgName
		}
	}
	return m
}

// Exit records a member's voluntary exit (第十五条): the secretariat enters
// the written request and confirms the certificate was returned.
// Errors: EFORBIDDEN unless the actor is the secretariat; ECONFLICT unless the
// member is active; EINVALID without a request date (or one before the member
// joined, or after today) or without the certificate.
func (m *Member) Exit(actor Actor, requestedOn string, certificateReturned bool, note string, now time.Time) error {
	const op = "membership: exit"
	if err := actor.May(TaskExit); err != nil {
		return err
	}
	if err := m.mustBeActive(op, "退会"); err != nil {
		return err
	}
	fields := map[string]string{}
	if _, err := ParseDate(requestedOn); err != nil {
		fields["requested_on"] = "请填写书面退会申请的日期（格式 2026-03-01）"
	} else if requestedOn < m.JoinedOn || requestedOn > Today(now) {
		fields["requested_on"] = fmt.Sprintf("退会申请日期应在入会日期 %s 至今天之间", m.JoinedOn)
	}
	if !certificateReturned {
		fields["certificate_returned"] = "退会须交回会员证书"
	}
	if len(fields) > 0 {
		return &Error{Code: EINVALID, Op: op, Message: "退会信息不完整", Fields: fields}
	}
	text := "书面申请日期 " + requestedOn + "，会员证书已交回"
	if n := strings.TrimSpace(note); n != "" {
		text += "；" + n
	}
	m.leave(actor, RoleSecretariat, "exit", MemberExited, requestedOn, text, now)
	return nil
}

// ProposeExpulsion records the secretariat's review proposing to expel the
// member, with a reason; the chairman's office decides. Errors: EFORBIDDEN,
// ECONFLICT (not active, or a proposal is already pending), EINVALID (no reason).
func (m *Member) ProposeExpulsion(actor Actor, reason string, now time.Time) error {
	const op = "membership: propose expulsion"
	if err := actor.May(TaskProposeExpulsion); err != nil {
		return err
	}
	if err := m.mustBeActive(op, "提出除名"); err != nil {
		return err
	}
	if m.PendingExpulsion != nil {
		return Errorf(ECONFLICT, op, "会员 %s 已有待批准的除名", m.Certificate)
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return &Error{Code: EINVALID, Op: op, Message: "请填写除名理由", Fields: map[string]string{"reason": "请填写除名理由"}}
	}
	m.PendingExpulsion = &Expulsion{Reason: reason, ProposedBy: actor.ID, ProposedAt: now.UTC()}
	m.History = append(m.History, MemberEvent{Action: "propose-expulsion", From: m.Status, To: m.Status,
		Actor: actor.ID, ActorName: actor.Name, Role: RoleSecretariat, At: now.UTC(), Note: reason})
	return nil
}

// DecideExpulsion records the chairman's office decision on a pending
// expulsion: approve expels the member as of the decision day; otherwise the
// proposal is dropped. The person who proposed it cannot decide it.
// Errors: EFORBIDDEN, ECONFLICT (nothing pending), EINVALID (no note when
// refusing).
func (m *Member) DecideExpulsion(actor Actor, approve bool, note string, now time.Time) error {
	const op = "membership: decide expulsion"
	if err := actor.May(TaskDecideExpulsion); err != nil {
		return err
	}
	if m.PendingExpulsion == nil || m.Status != MemberActive {
		return Errorf(ECONFLICT, op, "会员 %s 当前状态为「%s」，没有待批准的除名", m.Certificate, MemberStatusLabels[m.Status])
	}
	if m.PendingExpulsion.ProposedBy == actor.ID {
		return Errorf(EFORBIDDEN, op, "提出除名的人不能同时批准")
	}
	note = strings.TrimSpace(note)
	if !approve {
		if note == "" {
			return &Error{Code: EINVALID, Op: op, Message: "请填写不予除名的理由", Fields: map[string]string{"note": "请填写不予除名的理由"}}
		}
		m.PendingExpulsion = nil
		m.History = append(m.History, MemberEvent{Action: "refuse-expulsion", From: m.Status, To: m.Status,
			Actor: actor.ID, ActorName: actor.Name, Role: RoleChair, At: now.UTC(), Note: note})
		return nil
	}
	text := "除名理由：" + m.PendingExpulsion.Reason
	if note != "" {
		text += "；" + note
	}
	m.PendingExpulsion = nil
	m.leave(actor, RoleChair, "expel", MemberExpelled, Today(now), text, now)
	return nil
}

// MarkLapsed records that the member lapsed by the rule of 第十五条 (see
// Lapse): the report for the date must say lapsed. Errors: EFORBIDDEN,
// ECONFLICT (not active, or the rule does not hold for the date).
func (m *Member) MarkLapsed(actor Actor, st Standing, now time.Time) error {
	const op = "membership: mark lapsed"
	if err := actor.May(TaskMarkLapsed); err != nil {
		return err
	}
	if err := m.mustBeActive(op, "登记自动退会"); err != nil {
		return err
	}
	if st.State != StandingLapsed {
		return Errorf(ECONFLICT, op, "会员 %s 截至 %s 未满足连续两年未参加活动的条件", m.Certificate, st.AsOf)
	}
	m.leave(actor, RoleSecretariat, "lapse", MemberLapsed, st.LapsedOn,
		fmt.Sprintf("%d、%d 年均未参加会员大会或联盟活动", st.AbsentYears[0], st.AbsentYears[1]), now)
	return nil
}

func (m *Member) mustBeActive(op, what string) error {
	if m.Status != MemberActive {
		return Errorf(ECONFLICT, op, "会员 %s 当前状态为「%s」，不能%s", m.Certificate, MemberStatusLabels[m.Status], what)
	}
	return nil
}

func (m *Member) leave(actor Actor, role, action string, to MemberStatus, on, note string, now time.Time) {
	m.History = append(m.History, MemberEvent{Action: action, From: m.Status, To: to, Actor: actor.ID, ActorName: actor.Name, Role: role, At: now.UTC(), Note: note})
	m.Status, m.LeftOn, m.LeftNote = to, on, note
}
