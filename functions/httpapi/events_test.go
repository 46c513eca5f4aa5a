package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/smelisting/alliance/functions/auth"
	"github.com/smelisting/alliance/functions/backoffice"
	"github.com/smelisting/alliance/functions/events"
	"github.com/smelisting/alliance/functions/httpapi"
	"github.com/smelisting/alliance/functions/localstore"
	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/storetest"
)

// The events of these tests: a salon of two places on 2026-12-05 14:00 (China),
// registration until the day before; a closed one; one registered elsewhere.
var (
	salonStart = time.Date(2026, 12, 5, 6, 0, 0, 0, time.UTC)
	beforeIt   = time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
)

func testCatalog() *events.CatalogCache { return testCatalogOf(func() int { return 2 }) }

// testCatalogOf is testCatalog with the salon's places as places says when
// the catalog is read (a test raises them, as a publish would).
func testCatalogOf(places func() int) *events.CatalogCache {
	return events.NewCatalogCache(func(context.Context) ([]byte, error) {
		salon := storetest.SampleEvent("2026-salon", places())
		salon.RegisterBy = salonStart.Add(-24 * time.Hour)
		closed := storetest.SampleEvent("2026-closed", 10)
		closed.Registration = events.ModeClosed
		external := storetest.SampleEvent("2026-external", 0)
		external.Registration, external.ExternalURL = events.ModeExternal, "https://example.org/register"
		return storetest.CatalogJSON(salon, closed, external), nil
	})
}

// eventEnv is the public and the secretariat handlers over one embedded store,
// with a clock the test moves and the places of the salon, which it may raise.
type eventEnv struct {
	pub, admin   http.Handler
	store        *localstore.Store
	now          atomic.Pointer[time.Time]
	places       atomic.Int64
	clerk, chair string
}

func newEventEnv(t *testing.T) *eventEnv {
	t.Helper()
	s, err := localstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	e := &eventEnv{store: s}
	e.set(beforeIt)
	now := func() time.Time { return *e.now.Load() }
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelError}))
	e.places.Store(2)
	cat := testCatalogOf(func() int { return int(e.places.Load()) })
	e.pub = httpapi.NewPublic(httpapi.PublicConfig{Store: s, Log: log, SiteOrigin: origin, Now: now, Frame: testFrame,
		Registrations: s, Events: cat})
	li, err := auth.NewLocalIssuer(auth.DevIssuer, auth.DevAudience)
	if err != nil {
		t.Fatal(err)
	}
	v, err := li.Verifier()
	if err != nil {
		t.Fatal(err)
	}
	if e.clerk, err = li.Mint("clerk-1", "王秘书", []string{"secretariat"}, time.Hour); err != nil {
		t.Fatal(err)
	}
	if e.chair, err = li.Mint("chair-1", "刘理事长", []string{"chair"}, time.Hour); err != nil {
		t.Fatal(err)
	}
	office := backoffice.New(backoffice.Config{Store: s, Events: s, Catalog: cat, Log: log, Now: now})
	e.admin = httpapi.NewAdmin(httpapi.AdminConfig{Office: office, Verifier: v, Log: log})
	return e
}

func (e *eventEnv) set(t time.Time) { e.now.Store(&t) }

