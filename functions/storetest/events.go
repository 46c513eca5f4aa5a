package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/smelisting/alliance/functions/backoffice"
	"github.com/smelisting/alliance/functions/events"
	"github.com/smelisting/alliance/functions/httpapi"
	"github.com/smelisting/alliance/functions/membership"
)

// EventStore is a store of everything: applications, the back office's
// records and event registrations. dynamo.Store and localstore.Store are both.
type EventStore interface {
	AdminStore
	httpapi.RegistrationStore
	backoffice.EventStore
	// EraseRegistration: see privacy.RegistrationStore.
	EraseRegistration(ctx context.Context, event, code string, fn func(*events.Registration) error) (*events.Registration, error)
}

// NewEventStore returns an empty store for one test.
type NewEventStore func(t *testing.T) EventStore

// RunEvents runs the contract suite of event registrations against stores
// made by newStore; EventsConcurrency adds the numbers under load.
func RunEvents(t *testing.T, newStore NewEventStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s EventStore)
	}{
		{"RegisterAndReadBack", testRegister},
		{"SamePhoneGetsTheExistingRegistration", testSamePhone},
		{"FullWithoutConsentStoresNothing", testFullWithoutConsent},
		{"WaitlistInArrivalOrderAndPromotion", testWaitlist},
		{"IdempotencyRecordWithRegistration", testRegisterIdempotency},
		{"CheckInRecordsAttendanceOnce", testCheckInAttendance},
		{"VoidCheckInVoidsItsAttendance", testVoidCheckIn},
		{"WalkInRegistersAndChecksIn", testWalkIn},
		{"MemberStatus", testMemberStatus},
		{"CancelOnBehalfPromotesTheFirstWaiting", testCancelOnBehalf},
		{"PromoteIntoFreePlaces", testPromote},
		{"EraseReleasesThePhone", testEraseRegistration},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, newStore(t)) })
	}
}

// EventsConcurrency checks the numbers of the issue against stores made by
// newStore: 500 registrations at once for 100 places (exactly 100 confirmed,
// 400 waiting in the order the store took them, positions without a gap),
// then 50 cancellations at once (exactly the first 50 waiting promoted), one
// code checked in ten times at once (one check-in, one attendance), and the
// secretariat's promotions into raised places racing new registrations
// (never more confirmed than places, the waiting promoted first).
func EventsConcurrency(t *testing.T, newStore NewEventStore) {
	t.Run("500RegistrationsFor100PlacesThen50Cancellations", func(t *testing.T) { testConcurrentRegistrations(t, newStore(t)) })
	t.Run("TenCheckInsOfOneCodeOneAttendance", func(t *testing.T) { testConcurrentCheckIns(t, newStore(t)) })
	t.Run("PromotionsRacingRegistrationsNeverOverfill", func(t *testing.T) { testConcurrentPromotions(t, newStore(t)) })
}

// eventStart is when the sample event starts: 2026-12-05 14:00 in China.
var eventStart = time.Date(2026, 12, 5, 6, 0, 0, 0, time.UTC)

// SampleEvent returns an open event with the capacity, starting eventStart.
func SampleEvent(slug string, capacity int) *events.Event {
	return &events.Event{Slug: slug, Title: "投融资沙龙", URL: "/events/" + slug + "/", Kind: "salon", Start: eventStart,
		End: eventStart.Add(3 * time.Hour), Registration: events.ModeOpen, Capacity: capacity}
}

// SampleRegistration returns a valid registration of the event for the i-th
// registrant (phone 1380000xxxx), made before the event.
func SampleRegistration(ev *events.Event, i int, waitlist bool) *events.Registration {
	in := events.Input{Name: fmt.Sprintf("报名人%03d", i), Org: "示例公司", JobTitle: "董事会秘书", Phone: fmt.Sprintf("1380000%04d", i),
		Email: fmt.Sprintf("r%d@example.com", i), WaitlistAccepted: waitlist, PrivacyAccepted: true, PrivacyVersion: events.PrivacyNoticeVersions[0]}
	r := events.New(ev, in, eventStart.Add(-72*time.Hour+time.Duration(i)*time.Second))
	r.TokenHash = membership.HashToken(fmt.Sprintf("token-%d", i))
	return r
}

func register(t *testing.T, s EventStore, ev *events.Event, i int, waitlist bool) *events.Registration {
	t.Helper()
	r := SampleRegistration(ev, i, waitlist)
	if existing, err := s.Register(t.Context(), r, ev, nil); err != nil || existing != nil {
		t.Fatalf("Register %d: existing %v, %v", i, existing, err)
	}
	return r
}

