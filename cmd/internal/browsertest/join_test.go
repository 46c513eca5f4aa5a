package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/smelisting/alliance/functions/membership"
)

// formValue is one control of the join form and what a visitor puts in it.
type formValue struct {
	name  string // the control's name; its id is "f-"+name
	kind  string // "text" is typed, "select" chosen, "check" ticked
	value string // for "check" with a value, the box's id is "f-"+name+"-"+value
}

// id returns the element id of the control.
func (v formValue) id() string {
	if v.kind == "check" && v.value != "" {
		return "f-" + v.name + "-" + v.value
	}
	return "f-" + v.name
}

// enterprise returns a complete, valid enterprise application; its
// organisation name carries tag so that each test finds its own in the store,
// and its credit code is the tag's own, since an organisation may have one
// open application at a time.
func enterprise(tag string) []formValue {
	h := fnv.New32a()
	h.Write([]byte(tag))
	return []formValue{
		{"org_name", "text", "合肥晨阳储能科技有限公司（" + tag + "）"},
		{"credit_code", "text", creditCode(fmt.Sprintf("91340100%09d", h.Sum32()%1_000_000_000))},
		{"representative_kind", "select", "legal"},
		{"representative", "text", "张晓明"},
		{"region", "select", "安徽省"},
		{"industry", "text", "新能源与储能"},
		{"specialised", "select", "provincial"},
		{"introduction", "text", "公司专注于工商业储能系统，员工 120 人。\n已在十余个省份落地项目，计划三年内上市。"},
		{"contact", "text", "李华"},
		{"phone", "text", "13812345678"},
		{"email", "text", "lihua@example.cn"},
		{"listing_board", "select", "bse"},
		{"listing_year", "text", "2028"},
		{"services", "check", "financing"},
		{"services", "check", "ipo"},
		{"commitment_accepted", "check", ""},
		{"privacy_accepted", "check", ""},
	}
}

// without returns vals without the controls named name.
func without(vals []formValue, name string) []formValue {
	return slices.DeleteFunc(slices.Clone(vals), func(v formValue) bool { return v.name == name })
}

// value returns the value of the first control named name.
func value(vals []formValue, name string) string {
	for _, v := range vals {
		if v.name == name {
			return v.value
		}
	}
	return ""
}

// creditCode completes 17 characters into a unified social credit code with
// the GB 32100-2015 check character, computed here independently of the code
// under test.
func creditCode(first17 string) string {
	const charset = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	sum, w := 0, 1
	for i := range 17 {
		sum += strings.IndexByte(charset, first17[i]) * w
		w = w * 3 % 31
	}
	return first17 + string(charset[(31-sum%31)%31])
}

// corrupt changes the check character of a credit code to a wrong one.
func corrupt(code string) string {
	last := code[17]
	for _, c := range []byte("0123456789") {
		if c != last {
			return code[:17] + string(c)
		}
	}
	panic("unreachable")
}

// fill types and clicks vals into the form like a visitor with a mouse.
func fill(tb *tab, vals []formValue) {
	tb.t.Helper()
	for _, v := range vals {
		switch v.kind {
		case "text":
			tb.do(chromedp.SendKeys(chromedp.ID(v.id()), v.value))
		case "select":
			tb.do(chromedp.SetValue(chromedp.ID(v.id()), v.value))
		case "check":
			tb.do(chromedp.Click(chromedp.ID(v.id())))
		}
	}
}

// expected is the application the store must hold for vals.
func expected(vals []formValue, privacyVersion string) membership.Application {
	year, _ := strconv.Atoi(value(vals, "listing_year"))
	var services []string
	for _, v := range vals {
		if v.name == "services" {
			services = append(services, v.value)
		}
	}
	typ := membership.TypeEnterprise
	if t := value(vals, "type"); t != "" {
		typ = membership.MemberType(t)
	}
	return membership.Application{
		Type:               typ,
		OrgName:            value(vals, "org_name"),
		CreditCode:         value(vals, "credit_code"),
		Representative:     value(vals, "representative"),
		RepresentativeKind: membership.RepresentativeKind(value(vals, "representative_kind")),
		Contact:            value(vals, "contact"),
		Phone:              value(vals, "phone"),
		Email:              value(vals, "email"),
		Region:             value(vals, "region"),
		Industry:           value(vals, "industry"),
		Specialised:        membership.Specialised(value(vals, "specialised")),
		ListingPlan:        membership.ListingPlan{Board: value(vals, "listing_board"), Year: year},
		Services:           services,
		Introduction:       value(vals, "introduction"),
		CommitmentAccepted: true,
		PrivacyAccepted:    true,
		PrivacyVersion:     privacyVersion,
		Status:             membership.StatusSubmitted,
	}
}

// checkStored fails the test unless the store holds exactly one application
// with the organisation name of vals, with the number the visitor saw and
// every field as typed.
func checkStored(t *testing.T, number string, vals []formValue, privacyVersion string) {
	t.Helper()
	apps, err := storedByOrgName(context.Background(), value(vals, "org_name"))
	if err != nil {
		t.Fatalf("read the store: %v", err)
	}
	if len(apps) != 1 {
		t.Fatalf("applications stored for %s: got %d, want 1", value(vals, "org_name"), len(apps))
	}
	got, want := apps[0], expected(vals, privacyVersion)
	if got.Number != number {
		t.Errorf("stored number: got %q, want %q (the one shown to the visitor)", got.Number, number)
	}
	for _, f := range []string{"Type", "OrgName", "CreditCode", "Representative", "RepresentativeKind", "Contact",
		"Phone", "Email", "Region", "Industry", "Specialised", "ListingPlan", "Services", "Introduction",
		"CommitmentAccepted", "PrivacyAccepted", "PrivacyVersion", "Status"} {
		g := reflect.ValueOf(got).FieldByName(f).Interface()
		w := reflect.ValueOf(want).FieldByName(f).Interface()
		if !reflect.DeepEqual(g, w) {
			t.Errorf("stored %s: got %#v, want %#v", f, g, w)
		}
	}
}

