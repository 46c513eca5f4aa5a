package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/smelisting/alliance/functions/events"
	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/outbox"
)

// registrationsTable defines the table of event registrations:
//
//	registrations  pk "pk" (S), sk "sk" (S)
//	  seats:        pk "EVENT#<slug>", sk "SEATS": confirmed (N), queue (L of S: the codes of
//	                the waitlisted, first come first), version (N)
//	  registration: pk "EVENT#<slug>", sk "REG#<code>", events.Registration's attributes
//	                (token_hash included)
//	  phone claim:  pk "EVENT#<slug>", sk "PHONE#<phone>", code (S), released (BOOL, set
//	                when its registration is cancelled)
//	  code claim:   pk "CODE#<code>", sk "CODE", event (S)
//
// A registration is one TransactWriteItems: the seats updated on condition that
// events.Admit would still decide the same (a place free and nobody waiting, or
// not), the registration and both claims put on condition that they are new (or
// the phone's released). Concurrent registrations thus never fill N+1 places,
// and the waitlist is the order in which they were written. A cancellation
// writes the seats on condition of the version it read, with the registration,
// the promoted ones and the released claim; the secretariat's promotion into
// free places (补位, Promote) likewise writes the seats and the promoted ones.
// Only Get, Query, Put and Update are used.
func registrationsTable(n TableNames) Table {
	t := Table{Logical: "registrations", Create: dynamodb.CreateTableInput{
		TableName:   aws.String(n.Registrations),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
		},
	}}
	return t
}

func eventPK(event string) string { return "EVENT#" + event }

func regItemKey(event, code string) map[string]types.AttributeValue {
	return itemKey(eventPK(event), "REG#"+code)
}

func phoneKey(event, phone string) map[string]types.AttributeValue {
	return itemKey(eventPK(event), "PHONE#"+phone)
}

func codeKey(code string) map[string]types.AttributeValue { return itemKey("CODE#"+code, "CODE") }

func num(n int) types.AttributeValue { return &types.AttributeValueMemberN{Value: strconv.Itoa(n)} }

// maxRegisterTries bounds the attempts of a write that lost a race for an
// event's seats; between attempts it waits a little, more each time.
const maxRegisterTries = 60

// getRegistration reads the registration of the event with the code.
// Errors: ENOTFOUND, EUNAVAILABLE, EINTERNAL.
func (s *Store) getRegistration(ctx context.Context, op, event, code string) (*events.Registration, error) {
	var r events.Registration
	found, err := s.getItem(ctx, op, s.tables.Registrations, regItemKey(event, code), &r)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, membership.Errorf(membership.ENOTFOUND, op, "未找到报名 %s", code)
	}
	return &r, nil
}

// phoneClaim is the claim of a phone number for an event.
type phoneClaim struct {
	Code     string `dynamodbav:"code"`
	Released bool   `dynamodbav:"released"`
}

// phoneHolder returns the registration of the event holding the phone and
// not cancelled, or nil.
func (s *Store) phoneHolder(ctx context.Context, op, event, phone string) (*events.Registration, error) {
	var c phoneClaim
	found, err := s.getItem(ctx, op, s.tables.Registrations, phoneKey(event, phone), &c)
	if err != nil || !found || c.Released {
		return nil, err
	}
	r, err := s.getRegistration(ctx, op, event, c.Code)
	if err != nil || r.Status == events.StatusCancelled {
		return nil, err
	}
	return r, nil
}

// Seats returns the event's seats (none taken when nobody registered yet).
// Errors: EUNAVAILABLE, EINTERNAL.
func (s *Store) Seats(ctx context.Context, event string) (events.Seats, error) {
	seats := events.Seats{Queue: []string{}}
	_, err := s.getItem(ctx, "dynamo: get seats "+event, s.tables.Registrations, itemKey(eventPK(event), "SEATS"), &seats)
	if seats.Queue == nil {
		seats.Queue = []string{}
	}
	return seats, err
}