func (e *eventEnv) do(h http.Handler, method, target, ctype, body string, hdr ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// register posts a registration as JSON.
func (e *eventEnv) register(slug, body string, hdr ...string) *httptest.ResponseRecorder {
	return e.do(e.pub, "POST", "/api/events/"+slug+"/registrations", "application/json", body, hdr...)
}

// checkIn posts a check-in as the clerk.
func (e *eventEnv) checkIn(slug, body string) *httptest.ResponseRecorder {
	return e.do(e.admin, "POST", "/api/admin/events/"+slug+"/checkins", "application/json", body, "Authorization", "Bearer "+e.clerk)
}

func person(i int, extra string) string {
	return fmt.Sprintf(`{"name":"报名人%d","org":"示例公司","job_title":"董事会秘书","phone":"1390000%04d","email":"p%d@example.com",
"privacy_accepted":true,"privacy_version":%q%s}`, i, i, i, events.PrivacyNoticeVersions[0], extra)
}

type registered struct {
	Code        string `json:"code"`
	StatusToken string `json:"status_token"`
	Existing    bool   `json:"existing"`
	Status      string `json:"status"`
	StatusLabel string `json:"status_label"`
	Position    int    `json:"position"`
	Calendar    string `json:"calendar"`
	QRSVG       string `json:"qr_svg"`
	Places      struct {
		State string `json:"state"`
		Left  int    `json:"left"`
	} `json:"places"`
}

func wantStatus(t *testing.T, what string, rec *httptest.ResponseRecorder, status int) {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("%s: status %d %s, want %d", what, rec.Code, rec.Body, status)
	}
}

// TestEventRegistration takes a two-place event through registrations,
// retries, the same phone again, the waitlist, a status lookup and a
// cancellation that promotes the first waiting.
func TestEventRegistration(t *testing.T) {
	e := newEventEnv(t)
	places := decode[struct {
		State string `json:"state"`
		Left  int    `json:"left"`
	}](t, e.do(e.pub, "GET", "/api/events/2026-salon", "", ""))
	if places.State != "open" || places.Left != 2 {
		t.Fatalf("places before: %+v, want open with 2 left", places)
	}
	a := e.register("2026-salon", person(1, ""), "Idempotency-Key", "fill-1")
	wantStatus(t, "first registration", a, http.StatusCreated)
	first := decode[registered](t, a)
	if !events.ValidCode(first.Code) || first.StatusToken == "" || first.Status != "confirmed" || first.StatusLabel != "已报名" ||
		first.Places.Left != 1 || !strings.HasPrefix(first.QRSVG, "<svg") || first.Calendar != "/events/2026-salon/event.ics" {
		t.Fatalf("first registration: %+v", first)
	}
	if loc := a.Header().Get("Location"); loc != "/api/events/2026-salon/registrations/"+first.Code {
		t.Errorf("Location %q", loc)
	}
	retry := decode[registered](t, e.register("2026-salon", person(1, ""), "Idempotency-Key", "fill-1"))
	if retry.Code != first.Code || retry.StatusToken != first.StatusToken {
		t.Errorf("retry with the same key: %s/%s, want the first answer %s/%s", retry.Code, retry.StatusToken, first.Code, first.StatusToken)
	}
	wantStatus(t, "same key, another body", e.register("2026-salon", person(9, ""), "Idempotency-Key", "fill-1"), http.StatusConflict)
	again := e.register("2026-salon", person(1, ""))
	wantStatus(t, "same phone and name", again, http.StatusOK)
	if got := decode[registered](t, again); !got.Existing || got.Code != first.Code || got.StatusToken != "" {
		t.Errorf("same phone again: %+v, want the first registration, existing, without token", got)
	}
	other := strings.Replace(person(1, ""), "报名人1", "冒名者", 1)
	wantStatus(t, "same phone, another name", e.register("2026-salon", other), http.StatusConflict)

	wantStatus(t, "second", e.register("2026-salon", person(2, "")), http.StatusCreated)
	full := e.register("2026-salon", person(3, ""))
	wantStatus(t, "full without consent", full, http.StatusBadRequest)
	if f := decode[apiError](t, full).Error.Fields["waitlist_accepted"]; !strings.Contains(f, "候补") {
		t.Errorf("full without consent: field message %q", f)
	}
	w := e.register("2026-salon", person(3, `,"waitlist_accepted":true`))
	wantStatus(t, "full with consent", w, http.StatusCreated)
	waiting := decode[registered](t, w)
	if waiting.Status != "waitlisted" || waiting.StatusLabel != "候补第 1 位" || waiting.Places.State != "full" {
		t.Fatalf("waitlisted: %+v", waiting)
	}

	status := func(code, token string) *httptest.ResponseRecorder {
		return e.do(e.pub, "GET", "/api/events/2026-salon/registrations/"+code, "", "", "X-Status-Token", token)
	}
	wantStatus(t, "status with a wrong token", status(waiting.Code, "wrong"), http.StatusNotFound)
	wantStatus(t, "status of an unknown code", status("ZZZZ-ZZZZ", waiting.StatusToken), http.StatusNotFound)
	wantStatus(t, "cancel without token", e.do(e.pub, "POST", "/api/events/2026-salon/registrations/"+first.Code+"/cancel", "", ""), http.StatusNotFound)
	c := e.do(e.pub, "POST", "/api/events/2026-salon/registrations/"+first.Code+"/cancel", "", "", "X-Status-Token", first.StatusToken)
	wantStatus(t, "cancel", c, http.StatusOK)
	if got := decode[registered](t, c); got.Status != "cancelled" || got.StatusLabel != "已取消" {
		t.Errorf("cancelled: %+v", got)
	}
	wantStatus(t, "cancel twice", e.do(e.pub, "POST", "/api/events/2026-salon/registrations/"+first.Code+"/cancel", "", "", "X-Status-Token", first.StatusToken), http.StatusConflict)
	if got := decode[registered](t, status(waiting.Code, waiting.StatusToken)); got.Status != "confirmed" || got.StatusLabel != "已报名" {
		t.Errorf("the first waiting after a cancellation: %+v, want promoted", got)
	}
	// The token expires 30 days after the event.
	e.set(salonStart.Add(3*time.Hour + events.TokenValidity))
	expired := status(waiting.Code, waiting.StatusToken)
	wantStatus(t, "expired token", expired, http.StatusForbidden)
	if !strings.Contains(decode[apiError](t, expired).Error.Message, "过期") {
		t.Errorf("expired token: %s", expired.Body)
	}
}