func testRegister(t *testing.T, s EventStore) {
	ctx := t.Context()
	ev := SampleEvent("2026-salon", 10)
	r := register(t, s, ev, 1, false)
	if !events.ValidCode(r.Code) || r.Status != events.StatusConfirmed {
		t.Fatalf("registered: code %q, status %s; want a valid code, confirmed", r.Code, r.Status)
	}
	got, err := s.Registration(ctx, ev.Slug, r.Code)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != r.Name || got.Phone != r.Phone || got.TokenHash != r.TokenHash || got.Status != events.StatusConfirmed || !got.TokenExpires.Equal(r.TokenExpires) {
		t.Errorf("read back %+v, want %+v", got, r)
	}
	if byCode, err := s.RegistrationByCode(ctx, r.Code); err != nil || byCode.Event != ev.Slug {
		t.Errorf("RegistrationByCode: %v, %v", byCode, err)
	}
	if byPhone, err := s.RegistrationByPhone(ctx, ev.Slug, r.Phone); err != nil || byPhone.Code != r.Code {
		t.Errorf("RegistrationByPhone: %v, %v", byPhone, err)
	}
	for _, c := range []string{"ZZZZ-ZZZZ", ""} {
		if _, err := s.Registration(ctx, ev.Slug, c); code(err) != membership.ENOTFOUND {
			t.Errorf("Registration(%q): %v, want not found", c, err)
		}
	}
	if _, err := s.Registration(ctx, "another-event", r.Code); code(err) != membership.ENOTFOUND {
		t.Errorf("the code under another event: %v, want not found", err)
	}
	seats, err := s.Seats(ctx, ev.Slug)
	if err != nil || seats.Confirmed != 1 || seats.Waiting() != 0 {
		t.Errorf("seats: %+v, %v; want 1 confirmed", seats, err)
	}
	if empty, err := s.Seats(ctx, "nobody-registered"); err != nil || empty.Confirmed != 0 || empty.Waiting() != 0 {
		t.Errorf("seats of an event without registrations: %+v, %v", empty, err)
	}
	regs, err := s.Registrations(ctx, ev.Slug)
	if err != nil || len(regs) != 1 || regs[0].Code != r.Code {
		t.Errorf("Registrations: %v, %v", regs, err)
	}
}

