package browsertest

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/storetest"
)

// TestConsoleShowcaseAndCertificate: on a member's page the clerk sees that the
// member consented to 会员风采, records its withdrawal on the member's request (who
// asked, when), sees it in the history, records a consent again, and opens the
// printable certificate, an A4 landscape page with the QR code to /verify/?n=…;
// the supervisor sees no control.
func TestConsoleShowcaseAndCertificate(t *testing.T) {
	c := newConsoleEnv(t)
	m := storetest.Member(t, c.store, "")
	if _, err := c.store.UpdateMember(context.Background(), m.Certificate, 0, func(m *membership.Member) error {
		m.ShowcaseConsent, m.Profile.Homepage = true, "https://www.shili-keji.example.cn"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	tb := c.tab(t, desktop)
	c.open(tb, "/admin/member/?certificate="+m.Certificate)
	c.signIn(tb, "secretariat", "王秘书")
	if got := text(tb, "fields"); !containsAll(got, "同意展示（在会员风采中）", "https://www.shili-keji.example.cn") {
		t.Errorf("member fields %q, want the consent and the homepage", got)
	}
	if got := text(tb, "showcase-submit"); got != "登记撤回同意" {
		t.Errorf("showcase button %q, want 登记撤回同意", got)
	}
	tb.do(chromedp.SetValue(chromedp.ID("showcase-on"), today()))
	act(tb, "task-showcase", map[string]string{"showcase-by": "联系人李四来函"})
	if msg, ok := notice(tb); !ok {
		t.Fatalf("withdrawal: notice %q", msg)
	}
	c.ready(tb)
	if got := text(tb, "fields"); !strings.Contains(got, "未同意在会员风采中展示") {
		t.Errorf("after the withdrawal, fields %q", got)
	}
	if got := text(tb, "history"); !containsAll(got, "撤回会员风采展示", "联系人李四来函", "王秘书") {
		t.Errorf("history %q, want the withdrawal, who asked and who entered it", got)
	}
	tb.screenshot("console-member-showcase")
	tb.checkAxe()

	href := eval[string](tb, `document.querySelector('#certificate-link a').href`)
	if !strings.HasSuffix(href, "/api/admin/members/"+m.Certificate+"/certificate") || text(tb, "certificate-link") == "" {
		t.Fatalf("certificate link %q", href)
	}
	cert := tb // the same browser context: the session cookie goes with the link
	c.open(cert, strings.TrimPrefix(href, c.url))
	cert.settle()
	page := eval[string](cert, `document.body.innerText`)
	if !containsAll(page, "会员证书", "中小企业上市服务联盟", m.Profile.Name, m.Certificate, "企业会员", "/verify/?n="+m.Certificate) ||
		!eval[bool](cert, `!!document.querySelector('.qr svg path')`) {
		t.Errorf("certificate page: %q", page)
	}
	cert.screenshot("console-certificate")
	cert.clean(nil)

	sup := c.tab(t, desktop)
	c.open(sup, "/admin/member/?certificate="+m.Certificate)
	c.signIn(sup, "supervisor", "赵监事")
	if eval[bool](sup, `!document.getElementById('task-showcase').hidden`) {
		t.Error("the supervisor is offered the showcase control")
	}
}