// TestAPIEventTakesRegistrations: the event storetest.NewAPI publishes takes
// registrations on the API's real clock, whatever day the test runs (its
// date is far from any real one), and the secretariat lists it.
func TestAPIEventTakesRegistrations(t *testing.T) {
	api := storetest.NewAPI(t, openStore(t))
	var r registered
	api.Expect(http.StatusCreated, "POST", "/api/events/"+storetest.APIEvent+"/registrations", "", json.RawMessage(person(1, "")), &r)
	if r.Status != string(events.StatusConfirmed) || r.Places.State != string(events.StateOpen) {
		t.Errorf("registration: %+v, want confirmed, the event still open", r)
	}
	var l struct{ Events []backoffice.EventSummary }
	api.Expect(http.StatusOK, "GET", "/api/admin/events", api.Token("clerk-1", "secretariat"), nil, &l)
	if len(l.Events) != 1 || l.Events[0].Event.Slug != storetest.APIEvent || l.Events[0].Counts.Confirmed != 1 || l.Events[0].CheckInOpen {
		t.Errorf("events: %+v, want %s with one registration, its check-in not open", l.Events, storetest.APIEvent)
	}
}

// TestEventRegistrationRefused: bad input and events not open are clear 4xx
// answers naming why, and store nothing.
func TestEventRegistrationRefused(t *testing.T) {
	e := newEventEnv(t)
	m := storetest.Member(t, e.store, "2024-03-01")
	e.set(beforeIt)
	tests := []struct {
		name   string
		slug   string
		ctype  string
		body   string
		at     time.Time
		status int
		want   string // in the message or a field's
	}{
		{"unknown event", "2026-nope", "application/json", person(1, ""), beforeIt, 404, "没有找到"},
		{"closed", "2026-closed", "application/json", person(1, ""), beforeIt, 409, "已关闭"},
		{"external", "2026-external", "application/json", person(1, ""), beforeIt, 409, "外部"},
		{"past the deadline", "2026-salon", "application/json", person(1, ""), salonStart.Add(-time.Hour), 409, "截止"},
		{"ended", "2026-salon", "application/json", person(1, ""), salonStart.Add(4 * time.Hour), 409, "已结束"},
		{"not JSON", "2026-salon", "text/plain", person(1, ""), beforeIt, 415, "JSON"},
		{"unknown field", "2026-salon", "application/json", person(1, `,"seat":"A1"`), beforeIt, 400, "seat"},
		{"miscased field", "2026-salon", "application/json", person(1, `,"NAME":"x"`), beforeIt, 400, "区分大小写"},
		{"two objects", "2026-salon", "application/json", person(1, "") + "{}", beforeIt, 400, "多余"},
		{"wrong type", "2026-salon", "application/json", person(1, `,"waitlist_accepted":"yes"`), beforeIt, 400, "类型"},
		{"bad phone", "2026-salon", "application/json", strings.Replace(person(1, ""), "13900000001", "12345", 1), beforeIt, 400, "手机号码"},
		{"zero-width character", "2026-salon", "application/json", strings.Replace(person(1, ""), "示例公司", "示例\u200b公司", 1), beforeIt, 400, "无法显示的特殊字符"},
		{"invalid UTF-8", "2026-salon", "application/json", strings.Replace(person(1, ""), "示例公司", "示例\xff公司", 1), beforeIt, 400, "UTF-8"},
		{"certificate of nobody", "2026-salon", "application/json", person(1, `,"certificate":"LM-1999-0001"`), beforeIt, 400, "在册会员"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.set(tt.at)
			rec := e.do(e.pub, "POST", "/api/events/"+tt.slug+"/registrations", tt.ctype, tt.body)
			if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.want) {
				t.Fatalf("status %d %s, want %d with %q", rec.Code, rec.Body, tt.status, tt.want)
			}
		})
	}
	regs, err := e.store.Registrations(t.Context(), "2026-salon")
	if err != nil || len(regs) != 0 {
		t.Fatalf("stored after refusals: %d, %v; want none", len(regs), err)
	}
	// The member's own certificate links the registration.
	e.set(beforeIt)
	ok := e.register("2026-salon", person(1, fmt.Sprintf(`,"certificate":"%s"`, strings.ToLower(m.Certificate))))
	wantStatus(t, "member's certificate", ok, http.StatusCreated)
	r, err := e.store.Registration(t.Context(), "2026-salon", decode[registered](t, ok).Code)
	if err != nil || r.Member != m.Certificate || r.MemberName != m.Profile.Name {
		t.Errorf("linked member: %+v, %v", r, err)
	}
}

