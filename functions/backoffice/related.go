package backoffice

import (
	"context"
	"time"

	"github.com/smelisting/alliance/functions/membership"
)

// Related lists the other records of the same organisation — those with the
// same unified social credit code —, so that the secretariat sees an earlier
// application, a rejected one, or the member the company already is. It is
// empty for individuals, who have no code.
type Related struct {
	Applications []RelatedApplication `json:"applications"`
	Members      []RelatedMember      `json:"members"`
}

// RelatedApplication is what Related shows of an application.
type RelatedApplication struct {
	Number            string            `json:"number"`
	Status            membership.Status `json:"status"`
	OrgName           string            `json:"org_name"`
	CreatedAt         time.Time         `json:"created_at"`
	CertificateNumber string            `json:"certificate_number,omitempty"`
}

// RelatedMember is what Related shows of a member.
type RelatedMember struct {
	Certificate string                  `json:"certificate"`
	Status      membership.MemberStatus `json:"status"`
	Name        string                  `json:"name"`
	JoinedOn    string                  `json:"joined_on"`
	LeftOn      string                  `json:"left_on,omitempty"`
	Application string                  `json:"application"`
}

// related lists the records with the credit code, except the application
// number and the member certificate (the record being shown).
func (s *Service) related(ctx context.Context, code, number, certificate string) (Related, error) {
	r := Related{Applications: []RelatedApplication{}, Members: []RelatedMember{}}
	if code == "" {
		return r, nil
	}
	apps, err := s.store.ApplicationsByCreditCode(ctx, code)
	if err != nil {
		return r, err
	}
	for _, a := range apps {
		if a.Number != number {
			r.Applications = append(r.Applications, RelatedApplication{Number: a.Number, Status: a.Status, OrgName: a.OrgName,
				CreatedAt: a.CreatedAt, CertificateNumber: a.CertificateNumber})
		}
	}
	ms, err := s.store.MembersByCreditCode(ctx, code)
	if err != nil {
		return r, err
	}
	for _, m := range ms {
		if m.Certificate != certificate {
			r.Members = append(r.Members, RelatedMember{Certificate: m.Certificate, Status: m.Status, Name: m.Profile.Name,
				JoinedOn: m.JoinedOn, LeftOn: m.LeftOn, Application: m.Application})
		}
	}
	return r, nil
}
