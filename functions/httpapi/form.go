package httpapi

import (
	"bytes"
	"context"
	_ "embed"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/smelisting/alliance/functions/intake"
	"github.com/smelisting/alliance/functions/membership"
)

// formField is one control of the form the error page shows again.
type formField struct {
	Name, Label, Kind string // Kind: text, email, tel, textarea, select, radios, checks, check
	Choices           []membership.Choice
	Optional          bool // a select whose empty choice is an answer (暂无计划)
	Value             string
	Values            map[string]bool
	Error             string
}

// formPage is what the templates of pages.html are given.
type formPage struct {
	Title    string
	Errors   []formField
	Fields   []formField
	Message  string
	Number   string
	Token    string
	SiteHome string
	Hidden   map[string]string
	Event    *eventPage // the pages of event registration (eventform.go)
	// Verification is the answer of the certificate lookup's page (verify.go).
	Verification *membership.Verification
}

//go:embed pages.html
var pagesHTML string

// pageTemplates are the main contents of the form's pages (pages.html), parsed when the
// first page is rendered rather than when the function starts.
var pageTemplates = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("pages.html").Parse(pagesHTML))
})

// formFields lists the controls of the application form with their form names.
func formFields(v url.Values) []formField {
	regions := make([]membership.Choice, len(membership.Regions))
	for i, r := range membership.Regions {
		regions[i] = membership.Choice{Value: r, Label: r}
	}
	f := []formField{
		{Name: "type", Label: "会员类型", Kind: "radios", Choices: membership.MemberTypes},
		{Name: "org_name", Label: "单位名称", Kind: "text"},
		{Name: "credit_code", Label: "统一社会信用代码", Kind: "text"},
		{Name: "representative_kind", Label: "代表人类别", Kind: "select", Choices: membership.RepresentativeKinds},
		{Name: "representative", Label: "代表人姓名", Kind: "text"},
		{Name: "contact", Label: "联系人", Kind: "text"},
		{Name: "phone", Label: "联系电话", Kind: "tel"},
		{Name: "email", Label: "电子邮箱", Kind: "email"},
		{Name: "region", Label: "所在地区", Kind: "select", Choices: regions},
		{Name: "industry", Label: "所属行业", Kind: "text"},
		{Name: "specialised", Label: "专精特新情况", Kind: "select", Choices: membership.SpecialisedStatuses},
		{Name: "listing_board", Label: "目标板块（选填）", Kind: "select", Choices: membership.ListingBoards, Optional: true},
		{Name: "listing_year", Label: "计划上市年份（选填）", Kind: "text"},
		{Name: "services", Label: "希望获得的服务", Kind: "checks", Choices: membership.Services},
		{Name: "introduction", Label: "单位简介", Kind: "textarea"},
		{Name: "homepage", Label: "单位网站（选填）", Kind: "url"},
		{Name: "showcase_consent", Label: "同意认证后在会员风采中展示本单位（选填，可随时撤回）", Kind: "check"},
		{Name: "commitment_accepted", Label: "我已阅读并签署承诺书", Kind: "check"},
		{Name: "privacy_accepted", Label: "我已阅读并同意个人信息保护声明", Kind: "check"},
	}
	for i := range f {
		f[i].Value = v.Get(f[i].Name)
		if f[i].Kind == "checks" {
			f[i].Values = map[string]bool{}
			for _, s := range v[f[i].Name] {
				f[i].Values[s] = true
			}
		}
	}
	return f
}

// formErrorKey maps a JSON field path of a validation error to the form's control name.
var formErrorKey = map[string]string{"listing_plan.board": "listing_board", "listing_plan.year": "listing_year"}

func checked(v string) bool { return v == "on" || v == "true" || v == "1" || v == "yes" }

var digitsRE = regexp.MustCompile(`^\d{1,4}$`)

// formRequest turns the urlencoded form into the JSON submission's shape.
func formRequest(v url.Values) *applicationRequest {
	q := &applicationRequest{
		Type: v.Get("type"), OrgName: v.Get("org_name"), CreditCode: v.Get("credit_code"),
		Representative: v.Get("representative"), RepresentativeKind: v.Get("representative_kind"),
		Contact: v.Get("contact"), Phone: v.Get("phone"), Email: v.Get("email"), Region: v.Get("region"),
		Industry: v.Get("industry"), Specialised: v.Get("specialised"), Services: v["services"],
		Introduction: v.Get("introduction"), CommitmentAccepted: checked(v.Get("commitment_accepted")),
		PrivacyAccepted: checked(v.Get("privacy_accepted")), PrivacyVersion: v.Get("privacy_version"),
		Website: v.Get("website"), Homepage: v.Get("homepage"), ShowcaseConsent: checked(v.Get("showcase_consent")),
	}
	q.ListingPlan.Board = v.Get("listing_board")
	if y := v.Get("listing_year"); y != "" {
		q.ListingPlan.Year = -1 // not a year: fails the listingyear rule
		if digitsRE.MatchString(y) {
			q.ListingPlan.Year, _ = strconv.Atoi(y)
		}
	}
	return q
}