func testSamePhone(t *testing.T, s EventStore) {
	ctx := t.Context()
	ev := SampleEvent("2026-salon", 10)
	first := register(t, s, ev, 1, false)
	again := SampleRegistration(ev, 1, false)
	existing, err := s.Register(ctx, again, ev, nil)
	if err != nil || existing == nil || existing.Code != first.Code {
		t.Fatalf("the same phone again: existing %v, %v; want registration %s", existing, err, first.Code)
	}
	if seats, _ := s.Seats(ctx, ev.Slug); seats.Confirmed != 1 {
		t.Errorf("seats after a second registration of the phone: %+v, want 1 confirmed", seats)
	}
	other := SampleEvent("2026-forum", 10)
	if r := register(t, s, other, 1, false); r.Code == first.Code {
		t.Errorf("the phone at another event got the same code")
	}
	// Cancelled, the phone may register again.
	if _, err := s.Cancel(ctx, ev.Slug, first.Code, ev, func(r *events.Registration) error {
		return r.Cancel(ev, events.RegistrantActor, "", eventStart.Add(-time.Hour))
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RegistrationByPhone(ctx, ev.Slug, first.Phone); code(err) != membership.ENOTFOUND {
		t.Errorf("phone of a cancelled registration: %v, want not found", err)
	}
	if r := register(t, s, ev, 1, false); r.Code == first.Code || r.Status != events.StatusConfirmed {
		t.Errorf("after cancelling, the same phone: %+v, want a new confirmed registration", r)
	}
}

func testFullWithoutConsent(t *testing.T, s EventStore) {
	ctx := t.Context()
	ev := SampleEvent("2026-salon", 1)
	register(t, s, ev, 1, false)
	r := SampleRegistration(ev, 2, false)
	if _, err := s.Register(ctx, r, ev, nil); membership.ErrorFields(err)["waitlist_accepted"] == "" {
		t.Fatalf("full, no consent: %v, want an error on waitlist_accepted", err)
	}
	if _, err := s.RegistrationByPhone(ctx, ev.Slug, r.Phone); code(err) != membership.ENOTFOUND {
		t.Errorf("refused registration's phone: %v, want not found (nothing stored)", err)
	}
	if regs, _ := s.Registrations(ctx, ev.Slug); len(regs) != 1 {
		t.Errorf("registrations: %d, want 1", len(regs))
	}
}

func cancel(t *testing.T, s EventStore, ev *events.Event, code string) *events.Registration {
	t.Helper()
	r, err := s.Cancel(t.Context(), ev.Slug, code, ev, func(r *events.Registration) error {
		return r.Cancel(ev, events.RegistrantActor, "", eventStart.Add(-time.Hour))
	})
	if err != nil {
		t.Fatalf("Cancel %s: %v", code, err)
	}
	return r
}

// registerFive registers five people, who agree to wait, for ev.
func registerFive(t *testing.T, s EventStore, ev *events.Event) []*events.Registration {
	t.Helper()
	var regs []*events.Registration
	for i := range 5 {
		regs = append(regs, register(t, s, ev, i, true))
	}
	return regs
}

func testWaitlist(t *testing.T, s EventStore) {
	ctx := t.Context()
	ev := SampleEvent("2026-salon", 2)
	regs := registerFive(t, s, ev)
	seats, _ := s.Seats(ctx, ev.Slug)
	if seats.Confirmed != 2 || !slices.Equal(seats.Queue, []string{regs[2].Code, regs[3].Code, regs[4].Code}) {
		t.Fatalf("seats %+v, want 2 confirmed and registrations 2, 3, 4 waiting in that order", seats)
	}
	// A waitlisted one cancels: the others move up.
	cancel(t, s, ev, regs[3].Code)
	seats, _ = s.Seats(ctx, ev.Slug)
	if seats.Position(regs[4].Code) != 2 || seats.Confirmed != 2 {
		t.Fatalf("after a waiting cancels: %+v", seats)
	}
	// A confirmed one cancels: the first waiting is promoted.
	got := cancel(t, s, ev, regs[0].Code)
	if got.Status != events.StatusCancelled || got.Cancelled == nil {
		t.Errorf("cancelled: %+v", got)
	}
	seats, _ = s.Seats(ctx, ev.Slug)
	if seats.Confirmed != 2 || !slices.Equal(seats.Queue, []string{regs[4].Code}) {
		t.Fatalf("after a confirmed cancels: %+v, want 2 confirmed and only registration 4 waiting", seats)
	}
	promoted, _ := s.Registration(ctx, ev.Slug, regs[2].Code)
	if promoted.Status != events.StatusConfirmed || promoted.PromotedAt == nil {
		t.Errorf("first waiting after a cancellation: %+v, want confirmed and promoted", promoted)
	}
	// A newcomer never jumps the queue.
	if r := register(t, s, ev, 9, true); r.Status != events.StatusWaitlisted {
		t.Errorf("newcomer while someone waits: %s, want waitlisted", r.Status)
	}
	// Cancelling twice is refused and changes nothing.
	_, err := s.Cancel(ctx, ev.Slug, regs[0].Code, ev, func(r *events.Registration) error {
		return r.Cancel(ev, events.RegistrantActor, "", eventStart.Add(-time.Hour))
	})
	wantCode(t, "cancel twice", err, membership.ECONFLICT)
	if after, _ := s.Seats(ctx, ev.Slug); after.Confirmed != 2 || after.Waiting() != 2 {
		t.Errorf("seats after a refused cancellation: %+v", after)
	}
}

func testRegisterIdempotency(t *testing.T, s EventStore) {
	ctx := t.Context()
	ev := SampleEvent("2026-salon", 10)
	rec := &membership.IdempotencyRecord{Key: "reg-key-1", RequestHash: "h", Token: "t", ExpiresAt: time.Now().Add(time.Hour)}
	r := SampleRegistration(ev, 1, false)
	if _, err := s.Register(ctx, r, ev, rec); err != nil {
		t.Fatal(err)
	}
	got, err := s.Idempotency(ctx, "reg-key-1")
	if err != nil || got.Number != r.Code || rec.Number != r.Code {
		t.Fatalf("idempotency record: %+v, %v; want number %s", got, err, r.Code)
	}
	_, err = s.Register(ctx, SampleRegistration(ev, 2, false), ev, rec)
	wantCode(t, "same key again", err, membership.ECONFLICT)
	if regs, _ := s.Registrations(ctx, ev.Slug); len(regs) != 1 {
		t.Errorf("registrations after a taken key: %d, want 1", len(regs))
	}
}

// checkIn checks the registration in as the clerk at the event's start.
func checkIn(ctx context.Context, s EventStore, ev *events.Event, r *events.Registration) (*events.Registration, bool, error) {
	return s.CheckIn(ctx, ev.Slug, r.Code, r.Version, func(r *events.Registration) (*membership.Attendance, error) {
		att, _, err := r.CheckIn(ev, clerk, eventStart)
		return att, err
	})
}

func currentAttendance(t *testing.T, s EventStore, member, event string) []membership.Attendance {
	t.Helper()
	all, err := s.Attendance(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var out []membership.Attendance
	for _, a := range all[member] {
		if a.Event == event {
			out = append(out, a)
		}
	}
	return out
}

func testCheckInAttendance(t *testing.T, s EventStore) {
	ctx := t.Context()
	ev := SampleEvent("2026-salon", 10)
	m := Member(t, s, "2024-03-01")
	r := SampleRegistration(ev, 1, false)
	r.Member, r.MemberName = m.Certificate, m.Profile.Name
	if _, err := s.Register(ctx, r, ev, nil); err != nil {
		t.Fatal(err)
	}
	done, recorded, err := checkIn(ctx, s, ev, r)
	if err != nil || !recorded || done.CheckedIn == nil || done.Version != r.Version+1 {
		t.Fatalf("CheckIn: %+v, recorded %v, %v", done, recorded, err)
	}
	atts := currentAttendance(t, s, m.Certificate, ev.Slug)
	if len(atts) != 1 || atts[0].Registration != r.Code || atts[0].Date != "2026-12-05" || atts[0].Voided != nil {
		t.Fatalf("attendance after check-in: %+v, want one record of registration %s", atts, r.Code)
	}
	_, _, err = checkIn(ctx, s, ev, r) // the old version
	wantCode(t, "check in at a stale version", err, membership.ECONFLICT)
	// A member whose attendance the secretariat entered by hand: the check-in
	// does not record it twice.
	m2 := Member(t, s, "2024-03-01")
	if err := s.AddAttendance(ctx, &membership.Attendance{Member: m2.Certificate, Event: ev.Slug, Kind: membership.EventActivity,
		Date: "2026-12-05", RecordedBy: clerk.ID, RecordedAt: eventStart}); err != nil {
		t.Fatal(err)
	}
	r2 := SampleRegistration(ev, 2, false)
	r2.Member = m2.Certificate
	if _, err := s.Register(ctx, r2, ev, nil); err != nil {
		t.Fatal(err)
	}
	if _, recorded, err := checkIn(ctx, s, ev, r2); err != nil || recorded {
		t.Errorf("check-in of a member already recorded: recorded %v, %v; want false, nil", recorded, err)
	}
	if atts := currentAttendance(t, s, m2.Certificate, ev.Slug); len(atts) != 1 || atts[0].Registration != "" {
		t.Errorf("attendance entered by hand: %+v, want it alone", atts)
	}
	// fn's error leaves everything as it was.
	r3 := register(t, s, ev, 3, false)
	_, _, err = s.CheckIn(ctx, ev.Slug, r3.Code, 0, func(*events.Registration) (*membership.Attendance, error) {
		return nil, membership.Errorf(membership.ECONFLICT, "test", "已取消")
	})
	wantCode(t, "fn's error", err, membership.ECONFLICT)
	if got, _ := s.Registration(ctx, ev.Slug, r3.Code); got.CheckedIn != nil || got.Version != r3.Version {
		t.Errorf("after fn's error: %+v", got)
	}
}

func testVoidCheckIn(t *testing.T, s EventStore) {
	ctx := t.Context()
	ev := SampleEvent("2026-salon", 10)
	m := Member(t, s, "2024-03-01")
	r := SampleRegistration(ev, 1, false)
	r.Member = m.Certificate
	if _, err := s.Register(ctx, r, ev, nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := checkIn(ctx, s, ev, r); err != nil {
		t.Fatal(err)
	}
	done, voided, err := s.VoidCheckIn(ctx, ev.Slug, r.Code, 0, func(r *events.Registration) (*membership.Void, error) {
		return r.VoidCheckIn(ev, clerk, "扫错了人", eventStart.Add(time.Minute))
	})
	if err != nil || !voided || done.CheckedIn != nil || len(done.VoidedCheckIns) != 1 {
		t.Fatalf("VoidCheckIn: %+v, voided %v, %v", done, voided, err)
	}
	atts := currentAttendance(t, s, m.Certificate, ev.Slug)
	if len(atts) != 1 || atts[0].Voided == nil || atts[0].Voided.Reason != "扫错了人" {
		t.Fatalf("attendance after the void: %+v, want the one record voided", atts)
	}
	// Checked in again, the attendance is recorded again.
	if _, recorded, err := checkIn(ctx, s, ev, done); err != nil || !recorded {
		t.Fatalf("check in after the void: recorded %v, %v", recorded, err)
	}
	if atts := currentAttendance(t, s, m.Certificate, ev.Slug); len(atts) != 2 {
		t.Errorf("attendance after checking in again: %+v, want the voided and a current one", atts)
	}
}

func testWalkIn(t *testing.T, s EventStore) {
	ctx := t.Context()
	ev := SampleEvent("2026-salon", 1)
	register(t, s, ev, 1, false) // the event is full: a walk-in is outside the capacity
	m := Member(t, s, "2024-03-01")
	r := SampleRegistration(ev, 2, false)
	r.Member = m.Certificate
	att, err := r.AdmitWalkIn(ev, clerk, eventStart)
	if err != nil {
		t.Fatal(err)
	}
	recorded, err := s.WalkIn(ctx, r, att)
	if err != nil || !recorded || !events.ValidCode(r.Code) {
		t.Fatalf("WalkIn: recorded %v, %v, code %q", recorded, err, r.Code)
	}
	if atts := currentAttendance(t, s, m.Certificate, ev.Slug); len(atts) != 1 || atts[0].Registration != r.Code {
		t.Errorf("walk-in's attendance: %+v", atts)
	}
	if seats, _ := s.Seats(ctx, ev.Slug); seats.Confirmed != 1 {
		t.Errorf("seats after a walk-in: %+v, want the 1 online registration only", seats)
	}
	again := SampleRegistration(ev, 2, false)
	again.Status, again.WalkIn = events.StatusConfirmed, true
	_, err = s.WalkIn(ctx, again, nil)
	wantCode(t, "walk-in with a phone already registered", err, membership.ECONFLICT)
}

func testMemberStatus(t *testing.T, s EventStore) {
	m := Member(t, s, "2024-03-01")
	st, name, err := s.MemberStatus(t.Context(), m.Certificate)
	if err != nil || st != membership.MemberActive || name != m.Profile.Name {
		t.Errorf("MemberStatus: %q, %q, %v", st, name, err)
	}
	if st, _, err := s.MemberStatus(t.Context(), "LM-1999-0001"); err != nil || st != "" {
		t.Errorf("unknown member: %q, %v; want \"\", nil", st, err)
	}
}

// testConcurrentRegistrations registers 500 people at once for 100 places,
// then cancels 50 confirmed registrations at once: exactly 100 confirmed and
// 400 waiting, in the order the store took them, positions 1 to 400 without
// a gap; then exactly the first 50 waiting promoted.
func testConcurrentRegistrations(t *testing.T, s EventStore) {
	ctx := t.Context()
	ev := SampleEvent("2026-salon", 100)
	const n = 500
	regs := make([]*events.Registration, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			regs[i] = SampleRegistration(ev, i, true)
			_, errs[i] = s.Register(ctx, regs[i], ev, nil)
		}()
	}
	wg.Wait()
	confirmed, waiting := 0, map[string]bool{}
	for i, r := range regs {
		if errs[i] != nil {
			t.Fatalf("registration %d: %v", i, errs[i])
		}
		switch r.Status {
		case events.StatusConfirmed:
			confirmed++
		case events.StatusWaitlisted:
			waiting[r.Code] = true
		}
	}
	seats, err := s.Seats(ctx, ev.Slug)
	if err != nil {
		t.Fatal(err)
	}
	if confirmed != 100 || len(waiting) != 400 || seats.Confirmed != 100 || seats.Waiting() != 400 {
		t.Fatalf("500 at once for 100 places: %d confirmed, %d waitlisted answered; seats %d confirmed, %d waiting; want 100 and 400",
			confirmed, len(waiting), seats.Confirmed, seats.Waiting())
	}
	stored, _ := s.Registrations(ctx, ev.Slug)
	storedConfirmed := 0
	for _, r := range stored {
		if r.Status == events.StatusConfirmed {
			storedConfirmed++
		}
	}
	if len(stored) != n || storedConfirmed != 100 {
		t.Fatalf("stored: %d registrations, %d confirmed; want 500 and 100", len(stored), storedConfirmed)
	}
	for i, c := range seats.Queue {
		if !waiting[c] || seats.Position(c) != i+1 {
			t.Fatalf("waitlist position %d: %s (answered waitlisted: %v)", i+1, c, waiting[c])
		}
	}
	// 50 confirmed registrants cancel at once: the first 50 waiting are promoted.
	first50 := slices.Clone(seats.Queue[:50])
	var cancels []string
	for _, r := range regs {
		if r.Status == events.StatusConfirmed && len(cancels) < 50 {
			cancels = append(cancels, r.Code)
		}
	}
	for _, c := range cancels {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Cancel(ctx, ev.Slug, c, ev, func(r *events.Registration) error {
				return r.Cancel(ev, events.RegistrantActor, "", eventStart.Add(-time.Hour))
			}); err != nil {
				t.Errorf("cancel %s: %v", c, err)
			}
		}()
	}
	wg.Wait()
	after, _ := s.Seats(ctx, ev.Slug)
	if after.Confirmed != 100 || after.Waiting() != 350 || !slices.Equal(after.Queue, seats.Queue[50:]) {
		t.Fatalf("after 50 cancellations at once: %d confirmed, %d waiting; want 100 and 350, the queue moved up by 50", after.Confirmed, after.Waiting())
	}
	for _, c := range first50 {
		if r, _ := s.Registration(ctx, ev.Slug, c); r.Status != events.StatusConfirmed || r.PromotedAt == nil {
			t.Fatalf("%s was among the first 50 waiting: %s, want promoted", c, r.Status)
		}
	}
	stored, _ = s.Registrations(ctx, ev.Slug)
	count := map[events.Status]int{}
	for _, r := range stored {
		count[r.Status]++
	}
	if count[events.StatusConfirmed] != 100 || count[events.StatusCancelled] != 50 || count[events.StatusWaitlisted] != 350 {
		t.Errorf("stored statuses %v, want 100 confirmed, 50 cancelled, 350 waitlisted", count)
	}
}

// testConcurrentCheckIns checks one registration in from ten goroutines at
// once through the back office: one check-in, one attendance, and every
// other answer says it was already checked in.
func testConcurrentCheckIns(t *testing.T, s EventStore) {
	ctx := t.Context()
	ev := SampleEvent("2026-salon", 10)
	m := Member(t, s, "2024-03-01")
	r := SampleRegistration(ev, 1, false)
	r.Member = m.Certificate
	if _, err := s.Register(ctx, r, ev, nil); err != nil {
		t.Fatal(err)
	}
	cat, err := events.ParseCatalog(CatalogJSON(ev))
	if err != nil {
		t.Fatal(err)
	}
	office := backoffice.New(backoffice.Config{Store: s, Events: s, Catalog: fixedCatalog{cat}, Now: func() time.Time { return eventStart.Add(time.Minute) }})
	cctx := membership.NewContext(ctx, clerk)
	var mu sync.Mutex
	first, already := 0, 0
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := office.CheckIn(cctx, ev.Slug, backoffice.CheckInRequest{Code: r.Code})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				t.Errorf("check-in: %v", err)
			case res.Already:
				already++
			default:
				first++
			}
		}()
	}
	wg.Wait()
	if first != 1 || already != 9 {
		t.Errorf("10 check-ins at once: %d first, %d already; want 1 and 9", first, already)
	}
	if atts := currentAttendance(t, s, m.Certificate, ev.Slug); len(atts) != 1 {
		t.Errorf("attendance after 10 check-ins at once: %d records, want 1", len(atts))
	}
}

