// Package outbox is the domain of the mail the alliance sends. An Entry is one
// message to one address: the stores write it in the same transaction as the
// change that causes it (an application's move in the workflow of 第十四条, an
// event registration, its promotion from the waitlist) or, for the scheduled
// notices (dues, the lapse rule, the secretariat's digest), under a key that
// makes a second run of the same day's job write nothing. A sender (package
// mail) drains the entries with a lease on each, retries with backoff and
// records the outcome; the rules of all that are here, with which change
// produces which message (notices.go, scheduled.go). Like package membership
// it knows no HTTP, no AWS and no SMTP.
//
// What "exactly once" means: one entry per change, never two (its key is
// derived from the change, and the write is conditional), and an entry is
// marked sent only after the provider accepted it. A sender that dies after
// the provider accepted a message and before the mark leaves its lease to
// expire, and the message is sent again: SMTP and SES give no way to ask
// whether a message arrived, so the choice is between that rare duplicate and
// a lost mail, and a lost mail is worse. The duplicate carries the same
// Message-ID and X-Alliance-Outbox-Id (MessageID), so mail stores that drop
// repeated Message-IDs (Gmail does) show it once.
package outbox

import (
	"fmt"
	"strings"
	"time"

	"github.com/smelisting/alliance/functions/membership"
)

// Kind is what a message is about; each has a template under templates/mail/.
type Kind string

// Kinds of messages.
const (
	KindReceived   Kind = "application-received"   // 申请已收到: number and status link
	KindReviewed   Kind = "application-reviewed"   // 秘书处审核通过
	KindApproved   Kind = "application-approved"   // 理事长办公会批准
	KindFiled      Kind = "application-filed"      // 已报中促中心备案
	KindCertified  Kind = "application-certified"  // 颁发会员证书 (with its number)
	KindRejected   Kind = "application-rejected"   // 不予通过 (with the reason)
	KindWithdrawn  Kind = "application-withdrawn"  // 申请已撤回
	KindConfirmed  Kind = "registration-confirmed" // 活动报名成功
	KindWaitlisted Kind = "registration-waitlisted"
	KindPromoted   Kind = "registration-promoted" // 候补转为正式报名
	KindDuesNotice Kind = "dues-notice"           // 会费缴纳通知 (before the year)
	KindDuesRemind Kind = "dues-reminder"         // 会费催缴提醒 (unpaid)
	KindLapseRisk  Kind = "lapse-risk"            // 自动退会风险提示 (第十五条)
	KindDigest     Kind = "applications-digest"   // 新申请日报, to the secretariat
)

// Kinds lists every kind, in the order the console shows them.
var Kinds = []Kind{KindReceived, KindReviewed, KindApproved, KindFiled, KindCertified, KindRejected, KindWithdrawn,
	KindConfirmed, KindWaitlisted, KindPromoted, KindDuesNotice, KindDuesRemind, KindLapseRisk, KindDigest}

// KindLabels are the Chinese names of the kinds, as the console lists them.
var KindLabels = map[Kind]string{
	KindReceived: "申请已收到", KindReviewed: "审核通过", KindApproved: "批准入会", KindFiled: "备案完成",
	KindCertified: "颁发会员证书", KindRejected: "申请未通过", KindWithdrawn: "申请已撤回",
	KindConfirmed: "活动报名成功", KindWaitlisted: "活动候补", KindPromoted: "候补转正",
	KindDuesNotice: "会费缴纳通知", KindDuesRemind: "会费催缴提醒", KindLapseRisk: "自动退会风险提示",
	KindDigest: "新申请日报",
}

// State is where an entry stands.
type State string

// States of an entry.
const (
	StatePending State = "pending" // to be sent (again) once Due has passed
	StateSent    State = "sent"    // the provider accepted it
	StateFailed  State = "failed"  // given up: a permanent refusal or too many attempts; the secretariat may retry it
)

// StateLabels are the Chinese labels of the states.
var StateLabels = map[State]string{StatePending: "待发送", StateSent: "已发送", StateFailed: "发送失败"}

