package httpapi_test

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/smelisting/alliance/functions/httpapi"
	"github.com/smelisting/alliance/functions/localstore"
	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/storetest"
)

// TestCertificatePageGolden renders the printable certificate of a member
// into testdata/certificate.golden (-update rewrites it) and checks what it
// must hold: the names, the number, the date, the QR code to the
// verification page, the print CSS, a CSP that allows its one style.
func TestCertificatePageGolden(t *testing.T) {
	card := &membership.CertificateCard{Certificate: "LM-2026-0007", Name: "杭州衡信股权投资管理有限公司<b>", Type: membership.TypeEnterprise,
		TypeLabel: "企业会员", JoinedOn: "2026-03-02"}
	page, csp, err := httpapi.CertificatePage(card, "https://www.smelisting.example/")
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "certificate.golden")
	if *update {
		if err := os.WriteFile(golden, page, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(page, want) {
		t.Errorf("the certificate differs from %s (run with -update after checking the change):\n%s", golden, page)
	}
	s := string(page)
	for _, w := range []string{"中小企业上市服务联盟", "会员证书", "杭州衡信股权投资管理有限公司&lt;b&gt;", "企业会员", "LM-2026-0007",
		"2026 年 3 月 2 日", "https://www.smelisting.example/verify/?n=LM-2026-0007", "@page{size:A4 landscape", "@media print", "<svg"} {
		if !strings.Contains(s, w) {
			t.Errorf("the certificate lacks %q", w)
		}
	}
	if _, err := html.Parse(bytes.NewReader(page)); err != nil {
		t.Errorf("parse: %v", err)
	}
	if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "style-src 'sha256-") || strings.Contains(csp, "script") {
		t.Errorf("CSP %q: want nothing but its style by hash and inline images", csp)
	}
}

// TestCertificatePageRoute: the route answers the page, in HTML with its own
// CSP, to any reader for an active member; 409 for a member who left.
func TestCertificatePageRoute(t *testing.T) {
	s, err := localstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	api := storetest.NewAPI(t, s)
	m := storetest.Member(t, s, "2026-03-02")
	get := func(token string) *http.Response {
		req, _ := http.NewRequest(http.MethodGet, api.URL+"/api/admin/members/"+m.Certificate+"/certificate", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { res.Body.Close() })
		return res
	}
	res := get(api.Token("auditor", "supervisor"))
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(res.Header.Get("Content-Security-Policy"), "default-src 'none'") ||
		!strings.Contains(string(body), httpapi.VerifyURL(storetest.TestSiteURL, m.Certificate)) {
		t.Fatalf("certificate of an active member: %d %q %q\n%s", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Content-Security-Policy"), body)
	}
	clerk := api.Token("clerk-1", "secretariat")
	api.Expect(http.StatusOK, "POST", "/api/admin/members/"+m.Certificate+"/exit", clerk,
		map[string]any{"version": m.Version, "requested_on": "2026-11-27", "certificate_returned": true}, nil)
	if res := get(clerk); res.StatusCode != http.StatusConflict {
		t.Errorf("certificate of a member who left: %d, want 409", res.StatusCode)
	}
}

// TestShowcaseRoute: the secretariat records a withdrawal over HTTP with who asked
// and when; the answer and the member's history say so; the supervisor may not.
func TestShowcaseRoute(t *testing.T) {
	s, err := localstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	api := storetest.NewAPI(t, s)
	m := storetest.Member(t, s, "2026-03-02")
	path := "/api/admin/members/" + m.Certificate + "/showcase"
	body := map[string]any{"version": m.Version, "consent": true, "requested_by": "联系人李四来函", "requested_on": "2026-11-20", "note": "函件存档"}
	api.Expect(http.StatusForbidden, "POST", path, api.Token("auditor", "supervisor"), body, nil)
	api.Expect(http.StatusBadRequest, "POST", path, api.Token("clerk-1", "secretariat"),
		map[string]any{"version": m.Version, "consent": true, "requested_by": "李\u202e四", "requested_on": "2026-11-20"}, nil)
	var got membership.Member
	api.Expect(http.StatusOK, "POST", path, api.Token("clerk-1", "secretariat"), body, &got)
	last := got.History[len(got.History)-1]
	if !got.ShowcaseConsent || last.Action != "showcase-consent" || !strings.Contains(last.Note, "联系人李四来函") || last.Actor != "clerk-1" {
		t.Errorf("after the consent: %v, last entry %+v", got.ShowcaseConsent, last)
	}
	body["version"], body["consent"] = got.Version, false
	api.Expect(http.StatusOK, "POST", path, api.Token("clerk-1", "secretariat"), body, &got)
	if got.ShowcaseConsent || got.Showcased() {
		t.Errorf("after the withdrawal: consent %v", got.ShowcaseConsent)
	}
	api.Expect(http.StatusConflict, "POST", path, api.Token("clerk-1", "secretariat"), body, nil) // stale version
}
