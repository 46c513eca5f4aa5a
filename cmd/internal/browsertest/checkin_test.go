package browsertest

import (
	"context"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/smelisting/alliance/functions/events"
	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/storetest"
)

// The events of the console's tests, the tests' own (not the site's
// content, whose dates pass): a forum on 2026-12-05 whose door the check-in
// test keeps, with the back office's clock fixed at doorTime, half an hour
// before it starts; a salon before it and one after it.
const doorSlug = "2026-beijing-forum"

var (
	doorStart = time.Date(2026, 12, 5, 14, 0, 0, 0, membership.China)
	doorTime  = doorStart.Add(-30 * time.Minute)
)

// doorEvents is the catalog of those events; the forum has as many places
// as places holds when it is read (a test raises them, as a publish would).
func doorEvents(places *atomic.Int64) *events.CatalogCache {
	return events.NewCatalogCache(func(context.Context) ([]byte, error) {
		at := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 14, 0, 0, 0, membership.China) }
		before := &events.Event{Slug: "2026-hangzhou-salon", Title: "投融资沙龙（杭州）", URL: "/events/2026-hangzhou-salon/", Kind: "salon",
			Start: at(11, 7), End: at(11, 7).Add(3 * time.Hour), Registration: events.ModeClosed, Capacity: 60}
		forum := &events.Event{Slug: doorSlug, Title: "北交所上市实务研讨会（北京）", URL: "/events/" + doorSlug + "/", Kind: "forum",
			Start: doorStart, End: doorStart.Add(3 * time.Hour), Registration: events.ModeOpen, Capacity: int(places.Load())}
		after := &events.Event{Slug: "2027-shenzhen-salon", Title: "投融资沙龙（深圳）", URL: "/events/2027-shenzhen-salon/", Kind: "salon",
			Start: at(12, 19).AddDate(0, 1, 0), Registration: events.ModeOpen, Capacity: 80}
		return storetest.CatalogJSON(before, forum, after), nil
	})
}

// doorCatalog reads the event of the slug from doorEvents.
func (c *consoleEnv) event(t *testing.T, slug string) *events.Event {
	t.Helper()
	cat, err := doorEvents(&c.places).Catalog(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	ev, err := cat.Event(slug)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// attendee is a person who registered for an event online, days before it.
type attendee struct{ name, org, title, phone, member string }

// forumAttendees are the forum's registrants in the order they registered;
// with 4 places, the fifth and sixth wait.
var forumAttendees = []attendee{
	{"李华", "合肥晨阳储能科技有限公司", "董事会秘书", "13912340001", ""},
	{"王芳", "苏州工业园区示例精密制造有限公司", "财务总监", "13912340002", ""},
	{"赵强", "武汉光谷示例光电科技有限公司", "总经理", "13912340003", ""},
	{"周敏", "成都天府示例软件有限公司", "证券事务代表", "13912340004", ""},
	{"孙丽", "青岛西海岸示例海洋科技有限公司", "董事长助理", "13912340005", ""},
	{"吴刚", "南京江北示例新材料股份有限公司", "财务经理", "13912340006", ""},
}

// withMember returns the first n of forumAttendees, the first of them the
// member with the certificate number.
func withMember(n int, certificate string) []attendee {
	people := slices.Clone(forumAttendees[:n])
	people[0].member = certificate
	return people
}

// registerAll stores the people's registrations for ev, in that order, and
// returns them by name.
func registerAll(t *testing.T, c *consoleEnv, ev *events.Event, people ...attendee) map[string]*events.Registration {
	t.Helper()
	out := map[string]*events.Registration{}
	for i, p := range people {
		in := events.Input{Name: p.name, Org: p.org, JobTitle: p.title, Phone: p.phone, Email: "p" + p.phone[7:] + "@example.cn",
			WaitlistAccepted: true, PrivacyAccepted: true, PrivacyVersion: events.PrivacyNoticeVersions[0]}
		r := events.New(ev, in, doorStart.Add(-96*time.Hour+time.Duration(i)*time.Minute))
		r.TokenHash = membership.HashToken("token-" + p.phone)
		if p.member != "" {
			r.Member, r.MemberName = p.member, p.org
		}
		if _, err := c.store.Register(t.Context(), r, ev, nil); err != nil {
			t.Fatalf("register %s: %v", p.name, err)
		}
		out[p.name] = r
	}
	return out
}

// barcodeDetector stands in for the browser's BarcodeDetector, which
// headless Chromium on Linux lacks: it "sees" window.testQR in a frame of a
// playing camera stream only (a video element fed by getUserMedia, with
// frames), and counts the frames it was shown in window.testFrames.
const barcodeDetector = `window.testFrames = 0;
window.BarcodeDetector = class BarcodeDetector {
  constructor(options) { this.formats = (options && options.formats) || []; }
  static getSupportedFormats() { return Promise.resolve(["qr_code"]); }
  detect(source) {
    const live = source instanceof HTMLVideoElement && source.srcObject instanceof MediaStream &&
      source.srcObject.getVideoTracks().some((t) => t.readyState === "live") && source.videoWidth > 0;
    if (!live) return Promise.resolve([]);
    window.testFrames++;
    return Promise.resolve(window.testQR && this.formats.includes("qr_code") ? [{ format: "qr_code", rawValue: window.testQR, cornerPoints: [] }] : []);
  }
};`

// cameraTab opens a phone-sized tab of a browser with Chromium's fake camera
// (a generated video, and the permission granted without asking) and the
// stand-in BarcodeDetector in every page it loads.
func cameraTab(t *testing.T, c *consoleEnv) *tab {
	t.Helper()
	ctx, stop, err := startBrowserWith(filepath.Join(t.TempDir(), "profile"),
		chromedp.Flag("use-fake-device-for-media-stream", true), chromedp.Flag("use-fake-ui-for-media-stream", true))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	tb := openTabIn(t, ctx, phone)
	tb.origins = []string{c.url, c.api.Issuer.URL, "data://"}
	tb.reduceMotion()
	tb.do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: barcodeDetector})
		return err
	}))
	return tb
}