// Entry is one message of the outbox. Ref is the record it is about (an
// application number, a registration code, a certificate number, or
// DigestRef) and Tag tells it from the record's other messages; together
// they are its key (ID), derived from the change that caused it, so the
// same change can never write two. Data holds what the template says
// (number, names, reason, …) and is dropped once the message is sent.
// Version guards against lost updates, as for the register's records.
type Entry struct {
	Ref       string            `json:"ref" dynamodbav:"ref"`
	Tag       string            `json:"tag" dynamodbav:"tag"`
	Kind      Kind              `json:"kind" dynamodbav:"kind"`
	To        string            `json:"to" dynamodbav:"to"`
	ToName    string            `json:"to_name,omitempty" dynamodbav:"to_name,omitempty"`
	Data      map[string]string `json:"-" dynamodbav:"data,omitempty"` // never in an API answer: it may hold a status token
	CreatedAt time.Time         `json:"created_at" dynamodbav:"created_at"`

	State      State      `json:"state" dynamodbav:"state"`
	Due        time.Time  `json:"due" dynamodbav:"due"` // pending: not to be tried before; the end of a lease while one is held
	Attempts   int        `json:"attempts" dynamodbav:"attempts"`
	Lease      string     `json:"-" dynamodbav:"lease,omitempty"` // the sender holding it, until Due
	LastError  string     `json:"last_error,omitempty" dynamodbav:"last_error,omitempty"`
	SentAt     *time.Time `json:"sent_at,omitempty" dynamodbav:"sent_at,omitempty"`
	ProviderID string     `json:"provider_id,omitempty" dynamodbav:"provider_id,omitempty"` // the SMTP server's or SES's id of the message
	ExpiresAt  time.Time  `json:"-" dynamodbav:"expires_at,unixtime,omitempty"`             // sent or failed: when the store deletes it
	Version    int        `json:"version" dynamodbav:"version"`
}

// ID is the entry's key in one string: Ref and Tag joined by a slash.
func (e *Entry) ID() string { return e.Ref + "/" + e.Tag }

// SplitID splits an ID into Ref and Tag. Errors: ENOTFOUND for a string that
// is not an ID.
func SplitID(id string) (ref, tag string, err error) {
	ref, tag, ok := strings.Cut(id, "/")
	if !ok || ref == "" || tag == "" || strings.Contains(tag, "/") || len(id) > 200 {
		return "", "", membership.Errorf(membership.ENOTFOUND, "outbox: split id", "未找到邮件 %q", id)
	}
	return ref, tag, nil
}

// New returns a pending entry of the kind about the record ref, due at now.
func New(kind Kind, ref, tag, to, toName string, data map[string]string, now time.Time) Entry {
	now = now.UTC()
	return Entry{Ref: ref, Tag: tag, Kind: kind, To: to, ToName: toName, Data: data, CreatedAt: now,
		State: StatePending, Due: now, Version: 1}
}

// Lease is how long a sender may hold an entry it claimed before another may
// claim it again: longer than any one send takes (the SMTP and SES clients
// give up after SendTimeout).
const Lease = 2 * time.Minute

// SendTimeout bounds one attempt to send a message.
const SendTimeout = 30 * time.Second

// MaxAttempts is how many times a message that keeps failing for passing
// reasons (a server down, a mailbox full) is tried before it is marked
// failed and shown to the secretariat: with Backoff, about two days.
const MaxAttempts = 12

// SentRetention is how long a sent entry is kept (without its Data: who was
// sent what, when, and the provider's id) before the store deletes it.
const SentRetention = 30 * 24 * time.Hour

// FailedRetention is how long a failed entry (with its address and text) is
// kept for the secretariat to send again before the store deletes it: as
// long as a closed application's personal data (membership.DefaultRetention).
// The join page's privacy notice says both periods.
const FailedRetention = 180 * 24 * time.Hour

// Backoff is the wait after the n-th failed attempt: one minute, doubling,
// at most eight hours.
func Backoff(n int) time.Duration {
	d := time.Minute
	for i := 1; i < n && d < 8*time.Hour; i++ {
		d *= 2
	}
	return min(d, 8*time.Hour)
}