// seatsUpdate is the update of the seats that admits a registration with
// the status, on condition that events.Admit still decides so.
func (s *Store) seatsUpdate(event, code string, status events.Status, capacity int) *types.Update {
	u := &types.Update{TableName: aws.String(s.tables.Registrations), Key: itemKey(eventPK(event), "SEATS"),
		ExpressionAttributeNames: map[string]string{"#c": "confirmed", "#q": "queue", "#v": "version"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":zero": num(0), ":one": num(1), ":cap": num(capacity), ":empty": &types.AttributeValueMemberL{Value: []types.AttributeValue{}},
		}}
	if status == events.StatusConfirmed {
		u.UpdateExpression = aws.String("SET #c = if_not_exists(#c, :zero) + :one, #q = if_not_exists(#q, :empty), #v = if_not_exists(#v, :zero) + :one")
		u.ConditionExpression = aws.String("attribute_not_exists(pk) OR (#c < :cap AND size(#q) = :zero)")
		return u
	}
	u.ExpressionAttributeValues[":code"] = &types.AttributeValueMemberL{Value: []types.AttributeValue{str(code)}}
	u.UpdateExpression = aws.String("SET #q = list_append(if_not_exists(#q, :empty), :code), #c = if_not_exists(#c, :zero), #v = if_not_exists(#v, :zero) + :one")
	u.ConditionExpression = aws.String("#c >= :cap OR size(#q) > :zero")
	return u
}

// claimPuts are the puts of a new registration: itself, its phone's claim
// (free or released) and its code's claim, each on condition that it is new.
func (s *Store) claimPuts(r *events.Registration) ([]types.TransactWriteItem, error) {
	regItem, err := marshalItem(r, eventPK(r.Event), "REG#"+r.Code)
	if err != nil {
		return nil, err
	}
	phone, err := marshalItem(phoneClaim{Code: r.Code}, eventPK(r.Event), "PHONE#"+r.Phone)
	if err != nil {
		return nil, err
	}
	code := map[string]types.AttributeValue{"pk": str("CODE#" + r.Code), "sk": str("CODE"), "event": str(r.Event)}
	released := notExists().Or(expression.Name("released").Equal(expression.Value(true)))
	var items []types.TransactWriteItem
	for _, p := range []struct {
		item map[string]types.AttributeValue
		c    expression.ConditionBuilder
	}{{regItem, notExists()}, {phone, released}, {code, notExists()}} {
		put, err := conditionalPut(s.tables.Registrations, p.item, p.c)
		if err != nil {
			return nil, err
		}
		items = append(items, types.TransactWriteItem{Put: put})
	}
	return items, nil
}