// result returns what the check-in page's answer says, once it says
// something new (the previous answer is marked first by markResult).
func result(tb *tab) string {
	tb.t.Helper()
	waitFor(tb, "the check-in's answer", `(r => r.firstElementChild && !r.firstElementChild.dataset.old)(document.getElementById('result'))`)
	return text(tb, "result")
}

func markResult(tb *tab) {
	tb.t.Helper()
	eval[bool](tb, `[...document.getElementById('result').children].forEach(c => c.dataset.old = '1'), true`)
}

// typeCode types into the code field and presses Enter, as a clerk or a
// scanner that types does, and returns the answer.
func typeCode(tb *tab, s string) string {
	tb.t.Helper()
	markResult(tb)
	tb.do(chromedp.SendKeys(chromedp.ID("ci-code"), s+"\r"))
	return result(tb)
}

// lapseRisk reports whether the console's lapse view of the event's day
// (活动出席, the lapse rule on 2026-12-05) lists the member.
func lapseRisk(tb *tab, c *consoleEnv, certificate string) bool {
	tb.t.Helper()
	c.open(tb, "/admin/attendance/?date="+membership.Today(doorStart))
	c.ready(tb)
	return strings.Contains(text(tb, "lapse"), certificate)
}

// TestConsoleCheckIn is the door on a phone (390 px): the clerk signs in
// through the development provider and opens 现场签到, which offers the
// event of the day; types a member's code → 签到成功 with the name, and the
// member leaves the lapse-risk list of the console's lapse view; the same
// code again says when and by whom; a waiting registration, a cancelled one
// and another event's code are refused in words; a phone checks in; a
// walk-in is registered and checked in at once; the camera (Chromium's fake
// one) with a BarcodeDetector that reads a registration's code checks it
// in. Every step is in the store; the page is axe-clean and announces each
// answer (aria-live) without taking the focus from the code field.
func TestConsoleCheckIn(t *testing.T) {
	c := newConsole(t, nil, func() time.Time { return doorTime })
	ctx := t.Context()
	ev := c.event(t, doorSlug)
	m := storetest.Member(t, c.store, "2024-03-01") // 2025 without attendance: at risk on the event's day
	regs := registerAll(t, c, ev, withMember(5, m.Certificate)...)
	if regs["孙丽"].Status != events.StatusWaitlisted {
		t.Fatalf("孙丽 registered as %s, want waitlisted (4 places)", regs["孙丽"].Status)
	}
	elsewhere := registerAll(t, c, c.event(t, "2027-shenzhen-salon"), attendee{"钱伟", "深圳南山示例电子股份有限公司", "董秘", "13912340009", ""})["钱伟"]

	tb := cameraTab(t, c)
	c.open(tb, "/admin/checkin/")
	c.signIn(tb, membership.RoleSecretariat, "王秘书")
	tb.clean(signedOut("/api/admin/me", "/api/admin/events"))
	if !lapseRisk(tb, c, m.Certificate) {
		t.Fatalf("%s is not at lapse risk on the event's day before the check-in: the test's member is wrong", m.Certificate)
	}
	c.open(tb, "/admin/checkin/")
	c.ready(tb)
	if got := eval[string](tb, `document.getElementById('f-event').value`); got != doorSlug {
		t.Errorf("the event offered: %q, want %s, whose check-in is open today", got, doorSlug)
	}
	if live := eval[string](tb, `document.getElementById('result').getAttribute('aria-live')`); live != "assertive" {
		t.Errorf("the answer's region: aria-live %q, want assertive", live)
	}

	// A member's code, typed in lower case.
	got := typeCode(tb, strings.ToLower(regs["李华"].Code))
	if !containsAll(got, "签到成功", "李华", "合肥晨阳储能科技有限公司", m.Certificate, "出席已登记") {
		t.Errorf("check-in of 李华: the page says %q", got)
	}
	if eval[string](tb, `document.activeElement.id + '|' + document.getElementById('ci-code').value`) != "ci-code|" {
		t.Errorf("after a check-in the code field is not focused and empty for the next one")
	}
	tb.screenshot("console-checkin")
	r, err := c.store.Registration(ctx, doorSlug, regs["李华"].Code)
	if err != nil || r.CheckedIn == nil || r.CheckedIn.ByName != "王秘书" || !r.CheckedIn.At.Equal(doorTime) {
		t.Fatalf("stored check-in of 李华: %+v, %v; want by 王秘书 at %v", r.CheckedIn, err, doorTime)
	}
	// The same code again: when and by whom.
	if got := typeCode(tb, regs["李华"].Code); !containsAll(got, "已签到过", "李华", "2026-12-05 13:30", "王秘书", "无需重复签到") {
		t.Errorf("the same code again: the page says %q, want when and by whom", got)
	}
	tb.screenshot("console-checkin-again")
	tb.clean(nil)
	for _, tt := range []struct{ what, code, want string }{
		{"waiting", regs["孙丽"].Code, "孙丽"},
		{"another event's", elsewhere.Code, "不是本场活动"},
		{"unknown", "ZZZZ-ZZZZ", "未找到"},
	} {
		if got := typeCode(tb, tt.code); !containsAll(got, "不能签到", tt.want) {
			t.Errorf("a %s code: the page says %q, want it refused naming %q", tt.what, got, tt.want)
		}
	}
	if kept := eval[string](tb, `(c => c.value.slice(c.selectionStart, c.selectionEnd))(document.getElementById('ci-code'))`); kept != "ZZZZ-ZZZZ" {
		t.Errorf("a refused code: the field holds %q selected, want the code kept, selected for correction", kept)
	}
	tb.screenshot("console-checkin-refused")
	tb.rec.reset() // the three refusals above were answered 409, 400 and 404, as they should
	// A phone number, typed over the refused code (which the field keeps selected).
	if got := typeCode(tb, "139 1234 0002"); !containsAll(got, "签到成功", "王芳") {
		t.Errorf("check-in by phone: the page says %q", got)
	}
	// A walk-in: only what the door needs.
	tb.do(chromedp.Click(chromedp.CSS("#walkin-section summary")))
	markResult(tb)
	tb.do(chromedp.SendKeys(chromedp.ID("wi-name"), "吴刚"), chromedp.SendKeys(chromedp.ID("wi-org"), "南京江北示例新材料股份有限公司"),
		chromedp.SendKeys(chromedp.ID("wi-phone"), "13912340006"), chromedp.Click(chromedp.ID("wi-privacy")))
	tb.screenshot("console-checkin-walkin")
	tb.do(chromedp.Click(chromedp.CSS("#walkin button[type=submit]")))
	if got := result(tb); !containsAll(got, "签到成功", "吴刚", "现场报名") {
		t.Errorf("walk-in: the page says %q", got)
	}
	// The camera.
	tb.do(chromedp.Click(chromedp.ID("scan-start")))
	waitFor(tb, "the camera's picture", `(v => !v.hidden && v.srcObject && v.videoWidth > 0)(document.getElementById('scan-video'))`)
	waitFor(tb, "the detector reading frames", `window.testFrames > 2`)
	markResult(tb)
	eval[bool](tb, `window.testQR = `+strconv.Quote(regs["赵强"].Code)+`, true`)
	if got := result(tb); !containsAll(got, "签到成功", "赵强") {
		t.Errorf("the code read by the camera: the page says %q", got)
	}
	tb.screenshot("console-checkin-scan")
	tb.do(chromedp.Click(chromedp.ID("scan-stop")))
	if eval[bool](tb, `(v => !v.hidden || !!v.srcObject)(document.getElementById('scan-video'))`) {
		t.Errorf("after 停止扫码 the camera is still on")
	}
	tb.checkAxe()
	tb.checkNoSideScroll()
	tb.clean(nil)

	stored, err := c.store.Registrations(ctx, doorSlug)
	if err != nil {
		t.Fatal(err)
	}
	checked := map[string]bool{}
	for _, r := range stored {
		if r.CheckedIn != nil {
			checked[r.Name] = true
		}
	}
	if len(checked) != 4 || !checked["李华"] || !checked["王芳"] || !checked["赵强"] || !checked["吴刚"] {
		t.Errorf("checked in: %v, want 李华, 王芳, 赵强 and the walk-in 吴刚", checked)
	}
	if lapseRisk(tb, c, m.Certificate) {
		t.Errorf("%s still at lapse risk in the console's lapse view after the check-in", m.Certificate)
	}
}