// APIEvent is the slug of the event NewAPI publishes (SampleCatalog).
const APIEvent = "sample-salon"

// apiEventStart is when the event NewAPI publishes starts: far from any real
// date, since NewAPI's handlers run on the real clock and a test that
// registers for it must pass on whatever day it runs.
var apiEventStart = time.Date(2099, 6, 5, 6, 0, 0, 0, time.UTC)

// SampleCatalog is the catalog NewAPI serves: APIEvent, an open event of 100
// places on 2099-06-05.
func SampleCatalog() *events.Catalog {
	ev := SampleEvent(APIEvent, 100)
	ev.Start, ev.End = apiEventStart, apiEventStart.Add(3*time.Hour)
	c, err := events.ParseCatalog(CatalogJSON(ev))
	if err != nil {
		panic(err)
	}
	return c
}

// fixedCatalog is an EventSource of one catalog.
type fixedCatalog struct{ c *events.Catalog }

func (f fixedCatalog) Catalog(context.Context) (*events.Catalog, error) { return f.c, nil }

// CatalogJSON returns the catalog file of the events, as the generator writes it.
func CatalogJSON(evs ...*events.Event) []byte {
	c := events.Catalog{}
	for _, e := range evs {
		c.Events = append(c.Events, *e)
	}
	b, err := json.Marshal(c)
	if err != nil {
		panic(err)
	}
	return b
}

