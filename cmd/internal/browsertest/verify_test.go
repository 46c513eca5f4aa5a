package browsertest

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/smelisting/alliance/functions/httpapi"
	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/storetest"
)

// TestVerifyCertificates looks certificates up on /verify/ at 390 px as a visitor
// would: an active member's number from the certificate's QR code (?n=), an exited
// member's typed in lower case, an unknown one, and the page without JavaScript;
// then 1,000 sequential numbers from the same client, which the API throttles (429
// with Retry-After and a Chinese message), and the page says so in words.
func TestVerifyCertificates(t *testing.T) {
	active := storetest.Member(t, env.store, "2026-03-02")
	exited := storetest.Member(t, env.store, "2026-04-01")
	clerk := membership.Actor{ID: "clerk-1", Roles: []string{membership.RoleSecretariat}}
	if _, err := env.store.UpdateMember(context.Background(), exited.Certificate, 0, func(m *membership.Member) error {
		return m.Exit(clerk, "2026-06-30", true, "", m.History[0].At.AddDate(0, 7, 0))
	}); err != nil {
		t.Fatal(err)
	}
	const unknown = "LM-2026-9999"
	tb := openTab(t, phone)
	tb.reduceMotion()

	tb.load("/verify/?n=" + active.Certificate)
	waitFor(tb, "the active member's certificate", `!document.getElementById('verify-result').hidden`)
	if got := eval[string](tb, `document.getElementById('verify-result').innerText`); !containsAll(got, "有效", active.Certificate, active.Profile.Name, "企业会员", "2026-03-02") || strings.Contains(got, "退会日期") {
		t.Errorf("active member: the page shows %q", got)
	}
	if v := eval[string](tb, `document.getElementById('verify-n').value`); v != active.Certificate {
		t.Errorf("the number from ?n= in the field: %q", v)
	}
	tb.screenshot("verify-valid")
	tb.checkNoSideScroll()
	tb.checkAxe()

	tb.do(chromedp.SetValue(chromedp.ID("verify-n"), strings.ToLower(exited.Certificate)), chromedp.Click(chromedp.ID("verify-submit")))
	waitFor(tb, "the exited member's certificate", `document.getElementById('verify-status').textContent === '已退会'`)
	if got := eval[string](tb, `document.getElementById('verify-result').innerText`); !containsAll(got, exited.Certificate, "退会日期", "2026-06-30") {
		t.Errorf("exited member: the page shows %q", got)
	}
	if u := eval[string](tb, `location.search`); u != "?n="+strings.ToLower(exited.Certificate) {
		t.Errorf("address after a lookup: %q, want the number in ?n=", u)
	}
	tb.screenshot("verify-exited")

	// By keyboard alone: the number typed into the field and Enter.
	tb.do(chromedp.Focus(chromedp.ID("verify-n")))
	eval[bool](tb, `(document.getElementById('verify-n').select(), true)`)
	tb.do(chromedp.SendKeys(chromedp.ID("verify-n"), unknown+"\r"))
	waitFor(tb, "the unknown number's message", `!document.getElementById('verify-message').hidden`)
	if got := text(tb, "verify-message"); !strings.Contains(got, "未查到该证书编号") || !eval[bool](tb, `document.getElementById('verify-result').hidden`) {
		t.Errorf("unknown number: message %q, want 未查到 and no result", got)
	}
	tb.screenshot("verify-unknown")
	tb.clean(map[string]int64{"/api/certificates/" + unknown: 404})

	// Without JavaScript the form asks the API's page, in the site's frame.
	nojs := openTab(t, phone)
	nojs.scripts(false)
	nojs.load("/verify/")
	nojs.do(chromedp.SetValue(chromedp.ID("verify-n"), exited.Certificate))
	ctx, cancel := context.WithTimeout(nojs.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.ID("verify-submit")))
	if err != nil {
		t.Fatalf("submit without JavaScript: %v", err)
	}
	nojs.settle()
	if resp.Status != 200 || !strings.Contains(resp.URL, "/api/verify?n=") {
		t.Fatalf("without JavaScript: %d %s, want 200 from /api/verify", resp.Status, resp.URL)
	}
	if got := eval[string](nojs, `document.querySelector('.verify-result').textContent`); !containsAll(got, "已退会", exited.Certificate, "2026-06-30") {
		t.Errorf("without JavaScript: the page shows %q", got)
	}
	checkFramed(nojs, env.baseURL, 1)
	nojs.screenshot("verify-nojs")

	// 1,000 sequential numbers from this one client: the API lets the first few through
	// (the lookups above counted too), then answers 429 with Retry-After and a message.
	type probe struct {
		OK, NotFound, Limited, Other, First int
		RetryAfter, Message                 string
	}
	p := eval[probe](tb, `(async () => {
		const r = {OK: 0, NotFound: 0, Limited: 0, Other: 0, First: 0, RetryAfter: '', Message: ''};
		for (let i = 1; i <= 1000; i++) {
			const res = await fetch('/api/certificates/LM-2026-' + String(i).padStart(4, '0'));
			if (res.status === 200) r.OK++;
			else if (res.status === 404) r.NotFound++;
			else if (res.status === 429) {
				if (!r.Limited) { r.First = i; r.RetryAfter = res.headers.get('Retry-After') || ''; r.Message = (await res.json()).error.message; }
				r.Limited++;
			} else r.Other++;
		}
		return r;
	})()`)
	limit := httpapi.LookupLimits[httpapi.CertificateRoutes[0]].Requests
	if p.Limited == 0 || p.OK+p.NotFound > limit || p.Other != 0 || p.RetryAfter == "" || p.RetryAfter == "0" || !strings.Contains(p.Message, "请求过于频繁") {
		t.Errorf("1,000 lookups from one client: %+v; want at most %d answered, the rest 429 with Retry-After and a Chinese message", p, limit)
	}
	t.Logf("1,000 sequential lookups: %d answered (%d found), throttled from number %d on (Retry-After %s s)", p.OK+p.NotFound, p.OK, p.First, p.RetryAfter)
	tb.do(chromedp.SetValue(chromedp.ID("verify-n"), active.Certificate), chromedp.Click(chromedp.ID("verify-submit")))
	waitFor(tb, "the throttled message", `document.getElementById('verify-message').textContent.includes('请求过于频繁')`)
	if got := text(tb, "verify-message"); !strings.Contains(got, "分钟后可再查询") {
		t.Errorf("throttled: the page says %q, want when to try again", got)
	}
	tb.screenshot("verify-throttled")
}
