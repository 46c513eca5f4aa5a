package backoffice

import (
	"cmp"
	"context"
	"slices"

	"github.com/smelisting/alliance/functions/membership"
)

// FeesRequest changes a year's fee schedule (fen) with its basis in Note.
// Version is the version of the schedule it replaces: 0 for the charter's
// default.
type FeesRequest struct {
	Version    int    `json:"version"`
	Enterprise int64  `json:"enterprise"`
	Group      int64  `json:"group"`
	Individual int64  `json:"individual"`
	Note       string `json:"note" label:"调整依据" validate:"multiline"`
}

// FeeSchedule returns the year's fee schedule, the charter's default (version
// 0) when none was set. Errors: EUNAUTHORIZED, EFORBIDDEN, EINVALID (year).
func (s *Service) FeeSchedule(ctx context.Context, year int) (*membership.FeeSchedule, error) {
	if _, err := actor(ctx, membership.TaskRead); err != nil {
		return nil, err
	}
	fs, err := s.schedule(ctx, year)
	if err != nil {
		return nil, err
	}
	return &fs, nil
}

// schedule returns the year's fee schedule. Errors: EINVALID (year).
func (s *Service) schedule(ctx context.Context, year int) (membership.FeeSchedule, error) {
	if err := membership.CheckYear(year); err != nil {
		return membership.FeeSchedule{}, err
	}
	return s.store.FeeSchedule(ctx, year)
}

// ChangeFees sets the year's fee schedule, keeping the one it replaces in its
// history. Errors: EUNAUTHORIZED, EFORBIDDEN, EINVALID, ECONFLICT when the
// schedule is no longer at q.Version.
func (s *Service) ChangeFees(ctx context.Context, year int, q FeesRequest) (*membership.FeeSchedule, error) {
	a, err := actor(ctx, membership.TaskFees)
	if err != nil {
		return nil, err
	}
	if err := membership.CheckInput(&q); err != nil {
		return nil, err
	}
	fs, err := s.schedule(ctx, year)
	if err != nil {
		return nil, err
	}
	if q.Version != fs.Version {
		return nil, membership.Errorf(membership.ECONFLICT, "backoffice: change fees", "%d 年会费标准已被他人修改（当前版本 %d），请刷新后重试", year, fs.Version)
	}
	if err := fs.Change(a, q.Enterprise, q.Group, q.Individual, q.Note, s.now()); err != nil {
		return nil, err
	}
	if err := s.store.PutFeeSchedule(ctx, &fs); err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "fee schedule changed", "year", year, "version", fs.Version, "actor", a.ID)
	return &fs, nil
}

// RecordPayment enters a payment of dues, or a correction of one, checked
// against the member, the year's schedule and the member-year's current entry
// and stored with its claims on the member-year and the receipt number.
// Errors: EUNAUTHORIZED, EFORBIDDEN, EINVALID, ENOTFOUND (member), ECONFLICT
// (the year is paid, the receipt is used, or either changed meanwhile).
func (s *Service) RecordPayment(ctx context.Context, q membership.PaymentInput) (*membership.Payment, error) {
	a, err := actor(ctx, membership.TaskPayment)
	if err != nil {
		return nil, err
	}
	if err := membership.CheckInput(&q); err != nil {
		return nil, err
	}
	q.Member = membership.NormalCertificate(q.Member)
	m, err := s.store.Member(ctx, q.Member)
	if err != nil {
		return nil, err
	}
	fs, err := s.store.FeeSchedule(ctx, q.Year)
	if err != nil {
		return nil, err
	}
	cur, err := s.store.CurrentPayment(ctx, q.Member, q.Year)
	if membership.ErrorCode(err) == membership.ENOTFOUND {
		cur, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	p, err := membership.NewPayment(a, q, m, fs, cur, s.now())
	if err != nil {
		return nil, err
	}
	if err := s.store.RecordPayment(ctx, p); err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "payment recorded", "payment", p.ID, "actor", a.ID)
	return p, nil
}

// Payments lists the ledger of a year (0: this year in China), of one member
// or ("") of all, every entry in order of recording, superseded ones included:
// the audit trail of the dues. Errors: EUNAUTHORIZED, EFORBIDDEN, EINVALID.
func (s *Service) Payments(ctx context.Context, year int, member string) ([]membership.Payment, error) {
	if _, err := actor(ctx, membership.TaskRead); err != nil {
		return nil, err
	}
	if year == 0 {
		year = s.now().In(membership.China).Year()
	}
	if err := membership.CheckYear(year); err != nil {
		return nil, err
	}
	ps, err := s.store.Payments(ctx, year)
	if err != nil {
		return nil, err
	}
	member = membership.NormalCertificate(member)
	out := []membership.Payment{}
	for _, p := range ps {
		if member == "" || p.Member == member {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b membership.Payment) int {
		return cmp.Or(a.RecordedAt.Compare(b.RecordedAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// DuesReport is every member's dues position for the year.
// Errors: EUNAUTHORIZED, EFORBIDDEN, EINVALID (year), EINTERNAL (see
// membership.BuildDuesReport).
func (s *Service) DuesReport(ctx context.Context, year int) (*membership.DuesReport, error) {
	if _, err := actor(ctx, membership.TaskRead); err != nil {
		return nil, err
	}
	fs, err := s.schedule(ctx, year)
	if err != nil {
		return nil, err
	}
	ms, err := s.store.Members(ctx)
	if err != nil {
		return nil, err
	}
	ps, err := s.store.Payments(ctx, year)
	if err != nil {
		return nil, err
	}
	return membership.BuildDuesReport(year, fs, ms, ps)
}
