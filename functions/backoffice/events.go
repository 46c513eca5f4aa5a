package backoffice

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/smelisting/alliance/functions/events"
	"github.com/smelisting/alliance/functions/membership"
)

// EventSummary is one published event with registration and its counts
// (GET /api/admin/events). CheckInOpen says its registrants may be checked
// in now (events.Event.CheckInOpen): the console's check-in offers it first.
type EventSummary struct {
	Event       events.Event  `json:"event"`
	State       events.State  `json:"state"`
	Label       string        `json:"state_label"`
	CheckInOpen bool          `json:"check_in_open"`
	Counts      events.Counts `json:"counts"`
}

// CancelRegistrationRequest says why the secretariat cancels a registration
// on the registrant's behalf (POST
// /api/admin/events/{slug}/registrations/{code}/cancel).
type CancelRegistrationRequest struct {
	Note string `json:"note" label:"取消原因" validate:"multiline"`
}

// RegistrationCancelled answers a cancellation on the registrant's behalf:
// the registration as it is now and the event's counts after it (the freed
// place, if any, went to the first waiting).
type RegistrationCancelled struct {
	Registration events.Listed `json:"registration"`
	Counts       events.Counts `json:"counts"`
}

// PromoteRequest asks to give an event's free places to the first waiting
// (POST /api/admin/events/{slug}/promotions): an empty object, since the
// places free and the waitlist say whom.
type PromoteRequest struct{}

// Promoted answers the secretariat's promotion into free places (补位, POST
// /api/admin/events/{slug}/promotions): the registrations promoted, first
// come first, and the event's counts after it.
type Promoted struct {
	Promoted []events.Listed `json:"promoted"`
	Counts   events.Counts   `json:"counts"`
}

// CheckInRequest names the registration to check in (POST
// /api/admin/events/{slug}/checkins): by its code (typed, or scanned from its
// QR code) or by the phone it was made with.
type CheckInRequest struct {
	Code  string `json:"code,omitempty" label:"报名编号" validate:"oneline"`
	Phone string `json:"phone,omitempty" label:"手机号码" validate:"oneline"`
}

// CheckedIn answers a check-in: the registration (with the registrant's name
// for the door to read), whether it had been checked in before (then
// CheckedIn says when), whether the member's attendance was recorded by it,
// and a sentence for the clerk.
type CheckedIn struct {
	Registration       events.Listed `json:"registration"`
	Already            bool          `json:"already"`
	AttendanceRecorded bool          `json:"attendance_recorded"`
	Message            string        `json:"message"`
}

// VoidCheckInRequest names a check-in entered by mistake and why
// (POST /api/admin/events/{slug}/checkins/void).
type VoidCheckInRequest struct {
	Code string `json:"code" label:"报名编号" validate:"oneline"`
	Note string `json:"note" label:"作废原因" validate:"multiline"`
}

// CheckInVoided answers the voiding of a check-in.
type CheckInVoided struct {
	Registration     events.Listed `json:"registration"`
	AttendanceVoided bool          `json:"attendance_voided"`
}

// WalkInRequest is a person who arrives without a registration, registered
// and checked in at once by the secretariat (POST
// /api/admin/events/{slug}/walk-ins): only what the door needs, the job
// title and email if the person gives them (events.Input.ValidateWalkIn).
// PrivacyAccepted says the person was shown the privacy notice and agreed.
type WalkInRequest struct {
	Name            string `json:"name" label:"姓名" validate:"oneline"`
	Org             string `json:"org" label:"单位" validate:"oneline"`
	JobTitle        string `json:"job_title,omitempty" label:"职务" validate:"oneline"`
	Phone           string `json:"phone" label:"手机号码" validate:"oneline"`
	Email           string `json:"email,omitempty" label:"电子邮箱" validate:"oneline"`
	Certificate     string `json:"certificate,omitempty" label:"会员证书编号" validate:"oneline"`
	PrivacyAccepted bool   `json:"privacy_accepted"`
}

// event returns the published event with the slug. Errors: ENOTFOUND, EINTERNAL.
func (s *Service) event(ctx context.Context, slug string) (*events.Event, error) {
	if s.catalog == nil || s.events == nil {
		return nil, membership.Internal("backoffice: events", fmt.Errorf("no event catalog or store configured"))
	}
	cat, err := s.catalog.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	return cat.Event(slug)
}

