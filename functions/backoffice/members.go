package backoffice

import (
	"context"

	"github.com/smelisting/alliance/functions/membership"
)

// ExitRequest enters a member's voluntary exit (第十五条): the date of the
// written request and that the certificate was returned.
type ExitRequest struct {
	Version             int    `json:"version"`
	RequestedOn         string `json:"requested_on" label:"退会申请日期" validate:"oneline"`
	CertificateReturned bool   `json:"certificate_returned"`
	Note                string `json:"note,omitempty" label:"备注" validate:"multiline"`
}

// ExpulsionRequest is the secretariat's proposal to expel a member, with the reason.
type ExpulsionRequest struct {
	Version int    `json:"version"`
	Reason  string `json:"reason" label:"除名理由" validate:"multiline"`
}

// DecisionRequest is the chairman's office decision on a proposed expulsion;
// refusing needs a note.
type DecisionRequest struct {
	Version int    `json:"version"`
	Approve bool   `json:"approve"`
	Note    string `json:"note,omitempty" label:"备注" validate:"multiline"`
}

// LapseRequest records that a member lapsed by the rule on a date ("" for
// today in China).
type LapseRequest struct {
	Version int    `json:"version"`
	Date    string `json:"date,omitempty" label:"日期" validate:"oneline"`
}

// ShowcaseRequest records a later change of a member's consent to be shown
// in 会员风采, on the member's request: who asked and when.
type ShowcaseRequest struct {
	Version     int    `json:"version"`
	Consent     bool   `json:"consent"`
	RequestedBy string `json:"requested_by" label:"提出要求的人" validate:"max=100,oneline"`
	RequestedOn string `json:"requested_on" label:"要求日期" validate:"oneline"`
	Note        string `json:"note,omitempty" label:"备注" validate:"max=500,multiline"`
}

// Members lists the members with the status ("" for all) by certificate
// number. Errors: EUNAUTHORIZED, EFORBIDDEN, EINVALID for an unknown status.
func (s *Service) Members(ctx context.Context, status membership.MemberStatus) ([]membership.Member, error) {
	if _, err := actor(ctx, membership.TaskRead); err != nil {
		return nil, err
	}
	if _, ok := membership.MemberStatusLabels[status]; status != "" && !ok {
		return nil, membership.Errorf(membership.EINVALID, "backoffice: list members", "未知会员状态 %q", status)
	}
	ms, err := s.store.Members(ctx)
	if err != nil {
		return nil, err
	}
	out := []membership.Member{}
	for _, m := range ms {
		if status == "" || m.Status == status {
			out = append(out, m)
		}
	}
	return out, nil
}

// MemberDetail is a member with its standing under the lapse rule today, the
// tasks the reader may carry out on it now (membership.Member.Tasks) and the
// other records of its organisation.
type MemberDetail struct {
	*membership.Member
	Standing membership.Standing `json:"standing"`
	Tasks    []membership.Task   `json:"tasks"`
	Related  Related             `json:"related"`
}

// Member returns the member with its history, its standing today, the tasks
// the reader may carry out and the other records of its organisation.
// Errors: EUNAUTHORIZED, EFORBIDDEN, ENOTFOUND.
func (s *Service) Member(ctx context.Context, certificate string) (*MemberDetail, error) {
	a, err := actor(ctx, membership.TaskRead)
	if err != nil {
		return nil, err
	}
	m, err := s.store.Member(ctx, membership.NormalCertificate(certificate))
	if err != nil {
		return nil, err
	}
	all, err := s.store.Attendance(ctx)
	if err != nil {
		return nil, err
	}
	st, err := membership.Lapse(m, all[m.Certificate], membership.Today(s.now()))
	if err != nil {
		return nil, err
	}
	r, err := s.related(ctx, m.CreditCode, m.Application, m.Certificate)
	if err != nil {
		return nil, err
	}
	return &MemberDetail{Member: m, Standing: st, Tasks: m.Tasks(a, st), Related: r}, nil
}

// Exit records a member's voluntary exit; the organisation may apply again.
// Errors: EUNAUTHORIZED, EFORBIDDEN, EINVALID, ENOTFOUND, ECONFLICT (see
// membership.Member.Exit).
func (s *Service) Exit(ctx context.Context, certificate string, q ExitRequest) (*membership.Member, error) {
	return s.updateMember(ctx, membership.TaskExit, certificate, q.Version, &q, func(a membership.Actor, m *membership.Member) error {
		return m.Exit(a, q.RequestedOn, q.CertificateReturned, q.Note, s.now())
	})
}

