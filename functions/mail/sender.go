package mail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/smelisting/alliance/functions/outbox"
)

// Provider sends one composed message and returns its id for the message
// (the SMTP server's answer, SES's MessageId). A failure is a *Failure when
// the provider can say whether a retry may succeed; any other error counts
// as passing.
type Provider interface {
	Send(ctx context.Context, m *gomail.Msg) (id string, err error)
}

// Failure is a provider's refusal: Code is a short name of it without
// personal data, fit for the log (an SMTP reply code and enhanced status,
// an SES error code); Permanent says that no retry will mend it (the
// mailbox does not exist, the message is refused); Err is the whole answer,
// which may name the address and is kept for the secretariat only.
type Failure struct {
	Code      string
	Permanent bool
	Err       error
}

func (f *Failure) Error() string { return f.Code + ": " + f.Err.Error() }
func (f *Failure) Unwrap() error { return f.Err }

// permanent marks err as a failure no retry mends.
func permanent(err error) error { return &Failure{Code: "invalid", Permanent: true, Err: err} }

// Outbox is where the sender finds the entries: DueMail lists those due at
// now, soonest first; ClaimMail claims a batch of them (one write where the
// store can); UpdateMail changes one under optimistic locking (the stores'
// outbox methods; storetest.RunOutbox checks both).
type Outbox interface {
	DueMail(ctx context.Context, now time.Time, limit int) ([]outbox.Entry, error)
	ClaimMail(ctx context.Context, ids []string, fn func(*outbox.Entry) error) ([]outbox.Entry, error)
	UpdateMail(ctx context.Context, id string, fn func(*outbox.Entry) error) (*outbox.Entry, error)
}

// SenderConfig is what a Sender needs; zero values take the defaults.
type SenderConfig struct {
	Outbox   Outbox
	Provider Provider
	Renderer *Renderer
	Workers  int           // messages sent at once; default 4
	Batch    int           // entries read per query; default 50
	Lease    time.Duration // default outbox.Lease
	Log      *slog.Logger  // nil: discard
	Now      func() time.Time
}

// Sender drains an outbox through a provider.
type Sender struct {
	cfg   SenderConfig
	owner string
}

// NewSender returns a sender with a fresh owner id for its leases.
func NewSender(cfg SenderConfig) *Sender {
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 50
	}
	if cfg.Lease <= 0 {
		cfg.Lease = outbox.Lease
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return &Sender{cfg: cfg, owner: hex.EncodeToString(b)}
}

// Stats counts what a drain did.
type Stats struct {
	Sent    int `json:"sent"`
	Retried int `json:"retried"` // failed for now, to be tried again
	Failed  int `json:"failed"`  // given up: shown to the secretariat
}

func (s *Stats) add(o Stats) {
	s.Sent, s.Retried, s.Failed = s.Sent+o.Sent, s.Retried+o.Retried, s.Failed+o.Failed
}

// Drain sends every entry due now, Workers at a time, until none is due or
// ctx ends; an entry another sender holds is left to it. It returns what it
// did; an error only when the outbox could not be read.
func (s *Sender) Drain(ctx context.Context) (Stats, error) {
	var total Stats
	for ctx.Err() == nil {
		due, err := s.cfg.Outbox.DueMail(ctx, s.cfg.Now(), s.cfg.Batch)
		if err != nil {
			return total, fmt.Errorf("mail: drain: %w", err)
		}
		ids := make([]string, len(due))
		for i := range due {
			ids[i] = due[i].ID()
		}
		claimed, err := s.cfg.Outbox.ClaimMail(ctx, ids, func(e *outbox.Entry) error {
			return e.Claim(s.owner, s.cfg.Now(), s.cfg.Lease)
		})
		if len(claimed) == 0 {
			if err != nil {
				return total, fmt.Errorf("mail: drain: claim: %w", err)
			}
			return total, nil // none due, or all held by another sender (or an index that lags): theirs
		}
		total.add(s.sendAll(ctx, claimed))
	}
	return total, nil
}

// sendAll sends the claimed entries with Workers goroutines.
func (s *Sender) sendAll(ctx context.Context, claimed []outbox.Entry) Stats {
	var (
		mu    sync.Mutex
		total Stats
		wg    sync.WaitGroup
	)
	work := make(chan *outbox.Entry)
	for range min(s.cfg.Workers, len(claimed)) {
		wg.Go(func() {
			for e := range work {
				st := s.one(ctx, e)
				mu.Lock()
				total.add(st)
				mu.Unlock()
			}
		})
	}
	for i := range claimed {
		work <- &claimed[i] // even when ctx ended: a claimed entry is sent or put back now, not after its lease
	}
	close(work)
	wg.Wait()
	return total
}

// one sends a claimed entry and records the outcome.
func (s *Sender) one(ctx context.Context, e *outbox.Entry) (st Stats) {
	id := e.ID()
	providerID, sendErr := s.send(ctx, e)
	// The outcome is recorded even when ctx ended meanwhile (a Lambda
	// invocation's deadline): a message sent and not marked would be sent again.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	var f *Failure
	permanentFailure := errors.As(sendErr, &f) && f.Permanent
	after, err := s.cfg.Outbox.UpdateMail(fctx, id, func(e *outbox.Entry) error {
		if sendErr == nil {
			return e.Sent(s.owner, providerID, s.cfg.Now())
		}
		return e.Failed(s.owner, sendErr.Error(), permanentFailure, s.cfg.Now())
	})
	attrs := []any{"mail", id, "kind", e.Kind, "attempt", e.Attempts}
	switch {
	case err != nil:
		// Sent (or not) but not recorded: the lease ends and the entry is tried again.
		s.cfg.Log.ErrorContext(ctx, "mail: record outcome", append(attrs, "sent", sendErr == nil, "err", err.Error())...)
	case sendErr == nil:
		st.Sent++
		s.cfg.Log.InfoContext(ctx, "mail sent", attrs...)
	case after.State == outbox.StateFailed:
		st.Failed++
		s.cfg.Log.ErrorContext(ctx, "mail failed: shown to the secretariat", append(attrs, "reason", reason(sendErr))...)
	default:
		st.Retried++
		s.cfg.Log.WarnContext(ctx, "mail not sent: will retry", append(attrs, "reason", reason(sendErr), "next", after.Due)...)
	}
	return st
}

// send composes and sends the entry within outbox.SendTimeout.
func (s *Sender) send(ctx context.Context, e *outbox.Entry) (string, error) {
	m, err := s.cfg.Renderer.Compose(e, s.cfg.Now())
	if err != nil {
		return "", err
	}
	sctx, cancel := context.WithTimeout(ctx, outbox.SendTimeout)
	defer cancel()
	return s.cfg.Provider.Send(sctx, m)
}

// reason is what the log says of a failed send: the provider's code, never
// its whole answer (which may hold the address).
func reason(err error) string {
	var f *Failure
	if errors.As(err, &f) {
		return f.Code
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timeout"
	}
	return "error"
}

// Run drains the outbox now and then every interval until ctx ends (the
// in-process sender of `alliance serve`); a drain that cannot read the
// outbox is logged and tried again at the next tick.
func (s *Sender) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := s.Drain(ctx); err != nil && ctx.Err() == nil {
			s.cfg.Log.WarnContext(ctx, "mail: drain", "err", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
