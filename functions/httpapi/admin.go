package httpapi

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/width"

	"github.com/smelisting/alliance/functions/auth"
	"github.com/smelisting/alliance/functions/membership"
)

// AdminRoutes are the routes of the secretariat function (Lambda "admin").
// Every one needs a bearer token; reads are open to the secretariat, the chair
// and the supervisor, changes to the role the charter names.
var AdminRoutes = []Route{
	{http.MethodGet, "/api/admin/me"},
	{http.MethodGet, "/api/admin/applications"},
	{http.MethodGet, "/api/admin/applications/{number}"},
	{http.MethodPost, "/api/admin/applications/{number}/review"},  // 秘书处审核通过
	{http.MethodPost, "/api/admin/applications/{number}/approve"}, // 理事长办公会批准
	{http.MethodPost, "/api/admin/applications/{number}/reject"},  // 不予通过（附理由）
	{http.MethodPost, "/api/admin/applications/{number}/file"},    // 报中促中心备案
	{http.MethodPost, "/api/admin/applications/{number}/certify"}, // 颁发会员证书
	{http.MethodGet, "/api/admin/members"},
	{http.MethodGet, "/api/admin/members/{certificate}"},
	{http.MethodPost, "/api/admin/members/{certificate}/exit"},
	{http.MethodPost, "/api/admin/members/{certificate}/expulsion"},
	{http.MethodPost, "/api/admin/members/{certificate}/expulsion/decision"},
	{http.MethodPost, "/api/admin/members/{certificate}/lapse"},
	{http.MethodGet, "/api/admin/attendance"},
	{http.MethodPost, "/api/admin/attendance"},
	{http.MethodGet, "/api/admin/lapse-report"},
	{http.MethodGet, "/api/admin/fees/{year}"},
	{http.MethodPost, "/api/admin/fees/{year}"},
	{http.MethodPost, "/api/admin/payments"},
	{http.MethodGet, "/api/admin/payments"}, // the ledger of a year, corrections included
	{http.MethodGet, "/api/admin/dues/{year}"},
	{http.MethodGet, "/api/admin/dues/{year}/csv"},
}

// TokenVerifier checks a request's bearer token; *auth.Verifier is one.
type TokenVerifier interface {
	VerifyRequest(r *http.Request) (auth.Identity, error)
}

// AdminConfig is what the secretariat handler needs.
type AdminConfig struct {
	Store      AdminStore
	Verifier   TokenVerifier
	Log        *slog.Logger     // nil: discard
	SiteOrigin string           // the only origin CORS allows
	Now        func() time.Time // nil: time.Now
}

// Admin serves AdminRoutes.
type Admin struct {
	store  AdminStore
	verify TokenVerifier
	log    *slog.Logger
	now    func() time.Time
	h      http.Handler
}

// readers may call every GET route; the supervisor reads everything and
// changes nothing.
var readers = []string{membership.RoleSecretariat, membership.RoleChair, membership.RoleSupervisor}

// NewAdmin returns the handler of every secretariat route.
func NewAdmin(cfg AdminConfig) *Admin {
	a := &Admin{store: cfg.Store, verify: cfg.Verifier, log: cfg.Log, now: cfg.Now}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.now == nil {
		a.now = time.Now
	}
	change := func(act membership.Action) adminHandler {
		return func(w http.ResponseWriter, r *http.Request, actor membership.Actor) (any, error) {
			return a.changeApplication(w, r, actor, act)
		}
	}
	handlers := map[string]adminHandler{
		"GET /api/admin/me":                                        a.me,
		"GET /api/admin/applications":                              a.listApplications,
		"GET /api/admin/applications/{number}":                     a.showApplication,
		"POST /api/admin/applications/{number}/review":             change(membership.ActionReview),
		"POST /api/admin/applications/{number}/approve":            change(membership.ActionApprove),
		"POST /api/admin/applications/{number}/reject":             change(membership.ActionReject),
		"POST /api/admin/applications/{number}/file":               change(membership.ActionFile),
		"POST /api/admin/applications/{number}/certify":            change(membership.ActionCertify),
		"GET /api/admin/members":                                   a.listMembers,
		"GET /api/admin/members/{certificate}":                     a.showMember,
		"POST /api/admin/members/{certificate}/exit":               a.exitMember,
		"POST /api/admin/members/{certificate}/expulsion":          a.proposeExpulsion,
		"POST /api/admin/members/{certificate}/expulsion/decision": a.decideExpulsion,
		"POST /api/admin/members/{certificate}/lapse":              a.lapseMember,
		"GET /api/admin/attendance":                                a.listAttendance,
		"POST /api/admin/attendance":                               a.addAttendance,
		"GET /api/admin/lapse-report":                              a.lapseReport,
		"GET /api/admin/fees/{year}":                               a.showFees,
		"POST /api/admin/fees/{year}":                              a.setFees,
		"POST /api/admin/payments":                                 a.recordPayment,
		"GET /api/admin/payments":                                  a.listPayments,
		"GET /api/admin/dues/{year}":                               a.duesReport,
		"GET /api/admin/dues/{year}/csv":                           a.duesCSV,
	}
	mux := http.NewServeMux()
	for _, rt := range AdminRoutes {
		h, ok := handlers[rt.String()]
		if !ok {
			panic("httpapi: no handler for admin route " + rt.String())
		}
		mux.Handle(rt.String(), a.authenticated(rt, h))
	}
	if len(handlers) != len(AdminRoutes) {
		panic("httpapi: an admin handler has no route in AdminRoutes")
	}
	mux.Handle("/api/", notFoundOr405(AdminRoutes, a.log))
	a.h = withCommon(mux, a.log, cfg.SiteOrigin, "Authorization, Content-Type")
	return a
}