// TestConsoleRegistrants is 活动报名 on a phone: the registrants of the
// event with their counts, filtered; the clerk cancels a registration on the
// registrant's behalf (the first waiting takes the place), voids a check-in
// from the roster, and, the places raised in the content, fills them from
// the waitlist (补位); the CSV downloads. The chair sees the same and no
// control that changes anything, nor the door's.
func TestConsoleRegistrants(t *testing.T) {
	c := newConsole(t, nil, func() time.Time { return doorTime })
	ctx := t.Context()
	ev := c.event(t, doorSlug)
	regs := registerAll(t, c, ev, forumAttendees...)
	if _, _, err := c.store.CheckIn(ctx, doorSlug, regs["王芳"].Code, 0, func(r *events.Registration) (*membership.Attendance, error) {
		att, _, err := r.CheckIn(ev, membership.Actor{ID: "clerk-2", Name: "赵秘书", Roles: []string{membership.RoleSecretariat}}, doorTime)
		return att, err
	}); err != nil {
		t.Fatal(err)
	}
	tb := c.tab(t, phone)
	tb.reduceMotion()
	c.open(tb, "/admin/registrations/?event="+doorSlug)
	c.signIn(tb, membership.RoleSecretariat, "王秘书")
	counts := text(tb, "counts")
	if !containsAll(counts, "4名额", "4已报名", "0剩余名额", "2候补", "1已签到") {
		t.Errorf("counts: %q, want 4 places, 4 confirmed, 2 waiting, 1 checked in", counts)
	}
	list := text(tb, "list")
	if !containsAll(list, "候补第 1 位", "候补第 2 位", "孙丽", "吴刚", "赵秘书") {
		t.Errorf("registrants: %q, want the waiting with their places and who checked 王芳 in", list)
	}
	tb.screenshot("console-registrations")
	tb.checkAxe()
	tb.checkNoSideScroll()

	// Cancel on behalf: 周敏 phoned; 孙丽, first waiting, takes the place.
	tb.do(chromedp.Click(chromedp.CSS(`#list button[data-form=cancel][data-code="` + regs["周敏"].Code + `"]`)))
	act(tb, "cancel", map[string]string{"cancel-note": "本人来电取消"})
	if msg, ok := notice(tb); !ok || !strings.Contains(msg, "周敏") {
		t.Fatalf("cancel on behalf: %q", msg)
	}
	for name, want := range map[string]events.Status{"周敏": events.StatusCancelled, "孙丽": events.StatusConfirmed, "吴刚": events.StatusWaitlisted} {
		if r, _ := c.store.Registration(ctx, doorSlug, regs[name].Code); r.Status != want {
			t.Errorf("%s: %s, want %s", name, r.Status, want)
		}
	}
	if r, _ := c.store.Registration(ctx, doorSlug, regs["周敏"].Code); r.Cancelled.Reason != "本人来电取消" || r.Cancelled.ByName != "王秘书" {
		t.Errorf("周敏's cancellation: %+v, want the reason and the clerk", r.Cancelled)
	}
	// Void 王芳's check-in from the roster.
	tb.do(chromedp.Click(chromedp.CSS(`#list button[data-form=void][data-code="` + regs["王芳"].Code + `"]`)))
	act(tb, "void", map[string]string{"void-note": "扫错了人"})
	if r, _ := c.store.Registration(ctx, doorSlug, regs["王芳"].Code); r.CheckedIn != nil || len(r.VoidedCheckIns) != 1 {
		t.Errorf("王芳 after the void: %+v", r)
	}
	// No place is free: nothing to promote.
	if eval[bool](tb, `!document.getElementById('promote-section').hidden`) {
		t.Errorf("补位 offered while no place is free")
	}
	// The content raised the places to 5: 吴刚 may take the new one.
	c.places.Store(5)
	c.open(tb, "/admin/registrations/?event="+doorSlug)
	c.ready(tb)
	if got := text(tb, "promote-text"); !containsAll(got, "空余名额 1", "前 1 人") {
		t.Errorf("补位: %q, want one place for one of the waiting", got)
	}
	tb.screenshot("console-registrations-promote")
	act(tb, "promote", nil)
	if msg, ok := notice(tb); !ok || !strings.Contains(msg, "吴刚") {
		t.Errorf("补位: %q, want 吴刚 promoted", msg)
	}
	if r, _ := c.store.Registration(ctx, doorSlug, regs["吴刚"].Code); r.Status != events.StatusConfirmed || r.PromotedBy == "" {
		t.Errorf("吴刚 after 补位: %+v", r)
	}
	// Filters and the CSV.
	c.open(tb, "/admin/registrations/?event="+doorSlug+"&status=cancelled")
	c.ready(tb)
	if got := text(tb, "list"); !strings.Contains(got, "周敏") || strings.Contains(got, "李华") {
		t.Errorf("cancelled only: %q", got)
	}
	csv := download(tb, "csv")
	if !strings.HasPrefix(csv, "\ufeff") || !containsAll(csv, "周敏", "秘书处代为取消", "本人来电取消", "秘书处补位", "\r\n") {
		t.Errorf("the CSV: %q", csv)
	}
	tb.clean(nil)

	// The chair reads and changes nothing, at the door neither.
	chair := c.tab(t, phone)
	c.open(chair, "/admin/registrations/?event="+doorSlug)
	c.signIn(chair, membership.RoleChair, "刘理事长")
	if got := writeControls(chair); len(got) != 0 || !strings.Contains(text(chair, "list"), "吴刚") {
		t.Errorf("the chair's roster: controls %v (want none), list %q", got, text(chair, "list"))
	}
	if eval[int](chair, `document.querySelectorAll('#list button').length`) != 0 {
		t.Errorf("the chair's roster has buttons in its rows")
	}
	c.open(chair, "/admin/checkin/?event="+doorSlug)
	c.ready(chair)
	if got := writeControls(chair); len(got) != 0 || eval[bool](chair, `document.getElementById('read-only').hidden`) {
		t.Errorf("the chair at the door: controls %v, want none and the note that the secretariat checks in", got)
	}
	chair.clean(signedOut("/api/admin/me", "/api/admin/events"))
}
