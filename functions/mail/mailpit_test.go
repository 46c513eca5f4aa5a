package mail_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/smelisting/alliance/functions/localstore"
	"github.com/smelisting/alliance/functions/mail"
	"github.com/smelisting/alliance/functions/mail/mailtest"
	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/outbox"
	"github.com/smelisting/alliance/functions/smtp"
	mailtemplates "github.com/smelisting/alliance/templates/mail"
)

// clock is a test's clock, moved on by the test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func openStore(t testing.TB, dir string) *localstore.Store {
	t.Helper()
	s, err := localstore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newSender(t testing.TB, s mail.Outbox, mp *mailtest.Mailpit, now func() time.Time, lease time.Duration) (*mail.Sender, *smtp.Provider) {
	t.Helper()
	p, err := smtp.New(smtp.Config{Host: mp.Host, Port: mp.Port, Insecure: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return mail.NewSender(mail.SenderConfig{Outbox: s, Provider: p, Renderer: mail.NewRenderer(sampleConfig, mailtemplates.FS),
		Now: now, Lease: lease, Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))}), p
}

// normal makes a part as Mailpit returns it comparable with the rendered one.
func normal(s string) string { return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n")) }

// TestEveryNotificationLandsOnceInMailpit queues one entry of every kind
// (made by the domain's functions), drains the outbox through SMTP into
// Mailpit, and reads each message back: exactly one per entry, with the
// Chinese subject, sender and recipient names decoded, the golden text and
// HTML, the reply-to address and the entry's Message-ID. A second drain
// sends nothing.
func TestEveryNotificationLandsOnceInMailpit(t *testing.T) {
	mp := mailtest.Start(t)
	s := openStore(t, t.TempDir())
	defer s.Close()
	samples := mailtest.Samples()
	if _, err := s.EnqueueMail(t.Context(), samples); err != nil {
		t.Fatal(err)
	}
	c := &clock{t: mailtest.Now.AddDate(0, 1, 0)} // after every sample is due
	sender, _ := newSender(t, s, mp, c.Now, time.Minute)
	st, err := sender.Drain(t.Context())
	if err != nil || st.Sent != len(samples) {
		t.Fatalf("drain: %+v, %v; want %d sent", st, err, len(samples))
	}
	if st, _ := sender.Drain(t.Context()); st.Sent != 0 {
		t.Errorf("second drain sent %d", st.Sent)
	}
	got := mp.WaitFor(t, len(samples), 10*time.Second)
	if len(got) != len(samples) {
		t.Fatalf("Mailpit holds %d messages, want %d", len(got), len(samples))
	}
	byID := map[string]mailtest.Summary{}
	for _, m := range got {
		if _, dup := byID[m.MessageID]; dup {
			t.Errorf("message %s delivered twice", m.MessageID)
		}
		byID[m.MessageID] = m
	}
	r := mail.NewRenderer(sampleConfig, mailtemplates.FS)
	for _, e := range samples {
		t.Run(string(e.Kind), func(t *testing.T) {
			sum, ok := byID[e.MessageID("smelisting.example")]
			if !ok {
				t.Fatalf("no message with Message-ID %s", e.MessageID("smelisting.example"))
			}
			want, err := r.Render(&e)
			if err != nil {
				t.Fatal(err)
			}
			m := mp.Message(t, sum.ID)
			if m.Subject != want.Subject {
				t.Errorf("subject %q, want %q", m.Subject, want.Subject)
			}
			if m.From.Name != mailtest.FromName || m.From.Address != mailtest.FromAddress {
				t.Errorf("from %+v", m.From)
			}
			if len(m.To) != 1 || m.To[0].Address != e.To || m.To[0].Name != e.ToName {
				t.Errorf("to %+v, want %s <%s>", m.To, e.ToName, e.To)
			}
			if len(m.ReplyTo) != 1 || m.ReplyTo[0].Address != mailtest.ReplyTo {
				t.Errorf("reply-to %+v", m.ReplyTo)
			}
			if normal(m.Text) != normal(want.Text) {
				t.Errorf("text:\n%s\nwant (golden):\n%s", m.Text, want.Text)
			}
			if normal(m.HTML) != normal(want.HTML) {
				t.Errorf("HTML:\n%s\nwant (golden):\n%s", m.HTML, want.HTML)
			}
			if h := mp.Headers(t, sum.ID); fmt.Sprint(h["X-Alliance-Outbox-Id"]) != "["+e.ID()+"]" {
				t.Errorf("X-Alliance-Outbox-Id %v, want %s", h["X-Alliance-Outbox-Id"], e.ID())
			}
		})
	}
}

// TestPermanentRefusalIsMarkedAndRetried: Mailpit refuses one recipient with
// a 550 (--smtp-allowed-recipients); that entry is marked failed at its first
// attempt, with the server's answer, the others are sent; after the address
// is corrected (Retry) it is sent.
func TestPermanentRefusalIsMarkedAndRetried(t *testing.T) {
	mp := mailtest.Start(t, "--smtp-allowed-recipients", `@example\.com$`)
	s := openStore(t, t.TempDir())
	defer s.Close()
	samples := mailtest.Samples()[:3]
	samples[1].To = "lisi@exmaple.com" // a typo
	if _, err := s.EnqueueMail(t.Context(), samples); err != nil {
		t.Fatal(err)
	}
	c := &clock{t: mailtest.Now.AddDate(0, 1, 0)} // after every sample is due
	sender, _ := newSender(t, s, mp, c.Now, time.Minute)
	st, err := sender.Drain(t.Context())
	if err != nil || st.Sent != 2 || st.Failed != 1 || st.Retried != 0 {
		t.Fatalf("drain: %+v, %v; want 2 sent, 1 failed", st, err)
	}
	failed, err := s.Mail(t.Context(), outbox.StateFailed)
	if err != nil || len(failed) != 1 || failed[0].ID() != samples[1].ID() || !strings.Contains(failed[0].LastError, "550") || failed[0].Attempts != 1 {
		t.Fatalf("failed: %+v, %v", failed, err)
	}
	clerk := membershipClerk()
	if _, err := s.UpdateMail(t.Context(), failed[0].ID(), func(e *outbox.Entry) error { return e.Retry(clerk, "lisi@example.com", c.Now()) }); err != nil {
		t.Fatal(err)
	}
	if st, err := sender.Drain(t.Context()); err != nil || st.Sent != 1 {
		t.Fatalf("drain after the fix: %+v, %v", st, err)
	}
	if n := len(mp.WaitFor(t, 3, 10*time.Second)); n != 3 {
		t.Errorf("Mailpit holds %d, want 3", n)
	}
}

// TestMailpitDownThenBack: the in-process sender (Run, as in `alliance
// serve`) keeps running while Mailpit is stopped for outage seconds; the
// mails queue (each attempt fails and is put off by the backoff, on a clock
// the test moves a minute on every 100 ms) and are all delivered, once
// each, after Mailpit returns. The outage is the 30 s unless
// MAIL_OUTAGE says otherwise (e.g. MAIL_OUTAGE=5s while working on it).
func TestMailpitDownThenBack(t *testing.T) {
	outage := 30 * time.Second
	if v := os.Getenv("MAIL_OUTAGE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatal(err)
		}
		outage = d
	}
	mp := mailtest.Start(t)
	s := openStore(t, t.TempDir())
	defer s.Close()
	const n = 40
	entries := make([]outbox.Entry, n)
	for i := range entries {
		entries[i] = mailtest.Samples()[1]
		entries[i].Ref = fmt.Sprintf("SQ2026-%06d", i+1)
		entries[i].Data["number"] = entries[i].Ref
	}
	c := &clock{t: mailtest.Now.AddDate(0, 1, 0)} // after every sample is due
	sender, _ := newSender(t, s, mp, c.Now, time.Minute)
	mp.Stop()
	if _, err := s.EnqueueMail(t.Context(), entries); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() { sender.Run(ctx, 50*time.Millisecond) })
	wg.Go(func() {
		for ctx.Err() == nil {
			time.Sleep(100 * time.Millisecond)
			c.Add(time.Minute)
		}
	})
	time.Sleep(outage)
	pending, err := s.Mail(t.Context(), outbox.StatePending)
	if err != nil || len(pending) != n {
		t.Fatalf("during the outage: %d pending, %v; want all %d queued", len(pending), err, n)
	}
	tried := 0
	for _, e := range pending {
		if e.Attempts > 0 && e.LastError != "" {
			tried++
		}
	}
	if tried == 0 {
		t.Fatalf("no entry was tried during the outage")
	}
	mp.Start(t)
	mp.WaitFor(t, n, 30*time.Second)
	time.Sleep(500 * time.Millisecond) // a duplicate would show by now
	cancel()
	wg.Wait()
	got := mp.Messages(t)
	seen := map[string]int{}
	for _, m := range got {
		seen[m.MessageID]++
	}
	if len(got) != n || len(seen) != n {
		t.Errorf("Mailpit holds %d messages with %d Message-IDs, want %d of each", len(got), len(seen), n)
	}
	t.Logf("outage %v: %d of %d entries tried while Mailpit was down, all %d delivered once after it returned", outage, tried, n, n)
}

