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

	"github.com/smelisting/alliance/functions/httpapi"
	"github.com/smelisting/alliance/functions/intake"
	"github.com/smelisting/alliance/functions/membership"
)

// BenchJSON is the valid submission the benchmarks post, with a credit code
// (NewCreditCode) for %s: each is another organisation's.
const BenchJSON = `{"type":"enterprise","org_name":"北京示例科技股份有限公司","credit_code":"%s",
"representative":"张三","representative_kind":"legal","contact":"李四","phone":"13800138000",
"email":"lisi@example.com","region":"北京市","industry":"软件和信息技术服务业","specialised":"national",
"listing_plan":{"board":"star"},"services":["ipo","financing"],"introduction":"专注工业软件研发。",
"commitment_accepted":true,"privacy_accepted":true,"privacy_version":"2026-11-01"}`

// timedStore measures the time the handler spends inside the store.
type timedStore struct {
	intake.Store
	spent time.Duration
}

func (t *timedStore) CreateApplication(ctx context.Context, a *membership.Application, r *membership.IdempotencyRecord) error {
	start := time.Now()
	defer func() { t.spent += time.Since(start) }()
	return t.Store.CreateApplication(ctx, a, r)
}

func (t *timedStore) Idempotency(ctx context.Context, key string) (*membership.IdempotencyRecord, error) {
	start := time.Now()
	defer func() { t.spent += time.Since(start) }()
	return t.Store.Idempotency(ctx, key)
}

var benchRun int

// BenchmarkSubmit posts valid submissions, each with a new Idempotency-Key, to the
// public handler on s, one at a time. Besides ns/op it reports the p50 and p99 latency
// of the whole request, of the store calls inside it, and of the difference: what the
// handler adds (decoding, validation, token, JSON) over the store's own time.
func BenchmarkSubmit(b *testing.B, s intake.Store) {
	ts := &timedStore{Store: s}
	h := httpapi.NewPublic(httpapi.PublicConfig{Store: ts, Timeout: TestTimeout})
	benchRun++
	total := make([]time.Duration, 0, b.N)
	store := make([]time.Duration, 0, b.N)
	added := make([]time.Duration, 0, b.N)
	request := func(i int) *http.Request {
		body := fmt.Sprintf(BenchJSON, NewCreditCode())
		req := httptest.NewRequest(http.MethodPost, "/api/applications", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", fmt.Sprintf("bench-%d-%d-%d", time.Now().UnixNano(), benchRun, i))
		return req
	}
	// Warm up (connections, the server's JIT) so that b.N = 1 does not measure a cold start.
	for i := range 5 {
		h.ServeHTTP(httptest.NewRecorder(), request(-1-i))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := request(i)
		rec := httptest.NewRecorder()
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
