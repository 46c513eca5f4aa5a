// Package privacy is the life of personal data in the register: erasing a
// person's data from every record that holds it (on the person's request,
// by the applicant before approval, or when its retention period ends),
// and the retention sweep that finds what is due. The rules — which fields
// are personal, what stays, when a period ends — are the domain's
// (membership.Application.Erase, Member.EraseContact, events.Registration.Erase,
// membership.Retention); this package makes the store calls in order.
//
// An erasure runs a list of erasers (Erasers.list), one per kind of record:
// the applications' files (deleted first, while the applications still list
// them), applications, members' contacts, event registrations, then any
// Extra ones a host adds: the mail outbox's (Outbox), which deletes every
// message about the person's records. Each eraser is idempotent: an erasure
// stopped midway (the store went away) is finished by running it again.
package privacy

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/smelisting/alliance/functions/events"
	"github.com/smelisting/alliance/functions/membership"
)

// ApplicationStore reads and updates applications (intake.Store and
// backoffice.Store have it).
type ApplicationStore interface {
	Application(ctx context.Context, number string) (*membership.Application, error)
	UpdateApplication(ctx context.Context, number string, expectedVersion int, fn func(*membership.Application) error) (*membership.Application, error)
}

// MemberStore updates members (backoffice.Store has it).
type MemberStore interface {
	UpdateMember(ctx context.Context, certificate string, expectedVersion int, fn func(*membership.Member) error) (*membership.Member, error)
}

// RegistrationStore reads, cancels and erases event registrations. Both
// stores have it; storetest.RunEvents checks EraseRegistration.
type RegistrationStore interface {
	Registration(ctx context.Context, event, code string) (*events.Registration, error)
	Cancel(ctx context.Context, event, code string, ev *events.Event, fn func(*events.Registration) error) (*events.Registration, error)
	// EraseRegistration loads the registration, calls fn (which erases it)
	// and stores it with Version+1, deleting the claim its phone held on
	// the event if it still names this registration, in one atomic write.
	// Errors: ENOTFOUND, ECONFLICT when a concurrent write won, fn's.
	EraseRegistration(ctx context.Context, event, code string, fn func(*events.Registration) error) (*events.Registration, error)
}

// FileDeleter deletes a file of the uploads bucket with every version
// (uploadbucket.Bucket, localfiles.Files).
type FileDeleter interface {
	Delete(ctx context.Context, key string) error
}

// EventSource gives the published events (events.CatalogCache).
type EventSource interface {
	Catalog(ctx context.Context) (*events.Catalog, error)
}

// MailEraser deletes the outbox's messages about a record (an application
// number, a certificate number, a registration code); both stores have it,
// and storetest.RunOutbox checks it.
type MailEraser interface {
	EraseMail(ctx context.Context, ref string) (int, error)
}

// Outbox returns the eraser of the mail outbox, for Erasers.Extra: it
// deletes every message about the person's applications, members and
// registrations, whatever its state — the address, the name and the text go;
// a message not yet sent is not sent. The records' histories say that the
// data was erased; the outbox keeps nothing of it.
func Outbox(m MailEraser) Eraser {
	return func(ctx context.Context, p *Person, _ membership.Erasure) error {
		refs := slices.Concat(p.Applications, p.Members)
		for _, r := range p.Registrations {
			refs = append(refs, r.Code)
		}
		for _, ref := range refs {
			if _, err := m.EraseMail(ctx, ref); err != nil {
				return fmt.Errorf("privacy: erase mail of %s: %w", ref, err)
			}
		}
		return nil
	}
}

// RegistrationRef names one registration.
type RegistrationRef struct {
	Event string `json:"event" label:"活动" validate:"required,oneline"`
	Code  string `json:"code" label:"报名编号" validate:"required,oneline"`
}

// Person is whose data an erasure removes: the records named, and what the
// erasers found in them on the way.
type Person struct {
	Applications  []string          // application numbers
	Members       []string          // certificate numbers
	Registrations []RegistrationRef // event registrations

	// Found while erasing, for the erasers after: the emails and phones the
	// records held (the outbox's entries to them).
	Emails, Phones []string

	// Check, when set, runs on each application inside its update, before
	// the erasure; its error stops everything (the applicant's own erasure:
	// the token, the status, the withdrawal).
	Check func(*membership.Application) error
}

func (p *Person) found(email, phone string) {
	if email != "" && !slices.Contains(p.Emails, email) {
		p.Emails = append(p.Emails, email)
	}
	if phone != "" && !slices.Contains(p.Phones, phone) {
		p.Phones = append(p.Phones, phone)
	}
}

// Eraser erases one kind of record of the person, recording e.
type Eraser func(ctx context.Context, p *Person, e membership.Erasure) error

// Erasers are the stores an erasure reaches. A nil store is skipped (a
// host without members or events); Extra erasers run last.
type Erasers struct {
	Applications  ApplicationStore
	Members       MemberStore
	Registrations RegistrationStore
	Events        EventSource // to cancel a registration before its event starts
	Files         FileDeleter
	Extra         []Eraser
	Now           func() time.Time // nil: time.Now
}