// Register decides the registration's status with events.Admit from the
// seats as read and writes it, its claims, the seats, rec and the mail
// telling the registrant (outbox.ForRegistration) in one transaction whose
// conditions hold only while that decision does; a lost
// race is tried again (see httpapi.RegistrationStore). Errors: EINVALID
// (full, no waitlist consent), ECONFLICT (idempotency key taken), EUNAVAILABLE,
// EINTERNAL; lost races and transient failures are tried again (retry.go).
func (s *Store) Register(ctx context.Context, r *events.Registration, ev *events.Event, rec *membership.IdempotencyRecord) (*events.Registration, error) {
	capacity := ev.Capacity
	op := "dynamo: register " + r.Event
	var last error // the last transient failure
	for attempt, transients := 1, 0; attempt <= maxRegisterTries; attempt++ {
		if last != nil {
			if transients++; transients == maxTransientTries {
				return nil, fail(op, last)
			}
			if err := backoff(ctx, attempt); err != nil {
				return nil, fail(op, err)
			}
			last = nil
		}
		existing, err := s.phoneHolder(ctx, op, r.Event, r.Phone)
		var seats events.Seats
		if err == nil && existing == nil {
			seats, err = s.Seats(ctx, r.Event)
		}
		if transient(err) {
			last = err
			continue
		}
		if err != nil || existing != nil {
			return existing, err
		}
		saved := *r
		if saved.Status, err = events.Admit(capacity, seats, r.WaitlistAccepted); err != nil {
			return nil, err
		}
		if saved.Code, err = events.NewCode(); err != nil {
			return nil, err
		}
		items, err := s.claimPuts(&saved)
		if err != nil {
			return nil, fail(op, err)
		}
		items = append([]types.TransactWriteItem{{Update: s.seatsUpdate(r.Event, saved.Code, saved.Status, capacity)}}, items...)
		idem := -1
		if rec != nil {
			put, err := s.idempotencyPut(rec, saved.Code)
			if err != nil {
				return nil, fail(op, err)
			}
			idem, items = len(items), append(items, types.TransactWriteItem{Put: put})
		}
		mails, err := s.mailPuts(outbox.ForRegistration(ev, &saved))
		if err != nil {
			return nil, fail(op, err)
		}
		_, err = s.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: append(items, mails...)})
		if err == nil {
			*r = saved
			if rec != nil {
				rec.Number = saved.Code
			}
			return nil, nil
		}
		failed, ok := failedConditions(err)
		switch {
		case ok && idem >= 0 && idem < len(failed) && failed[idem]:
			return nil, membership.Errorf(membership.ECONFLICT, op, "Idempotency-Key 已被使用")
		case ok && slicesAny(failed), isTransactionConflict(err):
			// the seats changed the decision, the phone or code was taken meanwhile, or
			// another transaction wrote the seats: read again
			if err := backoff(ctx, attempt); err != nil {
				return nil, fail(op, err)
			}
		case transient(err):
			last = err // applied or not: the next read of the phone tells
		default:
			return nil, fail(op, err)
		}
	}
	return nil, membership.Errorf(membership.ECONFLICT, op, "报名人数较多，请稍后重试")
}

func slicesAny(b []bool) bool {
	for _, v := range b {
		if v {
			return true
		}
	}
	return false
}

// Registration returns the registration of the event with the code.
// Errors: ENOTFOUND, EUNAVAILABLE, EINTERNAL.
func (s *Store) Registration(ctx context.Context, event, code string) (*events.Registration, error) {
	return s.getRegistration(ctx, "dynamo: get registration "+code, event, code)
}

// RegistrationByCode returns the registration with the code, of whichever
// event. Errors: ENOTFOUND, EUNAVAILABLE, EINTERNAL.
func (s *Store) RegistrationByCode(ctx context.Context, code string) (*events.Registration, error) {
	op := "dynamo: find registration " + code
	var c struct {
		Event string `dynamodbav:"event"`
	}
	found, err := s.getItem(ctx, op, s.tables.Registrations, codeKey(code), &c)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, membership.Errorf(membership.ENOTFOUND, op, "未找到报名编号 %s", code)
	}
	return s.getRegistration(ctx, op, c.Event, code)
}

// RegistrationByPhone returns the registration of the event holding the
// phone and not cancelled. Errors: ENOTFOUND, EUNAVAILABLE, EINTERNAL.
func (s *Store) RegistrationByPhone(ctx context.Context, event, phone string) (*events.Registration, error) {
	op := "dynamo: find registration by phone"
	r, err := s.phoneHolder(ctx, op, event, phone)
	if err == nil && r == nil {
		err = membership.Errorf(membership.ENOTFOUND, op, "本活动没有手机号码为 %s 的报名", phone)
	}
	return r, err
}

// Registrations lists the registrations of the event (a strongly consistent,
// paginated Query of its partition).
func (s *Store) Registrations(ctx context.Context, event string) ([]events.Registration, error) {
	op := "dynamo: list registrations " + event
	e, err := expression.NewBuilder().WithKeyCondition(expression.Key("pk").Equal(expression.Value(eventPK(event))).
		And(expression.Key("sk").BeginsWith("REG#"))).Build()
	if err != nil {
		return nil, fail(op, err)
	}
	regs := []events.Registration{}
	err = s.queryAll(ctx, &dynamodb.QueryInput{
		TableName: aws.String(s.tables.Registrations), ConsistentRead: aws.Bool(true),
		KeyConditionExpression: e.KeyCondition(), ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values(),
	}, &regs)
	if err != nil {
		return nil, fail(op, err)
	}
	return regs, nil
}