// begin starts a change of an event's registrations: it returns the actor,
// who must be allowed the task, and the published event, once the request q
// (nil: none) is clean text (membership.CheckInput). Errors: EUNAUTHORIZED,
// EFORBIDDEN, EINVALID, ENOTFOUND.
func (s *Service) begin(ctx context.Context, task membership.Task, q any, slug string) (membership.Actor, *events.Event, error) {
	a, err := actor(ctx, task)
	if err != nil {
		return a, nil, err
	}
	if q != nil {
		if err := membership.CheckInput(q); err != nil {
			return a, nil, err
		}
	}
	ev, err := s.event(ctx, slug)
	return a, ev, err
}

// roster reads the registrations and seats of an event.
func (s *Service) roster(ctx context.Context, ev *events.Event) (*events.Roster, error) {
	regs, err := s.events.Registrations(ctx, ev.Slug)
	if err != nil {
		return nil, err
	}
	seats, err := s.events.Seats(ctx, ev.Slug)
	if err != nil {
		return nil, err
	}
	return events.NewRoster(ev, regs, seats), nil
}

// Events lists the published events with registration, soonest first, with
// their counts. Errors: EUNAUTHORIZED, EFORBIDDEN.
func (s *Service) Events(ctx context.Context) ([]EventSummary, error) {
	if _, err := actor(ctx, membership.TaskRead); err != nil {
		return nil, err
	}
	if s.catalog == nil || s.events == nil {
		return nil, membership.Internal("backoffice: events", fmt.Errorf("no event catalog or store configured"))
	}
	cat, err := s.catalog.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	out := []EventSummary{}
	now := s.now()
	for i := range cat.Events {
		ev := &cat.Events[i]
		ro, err := s.roster(ctx, ev)
		if err != nil {
			return nil, err
		}
		seats, err := s.events.Seats(ctx, ev.Slug)
		if err != nil {
			return nil, err
		}
		st := ev.State(now, seats)
		out = append(out, EventSummary{Event: *ev, State: st, Label: events.StateLabels[st], CheckInOpen: ev.CheckInOpen(now), Counts: ro.Counts})
	}
	slices.SortStableFunc(out, func(a, b EventSummary) int { return a.Event.Start.Compare(b.Event.Start) })
	return out, nil
}

// Roster lists an event's registrations with their counts.
// Errors: EUNAUTHORIZED, EFORBIDDEN, ENOTFOUND.
func (s *Service) Roster(ctx context.Context, slug string) (*events.Roster, error) {
	if _, err := actor(ctx, membership.TaskRead); err != nil {
		return nil, err
	}
	ev, err := s.event(ctx, slug)
	if err != nil {
		return nil, err
	}
	return s.roster(ctx, ev)
}

// find returns the registration a check-in request names. Errors: EINVALID
// (neither a valid code nor a phone), ENOTFOUND.
func (s *Service) find(ctx context.Context, slug string, q CheckInRequest) (*events.Registration, error) {
	const op = "backoffice: find registration"
	code, phone := events.NormalCode(q.Code), membership.NormalizePhone(q.Phone)
	switch {
	case q.Code != "" && events.ValidCode(code):
		return s.events.RegistrationByCode(ctx, code)
	case q.Code != "":
		return nil, &membership.Error{Code: membership.EINVALID, Op: op, Message: "报名编号格式不正确（如 7KQ3-M9XD）",
			Fields: map[string]string{"code": "报名编号格式不正确（如 7KQ3-M9XD）"}}
	case phone != "" && membership.ValidPhone(phone):
		return s.events.RegistrationByPhone(ctx, slug, phone)
	}
	return nil, &membership.Error{Code: membership.EINVALID, Op: op, Message: "请扫描二维码，或输入报名编号或手机号码",
		Fields: map[string]string{"code": "请输入报名编号或手机号码"}}
}