// ProposeExpulsion records the secretariat's proposal to expel the member.
// Errors: as Exit (see membership.Member.ProposeExpulsion).
func (s *Service) ProposeExpulsion(ctx context.Context, certificate string, q ExpulsionRequest) (*membership.Member, error) {
	return s.updateMember(ctx, membership.TaskProposeExpulsion, certificate, q.Version, &q, func(a membership.Actor, m *membership.Member) error {
		return m.ProposeExpulsion(a, q.Reason, s.now())
	})
}

// DecideExpulsion records the chairman's office decision on a proposed
// expulsion. Errors: as Exit (see membership.Member.DecideExpulsion).
func (s *Service) DecideExpulsion(ctx context.Context, certificate string, q DecisionRequest) (*membership.Member, error) {
	return s.updateMember(ctx, membership.TaskDecideExpulsion, certificate, q.Version, &q, func(a membership.Actor, m *membership.Member) error {
		return m.DecideExpulsion(a, q.Approve, q.Note, s.now())
	})
}

// MarkLapsed records that the member lapsed (视为自动退会): the lapse rule,
// applied to the member's attendance for the date, must say so. Errors: as
// Exit; ECONFLICT when the rule does not hold (see membership.Member.MarkLapsed).
func (s *Service) MarkLapsed(ctx context.Context, certificate string, q LapseRequest) (*membership.Member, error) {
	if _, err := actor(ctx, membership.TaskMarkLapsed); err != nil {
		return nil, err
	}
	all, err := s.store.Attendance(ctx)
	if err != nil {
		return nil, err
	}
	return s.updateMember(ctx, membership.TaskMarkLapsed, certificate, q.Version, &q, func(a membership.Actor, m *membership.Member) error {
		date := q.Date
		if date == "" {
			date = membership.Today(s.now())
		}
		st, err := membership.Lapse(m, all[m.Certificate], date)
		if err != nil {
			return err
		}
		return m.MarkLapsed(a, st, s.now())
	})
}

// ChangeShowcase records a later change of the member's showcase consent; a
// withdrawal takes the member off 会员风采 at the next build of the site.
// Errors: as Exit (see membership.Member.ChangeShowcaseConsent).
func (s *Service) ChangeShowcase(ctx context.Context, certificate string, q ShowcaseRequest) (*membership.Member, error) {
	return s.updateMember(ctx, membership.TaskShowcase, certificate, q.Version, &q, func(a membership.Actor, m *membership.Member) error {
		return m.ChangeShowcaseConsent(a, q.Consent, q.RequestedBy, q.RequestedOn, q.Note, s.now())
	})
}

// updateMember checks that the context's actor may do the task, that the
// change names a version and that its input q holds only clean text
// (membership.CheckInput), then applies fn to the member under that version.
func (s *Service) updateMember(ctx context.Context, t membership.Task, certificate string, version int, q any, fn func(membership.Actor, *membership.Member) error) (*membership.Member, error) {
	a, err := actor(ctx, t)
	if err != nil {
		return nil, err
	}
	if err := checkVersion(version); err != nil {
		return nil, err
	}
	if err := membership.CheckInput(q); err != nil {
		return nil, err
	}
	certificate = membership.NormalCertificate(certificate)
	m, err := s.store.UpdateMember(ctx, certificate, version, func(m *membership.Member) error { return fn(a, m) })
	if err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "member changed", "member", certificate, "task", t, "status", m.Status, "actor", a.ID)
	return m, nil
}

// CertificateCard returns what the member's certificate shows, for printing.
// Errors: EUNAUTHORIZED, EFORBIDDEN, ENOTFOUND, ECONFLICT (see
// membership.Member.Card).
func (s *Service) CertificateCard(ctx context.Context, certificate string) (*membership.CertificateCard, error) {
	if _, err := actor(ctx, membership.TaskRead); err != nil {
		return nil, err
	}
	m, err := s.store.Member(ctx, membership.NormalCertificate(certificate))
	if err != nil {
		return nil, err
	}
	return m.Card()
}
