package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/smelisting/alliance/functions/membership"
)

// pageStyle is the small style of the pages the handler renders itself; the page's
// Content-Security-Policy allows exactly this style by its hash and nothing else.
const pageStyle = `body{font:16px/1.7 system-ui,"PingFang SC","Microsoft YaHei",sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
h1{font-size:1.5rem}.errors{border-left:4px solid #b00020;padding:.5rem 1rem;background:#fff4f4}
label{display:block;margin-top:1rem;font-weight:600}input,select,textarea{font:inherit;width:100%;box-sizing:border-box;padding:.4rem}
input[type=checkbox],input[type=radio]{width:auto}.check label{display:inline;font-weight:normal}.err{color:#b00020}
button{margin-top:1.5rem;font:inherit;padding:.5rem 1.5rem}.number{font-size:1.5rem;font-weight:700}.token{overflow-wrap:anywhere}`

var pageCSP = func() string {
	sum := sha256.Sum256([]byte(pageStyle))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
		"'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
}()

// formField is one control of the form the error page shows again.
type formField struct {
	Name, Label, Kind string // Kind: text, email, tel, textarea, select, checks, check
	Choices           []membership.Choice
	Value             string
	Values            map[string]bool
	Error             string
}

type formPage struct {
	Title    string
	Errors   []formField
	Fields   []formField
	Message  string
	Number   string
	Token    string
	SiteHome string
	Hidden   map[string]string
}

// The handler writes its two pages with pageWriter rather than html/template: text/template's
// reflective method calls make the linker keep every exported method of every type in the
// binary, which costs the Lambda function about 3 MB. The pages only place text in element
// content and in double-quoted attribute values, where html.EscapeString is the complete
// escaping, and pageWriter escapes every argument it is given.
type pageWriter struct{ bytes.Buffer }

// f writes format with each argument HTML-escaped; format itself is trusted markup.
func (w *pageWriter) f(format string, args ...string) {
	esc := make([]any, len(args))
	for i, a := range args {
		esc[i] = html.EscapeString(a)
	}
	fmt.Fprintf(&w.Buffer, format, esc...)
}

// if_ returns s when cond holds, for optional attributes given to f.
func if_(cond bool, s string) string {
	if cond {
		return s
	}
	return ""
}

