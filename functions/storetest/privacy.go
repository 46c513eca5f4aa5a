package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/smelisting/alliance/functions/events"
	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/privacy"
)

// PrivacyStore is a store of everything that can erase a person's data:
// the register, the registrations and the mail outbox.
type PrivacyStore interface {
	EventStore
	privacy.RegistrationStore
	Outbox
}

// Dump returns every byte a store keeps, as text a test searches: every
// item of every table, every value of every bucket.
type Dump func(t *testing.T) string

// RunErasure runs the erasure contract on the store: one person applies
// (with a file), becomes a member and registers for two events, one of them
// past; erasing that person leaves none of their name, phone or email in
// anything dump returns (keys included: a claim keyed by the phone), while
// the records stay, with the organisation, the credit code and the status,
// and the mail about them is gone from the outbox (privacy.Outbox);
// the phone may register again; and the retention sweep erases a rejected
// application and the registrations of a past event only once their periods
// end.
func RunErasure(t *testing.T, s PrivacyStore, dump Dump) {
	ctx := t.Context()
	const name, phone, email, rep = "删除测试人甲", "13912345678", "erase-me@example.com", "代表人乙"
	app := Sample(t0)
	app.Contact, app.Phone, app.Email, app.Representative = name, phone, email, rep
	app.Attachments = []membership.Attachment{{ID: "AAAAAAAAAAAAAAAAAAAA", Name: name + "的营业执照.pdf", Type: "application/pdf", Size: 10, UploadedAt: t0}}
	if err := s.CreateApplication(ctx, app, nil); err != nil {
		t.Fatal(err)
	}
	advance(t, s, app.Number, membership.StatusFiled)
	_, m, err := certify(t, s, app.Number, 0)
	if err != nil {
		t.Fatal(err)
	}
	upcoming := SampleEvent("privacy-upcoming", 1)
	past := SampleEvent("privacy-past", 10)
	past.Start, past.End = t0.AddDate(0, -6, 0), t0.AddDate(0, -6, 0).Add(3*time.Hour)
	var regs []privacy.RegistrationRef
	for _, ev := range []*events.Event{upcoming, past} {
		r := SampleRegistration(ev, 1, true)
		r.Name, r.Phone, r.Email = name, phone, email
		if _, err := s.Register(ctx, r, ev, nil); err != nil {
			t.Fatal(err)
		}
		regs = append(regs, privacy.RegistrationRef{Event: ev.Slug, Code: r.Code})
	}
	waiting := register(t, s, upcoming, 2, true) // waits for the place the erasure frees
	if text := dump(t); !strings.Contains(text, phone) || !strings.Contains(text, email) || !strings.Contains(text, name) {
		t.Fatal("the dump does not show the data before the erasure: it could not show it after")
	}
	refs := []string{app.Number, regs[0].Code, regs[1].Code}
	for _, ref := range refs {
		if len(mailOf(t, s, ref)) == 0 {
			t.Fatalf("no mail about %s before the erasure: the outbox's erasure would not be tested", ref)
		}
	}

	files := &deleted{}
	x := &privacy.Erasers{Applications: s, Members: s, Registrations: s, Files: files,
		Events: fixedCatalog{mustCatalog(t, upcoming, past)}, Extra: []privacy.Eraser{privacy.Outbox(s)}, Now: func() time.Time { return t0 }}
	e := membership.Erasure{Reason: membership.ErasedRequest, By: "clerk", ByName: "王秘书", Role: membership.RoleSecretariat, Note: "本人书面申请"}
	p := &privacy.Person{Applications: []string{app.Number}, Members: []string{m.Certificate}, Registrations: regs}
	if err := x.Erase(ctx, p, e); err != nil {
		t.Fatal(err)
	}
	if len(files.keys) != 1 || files.keys[0] != membership.AttachmentKey(app.Number, "AAAAAAAAAAAAAAAAAAAA") {
		t.Errorf("files deleted %v, want the application's one", files.keys)
	}
	if len(p.Emails) != 1 || p.Emails[0] != email || len(p.Phones) != 1 {
		t.Errorf("found %v %v, want the person's email and phone for the erasers after (the outbox's)", p.Emails, p.Phones)
	}
	for _, ref := range refs {
		if got := mailOf(t, s, ref); len(got) != 0 {
			t.Errorf("mail about %s after the erasure: %v, want none", ref, got)
		}
	}
	if got := mailOf(t, s, waiting.Code); len(got) != 2 {
		t.Errorf("mail of the one promoted into the freed place: %v, want waitlisted and promoted, kept", got)
	}
	text := dump(t)
	for _, s := range []string{name, phone, email, rep} {
		if strings.Contains(text, s) {
			i := strings.Index(text, s)
			t.Errorf("after the erasure the store still holds %q: …%s…", s, text[max(0, i-120):min(len(text), i+60)])
		}
	}
	got, err := s.Application(ctx, app.Number)
	if err != nil || got.OrgName != app.OrgName || got.CreditCode != app.CreditCode || got.Status != membership.StatusCertified ||
		got.Erased == nil || got.Erased.ByName != "王秘书" || got.Attachments != nil {
		t.Errorf("application after erasure: %+v, %v", got, err)
	}
	gm, err := s.Member(ctx, m.Certificate)
	if err != nil || gm.Profile.Name != m.Profile.Name || gm.Contact != (membership.Contact{}) || gm.Erased == nil {
		t.Errorf("member after erasure: %+v, %v", gm, err)
	}
	r, err := s.Registration(ctx, upcoming.Slug, regs[0].Code)
	if err != nil || r.Status != events.StatusCancelled || r.Erased == nil || r.Org == "" {
		t.Errorf("the upcoming event's registration after erasure: %+v, %v; want cancelled and erased", r, err)
	}
	if w, err := s.Registration(ctx, upcoming.Slug, waiting.Code); err != nil || w.Status != events.StatusConfirmed {
		t.Errorf("the one waiting: %+v, %v; want promoted into the freed place", w, err)
	}
	if _, err := s.RegistrationByPhone(ctx, past.Slug, phone); code(err) != membership.ENOTFOUND {
		t.Errorf("the phone on the past event after erasure: %v, want not found", err)
	}
	again := SampleRegistration(upcoming, 1, true)
	again.Phone = phone
	if existing, err := s.Register(ctx, again, upcoming, nil); err != nil || existing != nil {
		t.Errorf("the same phone registers again: %v, %v", existing, err)
	}
	if err := x.Erase(ctx, p, e); err != nil {
		t.Errorf("erasing again: %v, want nothing more to do", err)
	}
	testSweep(t, s)
}

