package events

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/smelisting/alliance/functions/membership"
)

// RegistrantActor is who cancels with the status token: the registrant.
const RegistrantActor = "registrant"

// Cancel cancels the registration for the person by (RegistrantActor or the
// secretariat's id), at now; its place, if it held one, goes to the first on
// the waitlist (the store promotes, see Promotions). Errors: ECONFLICT when
// it is already cancelled, checked in, or the event has started.
func (r *Registration) Cancel(ev *Event, by, reason string, now time.Time) error {
	const op = "events: cancel"
	if err := r.cancellable(op); err != nil {
		return err
	}
	if !now.Before(ev.Start) {
		return membership.Errorf(membership.ECONFLICT, op, "活动已开始，不能再取消报名；如有变动请联系秘书处")
	}
	r.Status = StatusCancelled
	r.Cancelled = &Cancellation{At: now.UTC(), By: by, Reason: reason}
	return nil
}

// cancellable returns an ECONFLICT error when the registration is cancelled
// or checked in already.
func (r *Registration) cancellable(op string) error {
	switch {
	case r.Status == StatusCancelled:
		return membership.Errorf(membership.ECONFLICT, op, "该报名已于 %s 取消", cnTime(r.Cancelled.At))
	case r.CheckedIn != nil:
		return membership.Errorf(membership.ECONFLICT, op, "该报名已签到，不能取消；如系误签到，请先作废签到")
	}
	return nil
}

// MaxReason is the most characters of the reason the secretariat gives for
// cancelling a registration on the registrant's behalf.
const MaxReason = 200

// CancelFor cancels the registration on the registrant's behalf: the
// secretariat (actor) at now, for the reason (a phone call, a duplicate, a
// registration made in error), which is kept with the cancellation. Unlike
// the registrant, the secretariat may cancel until the event ends. Its place,
// if it held one, goes to the first on the waitlist (the store promotes).
// Errors: EFORBIDDEN unless the actor may (membership.TaskRegistrations);
// EINVALID without a reason or with one longer than MaxReason, or for another
// event's registration; ECONFLICT when it is already cancelled, checked in,
// or the event has ended.
func (r *Registration) CancelFor(ev *Event, actor membership.Actor, reason string, now time.Time) error {
	const op = "events: cancel for the registrant"
	if err := actor.May(membership.TaskRegistrations); err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	switch n := utf8.RuneCountInString(reason); {
	case n == 0:
		return &membership.Error{Code: membership.EINVALID, Op: op, Message: "请写明代为取消的原因", Fields: map[string]string{"note": "请写明取消原因（如：本人来电取消）"}}
	case n > MaxReason:
		msg := fmt.Sprintf("取消原因不能超过%d个字", MaxReason)
		return &membership.Error{Code: membership.EINVALID, Op: op, Message: msg, Fields: map[string]string{"note": msg}}
	}
	if err := r.sameEvent(ev, op); err != nil {
		return err
	}
	if err := r.cancellable(op); err != nil {
		return err
	}
	if !now.Before(ev.Ends()) {
		return membership.Errorf(membership.ECONFLICT, op, "活动已结束，报名不再取消")
	}
	r.Status = StatusCancelled
	r.Cancelled = &Cancellation{At: now.UTC(), By: actor.ID, ByName: actor.Name, Reason: reason}
	return nil
}

// Promote gives a waitlisted registration a freed place at now.
// Errors: ECONFLICT unless it is waitlisted.
func (r *Registration) Promote(now time.Time) error {
	if r.Status != StatusWaitlisted {
		return membership.Errorf(membership.ECONFLICT, "events: promote", "报名 %s 不在候补名单中", r.Code)
	}
	t := now.UTC()
	r.Status, r.PromotedAt = StatusConfirmed, &t
	return nil
}

// PromoteFor gives a waitlisted registration a free place at the
// secretariat's word (补位: the places were raised in the content, or freed
// otherwise than by a cancellation), recording who did it. The store
// promotes the first waiting only, as many as places are free (Promotions).
// Errors: EFORBIDDEN unless the actor may (membership.TaskRegistrations);
// EINVALID for another event's registration; ECONFLICT unless it is
// waitlisted, or when the event has ended.
func (r *Registration) PromoteFor(ev *Event, actor membership.Actor, now time.Time) error {
	const op = "events: promote"
	if err := actor.May(membership.TaskRegistrations); err != nil {
		return err
	}
	if err := r.sameEvent(ev, op); err != nil {
		return err
	}
	if err := ev.CheckPromote(now); err != nil {
		return err
	}
	if err := r.Promote(now); err != nil {
		return err
	}
	r.PromotedBy, r.PromotedByName = actor.ID, actor.Name
	return nil
}

// CheckPromote returns nil when free places may still be given to the
// waiting (补位) at now, else an ECONFLICT error: not once the event has ended.
func (e *Event) CheckPromote(now time.Time) error {
	if !now.Before(e.Ends()) {
		return membership.Errorf(membership.ECONFLICT, "events: promote", "活动「%s」已结束，无需补位", e.Title)
	}
	return nil
}

// CheckInGrace is how long after an event ends the secretariat may still
// check its registrants in (paper lists typed in the next days); later, the
// attendance is entered by hand.
const CheckInGrace = 72 * time.Hour

