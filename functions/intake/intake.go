// Package intake is the applicant's side of the membership register (charter
// 第十四条): submitting an application — once per Idempotency-Key, however
// often the request is retried —, reading its status with the status token,
// and withdrawing it before approval; uploading its documents, downloading
// everything held about it and having it erased (documents.go). Both ways of submitting (the JSON API and
// the form without JavaScript, in httpapi) call the same Service, which makes
// the store calls in order and leaves every rule to the domain (package
// membership), as backoffice.Service does for the secretariat.
package intake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/privacy"
)

// Store keeps membership applications and the idempotency records of their
// submissions. Implementations: dynamo.Store and localstore.Store; storetest
// checks both.
type Store interface {
	// CreateApplication gives app the next number of its year
	// (membership.FormatNumber, year of app.CreatedAt in China) and stores it,
	// with its claim on its credit code (app.CreditClaim(), if any). When rec
	// is not nil, rec.Number is set and rec is stored in the same atomic write.
	// Errors: ECONFLICT when an unexpired record with rec.Key exists, or, as
	// membership.CreditCodeTaken, when another record holds the credit code;
	// nothing is stored then. Numbers are unique; a failed create may leave a
	// gap.
	CreateApplication(ctx context.Context, app *membership.Application, rec *membership.IdempotencyRecord) error

	// Idempotency returns the unexpired record stored for key, or an ENOTFOUND error.
	Idempotency(ctx context.Context, key string) (*membership.IdempotencyRecord, error)

	// Application returns the application with the number, or an ENOTFOUND error.
	Application(ctx context.Context, number string) (*membership.Application, error)

	// UpdateApplication loads the application, checks that its Version equals
	// expectedVersion (any version when expectedVersion is 0), calls fn on it
	// and stores the result with Version+1, unless another write came first;
	// a claim on the credit code that fn ends (a rejection, a withdrawal) is
	// released in the same write. It returns the stored application. Errors:
	// ENOTFOUND; ECONFLICT when the version differs or a concurrent write won;
	// whatever fn returns (nothing is stored then).
	UpdateApplication(ctx context.Context, number string, expectedVersion int, fn func(*membership.Application) error) (*membership.Application, error)
}

// Config is what a Service needs.
type Config struct {
	Store Store
	Files Files // the uploads bucket (documents.go); nil: no uploads
	// Erasers are erased after the application when its applicant erases it
	// (privacy.Erasers.Extra: the outbox's entries to the applicant).
	Erasers []privacy.Eraser
	Now     func() time.Time // nil: time.Now
}

// Service carries out the applicant's use cases over a store. It logs nothing:
// the handlers log each outcome with the request's ID.
type Service struct {
	store   Store
	filesOf Files
	erasers []privacy.Eraser
	now     func() time.Time
}