// TestCheckIn checks a member's registration in at the door: the member's
// lapse-risk flag clears; a second scan says when; a cancelled, a waitlisted
// and another event's registration are refused and change nothing; the
// void voids the attendance; a walk-in registers and checks in at once.
func TestCheckIn(t *testing.T) {
	e := newEventEnv(t)
	m := storetest.Member(t, e.store, "2024-03-01") // nothing attended in 2025: at risk in 2026
	e.set(beforeIt)
	reg := decode[registered](t, e.register("2026-salon", person(1, `,"certificate":"`+m.Certificate+`"`)))
	full := decode[registered](t, e.register("2026-salon", person(2, "")))
	waiting := decode[registered](t, e.register("2026-salon", person(3, `,"waitlist_accepted":true`)))
	cancelled := full
	c := e.do(e.pub, "POST", "/api/events/2026-salon/registrations/"+cancelled.Code+"/cancel", "", "", "X-Status-Token", cancelled.StatusToken)
	wantStatus(t, "cancel", c, http.StatusOK)
	waiting = decode[registered](t, e.register("2026-salon", person(4, `,"waitlist_accepted":true`))) // the 3rd was promoted

	lapse := func() *membership.LapseReport {
		rec := e.do(e.admin, "GET", "/api/admin/lapse-report?date=2026-12-05", "", "", "Authorization", "Bearer "+e.clerk)
		wantStatus(t, "lapse report", rec, http.StatusOK)
		return ptr(decode[membership.LapseReport](t, rec))
	}
	if r := lapse(); len(r.AtRisk) != 1 || r.AtRisk[0].Certificate != m.Certificate {
		t.Fatalf("lapse report before the check-in: at risk %+v, want %s", r.AtRisk, m.Certificate)
	}
	e.set(salonStart.Add(-10 * time.Minute))
	tests := []struct {
		name   string
		slug   string
		body   string
		status int
		want   string
	}{
		{"cancelled", "2026-salon", `{"code":"` + cancelled.Code + `"}`, 409, "取消，不能签到"},
		{"waitlisted", "2026-salon", `{"code":"` + strings.ToLower(waiting.Code) + `"}`, 409, "候补"},
		{"another event's code", "2026-closed", `{"code":"` + reg.Code + `"}`, 400, "不是本场活动"},
		{"unknown code", "2026-salon", `{"code":"ZZZZ-ZZZZ"}`, 404, "未找到"},
		{"malformed code", "2026-salon", `{"code":"12"}`, 400, "格式"},
		{"nothing", "2026-salon", `{}`, 400, "报名编号或手机号码"},
		{"unknown event", "2026-nope", `{"code":"` + reg.Code + `"}`, 404, "没有找到"},
	}
	for _, tt := range tests {
		rec := e.checkIn(tt.slug, tt.body)
		if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.want) {
			t.Errorf("%s: status %d %s, want %d with %q", tt.name, rec.Code, rec.Body, tt.status, tt.want)
		}
	}
	if r := lapse(); len(r.AtRisk) != 1 {
		t.Fatalf("refused check-ins changed the lapse report: %+v", r.AtRisk)
	}
	first := e.checkIn("2026-salon", `{"code":"`+reg.Code+`"}`)
	wantStatus(t, "check-in", first, http.StatusOK)
	got := decode[backoffice.CheckedIn](t, first)
	if got.Already || !got.AttendanceRecorded || got.Registration.Name != "报名人1" || !strings.Contains(got.Message, "签到成功") {
		t.Fatalf("check-in: %+v", got)
	}
	if r := lapse(); len(r.AtRisk) != 0 {
		t.Fatalf("lapse report after the check-in: at risk %+v, want none", r.AtRisk)
	}
	again := decode[backoffice.CheckedIn](t, e.checkIn("2026-salon", `{"phone":"13900000001"}`))
	if !again.Already || !strings.Contains(again.Message, "已于 12月5日 13:50 签到（王秘书 办理）") {
		t.Errorf("second check-in by phone: %+v, want already, saying when and by whom", again)
	}
	void := e.do(e.admin, "POST", "/api/admin/events/2026-salon/checkins/void", "application/json", `{"code":"`+reg.Code+`","note":"扫错了"}`,
		"Authorization", "Bearer "+e.clerk)
	wantStatus(t, "void", void, http.StatusOK)
	if v := decode[backoffice.CheckInVoided](t, void); !v.AttendanceVoided {
		t.Errorf("void: %+v, want the attendance voided", v)
	}
	if r := lapse(); len(r.AtRisk) != 1 {
		t.Fatalf("lapse report after the void: at risk %+v, want the member again", r.AtRisk)
	}
	walk := e.do(e.admin, "POST", "/api/admin/events/2026-salon/walk-ins", "application/json",
		`{"name":"现场","org":"某公司","job_title":"总经理","phone":"13700000000","email":"x@example.com","privacy_accepted":true}`, "Authorization", "Bearer "+e.clerk)
	wantStatus(t, "walk-in", walk, http.StatusCreated)
	ro := decode[events.Roster](t, e.do(e.admin, "GET", "/api/admin/events/2026-salon/registrations", "", "", "Authorization", "Bearer "+e.clerk))
	if want := (events.Counts{Capacity: 2, Confirmed: 2, Left: 0, Waitlisted: 1, Cancelled: 1, CheckedIn: 1, WalkIns: 1}); ro.Counts != want {
		t.Errorf("roster counts %+v, want %+v", ro.Counts, want)
	}
	csv := e.do(e.admin, "GET", "/api/admin/events/2026-salon/registrations/csv", "", "", "Authorization", "Bearer "+e.clerk)
	if csv.Code != 200 || csv.Header().Get("Content-Type") != "text/csv; charset=utf-8" || !strings.HasPrefix(csv.Body.String(), "\uFEFF报名编号") {
		t.Errorf("CSV: %d %s %.60q", csv.Code, csv.Header().Get("Content-Type"), csv.Body.String())
	}
}