// waitFor polls a JavaScript expression (bounded) until it is true.
func waitFor(tb *tab, what, expr string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr,
		chromedp.WithPollingInterval(25*time.Millisecond), chromedp.WithPollingTimeout(stepTimeout))); err != nil {
		tb.t.Fatalf("%s: wait for %s: %v", tb.vp.name, what, err)
	}
}

// submit clicks the submit button (twice, fast, when double) and waits until
// the form answers: its success panel, or a new summary of errors. It reports
// whether the form succeeded.
func submit(tb *tab, double bool) bool {
	tb.t.Helper()
	// Mark what the summary shows now, so that a new answer can be told apart.
	eval[bool](tb, `[...document.getElementById('join-summary').children].forEach(c => c.dataset.old = '1'), true`)
	if double {
		tb.doubleClick("join-submit")
	} else {
		tb.do(chromedp.Click(chromedp.ID("join-submit")))
	}
	waitFor(tb, "the answer of the form", `!document.getElementById('join-success').hidden ||
		(s => !s.hidden && s.firstElementChild && !s.firstElementChild.dataset.old)(document.getElementById('join-summary'))`)
	return eval[bool](tb, `!document.getElementById('join-success').hidden`)
}

// fieldError is what the page shows for one field after a refused submit.
type fieldError struct {
	Name      string `json:"name"`
	Text      string `json:"text"`
	Visible   bool   `json:"visible"`
	Near      bool   `json:"near"`      // in the same field box as its control
	Described bool   `json:"described"` // the control's aria-describedby names it
}

// fieldErrors reads the error shown next to each named field.
func fieldErrors(tb *tab, names []string) map[string]fieldError {
	tb.t.Helper()
	list := eval[[]fieldError](tb, `((names) => names.map(n => {
		const e = document.getElementById('e-' + n), c = document.getElementById('f-' + n);
		const box = x => x && x.closest('.join-field, fieldset');
		return {name: n, text: e ? e.textContent.trim() : '', visible: !!e && e.getClientRects().length > 0,
			near: !!e && !!c && box(e) === box(c),
			described: !!c && (c.getAttribute('aria-describedby') || '').split(/\s+/).includes('e-' + n)};
	}))(`+jsStrings(names)+`)`)
	m := map[string]fieldError{}
	for _, e := range list {
		m[e.Name] = e
	}
	return m
}

// jsStrings writes a JavaScript array literal of strings.
func jsStrings(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return "[" + strings.Join(q, ",") + "]"
}

var han = regexp.MustCompile(`\p{Han}`)

// requiredFields are the fields an enterprise applicant must fill.
var requiredFields = []string{"org_name", "credit_code", "representative_kind", "representative", "region",
	"industry", "specialised", "introduction", "contact", "phone", "email", "services", "commitment_accepted", "privacy_accepted"}

// allFields are every field that can show an error.
var allFields = append(slices.Clone(requiredFields), "type", "listing_board", "listing_year")

// refused is the status of a refused submission, which the page handles.
var refused = map[string]int64{"/api/applications": 400}

// TestJoinEmptySubmit submits the empty form and checks that each required
// field shows its Chinese error next to it, and that nothing is stored.
func TestJoinEmptySubmit(t *testing.T) {
	for _, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			tb := openTab(t, vp)
			tb.reduceMotion()
			tb.load("/join/")
			before := storedCount(t)
			if submit(tb, false) {
				t.Fatalf("empty form: got the success panel, want errors")
			}
			tb.settle()
			if posts := postsTo(tb, "/api/applications"); len(posts) != 1 || posts[0].status != 400 {
				t.Errorf("empty form: got POSTs %v, want one answered 400", posts)
			}
			if after := storedCount(t); after != before {
				t.Errorf("empty form: applications in the store went from %d to %d, want no change", before, after)
			}
			errs := fieldErrors(tb, requiredFields)
			for _, name := range requiredFields {
				e := errs[name]
				switch {
				case e.Text == "" || !han.MatchString(e.Text):
					t.Errorf("field %s: got error %q, want a Chinese message", name, e.Text)
				case !e.Visible:
					t.Errorf("field %s: error %q is not visible", name, e.Text)
				case !e.Near:
					t.Errorf("field %s: error %q is not next to its control", name, e.Text)
				case !e.Described:
					t.Errorf("field %s: the control's aria-describedby does not name its error e-%s", name, name)
				}
			}
			tb.screenshot("join-errors")
			tb.checkNoSideScroll()
			tb.checkAxe()
			tb.clean(refused)
		})
	}
}

