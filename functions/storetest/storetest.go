// Package storetest is the contract suite every store passes (intake.Store,
// and AdminStore, which adds backoffice.Store): the dynamo store against DynamoDB Local
// and the localstore on a temporary file run the same tests, so the handlers and the back
// office cannot tell them apart. Limits is the contract of an httpapi.ClientCounter
// (dynamo.Limits, and the handlers' test fake).
package storetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/smelisting/alliance/functions/httpapi"
	"github.com/smelisting/alliance/functions/intake"
	"github.com/smelisting/alliance/functions/membership"
)

// NewStore returns an empty store for one test; the suite closes nothing.
type NewStore func(t *testing.T) intake.Store

// Run runs the contract suite against stores made by newStore.
func Run(t *testing.T, newStore NewStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s intake.Store)
	}{
		{"CreateNumbersAndGetRoundTrips", testCreateAndGet},
		{"NumbersPerYear", testNumbersPerYear},
		{"GetUnknownIsNotFound", testGetUnknown},
		{"IdempotencyRecordStoredWithApplication", testIdempotencyStored},
		{"IdempotencyKeyTakenIsConflict", testIdempotencyConflict},
		{"IdempotencyExpiredIsFreeAgain", testIdempotencyExpired},
		{"UpdateWithVersion", testUpdate},
		{"UpdateConcurrentOneWins", testUpdateConcurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, newStore(t)) })
	}
}

// CreditCode returns the n-th of a series of valid unified social credit codes
// (91110000 followed by n, and the check character), for test organisations.
func CreditCode(n int) string {
	first17 := fmt.Sprintf("91110000%09d", n%1_000_000_000)
	c, _ := membership.CreditCodeCheckChar(first17)
	return first17 + string(c)
}

// codes numbers the organisations of Sample and SampleSubmission, so that no
// two of them share a credit code (one organisation, one membership).
var codes atomic.Int64

// NewCreditCode returns a credit code no other call of this process returns.
func NewCreditCode() string { return CreditCode(int(codes.Add(1))) }

// Sample returns a valid application submitted at the given time, by an
// enterprise of its own (a credit code no other sample has).
func Sample(at time.Time) *membership.Application {
	a := &membership.Application{
		Type: membership.TypeEnterprise, OrgName: "北京示例科技股份有限公司", CreditCode: NewCreditCode(),
		Representative: "张三", RepresentativeKind: membership.RepLegal, Contact: "李四", Phone: "010-68200012",
		Email: "lisi@example.com", Region: "北京市", Industry: "软件", Specialised: membership.SpecialisedProvincial,
		ListingPlan: membership.ListingPlan{Board: "star", Year: 2028}, Services: []string{"ipo", "legal"},
		Introduction: "简介", CommitmentAccepted: true, PrivacyAccepted: true, PrivacyVersion: "2026-11-01",
		TokenHash: membership.HashToken("token"),
	}
	a.Submit(at)
	return a
}

var t0 = time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)

func code(err error) string { return membership.ErrorCode(err) }

func testCreateAndGet(t *testing.T, s intake.Store) {
	ctx := t.Context()
	var numbers []string
	var want membership.Application
	for i := range 3 {
		a := Sample(t0.Add(time.Duration(i) * time.Minute))
		want = *a
		if err := s.CreateApplication(ctx, a, nil); err != nil {
			t.Fatalf("CreateApplication: %v", err)
		}
		numbers = append(numbers, a.Number)
	}
	if want := []string{"SQ2026-000001", "SQ2026-000002", "SQ2026-000003"}; !reflect.DeepEqual(numbers, want) {
		t.Errorf("numbers = %v, want %v", numbers, want)
	}
	want.Number = numbers[2]
	got, err := s.Application(ctx, numbers[2])
	if err != nil {
		t.Fatalf("Application(%s): %v", numbers[2], err)
	}
	if !reflect.DeepEqual(got, &want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Errorf("Application(%s) =\n%s\nwant\n%s (token hash %q, want %q)", numbers[2], g, w, got.TokenHash, want.TokenHash)
	}
}

func testNumbersPerYear(t *testing.T, s intake.Store) {
	ctx := t.Context()
	a := Sample(t0)
	b := Sample(time.Date(2026, 12, 31, 16, 30, 0, 0, time.UTC)) // 2027 in China
	for _, x := range []*membership.Application{a, b} {
		if err := s.CreateApplication(ctx, x, nil); err != nil {
			t.Fatalf("CreateApplication: %v", err)
		}
	}
	if a.Number != "SQ2026-000001" || b.Number != "SQ2027-000001" {
		t.Errorf("numbers = %s, %s, want SQ2026-000001, SQ2027-000001", a.Number, b.Number)
	}
}

