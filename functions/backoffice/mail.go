package backoffice

import (
	"context"

	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/outbox"
)

// MailStore is where the back office finds the outbox. Implementations:
// dynamo.Store and localstore.Store (storetest.RunOutbox checks both).
type MailStore interface {
	// Mail returns every entry in the state (pending or failed), by due time.
	Mail(ctx context.Context, state outbox.State) ([]outbox.Entry, error)
	// UpdateMail changes the entry with the ID under optimistic locking.
	// Errors: ENOTFOUND, ECONFLICT, fn's.
	UpdateMail(ctx context.Context, id string, fn func(*outbox.Entry) error) (*outbox.Entry, error)
}

// MailItem is a message of the outbox as the secretariat sees it: its ID and
// labels beside the entry (without its data, which may hold a status token).
type MailItem struct {
	ID         string `json:"id"`
	KindLabel  string `json:"kind_label"`
	StateLabel string `json:"state_label"`
	*outbox.Entry
}

// MailList is the answer of GET /api/admin/mail.
type MailList struct {
	State outbox.State `json:"state"`
	Mail  []MailItem   `json:"mail"`
}

func mailItem(e *outbox.Entry) MailItem {
	return MailItem{ID: e.ID(), KindLabel: outbox.KindLabels[e.Kind], StateLabel: outbox.StateLabels[e.State], Entry: e}
}

// Mail lists the messages in the state: failed (the default: those the
// secretariat must look at, a wrong address most often) or pending. Errors:
// EUNAUTHORIZED, EFORBIDDEN, EINVALID for another state.
func (s *Service) Mail(ctx context.Context, state outbox.State) (*MailList, error) {
	if _, err := actor(ctx, membership.TaskRead); err != nil {
		return nil, err
	}
	if state == "" {
		state = outbox.StateFailed
	}
	if state != outbox.StateFailed && state != outbox.StatePending {
		return nil, &membership.Error{Code: membership.EINVALID, Op: "backoffice: list mail", Message: "state 须为 failed 或 pending",
			Fields: map[string]string{"state": "state 须为 failed（发送失败）或 pending（待发送）"}}
	}
	if s.mail == nil {
		return &MailList{State: state, Mail: []MailItem{}}, nil
	}
	es, err := s.mail.Mail(ctx, state)
	if err != nil {
		return nil, err
	}
	out := &MailList{State: state, Mail: make([]MailItem, 0, len(es))}
	for i := range es {
		out.Mail = append(out.Mail, mailItem(&es[i]))
	}
	return out, nil
}

// RetryMail puts a failed message back in the queue, to a corrected address
// when q.To is given (outbox.Entry.Retry); the sender sends it at its next
// run. Errors: EUNAUTHORIZED; EFORBIDDEN unless the secretariat; EINVALID
// without a version or for an address that is not one; ENOTFOUND; ECONFLICT
// when it changed meanwhile or did not fail.
func (s *Service) RetryMail(ctx context.Context, q outbox.RetryRequest) (*MailItem, error) {
	a, err := actor(ctx, membership.TaskMail)
	if err != nil {
		return nil, err
	}
	if err := checkVersion(q.Version); err != nil {
		return nil, err
	}
	if err := membership.CheckInput(&q); err != nil {
		return nil, err
	}
	if s.mail == nil {
		return nil, membership.Errorf(membership.ENOTFOUND, "backoffice: retry mail", "未找到邮件 %s", q.ID)
	}
	if _, _, err := outbox.SplitID(q.ID); err != nil {
		return nil, err
	}
	now := s.now()
	e, err := s.mail.UpdateMail(ctx, q.ID, func(e *outbox.Entry) error {
		if e.Version != q.Version {
			return membership.Errorf(membership.ECONFLICT, "backoffice: retry mail", "邮件 %s 已被他人处理，请刷新后重试", q.ID)
		}
		return e.Retry(a, q.To, now)
	})
	if err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "mail retried", "mail", q.ID, "address_changed", q.To != "", "actor", a.ID)
	it := mailItem(e)
	return &it, nil
}