// CheckIn marks the registrant as arrived, entered by the actor at now, and
// returns the attendance the check-in records: the linked member's
// attendance of the event, nil when no member is linked. A registration
// already checked in is left as it is: already is true and the attendance
// nil. Errors: EFORBIDDEN unless the actor is the secretariat; EINVALID for
// a registration of another event; ECONFLICT when it is cancelled or
// waitlisted, or outside the days of the event (from its first day to
// CheckInGrace after it ends).
func (r *Registration) CheckIn(ev *Event, actor membership.Actor, now time.Time) (att *membership.Attendance, already bool, err error) {
	const op = "events: check in"
	if err := actor.May(membership.TaskAttendance); err != nil {
		return nil, false, err
	}
	if err := r.sameEvent(ev, op); err != nil {
		return nil, false, err
	}
	who := r.Name + "（" + r.Org + "）"
	switch {
	case r.CheckedIn != nil:
		return nil, true, nil
	case r.Status == StatusCancelled:
		return nil, false, membership.Errorf(membership.ECONFLICT, op, "%s的报名已于 %s 取消，不能签到", who, cnTime(r.Cancelled.At))
	case r.Status == StatusWaitlisted:
		return nil, false, membership.Errorf(membership.ECONFLICT, op, "%s的报名仍在候补名单中，尚未获得名额，不能签到；如有空余名额，请先在报名名单中补位", who)
	}
	if err := ev.checkInClosed(now); err != nil {
		return nil, false, err
	}
	r.CheckedIn = &CheckIn{At: now.UTC(), By: actor.ID, ByName: actor.Name}
	return r.attendance(ev, actor, now)
}

// CheckInOpen reports whether registrants may be checked in at now: from the
// event's first day (in China) to CheckInGrace after it ends. The console
// offers the check-in of such an event first.
func (e *Event) CheckInOpen(now time.Time) bool { return e.checkInClosed(now) == nil }

// checkInClosed returns an ECONFLICT error saying why registrants may not be
// checked in at now, nil when they may.
func (e *Event) checkInClosed(now time.Time) error {
	const op = "events: check in"
	switch {
	case membership.Today(now) < e.Date():
		return membership.Errorf(membership.ECONFLICT, op, "签到尚未开始：活动于 %s 开始", cnTime(e.Start))
	case now.After(e.Ends().Add(CheckInGrace)):
		return membership.Errorf(membership.ECONFLICT, op, "活动已结束超过 3 天，不能再签到；出席记录请在会员出席登记中补录")
	}
	return nil
}

// attendance is the linked member's attendance of the event, recorded by
// this registration's check-in.
func (r *Registration) attendance(ev *Event, actor membership.Actor, now time.Time) (*membership.Attendance, bool, error) {
	if r.Member == "" {
		return nil, false, nil
	}
	a := &membership.Attendance{Member: r.Member, Event: ev.Slug, Title: ev.Title, Kind: ev.AttendanceKind(),
		Date: ev.Date(), Registration: r.Code}
	if err := a.Record(actor, now); err != nil {
		return nil, false, err
	}
	return a, false, nil
}

// sameEvent returns an EINVALID error when the registration is of another event.
func (r *Registration) sameEvent(ev *Event, op string) error {
	if r.Event != ev.Slug {
		msg := "报名编号 " + r.Code + " 不是本场活动的报名（属于另一场活动），请核对"
		return &membership.Error{Code: membership.EINVALID, Op: op, Message: msg, Fields: map[string]string{"code": msg}}
	}
	return nil
}

// VoidCheckIn voids a check-in entered by mistake, for the reason: the
// registration is no longer checked in (and can be checked in again), the
// voided check-in stays on it, and the attendance the check-in recorded is
// voided with the same void (the store does that). Errors: those of
// membership.NewVoid; EINVALID for another event's registration; ECONFLICT
// when it is not checked in.
func (r *Registration) VoidCheckIn(ev *Event, actor membership.Actor, reason string, now time.Time) (*membership.Void, error) {
	const op = "events: void check-in"
	v, err := membership.NewVoid(actor, reason, now)
	if err != nil {
		return nil, err
	}
	if err := r.sameEvent(ev, op); err != nil {
		return nil, err
	}
	if r.CheckedIn == nil {
		return nil, membership.Errorf(membership.ECONFLICT, op, "报名 %s 尚未签到，无需作废", r.Code)
	}
	r.VoidedCheckIns = append(r.VoidedCheckIns, VoidedCheckIn{CheckIn: *r.CheckedIn, Void: *v})
	r.CheckedIn = nil
	return v, nil
}

// AdmitWalkIn registers at the door a person who arrived without a
// registration (r, made by New and linked to their member, if any) and checks
// them in at once, entered by the actor at now. A walk-in is admitted by the
// secretariat, outside the capacity of online registration. It returns the
// attendance the check-in records; the store gives the registration its code
// and sets the attendance's Registration to it. Errors: those of CheckIn.
func (r *Registration) AdmitWalkIn(ev *Event, actor membership.Actor, now time.Time) (*membership.Attendance, error) {
	r.WalkIn, r.Status = true, StatusConfirmed
	att, _, err := r.CheckIn(ev, actor, now)
	return att, err
}