// TestCancelForAndPromote: the clerk cancels a registration on the
// registrant's behalf (the first waiting takes the place, the registrant's
// status page says 已取消); the places raised in the content, the clerk fills
// them from the waitlist (补位) and the places left go down; the chair may
// do neither.
func TestCancelForAndPromote(t *testing.T) {
	e := newEventEnv(t)
	var regs []registered
	for i := range 5 {
		regs = append(regs, decode[registered](t, e.register("2026-salon", person(i, `,"waitlist_accepted":true`))))
	}
	admin := func(token, path, body string) *httptest.ResponseRecorder {
		return e.do(e.admin, "POST", "/api/admin/events/2026-salon/"+path, "application/json", body, "Authorization", "Bearer "+token)
	}
	cancel := "registrations/" + regs[0].Code + "/cancel"
	wantStatus(t, "the chair cancels", admin(e.chair, cancel, `{"note":"本人来电取消"}`), http.StatusForbidden)
	wantStatus(t, "no reason", admin(e.clerk, cancel, `{"note":""}`), http.StatusBadRequest)
	wantStatus(t, "a reason with a zero-width space", admin(e.clerk, cancel, `{"note":"本人\u200b来电"}`), http.StatusBadRequest)
	wantStatus(t, "an unknown code", admin(e.clerk, "registrations/ZZZZ-ZZZZ/cancel", `{"note":"本人来电取消"}`), http.StatusNotFound)
	rec := admin(e.clerk, cancel, `{"note":"本人来电取消"}`)
	wantStatus(t, "cancel on behalf", rec, http.StatusOK)
	if got := decode[backoffice.RegistrationCancelled](t, rec); got.Registration.Cancelled.ByName != "王秘书" || got.Counts.Confirmed != 2 || got.Counts.Waitlisted != 2 {
		t.Errorf("cancel on behalf: %+v", got)
	}
	own := decode[registered](t, e.do(e.pub, "GET", "/api/events/2026-salon/registrations/"+regs[0].Code, "", "", "X-Status-Token", regs[0].StatusToken))
	if own.StatusLabel != "已取消" {
		t.Errorf("the registrant's status page: %q, want 已取消", own.StatusLabel)
	}
	wantStatus(t, "cancel twice", admin(e.clerk, cancel, `{"note":"本人来电取消"}`), http.StatusConflict)

	e.places.Store(4) // published with two more places
	wantStatus(t, "the chair promotes", admin(e.chair, "promotions", `{}`), http.StatusForbidden)
	rec = admin(e.clerk, "promotions", `{}`)
	wantStatus(t, "promote", rec, http.StatusOK)
	p := decode[backoffice.Promoted](t, rec)
	if len(p.Promoted) != 2 || p.Promoted[0].Code != regs[3].Code || p.Promoted[1].Code != regs[4].Code || p.Counts.Left != 0 || p.Counts.Promotable != 0 {
		t.Errorf("promote: %+v, want %s and %s promoted, no place left", p, regs[3].Code, regs[4].Code)
	}
	places := decode[struct{ Left, Waiting int }](t, e.do(e.pub, "GET", "/api/events/2026-salon", "", ""))
	if places.Left != 0 || places.Waiting != 0 {
		t.Errorf("the places the event page shows: %+v, want none left, nobody waiting", places)
	}
	wantStatus(t, "a promotion with a body not JSON", e.do(e.admin, "POST", "/api/admin/events/2026-salon/promotions", "text/plain", "补位",
		"Authorization", "Bearer "+e.clerk), http.StatusUnsupportedMediaType)
}

