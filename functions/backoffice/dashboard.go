package backoffice

import (
	"context"
	"slices"
	"time"

	"github.com/smelisting/alliance/functions/membership"
)

// DashboardWaiting is how many of the applications waiting for the reader
// the dashboard lists (the oldest); the counts say how many there are.
const DashboardWaiting = 10

// Dashboard is the console's 工作台: who is signed in, how many
// applications there are of each status, the oldest of those waiting for
// the reader's role, expulsions waiting for the chairman's office, the
// members at risk of lapsing and this year's unpaid dues.
type Dashboard struct {
	Me         Me                              `json:"me"`
	Today      string                          `json:"today"`
	Counts     map[membership.Status]int       `json:"counts"`
	Waiting    []membership.ApplicationSummary `json:"waiting"`
	Expulsions []PendingExpulsion              `json:"expulsions"`
	AtRisk     []membership.Standing           `json:"at_risk"`
	Year       int                             `json:"year"`
	Unpaid     []membership.DuesLine           `json:"unpaid"`
	Dues       membership.DuesTotals           `json:"dues"`
}

// PendingExpulsion is a member whose expulsion the secretariat proposed and
// the chairman's office has yet to decide.
type PendingExpulsion struct {
	Certificate string    `json:"certificate"`
	Name        string    `json:"name"`
	Reason      string    `json:"reason"`
	ProposedAt  time.Time `json:"proposed_at"`
	Version     int       `json:"version"`
}

// Dashboard returns the reader's dashboard. Errors: EUNAUTHORIZED, EFORBIDDEN.
func (s *Service) Dashboard(ctx context.Context) (*Dashboard, error) {
	a, err := actor(ctx, membership.TaskRead)
	if err != nil {
		return nil, err
	}
	now := s.now()
	d := &Dashboard{Me: Me{Actor: a, Tasks: a.Tasks()}, Today: membership.Today(now), Year: now.In(membership.China).Year(),
		Waiting: []membership.ApplicationSummary{}, Expulsions: []PendingExpulsion{}, Unpaid: []membership.DuesLine{}}
	if d.Counts, err = s.store.ApplicationCounts(ctx); err != nil {
		return nil, err
	}
	for _, st := range membership.WaitingStatuses(a) {
		p, err := s.store.Applications(ctx, membership.ApplicationQuery{Status: st, Limit: DashboardWaiting})
		if err != nil {
			return nil, err
		}
		d.Waiting = append(d.Waiting, p.Applications...)
	}
	slices.SortFunc(d.Waiting, func(x, y membership.ApplicationSummary) int {
		if x.Before(&y) {
			return -1
		}
		return 1
	})
	d.Waiting = d.Waiting[:min(len(d.Waiting), DashboardWaiting)]
	if err := s.memberParts(ctx, d); err != nil {
		return nil, err
	}
	return d, nil
}

// memberParts fills in the dashboard's expulsions, lapse risks and dues.
func (s *Service) memberParts(ctx context.Context, d *Dashboard) error {
	ms, err := s.store.Members(ctx)
	if err != nil {
		return err
	}
	all, err := s.store.Attendance(ctx)
	if err != nil {
		return err
	}
	lapse, err := membership.BuildLapseReport(ms, all, d.Today)
	if err != nil {
		return err
	}
	d.AtRisk = append(lapse.AtRisk, lapse.Lapsed...)
	for _, m := range ms {
		if e := m.PendingExpulsion; e != nil && m.Status == membership.MemberActive {
			d.Expulsions = append(d.Expulsions, PendingExpulsion{Certificate: m.Certificate, Name: m.Profile.Name,
				Reason: e.Reason, ProposedAt: e.ProposedAt, Version: m.Version})
		}
	}
	fs, err := s.store.FeeSchedule(ctx, d.Year)
	if err != nil {
		return err
	}
	ps, err := s.store.Payments(ctx, d.Year)
	if err != nil {
		return err
	}
	dues, err := membership.BuildDuesReport(d.Year, fs, ms, ps)
	if err != nil {
		return err
	}
	d.Dues = dues.Totals
	for _, l := range dues.Lines {
		if l.State == membership.DuesUnpaid {
			d.Unpaid = append(d.Unpaid, l)
		}
	}
	return nil
}