// Claim gives the sender owner the entry until now+lease, counting an
// attempt. Errors: ECONFLICT when it is not pending, not yet due, or held.
func (e *Entry) Claim(owner string, now time.Time, lease time.Duration) error {
	if e.State != StatePending || now.Before(e.Due) {
		return membership.Errorf(membership.ECONFLICT, "outbox: claim", "邮件 %s 不是待发送状态，或尚未到发送时间", e.ID())
	}
	e.Lease, e.Due = owner, now.Add(lease).UTC()
	e.Attempts++
	return nil
}

// held returns an ECONFLICT error unless owner holds the entry's lease.
func (e *Entry) held(owner, op string) error {
	if e.State != StatePending || e.Lease == "" || e.Lease != owner {
		return membership.Errorf(membership.ECONFLICT, op, "邮件 %s 已不由本次发送处理", e.ID())
	}
	return nil
}

// Sent records that the provider accepted the message (providerID: its id
// for it) under owner's lease. Data is dropped: the sent entry keeps who was
// sent what and when, until SentRetention has passed. Errors: ECONFLICT when
// owner no longer holds the lease.
func (e *Entry) Sent(owner, providerID string, now time.Time) error {
	if err := e.held(owner, "outbox: mark sent"); err != nil {
		return err
	}
	t := now.UTC()
	e.State, e.SentAt, e.ProviderID, e.Lease, e.LastError, e.Data = StateSent, &t, providerID, "", "", nil
	e.ExpiresAt = t.Add(SentRetention)
	return nil
}

// Failed records a failed attempt under owner's lease: a permanent refusal
// (the address does not exist, the provider refuses the sender) or the
// MaxAttempts-th failure marks the entry failed, to be deleted after
// FailedRetention unless retried; any other is tried again after Backoff. Errors: ECONFLICT when owner no longer holds the lease.
func (e *Entry) Failed(owner, reason string, permanent bool, now time.Time) error {
	if err := e.held(owner, "outbox: mark failed"); err != nil {
		return err
	}
	e.Lease, e.LastError = "", truncate(reason, 500)
	if permanent || e.Attempts >= MaxAttempts {
		e.State, e.Due = StateFailed, now.UTC()
		e.ExpiresAt = e.Due.Add(FailedRetention)
		return nil
	}
	e.Due = now.Add(Backoff(e.Attempts)).UTC()
	return nil
}

// RetryRequest is the secretariat's retry of a failed message (POST
// /api/admin/mail/retry): its ID, the Version it was read at, and the
// corrected address when the old one was wrong ("" keeps it).
type RetryRequest struct {
	ID      string `json:"id" label:"邮件编号" validate:"oneline"`
	Version int    `json:"version"`
	To      string `json:"to,omitempty" label:"收件地址" validate:"oneline"`
}

// Retry puts a failed message back in the queue, due at now, with its
// attempts counted afresh and, when to is not empty, to that address
// (normalised and checked like the join form's). The actor must be the
// secretariat. Errors: EFORBIDDEN; EINVALID for an address that is not one;
// ECONFLICT unless the entry failed.
func (e *Entry) Retry(actor membership.Actor, to string, now time.Time) error {
	const op = "outbox: retry"
	if err := actor.May(membership.TaskMail); err != nil {
		return err
	}
	if e.State != StateFailed {
		return membership.Errorf(membership.ECONFLICT, op, "邮件 %s 当前为「%s」，只有发送失败的邮件可以重发", e.ID(), StateLabels[e.State])
	}
	if to = membership.NormalizeEmail(to); to != "" {
		if !membership.ValidEmail(to) {
			msg := "电子邮箱格式不正确，请检查是否填全，例如 lisi@example.com"
			return &membership.Error{Code: membership.EINVALID, Op: op, Message: msg, Fields: map[string]string{"to": msg}}
		}
		e.To = to
	}
	e.State, e.Due, e.Attempts, e.Lease, e.ExpiresAt = StatePending, now.UTC(), 0, "", time.Time{}
	return nil
}

// MessageID is the Message-ID of the entry's message, the same on every
// attempt so that a repeated delivery is recognisable: the ID with its slash
// made a dot, at domain (the sender's).
func (e *Entry) MessageID(domain string) string {
	return fmt.Sprintf("%s.%s@%s", e.Ref, e.Tag, domain)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
