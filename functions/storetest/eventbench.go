package storetest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/smelisting/alliance/functions/events"
	"github.com/smelisting/alliance/functions/httpapi"
	"github.com/smelisting/alliance/functions/membership"
)

// timedRegistrations measures the time the handler spends inside the store.
type timedRegistrations struct {
	httpapi.RegistrationStore
	spent time.Duration
}

func (t *timedRegistrations) timed(start time.Time) { t.spent += time.Since(start) }

func (t *timedRegistrations) Register(ctx context.Context, r *events.Registration, ev *events.Event, rec *membership.IdempotencyRecord) (*events.Registration, error) {
	defer t.timed(time.Now())
	return t.RegistrationStore.Register(ctx, r, ev, rec)
}

func (t *timedRegistrations) Seats(ctx context.Context, event string) (events.Seats, error) {
	defer t.timed(time.Now())
	return t.RegistrationStore.Seats(ctx, event)
}

func (t *timedRegistrations) Idempotency(ctx context.Context, key string) (*membership.IdempotencyRecord, error) {
	defer t.timed(time.Now())
	return t.RegistrationStore.Idempotency(ctx, key)
}

func (t *timedRegistrations) MemberStatus(ctx context.Context, certificate string) (membership.MemberStatus, string, error) {
	defer t.timed(time.Now())
	return t.RegistrationStore.MemberStatus(ctx, certificate)
}

// BenchmarkRegister posts valid registrations, each with a new phone and
// Idempotency-Key, to the public handler on s, one at a time, for an event
// with room for all. Besides ns/op it reports the p50 and p99 of the whole
// request, of the store calls inside it, and of what the handler adds
// (decoding, validation, token, QR code, JSON) over the store's own time.
func BenchmarkRegister(b *testing.B, s httpapi.RegistrationStore) {
	ev := SampleEvent(fmt.Sprintf("bench-%d", time.Now().UnixNano()), events.MaxCapacity)
	ev.Start = time.Now().Add(30 * 24 * time.Hour)
	ev.End = ev.Start.Add(time.Hour)
	cat := fixedCatalog{}
	var err error
	if cat.c, err = events.ParseCatalog(CatalogJSON(ev)); err != nil {
		b.Fatal(err)
	}
	ts := &timedRegistrations{RegistrationStore: s}
	h := httpapi.NewPublic(httpapi.PublicConfig{Registrations: ts, Events: cat})
	body := func(i int) string {
		return fmt.Sprintf(`{"name":"李四","org":"北京示例科技股份有限公司","job_title":"董事会秘书","phone":"13%09d","email":"lisi@example.com",`+
			`"privacy_accepted":true,"privacy_version":%q}`, i, events.PrivacyNoticeVersions[0])
	}
	seq := 0
	request := func() *http.Request {
		seq++
		req := httptest.NewRequest(http.MethodPost, "/api/events/"+ev.Slug+"/registrations", strings.NewReader(body(seq)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", fmt.Sprintf("bench-%s-%d", ev.Slug, seq))
		return req
	}
	for range 5 { // warm up
		h.ServeHTTP(httptest.NewRecorder(), request())
	}
	var total, store, added []time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		req, rec := request(), httptest.NewRecorder()
		ts.spent = 0
		start := time.Now()
		h.ServeHTTP(rec, req)
		d := time.Since(start)
		if rec.Code != http.StatusCreated {
			b.Fatalf("status %d, want 201: %s", rec.Code, rec.Body)
		}
		total, store, added = append(total, d), append(store, ts.spent), append(added, d-ts.spent)
	}
	b.StopTimer()
	ms := func(xs []time.Duration, q float64) float64 {
		slices.Sort(xs)
		return float64(xs[int(float64(len(xs)-1)*q)].Microseconds()) / 1000
	}
	b.ReportMetric(ms(total, 0.50), "p50-ms")
	b.ReportMetric(ms(total, 0.99), "p99-ms")
	b.ReportMetric(ms(store, 0.50), "store-p50-ms")
	b.ReportMetric(ms(store, 0.99), "store-p99-ms")
	b.ReportMetric(ms(added, 0.50), "handler-p50-ms")
	b.ReportMetric(ms(added, 0.99), "handler-p99-ms")
}