// cancelFor cancels the registration on the registrant's behalf, as the
// clerk an hour before the event.
func cancelFor(s EventStore, ev *events.Event, code, reason string) (*events.Registration, error) {
	return s.Cancel(context.Background(), ev.Slug, code, ev, func(r *events.Registration) error {
		return r.CancelFor(ev, clerk, reason, eventStart.Add(-time.Hour))
	})
}

// promoteFor promotes into the free places of ev, as the clerk two days
// before it.
func promoteFor(ctx context.Context, s EventStore, ev *events.Event) ([]events.Registration, error) {
	return s.Promote(ctx, ev, func(r *events.Registration) error {
		return r.PromoteFor(ev, clerk, eventStart.Add(-48*time.Hour))
	})
}

// codesOf returns the codes of the registrations.
func codesOf(rs []events.Registration) []string {
	var cs []string
	for _, r := range rs {
		cs = append(cs, r.Code)
	}
	return cs
}

func testCancelOnBehalf(t *testing.T, s EventStore) {
	ctx := t.Context()
	ev := SampleEvent("2026-salon", 1)
	first, waiting := register(t, s, ev, 1, false), register(t, s, ev, 2, true)
	// A refusal of the domain (no reason) changes nothing.
	_, err := cancelFor(s, ev, first.Code, " ")
	wantCode(t, "cancel without a reason", err, membership.EINVALID)
	if got, _ := s.Registration(ctx, ev.Slug, first.Code); got.Status != events.StatusConfirmed || got.Version != first.Version {
		t.Fatalf("after a refused cancellation: %+v", got)
	}
	got, err := cancelFor(s, ev, first.Code, "本人来电取消")
	if err != nil || got.Status != events.StatusCancelled || got.Cancelled == nil || got.Cancelled.By != clerk.ID ||
		got.Cancelled.ByName != clerk.Name || got.Cancelled.Reason != "本人来电取消" {
		t.Fatalf("cancel on behalf: %+v, %v; want cancelled by %s with the reason", got, err, clerk.ID)
	}
	stored, _ := s.Registration(ctx, ev.Slug, first.Code)
	if stored.Cancelled == nil || *stored.Cancelled != *got.Cancelled {
		t.Errorf("stored cancellation %+v, want %+v", stored.Cancelled, got.Cancelled)
	}
	promoted, _ := s.Registration(ctx, ev.Slug, waiting.Code)
	if promoted.Status != events.StatusConfirmed || promoted.PromotedAt == nil || promoted.PromotedBy != "" {
		t.Errorf("the first waiting after a cancellation on behalf: %+v, want promoted by the cancellation", promoted)
	}
	if seats, _ := s.Seats(ctx, ev.Slug); seats.Confirmed != 1 || seats.Waiting() != 0 {
		t.Errorf("seats: %+v, want 1 confirmed, nobody waiting", seats)
	}
	if _, err := s.RegistrationByPhone(ctx, ev.Slug, first.Phone); code(err) != membership.ENOTFOUND {
		t.Errorf("the phone of the cancelled registration: %v, want it free", err)
	}
	// A registration checked in is not cancelled: its check-in is voided first.
	if _, _, err := checkIn(ctx, s, ev, promoted); err != nil {
		t.Fatal(err)
	}
	_, err = cancelFor(s, ev, waiting.Code, "本人来电取消")
	wantCode(t, "cancel a checked-in registration", err, membership.ECONFLICT)
	if seats, _ := s.Seats(ctx, ev.Slug); seats.Confirmed != 1 {
		t.Errorf("seats after the refusal: %+v", seats)
	}
}