// TestJoinCorruptCreditCode submits a complete application whose credit code
// has a wrong check character: it is refused with a message of its own (not
// the one for a missing code), on the credit code only, and nothing is stored.
func TestJoinCorruptCreditCode(t *testing.T) {
	tb := openTab(t, phone)
	tb.reduceMotion()
	tb.load("/join/")
	vals := enterprise("校验位错误")
	fill(tb, without(vals, "credit_code"))
	if submit(tb, false) {
		t.Fatalf("form without a credit code: got the success panel, want an error")
	}
	missing := fieldErrors(tb, []string{"credit_code"})["credit_code"].Text

	bad := corrupt(value(vals, "credit_code"))
	tb.do(chromedp.SendKeys(chromedp.ID("f-credit_code"), bad))
	if submit(tb, false) {
		t.Fatalf("credit code %s: got the success panel, want an error", bad)
	}
	errs := fieldErrors(tb, allFields)
	got := errs["credit_code"].Text
	switch {
	case got == "" || !han.MatchString(got):
		t.Errorf("credit code %s: got error %q, want a Chinese message", bad, got)
	case got == missing:
		t.Errorf("credit code %s: got %q, the message for a missing code; want a message of its own", bad, got)
	}
	for _, name := range allFields {
		if name != "credit_code" && errs[name].Text != "" {
			t.Errorf("field %s: got error %q, want none", name, errs[name].Text)
		}
	}
	if apps, err := storedByOrgName(context.Background(), value(vals, "org_name")); err != nil || len(apps) != 0 {
		t.Errorf("applications stored with a corrupt credit code: got %d (%v), want 0", len(apps), err)
	}
	tb.clean(refused)
}

// submitAndRead submits (twice, fast, when double) and returns the
// application number the success panel shows.
func submitAndRead(tb *tab, double bool) string {
	tb.t.Helper()
	if !submit(tb, double) {
		summary := eval[string](tb, `document.getElementById('join-summary').innerText`)
		tb.t.Fatalf("%s: got no success panel; the form says %q", tb.vp.name, summary)
	}
	return eval[string](tb, `document.getElementById('join-number').textContent.trim()`)
}

var numberRE = regexp.MustCompile(`^SQ\d{4}-\d{6}$`)

// TestJoinSubmit fills a correct enterprise application, submits it, sees the
// application number, and finds the application in the store with every field
// as typed.
func TestJoinSubmit(t *testing.T) {
	for _, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			tb := openTab(t, vp)
			tb.reduceMotion()
			tb.load("/join/")
			version := eval[string](tb, `document.querySelector('#join-form [name=privacy_version]').value`)
			vals := enterprise("提交" + vp.name)
			fill(tb, vals)
			number := submitAndRead(tb, false)
			if !numberRE.MatchString(number) {
				t.Errorf("application number: got %q, want like SQ2026-000123", number)
			}
			tb.screenshot("join-success")
			tb.checkNoSideScroll()
			tb.checkAxe()
			checkStored(t, number, vals, version)
			tb.clean(nil)
		})
	}
}

// postsTo returns the POST requests of the page to a site path.
func postsTo(tb *tab, p string) []request {
	var out []request
	for _, r := range tb.rec.snapshot() {
		if r.method == "POST" && r.url == siteURL(p) {
			out = append(out, r)
		}
	}
	return out
}

// storedCount returns the number of submitted applications in the store.
func storedCount(t *testing.T) int {
	t.Helper()
	counts, err := env.store.ApplicationCounts(context.Background())
	if err != nil {
		t.Fatalf("read the store: %v", err)
	}
	return counts[membership.StatusSubmitted]
}

// individual returns a complete, valid application of an individual: no
// credit code, no representative, no listing plan.
func individual(tag string) []formValue {
	return []formValue{
		{"type", "check", "individual"},
		{"org_name", "text", "深圳某律师事务所（" + tag + "）"},
		{"region", "select", "广东省"},
		{"industry", "text", "法律服务"},
		{"specialised", "select", "none"}, // 无: an answer, not the default
		{"introduction", "text", "执业律师，专注企业上市合规。"},
		{"contact", "text", "王芳"},
		{"phone", "text", "13912345678"},
		{"email", "text", "wangfang@example.cn"},
		{"services", "check", "training"},
		{"commitment_accepted", "check", ""},
		{"privacy_accepted", "check", ""},
	}
}

// TestJoinIndividual applies as an individual: the organisation-only fields
// (credit code, representative) disappear from the form, and the application
// is stored as typed, without them.
func TestJoinIndividual(t *testing.T) {
	tb := openTab(t, phone)
	tb.reduceMotion()
	tb.load("/join/")
	version := eval[string](tb, `document.querySelector('#join-form [name=privacy_version]').value`)
	vals := individual("个人")
	fill(tb, vals[:1])
	for _, id := range []string{"f-credit_code", "f-representative", "f-representative_kind"} {
		if eval[bool](tb, fmt.Sprintf(`(c => !!c && c.getClientRects().length > 0)(document.getElementById(%q))`, id)) {
			t.Errorf("individual: control %s is still shown, want it hidden", id)
		}
	}
	fill(tb, vals[1:])
	number := submitAndRead(tb, false)
	checkStored(t, number, vals, version)
	tb.checkNoSideScroll()
	tb.clean(nil)
}

// TestJoinDoubleClick double-clicks submit as a mouse does (two click
// events): the page's own guard sends one request, and one application is
// stored. TestJoinLostAnswer and TestJoinResend cover the server's guard.
func TestJoinDoubleClick(t *testing.T) {
	for _, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			tb := openTab(t, vp)
			tb.reduceMotion()
			tb.load("/join/")
			version := eval[string](tb, `document.querySelector('#join-form [name=privacy_version]').value`)
			vals := enterprise("双击" + vp.name)
			fill(tb, vals)
			tb.rec.reset()
			number := submitAndRead(tb, true)
			tb.settle()
			if posts := postsTo(tb, "/api/applications"); len(posts) != 1 {
				t.Errorf("double click: got %d POST requests, want 1 (the button is disabled while sending)", len(posts))
			}
			checkStored(t, number, vals, version)
			tb.clean(nil)
		})
	}
}