func ptr[T any](v T) *T { return &v }

// TestEventFormWithoutJavaScript: the form posts urlencoded; a valid one is
// a 303 to the registration's page, which shows the code and the QR code in
// the registering browser only; an invalid one is a page listing the errors
// with the values kept (escaped).
func TestEventFormWithoutJavaScript(t *testing.T) {
	e := newEventEnv(t)
	form := url.Values{"name": {"李四"}, "org": {"<b>示例</b>"}, "job_title": {"董秘"}, "phone": {"138 0013 8000"}, "email": {"li@example.com"},
		"privacy_accepted": {"on"}, "privacy_version": {events.PrivacyNoticeVersions[0]}, "idempotency_key": {"form-1"}}
	rec := e.do(e.pub, "POST", "/api/events/2026-salon/register", "application/x-www-form-urlencoded", form.Encode())
	wantStatus(t, "form", rec, http.StatusSeeOther)
	loc := rec.Header().Get("Location")
	cookie := rec.Result().Cookies()
	if !strings.HasPrefix(loc, "/api/events/2026-salon/registered?code=") || len(cookie) != 1 || !cookie[0].HttpOnly {
		t.Fatalf("redirect %q, cookies %v", loc, cookie)
	}
	page := e.do(e.pub, "GET", loc, "", "", "Cookie", cookie[0].Name+"="+cookie[0].Value)
	code := strings.TrimPrefix(loc, "/api/events/2026-salon/registered?code=")
	if page.Code != 200 || !strings.Contains(page.Body.String(), code) || !strings.Contains(page.Body.String(), "<svg") || !strings.Contains(page.Body.String(), "已报名") {
		t.Fatalf("registration page: %d %s", page.Code, page.Body)
	}
	wantStatus(t, "page without the cookie", e.do(e.pub, "GET", loc, "", ""), http.StatusNotFound)
	bad := url.Values{"name": {""}, "org": {"<script>x</script>"}, "phone": {"12"}, "privacy_version": {events.PrivacyNoticeVersions[0]}}
	errPage := e.do(e.pub, "POST", "/api/events/2026-salon/register", "application/x-www-form-urlencoded", bad.Encode())
	body := errPage.Body.String()
	if errPage.Code != 400 || !strings.Contains(body, "请填写姓名") || !strings.Contains(body, "&lt;script&gt;x&lt;/script&gt;") || strings.Contains(body, "<script>x") {
		t.Fatalf("error page: %d %s", errPage.Code, body)
	}
}

