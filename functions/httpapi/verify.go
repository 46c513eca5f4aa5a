package httpapi

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/smelisting/alliance/functions/membership"
)

// CertificateRoutes are the public routes of certificate verification (证书查询):
// the JSON lookup the /verify/ page calls, and its answer as a page in the site's
// frame for a browser without JavaScript (the page's form sends ?n= there).
var CertificateRoutes = []Route{
	{http.MethodGet, "/api/certificates/{number}"},
	{http.MethodGet, "/api/verify"},
}

// certificateLimit is the per-client limit of the certificate routes, which count
// together: a person checks a few certificates, an office a list of partners; 30 in
// ten minutes lets both through and makes trying every number of a year (0001 to 9999)
// take more than two days from one address.
var certificateLimit = Limit{Requests: 30, Window: 10 * time.Minute, Group: "certificates"}

// LookupLimits are the per-client limits a public function keeps in every layout,
// also behind the WAF (whose rate rule, 1,000 requests in 5 minutes, is for the API as
// a whole): the routes whose answers are read from the register by number.
var LookupLimits = map[Route]Limit{
	CertificateRoutes[0]: certificateLimit,
	CertificateRoutes[1]: certificateLimit,
}

// unknownCertificate is the number a malformed one is looked up as: it has the form of
// a certificate number and is never issued (years start at 2000), so that a malformed
// number takes the same path, store call included, as an unknown one.
const unknownCertificate = "LM-0000-0000"

// errNoCertificate is the answer to an unknown or malformed number: one message, one
// shape, whatever was typed.
var errNoCertificate = membership.Errorf(membership.ENOTFOUND, "httpapi: verify certificate",
	"未查到该证书编号。请核对编号（形如 LM-2026-0001，见会员证书左下方）后重新查询；如有疑问请联系联盟秘书处。")

// verify looks the certificate number up: its Verification, errNoCertificate when
// no member holds it (or it is not a number at all), or EUNAVAILABLE.
func (p *Public) verify(ctx context.Context, number string) (*membership.Verification, error) {
	n := membership.NormalCertificate(number)
	if !membership.ValidCertificate(n) {
		n = unknownCertificate
	}
	if p.certs == nil {
		return nil, errNoCertificate
	}
	m, err := p.certs.CertificateHolder(ctx, n)
	switch {
	case membership.ErrorCode(err) == membership.ENOTFOUND:
		return nil, errNoCertificate
	case err != nil:
		return nil, err
	}
	v := m.Verify()
	return &v, nil
}

// getCertificate serves GET /api/certificates/{number}: 200 with the Verification, or
// the same 404 for a number nobody holds and for one that is not a number.
func (p *Public) getCertificate(w http.ResponseWriter, r *http.Request) {
	v, err := p.verify(r.Context(), r.PathValue("number"))
	if err != nil {
		if membership.ErrorCode(err) == membership.EUNAVAILABLE {
			w.Header().Set("Retry-After", retryAfter)
		}
		writeError(w, r, p.log, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// verifyPage serves GET /api/verify?n=…, the answer of the /verify/ page's form
// without JavaScript, in the site's frame: the verification (200), that no
// certificate has the number (404), or that the register is busy (503); without n,
// the form alone.
func (p *Public) verifyPage(w http.ResponseWriter, r *http.Request) {
	n := r.URL.Query().Get("n")
	page := formPage{Title: "会员证书查询", SiteHome: p.siteHome(), Number: n}
	if n == "" {
		p.renderPage(w, r, http.StatusOK, "verify", page)
		return
	}
	v, err := p.verify(r.Context(), n)
	switch membership.ErrorCode(err) {
	case "":
		page.Title, page.Verification = "会员证书查询结果："+v.Certificate, v
		p.renderPage(w, r, http.StatusOK, "verify", page)
	case membership.ENOTFOUND:
		page.Title, page.Message = "未查到该证书编号", membership.ErrorMessage(err)
		p.renderPage(w, r, http.StatusNotFound, "verify", page)
	default:
		p.log.ErrorContext(r.Context(), "request failed", "request_id", requestID(r), "err", err.Error())
		if membership.ErrorCode(err) == membership.EUNAVAILABLE {
			w.Header().Set("Retry-After", retryAfter)
		}
		page.Title, page.Message = "系统繁忙，请稍后再试", "暂时无法查询，请过一会儿再试。"
		p.renderPage(w, r, ErrorStatus(err), "verify", page)
	}
}

// tooManyPage is the page of a browser's request over its limit (LimitClients): the
// certificate lookup's form again, with the number typed, or, after a form of the
// application or of an event registration, a page that says what to do.
func (p *Public) tooManyPage(w http.ResponseWriter, r *http.Request, wait time.Duration) {
	msg := fmt.Sprintf("请求过于频繁，请 %d 分钟后再试。", int(math.Ceil(wait.Minutes())))
	if r.URL.Path == CertificateRoutes[1].Pattern {
		p.renderPage(w, r, http.StatusTooManyRequests, "verify", formPage{Title: "查询过于频繁", SiteHome: p.siteHome(),
			Number: r.URL.Query().Get("n"), Message: msg + "为防止有人逐个试探证书编号，同一网络每十分钟最多查询 30 次。"})
		return
	}
	p.renderPage(w, r, http.StatusTooManyRequests, "busy", formPage{Title: "请求过于频繁", SiteHome: p.siteHome(), Message: msg})
}
