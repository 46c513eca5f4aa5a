package events

import (
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"maps"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/width"

	"github.com/smelisting/alliance/functions/membership"
)

// Status is where a registration stands. A check-in is recorded beside it
// (CheckedIn), so a checked-in registration stays confirmed.
type Status string

// Statuses of a registration.
const (
	StatusConfirmed  Status = "confirmed"  // 已报名: holds a place
	StatusWaitlisted Status = "waitlisted" // 候补: waits for a place
	StatusCancelled  Status = "cancelled"  // 已取消
)

// StatusLabels are the Chinese labels of the statuses.
var StatusLabels = map[Status]string{
	StatusConfirmed:  "已报名",
	StatusWaitlisted: "候补",
	StatusCancelled:  "已取消",
}

// PrivacyNoticeVersions are the versions of the registration form's privacy
// notice (content/config.yaml eventPrivacyNoticeVersion); a registration
// records the one its registrant accepted. Older versions stay listed for
// pages still open in a browser.
var PrivacyNoticeVersions = []string{"2026-12-01"}

// TokenValidity is how long after an event ends its registrants' status
// tokens still work.
const TokenValidity = 30 * 24 * time.Hour

// CheckIn is a registrant's arrival at the door, as the secretariat entered it.
type CheckIn struct {
	At     time.Time `json:"at" dynamodbav:"at"`
	By     string    `json:"by" dynamodbav:"by"`
	ByName string    `json:"by_name,omitempty" dynamodbav:"by_name,omitempty"`
}

// VoidedCheckIn is a check-in entered by mistake and voided, with why.
type VoidedCheckIn struct {
	CheckIn
	Void membership.Void `json:"void" dynamodbav:"void"`
}

// Cancellation says who cancelled a registration, when and, for the
// secretariat (on the registrant's behalf), why.
type Cancellation struct {
	At     time.Time `json:"at" dynamodbav:"at"`
	By     string    `json:"by" dynamodbav:"by"` // "registrant" or the secretariat's id
	ByName string    `json:"by_name,omitempty" dynamodbav:"by_name,omitempty"`
	Reason string    `json:"reason,omitempty" dynamodbav:"reason,omitempty"`
}

// Registration is one person's registration for an event. Member is the
// certificate number of an active member the registrant gave, checked against
// the register before it was linked; its check-in records that member's
// attendance. Version guards against lost updates.
type Registration struct {
	Code             string          `json:"code" dynamodbav:"code"`
	Event            string          `json:"event" dynamodbav:"event"`
	Name             string          `json:"name" dynamodbav:"name"`
	Org              string          `json:"org" dynamodbav:"org"`
	JobTitle         string          `json:"job_title" dynamodbav:"job_title,omitempty"`
	Phone            string          `json:"phone" dynamodbav:"phone,omitempty"`
	Email            string          `json:"email" dynamodbav:"email,omitempty"`
	Member           string          `json:"member,omitempty" dynamodbav:"member,omitempty"`
	MemberName       string          `json:"member_name,omitempty" dynamodbav:"member_name,omitempty"`
	WaitlistAccepted bool            `json:"waitlist_accepted" dynamodbav:"waitlist_accepted"`
	PrivacyVersion   string          `json:"privacy_version" dynamodbav:"privacy_version"`
	WalkIn           bool            `json:"walk_in,omitempty" dynamodbav:"walk_in,omitempty"` // registered at the door by the secretariat, outside the capacity
	Status           Status          `json:"status" dynamodbav:"status"`
	CreatedAt        time.Time       `json:"created_at" dynamodbav:"created_at"`
	PromotedAt       *time.Time      `json:"promoted_at,omitempty" dynamodbav:"promoted_at,omitempty"`
	PromotedBy       string          `json:"promoted_by,omitempty" dynamodbav:"promoted_by,omitempty"` // the secretariat's id (补位); "" when a cancellation freed the place
	PromotedByName   string          `json:"promoted_by_name,omitempty" dynamodbav:"promoted_by_name,omitempty"`
	CheckedIn        *CheckIn        `json:"checked_in,omitempty" dynamodbav:"checked_in,omitempty"`
	VoidedCheckIns   []VoidedCheckIn `json:"voided_check_ins,omitempty" dynamodbav:"voided_check_ins,omitempty"`
	Cancelled        *Cancellation   `json:"cancelled,omitempty" dynamodbav:"cancelled,omitempty"`
	TokenHash        string          `json:"-" dynamodbav:"token_hash,omitempty"` // SHA-256 of the registrant's status token
	TokenExpires     time.Time       `json:"token_expires" dynamodbav:"token_expires"`
	Version          int             `json:"version" dynamodbav:"version"`
	// Erased records that the registrant's personal data was erased (Erase).
	Erased *membership.Erasure `json:"erased,omitempty" dynamodbav:"erased,omitempty"`
}