// loseNextAnswer makes the browser drop the answer to the next request whose
// URL matches pattern after the server has handled it, as a phone losing its
// connection does. The returned func waits until that happened and fails the
// test if it did not.
func (tb *tab) loseNextAnswer(pattern string) (wait func()) {
	tb.t.Helper()
	target := chromedp.FromContext(tb.ctx).Target
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	paused := cdp.Events(ctx, target, fetch.RequestPaused) // subscribes now
	tb.do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, fetch.Enable, fetch.EnableParams{
			Patterns: []*fetch.RequestPattern{{URLPattern: pattern, RequestStage: fetch.RequestStageResponse}},
		})
		return err
	}))
	done := make(chan error, 1)
	go func() {
		defer cancel()
		for ev, err := range paused {
			if err != nil {
				done <- fmt.Errorf("wait for the request to %s: %w", pattern, err)
				return
			}
			_, err = cdp.Call(ctx, target, fetch.FailRequest,
				fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonConnectionReset})
			if err == nil {
				_, err = cdp.Call(ctx, target, fetch.Disable, cdp.Empty{})
			}
			done <- err
			return
		}
		done <- fmt.Errorf("no request to %s", pattern)
	}()
	return func() {
		tb.t.Helper()
		if err := <-done; err != nil {
			tb.t.Fatalf("%s: lose the answer: %v", tb.vp.name, err)
		}
	}
}

// TestJoinLostAnswer loses the answer to the first submit on the network,
// after the server stored the application; the page says the connection
// failed, the visitor submits again, the page resends the same
// Idempotency-Key, and the server answers with the first application: one
// application, the number the visitor sees.
func TestJoinLostAnswer(t *testing.T) {
	tb := openTab(t, phone)
	tb.reduceMotion()
	tb.load("/join/")
	version := eval[string](tb, `document.querySelector('#join-form [name=privacy_version]').value`)
	vals := enterprise("应答丢失")
	fill(tb, vals)

	tb.rec.reset()
	wait := tb.loseNextAnswer("*/api/applications")
	if submit(tb, false) {
		t.Fatalf("lost answer: got the success panel, want the network error")
	}
	wait()
	tb.settle()
	if msg := eval[string](tb, `document.getElementById('join-summary').innerText`); !strings.Contains(msg, "网络连接失败") {
		t.Errorf("lost answer: the form says %q, want it to say 网络连接失败", msg)
	}
	first := postsTo(tb, "/api/applications")
	if len(first) != 1 || first[0].failed == "" || first[0].key == "" {
		t.Fatalf("lost answer: got POSTs %+v, want one failed, with an Idempotency-Key", first)
	}
	// The failure is the one this test made; nothing else may be wrong.
	for _, p := range tb.problems(nil) {
		if !strings.Contains(p, "/api/applications") || !strings.Contains(p, "ERR_CONNECTION_RESET") {
			t.Errorf("%s: %s", tb.vp.name, p)
		}
	}
	if apps, err := storedByOrgName(context.Background(), value(vals, "org_name")); err != nil || len(apps) != 1 {
		t.Fatalf("after the lost answer: got %d applications stored (%v), want 1 (the server handled it)", len(apps), err)
	}

	tb.rec.reset()
	number := submitAndRead(tb, false)
	tb.settle()
	retry := postsTo(tb, "/api/applications")
	switch {
	case len(retry) != 1:
		t.Errorf("retry: got %d POSTs, want 1", len(retry))
	case retry[0].key != first[0].key:
		t.Errorf("retry: got Idempotency-Key %q, want the first one %q", retry[0].key, first[0].key)
	case retry[0].status != 201 || retry[0].replayed != "true":
		t.Errorf("retry: got status %d, Idempotent-Replayed %q; want 201, true", retry[0].status, retry[0].replayed)
	}
	checkStored(t, number, vals, version)
	tb.clean(nil)
}

// TestJoinBusy stalls the store: the submit is answered 503 by the API's time
// limit; the form says 系统繁忙，请稍后再试 and keeps everything the visitor
// typed, ticked and chose; once the store is back, submitting again sends the
// same Idempotency-Key and stores one application, the one the visitor sees.
func TestJoinBusy(t *testing.T) {
	tb := openTab(t, phone)
	tb.reduceMotion()
	tb.load("/join/")
	version := eval[string](tb, `document.querySelector('#join-form [name=privacy_version]').value`)
	vals := enterprise("系统繁忙")
	fill(tb, vals)

	env.store.stalled.Store(true)
	defer env.store.stalled.Store(false)
	tb.rec.reset()
	if submit(tb, false) {
		t.Fatalf("stalled store: got the success panel, want the busy message")
	}
	tb.settle()
	if msg := eval[string](tb, `document.getElementById('join-summary').innerText`); !strings.Contains(msg, "系统繁忙，请稍后再试") {
		t.Errorf("stalled store: the form says %q, want 系统繁忙，请稍后再试", msg)
	}
	busy := postsTo(tb, "/api/applications")
	if len(busy) != 1 || busy[0].status != 503 || busy[0].key == "" {
		t.Fatalf("stalled store: got POSTs %+v, want one answered 503, with an Idempotency-Key", busy)
	}
	for _, v := range vals {
		var kept bool
		if v.kind == "check" {
			kept = eval[bool](tb, fmt.Sprintf(`document.getElementById(%q).checked`, v.id()))
		} else {
			kept = eval[string](tb, fmt.Sprintf(`document.getElementById(%q).value`, v.id())) == v.value
		}
		if !kept {
			t.Errorf("stalled store: %s lost what the visitor entered (%q)", v.id(), v.value)
		}
	}
	if apps, err := storedByOrgName(context.Background(), value(vals, "org_name")); err != nil || len(apps) != 0 {
		t.Fatalf("stalled store: got %d applications stored (%v), want none", len(apps), err)
	}

	env.store.stalled.Store(false)
	tb.rec.reset()
	number := submitAndRead(tb, false)
	tb.settle()
	if again := postsTo(tb, "/api/applications"); len(again) != 1 || again[0].key != busy[0].key || again[0].status != 201 {
		t.Errorf("submit once the store is back: got POSTs %+v, want one with the first key %q, answered 201", again, busy[0].key)
	}
	checkStored(t, number, vals, version)
	tb.clean(nil)
}

