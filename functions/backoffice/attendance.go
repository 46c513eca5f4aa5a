package backoffice

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/smelisting/alliance/functions/membership"
)

// MaxAttendees is the most members one attendance request may list.
const MaxAttendees = 500

// AttendanceRequest enters one event and the members who attended it
// (POST /api/admin/attendance); or, with Void, names the members whose record
// of the event was entered by mistake, with the reason in Note.
type AttendanceRequest struct {
	Event   string   `json:"event" label:"活动编号" validate:"oneline"`
	Title   string   `json:"title,omitempty" label:"活动名称" validate:"oneline"`
	Kind    string   `json:"kind,omitempty" label:"活动类型" validate:"oneline"`
	Date    string   `json:"date,omitempty" label:"活动日期" validate:"oneline"`
	Members []string `json:"members" label:"会员证书编号" validate:"dive,oneline"`
	Void    bool     `json:"void,omitempty"`
	Note    string   `json:"note,omitempty" label:"备注" validate:"multiline"`
}

// AttendanceAdded answers an entry: which members' records were added, and
// which were already there.
type AttendanceAdded struct {
	Added   []string `json:"added"`
	Already []string `json:"already"`
}

// AttendanceVoided answers a voiding: which records were voided, and which
// members had no current record of the event.
type AttendanceVoided struct {
	Voided      []string `json:"voided"`
	NotRecorded []string `json:"not_recorded"`
}

// checkAttendees returns an EINVALID error unless the request lists 1 to
// MaxAttendees members and holds only clean text (membership.CheckInput).
func checkAttendees(op string, q AttendanceRequest) error {
	if len(q.Members) == 0 || len(q.Members) > MaxAttendees {
		return &membership.Error{Code: membership.EINVALID, Op: op, Message: "请列出 1 至 500 名出席会员",
			Fields: map[string]string{"members": "请列出 1 至 500 名出席会员"}}
	}
	return membership.CheckInput(&q)
}

// RecordAttendance enters the members' attendance of the event. Every record
// is checked and every member looked up before anything is written; a member
// whose attendance of the event is already on file is listed as already
// there. Errors: EUNAUTHORIZED, EFORBIDDEN, EINVALID, ENOTFOUND (a member).
func (s *Service) RecordAttendance(ctx context.Context, q AttendanceRequest) (*AttendanceAdded, error) {
	const op = "backoffice: record attendance"
	a, err := actor(ctx, membership.TaskAttendance)
	if err != nil {
		return nil, err
	}
	if err := checkAttendees(op, q); err != nil {
		return nil, err
	}
	now := s.now()
	recs := make([]membership.Attendance, len(q.Members))
	for i, m := range q.Members {
		recs[i] = membership.Attendance{Member: membership.NormalCertificate(m), Event: strings.TrimSpace(q.Event),
			Title: strings.TrimSpace(q.Title), Kind: q.Kind, Date: q.Date}
		if err := recs[i].Record(a, now); err != nil {
			return nil, err
		}
		if _, err := s.store.Member(ctx, recs[i].Member); err != nil {
			return nil, err
		}
	}
	out := &AttendanceAdded{Added: []string{}, Already: []string{}}
	for i := range recs {
		err := s.store.AddAttendance(ctx, &recs[i])
		switch membership.ErrorCode(err) {
		case "":
			out.Added = append(out.Added, recs[i].Member)
		case membership.ECONFLICT:
			out.Already = append(out.Already, recs[i].Member)
		default:
			return nil, err
		}
	}
	s.log.InfoContext(ctx, "attendance recorded", "event", recs[0].Event, "added", len(out.Added), "actor", a.ID)
	return out, nil
}

// VoidAttendance voids each listed member's current record of the event,
// with the reason in q.Note; the records stay on file, voided. A member
// without a current record of the event is listed as not recorded.
// Errors: EUNAUTHORIZED, EFORBIDDEN, EINVALID (no reason, no event).
func (s *Service) VoidAttendance(ctx context.Context, q AttendanceRequest) (*AttendanceVoided, error) {
	const op = "backoffice: void attendance"
	a, err := membership.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	event, now := strings.TrimSpace(q.Event), s.now()
	if _, err := membership.NewVoid(a, q.Note, now); err != nil {
		return nil, err
	}
	if err := checkAttendees(op, q); err != nil {
		return nil, err
	}
	if event == "" {
		return nil, &membership.Error{Code: membership.EINVALID, Op: op, Message: "请填写活动编号",
			Fields: map[string]string{"event": "请填写活动编号"}}
	}
	out := &AttendanceVoided{Voided: []string{}, NotRecorded: []string{}}
	for _, m := range q.Members {
		m = membership.NormalCertificate(m)
		_, err := s.store.VoidAttendance(ctx, m, event, func(at *membership.Attendance) error {
			return at.Void(a, q.Note, now)
		})
		switch membership.ErrorCode(err) {
		case "":
			out.Voided = append(out.Voided, m)
			s.log.InfoContext(ctx, "attendance voided", "member", m, "event", event, "actor", a.ID)
		case membership.ENOTFOUND:
			out.NotRecorded = append(out.NotRecorded, m)
		default:
			return nil, err
		}
	}
	return out, nil
}

// Attendance lists the attendance records, voided ones included, of one
// member or ("") of all, by date, event and member. Errors: EUNAUTHORIZED,
// EFORBIDDEN.
func (s *Service) Attendance(ctx context.Context, member string) ([]membership.Attendance, error) {
	if _, err := actor(ctx, membership.TaskRead); err != nil {
		return nil, err
	}
	all, err := s.store.Attendance(ctx)
	if err != nil {
		return nil, err
	}
	out := []membership.Attendance{}
	member = membership.NormalCertificate(member)
	for cert, as := range all {
		if member == "" || cert == member {
			out = append(out, as...)
		}
	}
	slices.SortFunc(out, func(a, b membership.Attendance) int {
		return cmp.Or(cmp.Compare(a.Date, b.Date), cmp.Compare(a.Event, b.Event), cmp.Compare(a.Member, b.Member))
	})
	return out, nil
}

// LapseReport applies the lapse rule to every active member on the date (""
// for today in China). Errors: EUNAUTHORIZED, EFORBIDDEN, EINVALID (a bad date).
func (s *Service) LapseReport(ctx context.Context, date string) (*membership.LapseReport, error) {
	if _, err := actor(ctx, membership.TaskRead); err != nil {
		return nil, err
	}
	if date == "" {
		date = membership.Today(s.now())
	}
	ms, err := s.store.Members(ctx)
	if err != nil {
		return nil, err
	}
	all, err := s.store.Attendance(ctx)
	if err != nil {
		return nil, err
	}
	return membership.BuildLapseReport(ms, all, date)
}