// CheckIn checks a registrant in at the door, found by code or phone: once;
// a second check-in answers when the first was. Checking in a registration
// linked to a member records the member's attendance of the event in the
// same write, unless it is already on file. Errors: EUNAUTHORIZED,
// EFORBIDDEN, ENOTFOUND, EINVALID (another event's code, text that is not
// clean: membership.CheckInput), ECONFLICT (cancelled, waitlisted, not the
// days of the event).
func (s *Service) CheckIn(ctx context.Context, slug string, q CheckInRequest) (*CheckedIn, error) {
	a, ev, err := s.begin(ctx, membership.TaskAttendance, &q, slug)
	if err != nil {
		return nil, err
	}
	for range 3 {
		r, err := s.find(ctx, slug, q)
		if err != nil {
			return nil, err
		}
		now := s.now()
		probe := *r
		if _, already, err := probe.CheckIn(ev, a, now); err != nil || already {
			if err != nil {
				return nil, err
			}
			return s.checkedIn(ctx, ev, r, true, false)
		}
		done, recorded, err := s.events.CheckIn(ctx, ev.Slug, r.Code, r.Version, func(r *events.Registration) (*membership.Attendance, error) {
			att, already, err := r.CheckIn(ev, a, now)
			if already {
				return nil, membership.Errorf(membership.ECONFLICT, "backoffice: check in", "已签到")
			}
			return att, err
		})
		if membership.ErrorCode(err) == membership.ECONFLICT {
			continue // checked in (or changed) meanwhile: read it again
		}
		if err != nil {
			return nil, err
		}
		s.log.InfoContext(ctx, "checked in", "event", ev.Slug, "registration", done.Code, "attendance", recorded, "actor", a.ID)
		return s.checkedIn(ctx, ev, done, false, recorded)
	}
	return nil, membership.Errorf(membership.ECONFLICT, "backoffice: check in", "签到繁忙，请重试")
}

// checkedIn is the answer of a check-in.
func (s *Service) checkedIn(ctx context.Context, ev *events.Event, r *events.Registration, already, recorded bool) (*CheckedIn, error) {
	l, err := s.listed(ctx, ev, r)
	if err != nil {
		return nil, err
	}
	who := r.Name + "（" + r.Org + "）"
	msg := who + " 签到成功"
	if already {
		by := ""
		if r.CheckedIn.ByName != "" {
			by = "（" + r.CheckedIn.ByName + " 办理）"
		}
		msg = who + " 已于 " + r.CheckedIn.At.In(membership.China).Format("1月2日 15:04") + " 签到" + by + "，无需重复签到"
	} else if r.Member != "" && !recorded {
		msg += "；会员 " + r.Member + " 出席本活动的记录此前已登记"
	}
	return &CheckedIn{Registration: l, Already: already, AttendanceRecorded: recorded, Message: msg}, nil
}

// listed is the registration with its waitlist position and label.
func (s *Service) listed(ctx context.Context, ev *events.Event, r *events.Registration) (events.Listed, error) {
	seats, err := s.events.Seats(ctx, ev.Slug)
	if err != nil {
		return events.Listed{}, err
	}
	l := events.Listed{Registration: *r, Position: seats.Position(r.Code)}
	l.Label = r.Label(l.Position)
	return l, nil
}

// VoidCheckIn voids a check-in entered by mistake, with the reason, and the
// attendance it recorded. Errors: EUNAUTHORIZED, EFORBIDDEN, EINVALID (no
// reason, another event's code, text that is not clean), ENOTFOUND, ECONFLICT
// (not checked in).
func (s *Service) VoidCheckIn(ctx context.Context, slug string, q VoidCheckInRequest) (*CheckInVoided, error) {
	a, ev, err := s.begin(ctx, membership.TaskAttendance, &q, slug)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if _, err := membership.NewVoid(a, q.Note, now); err != nil {
		return nil, err
	}
	r, err := s.find(ctx, slug, CheckInRequest{Code: q.Code})
	if err != nil {
		return nil, err
	}
	if r.Event != ev.Slug {
		probe := *r
		_, err := probe.VoidCheckIn(ev, a, q.Note, now)
		return nil, err
	}
	done, voided, err := s.events.VoidCheckIn(ctx, ev.Slug, r.Code, 0, func(r *events.Registration) (*membership.Void, error) {
		return r.VoidCheckIn(ev, a, q.Note, now)
	})
	if err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "check-in voided", "event", ev.Slug, "registration", done.Code, "attendance", voided, "actor", a.ID)
	l, err := s.listed(ctx, ev, done)
	if err != nil {
		return nil, err
	}
	return &CheckInVoided{Registration: l, AttendanceVoided: voided}, nil
}