// versionedPut is the put of a registration on condition that its version is
// still the one read.
func (s *Store) versionedPut(r *events.Registration, read int) (types.TransactWriteItem, error) {
	item, err := marshalItem(r, eventPK(r.Event), "REG#"+r.Code)
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	put, err := conditionalPut(s.tables.Registrations, item, versionIs(read))
	return types.TransactWriteItem{Put: put}, err
}

// Cancel cancels the registration with fn, frees its seat and its phone and
// promotes the first waiting into the freed places (events.Promotions), with
// the mail telling each of them, in one transaction conditional on the
// versions read; a lost race is tried
// again. Errors: ENOTFOUND, fn's error, EUNAVAILABLE, EINTERNAL.
func (s *Store) Cancel(ctx context.Context, event, code string, ev *events.Event, fn func(*events.Registration) error) (*events.Registration, error) {
	op := "dynamo: cancel registration " + code
	var done *events.Registration
	err := raced(ctx, op, "操作繁忙，请稍后重试", func() error {
		r, err := s.getRegistration(ctx, op, event, code)
		if err != nil {
			return err
		}
		was, read := r.Status, r.Version
		if err := fn(r); err != nil {
			return err
		}
		if r.Status != events.StatusCancelled {
			return membership.Internal(op, errors.New("fn did not cancel the registration"))
		}
		r.Version++
		items, err := s.cancelWrites(ctx, op, r, was, read, ev)
		if err != nil {
			return err
		}
		done = r
		return s.transactSeats(ctx, items)
	})
	if err != nil {
		return nil, err
	}
	return done, nil
}

// Promote gives the free places of ev to the first waiting, as many as
// events.Promotions says, each promoted by fn, with the mail that tells each,
// in one transaction conditional on the versions read; a lost race (a registration
// or cancellation meanwhile) is tried again. It returns those promoted, none
// when no place is free or nobody waits. Errors: fn's error (nothing is
// written), EUNAVAILABLE, EINTERNAL.
func (s *Store) Promote(ctx context.Context, ev *events.Event, fn func(*events.Registration) error) ([]events.Registration, error) {
	event := ev.Slug
	op := "dynamo: promote " + event
	var promoted []events.Registration
	err := raced(ctx, op, "补位繁忙，请稍后重试", func() error {
		promoted = nil
		seats, err := s.Seats(ctx, event)
		if err != nil {
			return err
		}
		read := seats.Version
		items, ps, err := s.promotionWrites(ctx, op, ev, &seats, fn)
		if err != nil || len(ps) == 0 {
			return err
		}
		put, err := s.seatsPut(event, seats, read)
		if err != nil {
			return fail(op, err)
		}
		if err := s.transactSeats(ctx, append(items, put)); err != nil {
			return err
		}
		promoted = ps
		return nil
	})
	if err != nil {
		return nil, err
	}
	return promoted, nil
}

// errLostRace says that a conditional write of an event's seats lost to
// another write: raced reads the state again and writes again.
var errLostRace = errors.New("dynamo: another write changed the event's seats")

// raced runs try, which reads what it changes and writes it conditionally,
// until it succeeds or fails for good: again after a backoff when it lost a
// race (errLostRace), at most maxRegisterTries times, or failed transiently
// (the read shows whether the write was applied after all), at most
// maxTransientTries times. Errors: try's domain errors; ECONFLICT saying busy
// when every race was lost; EUNAVAILABLE, EINTERNAL.
func raced(ctx context.Context, op, busy string, try func() error) error {
	transients := 0
	for attempt := 1; attempt <= maxRegisterTries; attempt++ {
		err := try()
		switch {
		case err == nil:
			return nil
		case errors.Is(err, errLostRace):
		case transient(err):
			if transients++; transients == maxTransientTries {
				return fail(op, err)
			}
		default:
			return fail(op, err)
		}
		if err := backoff(ctx, attempt); err != nil {
			return fail(op, err)
		}
	}
	return membership.Errorf(membership.ECONFLICT, op, "%s", busy)
}

