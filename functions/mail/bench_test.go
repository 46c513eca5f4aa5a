package mail_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/smelisting/alliance/functions/localstore"
	"github.com/smelisting/alliance/functions/mail/mailtest"
	"github.com/smelisting/alliance/functions/outbox"
)

// BenchmarkDrain1000 queues 1,000 mails in the embedded store and times the
// sender draining them into Mailpit through SMTP (4 connections), until
// Mailpit holds all of them; it reports mails per second (the issue's
// bound: at least 100).
func BenchmarkDrain1000(b *testing.B) {
	const n = 1000
	mp := mailtest.Start(b)
	base := mailtest.Samples()[1]
	var total time.Duration
	for i := range b.N {
		s, err := localstore.Open(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		entries := make([]outbox.Entry, n)
		for j := range entries {
			entries[j] = base
			entries[j].Ref = fmt.Sprintf("SQ2026-%06d", i*n+j+1)
			entries[j].Data = map[string]string{}
			for k, v := range base.Data {
				entries[j].Data[k] = v
			}
			entries[j].Data["number"] = entries[j].Ref
		}
		if _, err := s.EnqueueMail(b.Context(), entries); err != nil {
			b.Fatal(err)
		}
		before := mp.Count(b)
		c := &clock{t: mailtest.Now.AddDate(0, 1, 0)}
		sender, _ := newSender(b, s, mp, c.Now, time.Minute)
		start := time.Now()
		st, err := sender.Drain(b.Context())
		if err != nil || st.Sent != n {
			b.Fatalf("drain: %+v, %v", st, err)
		}
		mp.WaitFor(b, before+n, time.Minute)
		total += time.Since(start)
		s.Close()
	}
	b.ReportMetric(float64(n*b.N)/total.Seconds(), "mails/s")
}
