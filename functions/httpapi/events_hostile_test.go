package httpapi_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/smelisting/alliance/functions/events"
	"github.com/smelisting/alliance/functions/httpapi"
	"github.com/smelisting/alliance/functions/localstore"
	"github.com/smelisting/alliance/functions/membership"
)

// The hostile input of issue 11 on the routes of event registration (issue 13):
// the same rules as on the join form and the secretariat's writes.

// eventForm is a valid registration on the form without JavaScript.
func eventForm() url.Values {
	return url.Values{"name": {"李四"}, "org": {"示例公司"}, "job_title": {"董秘"}, "phone": {"13800138000"}, "email": {"li@example.com"},
		"privacy_accepted": {"on"}, "privacy_version": {events.PrivacyNoticeVersions[0]}, "idempotency_key": {"form-hostile-1"}}
}

// personWith is person(i) with the JSON field key set to v.
func personWith(t *testing.T, i int, key, v string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(person(i, "")), &m); err != nil {
		t.Fatal(err)
	}
	m[key] = v
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestEventRoutesRefuseInvisibleCharacters: each class of character the API
// refuses, in each text field of a registration (JSON and form), of a
// walk-in, of a check-in, of a void's reason and of a cancellation's on the
// registrant's behalf, is a 400 naming the field in
// Chinese; nothing is stored.
func TestEventRoutesRefuseInvisibleCharacters(t *testing.T) {
	e := newEventEnv(t)
	fields := []struct{ key, label, value string }{
		{"name", "姓名", "李四"}, {"org", "单位", "示例公司"}, {"job_title", "职务", "董秘"},
		{"phone", "手机号码", "13800138000"}, {"email", "电子邮箱", "li@example.com"}, {"certificate", "会员证书编号", "LM-2026-0001"},
	}
	for _, c := range invisible {
		for _, f := range fields {
			if r, _ := utf8.DecodeRuneInString(c.char); f.key == "phone" && unicode.IsSpace(r) {
				continue // a phone's spaces are dropped as it is normalised (as on the join form): stored clean
			}
			v := f.value[:len(f.value)/2] + c.char + f.value[len(f.value)/2:]
			rec := e.register("2026-salon", personWith(t, 1, f.key, v))
			var ans struct {
				Error struct{ Fields map[string]string } `json:"error"`
			}
			_ = json.Unmarshal(rec.Body.Bytes(), &ans)
			if rec.Code != http.StatusBadRequest || !strings.Contains(ans.Error.Fields[f.key], f.label+"中有无法显示的特殊字符") {
				t.Errorf("JSON %s with %s: got %d %s, want 400 naming %s", f.key, c.name, rec.Code, rec.Body, f.label)
			}
			form := eventForm()
			form.Set(f.key, v)
			page := e.do(e.pub, "POST", "/api/events/2026-salon/register", "application/x-www-form-urlencoded", form.Encode())
			if page.Code != http.StatusBadRequest || !strings.Contains(page.Body.String(), f.label+"中有无法显示的特殊字符") {
				t.Errorf("form %s with %s: got %d, want 400 naming %s", f.key, c.name, page.Code, f.label)
			}
		}
	}
	admin := []struct{ path, body, field string }{
		{"checkins", `{"code":"7KQ3-M9XD\u200b"}`, "code"},
		{"checkins", `{"phone":"1380013800\u202e0"}`, "phone"},
		{"checkins/void", `{"code":"7KQ3-M9XD","note":"扫错了\u0000"}`, "note"},
		{"walk-ins", `{"name":"王\u202e五","org":"某公司","job_title":"总经理","phone":"13700000000","email":"w@example.com","privacy_accepted":true}`, "name"},
		{"walk-ins", `{"name":"王五","org":"某\u2066公司","job_title":"总经理","phone":"13700000000","email":"w@example.com","privacy_accepted":true}`, "org"},
		{"walk-ins", `{"name":"王五","org":"某公司","job_title":"总经理\u001b[2J","phone":"13700000000","email":"w@example.com","privacy_accepted":true}`, "job_title"},
		{"walk-ins", `{"name":"王五","org":"某公司","phone":"13700000000","email":"w@exam\u200dple.com","privacy_accepted":true}`, "email"},
		{"registrations/7KQ3-M9XD/cancel", `{"note":"本人\u2028来电取消"}`, "note"},
	}
	for _, a := range admin {
		rec := e.do(e.admin, "POST", "/api/admin/events/2026-salon/"+a.path, "application/json", a.body, "Authorization", "Bearer "+e.clerk)
		var ans struct {
			Error struct{ Fields map[string]string } `json:"error"`
		}
		_ = json.Unmarshal(rec.Body.Bytes(), &ans)
		if rec.Code != http.StatusBadRequest || !strings.Contains(ans.Error.Fields[a.field], "无法显示的特殊字符") {
			t.Errorf("%s %s: got %d %s, want 400 naming %s", a.path, a.body, rec.Code, rec.Body, a.field)
		}
	}
	if regs, err := e.store.Registrations(t.Context(), "2026-salon"); err != nil || len(regs) != 0 {
		t.Errorf("stored: %d registrations, %v; want none", len(regs), err)
	}
}

