package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smelisting/alliance/functions/auth"
	"github.com/smelisting/alliance/functions/backoffice"
	"github.com/smelisting/alliance/functions/events"
	"github.com/smelisting/alliance/functions/httpapi"
	"github.com/smelisting/alliance/functions/localstore"
	"github.com/smelisting/alliance/functions/storetest"
)

type catalogOf struct{ c *events.Catalog }

func (f catalogOf) Catalog(context.Context) (*events.Catalog, error) { return f.c, nil }

// TestAdminEventCommands checks in a member's registration by code and by
// phone through `alliance admin`, voids it, registers a walk-in and writes the
// roster as CSV, against the secretariat API on the event's day.
func TestAdminEventCommands(t *testing.T) {
	s, err := localstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ev := storetest.SampleEvent("2026-salon", 10)
	cat, err := events.ParseCatalog(storetest.CatalogJSON(ev))
	if err != nil {
		t.Fatal(err)
	}
	m := storetest.Member(t, s, "2024-03-01")
	r := storetest.SampleRegistration(ev, 1, false)
	r.Member = m.Certificate
	if _, err := s.Register(t.Context(), r, ev, nil); err != nil {
		t.Fatal(err)
	}
	li, err := auth.NewLocalIssuer(auth.DevIssuer, auth.DevAudience)
	if err != nil {
		t.Fatal(err)
	}
	v, err := li.Verifier()
	if err != nil {
		t.Fatal(err)
	}
	office := backoffice.New(backoffice.Config{Store: s, Events: s, Catalog: catalogOf{cat}, Now: func() time.Time { return ev.Start }})
	srv := httptest.NewServer(httpapi.NewAdmin(httpapi.AdminConfig{Office: office, Verifier: v}))
	t.Cleanup(srv.Close)
	token, err := li.Mint("clerk-1", "王秘书", []string{"secretariat"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		env := map[string]string{"ALLIANCE_API": srv.URL, "ALLIANCE_TOKEN": token}
		err := adminMain(t.Context(), args, &out, &errOut, func(k string) string { return env[k] })
		return out.String(), err
	}
	if out, err := run("events"); err != nil || !strings.Contains(out, "2026-salon") {
		t.Fatalf("events: %q, %v", out, err)
	}
	out, err := run("checkin", "2026-salon", strings.ToLower(r.Code))
	if err != nil || !strings.Contains(out, "签到成功") || !strings.Contains(out, m.Certificate) {
		t.Fatalf("checkin by code: %q, %v", out, err)
	}
	if out, err := run("checkin", "2026-salon", r.Phone); err != nil || !strings.Contains(out, "无需重复签到") {
		t.Errorf("checkin by phone, again: %q, %v", out, err)
	}
	if _, err := run("checkin", "2026-salon", "--void", r.Code); err == nil || !strings.Contains(err.Error(), "作废原因") {
		t.Errorf("void without a note: %v, want the API's message", err)
	}
	if out, err := run("checkin", "2026-salon", "--void", "--note", "扫错了", r.Code); err != nil || !strings.Contains(out, "attendance voided: true") {
		t.Errorf("void: %q, %v", out, err)
	}
	if out, err := run("walk-in", "2026-salon", "--name", "现场", "--org", "某公司", "--title", "总经理", "--phone", "13700000000",
		"--email", "x@example.com", "--privacy-accepted"); err != nil || !strings.Contains(out, "签到成功") {
		t.Errorf("walk-in: %q, %v", out, err)
	}
	if out, err := run("walk-in", "2026-salon", "--name", "赵六", "--org", "某公司", "--phone", "13700000001", "--privacy-accepted"); err != nil ||
		!strings.Contains(out, "签到成功") {
		t.Errorf("walk-in with only what the door needs: %q, %v", out, err)
	}
	// Registered while the event had one place; the content has 10 now.
	waiting := storetest.SampleRegistration(ev, 2, true)
	full := *ev
	full.Capacity = 1
	if _, err := s.Register(t.Context(), waiting, &full, nil); err != nil || waiting.Status != events.StatusWaitlisted {
		t.Fatalf("register while full: %s, %v", waiting.Status, err)
	}
	if out, err := run("promote", "2026-salon"); err != nil || !strings.Contains(out, "1 promoted") || !strings.Contains(out, waiting.Code) {
		t.Errorf("promote: %q, %v", out, err)
	}
	if _, err := run("cancel-registration", "2026-salon", waiting.Code); err == nil || !strings.Contains(err.Error(), "取消原因") {
		t.Errorf("cancel without a reason: %v, want the API's message", err)
	}
	if out, err := run("cancel-registration", "--note", "本人来电取消", "2026-salon", strings.ToLower(waiting.Code)); err != nil ||
		!strings.Contains(out, waiting.Code+" ("+waiting.Name+") cancelled") {
		t.Errorf("cancel-registration: %q, %v", out, err)
	}
	if got, _ := s.Registration(t.Context(), "2026-salon", waiting.Code); got.Status != events.StatusCancelled || got.PromotedBy != "clerk-1" ||
		got.Cancelled.Reason != "本人来电取消" {
		t.Errorf("stored: %+v, want promoted by clerk-1, then cancelled with the reason", got)
	}
	csvPath := filepath.Join(t.TempDir(), "salon.csv")
	if _, err := run("registrations", "2026-salon", "--csv", csvPath); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(csvPath)
	if err != nil || !bytes.HasPrefix(b, []byte("\uFEFF报名编号")) || !bytes.Contains(b, []byte("现场报名")) || !bytes.Contains(b, []byte(r.Code)) {
		t.Errorf("roster CSV: %s, %v", b, err)
	}
	atts, err := s.Attendance(t.Context())
	if err != nil || len(atts[m.Certificate]) != 1 || atts[m.Certificate][0].Voided == nil {
		t.Errorf("attendance after check-in and void: %+v, %v; want one voided record", atts[m.Certificate], err)
	}
}
