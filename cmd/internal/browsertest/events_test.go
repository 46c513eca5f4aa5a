package browsertest

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/smelisting/alliance/functions/backoffice"
	"github.com/smelisting/alliance/functions/events"
	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/storetest"
)

// eventSlug is the tests' own event with online registration (80 places),
// which buildSite adds to the project's content: far from any real date, so
// that the tests pass on whatever day they run (the content's events pass).
const (
	eventSlug = "browsertest-forum"
	eventPage = "/events/" + eventSlug + "/"
	testEvent = `---
title: 上市公司信息披露实务研讨会（杭州）
date: 2026-11-25
start: 2099-06-05 09:00
end: 2099-06-05 17:00
city: 杭州
venue: 杭州国际博览中心
kind: training
register: 请在本页在线报名；不便在线报名的，可致电秘书处。
registration: open
capacity: 80
registerBy: 2099-05-31 18:00
fee: 会员单位免费
summary: 一天的实务研讨，聚焦信息披露规则与问询中的常见问题。
---

研讨会聚焦上市公司信息披露实务：定期报告与临时公告、重大事项的判断、交易所问询的常见问题。
`
)

var codeRE = regexp.MustCompile(`^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$`)

// registrant returns the form's values for a visitor; phone makes them unique.
func registrant(name, phone, certificate string) []formValue {
	vals := []formValue{
		{"name", "text", name}, {"org", "text", "合肥晨阳储能科技有限公司"}, {"job_title", "text", "董事会秘书"},
		{"phone", "text", phone}, {"email", "text", "dongmi@example.cn"},
	}
	if certificate != "" {
		vals = append(vals, formValue{"certificate", "text", certificate})
	}
	return append(vals, formValue{"privacy_accepted", "check", ""})
}

// placesLeft reads the places left from the API, as the page fetches them.
func placesLeft(tb *tab) int {
	tb.t.Helper()
	return eval[int](tb, `fetch('/api/events/`+eventSlug+`').then(r => r.json()).then(p => p.left)`)
}