// Erase removes the registrant's personal data — name, job title, phone,
// email and the status token — and records e. The event, the code, the
// organisation, the member linked, the status and the check-in stay, for the
// roster's counts and the attendance. Erasing twice changes nothing more.
func (r *Registration) Erase(e membership.Erasure) {
	r.Name, r.JobTitle, r.Phone, r.Email, r.TokenHash = membership.ErasedMark, "", "", "", ""
	if r.Erased == nil {
		e.At = e.At.UTC()
		r.Erased = &e
	}
}

// ErasureDue reports whether the retention period of the registration ended
// at now: keep after the end of the event it is for.
func ErasureDue(r *Registration, ended time.Time, keep time.Duration, now time.Time) bool {
	return r.Erased == nil && !ended.IsZero() && !now.Before(ended.Add(keep))
}

// Label is the registration's state in the registrant's words: 已签到,
// 已报名, 候补第 n 位 (position is its place on the waitlist) or 已取消.
func (r *Registration) Label(position int) string {
	switch {
	case r.CheckedIn != nil:
		return "已签到"
	case r.Status == StatusWaitlisted && position > 0:
		return fmt.Sprintf("候补第 %d 位", position)
	}
	return StatusLabels[r.Status]
}

// Input is what a registrant types into the form (or the secretariat for a
// walk-in). Its text fields are clean text (membership.CleanText, through the
// validate tags that Validate checks), named by the form's JSON names.
type Input struct {
	Name             string `json:"name" label:"姓名" validate:"oneline"`
	Org              string `json:"org" label:"单位" validate:"oneline"`
	JobTitle         string `json:"job_title" label:"职务" validate:"oneline"`
	Phone            string `json:"phone" label:"手机号码" validate:"oneline"`
	Email            string `json:"email" label:"电子邮箱" validate:"oneline"`
	Certificate      string `json:"certificate" label:"会员证书编号" validate:"oneline"`
	WaitlistAccepted bool   `json:"waitlist_accepted"`
	PrivacyAccepted  bool   `json:"privacy_accepted"`
	PrivacyVersion   string `json:"privacy_version" label:"个人信息保护声明版本" validate:"oneline"`
}

// Normalize tidies the input the way the join form does: spaces trimmed,
// phone and email by membership.NormalizePhone and NormalizeEmail, the
// certificate number as issued.
func (in *Input) Normalize() {
	for _, p := range []*string{&in.Name, &in.Org, &in.JobTitle, &in.PrivacyVersion} {
		*p = strings.TrimSpace(*p)
	}
	in.Phone = membership.NormalizePhone(in.Phone)
	in.Email = membership.NormalizeEmail(in.Email)
	in.Certificate = strings.ReplaceAll(membership.NormalCertificate(in.Certificate), "－", "-")
}

var certificateRE = regexp.MustCompile(`^LM-\d{4}-\d{4}$`)

// field is one text field's rule: its JSON name, label and length.
type field struct {
	key, label string
	value      string
	max        int
	required   bool
}

// Validate checks the normalized input of the registration form. It returns
// nil or an EINVALID error whose Fields hold one Chinese message per JSON
// field name.
func (in *Input) Validate() error { return in.validate(false) }

// ValidateWalkIn checks the normalized input of a walk-in, which the
// secretariat types at the door: only what the door needs is required (name,
// unit and phone, and the person's consent to the privacy notice); the job
// title and email, when given, are checked as on the form.
func (in *Input) ValidateWalkIn() error { return in.validate(true) }