// FuzzDecodeRegistration feeds the registration decoder hostile bodies: it
// never panics, and whatever it accepts is valid input.
func FuzzDecodeRegistration(f *testing.F) {
	f.Add([]byte(person(1, "")))
	f.Add([]byte(person(1, `,"certificate":"LM-2026-0001","waitlist_accepted":true,"website":"x"`)))
	f.Add([]byte(`{"name":"\u0000","phone":"+86１３８００１３８０００"}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"NAME":1}`))
	f.Add([]byte(`{"name":"李\u202e四","org":"北京\u200b公司","job_title":"董秘\u2028","phone":"13800138000","email":"a@b.cn"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		in, _, err := httpapi.DecodeRegistration(body)
		if err != nil {
			if membership.ErrorCode(err) != membership.EINVALID {
				t.Fatalf("error %v, want EINVALID", err)
			}
			return
		}
		if err := in.Validate(); err != nil {
			t.Fatalf("accepted %q but it does not validate: %v", body, err)
		}
		if _, err := json.Marshal(in); err != nil {
			t.Fatal(err)
		}
		forStrings(reflect.ValueOf(&in).Elem(), "", func(path, s string) {
			if !utf8.ValidString(s) {
				t.Fatalf("DecodeRegistration(%q) accepted %s = %q, which is not UTF-8", body, path, s)
			}
			for _, r := range s {
				if refusedRune(r, false) {
					t.Fatalf("DecodeRegistration(%q) accepted %s = %q, with %U", body, path, s, r)
				}
			}
		})
	})
}