// testSweep: a rejected application is erased 180 days after the rejection,
// not a minute before, with its mail (the received and rejected notices,
// here unsent); the registrations of an event 365 days after its end.
func testSweep(t *testing.T, s PrivacyStore) {
	ctx := t.Context()
	app := Sample(t0)
	if err := s.CreateApplication(ctx, app, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateApplication(ctx, app.Number, 0, func(a *membership.Application) error {
		return a.Apply(clerk, membership.Change{Action: membership.ActionReject, Note: "材料不实"}, t0)
	}); err != nil {
		t.Fatal(err)
	}
	// An applicant's own erasure where the outbox's eraser does not run (the
	// public function): its mail stays until the sweep.
	own := Sample(t0)
	own.CreditCode = "91330100MA2KXXXX1Y"
	if err := s.CreateApplication(ctx, own, nil); err != nil {
		t.Fatal(err)
	}
	public := &privacy.Erasers{Applications: s, Files: &deleted{}}
	withdraw := func(a *membership.Application) error {
		return a.Apply(membership.Actor{ID: "applicant", Roles: []string{membership.RoleApplicant}}, membership.Change{Action: membership.ActionWithdraw, Note: "本人撤回"}, t0)
	}
	if err := public.Erase(ctx, &privacy.Person{Applications: []string{own.Number}, Check: withdraw},
		membership.Erasure{At: t0, Reason: membership.ErasedRequest, By: "applicant", Role: membership.RoleApplicant}); err != nil {
		t.Fatal(err)
	}
	if len(mailOf(t, s, own.Number)) == 0 {
		t.Fatal("no mail about the application the applicant erased: the sweep's finishing it would not be tested")
	}
	ev := SampleEvent("sweep-salon", 5)
	r := register(t, s, ev, 7, false)
	sw := &privacy.Sweep{Erasers: &privacy.Erasers{Applications: s, Registrations: s, Files: &deleted{}, Events: fixedCatalog{mustCatalog(t, ev)},
		Extra: []privacy.Eraser{privacy.Outbox(s)}}, Applications: s, Registrations: s, Retention: membership.DefaultRetention}
	for _, tc := range []struct {
		at        time.Time
		apps, reg bool // erased by then
	}{
		{t0.AddDate(0, 0, 180).Add(-time.Minute), false, false},
		{t0.AddDate(0, 0, 180), true, false},
		{ev.End.AddDate(0, 0, 365).Add(-time.Minute), true, false},
		{ev.End.AddDate(0, 0, 365), true, true},
	} {
		if _, err := sw.Run(ctx, tc.at); err != nil {
			t.Fatalf("sweep at %s: %v", tc.at, err)
		}
		a, err := s.Application(ctx, app.Number)
		if err != nil || (a.Erased != nil) != tc.apps || (a.Phone == "") != tc.apps {
			t.Errorf("sweep at %s: application erased %v (phone %q), want %v", tc.at, a.Erased, a.Phone, tc.apps)
		}
		if mail := mailOf(t, s, app.Number); (len(mail) == 0) != tc.apps {
			t.Errorf("sweep at %s: %d messages about the application in the outbox, want them gone: %v", tc.at, len(mail), tc.apps)
		}
		if mail := mailOf(t, s, own.Number); len(mail) != 0 {
			t.Errorf("sweep at %s: the mail of the application its applicant erased is still there: %v", tc.at, mail)
		}
		g, err := s.Registration(ctx, ev.Slug, r.Code)
		if err != nil || (g.Erased != nil) != tc.reg || (g.Phone == "") != tc.reg {
			t.Errorf("sweep at %s: registration erased %v, want %v", tc.at, g.Erased, tc.reg)
		}
	}
}

func mustCatalog(t *testing.T, evs ...*events.Event) *events.Catalog {
	t.Helper()
	c, err := events.ParseCatalog(CatalogJSON(evs...))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// deleted records the files an erasure deletes.
type deleted struct{ keys []string }

func (d *deleted) Delete(_ context.Context, key string) error {
	d.keys = append(d.keys, key)
	return nil
}