// WalkIn registers and checks in at once a person who arrived without a
// registration; a member's certificate number is checked against the
// register and their attendance recorded. Errors: EUNAUTHORIZED, EFORBIDDEN,
// ENOTFOUND (event), EINVALID (the input, clean text included), ECONFLICT
// (the phone already holds a registration of the event: check that one in).
func (s *Service) WalkIn(ctx context.Context, slug string, q WalkInRequest) (*CheckedIn, error) {
	a, ev, err := s.begin(ctx, membership.TaskAttendance, &q, slug)
	if err != nil {
		return nil, err
	}
	in := events.Input{Name: q.Name, Org: q.Org, JobTitle: q.JobTitle, Phone: q.Phone, Email: q.Email, Certificate: q.Certificate,
		PrivacyAccepted: q.PrivacyAccepted, PrivacyVersion: events.PrivacyNoticeVersions[len(events.PrivacyNoticeVersions)-1]}
	in.Normalize()
	if err := in.ValidateWalkIn(); err != nil {
		return nil, err
	}
	now := s.now()
	r := events.New(ev, in, now)
	if err := linkMember(ctx, s.events, r, in.Certificate); err != nil {
		return nil, err
	}
	att, err := r.AdmitWalkIn(ev, a, now)
	if err != nil {
		return nil, err
	}
	recorded, err := s.events.WalkIn(ctx, r, att)
	if err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "walk-in checked in", "event", ev.Slug, "registration", r.Code, "attendance", recorded, "actor", a.ID)
	return s.checkedIn(ctx, ev, r, false, recorded)
}

// CancelRegistration cancels a registration on the registrant's behalf, for
// the reason given, recorded with it; its place, if it held one, goes to the
// first waiting in the same write. Errors: EUNAUTHORIZED, EFORBIDDEN,
// ENOTFOUND, EINVALID (no reason, text that is not clean), ECONFLICT
// (cancelled or checked in already, the event over).
func (s *Service) CancelRegistration(ctx context.Context, slug, code string, q CancelRegistrationRequest) (*RegistrationCancelled, error) {
	a, ev, err := s.begin(ctx, membership.TaskRegistrations, &q, slug)
	if err != nil {
		return nil, err
	}
	if code = events.NormalCode(code); !events.ValidCode(code) {
		return nil, membership.Errorf(membership.ENOTFOUND, "backoffice: cancel registration", "没有报名编号为 %s 的报名", code)
	}
	now := s.now()
	r, err := s.events.Cancel(ctx, ev.Slug, code, ev, func(r *events.Registration) error {
		return r.CancelFor(ev, a, q.Note, now)
	})
	if err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "registration cancelled for the registrant", "event", ev.Slug, "registration", r.Code, "actor", a.ID)
	ro, err := s.roster(ctx, ev)
	if err != nil {
		return nil, err
	}
	return &RegistrationCancelled{Registration: events.Listed{Registration: *r, Label: r.Label(0)}, Counts: ro.Counts}, nil
}

// Promote gives the places free of an event to the first waiting (补位: the
// places were raised in the content, or freed otherwise than by a
// cancellation, which promotes by itself), as many as are free, first come
// first, a store write of at most events.MaxPromotions at a time. Nobody
// waiting or no place free is no error: nothing is promoted. Errors:
// EUNAUTHORIZED, EFORBIDDEN, ENOTFOUND, ECONFLICT (the event is over).
func (s *Service) Promote(ctx context.Context, slug string) (*Promoted, error) {
	a, ev, err := s.begin(ctx, membership.TaskRegistrations, nil, slug)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if err := ev.CheckPromote(now); err != nil {
		return nil, err
	}
	out := &Promoted{Promoted: []events.Listed{}}
	for range ev.Capacity/events.MaxPromotions + 1 { // each write fills up to MaxPromotions of the places
		ps, err := s.events.Promote(ctx, ev, func(r *events.Registration) error { return r.PromoteFor(ev, a, now) })
		if err != nil {
			return nil, err
		}
		if len(ps) == 0 {
			break
		}
		for _, r := range ps {
			out.Promoted = append(out.Promoted, events.Listed{Registration: r, Label: r.Label(0)})
		}
	}
	s.log.InfoContext(ctx, "promoted from the waitlist", "event", ev.Slug, "promoted", len(out.Promoted), "actor", a.ID)
	ro, err := s.roster(ctx, ev)
	if err != nil {
		return nil, err
	}
	out.Counts = ro.Counts
	return out, nil
}

// memberReader reads a member's status from the register.
type memberReader interface {
	MemberStatus(ctx context.Context, certificate string) (membership.MemberStatus, string, error)
}

// linkMember links r to the member with the certificate number, if one was
// given, after checking that the member is active. Errors: EINVALID.
func linkMember(ctx context.Context, m memberReader, r *events.Registration, certificate string) error {
	if strings.TrimSpace(certificate) == "" {
		return nil
	}
	st, name, err := m.MemberStatus(ctx, certificate)
	if err != nil {
		return err
	}
	return r.LinkMember(certificate, name, st)
}