// transactSeats writes a change of an event's seats in one transaction:
// errLostRace when one of its conditions failed or another transaction was
// writing the same items.
func (s *Store) transactSeats(ctx context.Context, items []types.TransactWriteItem) error {
	_, err := s.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if _, ok := failedConditions(err); ok || isTransactionConflict(err) {
		return errLostRace
	}
	return err
}

// cancelWrites are the writes of a cancellation of r (which was was, at
// version read) for ev: the registration, the seats, the promoted with their
// mail and the released phone claim.
func (s *Store) cancelWrites(ctx context.Context, op string, r *events.Registration, was events.Status, read int, ev *events.Event) ([]types.TransactWriteItem, error) {
	seats, err := s.Seats(ctx, r.Event)
	if err != nil {
		return nil, err
	}
	seatsRead := seats.Version
	switch {
	case was == events.StatusConfirmed && !r.WalkIn:
		seats.Confirmed--
	case was == events.StatusWaitlisted:
		if i := seats.Position(r.Code); i > 0 {
			seats.Queue = append(seats.Queue[:i-1:i-1], seats.Queue[i:]...)
		}
	}
	now := s.now()
	items, _, err := s.promotionWrites(ctx, op, ev, &seats, func(p *events.Registration) error { return p.Promote(now) })
	if err != nil {
		return nil, err
	}
	seatsPut, err := s.seatsPut(r.Event, seats, seatsRead)
	if err != nil {
		return nil, fail(op, err)
	}
	regPut, err := s.versionedPut(r, read)
	if err != nil {
		return nil, fail(op, err)
	}
	phone, err := marshalItem(phoneClaim{Code: r.Code, Released: true}, eventPK(r.Event), "PHONE#"+r.Phone)
	if err != nil {
		return nil, fail(op, err)
	}
	phonePut, err := conditionalPut(s.tables.Registrations, phone, expression.Name("code").Equal(expression.Value(r.Code)))
	if err != nil {
		return nil, fail(op, err)
	}
	return append(items, seatsPut, regPut, types.TransactWriteItem{Put: phonePut}), nil
}

// promotionWrites promotes with fn the first waiting of seats into the free
// places of ev (events.Promotions) and returns the puts of the promoted
// registrations, each on condition of the version read, with the mail that
// tells each (outbox.ForPromotion), and the promoted; seats is changed to
// match. Errors: errLostRace when the seats read are older than one of them
// (no longer waiting), fn's error.
func (s *Store) promotionWrites(ctx context.Context, op string, ev *events.Event, seats *events.Seats, fn func(*events.Registration) error) ([]types.TransactWriteItem, []events.Registration, error) {
	n := events.Promotions(ev.Capacity, *seats)
	var items []types.TransactWriteItem
	var promoted []events.Registration
	for _, c := range seats.Queue[:n] {
		p, err := s.getRegistration(ctx, op, ev.Slug, c)
		if err != nil {
			return nil, nil, err
		}
		if p.Status != events.StatusWaitlisted {
			return nil, nil, errLostRace
		}
		read := p.Version
		if err := fn(p); err != nil {
			return nil, nil, err
		}
		if p.Status != events.StatusConfirmed || p.PromotedAt == nil {
			return nil, nil, membership.Internal(op, errors.New("fn did not promote the registration"))
		}
		p.Version++
		it, err := s.versionedPut(p, read)
		if err != nil {
			return nil, nil, fail(op, err)
		}
		mail, err := s.mailPuts(outbox.ForPromotion(ev, p, *p.PromotedAt))
		if err != nil {
			return nil, nil, fail(op, err)
		}
		items, promoted = append(append(items, it), mail...), append(promoted, *p)
	}
	seats.Queue, seats.Confirmed = seats.Queue[n:], seats.Confirmed+n
	return items, promoted, nil
}