// validate checks the input of the form, or at the door when door is true.
func (in *Input) validate(door bool) error {
	fields := map[string]string{}
	if err := membership.CheckInput(in); err != nil { // clean text, as in every field the API stores
		fe := membership.ErrorFields(err)
		if fe == nil {
			return err
		}
		maps.Copy(fields, fe)
	}
	for _, f := range []field{
		{"name", "姓名", in.Name, 50, true},
		{"org", "单位", in.Org, 100, true},
		{"job_title", "职务", in.JobTitle, 50, !door},
		{"phone", "手机号码", in.Phone, 24, true},
		{"email", "电子邮箱", in.Email, 254, !door},
		{"certificate", "会员证书编号", in.Certificate, 20, false},
	} {
		switch {
		case fields[f.key] != "": // not clean text
		case f.value == "" && f.required:
			fields[f.key] = "请填写" + f.label
		case utf8.RuneCountInString(f.value) > f.max:
			fields[f.key] = fmt.Sprintf("%s不能超过%d个字", f.label, f.max)
		}
	}
	if fields["phone"] == "" && !membership.ValidPhone(in.Phone) {
		fields["phone"] = "请填写手机号码（如13800138000）或带区号的固定电话（如010-68200012）"
	}
	if fields["email"] == "" && (in.Email != "" || !door) && !membership.ValidEmail(in.Email) {
		fields["email"] = "电子邮箱格式不正确，请检查是否填全，例如 lisi@example.com"
	}
	if fields["certificate"] == "" && in.Certificate != "" && !certificateRE.MatchString(in.Certificate) {
		fields["certificate"] = "会员证书编号格式应为 LM-2026-0001；不是会员请留空"
	}
	switch {
	case !in.PrivacyAccepted && door:
		fields["privacy_accepted"] = "请向本人告知个人信息保护声明，取得同意后勾选"
	case !in.PrivacyAccepted:
		fields["privacy_accepted"] = "请阅读并同意个人信息保护声明"
	}
	if fields["privacy_version"] == "" && !knownVersion(in.PrivacyVersion) {
		fields["privacy_version"] = "报名页面已过期，请刷新页面后重新填写提交"
	}
	if len(fields) == 0 {
		return nil
	}
	return &membership.Error{Code: membership.EINVALID, Op: "events: validate registration", Message: "报名信息有误，请按提示修改", Fields: fields}
}

func knownVersion(v string) bool {
	for _, k := range PrivacyNoticeVersions {
		if v == k {
			return true
		}
	}
	return false
}

// New returns the registration of the input for the event made at now,
// before the store decides its status and gives it its code; its status
// token expires TokenValidity after the event ends.
func New(ev *Event, in Input, now time.Time) *Registration {
	return &Registration{
		Event: ev.Slug, Name: in.Name, Org: in.Org, JobTitle: in.JobTitle, Phone: in.Phone, Email: in.Email,
		WaitlistAccepted: in.WaitlistAccepted, PrivacyVersion: in.PrivacyVersion,
		CreatedAt: now.UTC(), TokenExpires: ev.Ends().Add(TokenValidity).UTC(), Version: 1,
	}
}

// LinkMember links the registration to the active member with the
// certificate number, whose name is name. Errors: EINVALID when the member
// is not active (or unknown: status "").
func (r *Registration) LinkMember(certificate, name string, status membership.MemberStatus) error {
	if status != membership.MemberActive {
		msg := "未找到在册会员 " + certificate + "，请核对会员证书编号；不是会员请留空"
		return &membership.Error{Code: membership.EINVALID, Op: "events: link member", Message: msg,
			Fields: map[string]string{"certificate": msg}}
	}
	r.Member, r.MemberName = certificate, name
	return nil
}

// codeAlphabet has no 0, 1, I or O, which a clerk typing a code would confuse.
const codeAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

var codeRE = regexp.MustCompile(`^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$`)

// NewCode returns a fresh random registration code such as 7KQ3-M9XD: the
// QR code at the door holds it. Codes are unique across events; a store
// that finds one taken asks for another.
func NewCode() (string, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", membership.Internal("events: new code", err)
	}
	for i := range b {
		b[i] = codeAlphabet[int(b[i])%len(codeAlphabet)]
	}
	return string(b[:4]) + "-" + string(b[4:]), nil
}

// NormalCode writes a typed or scanned code as issued: upper case, ASCII,
// without spaces, with its dash. The result is a valid code or not (ValidCode).
func NormalCode(s string) string {
	s = strings.ToUpper(width.Fold.String(strings.Join(strings.Fields(s), "")))
	s = strings.ReplaceAll(s, "－", "-")
	if len(s) == 8 && !strings.Contains(s, "-") {
		s = s[:4] + "-" + s[4:]
	}
	return s
}

// ValidCode reports whether s has the form of a registration code.
func ValidCode(s string) bool { return codeRE.MatchString(s) }

// Authorize checks the registrant's status token. Errors: ENOTFOUND for a
// wrong token (as for an unknown code, so that codes cannot be probed);
// EFORBIDDEN for the right token past its expiry.
func (r *Registration) Authorize(token string, now time.Time) error {
	const op = "events: authorize"
	if r.TokenHash == "" || token == "" ||
		subtle.ConstantTimeCompare([]byte(membership.HashToken(token)), []byte(r.TokenHash)) != 1 {
		return membership.Errorf(membership.ENOTFOUND, op, "未找到该报名，或查询凭证不正确")
	}
	if !now.Before(r.TokenExpires) {
		return membership.Errorf(membership.EFORBIDDEN, op, "查询凭证已于 %s 过期（活动结束 30 天后失效）；如需查询报名记录，请联系秘书处", cnTime(r.TokenExpires))
	}
	return nil
}