// resent is the answer to one request that TestJoinResend sends from the page.
type resent struct {
	Status   int    `json:"status"`
	Replayed string `json:"replayed"`
	Number   string `json:"number"`
	Message  string `json:"message"`
}

// TestJoinResend goes past the page's guard: from the page, it sends the
// request the form sent again, twice at once, with the same Idempotency-Key;
// sends a new application twice at once with a new key, as a double click
// without the guard would; and reuses the key for another application. The
// server creates one application per key and refuses the reuse in Chinese.
func TestJoinResend(t *testing.T) {
	tb := openTab(t, desktop)
	tb.reduceMotion()
	tb.load("/join/")
	version := eval[string](tb, `document.querySelector('#join-form [name=privacy_version]').value`)
	vals := enterprise("重发")
	fill(tb, vals)
	tb.rec.reset()
	number := submitAndRead(tb, false)
	tb.settle()
	posts := postsTo(tb, "/api/applications")
	if len(posts) != 1 || posts[0].key == "" || posts[0].body == "" {
		t.Fatalf("submit: got POSTs %+v, want one with an Idempotency-Key and a body", posts)
	}
	sent := posts[0]

	// send(key, body, n) sends n identical requests at once from the page.
	const send = `(url, key, body, n) => Promise.all(Array.from({length: n}, () => fetch(url, {method: 'POST',
		headers: {'Content-Type': 'application/json', 'Idempotency-Key': key}, body}).then(async r => {
			const d = await r.json().catch(() => ({}));
			return {status: r.status, replayed: r.headers.get('Idempotent-Replayed') || '',
				number: d.number || '', message: (d.error && d.error.message) || ''};
		})))`
	resend := func(key, body string, n int) []resent {
		t.Helper()
		return eval[[]resent](tb, fmt.Sprintf(`(%s)(%q, %q, %q, %d)`, send, sent.url, key, body, n))
	}

	// The same request again, twice at once: the first application twice.
	for i, got := range resend(sent.key, sent.body, 2) {
		if got != (resent{Status: 201, Replayed: "true", Number: number}) {
			t.Errorf("same request again (%d): got %+v, want 201, replayed, number %s", i, got, number)
		}
	}
	checkStored(t, number, vals, version)

	// A new application sent twice at once with one new key: one application.
	other := enterprise("重发并发")
	body := strings.Replace(sent.body, jsonString(value(vals, "org_name")), jsonString(value(other, "org_name")), 1)
	body = strings.Replace(body, jsonString(value(vals, "credit_code")), jsonString(value(other, "credit_code")), 1)
	if body == sent.body {
		t.Fatalf("the form's body %s does not hold the organisation name %q", sent.body, value(vals, "org_name"))
	}
	pair := resend(sent.key+"-2", body, 2)
	replays := 0
	for i, got := range pair {
		if got.Status != 201 || got.Number == "" || got.Number != pair[0].Number || got.Number == number {
			t.Errorf("new application twice at once (%d): got %+v, want 201 and one new number for both", i, got)
		}
		if got.Replayed == "true" {
			replays++
		}
	}
	if replays != 1 {
		t.Errorf("new application twice at once: got %d answers marked Idempotent-Replayed, want 1", replays)
	}
	checkStored(t, pair[0].Number, other, version)

	// The first key with another application: refused, nothing stored.
	third := enterprise("重发换内容")
	body = strings.Replace(sent.body, jsonString(value(vals, "org_name")), jsonString(value(third, "org_name")), 1)
	body = strings.Replace(body, jsonString(value(vals, "credit_code")), jsonString(value(third, "credit_code")), 1)
	got := resend(sent.key, body, 1)[0]
	if got.Status != 409 || !han.MatchString(got.Message) {
		t.Errorf("same key, another application: got %+v, want 409 with a Chinese message", got)
	}
	if apps, err := storedByOrgName(context.Background(), value(third, "org_name")); err != nil || len(apps) != 0 {
		t.Errorf("same key, another application: got %d stored (%v), want 0", len(apps), err)
	}
	tb.clean(map[string]int64{"/api/applications": 409})
}

// jsonString returns s as a JSON string, as the page's JSON.stringify writes it.
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// scripts turns the page's JavaScript on or off.
func (tb *tab) scripts(on bool) {
	tb.t.Helper()
	tb.do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !on})
		return err
	}))
}