// TestSenderKilledMidBatch runs the sender as a process of its own
// (this test binary, as TestHelperSender) on a bbolt file with n queued
// mails, kills it with SIGKILL once Mailpit holds some of them, and starts
// it again: every mail arrives, and one arrives twice only if the killed
// process had sent it and not yet marked it (SMTP gives no way to tell), in
// which case it is the same message (same Message-ID) and that entry was
// claimed twice. The count of such duplicates is logged.
func TestSenderKilledMidBatch(t *testing.T) {
	mp := mailtest.Start(t)
	dir := t.TempDir()
	const n = 300
	s := openStore(t, dir)
	base := mailtest.Samples()[2]
	entries := make([]outbox.Entry, n)
	for i := range entries {
		entries[i] = base
		entries[i].Data = map[string]string{}
		for k, v := range base.Data {
			entries[i].Data[k] = v
		}
		entries[i].Ref = fmt.Sprintf("SQ2026-%06d", i+1)
		entries[i].Data["number"] = entries[i].Ref
		entries[i].Due = time.Now().Add(-time.Minute)
	}
	if _, err := s.EnqueueMail(t.Context(), entries); err != nil {
		t.Fatal(err)
	}
	s.Close()
	start := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperSender$", "-test.count=1")
		cmd.Env = append(os.Environ(), "MAIL_HELPER_DIR="+dir, "MAIL_HELPER_SMTP="+mp.SMTP())
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	first := start()
	killed := 0
	deadline := time.Now().Add(60 * time.Second)
	for {
		if c := mp.Count(t); c >= n/3 {
			killed = c
			break
		}
		if time.Now().After(deadline) {
			first.Process.Kill()
			t.Fatalf("the sender delivered too little in 60 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	if killed >= n {
		t.Fatalf("killed after all %d were delivered: not mid-batch", n)
	}
	second := start()
	if err := second.Wait(); err != nil {
		t.Fatalf("the restarted sender: %v", err)
	}
	got := mp.WaitFor(t, n, 30*time.Second)
	seen := map[string]int{}
	for _, m := range got {
		seen[m.MessageID]++
	}
	s = openStore(t, dir)
	defer s.Close()
	pending, _ := s.Mail(t.Context(), outbox.StatePending)
	failed, _ := s.Mail(t.Context(), outbox.StateFailed)
	if len(pending)+len(failed) != 0 {
		t.Errorf("%d pending and %d failed left", len(pending), len(failed))
	}
	dups := 0
	for _, e := range entries {
		switch c := seen[e.MessageID("smelisting.example")]; {
		case c == 0:
			t.Errorf("%s never delivered", e.ID())
		case c > 1:
			dups += c - 1
		}
	}
	if len(seen) != n {
		t.Errorf("%d distinct messages, want %d", len(seen), n)
	}
	if dups > 4 { // at most one per connection the killed sender had open
		t.Errorf("%d duplicates: more than the messages the killed sender can have had in flight", dups)
	}
	t.Logf("killed with %d of %d in Mailpit; after the restart all %d delivered, %d twice (sent, not yet marked, when killed)", killed, n, n, dups)
}

// TestHelperSender is the sender process of TestSenderKilledMidBatch: it
// drains the store in MAIL_HELPER_DIR to MAIL_HELPER_SMTP with a 1 s lease
// until nothing is pending, for 60 s at most.
func TestHelperSender(t *testing.T) {
	dir := os.Getenv("MAIL_HELPER_DIR")
	if dir == "" {
		t.Skip("the sender process of TestSenderKilledMidBatch")
	}
	s := openStore(t, dir)
	defer s.Close()
	host, port, _ := strings.Cut(os.Getenv("MAIL_HELPER_SMTP"), ":")
	var p int
	fmt.Sscan(port, &p)
	mp := &mailtest.Mailpit{Host: host, Port: p}
	sender, _ := newSender(t, s, mp, time.Now, time.Second)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := sender.Drain(t.Context()); err != nil {
			t.Fatal(err)
		}
		pending, err := s.Mail(t.Context(), outbox.StatePending)
		if err != nil {
			t.Fatal(err)
		}
		if len(pending) == 0 {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("mail still pending after 60 s")
}

// membershipClerk is a secretariat clerk, who may retry a failed mail.
func membershipClerk() membership.Actor {
	return membership.Actor{ID: "clerk-1", Name: "王秘书", Roles: []string{membership.RoleSecretariat}}
}
