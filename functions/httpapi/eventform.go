package httpapi

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/smelisting/alliance/functions/events"
	"github.com/smelisting/alliance/functions/membership"
)

// eventPage is what the event registration pages of pages.html show.
type eventPage struct {
	Slug, Title, PageURL, Calendar string
	When                           string
	Code, Token, Label             string
	Existing, Cancelled, CheckedIn bool
	QR                             template.HTML // made by QRSVG from a valid code
}

// eventFormFields are the controls of the event page's registration form.
func eventFormFields(v url.Values) []formField {
	f := []formField{
		{Name: "name", Label: "姓名", Kind: "text"},
		{Name: "org", Label: "单位", Kind: "text"},
		{Name: "job_title", Label: "职务", Kind: "text"},
		{Name: "phone", Label: "手机号码", Kind: "tel"},
		{Name: "email", Label: "电子邮箱", Kind: "email"},
		{Name: "certificate", Label: "会员证书编号（会员填写，如 LM-2026-0001；非会员留空）", Kind: "text"},
		{Name: "waitlist_accepted", Label: "名额已满时，我愿意进入候补名单", Kind: "check"},
		{Name: "privacy_accepted", Label: "我已阅读并同意个人信息保护声明", Kind: "check"},
	}
	for i := range f {
		f[i].Value = v.Get(f[i].Name)
	}
	return f
}

// eventCookie carries "code.token" from a form registration to its page, so
// that the page shows the code and token only in the browser that registered
// (never in a URL); it lasts until the token expires.
const eventCookie = "alliance_event"

// eventForm serves POST /api/events/{slug}/register, the event page's form
// without JavaScript: 303 to the registration's page, or a page listing the
// errors above the form with the typed values kept.
func (p *Public) eventForm(w http.ResponseWriter, r *http.Request) {
	if err := checkContentType(r, "application/x-www-form-urlencoded", "此地址只接受表单提交（application/x-www-form-urlencoded）"); err != nil {
		writeError(w, r, p.log, err)
		return
	}
	body, err := readBody(w, r)
	if membership.ErrorCode(err) == membership.EINVALID { // bytes that are not UTF-8
		p.renderPage(w, r, http.StatusBadRequest, "event-note", formPage{Title: "报名未提交", Message: membership.ErrorMessage(err) + "。请返回活动页面重新填写。",
			SiteHome: p.siteHome()})
		return
	}
	if err != nil {
		writeError(w, r, p.log, err)
		return
	}
	v, err := url.ParseQuery(string(body))
	if err != nil {
		v = url.Values{}
	}
	ev, err := p.event(r)
	if err != nil {
		if membership.ErrorCode(err) == membership.EUNAVAILABLE { // keep what was typed for the next try
			p.eventFormFailed(w, r, p.unknownEventPage(r.PathValue("slug")), v, err)
			return
		}
		p.renderPage(w, r, ErrorStatus(err), "event-gone", formPage{Title: "没有找到这个活动的报名", Message: membership.ErrorMessage(err), SiteHome: p.siteHome()})
		return
	}
	if err := utf8Values(v, eventFormFields(nil)); err != nil {
		p.eventFormFailed(w, r, p.eventPageOf(ev), v, err)
		return
	}
	q := registrationRequest{Name: v.Get("name"), Org: v.Get("org"), JobTitle: v.Get("job_title"), Phone: v.Get("phone"), Email: v.Get("email"),
		Certificate: v.Get("certificate"), WaitlistAccepted: checked(v.Get("waitlist_accepted")), PrivacyAccepted: checked(v.Get("privacy_accepted")),
		PrivacyVersion: v.Get("privacy_version"), Website: v.Get("website")}
	in := q.input()
	key := v.Get("idempotency_key")
	if key != "" && !idempotencyKeyRE.MatchString(key) {
		key = ""
	}
	status, res, err := 0, registrationBody{}, in.Validate()
	if err == nil {
		status, res, err = p.register(r, ev, in, q.Website != "", key, body)
	}
	if err != nil {
		p.eventFormFailed(w, r, p.eventPageOf(ev), v, err)
		return
	}
	if status == http.StatusOK || res.StatusToken == "" { // the phone had registered before: no token to keep
		page := p.eventPageOf(ev)
		page.Code, page.Label, page.Existing, page.QR = res.Code, res.StatusLabel, true, template.HTML(res.QRSVG)
		p.renderPage(w, r, http.StatusOK, "event-registered", formPage{Title: "您已报名本活动", Event: page, SiteHome: p.siteHome()})
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: eventCookie, Value: res.Code + "." + res.StatusToken, Path: "/api/events/" + ev.Slug + "/",
		MaxAge: int(time.Until(ev.Ends().Add(events.TokenValidity)).Seconds()), HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https",
	})
	http.Redirect(w, r, "/api/events/"+ev.Slug+"/registered?code="+url.QueryEscape(res.Code), http.StatusSeeOther)
}