// New returns the service over cfg.Store.
func New(cfg Config) *Service {
	s := &Service{store: cfg.Store, filesOf: cfg.Files, erasers: cfg.Erasers, now: cfg.Now}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Submission is an application as the applicant sent it: the application,
// the Idempotency-Key ("" for none) and the request's body, whose hash tells a
// retry from another submission made with the same key.
type Submission struct {
	Application *membership.Application
	Key         string
	Body        []byte
}

// Receipt is what the applicant is given for a submission: the application's
// number and status token, and its status now.
type Receipt struct {
	Number string
	Token  string
	Status membership.Status
}

// Submit normalizes, validates and stores a new application with a fresh
// status token, or, when its key was already used with the same body, returns
// the first receipt (replayed: the same number and token, the status as it is
// now) and stores nothing. Errors: EINVALID; ECONFLICT when the key was used
// with another body, or when the organisation already has an open application
// or an active membership (membership.CreditCodeTaken); EUNAVAILABLE, EINTERNAL.
func (s *Service) Submit(ctx context.Context, q Submission) (r *Receipt, replayed bool, err error) {
	const op = "intake: submit application"
	app, now := q.Application, s.now()
	app.Normalize()
	if err := app.ValidateAt(now); err != nil {
		return nil, false, err
	}
	var rec *membership.IdempotencyRecord
	if q.Key != "" {
		sum := sha256.Sum256(q.Body)
		hash := hex.EncodeToString(sum[:])
		if r, err := s.replay(ctx, q.Key, hash); r != nil || err != nil {
			return r, r != nil, err
		}
		rec = &membership.IdempotencyRecord{Key: q.Key, RequestHash: hash, ExpiresAt: now.Add(membership.IdempotencyTTL)}
	}
	token, hash, err := membership.NewStatusToken()
	if err != nil {
		return nil, false, err
	}
	app.TokenHash, app.StatusToken = hash, token
	app.Submit(now)
	if rec != nil {
		rec.Token = token
	}
	if err := s.store.CreateApplication(ctx, app, rec); err != nil {
		if rec != nil && membership.ErrorCode(err) == membership.ECONFLICT {
			// The same key may have won a race with this very request (a retry
			// sent while the first was still on its way): answer as a retry.
			if r, rerr := s.replay(ctx, q.Key, rec.RequestHash); r != nil || rerr != nil {
				return r, r != nil, rerr
			}
		}
		return nil, false, fmt.Errorf("%s: %w", op, err)
	}
	return &Receipt{Number: app.Number, Token: token, Status: app.Status}, false, nil
}

// replay looks up key: the first receipt when it was used with the same body;
// an ECONFLICT error when it was used with another body; neither when it is
// unused.
func (s *Service) replay(ctx context.Context, key, hash string) (*Receipt, error) {
	const op = "intake: replay"
	rec, err := s.store.Idempotency(ctx, key)
	switch {
	case membership.ErrorCode(err) == membership.ENOTFOUND:
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("%s: look up idempotency key: %w", op, err)
	case rec.RequestHash != hash:
		return nil, membership.Errorf(membership.ECONFLICT, op, "本次填写已经提交过一份内容不同的申请")
	}
	app, err := s.store.Application(ctx, rec.Number)
	if err != nil {
		return nil, fmt.Errorf("%s: get application %s: %w", op, rec.Number, err)
	}
	return &Receipt{Number: rec.Number, Token: rec.Token, Status: app.Status}, nil
}

// notFound is the answer to an unknown number and to a wrong token alike, so
// that numbers cannot be probed.
func notFound(op string) error {
	return membership.Errorf(membership.ENOTFOUND, op, "未找到该申请，或查询凭证不正确")
}

// Status returns the application with the number if token is its status
// token. Errors: ENOTFOUND (unknown number or wrong token), EUNAVAILABLE,
// EINTERNAL.
func (s *Service) Status(ctx context.Context, number, token string) (*membership.Application, error) {
	const op = "intake: get application"
	if token == "" || len(number) > 32 {
		return nil, notFound(op)
	}
	app, err := s.store.Application(ctx, number)
	if membership.ErrorCode(err) == membership.ENOTFOUND || (err == nil && !app.TokenMatches(token)) {
		return nil, notFound(op)
	}
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", op, number, err)
	}
	return app, nil
}

// Withdrawal is the applicant's withdrawal: the reason, if they give one.
type Withdrawal struct {
	Note string `json:"note,omitempty" label:"撤回原因" validate:"multiline"`
}

// Withdraw withdraws the application with the number, if token is its status
// token, before the chairman's office approves it (第十四条); its claim on
// the credit code ends with it. Errors: EINVALID (the note), ENOTFOUND (as
// Status), ECONFLICT naming the status after approval, EUNAVAILABLE, EINTERNAL.
func (s *Service) Withdraw(ctx context.Context, number, token string, q Withdrawal) (*membership.Application, error) {
	const op = "intake: withdraw application"
	if token == "" || len(number) > 32 {
		return nil, notFound(op)
	}
	if err := membership.CheckInput(&q); err != nil {
		return nil, err
	}
	applicant := membership.Actor{ID: "applicant", Roles: []string{membership.RoleApplicant}}
	app, err := s.store.UpdateApplication(ctx, number, 0, func(a *membership.Application) error {
		if !a.TokenMatches(token) {
			return notFound(op)
		}
		return a.Apply(applicant, membership.Change{Action: membership.ActionWithdraw, Note: q.Note}, s.now())
	})
	if err != nil {
		return nil, err
	}
	return app, nil
}