// ServeHTTP serves the request.
func (a *Admin) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.h.ServeHTTP(w, r) }

// adminHandler handles one route for a verified actor and returns the value to
// answer as JSON (nil when it wrote the answer itself; created for a 201) or
// an error.
type adminHandler func(w http.ResponseWriter, r *http.Request, actor membership.Actor) (any, error)

// created marks a handler's result as a new record: the answer is 201.
type created struct{ v any }

// authenticated verifies the token (401), lets only the three roles in (403)
// and keeps the supervisor to GET routes (403).
func (a *Admin) authenticated(rt Route, h adminHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := a.verify.VerifyRequest(r)
		if err != nil {
			a.log.InfoContext(r.Context(), "token refused", "request_id", requestID(r), "err", err.Error())
			w.Header().Set("WWW-Authenticate", `Bearer realm="alliance-admin"`)
			writeError(w, r, a.log, membership.Errorf(membership.EUNAUTHORIZED, "httpapi: verify token", "请先登录（令牌无效或已过期）"))
			return
		}
		actor := membership.Actor{ID: id.Subject, Name: id.Name, Roles: id.Roles}
		allowed := readers
		if rt.Method != http.MethodGet {
			allowed = []string{membership.RoleSecretariat, membership.RoleChair}
		}
		if err := auth.Authorize(id, allowed...); err != nil {
			writeError(w, r, a.log, membership.Errorf(membership.EFORBIDDEN, "httpapi: authorize", "无权执行此操作"))
			return
		}
		v, err := h(w, r, actor)
		if err != nil {
			writeError(w, r, a.log, err)
			return
		}
		switch v := v.(type) {
		case nil:
		case created:
			writeJSON(w, http.StatusCreated, v.v)
		default:
			writeJSON(w, http.StatusOK, v)
		}
	})
}

func requireRole(actor membership.Actor, op string, roles ...string) error {
	for _, r := range roles {
		if actor.Has(r) {
			return nil
		}
	}
	labels := make([]string, len(roles))
	for i, r := range roles {
		labels[i] = membership.RoleLabels[r]
	}
	return membership.Errorf(membership.EFORBIDDEN, op, "须由%s执行", strings.Join(labels, "或"))
}

// decodeJSON reads a JSON request body into v strictly: JSON only (415), at
// most MaxBodyBytes (413), no unknown fields, no trailing data.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	const op = "httpapi: decode request"
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return &statusError{http.StatusUnsupportedMediaType, "unsupported_media_type", "只接受 JSON（Content-Type: application/json）"}
	}
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(op, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return membership.Errorf(membership.EINVALID, op, "请求体不是有效的 JSON：对象之后还有多余内容")
	}
	return nil
}

// checkVersion rejects a change that does not say which version it was made
// against: without it optimistic locking would be silently off.
func checkVersion(v int) error {
	if v <= 0 {
		return &membership.Error{Code: membership.EINVALID, Op: "httpapi: check version", Message: "请提供记录的版本号（version）",
			Fields: map[string]string{"version": "请提供记录的版本号"}}
	}
	return nil
}