// renderPage writes a page of the form (a template of pages.html) in the site's frame.
func (p *Public) renderPage(w http.ResponseWriter, r *http.Request, status int, name string, data formPage) {
	if data.Title == "" {
		data.Title = "申请未提交：请修改后重新提交"
	}
	var main bytes.Buffer
	if err := pageTemplates().ExecuteTemplate(&main, name, data); err != nil {
		writeError(w, r, p.log, membership.Internal("httpapi: render "+name, err))
		return
	}
	fr := p.frame(r.Context())
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", fr.csp)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	for _, part := range []string{fr.head, template.HTMLEscapeString(data.Title), fr.middle, main.String(), fr.tail} {
		_, _ = io.WriteString(w, part)
	}
}

// frame returns the site's current frame: from the frame source, or, when it fails, the
// last one it gave (or the fallback page), after logging why.
func (p *Public) frame(ctx context.Context) frame {
	if p.frames == nil {
		return p.fallback
	}
	base, limit := ctx, frameTimeout
	if ctx.Err() != nil { // the store used up the request's time; its busy page still wants the frame
		base, limit = context.WithoutCancel(ctx), DeadlineMargin
	}
	ctx, cancel := context.WithTimeout(base, limit)
	defer cancel()
	b, err := p.frames.Frame(ctx)
	p.frameMu.Lock()
	defer p.frameMu.Unlock()
	if err == nil && p.lastFrame != nil && bytes.Equal(b, p.lastRaw) {
		return *p.lastFrame
	}
	var fr frame
	if err == nil {
		fr, err = parseFrame(b, p.origin)
	}
	if err != nil {
		p.log.WarnContext(ctx, "site frame unavailable, using the last one", "err", err.Error(), "have_last", p.lastFrame != nil)
		if p.lastFrame != nil {
			return *p.lastFrame
		}
		return p.fallback
	}
	p.lastRaw, p.lastFrame = bytes.Clone(b), &fr
	return fr
}

// frameTimeout bounds the wait for the frame: past it, the page goes out in the last frame.
const frameTimeout = 2 * time.Second

func (p *Public) siteHome() string {
	if p.origin == "" {
		return "/"
	}
	return p.origin + "/"
}

// joinForm serves POST /api/join, the form without JavaScript: 303 to the thank-you page,
// or a page listing the errors above the form with the typed values kept (400, 409, 503…).
func (p *Public) joinForm(w http.ResponseWriter, r *http.Request) {
	if err := checkContentType(r, "application/x-www-form-urlencoded", "此地址只接受表单提交（application/x-www-form-urlencoded）"); err != nil {
		writeError(w, r, p.log, err)
		return
	}
	body, err := readBody(w, r)
	if membership.ErrorCode(err) == membership.EINVALID { // bytes that are not UTF-8
		p.renderPage(w, r, http.StatusBadRequest, "errors", formPage{Message: membership.ErrorMessage(err), Fields: formFields(url.Values{}), SiteHome: p.siteHome()})
		return
	}
	if err != nil {
		writeError(w, r, p.log, err)
		return
	}
	v, err := url.ParseQuery(string(body))
	if err != nil {
		p.renderPage(w, r, http.StatusBadRequest, "errors", formPage{Message: "无法读取提交的表单，请返回重试。", Fields: formFields(url.Values{}), SiteHome: p.siteHome()})
		return
	}
	if err := utf8Values(v, formFields(nil)); err != nil {
		p.renderPage(w, r, http.StatusBadRequest, "errors", p.errorPage(v, err, requestID(r)))
		return
	}
	q := formRequest(v)
	app := q.application()
	app.Normalize()
	err = app.ValidateAt(p.now())
	key := v.Get("idempotency_key")
	if key != "" && !idempotencyKeyRE.MatchString(key) {
		key = ""
	}
	if err == nil && q.Website != "" {
		p.log.InfoContext(r.Context(), "honeypot filled, not stored", "request_id", requestID(r))
		p.redirectToThanks(w, r, p.fakeCreated(key, body))
		return
	}
	var res createdBody
	if err == nil {
		res, _, err = p.submit(r, intake.Submission{Application: app, Key: key, Body: body})
	}
	if err != nil {
		switch membership.ErrorCode(err) {
		case membership.EINTERNAL, membership.EUNAVAILABLE:
			p.log.ErrorContext(r.Context(), "request failed", "request_id", requestID(r), "err", err.Error())
			if membership.ErrorCode(err) == membership.EUNAVAILABLE {
				w.Header().Set("Retry-After", retryAfter)
			}
		}
		p.renderPage(w, r, ErrorStatus(err), "errors", p.errorPage(v, err, requestID(r)))
		return
	}
	p.redirectToThanks(w, r, res)
}