// TestJoinWithoutJavaScript turns JavaScript off: the plain form POST stores
// the application and the thank-you page shows its number.
func TestJoinWithoutJavaScript(t *testing.T) {
	tb := openTab(t, phone)
	tb.reduceMotion()
	tb.scripts(false)
	tb.load("/join/")
	version := eval[string](tb, `document.querySelector('#join-form [name=privacy_version]').value`)
	vals := enterprise("无脚本")
	fill(tb, vals)
	tb.rec.reset()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.ID("join-submit")))
	if err != nil {
		t.Fatalf("submit without JavaScript: %v", err)
	}
	tb.settle()
	if resp.Status != 200 || !strings.Contains(resp.URL, "/api/join/thanks") {
		t.Fatalf("after the POST: got %d %s, want 200 from /api/join/thanks", resp.Status, resp.URL)
	}
	number := eval[string](tb, `document.querySelector('.join-number').textContent.trim()`)
	if !numberRE.MatchString(number) {
		t.Errorf("thank-you page number: got %q, want like SQ2026-000123", number)
	}
	checkFramed(tb, env.baseURL, 0)
	tb.screenshot("join-thanks-nojs")
	tb.checkNoSideScroll()
	checkStored(t, number, vals, version)
	tb.clean(nil)
	// axe-core needs timers, which do not run while scripts are off.
	tb.scripts(true)
	tb.checkAxe()
}

// TestJoinLabels checks that every control of the form has a label.
func TestJoinLabels(t *testing.T) {
	tb := openTab(t, desktop)
	tb.reduceMotion()
	tb.load("/join/")
	unlabelled := eval[[]string](tb, `[...document.querySelectorAll('#join-form input:not([type=hidden]), #join-form select, #join-form textarea, #join-form button')]
		.filter(c => ![...(c.labels || [])].some(l => l.textContent.trim() !== '') && !(c.getAttribute('aria-label') || '').trim()
			&& !(c.tagName === 'BUTTON' && c.textContent.trim()))
		.map(c => c.outerHTML.slice(0, 120))`)
	for _, c := range unlabelled {
		t.Errorf("control without a label: %s", c)
	}
	if n := eval[int](tb, `document.querySelectorAll('#join-form input:not([type=hidden]), #join-form select, #join-form textarea').length`); n < 20 {
		t.Errorf("form controls: got %d, want the whole form (>= 20)", n)
	}
}

// focused describes the element that has the keyboard focus.
type focused struct {
	ID       string `json:"id"`
	Tag      string `json:"tag"`
	Selected int    `json:"selected"` // selectedIndex of a select
}

// TestJoinKeyboard fills and submits the form with the keyboard alone: Tab
// to move, typing for text, arrow keys for lists, Space for boxes and the
// button. The application is stored as typed.
func TestJoinKeyboard(t *testing.T) {
	tb := openTab(t, desktop)
	tb.reduceMotion()
	tb.load("/join/")
	version := eval[string](tb, `document.querySelector('#join-form [name=privacy_version]').value`)
	vals := enterprise("键盘")
	byID := map[string]formValue{}
	for _, v := range vals {
		byID[v.id()] = v
	}
	done := map[string]bool{}
	submitted := false
	for range 300 {
		tb.do(chromedp.KeyEvent(kb.Tab))
		f := eval[focused](tb, `(() => { const a = document.activeElement;
			return {id: a.id || '', tag: a.tagName.toLowerCase(), selected: a.tagName === 'SELECT' ? a.selectedIndex : -1}; })()`)
		if f.ID == "join-submit" {
			tb.do(chromedp.KeyEvent(" "))
			submitted = true
			break
		}
		v, ok := byID[f.ID]
		if !ok || done[f.ID] {
			continue
		}
		done[f.ID] = true
		switch v.kind {
		case "text":
			tb.do(chromedp.KeyEvent(v.value))
		case "check":
			tb.do(chromedp.KeyEvent(" "))
		case "select":
			want := eval[int](tb, fmt.Sprintf(`[...document.getElementById(%q).options].findIndex(o => o.value === %q)`, f.ID, v.value))
			if want < f.Selected {
				t.Fatalf("select %s: option %q is above the current one", f.ID, v.value)
			}
			tb.do(chromedp.KeyEvent(strings.Repeat(kb.ArrowDown, want-f.Selected)))
		}
	}
	if !submitted {
		t.Fatalf("Tab never reached the submit button")
	}
	for id := range byID {
		if !done[id] {
			t.Errorf("control %s: Tab never reached it", id)
		}
	}
	waitFor(tb, "the answer of the form", `!document.getElementById('join-success').hidden || !document.getElementById('join-summary').hidden`)
	if eval[bool](tb, `document.getElementById('join-success').hidden`) {
		t.Fatalf("keyboard submit: got no success panel; the form says %q",
			eval[string](tb, `document.getElementById('join-summary').innerText`))
	}
	number := eval[string](tb, `document.getElementById('join-number').textContent.trim()`)
	checkStored(t, number, vals, version)
	tb.clean(nil)
}