func testGetUnknown(t *testing.T, s intake.Store) {
	ctx := t.Context()
	if err := s.CreateApplication(ctx, Sample(t0), nil); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"SQ2026-000002", "COUNTER#SQ2026", "2026", ""} {
		if _, err := s.Application(ctx, n); code(err) != membership.ENOTFOUND {
			t.Errorf("Application(%q) error = %v, want code %s", n, err, membership.ENOTFOUND)
		}
	}
	if _, err := s.Idempotency(ctx, "never-used"); code(err) != membership.ENOTFOUND {
		t.Errorf("Idempotency(never-used) error = %v, want code %s", err, membership.ENOTFOUND)
	}
}

func record(key string, expires time.Time) *membership.IdempotencyRecord {
	return &membership.IdempotencyRecord{Key: key, RequestHash: "hash-" + key, Token: "tok-" + key, ExpiresAt: expires.Truncate(time.Second)}
}

func testIdempotencyStored(t *testing.T, s intake.Store) {
	ctx := t.Context()
	a := Sample(t0)
	rec := record("k1", time.Now().Add(time.Hour))
	if err := s.CreateApplication(ctx, a, rec); err != nil {
		t.Fatalf("CreateApplication: %v", err)
	}
	if rec.Number != a.Number || a.Number == "" {
		t.Errorf("rec.Number = %q, app number %q, want both set and equal", rec.Number, a.Number)
	}
	got, err := s.Idempotency(ctx, "k1")
	if err != nil {
		t.Fatalf("Idempotency(k1): %v", err)
	}
	if !got.ExpiresAt.Equal(rec.ExpiresAt) {
		t.Errorf("ExpiresAt = %v, want %v", got.ExpiresAt, rec.ExpiresAt)
	}
	got.ExpiresAt = rec.ExpiresAt
	if !reflect.DeepEqual(got, rec) {
		t.Errorf("Idempotency(k1) = %+v, want %+v", got, rec)
	}
}

