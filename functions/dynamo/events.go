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
// the promoted ones and the released claim. Only Get, Query, Put and Update are
// used.
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
// seats as read and writes it, its claims, the seats and rec in one
// transaction whose conditions hold only while that decision does; a lost
// race is tried again (see httpapi.RegistrationStore). Errors: EINVALID
// (full, no waitlist consent), ECONFLICT (idempotency key taken), EUNAVAILABLE,
// EINTERNAL; lost races and transient failures are tried again (retry.go).
func (s *Store) Register(ctx context.Context, r *events.Registration, capacity int, rec *membership.IdempotencyRecord) (*events.Registration, error) {
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
		if rec != nil {
			put, err := s.idempotencyPut(rec, saved.Code)
			if err != nil {
				return nil, fail(op, err)
			}
			items = append(items, types.TransactWriteItem{Put: put})
		}
		_, err = s.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		if err == nil {
			*r = saved
			if rec != nil {
				rec.Number = saved.Code
			}
			return nil, nil
		}
		failed, ok := failedConditions(err)
		switch {
		case ok && len(failed) == 5 && failed[4]:
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
	p := dynamodb.NewQueryPaginator(s.client, &dynamodb.QueryInput{
		TableName: aws.String(s.tables.Registrations), ConsistentRead: aws.Bool(true),
		KeyConditionExpression: e.KeyCondition(), ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values(),
	})
	regs := []events.Registration{}
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fail(op, err)
		}
		var got []events.Registration
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &got); err != nil {
			return nil, fail(op, err)
		}
		regs = append(regs, got...)
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
// promotes the first waiting into the freed places (events.Promotions), in
// one transaction conditional on the versions read; a lost race is tried
// again. Errors: ENOTFOUND, fn's error, EUNAVAILABLE, EINTERNAL.
func (s *Store) Cancel(ctx context.Context, event, code string, capacity int, fn func(*events.Registration) error) (*events.Registration, error) {
	op := "dynamo: cancel registration " + code
	transients := 0
	for attempt := 1; attempt <= maxRegisterTries; attempt++ {
		r, err := s.getRegistration(ctx, op, event, code)
		if err == nil {
			was, read := r.Status, r.Version
			if err := fn(r); err != nil {
				return nil, err
			}
			if r.Status != events.StatusCancelled {
				return nil, membership.Internal(op, errors.New("fn did not cancel the registration"))
			}
			r.Version++
			var items []types.TransactWriteItem
			if items, err = s.cancelWrites(ctx, op, r, was, read, capacity); err == nil {
				if _, err = s.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items}); err == nil {
					return r, nil
				}
				if _, ok := failedConditions(err); ok || isTransactionConflict(err) {
					err = nil // a registration or the seats changed since read: read again
				}
			} else if membership.ErrorCode(err) == membership.ECONFLICT {
				err = nil // the seats read were older than a registration to promote: read again
			}
		}
		switch {
		case err == nil:
		case transient(err):
			if transients++; transients == maxTransientTries {
				return nil, fail(op, err)
			}
		default:
			return nil, fail(op, err)
		}
		if err := backoff(ctx, attempt); err != nil {
			return nil, fail(op, err)
		}
	}
	return nil, membership.Errorf(membership.ECONFLICT, op, "操作繁忙，请稍后重试")
}

// cancelWrites are the writes of a cancellation of r (which was was, at
// version read): the registration, the seats, the promoted and the released
// phone claim.
func (s *Store) cancelWrites(ctx context.Context, op string, r *events.Registration, was events.Status, read, capacity int) ([]types.TransactWriteItem, error) {
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
	var items []types.TransactWriteItem
	n := events.Promotions(capacity, seats)
	for _, c := range seats.Queue[:n] {
		p, err := s.getRegistration(ctx, op, r.Event, c)
		if err != nil {
			return nil, err
		}
		pRead := p.Version
		if err := p.Promote(s.now()); err != nil {
			return nil, err
		}
		p.Version++
		it, err := s.versionedPut(p, pRead)
		if err != nil {
			return nil, fail(op, err)
		}
		items = append(items, it)
	}
	seats.Queue, seats.Confirmed, seats.Version = seats.Queue[n:], seats.Confirmed+n, seatsRead+1
	seatsItem, err := marshalItem(seats, eventPK(r.Event), "SEATS")
	if err != nil {
		return nil, fail(op, err)
	}
	seatsCond := versionIs(seatsRead)
	if seatsRead == 0 {
		seatsCond = notExists()
	}
	seatsPut, err := conditionalPut(s.tables.Registrations, seatsItem, seatsCond)
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
	return append(items, types.TransactWriteItem{Put: seatsPut}, regPut, types.TransactWriteItem{Put: phonePut}), nil
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
		r, err := s.getRegistration(ctx, op, event, code)
		if err != nil {
			return nil, false, err
		}
		read := r.Version
		if expected != 0 && read != expected {
			return nil, false, membership.Errorf(membership.ECONFLICT, op, "报名 %s 已被他人修改，请刷新后重试", code)
		}
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
			return nil, false, membership.Errorf(membership.ECONFLICT, op, "报名 %s 已被他人修改，请刷新后重试", code)
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

// VoidCheckIn voids the check-in with fn and, with the same void, the
// attendance that check-in recorded, in one transaction on condition of the
// versions read. Errors: ENOTFOUND, ECONFLICT, fn's error, EUNAVAILABLE, EINTERNAL.
func (s *Store) VoidCheckIn(ctx context.Context, event, code string, expected int, fn func(*events.Registration) (*membership.Void, error)) (*events.Registration, bool, error) {
	op := "dynamo: void check-in " + code
	r, err := s.getRegistration(ctx, op, event, code)
	if err != nil {
		return nil, false, err
	}
	read := r.Version
	if expected != 0 && read != expected {
		return nil, false, membership.Errorf(membership.ECONFLICT, op, "报名 %s 已被他人修改，请刷新后重试", code)
	}
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
		return nil, false, membership.Errorf(membership.ECONFLICT, op, "报名 %s 已被他人修改，请刷新后重试", code)
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