func testPromote(t *testing.T, s EventStore) {
	ctx := t.Context()
	ev := SampleEvent("2026-salon", 2)
	regs := registerFive(t, s, ev)
	if got, err := promoteFor(ctx, s, ev); err != nil || len(got) != 0 {
		t.Fatalf("promote while full: %v, %v; want none", codesOf(got), err)
	}
	// The capacity is raised in the content: 4 places, 3 waiting.
	ev.Capacity = 4
	refused := errors.New("refused")
	if _, err := s.Promote(ctx, ev, func(*events.Registration) error { return refused }); !errors.Is(err, refused) {
		t.Fatalf("fn's error: %v, want it returned", err)
	}
	if seats, _ := s.Seats(ctx, ev.Slug); seats.Confirmed != 2 || seats.Waiting() != 3 {
		t.Fatalf("after fn's error: %+v, want nothing changed", seats)
	}
	got, err := promoteFor(ctx, s, ev)
	if err != nil || !slices.Equal(codesOf(got), []string{regs[2].Code, regs[3].Code}) {
		t.Fatalf("promote into 2 free places: %v, %v; want the first two waiting, %s and %s", codesOf(got), err, regs[2].Code, regs[3].Code)
	}
	for _, c := range codesOf(got) {
		r, _ := s.Registration(ctx, ev.Slug, c)
		if r.Status != events.StatusConfirmed || r.PromotedBy != clerk.ID || r.PromotedAt == nil || r.Version != 2 {
			t.Errorf("promoted %s stored as %+v, want confirmed by %s at version 2", c, r, clerk.ID)
		}
	}
	seats, _ := s.Seats(ctx, ev.Slug)
	if seats.Confirmed != 4 || !slices.Equal(seats.Queue, []string{regs[4].Code}) {
		t.Errorf("seats after the promotion: %+v, want 4 confirmed and %s waiting", seats, regs[4].Code)
	}
	if got, err := promoteFor(ctx, s, ev); err != nil || len(got) != 0 {
		t.Errorf("promote again: %v, %v; want none (full)", codesOf(got), err)
	}
	// One write promotes at most events.MaxPromotions, a cancellation's too
	// (its transaction holds three more items); the next write the rest.
	more := SampleEvent("2026-forum", 1)
	held := register(t, s, more, 99, false)
	for i := range events.MaxPromotions + 3 {
		register(t, s, more, 100+i, true)
	}
	more.Capacity = 100
	if _, err := cancelFor(s, more, held.Code, "重复报名"); err != nil {
		t.Fatalf("a cancellation with 100 free places: %v", err)
	}
	if seats, _ := s.Seats(ctx, more.Slug); seats.Confirmed != events.MaxPromotions || seats.Waiting() != 3 {
		t.Errorf("after the cancellation: %+v, want %d promoted and 3 waiting", seats, events.MaxPromotions)
	}
	for _, want := range []int{3, 0} {
		if got, err := promoteFor(ctx, s, more); err != nil || len(got) != want {
			t.Errorf("promote into the free places: %d promoted, %v; want %d", len(got), err, want)
		}
	}
	if seats, _ := s.Seats(ctx, more.Slug); seats.Confirmed != events.MaxPromotions+3 || seats.Waiting() != 0 {
		t.Errorf("seats after promoting everyone: %+v", seats)
	}
	big := SampleEvent("2026-lecture", 1)
	for i := range events.MaxPromotions + 2 { // one confirmed, the others waiting
		register(t, s, big, 200+i, true)
	}
	big.Capacity = 50
	if got, err := promoteFor(ctx, s, big); err != nil || len(got) != events.MaxPromotions {
		t.Errorf("promote into 50 free places: %d promoted, %v; want %d in one write", len(got), err, events.MaxPromotions)
	}
}