// TestEventRoutesRefuseOtherEncodings: a charset other than UTF-8 is a 415,
// bytes that are not UTF-8 a 400, on every event route with a body; the form
// names the field with %FF%FE and shows only text.
func TestEventRoutesRefuseOtherEncodings(t *testing.T) {
	e := newEventEnv(t)
	gbk := "\xb1\xb1\xbe\xa9" // 北京 in GBK
	tests := []struct {
		name      string
		h         http.Handler
		target    string
		ctype     string
		body      string
		want      int
		says      string
		secretary bool
	}{
		{"JSON labelled gbk", e.pub, "/api/events/2026-salon/registrations", "application/json; charset=gbk", person(1, ""), 415, "UTF-8", false},
		{"JSON not UTF-8", e.pub, "/api/events/2026-salon/registrations", "application/json", strings.Replace(person(1, ""), "示例公司", gbk, 1), 400, "UTF-8", false},
		{"form labelled gbk", e.pub, "/api/events/2026-salon/register", "application/x-www-form-urlencoded; charset=gbk", eventForm().Encode(), 415, "UTF-8", false},
		{"form with %FF%FE", e.pub, "/api/events/2026-salon/register", "application/x-www-form-urlencoded", eventForm().Encode() + "&org=%FF%FE", 400, "单位中有无法识别的字符", false},
		{"form with raw bytes", e.pub, "/api/events/2026-salon/register", "application/x-www-form-urlencoded", "name=\xff\xfe", 400, "UTF-8", false},
		{"check-in labelled gbk", e.admin, "/api/admin/events/2026-salon/checkins", "application/json; charset=gbk", `{"code":"7KQ3-M9XD"}`, 415, "UTF-8", true},
		{"walk-in not UTF-8", e.admin, "/api/admin/events/2026-salon/walk-ins", "application/json", "{\"name\":\"\xff\xfe\"}", 400, "UTF-8", true},
		{"void not UTF-8", e.admin, "/api/admin/events/2026-salon/checkins/void", "application/json", "{\"code\":\"7KQ3-M9XD\",\"note\":\"\xc3\"}", 400, "UTF-8", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hdr []string
			if tt.secretary {
				hdr = []string{"Authorization", "Bearer " + e.clerk}
			}
			rec := e.do(tt.h, "POST", tt.target, tt.ctype, tt.body, hdr...)
			if rec.Code != tt.want || !strings.Contains(rec.Body.String(), tt.says) {
				t.Errorf("got %d %s, want %d saying %s", rec.Code, rec.Body, tt.want, tt.says)
			}
		})
	}
	form := eventForm()
	form.Set("org", "北京\xff\xfe公司")
	page := e.do(e.pub, "POST", "/api/events/2026-salon/register", "application/x-www-form-urlencoded", form.Encode()).Body.String()
	if !strings.Contains(page, `value="北京公司"`) || strings.ContainsRune(page, '\ufffd') {
		t.Errorf("form page for %%FF%%FE: want the value kept as 北京公司, without U+FFFD")
	}
	if regs, err := e.store.Registrations(t.Context(), "2026-salon"); err != nil || len(regs) != 0 {
		t.Errorf("stored: %d registrations, %v; want none", len(regs), err)
	}
}

// stalledRegistrations is the embedded store, whose registrations a test may
// stall: a registration reaches the store only once its request's time limit
// has passed, and the store refuses it as any write past its deadline.
type stalledRegistrations struct {
	*localstore.Store
	stalled atomic.Bool
}

func (s *stalledRegistrations) Register(ctx context.Context, r *events.Registration, ev *events.Event, rec *membership.IdempotencyRecord) (*events.Registration, error) {
	if s.stalled.Load() {
		<-ctx.Done()
	}
	return s.Store.Register(ctx, r, ev, rec)
}

func (s *stalledRegistrations) Seats(ctx context.Context, event string) (events.Seats, error) {
	if s.stalled.Load() {
		<-ctx.Done()
	}
	return s.Store.Seats(ctx, event)
}