// list is every eraser, in order: the files, then the records, which find
// the contacts, then the extra ones (the outbox's goes there).
func (x *Erasers) list() []Eraser {
	return append([]Eraser{x.attachments, x.applications, x.members, x.registrations}, x.Extra...)
}

// Erase erases the person's data from every record, recording e in each.
// Errors: the first eraser's that failed (ENOTFOUND for a record named that
// does not exist, EUNAVAILABLE, …); what was erased before it stays erased.
func (x *Erasers) Erase(ctx context.Context, p *Person, e membership.Erasure) error {
	if e.At.IsZero() {
		e.At = x.now()
	}
	for _, er := range x.list() {
		if err := er(ctx, p, e); err != nil {
			return err
		}
	}
	return nil
}

func (x *Erasers) now() time.Time {
	if x.Now == nil {
		return time.Now()
	}
	return x.Now()
}

func (x *Erasers) applications(ctx context.Context, p *Person, e membership.Erasure) error {
	if len(p.Applications) > 0 && x.Applications == nil {
		return membership.Internal("privacy: erase applications", fmt.Errorf("no application store"))
	}
	for _, n := range p.Applications {
		_, err := x.Applications.UpdateApplication(ctx, n, 0, func(a *membership.Application) error {
			if p.Check != nil {
				if err := p.Check(a); err != nil {
					return err
				}
			}
			p.found(a.Email, a.Phone)
			a.Erase(e)
			return nil
		})
		if err != nil {
			return fmt.Errorf("privacy: erase application %s: %w", n, err)
		}
	}
	return nil
}

func (x *Erasers) members(ctx context.Context, p *Person, e membership.Erasure) error {
	if len(p.Members) > 0 && x.Members == nil {
		return membership.Internal("privacy: erase members", fmt.Errorf("no member store"))
	}
	for _, c := range p.Members {
		_, err := x.Members.UpdateMember(ctx, c, 0, func(m *membership.Member) error {
			p.found(m.Contact.Email, m.Contact.Phone)
			m.EraseContact(e)
			return nil
		})
		if err != nil {
			return fmt.Errorf("privacy: erase member %s: %w", c, err)
		}
	}
	return nil
}

func (x *Erasers) registrations(ctx context.Context, p *Person, e membership.Erasure) error {
	if len(p.Registrations) > 0 && x.Registrations == nil {
		return membership.Internal("privacy: erase registrations", fmt.Errorf("no registration store"))
	}
	for _, ref := range p.Registrations {
		if err := x.cancelUpcoming(ctx, ref, e); err != nil {
			return err
		}
		_, err := x.Registrations.EraseRegistration(ctx, ref.Event, ref.Code, func(r *events.Registration) error {
			p.found(r.Email, r.Phone)
			r.Erase(e)
			return nil
		})
		if err != nil {
			return fmt.Errorf("privacy: erase registration %s/%s: %w", ref.Event, ref.Code, err)
		}
	}
	return nil
}

// cancelUpcoming cancels a registration that still holds or waits for a
// place at an event that has not started, so its place goes to the next.
func (x *Erasers) cancelUpcoming(ctx context.Context, ref RegistrationRef, e membership.Erasure) error {
	const op = "privacy: cancel registration"
	r, err := x.Registrations.Registration(ctx, ref.Event, ref.Code)
	if err != nil {
		return fmt.Errorf("%s %s/%s: %w", op, ref.Event, ref.Code, err)
	}
	if r.Status == events.StatusCancelled || r.CheckedIn != nil || x.Events == nil {
		return nil
	}
	cat, err := x.Events.Catalog(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	ev, err := cat.Event(ref.Event)
	if err != nil || !e.At.Before(ev.Start) {
		return nil // unpublished or started: the registration stays as it is, erased
	}
	_, err = x.Registrations.Cancel(ctx, ref.Event, ref.Code, ev, func(r *events.Registration) error {
		return r.Cancel(ev, e.By, "删除个人信息", e.At)
	})
	if err != nil && membership.ErrorCode(err) != membership.ECONFLICT {
		return fmt.Errorf("%s %s/%s: %w", op, ref.Event, ref.Code, err)
	}
	return nil
}

// attachments deletes the files of the applications, with every version,
// before their records stop listing them: an erasure the bucket interrupts
// finds them again when it is run again.
func (x *Erasers) attachments(ctx context.Context, p *Person, _ membership.Erasure) error {
	if len(p.Applications) > 0 && x.Applications == nil {
		return membership.Internal("privacy: erase attachments", fmt.Errorf("no application store"))
	}
	for _, n := range p.Applications {
		a, err := x.Applications.Application(ctx, n)
		if err != nil {
			return fmt.Errorf("privacy: erase attachments of %s: %w", n, err)
		}
		if p.Check != nil {
			if err := p.Check(a); err != nil { // on a copy: the update checks again
				return err
			}
		}
		if len(a.Attachments) > 0 && x.Files == nil {
			return membership.Internal("privacy: erase attachments", fmt.Errorf("no uploads bucket"))
		}
		for _, f := range a.Attachments {
			if err := x.Files.Delete(ctx, f.Key(n)); err != nil {
				return fmt.Errorf("privacy: delete attachment of %s: %w", n, err)
			}
		}
	}
	return nil
}
