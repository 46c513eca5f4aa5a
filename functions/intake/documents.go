package intake

import (
	"context"
	"fmt"
	"time"

	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/privacy"
)

// Files is the uploads bucket: uploadbucket.Bucket on AWS, localfiles.Files
// in `alliance serve`.
type Files interface {
	// PresignUpload returns the form with which a browser posts one file
	// of the media type, of 1 to maxSize bytes, to key and nowhere else.
	PresignUpload(ctx context.Context, key, contentType string, maxSize int64) (*membership.UploadForm, error)
	// Stat returns the size of the object at key and its first n bytes.
	// Errors: ENOTFOUND, EUNAVAILABLE.
	Stat(ctx context.Context, key string, n int) (int64, []byte, error)
	// Move moves the object at from to to (no version of from is left).
	Move(ctx context.Context, from, to string) error
	// Delete deletes every version of the object at key.
	Delete(ctx context.Context, key string) error
	// DownloadURL returns a short-lived link that downloads the object as name.
	DownloadURL(ctx context.Context, key, name, contentType string) (string, error)
}

// Upload is the answer to a request to upload: the file's ID, which
// ConfirmUpload takes once the browser has posted it, and the form to post.
type Upload struct {
	ID   string                 `json:"id"`
	Form *membership.UploadForm `json:"form"`
}

// UploadDone is what the browser says once the bucket took the file: its ID
// and its name.
type UploadDone struct {
	ID   string `json:"id"`
	Name string `json:"name" label:"文件名" validate:"required,max=100,oneline"`
}

func (s *Service) files(op string) (Files, error) {
	if s.filesOf == nil {
		return nil, membership.Internal(op, fmt.Errorf("no uploads bucket configured"))
	}
	return s.filesOf, nil
}

// RequestUpload checks a file the applicant is about to send (its name, type
// and size; the application open with room for it) and returns where to post
// it. Nothing is recorded yet. Errors: ENOTFOUND (as Status), EINVALID
// naming the field, ECONFLICT (membership.Application.MayUpload),
// EUNAVAILABLE.
func (s *Service) RequestUpload(ctx context.Context, number, token string, q membership.UploadRequest) (*Upload, error) {
	const op = "intake: request upload"
	files, err := s.files(op)
	if err != nil {
		return nil, err
	}
	if err := q.Check(); err != nil {
		return nil, err
	}
	app, err := s.Status(ctx, number, token)
	if err != nil {
		return nil, err
	}
	if err := app.MayUpload(); err != nil {
		return nil, err
	}
	id, err := membership.NewAttachmentID()
	if err != nil {
		return nil, err
	}
	form, err := files.PresignUpload(ctx, membership.IncomingKey(number, id), q.Type, membership.MaxAttachmentSize)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", op, number, err)
	}
	return &Upload{ID: id, Form: form}, nil
}