// TestEventRegisterOnPhone: a member registers for an event on a phone; the
// page shows the registration code, its QR code and one place fewer; the
// clerk checks the code in at the door (the secretariat API), and the
// member's lapse-risk flag clears in the lapse report.
func TestEventRegisterOnPhone(t *testing.T) {
	ctx := context.Background()
	m := storetest.Member(t, env.store, "2097-03-01") // 2098 without attendance: at risk on the event's day in 2099
	tb := openTab(t, phone)
	tb.reduceMotion()
	tb.load(eventPage)
	waitFor(tb, "the places left from the API", `document.getElementById('event-places').textContent.includes('剩余名额')`)
	before := placesLeft(tb)
	shown := eval[string](tb, `document.getElementById('event-places').textContent`)
	if !strings.Contains(shown, fmt.Sprintf("剩余名额 %d 人", before)) {
		t.Errorf("places shown %q, want %d left", shown, before)
	}
	fill(tb, registrant("李华", "13912340001", strings.ToLower(m.Certificate)))
	tb.do(chromedp.Click(chromedp.ID("event-submit")))
	waitFor(tb, "the registration's ticket", `!document.getElementById('event-ticket').hidden`)
	code := eval[string](tb, `document.getElementById('event-code').textContent`)
	if !codeRE.MatchString(code) {
		t.Fatalf("registration code shown: %q", code)
	}
	if got := eval[string](tb, `document.getElementById('event-status-label').textContent`); got != "已报名" {
		t.Errorf("status shown %q, want 已报名", got)
	}
	qr := eval[struct {
		Tag   string  `json:"tag"`
		Paths int     `json:"paths"`
		Width float64 `json:"width"`
	}](tb, `(s => ({tag: s ? s.tagName : '', paths: s ? s.querySelectorAll('path').length : 0, width: s ? s.getBoundingClientRect().width : 0}))(document.querySelector('#event-qr svg'))`)
	if qr.Tag != "svg" || qr.Paths != 1 || qr.Width < 150 || qr.Width > 390 {
		t.Errorf("QR code on the page: %+v, want one SVG path, 150–390 px wide", qr)
	}
	if got := eval[string](tb, `document.getElementById('event-places').textContent`); !strings.Contains(got, fmt.Sprintf("剩余名额 %d 人", before-1)) {
		t.Errorf("places after registering %q, want %d left", got, before-1)
	}
	if after := placesLeft(tb); after != before-1 {
		t.Errorf("places left from the API: %d, want %d", after, before-1)
	}
	tb.screenshot("event-registered-phone")
	tb.checkNoSideScroll()
	tb.clean(nil)

	// The page remembers the registration: a reload shows it again.
	tb.load(eventPage)
	waitFor(tb, "the remembered registration", `!document.getElementById('event-ticket').hidden`)
	if got := eval[string](tb, `document.getElementById('event-code').textContent`); got != code {
		t.Errorf("after a reload the page shows %q, want %s", got, code)
	}

	// At the door (the event's first day), the clerk types the code.
	cat := siteEvents(env.siteDir)
	c, err := cat.Catalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := c.Event(eventSlug)
	if err != nil {
		t.Fatal(err)
	}
	door := ev.Start.Add(-30 * time.Minute)
	office := backoffice.New(backoffice.Config{Store: env.store, Events: env.store, Catalog: cat, Now: func() time.Time { return door }})
	clerk := membership.NewContext(ctx, membership.Actor{ID: "clerk-1", Name: "王秘书", Roles: []string{membership.RoleSecretariat}})
	date := membership.Today(door)
	atRisk := func() bool {
		r, err := office.LapseReport(clerk, date)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range r.AtRisk {
			if s.Certificate == m.Certificate {
				return true
			}
		}
		return false
	}
	if !atRisk() {
		t.Fatalf("%s not at risk on %s before the event: the test's member is wrong", m.Certificate, date)
	}
	res, err := office.CheckIn(clerk, eventSlug, backoffice.CheckInRequest{Code: strings.ToLower(code)})
	if err != nil || res.Already || !res.AttendanceRecorded || res.Registration.Name != "李华" {
		t.Fatalf("check-in of %s: %+v, %v", code, res, err)
	}
	if atRisk() {
		t.Errorf("%s still at risk after checking in", m.Certificate)
	}
}

// TestEventRegisterWithoutJavaScript turns JavaScript off: the plain form
// POST registers, and the page it leads to shows the code and the QR code in
// the site's frame.
func TestEventRegisterWithoutJavaScript(t *testing.T) {
	tb := openTab(t, phone)
	tb.reduceMotion()
	tb.scripts(false)
	tb.load(eventPage)
	fill(tb, registrant("王芳", "13912340002", ""))
	tb.rec.reset()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.ID("event-submit")))
	if err != nil {
		t.Fatalf("submit without JavaScript: %v", err)
	}
	tb.settle()
	if resp.Status != 200 || !strings.Contains(resp.URL, "/api/events/"+eventSlug+"/registered") {
		t.Fatalf("after the POST: got %d %s, want 200 from the registration's page", resp.Status, resp.URL)
	}
	code := eval[string](tb, `document.getElementById('event-code').textContent.trim()`)
	if !codeRE.MatchString(code) || !eval[bool](tb, `!!document.querySelector('.event-qr svg path')`) {
		t.Errorf("registration page: code %q, QR code shown %v", code, eval[bool](tb, `!!document.querySelector('.event-qr svg path')`))
	}
	r, err := env.store.Registration(context.Background(), eventSlug, code)
	if err != nil || r.Name != "王芳" || r.Phone != "13912340002" || r.Status != events.StatusConfirmed {
		t.Errorf("stored: %+v, %v", r, err)
	}
	checkFramed(tb, env.baseURL, 0)
	tb.screenshot("event-registered-nojs")
	tb.checkNoSideScroll()
	tb.clean(nil)
}