// seatsPut is the put of an event's seats on condition that they are still at
// the version read (0: not written yet).
func (s *Store) seatsPut(event string, seats events.Seats, read int) (types.TransactWriteItem, error) {
	seats.Version = read + 1
	item, err := marshalItem(seats, eventPK(event), "SEATS")
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	cond := versionIs(read)
	if read == 0 {
		cond = notExists()
	}
	put, err := conditionalPut(s.tables.Registrations, item, cond)
	return types.TransactWriteItem{Put: put}, err
}

// attendanceWrites are the writes that record a: on condition that the
// member exists and has no current record of the event (a voided one is kept
// under its void key first, as AddAttendance does). current is true, and
// there is nothing to write, when a current record is already on file.
func (s *Store) attendanceWrites(ctx context.Context, op string, a *membership.Attendance) (items []types.TransactWriteItem, current bool, err error) {
	sk := a.Member + "#" + a.Event
	var old membership.Attendance
	found, err := s.getItem(ctx, op, s.tables.Members, itemKey(partAttendance, sk), &old)
	if err != nil {
		return nil, false, err
	}
	if found && old.Voided == nil {
		return nil, true, nil
	}
	cond := notExists()
	if found {
		voidedAt, err := attributevalue.Marshal(old.Voided.At)
		if err != nil {
			return nil, false, fail(op, err)
		}
		cond = expression.Name("voided.at").Equal(expression.Value(voidedAt))
		kept, err := marshalItem(&old, partAttendance, voidKey(sk, old.Voided))
		if err != nil {
			return nil, false, fail(op, err)
		}
		put, err := conditionalPut(s.tables.Members, kept, notExists())
		if err != nil {
			return nil, false, fail(op, err)
		}
		items = append(items, types.TransactWriteItem{Put: put})
	}
	item, err := marshalItem(a, partAttendance, sk)
	if err != nil {
		return nil, false, fail(op, err)
	}
	put, err := conditionalPut(s.tables.Members, item, cond)
	if err != nil {
		return nil, false, fail(op, err)
	}
	exists, err := condition(expression.AttributeExists(expression.Name("pk")))
	if err != nil {
		return nil, false, fail(op, err)
	}
	return append(items,
		types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: aws.String(s.tables.Members), Key: itemKey(partMembers, a.Member),
			ConditionExpression: exists.Condition(), ExpressionAttributeNames: exists.Names()}},
		types.TransactWriteItem{Put: put}), false, nil
}

// CheckIn checks the registration in with fn and records the attendance fn
// returns (unless the member's attendance of the event is already on file)
// in one transaction, on condition of the registration's version.
// Errors: ENOTFOUND, ECONFLICT (version), fn's error, EUNAVAILABLE, EINTERNAL.
func (s *Store) CheckIn(ctx context.Context, event, code string, expected int, fn func(*events.Registration) (*membership.Attendance, error)) (*events.Registration, bool, error) {
	op := "dynamo: check in " + code
	for attempt := 1; attempt <= 5; attempt++ {
		r, err := s.registrationAt(ctx, op, event, code, expected)
		if err != nil {
			return nil, false, err
		}
		read := r.Version
		att, err := fn(r)
		if err != nil {
			return nil, false, err
		}
		r.Version++
		reg, err := s.versionedPut(r, read)
		if err != nil {
			return nil, false, fail(op, err)
		}
		items, current := []types.TransactWriteItem{reg}, true
		if att != nil {
			var more []types.TransactWriteItem
			if more, current, err = s.attendanceWrites(ctx, op, att); err != nil {
				return nil, false, err
			}
			items = append(items, more...)
		}
		_, err = s.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		if err == nil {
			return r, !current, nil
		}
		failed, ok := failedConditions(err)
		switch {
		case ok && failed[0], isTransactionConflict(err) && expected != 0:
			return nil, false, errChanged(op, code)
		case ok && len(failed) > 1 && failed[len(failed)-2]:
			return nil, false, membership.Errorf(membership.ENOTFOUND, op, "未找到会员 %s", att.Member)
		case ok || isTransactionConflict(err): // the attendance was entered meanwhile: read again
			if err := backoff(ctx, attempt); err != nil {
				return nil, false, fail(op, err)
			}
			continue
		}
		return nil, false, fail(op, err)
	}
	return nil, false, membership.Errorf(membership.ECONFLICT, op, "签到繁忙，请重试")
}