// ConfirmUpload checks the file the browser posted — its stored size and,
// from its first bytes, its type — and records it with the application. A
// file that fails is deleted; so is one the application can no longer take.
// Errors: ENOTFOUND (as Status; also when no file arrived), EINVALID (the
// file, in the applicant's words), ECONFLICT, EUNAVAILABLE.
func (s *Service) ConfirmUpload(ctx context.Context, number, token string, q UploadDone) (*membership.Attachment, error) {
	const op = "intake: confirm upload"
	files, err := s.files(op)
	if err != nil {
		return nil, err
	}
	if !membership.ValidAttachmentID(q.ID) {
		return nil, membership.Errorf(membership.ENOTFOUND, op, "未收到文件，请重新上传")
	}
	if err := membership.CheckInput(&q); err != nil {
		return nil, err
	}
	if _, err := s.Status(ctx, number, token); err != nil {
		return nil, err
	}
	incoming, key := membership.IncomingKey(number, q.ID), membership.AttachmentKey(number, q.ID)
	size, head, err := files.Stat(ctx, incoming, membership.SniffBytes)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", op, number, err)
	}
	typ, err := membership.CheckUploaded(size, head)
	if err != nil {
		if derr := files.Delete(ctx, incoming); derr != nil {
			return nil, fmt.Errorf("%s %s: delete refused file: %w", op, number, derr)
		}
		return nil, err
	}
	if err := files.Move(ctx, incoming, key); err != nil {
		return nil, fmt.Errorf("%s %s: %w", op, number, err)
	}
	att := membership.Attachment{ID: q.ID, Name: q.Name, Type: typ, Size: size, UploadedAt: s.now()}
	_, err = s.store.UpdateApplication(ctx, number, 0, func(a *membership.Application) error {
		if !a.TokenMatches(token) {
			return notFound(op)
		}
		return a.AddAttachment(att)
	})
	if err != nil {
		if derr := files.Delete(ctx, key); derr != nil {
			return nil, fmt.Errorf("%s %s: delete unrecorded file: %w (after %w)", op, number, derr, err)
		}
		return nil, err
	}
	return &att, nil
}

// Export is everything the register holds about an application, for its
// applicant (PIPL art. 45): the application as stored, with its history,
// and the files with links valid a few minutes.
type Export struct {
	ExportedAt  time.Time               `json:"exported_at"`
	Application *membership.Application `json:"application"`
	Files       []ExportedFile          `json:"files"`
}

// ExportedFile is one attachment with its download link.
type ExportedFile struct {
	membership.Attachment
	URL string `json:"url"`
}

// Export returns everything held about the application if token is its
// status token. Errors: as Status.
func (s *Service) Export(ctx context.Context, number, token string) (*Export, error) {
	const op = "intake: export"
	app, err := s.Status(ctx, number, token)
	if err != nil {
		return nil, err
	}
	x := &Export{ExportedAt: s.now().UTC(), Application: app, Files: []ExportedFile{}}
	for _, f := range app.Attachments {
		files, err := s.files(op)
		if err != nil {
			return nil, err
		}
		u, err := files.DownloadURL(ctx, f.Key(number), f.Name, f.Type)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", op, number, err)
		}
		x.Files = append(x.Files, ExportedFile{Attachment: f, URL: u})
	}
	return x, nil
}

// Erase withdraws the application, if it is still open, and erases its
// personal data and files, when token is its status token and the chairman's
// office has not approved it (membership.Application.MayEraseByApplicant).
// Errors: as Status; ECONFLICT after approval; EUNAVAILABLE.
func (s *Service) Erase(ctx context.Context, number, token string) (*membership.Application, error) {
	const op = "intake: erase"
	if token == "" || len(number) > 32 {
		return nil, notFound(op)
	}
	now := s.now()
	applicant := membership.Actor{ID: "applicant", Roles: []string{membership.RoleApplicant}}
	p := &privacy.Person{Applications: []string{number}, Check: func(a *membership.Application) error {
		if !a.TokenMatches(token) {
			return notFound(op)
		}
		if err := a.MayEraseByApplicant(); err != nil {
			return err
		}
		if a.Status == membership.StatusSubmitted || a.Status == membership.StatusReviewed {
			return a.Apply(applicant, membership.Change{Action: membership.ActionWithdraw, Note: "申请人要求删除个人信息"}, now)
		}
		return nil
	}}
	e := membership.Erasure{At: now, Reason: membership.ErasedRequest, By: "applicant", Role: membership.RoleApplicant, Note: "申请人凭查询凭证要求删除"}
	x := &privacy.Erasers{Applications: s.store, Files: s.filesOf, Extra: s.erasers, Now: s.now}
	if err := x.Erase(ctx, p, e); err != nil {
		if membership.ErrorCode(err) == membership.ENOTFOUND {
			return nil, notFound(op)
		}
		return nil, err
	}
	return s.store.Application(ctx, number)
}