func (w *pageWriter) head(title string) {
	w.f(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>%s</title><style>`, title)
	w.WriteString(pageStyle)
	w.WriteString("</style></head><body>\n")
}

// errorsPage lists the errors above the form, which keeps what the applicant typed.
func (w *pageWriter) errorsPage(d formPage) {
	w.head(d.Title)
	w.f(`<h1>申请未提交</h1>
<div class="errors" role="alert"><p>%s</p><ul>`, d.Message)
	for _, e := range d.Errors {
		w.f(`<li><a href="#f-%s">%s</a>：%s</li>`, e.Name, e.Label, e.Error)
	}
	w.f(`</ul></div>
<p>您填写的内容已保留在下面，请修改后重新提交。</p>
<form method="post" action="/api/join">
`)
	for _, k := range slices.Sorted(maps.Keys(d.Hidden)) {
		w.f(`<input type="hidden" name="%s" value="%s">`, k, d.Hidden[k])
	}
	w.WriteString("\n")
	for _, fd := range d.Fields {
		w.formField(fd)
	}
	w.f(`<button type="submit">重新提交申请</button>
</form>
<p><a href="%sjoin/">返回申请页面（承诺书与隐私声明全文）</a></p>
</body></html>`, d.SiteHome)
}

func (w *pageWriter) formField(fd formField) {
	n := fd.Name
	desc := if_(fd.Error != "", ` aria-describedby="e-`+n+`"`) // n is one of formFields' names
	w.WriteString("<div>\n")
	switch fd.Kind {
	case "select":
		w.f(`<label for="f-%s">%s</label><select id="f-%s" name="%s"`, n, fd.Label, n, n)
		w.WriteString(desc)
		w.WriteString(`><option value="">请选择</option>`)
		for _, c := range fd.Choices {
			w.f(`<option value="%s"%s>%s</option>`, c.Value, if_(c.Value == fd.Value, " selected"), c.Label)
		}
		w.WriteString("</select>\n")
	case "textarea":
		w.f(`<label for="f-%s">%s</label><textarea id="f-%s" name="%s" rows="6"`, n, fd.Label, n, n)
		w.WriteString(desc)
		w.f(`>%s</textarea>`+"\n", fd.Value)
	case "checks":
		w.f(`<fieldset id="f-%s"`, n)
		w.WriteString(desc)
		w.f(`><legend>%s</legend>`, fd.Label)
		for i, c := range fd.Choices {
			id := n + "-" + strconv.Itoa(i)
			w.f(`<span class="check"><input type="checkbox" id="f-%s" name="%s" value="%s"%s> <label for="f-%s">%s</label></span> `,
				id, n, c.Value, if_(fd.Values[c.Value], " checked"), id, c.Label)
		}
		w.WriteString("</fieldset>\n")
	case "check":
		w.f(`<span class="check"><input type="checkbox" id="f-%s" name="%s" value="on"%s`, n, n, if_(fd.Value != "", " checked"))
		w.WriteString(desc)
		w.f(`> <label for="f-%s">%s</label></span>`+"\n", n, fd.Label)
	default:
		w.f(`<label for="f-%s">%s</label><input id="f-%s" type="%s" name="%s" value="%s"`, n, fd.Label, n, fd.Kind, n, fd.Value)
		w.WriteString(desc)
		w.WriteString(">\n")
	}
	if fd.Error != "" {
		w.f(`<p class="err" id="e-%s">%s</p>`, n, fd.Error)
	}
	w.WriteString("</div>\n")
}

// thanksPage shows the application number and status token after a form submission.
func (w *pageWriter) thanksPage(d formPage) {
	w.head(d.Title)
	w.f(`<h1>申请已提交</h1>
<p>您的申请编号：</p><p class="number">%s</p>
<p>查询凭证：<code class="token">%s</code></p>
<p>请保存申请编号和查询凭证：凭它们可以在<a href="%sjoin/#join-status">申请页面</a>底部查询审核进度或撤回申请（需要浏览器启用 JavaScript）。联盟秘书处将审核您的申请，审核通过后报理事长办公会批准并报中促中心备案，之后颁发会员证书（章程第十四条）。秘书处会通过您留下的电话或邮箱与您联系；如有疑问，请致电秘书处 010-68200012 并告知申请编号。</p>
<p><a href="%s">返回联盟网站首页</a></p>
</body></html>`, d.Number, d.Token, d.SiteHome, d.SiteHome)
}

// gonePage answers a thank-you link opened without the cookie of the submission.
func (w *pageWriter) gonePage(d formPage) {
	w.head(d.Title)
	w.f(`<h1>页面已失效</h1>
<p>申请确认页面只在提交后一小时内、在提交所用的浏览器中显示（浏览器须允许 Cookie）。如果您刚刚提交了申请却看到此页，申请很可能已经提交成功，请不要重复提交，可致电联盟秘书处 010-68200012 查询申请编号。</p>
<p><a href="%sjoin/">前往申请页面</a> · <a href="%s">返回联盟网站首页</a></p>
</body></html>`, d.SiteHome, d.SiteHome)
}

// formFields lists the controls of the application form with their form names.
func formFields(v url.Values) []formField {
	regions := make([]membership.Choice, len(membership.Regions))
	for i, r := range membership.Regions {
		regions[i] = membership.Choice{Value: r, Label: r}
	}
	f := []formField{
		{Name: "type", Label: "会员类型", Kind: "select", Choices: membership.MemberTypes},
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
		{Name: "listing_board", Label: "目标板块（选填）", Kind: "select", Choices: membership.ListingBoards},
		{Name: "listing_year", Label: "计划上市年份（选填）", Kind: "text"},
		{Name: "services", Label: "希望获得的服务", Kind: "checks", Choices: membership.Services},
		{Name: "introduction", Label: "单位简介", Kind: "textarea"},
		{Name: "commitment_accepted", Label: "我已阅读并签署承诺书", Kind: "check"},
		{Name: "privacy_accepted", Label: "我已阅读并同意隐私声明", Kind: "check"},
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
		Website: v.Get("website"),
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

func (p *Public) renderPage(w http.ResponseWriter, status int, name string, data formPage) {
	if data.Title == "" {
		data.Title = "申请未提交：请修改后重新提交"
	}
	var buf pageWriter
	switch name {
	case "thanks":
		buf.thanksPage(data)
	case "gone":
		buf.gonePage(data)
	default:
		buf.errorsPage(data)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", pageCSP)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (p *Public) siteHome() string {
	if p.origin == "" {
		return "/"
	}
	return p.origin + "/"
}

// joinForm serves POST /api/join, the form without JavaScript: 303 to the thank-you page,
// or a 400 page listing the errors above the form with the typed values kept.
func (p *Public) joinForm(w http.ResponseWriter, r *http.Request) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/x-www-form-urlencoded" {
		writeError(w, r, p.log, &statusError{http.StatusUnsupportedMediaType, "unsupported_media_type", "此地址只接受表单提交（application/x-www-form-urlencoded）"})
		return
	}
	body, err := readBody(w, r)
	if err != nil {
		writeError(w, r, p.log, err)
		return
	}
	v, err := url.ParseQuery(string(body))
	if err != nil {
		p.renderPage(w, http.StatusBadRequest, "errors", formPage{Message: "无法读取提交的表单，请返回重试。", Fields: formFields(url.Values{}), SiteHome: p.siteHome()})
		return
	}
	q := formRequest(v)
	app := q.application()
	app.Normalize()
	err = app.Validate()
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
		res, _, err = p.submit(r, app, key, body)
	}
	if err != nil {
		if membership.ErrorCode(err) == membership.EINTERNAL {
			p.log.ErrorContext(r.Context(), "request failed", "request_id", requestID(r), "err", err.Error())
		}
		p.renderPage(w, ErrorStatus(err), "errors", p.errorPage(v, err, requestID(r)))
		return
	}
	p.redirectToThanks(w, r, res)
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
	if membership.ErrorCode(err) == membership.EINTERNAL {
		page.Message = "内部错误（请求编号 " + reqID + "），请稍后重试。"
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
		p.renderPage(w, http.StatusNotFound, "gone", formPage{Title: "页面已失效", SiteHome: p.siteHome()})
		return
	}
	p.renderPage(w, http.StatusOK, "thanks", formPage{Title: "申请已提交", Number: n, Token: token, SiteHome: p.siteHome()})
}
