package events

import (
	"slices"

	"github.com/smelisting/alliance/functions/membership"
)

// Seats is how an event's places are taken: the confirmed registrations and
// the waitlist, in arrival order. Stores keep it in one record that every
// registration, cancellation and promotion changes atomically.
type Seats struct {
	Confirmed int      `json:"confirmed" dynamodbav:"confirmed"`
	Queue     []string `json:"queue" dynamodbav:"queue"` // codes of the waitlisted registrations, first come first
	Version   int      `json:"version" dynamodbav:"version"`
}

// Waiting is the length of the waitlist.
func (s Seats) Waiting() int { return len(s.Queue) }

// Left returns the places still free of capacity.
func (s Seats) Left(capacity int) int { return max(0, capacity-s.Confirmed) }

// Position returns the 1-based place of the code on the waitlist, 0 when it
// is not on it.
func (s Seats) Position(code string) int { return slices.Index(s.Queue, code) + 1 }

// Admit decides the status of a new registration: confirmed while a place is
// free and nobody waits for one, else waitlisted if the registrant agreed to
// wait. A place freed while people wait goes to the first of them (see
// Promotions), never to a newcomer. Errors: EINVALID when the event is full
// and the registrant did not agree to the waitlist (nothing is stored then).
func Admit(capacity int, s Seats, waitlistAccepted bool) (Status, error) {
	if s.Confirmed < capacity && len(s.Queue) == 0 {
		return StatusConfirmed, nil
	}
	if waitlistAccepted {
		return StatusWaitlisted, nil
	}
	msg := "名额已满。如愿意候补，请勾选“名额已满时进入候补名单”后重新提交；有人取消时按候补顺序递补"
	return "", &membership.Error{Code: membership.EINVALID, Op: "events: admit", Message: msg,
		Fields: map[string]string{"waitlist_accepted": msg}}
}

// MaxPromotions bounds the registrations one change promotes: a store
// writes each with the mail that tells it (package outbox) in one atomic
// write, and a cancellation's also holds the seats, the cancelled
// registration and its phone's claim, 3 + 2×3 = 9 items, within the 10 a
// DynamoDB transaction took until 2020 (DynamoDB Local 1.11, which the tests
// run, still enforces it).
const MaxPromotions = 3

// Promotions returns how many of the waiting one write promotes when
// confirmed registrations hold the places: as many as places are free, first
// come first, at most MaxPromotions at once (Promotable says how many in all).
func Promotions(capacity int, s Seats) int { return min(Promotable(capacity, s), MaxPromotions) }

// Promotable returns how many of the waiting the free places would take: as
// many as places are free, first come first. Places free while people wait
// when the capacity was raised (in the content) or a place was freed
// otherwise than by a cancellation; the secretariat fills them (补位).
func Promotable(capacity int, s Seats) int { return min(len(s.Queue), max(0, capacity-s.Confirmed)) }