// TestJoinWithoutJavaScriptRefused posts, with JavaScript off, an application
// with a corrupt credit code: the answer is a readable page that names the
// error and keeps what was typed, and nothing is stored.
func TestJoinWithoutJavaScriptRefused(t *testing.T) {
	tb := openTab(t, phone)
	tb.reduceMotion()
	tb.scripts(false)
	tb.load("/join/")
	vals := enterprise("无脚本错码")
	bad := corrupt(value(vals, "credit_code"))
	fill(tb, append(without(vals, "credit_code"), formValue{"credit_code", "text", bad}))
	tb.rec.reset()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.ID("join-submit")))
	if err != nil {
		t.Fatalf("submit without JavaScript: %v", err)
	}
	tb.settle()
	if resp.Status != 400 {
		t.Errorf("after the POST: got status %d, want 400 with a page of errors", resp.Status)
	}
	alert := eval[string](tb, `document.querySelector('[role=alert]')?.innerText ?? ''`)
	if !strings.Contains(alert, "统一社会信用代码") {
		t.Errorf("error page: got alert %q, want it to name 统一社会信用代码", alert)
	}
	for _, name := range []string{"org_name", "credit_code", "contact", "introduction"} {
		want := value(vals, name)
		if name == "credit_code" {
			want = bad
		}
		got := eval[string](tb, fmt.Sprintf(`document.querySelector('[name=%q]')?.value ?? ''`, name))
		if strings.ReplaceAll(got, "\r\n", "\n") != want {
			t.Errorf("error page keeps %s: got %q, want %q", name, got, want)
		}
	}
	if apps, err := storedByOrgName(context.Background(), value(vals, "org_name")); err != nil || len(apps) != 0 {
		t.Errorf("applications stored with a corrupt credit code: got %d (%v), want 0", len(apps), err)
	}
	checkFramed(tb, env.baseURL, 1) // 重新提交申请
	tb.screenshot("join-refused-nojs")
	tb.checkNoSideScroll()
	tb.clean(map[string]int64{"/api/join": 400})
	tb.scripts(true)
	tb.checkAxe()
}

// control is the size and font of a button or a link styled as one.
type control struct {
	ID       string  `json:"id"`
	Text     string  `json:"text"`
	Width    float64 `json:"width"`
	Height   float64 `json:"height"`
	FontSize string  `json:"fontSize"`
}

// checkTouchTargets fails the test unless every visible button and link styled as one
// on the current page is at least 44 × 44 CSS px and uses the font size of the text
// around it (the page body's), not the browser's 13 px for buttons.
func checkTouchTargets(tb *tab, wantAtLeast int) {
	tb.t.Helper()
	cs := eval[[]control](tb, `[...document.querySelectorAll('button, .button, input[type=submit]')]
		.filter(b => b.getClientRects().length > 0)
		.map(b => { const r = b.getBoundingClientRect();
			return {id: b.id || b.className, text: b.textContent.trim(), width: r.width, height: r.height,
				fontSize: getComputedStyle(b).fontSize}; })`)
	body := eval[string](tb, `getComputedStyle(document.body).fontSize`)
	for _, c := range cs {
		if c.Width < 44 || c.Height < 44 {
			tb.t.Errorf("%s: button %s (%s) is %.0f × %.0f px, want at least 44 × 44", tb.vp.name, c.Text, c.ID, c.Width, c.Height)
		}
		if c.FontSize != body {
			tb.t.Errorf("%s: button %s (%s) has font size %s, want the page's %s", tb.vp.name, c.Text, c.ID, c.FontSize, body)
		}
	}
	if len(cs) < wantAtLeast {
		tb.t.Errorf("%s: got %d visible buttons, want at least %d", tb.vp.name, len(cs), wantAtLeast)
	}
}

// TestJoinControls checks the form's controls as a visitor meets them: the required
// 专精特新 answer starts unanswered (its first option, 请选择, is no valid value), every
// inputmode is one a phone keyboard knows, and the buttons (提交申请, 查询) use the
// site's font size and are touch targets of at least 44 × 44 px.
func TestJoinControls(t *testing.T) {
	for _, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			tb := openTab(t, vp)
			tb.load("/join/")
			type sel struct {
				Value    string `json:"value"`
				First    string `json:"first"`
				Required bool   `json:"required"`
			}
			got := eval[sel](tb, `(s => ({value: s.value, first: s.options[0].value + '|' + s.options[0].text, required: s.required}))(document.getElementById('f-specialised'))`)
			if got != (sel{Value: "", First: "|请选择", Required: true}) {
				t.Errorf("专精特新 select on load: got %+v, want no choice (value \"\"), first option 请选择 with value \"\", required", got)
			}
			valid := []string{"none", "text", "decimal", "numeric", "tel", "search", "email", "url"}
			for _, m := range eval[[]string](tb, `[...document.querySelectorAll('[inputmode]')].map(e => e.id + '=' + e.getAttribute('inputmode'))`) {
				_, mode, _ := strings.Cut(m, "=")
				if !slices.Contains(valid, mode) {
					t.Errorf("%s: inputmode %q is not a valid value (want one of %v)", m, mode, valid)
				}
			}
			checkTouchTargets(tb, 2) // 提交申请 and 查询 (join.js shows the status form)
			tb.clean(nil)
		})
	}
}

// framing is what checkFramed reads from a page of the API.
type framing struct {
	Header, Footer bool     // the site's header and footer, visible
	MenuLinks      int      // links in the site's menu
	HeaderBorder   string   // the header's bottom border colour: the site's stylesheet applied
	Font           string   // the body's font family
	Links          []string // every link of the header and the footer, resolved
	Sheets         int      // style sheets of the document
}

// frameSheets is the number of style sheets of the API's frame: site.css and
// verify.css (the certificate lookup's answer), both inlined by the generator.
const frameSheets = 2