// registrationAt reads a registration and checks that it is at the version
// the clerk read (expected; 0 takes any). Errors: ENOTFOUND, ECONFLICT,
// EUNAVAILABLE, EINTERNAL.
func (s *Store) registrationAt(ctx context.Context, op, event, code string, expected int) (*events.Registration, error) {
	r, err := s.getRegistration(ctx, op, event, code)
	if err != nil {
		return nil, err
	}
	if expected != 0 && r.Version != expected {
		return nil, errChanged(op, code)
	}
	return r, nil
}

// errChanged is the conflict of a registration changed since the clerk read it.
func errChanged(op, code string) error {
	return membership.Errorf(membership.ECONFLICT, op, "报名 %s 已被他人修改，请刷新后重试", code)
}

// VoidCheckIn voids the check-in with fn and, with the same void, the
// attendance that check-in recorded, in one transaction on condition of the
// versions read. Errors: ENOTFOUND, ECONFLICT, fn's error, EUNAVAILABLE, EINTERNAL.
func (s *Store) VoidCheckIn(ctx context.Context, event, code string, expected int, fn func(*events.Registration) (*membership.Void, error)) (*events.Registration, bool, error) {
	op := "dynamo: void check-in " + code
	r, err := s.registrationAt(ctx, op, event, code, expected)
	if err != nil {
		return nil, false, err
	}
	read := r.Version
	v, err := fn(r)
	if err != nil {
		return nil, false, err
	}
	r.Version++
	reg, err := s.versionedPut(r, read)
	if err != nil {
		return nil, false, fail(op, err)
	}
	items := []types.TransactWriteItem{reg}
	if r.Member != "" {
		var a membership.Attendance
		found, err := s.getItem(ctx, op, s.tables.Members, itemKey(partAttendance, r.Member+"#"+event), &a)
		if err != nil {
			return nil, false, err
		}
		if found && a.Voided == nil && a.Registration == code {
			recordedAt, err := attributevalue.Marshal(a.RecordedAt)
			if err != nil {
				return nil, false, fail(op, err)
			}
			a.Voided = v
			item, err := marshalItem(&a, partAttendance, r.Member+"#"+event)
			if err != nil {
				return nil, false, fail(op, err)
			}
			put, err := conditionalPut(s.tables.Members, item, expression.Name("recorded_at").Equal(expression.Value(recordedAt)).
				And(expression.AttributeNotExists(expression.Name("voided"))))
			if err != nil {
				return nil, false, fail(op, err)
			}
			items = append(items, types.TransactWriteItem{Put: put})
		}
	}
	_, err = s.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if _, ok := failedConditions(err); ok || isTransactionConflict(err) {
		return nil, false, errChanged(op, code)
	}
	if err != nil {
		return nil, false, fail(op, err)
	}
	return r, len(items) > 1, nil
}

