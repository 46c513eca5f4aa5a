package backoffice

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/privacy"
)

// Files is what the back office does with the applicants' documents in the
// uploads bucket (intake.Files has more).
type Files interface {
	// DownloadURL returns a short-lived link that downloads the object as name.
	DownloadURL(ctx context.Context, key, name, contentType string) (string, error)
	// Delete deletes every version of the object at key.
	Delete(ctx context.Context, key string) error
}

// Download is a short-lived link to one document of an application
// (GET /api/admin/applications/{number}/attachments/{id}).
type Download struct {
	membership.Attachment
	URL string `json:"url"`
}

// AttachmentURL returns a link, valid a few minutes, that downloads the
// document of the application. Errors: EUNAUTHORIZED, EFORBIDDEN, ENOTFOUND.
func (s *Service) AttachmentURL(ctx context.Context, number, id string) (*Download, error) {
	const op = "backoffice: attachment"
	a, err := actor(ctx, membership.TaskRead)
	if err != nil {
		return nil, err
	}
	app, err := s.store.Application(ctx, number)
	if err != nil {
		return nil, err
	}
	f, ok := app.Attachment(id)
	if !ok || s.files == nil {
		return nil, membership.Errorf(membership.ENOTFOUND, op, "申请 %s 没有这个文件", number)
	}
	u, err := s.files.DownloadURL(ctx, f.Key(number), f.Name, f.Type)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", op, number, err)
	}
	s.log.InfoContext(ctx, "attachment downloaded", "application", number, "attachment", id, "actor", a.ID)
	return &Download{Attachment: f, URL: u}, nil
}

// ErasureRequest asks to erase a person's data on their request (PIPL art.
// 47): the records that hold it, and on whose request (Note, required: who
// asked, how and when, e.g. 本人书面申请，2027-03-02 来函).
type ErasureRequest struct {
	Applications  []string                  `json:"applications,omitempty" label:"申请编号" validate:"max=50,dive,oneline"`
	Members       []string                  `json:"members,omitempty" label:"会员证书编号" validate:"max=50,dive,oneline"`
	Registrations []privacy.RegistrationRef `json:"registrations,omitempty" label:"活动报名" validate:"max=50,dive"`
	Note          string                    `json:"note" label:"申请依据" validate:"required,max=500,multiline"`
}

// Erased is the answer of an erasure: what was erased, when and by whom.
type Erased struct {
	Erasure       membership.Erasure        `json:"erasure"`
	Applications  []string                  `json:"applications"`
	Members       []string                  `json:"members"`
	Registrations []privacy.RegistrationRef `json:"registrations"`
}

// MaxErasureRecords bounds the records of one erasure request.
const MaxErasureRecords = 50

// ErasePerson erases the personal data of the records named — the
// applications (with their files), the members' contacts, the event
// registrations (cancelled first when their event has not started) — and
// records in each who did it, when and on whose request, never the data.
// The organisation's name, credit code, certificate and dues stay.
// Errors: EUNAUTHORIZED; EFORBIDDEN unless the secretariat; EINVALID (no
// note, no record, too many); ENOTFOUND for a record that does not exist
// (those before it are erased: running the request again finishes it).
func (s *Service) ErasePerson(ctx context.Context, q ErasureRequest) (*Erased, error) {
	const op = "backoffice: erase person"
	a, err := actor(ctx, membership.TaskErase)
	if err != nil {
		return nil, err
	}
	if err := membership.CheckInput(&q); err != nil {
		return nil, err
	}
	n := len(q.Applications) + len(q.Members) + len(q.Registrations)
	if n == 0 || n > MaxErasureRecords {
		return nil, &membership.Error{Code: membership.EINVALID, Op: op, Message: fmt.Sprintf("请指明要删除个人信息的记录（1 至 %d 条）", MaxErasureRecords),
			Fields: map[string]string{"applications": "请指明申请、会员或报名记录"}}
	}
	q.Applications, q.Members = slices.Compact(slices.Sorted(slices.Values(q.Applications))), slices.Compact(slices.Sorted(slices.Values(q.Members)))
	e := membership.Erasure{At: s.now(), Reason: membership.ErasedRequest, By: a.ID, ByName: a.Name, Role: membership.RoleSecretariat, Note: q.Note}
	p := &privacy.Person{Applications: q.Applications, Members: q.Members, Registrations: q.Registrations}
	if err := s.erasers().Erase(ctx, p, e); err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "personal data erased on request", "actor", a.ID, "applications", q.Applications, "members", q.Members,
		"registrations", len(q.Registrations))
	return &Erased{Erasure: e, Applications: nonNil(q.Applications), Members: nonNil(q.Members), Registrations: nonNil(q.Registrations)}, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// erasers are the register's stores and the extra erasers of the host.
func (s *Service) erasers() *privacy.Erasers {
	x := &privacy.Erasers{Applications: s.store, Members: s.store, Files: s.files, Extra: s.extra, Now: s.now}
	if s.events != nil {
		x.Registrations = s.events
		if s.catalog != nil {
			x.Events = s.catalog
		}
	}
	return x
}

// Sweep erases the personal data whose retention period has ended at now
// (privacy.Sweep). It is the system's task, not a person's: the hosts run
// it on a schedule, never on a request.
func (s *Service) Sweep(ctx context.Context, now time.Time) (privacy.SweepReport, error) {
	sw := &privacy.Sweep{Erasers: s.erasers(), Applications: s.store, Retention: s.retention, Log: s.log}
	if s.events != nil {
		sw.Registrations = s.events
	}
	return sw.Run(ctx, now)
}