// checkFramed fails the test unless the current page (one of the API's) looks like the
// site: its header with the menu and its footer, the site's stylesheet applied, every
// header and footer link going to the site at siteOrigin, a heading outline, and buttons
// (at least buttons of them) of the site's size.
func checkFramed(tb *tab, siteOrigin string, buttons int) {
	tb.t.Helper()
	f := eval[framing](tb, `(() => {
		const h = document.querySelector('header.site-header'), f = document.querySelector('footer.site-footer');
		const shown = e => !!e && e.getClientRects().length > 0;
		return {header: shown(h), footer: shown(f), menuLinks: h ? h.querySelectorAll('nav a').length : 0,
			headerBorder: h ? getComputedStyle(h).borderBottomColor : '',
			font: getComputedStyle(document.body).fontFamily,
			links: [...document.querySelectorAll('header.site-header a[href], footer.site-footer a[href]')].map(a => a.href),
			sheets: document.styleSheets.length};
	})()`)
	switch {
	case !f.Header || !f.Footer:
		tb.t.Errorf("%s: %s: site header shown %v, footer shown %v; want both", tb.vp.name, eval[string](tb, `location.href`), f.Header, f.Footer)
	case f.MenuLinks < 5:
		tb.t.Errorf("%s: the header's menu has %d links, want the site's menu", tb.vp.name, f.MenuLinks)
	case f.HeaderBorder != "rgb(163, 22, 26)" || f.Sheets != frameSheets || !strings.Contains(f.Font, "WenQuanYi"):
		tb.t.Errorf("%s: header border %q, %d style sheets, font %q; want the site's stylesheet (border rgb(163, 22, 26))", tb.vp.name, f.HeaderBorder, f.Sheets, f.Font)
	}
	for _, l := range f.Links {
		if !strings.HasPrefix(l, siteOrigin+"/") && !strings.HasPrefix(l, "tel:") && !strings.HasPrefix(l, "mailto:") && !strings.HasPrefix(l, "https://beian.") {
			tb.t.Errorf("%s: link %s of the frame does not go to the site at %s", tb.vp.name, l, siteOrigin)
		}
	}
	for _, msg := range outlineProblems(tb) {
		tb.t.Errorf("%s: %s", tb.vp.name, msg)
	}
	checkTouchTargets(tb, buttons)
}

// submitNoJS clicks the submit button of a page without JavaScript and returns the answer
// the browser ends at.
func submitNoJS(tb *tab) *network.Response {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.ID("join-submit")))
	if err != nil {
		tb.t.Fatalf("%s: submit without JavaScript: %v", tb.vp.name, err)
	}
	tb.settle()
	return resp
}

// TestJoinWithoutJavaScriptOtherOrigin is the China layout: the site's form posts to the
// API on its own origin (apiPath is the execute-api URL there), which knows the site's
// origin. Refused and then accepted, its pages look like the site: the frame's links go
// back to the site's origin, its style is inline (allowed by hash), nothing else loads.
func TestJoinWithoutJavaScriptOtherOrigin(t *testing.T) {
	tb := openTab(t, phone)
	tb.reduceMotion()
	tb.scripts(false)
	tb.load("/join/")
	version := eval[string](tb, `document.querySelector('#join-form [name=privacy_version]').value`)
	eval[bool](tb, `(document.getElementById('join-form').action = `+strconv.Quote(env.apiOrigin+"/api/join")+`, true)`)
	vals := enterprise("另一来源")
	bad := corrupt(value(vals, "credit_code"))
	fill(tb, append(without(vals, "credit_code"), formValue{"credit_code", "text", bad}))
	tb.rec.reset()
	resp := submitNoJS(tb)
	if resp.Status != 400 || !strings.HasPrefix(resp.URL, env.apiOrigin+"/api/join") {
		t.Fatalf("after the POST: got %d %s, want 400 from the API's origin %s", resp.Status, resp.URL, env.apiOrigin)
	}
	checkFramed(tb, env.baseURL, 1)
	tb.screenshot("join-refused-other-origin")
	tb.checkNoSideScroll()
	otherOrigin(tb, map[string]int64{"/api/join": 400})

	// Corrected on the error page, which posts to its own origin.
	tb.do(chromedp.SetValue(chromedp.ID("f-credit_code"), value(vals, "credit_code")))
	tb.rec.reset()
	resp = submitNoJS(tb)
	if resp.Status != 200 || !strings.HasPrefix(resp.URL, env.apiOrigin+"/api/join/thanks") {
		t.Fatalf("after the corrected POST: got %d %s, want 200 from %s/api/join/thanks", resp.Status, resp.URL, env.apiOrigin)
	}
	number := eval[string](tb, `document.querySelector('.join-number').textContent.trim()`)
	checkFramed(tb, env.baseURL, 0)
	tb.screenshot("join-thanks-other-origin")
	tb.checkNoSideScroll()
	otherOrigin(tb, nil)
	checkStored(t, number, vals, version)
	tb.scripts(true)
	tb.checkAxe()
}

// otherOrigin fails the test on the page's problems, except that its requests went to
// the API's own origin, which the China layout means.
func otherOrigin(tb *tab, allowStatus map[string]int64) {
	tb.t.Helper()
	for _, p := range tb.problems(allowStatus) {
		if strings.HasPrefix(p, "request to another host: ") && strings.Contains(p, " "+env.apiOrigin+"/api/") {
			continue
		}
		tb.t.Errorf("%s: %s", tb.vp.name, p)
	}
}