// WalkIn stores a walk-in registration (checked in, outside the capacity)
// with a fresh code, its claims and the attendance it records (its
// Registration set to the code) unless already on file, in one transaction.
// Errors: ECONFLICT when the phone holds a registration of the event, EUNAVAILABLE, EINTERNAL.
func (s *Store) WalkIn(ctx context.Context, r *events.Registration, att *membership.Attendance) (bool, error) {
	op := "dynamo: walk in " + r.Event
	for attempt := 1; attempt <= 5; attempt++ {
		old, err := s.phoneHolder(ctx, op, r.Event, r.Phone)
		if err != nil {
			return false, err
		}
		if old != nil {
			return false, membership.Errorf(membership.ECONFLICT, op, "手机号码 %s 已有本活动的报名 %s，请按报名编号签到", r.Phone, old.Code)
		}
		saved := *r
		if saved.Code, err = events.NewCode(); err != nil {
			return false, err
		}
		items, err := s.claimPuts(&saved)
		if err != nil {
			return false, fail(op, err)
		}
		current := true
		if att != nil {
			a := *att
			a.Registration = saved.Code
			var more []types.TransactWriteItem
			if more, current, err = s.attendanceWrites(ctx, op, &a); err != nil {
				return false, err
			}
			items = append(items, more...)
		}
		_, err = s.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		if err == nil {
			*r = saved
			if att != nil && !current {
				att.Registration = saved.Code
			}
			return !current, nil
		}
		if _, ok := failedConditions(err); !ok && !isTransactionConflict(err) {
			return false, fail(op, err)
		}
		if err := backoff(ctx, attempt); err != nil { // the phone or the attendance was taken meanwhile: read again
			return false, fail(op, err)
		}
	}
	return false, membership.Errorf(membership.ECONFLICT, op, "现场报名繁忙，请重试")
}

// MemberStatus returns the status and name of the member with the
// certificate number ("" when there is none), reading only those two
// attributes: the public function's role may read no other of a member's.
func (s *Store) MemberStatus(ctx context.Context, certificate string) (membership.MemberStatus, string, error) {
	op := "dynamo: member status " + certificate
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.tables.Members), Key: itemKey(partMembers, certificate), ConsistentRead: aws.Bool(true),
		ProjectionExpression:     aws.String("#s, #p.#n"),
		ExpressionAttributeNames: map[string]string{"#s": "status", "#p": "profile", "#n": "name"},
	})
	if err != nil {
		return "", "", fail(op, err)
	}
	var m struct {
		Status  membership.MemberStatus `dynamodbav:"status"`
		Profile struct {
			Name string `dynamodbav:"name"`
		} `dynamodbav:"profile"`
	}
	if err := attributevalue.UnmarshalMap(out.Item, &m); err != nil {
		return "", "", fail(op, fmt.Errorf("unmarshal: %w", err))
	}
	return m.Status, m.Profile.Name, nil
}

// EraseRegistration erases the registration with fn and stores it on
// condition of the version read, together with the deletion of its phone's
// claim on the event when that claim still names it (the claim's key holds
// the phone), in one transaction. Errors: ENOTFOUND, ECONFLICT when another
// write came first, fn's error, EUNAVAILABLE, EINTERNAL.
func (s *Store) EraseRegistration(ctx context.Context, event, code string, fn func(*events.Registration) error) (*events.Registration, error) {
	op := "dynamo: erase registration " + code
	r, err := s.getRegistration(ctx, op, event, code)
	if err != nil {
		return nil, err
	}
	read, phone := r.Version, r.Phone
	if err := fn(r); err != nil {
		return nil, err
	}
	r.Version++
	reg, err := s.versionedPut(r, read)
	if err != nil {
		return nil, fail(op, err)
	}
	items := []types.TransactWriteItem{reg}
	if phone != "" {
		var claim struct {
			Code string `dynamodbav:"code"`
		}
		found, err := s.getItem(ctx, op, s.tables.Registrations, phoneKey(event, phone), &claim)
		if err != nil {
			return nil, err
		}
		if found && claim.Code == code {
			items = append(items, types.TransactWriteItem{Delete: &types.Delete{TableName: aws.String(s.tables.Registrations),
				Key: phoneKey(event, phone), ConditionExpression: aws.String("code = :code"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":code": str(code)}}})
		}
	}
	if err := s.transact(ctx, items); err != nil {
		if _, ok := failedConditions(err); ok {
			return nil, membership.Errorf(membership.ECONFLICT, op, "报名 %s 已被他人修改，请重试", code)
		}
		return nil, fail(op, err)
	}
	return r, nil
}
