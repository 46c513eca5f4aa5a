package httpapi

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/smelisting/alliance/functions/membership"
)

//go:embed certificate.html
var certificateHTML string

var certificateTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("certificate.html").Parse(certificateHTML))
})

// VerifyURL returns the address of the site's certificate verification page
// for the number (https://www.example.org/verify/?n=LM-2026-0001): what the
// QR code of a printed certificate holds.
func VerifyURL(site, certificate string) string {
	return strings.TrimRight(site, "/") + "/verify/?n=" + url.QueryEscape(certificate)
}

// CertificatePage renders the printable member certificate of the card
// (html/template, A4 landscape print CSS, everything inline): the
// alliance's name, the member's name and kind, the number, the day it was
// issued and a QR code to the verification page on site. It returns the page
// and its Content-Security-Policy (its one style by hash, the QR code inline).
func CertificatePage(card *membership.CertificateCard, site string) ([]byte, string, error) {
	verify := VerifyURL(site, card.Certificate)
	qr, err := QRSVG(verify, "证书查询二维码："+card.Certificate)
	if err != nil {
		return nil, "", err
	}
	joined := card.JoinedOn
	if d, err := membership.ParseDate(card.JoinedOn); err == nil {
		joined = fmt.Sprintf("%d 年 %d 月 %d 日", d.Year(), d.Month(), d.Day())
	}
	var b bytes.Buffer
	err = certificateTemplate().Execute(&b, struct {
		*membership.CertificateCard
		Joined    string
		QR        template.HTML // made by QRSVG from the address alone
		VerifyURL string
	}{card, joined, template.HTML(qr), verify})
	if err != nil {
		return nil, "", fmt.Errorf("httpapi: render certificate: %w", err)
	}
	return b.Bytes(), frameCSP(b.String()), nil
}

// certificatePage serves GET /api/admin/members/{certificate}/certificate: the
// printable certificate as text/html, its QR code to the site (AdminConfig.SiteURL).
func (a *Admin) certificatePage(w http.ResponseWriter, r *http.Request) (int, any, error) {
	card, err := a.office.CertificateCard(r.Context(), r.PathValue("certificate"))
	if err != nil {
		return 0, nil, err
	}
	if a.siteURL == "" {
		return 0, nil, membership.Errorf(membership.ECONFLICT, "httpapi: certificate page", "未配置网站地址（SITE_ORIGIN 或 API_ORIGIN），无法生成证书查询二维码")
	}
	page, csp, err := CertificatePage(card, a.siteURL)
	if err != nil {
		return 0, nil, membership.Internal("httpapi: certificate page", err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", csp)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	_, _ = w.Write(page)
	return 0, nil, nil
}