// testConcurrentPromotions raises the places of a full event with a waitlist
// and has the secretariat promote (several clerks at once) while new
// registrations arrive: never more confirmed than places, the first waiting
// promoted before any newcomer, the seats' count matching the stored
// statuses, and every place taken once the last promotion is done.
func testConcurrentPromotions(t *testing.T, s EventStore) {
	ctx := t.Context()
	ev := SampleEvent("2026-salon", 10)
	var first []string // waiting before the places were raised
	before := map[string]bool{}
	for i := range 15 {
		r := register(t, s, ev, i, true)
		before[r.Code] = true
		if r.Status == events.StatusWaitlisted {
			first = append(first, r.Code)
		}
	}
	ev.Capacity = 25 // 15 free places: the 5 waiting and 10 of the newcomers
	const newcomers, clerks = 30, 4
	var wg sync.WaitGroup
	errs := make(chan error, newcomers+clerks)
	for i := range newcomers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.Register(ctx, SampleRegistration(ev, 100+i, true), ev, nil)
			errs <- err
		}()
	}
	for range clerks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := promoteFor(ctx, s, ev)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a registration or promotion: %v", err)
		}
	}
	check := func(when string) events.Seats {
		t.Helper()
		seats, _ := s.Seats(ctx, ev.Slug)
		stored, _ := s.Registrations(ctx, ev.Slug)
		status := map[string]events.Status{}
		confirmed, newcomer := 0, ""
		for _, r := range stored {
			status[r.Code] = r.Status
			if r.Status == events.StatusConfirmed {
				confirmed++
				if !before[r.Code] {
					newcomer = r.Code
				}
			}
		}
		if confirmed > ev.Capacity || seats.Confirmed != confirmed || seats.Waiting()+confirmed != 15+newcomers {
			t.Fatalf("%s: %d stored confirmed, seats %d confirmed and %d waiting; want at most %d confirmed, the seats matching, %d in all",
				when, confirmed, seats.Confirmed, seats.Waiting(), ev.Capacity, 15+newcomers)
		}
		for _, c := range seats.Queue {
			if status[c] != events.StatusWaitlisted {
				t.Fatalf("%s: %s on the waitlist is stored %s", when, c, status[c])
			}
		}
		for _, c := range first {
			if status[c] != events.StatusConfirmed && (seats.Position(c) == 0 || newcomer != "") {
				t.Fatalf("%s: %s, waiting before the places were raised, is %s (position %d) while newcomer %q is confirmed",
					when, c, status[c], seats.Position(c), newcomer)
			}
		}
		return seats
	}
	check("after the race")
	for range 3 { // the places still free, if the last promotion came before the last newcomers
		if _, err := promoteFor(ctx, s, ev); err != nil {
			t.Fatal(err)
		}
	}
	seats := check("after the last promotion")
	if seats.Confirmed != ev.Capacity || seats.Waiting() != 15+newcomers-ev.Capacity {
		t.Errorf("after the last promotion: %d confirmed, %d waiting; want %d and %d", seats.Confirmed, seats.Waiting(), ev.Capacity, 15+newcomers-ev.Capacity)
	}
	for _, c := range first {
		if r, _ := s.Registration(ctx, ev.Slug, c); r.Status != events.StatusConfirmed {
			t.Errorf("%s waited before every newcomer: %s, want confirmed", c, r.Status)
		}
	}
}