func pathYear(r *http.Request) (int, error) {
	y, err := strconv.Atoi(r.PathValue("year"))
	if err != nil || y < 2000 || y > 2100 {
		return 0, membership.Errorf(membership.EINVALID, "httpapi: year", "年份应在 2000 至 2100 之间")
	}
	return y, nil
}

// meBody answers GET /api/admin/me.
type meBody struct {
	ID    string   `json:"id"`
	Name  string   `json:"name,omitempty"`
	Roles []string `json:"roles"`
}

func (a *Admin) me(w http.ResponseWriter, r *http.Request, actor membership.Actor) (any, error) {
	return meBody{actor.ID, actor.Name, actor.Roles}, nil
}

// applicationsBody answers GET /api/admin/applications.
type applicationsBody struct {
	Applications []membership.Application `json:"applications"`
}

func (a *Admin) listApplications(w http.ResponseWriter, r *http.Request, _ membership.Actor) (any, error) {
	st := membership.Status(r.URL.Query().Get("status"))
	if _, ok := membership.StatusLabels[st]; st != "" && !ok {
		return nil, membership.Errorf(membership.EINVALID, "httpapi: list applications", "未知状态 %q", st)
	}
	apps, err := a.store.Applications(r.Context(), st)
	if err != nil {
		return nil, err
	}
	return applicationsBody{apps}, nil
}

func (a *Admin) showApplication(w http.ResponseWriter, r *http.Request, _ membership.Actor) (any, error) {
	return a.store.Application(r.Context(), r.PathValue("number"))
}

// changeRequest is the body of POST /api/admin/applications/{number}/{action}.
type changeRequest struct {
	Version int                `json:"version"`
	Note    string             `json:"note,omitempty"`
	Filing  *membership.Filing `json:"filing,omitempty"`
}

// certifiedBody answers a certification: the application and its new member.
type certifiedBody struct {
	Application *membership.Application `json:"application"`
	Member      *membership.Member      `json:"member"`
}

func (a *Admin) changeApplication(w http.ResponseWriter, r *http.Request, actor membership.Actor, act membership.Action) (any, error) {
	var q changeRequest
	if err := decodeJSON(w, r, &q); err != nil {
		return nil, err
	}
	if err := checkVersion(q.Version); err != nil {
		return nil, err
	}
	c := membership.Change{Action: act, Note: q.Note, Filing: q.Filing}
	number, now := r.PathValue("number"), a.now()
	if act == membership.ActionCertify {
		app, m, err := a.store.IssueCertificate(r.Context(), number, q.Version, func(app *membership.Application) (*membership.Member, error) {
			if err := app.Apply(actor, c, now); err != nil {
				return nil, err
			}
			return membership.NewMember(app, actor, now), nil
		})
		if err != nil {
			return nil, err
		}
		a.log.InfoContext(r.Context(), "certificate issued", "request_id", requestID(r), "application", number, "certificate", m.Certificate, "actor", actor.ID)
		return created{certifiedBody{app, m}}, nil
	}
	app, err := a.store.UpdateApplication(r.Context(), number, q.Version, func(app *membership.Application) error {
		return app.Apply(actor, c, now)
	})
	if err != nil {
		return nil, err
	}
	a.log.InfoContext(r.Context(), "application changed", "request_id", requestID(r), "application", number, "action", act, "status", app.Status, "actor", actor.ID)
	return app, nil
}

// membersBody answers GET /api/admin/members.
type membersBody struct {
	Members []membership.Member `json:"members"`
}

func (a *Admin) listMembers(w http.ResponseWriter, r *http.Request, _ membership.Actor) (any, error) {
	st := membership.MemberStatus(r.URL.Query().Get("status"))
	if _, ok := membership.MemberStatusLabels[st]; st != "" && !ok {
		return nil, membership.Errorf(membership.EINVALID, "httpapi: list members", "未知会员状态 %q", st)
	}
	ms, err := a.store.Members(r.Context())
	if err != nil {
		return nil, err
	}
	out := []membership.Member{}
	for _, m := range ms {
		if st == "" || m.Status == st {
			out = append(out, m)
		}
	}
	return membersBody{out}, nil
}

func (a *Admin) showMember(w http.ResponseWriter, r *http.Request, _ membership.Actor) (any, error) {
	return a.store.Member(r.Context(), certificate(r.PathValue("certificate")))
}

// updateMember decodes the body into q, checks its version and applies fn.
func (a *Admin) updateMember(w http.ResponseWriter, r *http.Request, q interface{ version() int }, fn func(*membership.Member) error) (any, error) {
	if err := decodeJSON(w, r, q); err != nil {
		return nil, err
	}
	if err := checkVersion(q.version()); err != nil {
		return nil, err
	}
	return a.store.UpdateMember(r.Context(), certificate(r.PathValue("certificate")), q.version(), fn)
}

