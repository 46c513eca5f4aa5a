package backoffice

import (
	"context"

	"github.com/smelisting/alliance/functions/membership"
)

// ChangeRequest is a move of an application in the workflow of 第十四条
// (POST /api/admin/applications/{number}/{action}): the version of the
// application it is made against, a note (the reason, for a rejection), and
// for filing the date and the centre's reference.
type ChangeRequest struct {
	Version int                `json:"version"`
	Note    string             `json:"note,omitempty" label:"备注" validate:"multiline"`
	Filing  *membership.Filing `json:"filing,omitempty"`
}

// Certified is the answer of a certification: the application and its new member.
type Certified struct {
	Application *membership.Application `json:"application"`
	Member      *membership.Member      `json:"member"`
}

// ApplicationDetail is an application with the actions the reader may take
// on it now (membership.Application.Actions: the console offers exactly
// these, `alliance admin show` lists them) and the other records of its
// organisation.
type ApplicationDetail struct {
	*membership.Application
	Actions []membership.Action `json:"actions"`
	Related Related             `json:"related"`
	// Notices are what the reader must see before acting, e.g. 材料不全
	// (membership.Application.DocumentsMissing).
	Notices []string `json:"notices"`
}

// Applications returns one page of the applications: those with the status
// ("" for all) and matching the search (a number or credit code, or part of
// a name), oldest first, after the cursor of the previous page. Errors:
// EUNAUTHORIZED, EFORBIDDEN, EINVALID (an unknown status, a page size out of
// range, a bad cursor).
func (s *Service) Applications(ctx context.Context, q membership.ApplicationQuery) (*membership.ApplicationPage, error) {
	if _, err := actor(ctx, membership.TaskRead); err != nil {
		return nil, err
	}
	q, err := q.Normal()
	if err != nil {
		return nil, err
	}
	return s.store.Applications(ctx, q)
}

// Application returns the application with its history, the actions the
// reader may take on it and the other records of its organisation. Errors:
// EUNAUTHORIZED, EFORBIDDEN, ENOTFOUND.
func (s *Service) Application(ctx context.Context, number string) (*ApplicationDetail, error) {
	a, err := actor(ctx, membership.TaskRead)
	if err != nil {
		return nil, err
	}
	app, err := s.store.Application(ctx, number)
	if err != nil {
		return nil, err
	}
	r, err := s.related(ctx, app.CreditCode, app.Number, app.CertificateNumber)
	if err != nil {
		return nil, err
	}
	d := &ApplicationDetail{Application: app, Actions: app.Actions(a), Related: r, Notices: []string{}}
	if app.DocumentsMissing() {
		d.Notices = append(d.Notices, membership.DocumentsMissingLabel+"：企业会员申请尚未上传营业执照复印件等材料（第十四条（二））")
	}
	if app.Erased != nil {
		d.Notices = append(d.Notices, app.Erased.Label())
	}
	return d, nil
}

// ChangeApplication takes the workflow action on the application: review,
// approve, reject or file (certify is Certify's). Errors: EUNAUTHORIZED;
// EFORBIDDEN when the actor may not take the action (checked before anything
// is read); EINVALID without a version, for a note or filing that is not clean
// text (membership.CheckInput), or from the domain; ENOTFOUND; ECONFLICT when
// the application changed meanwhile or the move is not possible from its status.
func (s *Service) ChangeApplication(ctx context.Context, number string, act membership.Action, q ChangeRequest) (*membership.Application, error) {
	a, err := s.mayChange(ctx, act, q)
	if err != nil {
		return nil, err
	}
	if act == membership.ActionCertify {
		return nil, membership.Errorf(membership.EINVALID, "backoffice: change application", "颁发会员证书须通过 certify 接口")
	}
	c, now := membership.Change{Action: act, Note: q.Note, Filing: q.Filing}, s.now()
	app, err := s.store.UpdateApplication(ctx, number, q.Version, func(app *membership.Application) error {
		return app.Apply(a, c, now)
	})
	if err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "application changed", "application", number, "action", act, "status", app.Status, "actor", a.ID)
	return app, nil
}

// Certify issues the member certificate of a filed application (颁发会员证书):
// the application becomes certified and its member is created, with the next
// certificate number, in one write. Errors: as ChangeApplication.
func (s *Service) Certify(ctx context.Context, number string, q ChangeRequest) (*Certified, error) {
	a, err := s.mayChange(ctx, membership.ActionCertify, q)
	if err != nil {
		return nil, err
	}
	c, now := membership.Change{Action: membership.ActionCertify, Note: q.Note}, s.now()
	app, m, err := s.store.IssueCertificate(ctx, number, q.Version, func(app *membership.Application) (*membership.Member, error) {
		if err := app.Apply(a, c, now); err != nil {
			return nil, err
		}
		return membership.NewMember(app, a, now), nil
	})
	if err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "certificate issued", "application", number, "certificate", m.Certificate, "actor", a.ID)
	return &Certified{Application: app, Member: m}, nil
}

// mayChange returns the context's actor if they may take the action at all
// and the request names a version and holds only clean text.
func (s *Service) mayChange(ctx context.Context, act membership.Action, q ChangeRequest) (membership.Actor, error) {
	a, err := membership.ActorFrom(ctx)
	if err != nil {
		return a, err
	}
	if err := a.MayTake(act); err != nil {
		return a, err
	}
	if err := checkVersion(q.Version); err != nil {
		return a, err
	}
	return a, membership.CheckInput(&q)
}