// utf8Values returns an EINVALID error when a value of the form is not UTF-8 once
// percent-decoded (%FF%FE), naming the form's fields (those of a page's form) that
// hold one; it replaces those values with what is left of them, so that the error
// page shows only text.
func utf8Values(v url.Values, form []formField) error {
	labels := map[string]string{}
	for _, f := range form {
		labels[f.Name] = f.Label
	}
	bad, fields := false, map[string]string{}
	for name, values := range v {
		for i, s := range values {
			if utf8.ValidString(s) {
				continue
			}
			bad, values[i] = true, strings.ToValidUTF8(s, "")
			if l, ok := labels[name]; ok {
				fields[name] = l + "中有无法识别的字符（不是 UTF-8 编码），请重新填写"
			}
		}
	}
	if !bad {
		return nil
	}
	return &membership.Error{Code: membership.EINVALID, Op: "httpapi: read form", Fields: fields,
		Message: "提交的表单中有无法识别的字符（不是 UTF-8 编码），请检查后重新提交"}
}

// thanksCookie carries "number.token" from the form's answer to the thank-you page, so
// that the page shows only the number this browser was just given, never one taken from
// a link, and can show the status token too (it never appears in a URL).
const thanksCookie = "alliance_join"

// redirectToThanks answers a form submission with a 303 to the thank-you page and the
// cookie that page needs (an hour, so a reload still works).
func (p *Public) redirectToThanks(w http.ResponseWriter, r *http.Request, res createdBody) {
	http.SetCookie(w, &http.Cookie{
		Name: thanksCookie, Value: res.Number + "." + res.StatusToken, Path: "/api/join/thanks",
		MaxAge: 3600, HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https",
	})
	http.Redirect(w, r, "/api/join/thanks?number="+url.QueryEscape(res.Number), http.StatusSeeOther)
}

func (p *Public) errorPage(v url.Values, err error, reqID string) formPage {
	page := formPage{Message: membership.ErrorMessage(err), SiteHome: p.siteHome(),
		Hidden: map[string]string{"privacy_version": v.Get("privacy_version")}}
	switch membership.ErrorCode(err) {
	case membership.EINTERNAL:
		page.Message = "内部错误（请求编号 " + reqID + "），请稍后重试。"
	case membership.EUNAVAILABLE:
		page.Message = "系统繁忙，请稍后再试。您填写的内容都保留在下面，过一会儿再点“重新提交申请”即可，不会重复提交。"
	}
	if k := v.Get("idempotency_key"); k != "" {
		page.Hidden["idempotency_key"] = k
	}
	fe := membership.ErrorFields(err)
	page.Fields = formFields(v)
	for i, f := range page.Fields {
		for key, msg := range fe {
			if k, ok := formErrorKey[key]; ok {
				key = k
			}
			if key == f.Name {
				page.Fields[i].Error = msg
				page.Errors = append(page.Errors, page.Fields[i])
			}
		}
	}
	return page
}

var numberRE = regexp.MustCompile(`^SQ\d{4}-\d{6}$`)

// joinThanks serves GET /api/join/thanks?number=…, the page after a form submission. It
// shows the number and status token only to the browser that submitted (thanksCookie);
// anyone else, or the same browser after the cookie expired, gets a 404 page.
func (p *Public) joinThanks(w http.ResponseWriter, r *http.Request) {
	n := r.URL.Query().Get("number")
	var number, token string
	if c, err := r.Cookie(thanksCookie); err == nil {
		number, token, _ = strings.Cut(c.Value, ".")
	}
	if !numberRE.MatchString(n) || number != n || token == "" {
		p.renderPage(w, r, http.StatusNotFound, "gone", formPage{Title: "页面已失效", SiteHome: p.siteHome()})
		return
	}
	p.renderPage(w, r, http.StatusOK, "thanks", formPage{Title: "申请已提交", Number: n, Token: token, SiteHome: p.siteHome()})
}