// TestEventRegistrationBusy: a store that does not answer by the request's
// time limit makes a registration a 503 with Retry-After (JSON), the form's
// page 503 with what was typed and its Idempotency-Key kept, and the places a
// 503; once the store is back, the same registration sent again with its key
// is stored once.
func TestEventRegistrationBusy(t *testing.T) {
	ls, err := localstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ls.Close() })
	s := &stalledRegistrations{Store: ls}
	now := func() time.Time { return beforeIt }
	const timeout = 300 * time.Millisecond
	h := httpapi.NewPublic(httpapi.PublicConfig{Store: ls, Log: slog.New(slog.DiscardHandler), SiteOrigin: origin, Now: now, Frame: testFrame,
		Registrations: s, Events: testCatalog(), Timeout: timeout})
	e := &eventEnv{pub: h}
	s.stalled.Store(true)
	start := time.Now()
	rec := e.register("2026-salon", person(1, ""), "Idempotency-Key", "busy-json-1")
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), `"unavailable"`) {
		t.Errorf("JSON while stalled: got %d (Retry-After %q) %s, want 503 unavailable", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
	}
	if took := time.Since(start); took > timeout+3*time.Second {
		t.Errorf("JSON while stalled: answered after %v, want by the time limit", took)
	}
	if rec := e.do(h, "GET", "/api/events/2026-salon", "", ""); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("places while stalled: got %d, want 503", rec.Code)
	}
	form := eventForm()
	page := e.do(h, "POST", "/api/events/2026-salon/register", "application/x-www-form-urlencoded", form.Encode())
	body := page.Body.String()
	if page.Code != http.StatusServiceUnavailable || page.Header().Get("Retry-After") == "" || !strings.Contains(body, "系统繁忙，请稍后再试") {
		t.Errorf("form while stalled: got %d (Retry-After %q), want a 503 page saying 系统繁忙，请稍后再试:\n%s", page.Code, page.Header().Get("Retry-After"), body)
	}
	for _, kept := range []string{`value="李四"`, `value="示例公司"`, `value="13800138000"`, `name="idempotency_key" value="form-hostile-1"`} {
		if !strings.Contains(body, kept) {
			t.Errorf("busy page lacks %s, want what was typed kept for the next try", kept)
		}
	}
	s.stalled.Store(false)
	for range 2 {
		if rec := e.register("2026-salon", person(1, ""), "Idempotency-Key", "busy-json-1"); rec.Code != http.StatusCreated {
			t.Errorf("JSON again once the store is back: got %d %s, want 201", rec.Code, rec.Body)
		}
		if page := e.do(h, "POST", "/api/events/2026-salon/register", "application/x-www-form-urlencoded", form.Encode()); page.Code != http.StatusSeeOther {
			t.Errorf("form again once the store is back: got %d, want 303", page.Code)
		}
	}
	if regs, err := ls.Registrations(t.Context(), "2026-salon"); err != nil || len(regs) != 2 {
		t.Errorf("stored: %d registrations, %v; want 2 (one per person, each sent three times)", len(regs), err)
	}
}

// appliedThenReadAgain is a store whose registration was applied although
// the store saw a transient failure and read the phone's registration again:
// it answers with that registration as an existing one.
type appliedThenReadAgain struct{ *localstore.Store }

func (s appliedThenReadAgain) Register(ctx context.Context, r *events.Registration, ev *events.Event, rec *membership.IdempotencyRecord) (*events.Registration, error) {
	again := *r
	if _, err := s.Store.Register(ctx, r, ev, rec); err != nil {
		return nil, err
	}
	return s.Store.Register(ctx, &again, ev, nil)
}

// TestEventRegistrationAppliedOnRetry: when the store answers with the
// phone's registration that this very request wrote (its token's hash), the
// registrant gets it as a new one, with its status token, not as an earlier
// registration without one.
func TestEventRegistrationAppliedOnRetry(t *testing.T) {
	ls, err := localstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ls.Close() })
	h := httpapi.NewPublic(httpapi.PublicConfig{Store: ls, Log: slog.New(slog.DiscardHandler), SiteOrigin: origin, Now: func() time.Time { return beforeIt },
		Frame: testFrame, Registrations: appliedThenReadAgain{ls}, Events: testCatalog()})
	e := &eventEnv{pub: h}
	rec := e.register("2026-salon", person(1, ""))
	var got registered
	_ = json.Unmarshal(rec.Body.Bytes(), &got)
	if rec.Code != http.StatusCreated || got.StatusToken == "" || got.Existing {
		t.Errorf("got %d %+v, want 201 with the status token", rec.Code, got)
	}
}
