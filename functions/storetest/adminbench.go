package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/smelisting/alliance/functions/membership"
)

// latency records per-operation times and reports their p50 and p99.
type latency []time.Duration

func (l latency) report(b *testing.B) {
	if len(l) == 0 {
		return
	}
	slices.Sort(l)
	b.ReportMetric(float64(l[len(l)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(l[len(l)*99/100].Microseconds()), "p99-µs")
}

// BenchTransition measures one workflow move (submitted → reviewed) through
// UpdateApplication, with its version check and conditional write.
func BenchTransition(b *testing.B, s AdminStore) {
	ctx := b.Context()
	numbers := make([]string, b.N)
	for i := range numbers {
		a := Sample(t0)
		if err := s.CreateApplication(ctx, a, nil); err != nil {
			b.Fatal(err)
		}
		numbers[i] = a.Number
	}
	lat := make(latency, 0, b.N)
	b.ResetTimer()
	for _, n := range numbers {
		start := time.Now()
		_, err := s.UpdateApplication(ctx, n, 1, func(a *membership.Application) error {
			return a.Apply(clerk, membership.Change{Action: membership.ActionReview}, t0)
		})
		lat = append(lat, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	lat.report(b)
}

// BenchPayment measures recording a payment: the entry and its member-year
// and receipt claims, written atomically.
func BenchPayment(b *testing.B, s AdminStore) {
	ctx := b.Context()
	run := time.Now().UnixNano()
	lat := make(latency, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		p := payment(fmt.Sprintf("LM-B%d-%06d", run%100000, i), 2026, 1, fmt.Sprintf("SK-%d-%d", run, i), "")
		start := time.Now()
		err := s.RecordPayment(ctx, p)
		lat = append(lat, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	lat.report(b)
}

// BenchList measures the first page (50) of a list of 1,000 applications, a
// tenth of them reviewed: q names the list (all, one status, a search).
func BenchList(b *testing.B, s AdminStore, q membership.ApplicationQuery) {
	ctx := b.Context()
	for i := range 1000 {
		a := Sample(t0.Add(time.Duration(i) * time.Minute))
		a.OrgName = fmt.Sprintf("示例第%04d号科技有限公司", i+1)
		if i%10 == 0 {
			a.Status = membership.StatusReviewed
		}
		if err := s.CreateApplication(ctx, a, nil); err != nil {
			b.Fatal(err)
		}
	}
	q, err := q.Normal()
	if err != nil {
		b.Fatal(err)
	}
	lat := make(latency, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		p, err := s.Applications(ctx, q)
		lat = append(lat, time.Since(start))
		if err != nil || len(p.Applications) == 0 {
			b.Fatalf("Applications(%+v): %d, %v", q, len(p.Applications), err)
		}
	}
	b.StopTimer()
	lat.report(b)
}

// ListQueries are the lists BenchList is run with.
var ListQueries = map[string]membership.ApplicationQuery{
	"all":      {},
	"reviewed": {Status: membership.StatusReviewed},
	"search":   {Search: "第0999号"},
}

// BenchTransitionMail measures what writing the mail adds to a workflow move:
// the same move (submitted → reviewed) on applications with an address
// (the store writes the reviewed mail in the same transaction) and without
// one (no mail: outbox.ForApplication has nothing to send), interleaved so
// that both meet the same load. It reports the p50 of each and their
// difference (the bound: at most 1 ms).
func BenchTransitionMail(b *testing.B, s AdminStore) {
	ctx := b.Context()
	type app struct {
		number string
		mail   bool
	}
	apps := make([]app, 2*b.N)
	for i := range apps {
		a := Sample(t0)
		if i%2 == 1 {
			a.Email = ""
		}
		if err := s.CreateApplication(ctx, a, nil); err != nil {
			b.Fatal(err)
		}
		apps[i] = app{a.Number, a.Email != ""}
	}
	with, without := make(latency, 0, b.N), make(latency, 0, b.N)
	b.ResetTimer()
	for _, a := range apps {
		start := time.Now()
		_, err := s.UpdateApplication(ctx, a.number, 1, func(x *membership.Application) error {
			return x.Apply(clerk, membership.Change{Action: membership.ActionReview}, t0)
		})
		d := time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		if a.mail {
			with = append(with, d)
		} else {
			without = append(without, d)
		}
	}
	b.StopTimer()
	slices.Sort(with)
	slices.Sort(without)
	w, wo := with[len(with)/2], without[len(without)/2]
	b.ReportMetric(float64(w.Microseconds()), "p50-with-mail-µs")
	b.ReportMetric(float64(wo.Microseconds()), "p50-without-µs")
	b.ReportMetric(float64((w - wo).Microseconds()), "mail-adds-p50-µs")
}