func testEraseRegistration(t *testing.T, s EventStore) {
	ctx := t.Context()
	ev := SampleEvent("2026-erase", 10)
	r := register(t, s, ev, 1, false)
	e := membership.Erasure{At: t0, Reason: membership.ErasedRequest, By: "clerk", Role: membership.RoleSecretariat}
	got, err := s.EraseRegistration(ctx, ev.Slug, r.Code, func(x *events.Registration) error { x.Erase(e); return nil })
	if err != nil || got.Phone != "" || got.Erased == nil || got.Version != r.Version+1 {
		t.Fatalf("EraseRegistration: %+v, %v", got, err)
	}
	if back, err := s.Registration(ctx, ev.Slug, r.Code); err != nil || back.Name != membership.ErasedMark || back.Email != "" || back.TokenHash != "" {
		t.Errorf("read back: %+v, %v", back, err)
	}
	if _, err := s.RegistrationByPhone(ctx, ev.Slug, r.Phone); code(err) != membership.ENOTFOUND {
		t.Errorf("the phone after erasure: %v, want not found", err)
	}
	if _, err := s.EraseRegistration(ctx, ev.Slug, "ZZZZ-ZZZZ", func(*events.Registration) error { return nil }); code(err) != membership.ENOTFOUND {
		t.Errorf("an unknown code: %v, want not found", err)
	}
}