// eventFormFailed answers a form registration that was not stored: the form
// again with what was typed, the errors above it (400, 409…), or, when the
// store was busy (503, with Retry-After), a request to send it again later:
// the form keeps its Idempotency-Key, so a registration the store took just
// before is not doubled.
func (p *Public) eventFormFailed(w http.ResponseWriter, r *http.Request, ev *eventPage, v url.Values, err error) {
	switch membership.ErrorCode(err) {
	case membership.EINTERNAL, membership.EUNAVAILABLE:
		p.log.ErrorContext(r.Context(), "request failed", "request_id", requestID(r), "err", err.Error())
		if membership.ErrorCode(err) == membership.EUNAVAILABLE {
			w.Header().Set("Retry-After", retryAfter)
		}
	}
	page := p.errorPage(v, err, requestID(r))
	if membership.ErrorCode(err) == membership.EUNAVAILABLE {
		page.Message = "系统繁忙，请稍后再试。您填写的内容都保留在下面，过一会儿再点“重新提交报名”即可，不会重复报名。"
	}
	page.Title, page.Fields, page.Errors = "报名未提交：请修改后重新提交", eventFormFields(v), nil
	page.Event = ev
	page.Hidden["privacy_version"] = v.Get("privacy_version")
	for i, f := range page.Fields {
		if msg := membership.ErrorFields(err)[f.Name]; msg != "" {
			page.Fields[i].Error = msg
			page.Errors = append(page.Errors, page.Fields[i])
		}
	}
	p.renderPage(w, r, ErrorStatus(err), "event-errors", page)
}

// unknownEventPage is the event's part of its pages when the published events
// could not be read: its page by its slug, without its title and time.
func (p *Public) unknownEventPage(slug string) *eventPage {
	u := p.siteHome() + "events/" + url.PathEscape(slug) + "/"
	return &eventPage{Slug: slug, Title: "本活动", PageURL: u, Calendar: u + "event.ics", When: "时间见活动页面"}
}

// eventPageOf is the event's part of its pages.
func (p *Public) eventPageOf(ev *events.Event) *eventPage {
	home := p.siteHome()
	start := ev.Start.In(membership.China)
	return &eventPage{Slug: ev.Slug, Title: ev.Title, PageURL: home + strings.TrimPrefix(ev.URL, "/"),
		Calendar: home + strings.TrimPrefix(ev.URL, "/") + "event.ics",
		When:     start.Format("2006年1月2日 15:04") + "（北京时间）"}
}

// eventRegistered serves GET /api/events/{slug}/registered?code=…: the
// registration's page (code, QR code, status, calendar), shown only in the
// browser that registered (eventCookie); anyone else gets a 404 page.
func (p *Public) eventRegistered(w http.ResponseWriter, r *http.Request) {
	gone := func() {
		p.renderPage(w, r, http.StatusNotFound, "event-gone", formPage{Title: "页面已失效", SiteHome: p.siteHome()})
	}
	busy := func(err error) {
		p.log.ErrorContext(r.Context(), "request failed", "request_id", requestID(r), "err", err.Error())
		w.Header().Set("Retry-After", retryAfter)
		p.renderPage(w, r, http.StatusServiceUnavailable, "event-note", formPage{Title: "系统繁忙，请稍后再试",
			Message: "暂时无法读取报名记录，请过一会儿刷新本页。", SiteHome: p.siteHome()})
	}
	ev, err := p.event(r)
	if membership.ErrorCode(err) == membership.EUNAVAILABLE {
		busy(err)
		return
	}
	if err != nil {
		gone()
		return
	}
	var code, token string
	if c, err := r.Cookie(eventCookie); err == nil {
		code, token, _ = strings.Cut(c.Value, ".")
	}
	if code == "" || code != r.URL.Query().Get("code") {
		gone()
		return
	}
	reg, err := p.authorized(r, ev, code, token)
	var res registrationBody
	if err == nil {
		res, err = p.registered(r, ev, reg, "")
	}
	switch membership.ErrorCode(err) {
	case "":
	case membership.EUNAVAILABLE:
		busy(err)
		return
	case membership.EINTERNAL:
		writeError(w, r, p.log, err)
		return
	default:
		gone()
		return
	}
	page := p.eventPageOf(ev)
	page.Code, page.Token, page.Label, page.QR = reg.Code, token, res.StatusLabel, template.HTML(res.QRSVG)
	page.Cancelled, page.CheckedIn = reg.Status == events.StatusCancelled, reg.CheckedIn != nil
	p.renderPage(w, r, http.StatusOK, "event-registered", formPage{Title: "报名状态：" + res.StatusLabel, Event: page, SiteHome: p.siteHome()})
}