func testIdempotencyConflict(t *testing.T, s intake.Store) {
	ctx := t.Context()
	first := Sample(t0)
	if err := s.CreateApplication(ctx, first, record("k", time.Now().Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	second := Sample(t0)
	second.OrgName = "另一家公司"
	err := s.CreateApplication(ctx, second, record("k", time.Now().Add(time.Hour)))
	if code(err) != membership.ECONFLICT {
		t.Fatalf("second CreateApplication with key k: error = %v, want code %s", err, membership.ECONFLICT)
	}
	got, err := s.Idempotency(ctx, "k")
	if err != nil || got.Number != first.Number {
		t.Errorf("Idempotency(k) = %+v, %v, want number %s", got, err, first.Number)
	}
	// Nothing of the second application was stored: the next numbers hold no 另一家公司.
	for seq := 2; seq <= 3; seq++ {
		n := membership.FormatNumber(2026, seq)
		if a, err := s.Application(ctx, n); err == nil {
			t.Errorf("Application(%s) = %s, want not found (the conflicting create stored it)", n, a.OrgName)
		}
	}
}

func testIdempotencyExpired(t *testing.T, s intake.Store) {
	ctx := t.Context()
	old := Sample(t0)
	if err := s.CreateApplication(ctx, old, record("k", time.Now().Add(-time.Minute))); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Idempotency(ctx, "k"); code(err) != membership.ENOTFOUND {
		t.Errorf("Idempotency of an expired record: error = %v, want code %s", err, membership.ENOTFOUND)
	}
	fresh := Sample(t0)
	if err := s.CreateApplication(ctx, fresh, record("k", time.Now().Add(time.Hour))); err != nil {
		t.Fatalf("CreateApplication reusing an expired key: %v, want success", err)
	}
	got, err := s.Idempotency(ctx, "k")
	if err != nil || got.Number != fresh.Number {
		t.Errorf("Idempotency(k) = %+v, %v, want number %s", got, err, fresh.Number)
	}
}

func testUpdate(t *testing.T, s intake.Store) {
	ctx := t.Context()
	a := Sample(t0)
	if err := s.CreateApplication(ctx, a, nil); err != nil {
		t.Fatal(err)
	}
	review := func(x *membership.Application) error {
		x.History = append(x.History, membership.Event{From: x.Status, To: membership.StatusReviewed, Actor: "秘书处", Role: "secretariat", At: t0.Add(time.Hour)})
		x.Status = membership.StatusReviewed
		return nil
	}
	got, err := s.UpdateApplication(ctx, a.Number, 1, review)
	if err != nil {
		t.Fatalf("UpdateApplication(version 1): %v", err)
	}
	if got.Version != 2 || got.Status != membership.StatusReviewed {
		t.Errorf("updated = version %d status %s, want 2 reviewed", got.Version, got.Status)
	}
	stored, err := s.Application(ctx, a.Number)
	if err != nil || stored.Version != 2 || len(stored.History) != 2 || stored.TokenHash != a.TokenHash {
		t.Errorf("stored after update = %+v, %v, want version 2, 2 events, token hash kept", stored, err)
	}
	if _, err := s.UpdateApplication(ctx, a.Number, 1, review); code(err) != membership.ECONFLICT {
		t.Errorf("UpdateApplication(stale version 1): error = %v, want code %s", err, membership.ECONFLICT)
	}
	boom := membership.Errorf(membership.EINVALID, "test", "不允许")
	if _, err := s.UpdateApplication(ctx, a.Number, 2, func(x *membership.Application) error {
		x.Status = membership.StatusRejected
		return boom
	}); !errors.Is(err, boom) {
		t.Errorf("UpdateApplication with failing fn: error = %v, want %v", err, boom)
	}
	if got, _ := s.Application(ctx, a.Number); got.Status != membership.StatusReviewed || got.Version != 2 {
		t.Errorf("after failing fn: status %s version %d, want reviewed 2 (nothing stored)", got.Status, got.Version)
	}
	if got, err := s.UpdateApplication(ctx, a.Number, 0, func(*membership.Application) error { return nil }); err != nil || got.Version != 3 {
		t.Errorf("UpdateApplication(any version) = %v, %v, want version 3", got, err)
	}
	if _, err := s.UpdateApplication(ctx, "SQ2026-999999", 0, review); code(err) != membership.ENOTFOUND {
		t.Errorf("UpdateApplication(unknown): error = %v, want code %s", err, membership.ENOTFOUND)
	}
}

func testUpdateConcurrent(t *testing.T, s intake.Store) {
	ctx := t.Context()
	a := Sample(t0)
	if err := s.CreateApplication(ctx, a, nil); err != nil {
		t.Fatal(err)
	}
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.UpdateApplication(ctx, a.Number, 0, func(x *membership.Application) error {
				x.Introduction = fmt.Sprintf("writer %d", i)
				return nil
			})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch code(err) {
		case "":
			ok++
		case membership.ECONFLICT:
		default:
			t.Errorf("concurrent update error = %v, want nil or code %s", err, membership.ECONFLICT)
		}
	}
	got, err := s.Application(ctx, a.Number)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 1+ok {
		t.Errorf("version after %d successful updates = %d, want %d (an update was lost)", ok, got.Version, 1+ok)
	}
}

// Concurrency submits 200 applications through the public handler from 20 goroutines,
// a quarter of them retries of earlier Idempotency-Keys, and checks that exactly the
// unique submissions are stored: none lost, none doubled.
func Concurrency(t *testing.T, s intake.Store) {
	const total, workers = 200, 20
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelError}))
	h := httpapi.NewPublic(httpapi.PublicConfig{Store: s, Log: log, Timeout: TestTimeout})
	type sub struct {
		key  string
		body []byte
	}
	subs := make([]sub, 0, total)
	unique := 0
	for i := range total {
		if i%4 == 3 { // every fourth is a retry of an earlier submission
			subs = append(subs, subs[(i*7)%len(subs)])
			continue
		}
		unique++
		body, _ := json.Marshal(map[string]any{
			"type": "individual", "contact": fmt.Sprintf("申请人%03d", i), "phone": "13800138000",
			"email": fmt.Sprintf("a%d@example.com", i), "region": "上海市", "industry": "金融",
			"specialised": "none", "services": []string{"ipo"}, "introduction": "简介",
			"commitment_accepted": true, "privacy_accepted": true, "privacy_version": "2026-11-01",
		})
		subs = append(subs, sub{fmt.Sprintf("key-%03d", i), body})
	}
	numbers := make([]string, total)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < total; i += workers {
				req := httptest.NewRequest(http.MethodPost, "/api/applications", bytes.NewReader(subs[i].body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Idempotency-Key", subs[i].key)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusCreated {
					t.Errorf("submission %d: status %d, want 201: %s", i, rec.Code, rec.Body)
					continue
				}
				var res struct{ Number string }
				_ = json.Unmarshal(rec.Body.Bytes(), &res)
				numbers[i] = res.Number
			}
		}()
	}
	wg.Wait()
	byKey := map[string]string{}
	for i, s := range subs {
		if n, ok := byKey[s.key]; ok && n != numbers[i] {
			t.Errorf("key %s answered with numbers %s and %s, want one", s.key, n, numbers[i])
		}
		byKey[s.key] = numbers[i]
	}
	distinct := map[string]bool{}
	for _, n := range byKey {
		distinct[n] = true
	}
	if len(distinct) != unique {
		t.Errorf("distinct numbers answered = %d, want %d", len(distinct), unique)
	}
	// Count what is stored: numbers are dense except for gaps left by lost races, so
	// every stored application lies within the first total numbers.
	ctx := t.Context()
	year := membership.NumberYear(time.Now())
	stored := 0
	for seq := 1; seq <= total; seq++ {
		n := membership.FormatNumber(year, seq)
		_, err := s.Application(ctx, n)
		switch {
		case err == nil:
			stored++
			if !distinct[n] {
				t.Errorf("%s is stored but no submission was answered with it", n)
			}
		case code(err) != membership.ENOTFOUND:
			t.Fatalf("Application(%s): %v", n, err)
		}
	}
	if stored != unique {
		t.Errorf("stored applications = %d, want %d (unique submissions)", stored, unique)
	}
}