type exitRequest struct {
	Version             int    `json:"version"`
	RequestedOn         string `json:"requested_on"`
	CertificateReturned bool   `json:"certificate_returned"`
	Note                string `json:"note,omitempty"`
}

func (q *exitRequest) version() int { return q.Version }

func (a *Admin) exitMember(w http.ResponseWriter, r *http.Request, actor membership.Actor) (any, error) {
	var q exitRequest
	return a.updateMember(w, r, &q, func(m *membership.Member) error {
		return m.Exit(actor, q.RequestedOn, q.CertificateReturned, q.Note, a.now())
	})
}

type expulsionRequest struct {
	Version int    `json:"version"`
	Reason  string `json:"reason"`
}

func (q *expulsionRequest) version() int { return q.Version }

func (a *Admin) proposeExpulsion(w http.ResponseWriter, r *http.Request, actor membership.Actor) (any, error) {
	var q expulsionRequest
	return a.updateMember(w, r, &q, func(m *membership.Member) error {
		return m.ProposeExpulsion(actor, q.Reason, a.now())
	})
}

type decisionRequest struct {
	Version int    `json:"version"`
	Approve bool   `json:"approve"`
	Note    string `json:"note,omitempty"`
}

func (q *decisionRequest) version() int { return q.Version }

func (a *Admin) decideExpulsion(w http.ResponseWriter, r *http.Request, actor membership.Actor) (any, error) {
	var q decisionRequest
	return a.updateMember(w, r, &q, func(m *membership.Member) error {
		return m.DecideExpulsion(actor, q.Approve, q.Note, a.now())
	})
}

type lapseRequest struct {
	Version int    `json:"version"`
	Date    string `json:"date"` // the date the rule is applied for; default today in China
}

func (q *lapseRequest) version() int { return q.Version }

func (a *Admin) lapseMember(w http.ResponseWriter, r *http.Request, actor membership.Actor) (any, error) {
	var q lapseRequest
	if err := requireRole(actor, "httpapi: lapse", membership.RoleSecretariat); err != nil {
		return nil, err
	}
	all, err := a.store.Attendance(r.Context())
	if err != nil {
		return nil, err
	}
	return a.updateMember(w, r, &q, func(m *membership.Member) error {
		date := q.Date
		if date == "" {
			date = membership.Today(a.now())
		}
		st, err := membership.Lapse(m, all[m.Certificate], date)
		if err != nil {
			return err
		}
		return m.MarkLapsed(actor, st, a.now())
	})
}

// attendanceRequest is the body of POST /api/admin/attendance: one event and
// the members who attended it; or, with Void, the members whose record of the
// event was entered by mistake, and the reason in Note.
type attendanceRequest struct {
	Event   string   `json:"event"`
	Title   string   `json:"title,omitempty"`
	Kind    string   `json:"kind"`
	Date    string   `json:"date"`
	Members []string `json:"members"`
	Void    bool     `json:"void,omitempty"`
	Note    string   `json:"note,omitempty"`
}

// voidBody answers POST /api/admin/attendance with "void": which records were
// voided, and which members had no current record of the event.
type voidBody struct {
	Voided      []string `json:"voided"`
	NotRecorded []string `json:"not_recorded"`
}

// attendanceBody answers POST /api/admin/attendance: which records were
// added, and which were already there.
type attendanceBody struct {
	Added   []string `json:"added"`
	Already []string `json:"already"`
}

func (a *Admin) addAttendance(w http.ResponseWriter, r *http.Request, actor membership.Actor) (any, error) {
	const op = "httpapi: add attendance"
	if err := requireRole(actor, op, membership.RoleSecretariat); err != nil {
		return nil, err
	}
	var q attendanceRequest
	if err := decodeJSON(w, r, &q); err != nil {
		return nil, err
	}
	if len(q.Members) == 0 || len(q.Members) > 500 {
		return nil, &membership.Error{Code: membership.EINVALID, Op: op, Message: "请列出 1 至 500 名出席会员",
			Fields: map[string]string{"members": "请列出 1 至 500 名出席会员"}}
	}
	if q.Void {
		return a.voidAttendance(r, actor, q)
	}
	recs := make([]membership.Attendance, len(q.Members))
	for i, m := range q.Members {
		recs[i] = membership.Attendance{Member: certificate(m), Event: strings.TrimSpace(q.Event), Title: strings.TrimSpace(q.Title),
			Kind: q.Kind, Date: q.Date, RecordedBy: actor.ID, RecordedAt: a.now().UTC()}
		if err := recs[i].Check(a.now()); err != nil {
			return nil, err
		}
		if _, err := a.store.Member(r.Context(), recs[i].Member); err != nil {
			return nil, err
		}
	}
	out := attendanceBody{Added: []string{}, Already: []string{}}
	for i := range recs {
		err := a.store.AddAttendance(r.Context(), &recs[i])
		switch membership.ErrorCode(err) {
		case "":
			out.Added = append(out.Added, recs[i].Member)
		case membership.ECONFLICT:
			out.Already = append(out.Already, recs[i].Member)
		default:
			return nil, err
		}
	}
	return created{out}, nil
}

// voidAttendance voids each member's current record of the event.
func (a *Admin) voidAttendance(r *http.Request, actor membership.Actor, q attendanceRequest) (any, error) {
	event, now := strings.TrimSpace(q.Event), a.now()
	probe := membership.Attendance{Member: "-", Event: event}
	if err := probe.Void(actor, q.Note, now); err != nil {
		return nil, err
	}
	if event == "" {
		return nil, &membership.Error{Code: membership.EINVALID, Op: "httpapi: void attendance", Message: "请填写活动编号",
			Fields: map[string]string{"event": "请填写活动编号"}}
	}
	out := voidBody{Voided: []string{}, NotRecorded: []string{}}
	for _, m := range q.Members {
		m = certificate(m)
		_, err := a.store.VoidAttendance(r.Context(), m, event, func(at *membership.Attendance) error {
			return at.Void(actor, q.Note, now)
		})
		switch membership.ErrorCode(err) {
		case "":
			out.Voided = append(out.Voided, m)
			a.log.InfoContext(r.Context(), "attendance voided", "request_id", requestID(r), "member", m, "event", event, "actor", actor.ID)
		case membership.ENOTFOUND:
			out.NotRecorded = append(out.NotRecorded, m)
		default:
			return nil, err
		}
	}
	return out, nil
}

// attendanceListBody answers GET /api/admin/attendance.
type attendanceListBody struct {
	Attendance []membership.Attendance `json:"attendance"`
}

func (a *Admin) listAttendance(w http.ResponseWriter, r *http.Request, _ membership.Actor) (any, error) {
	all, err := a.store.Attendance(r.Context())
	if err != nil {
		return nil, err
	}
	out := []membership.Attendance{}
	member := certificate(r.URL.Query().Get("member"))
	for cert, as := range all {
		if member == "" || cert == member {
			out = append(out, as...)
		}
	}
	sortAttendance(out)
	return attendanceListBody{out}, nil
}

func (a *Admin) lapseReport(w http.ResponseWriter, r *http.Request, _ membership.Actor) (any, error) {
	date := r.URL.Query().Get("date")
	if date == "" {
		date = membership.Today(a.now())
	}
	ms, err := a.store.Members(r.Context())
	if err != nil {
		return nil, err
	}
	all, err := a.store.Attendance(r.Context())
	if err != nil {
		return nil, err
	}
	return membership.BuildLapseReport(ms, all, date)
}

func (a *Admin) showFees(w http.ResponseWriter, r *http.Request, _ membership.Actor) (any, error) {
	y, err := pathYear(r)
	if err != nil {
		return nil, err
	}
	return a.store.FeeSchedule(r.Context(), y)
}

// feesRequest is the body of POST /api/admin/fees/{year}. Version is the
// version of the schedule it replaces: 0 for the default.
type feesRequest struct {
	Version    int    `json:"version"`
	Enterprise int64  `json:"enterprise"`
	Group      int64  `json:"group"`
	Individual int64  `json:"individual"`
	Note       string `json:"note"`
}

func (a *Admin) setFees(w http.ResponseWriter, r *http.Request, actor membership.Actor) (any, error) {
	y, err := pathYear(r)
	if err != nil {
		return nil, err
	}
	var q feesRequest
	if err := decodeJSON(w, r, &q); err != nil {
		return nil, err
	}
	s, err := a.store.FeeSchedule(r.Context(), y)
	if err != nil {
		return nil, err
	}
	if q.Version != s.Version {
		return nil, membership.Errorf(membership.ECONFLICT, "httpapi: set fees", "%d 年会费标准已被他人修改（当前版本 %d），请刷新后重试", y, s.Version)
	}
	if err := s.Change(actor, q.Enterprise, q.Group, q.Individual, q.Note, a.now()); err != nil {
		return nil, err
	}
	if err := a.store.PutFeeSchedule(r.Context(), &s); err != nil {
		return nil, err
	}
	return s, nil
}

func (a *Admin) recordPayment(w http.ResponseWriter, r *http.Request, actor membership.Actor) (any, error) {
	if err := requireRole(actor, "httpapi: record payment", membership.RoleSecretariat); err != nil {
		return nil, err
	}
	var q membership.PaymentInput
	if err := decodeJSON(w, r, &q); err != nil {
		return nil, err
	}
	q.Member = certificate(q.Member)
	m, err := a.store.Member(r.Context(), q.Member)
	if err != nil {
		return nil, err
	}
	s, err := a.store.FeeSchedule(r.Context(), q.Year)
	if err != nil {
		return nil, err
	}
	cur, err := a.store.CurrentPayment(r.Context(), q.Member, q.Year)
	if membership.ErrorCode(err) == membership.ENOTFOUND {
		cur, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	p, err := membership.NewPayment(actor, q, m, s, cur, a.now())
	if err != nil {
		return nil, err
	}
	if err := a.store.RecordPayment(r.Context(), p); err != nil {
		return nil, err
	}
	a.log.InfoContext(r.Context(), "payment recorded", "request_id", requestID(r), "payment", p.ID, "actor", actor.ID)
	return created{p}, nil
}

// paymentsBody answers GET /api/admin/payments.
type paymentsBody struct {
	Payments []membership.Payment `json:"payments"`
}

// listPayments serves the ledger of a year (?year=, default this year in
// China), optionally of one member (?member=), every entry in order of
// recording, superseded ones included: the audit trail of the dues.
func (a *Admin) listPayments(w http.ResponseWriter, r *http.Request, _ membership.Actor) (any, error) {
	y := a.now().In(membership.China).Year()
	if s := r.URL.Query().Get("year"); s != "" {
		var err error
		if y, err = strconv.Atoi(s); err != nil || y < 2000 || y > 2100 {
			return nil, membership.Errorf(membership.EINVALID, "httpapi: list payments", "年份应在 2000 至 2100 之间")
		}
	}
	ps, err := a.store.Payments(r.Context(), y)
	if err != nil {
		return nil, err
	}
	member := certificate(r.URL.Query().Get("member"))
	out := []membership.Payment{}
	for _, p := range ps {
		if member == "" || p.Member == member {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b membership.Payment) int {
		return cmp.Or(a.RecordedAt.Compare(b.RecordedAt), cmp.Compare(a.ID, b.ID))
	})
	return paymentsBody{out}, nil
}

func (a *Admin) report(r *http.Request) (*membership.DuesReport, error) {
	y, err := pathYear(r)
	if err != nil {
		return nil, err
	}
	s, err := a.store.FeeSchedule(r.Context(), y)
	if err != nil {
		return nil, err
	}
	ms, err := a.store.Members(r.Context())
	if err != nil {
		return nil, err
	}
	ps, err := a.store.Payments(r.Context(), y)
	if err != nil {
		return nil, err
	}
	return membership.BuildDuesReport(y, s, ms, ps), nil
}

func (a *Admin) duesReport(w http.ResponseWriter, r *http.Request, _ membership.Actor) (any, error) {
	return a.report(r)
}

func (a *Admin) duesCSV(w http.ResponseWriter, r *http.Request, _ membership.Actor) (any, error) {
	rep, err := a.report(r)
	if err != nil {
		return nil, err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="dues-%d.csv"`, rep.Year))
	w.Header().Set("Cache-Control", "no-store")
	if _, err := w.Write(rep.CSV()); err != nil {
		a.log.InfoContext(r.Context(), "write csv", "request_id", requestID(r), "err", err.Error())
	}
	return nil, nil
}

// certificate writes a certificate number as issued (LM-2026-0001), whether
// it was typed in lower case or with a full-width input method.
func certificate(s string) string { return strings.ToUpper(width.Fold.String(strings.TrimSpace(s))) }

// sortAttendance orders records by date, event, then member.
func sortAttendance(as []membership.Attendance) {
	slices.SortFunc(as, func(a, b membership.Attendance) int {
		return cmp.Or(cmp.Compare(a.Date, b.Date), cmp.Compare(a.Event, b.Event), cmp.Compare(a.Member, b.Member))
	})
}
