package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"time"

	"github.com/smelisting/alliance/functions/auth"
	"github.com/smelisting/alliance/functions/backoffice"
	"github.com/smelisting/alliance/functions/membership"
)

// AdminRoutes are the routes of the secretariat function (Lambda "admin").
// Every one needs a bearer token (`alliance admin`) or a session of the
// console (ConsoleRoutes) and, for a change, its CSRF token; who may do what
// is the domain's to say (membership.Actor.May), the handler only translates.
var AdminRoutes = []Route{
	{http.MethodGet, "/api/admin/me"},
	{http.MethodGet, "/api/admin/dashboard"},
	{http.MethodGet, "/api/admin/applications"},
	{http.MethodGet, "/api/admin/applications/{number}"},
	{http.MethodPost, "/api/admin/applications/{number}/review"},  // 秘书处审核通过
	{http.MethodPost, "/api/admin/applications/{number}/approve"}, // 理事长办公会批准
	{http.MethodPost, "/api/admin/applications/{number}/reject"},  // 不予通过（附理由）
	{http.MethodPost, "/api/admin/applications/{number}/file"},    // 报中促中心备案
	{http.MethodPost, "/api/admin/applications/{number}/certify"}, // 颁发会员证书
	{http.MethodGet, "/api/admin/members"},
	{http.MethodGet, "/api/admin/members/{certificate}"},
	{http.MethodGet, "/api/admin/members/{certificate}/certificate"}, // 会员证书（打印用 HTML 页面）
	{http.MethodPost, "/api/admin/members/{certificate}/exit"},
	{http.MethodPost, "/api/admin/members/{certificate}/expulsion"},
	{http.MethodPost, "/api/admin/members/{certificate}/expulsion/decision"},
	{http.MethodPost, "/api/admin/members/{certificate}/lapse"},
	{http.MethodPost, "/api/admin/members/{certificate}/showcase"}, // 会员风采展示：登记会员后来的同意或撤回
	{http.MethodGet, "/api/admin/attendance"},
	{http.MethodPost, "/api/admin/attendance"},
	{http.MethodGet, "/api/admin/lapse-report"},
	{http.MethodGet, "/api/admin/fees/{year}"},
	{http.MethodPost, "/api/admin/fees/{year}"},
	{http.MethodPost, "/api/admin/payments"},
	{http.MethodGet, "/api/admin/payments"}, // the ledger of a year, corrections included
	{http.MethodGet, "/api/admin/dues/{year}"},
	{http.MethodGet, "/api/admin/dues/{year}/csv"},
	{http.MethodGet, "/api/admin/applications/{number}/attachments/{id}"}, // a short-lived link to a document
	{http.MethodPost, "/api/admin/erasures"},                              // erase a person's data on their request
	// Events (adminevents.go): registrations and the check-in at the door.
	AdminEventRoutes[0], AdminEventRoutes[1], AdminEventRoutes[2], AdminEventRoutes[3], AdminEventRoutes[4], AdminEventRoutes[5],
	AdminEventRoutes[6], AdminEventRoutes[7],
	// The outbox (adminmail.go): mail that could not be delivered, and sending it again.
	AdminMailRoutes[0], AdminMailRoutes[1],
}

// TokenVerifier checks a request's bearer token; *auth.Verifier is one.
type TokenVerifier interface {
	VerifyRequest(r *http.Request) (auth.Identity, error)
}

// AdminConfig is what the secretariat handler needs.
type AdminConfig struct {
	Office     *backoffice.Service // the use cases the routes translate to
	Verifier   TokenVerifier
	Log        *slog.Logger  // nil: discard
	SiteOrigin string        // the only origin CORS allows (with credentials, for the console)
	Timeout    time.Duration // bounds the store work of each request (see Deadline); 0: DefaultTimeout
	// SiteURL is the site's address (https://www.example.org), where the QR code of a
	// printed certificate points (VerifyURL); empty: certificates cannot be printed.
	SiteURL string
	// Console, when set, adds ConsoleRoutes and lets AdminRoutes be called
	// with a session cookie instead of a bearer token.
	Console *ConsoleConfig
}

// Admin serves AdminRoutes: it verifies the token, puts its actor in the
// request's context (membership.NewContext), decodes the request, calls the
// back office and answers JSON.
type Admin struct {
	office  *backoffice.Service
	verify  TokenVerifier
	console *console // nil: bearer tokens only
	siteURL string
	log     *slog.Logger
	h       http.Handler
}

// NewAdmin returns the handler of every secretariat route.
func NewAdmin(cfg AdminConfig) *Admin {
	a := &Admin{office: cfg.Office, verify: cfg.Verifier, log: cfg.Log, siteURL: cfg.SiteURL}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	eps := a.endpoints()
	mux := http.NewServeMux()
	for _, rt := range AdminRoutes {
		ep, ok := eps[rt]
		if !ok {
			panic("httpapi: no handler for admin route " + rt.String())
		}
		mux.Handle(rt.String(), a.authenticated(ep))
	}
	if len(eps) != len(AdminRoutes) {
		panic("httpapi: an admin handler has no route in AdminRoutes")
	}
	routes := AdminRoutes
	if cfg.Console != nil {
		a.console = newConsole(cfg.Console, a.log)
		for rt, h := range a.console.handlers() {
			mux.Handle(rt.String(), h)
		}
		routes = append(slices.Clone(AdminRoutes), ConsoleRoutes...)
	}
	mux.Handle("/api/", notFoundOr405(routes, a.log))
	a.h = allowCredentials(withCommon(Deadline(mux, cfg.Timeout), a.log, cfg.SiteOrigin, "Authorization, Content-Type, "+CSRFHeader), cfg.SiteOrigin)
	return a
}

// ServeHTTP serves the request.
func (a *Admin) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.h.ServeHTTP(w, r) }

// endpoint is one admin route's handler and, for the API description's
// tests, what it reads and answers: the JSON body it decodes (nil: none), the
// query parameters it reads, and the JSON answer of each success status.
type endpoint struct {
	in      reflect.Type
	query   []string
	answers map[int]reflect.Type // nil type: not JSON (the dues CSV)
	serve   func(w http.ResponseWriter, r *http.Request) (status int, answer any, err error)
}

// get is the endpoint of a GET route answering fn's result with a 200.
func get[Out any](fn func(r *http.Request) (Out, error), query ...string) endpoint {
	return endpoint{query: query, answers: map[int]reflect.Type{http.StatusOK: reflect.TypeFor[Out]()},
		serve: func(w http.ResponseWriter, r *http.Request) (int, any, error) {
			v, err := fn(r)
			return http.StatusOK, v, err
		}}
}

// post is the endpoint of a POST route that decodes a JSON body of type In
// and answers fn's result with status.
func post[In, Out any](status int, fn func(r *http.Request, q In) (Out, error)) endpoint {
	return endpoint{in: reflect.TypeFor[In](), answers: map[int]reflect.Type{status: reflect.TypeFor[Out]()},
		serve: func(w http.ResponseWriter, r *http.Request) (int, any, error) {
			var q In
			if err := decodeJSON(w, r, &q); err != nil {
				return 0, nil, err
			}
			v, err := fn(r, q)
			return status, v, err
		}}
}

// The list answers wrap their lists in an object, so that fields can be added later.
type (
	memberList struct {
		Members []membership.Member `json:"members"`
	}
	attendanceList struct {
		Attendance []membership.Attendance `json:"attendance"`
	}
	paymentList struct {
		Payments []membership.Payment `json:"payments"`
	}
)

// endpoints maps every admin route to its endpoint.
func (a *Admin) endpoints() map[Route]endpoint {
	eps := map[Route]endpoint{
		{"GET", "/api/admin/me"}: get(func(r *http.Request) (*backoffice.Me, error) { return a.office.WhoAmI(r.Context()) }),
		{"GET", "/api/admin/dashboard"}: get(func(r *http.Request) (*backoffice.Dashboard, error) {
			return a.office.Dashboard(r.Context())
		}),
	}
	for _, part := range []map[Route]endpoint{a.applicationEndpoints(), a.memberEndpoints(), a.duesEndpoints(), a.eventEndpoints(), a.mailEndpoints()} {
		maps.Copy(eps, part)
	}
	return eps
}

// applicationEndpoints are the routes of the workflow of 第十四条.
func (a *Admin) applicationEndpoints() map[Route]endpoint {
	o := a.office
	change := func(act membership.Action) endpoint {
		return post(http.StatusOK, func(r *http.Request, q backoffice.ChangeRequest) (*membership.Application, error) {
			return o.ChangeApplication(r.Context(), r.PathValue("number"), act, q)
		})
	}
	return map[Route]endpoint{
		{"GET", "/api/admin/applications"}: get(func(r *http.Request) (*membership.ApplicationPage, error) {
			q, err := applicationQuery(r)
			if err != nil {
				return nil, err
			}
			return o.Applications(r.Context(), q)
		}, "status", "search", "after", "limit"),
		{"GET", "/api/admin/applications/{number}"}: get(func(r *http.Request) (*backoffice.ApplicationDetail, error) {
			return o.Application(r.Context(), r.PathValue("number"))
		}),
		{"POST", "/api/admin/applications/{number}/review"}:  change(membership.ActionReview),
		{"POST", "/api/admin/applications/{number}/approve"}: change(membership.ActionApprove),
		{"POST", "/api/admin/applications/{number}/reject"}:  change(membership.ActionReject),
		{"POST", "/api/admin/applications/{number}/file"}:    change(membership.ActionFile),
		{"POST", "/api/admin/applications/{number}/certify"}: post(http.StatusCreated, func(r *http.Request, q backoffice.ChangeRequest) (*backoffice.Certified, error) {
			return o.Certify(r.Context(), r.PathValue("number"), q)
		}),
		{"GET", "/api/admin/applications/{number}/attachments/{id}"}: get(func(r *http.Request) (*backoffice.Download, error) {
			return o.AttachmentURL(r.Context(), r.PathValue("number"), r.PathValue("id"))
		}),
		{"POST", "/api/admin/erasures"}: post(http.StatusOK, func(r *http.Request, q backoffice.ErasureRequest) (*backoffice.Erased, error) {
			return o.ErasePerson(r.Context(), q)
		}),
	}
}

// memberEndpoints are the routes of members, attendance and the lapse rule (第十五条).
func (a *Admin) memberEndpoints() map[Route]endpoint {
	o := a.office
	attendance := endpoint{in: reflect.TypeFor[backoffice.AttendanceRequest](), answers: map[int]reflect.Type{
		http.StatusCreated: reflect.TypeFor[*backoffice.AttendanceAdded](), http.StatusOK: reflect.TypeFor[*backoffice.AttendanceVoided]()},
		serve: func(w http.ResponseWriter, r *http.Request) (int, any, error) {
			var q backoffice.AttendanceRequest
			if err := decodeJSON(w, r, &q); err != nil {
				return 0, nil, err
			}
			if q.Void {
				v, err := o.VoidAttendance(r.Context(), q)
				return http.StatusOK, v, err
			}
			v, err := o.RecordAttendance(r.Context(), q)
			return http.StatusCreated, v, err
		}}
	return map[Route]endpoint{
		{"GET", "/api/admin/members"}: get(func(r *http.Request) (memberList, error) {
			ms, err := o.Members(r.Context(), membership.MemberStatus(r.URL.Query().Get("status")))
			return memberList{ms}, err
		}, "status"),
		{"GET", "/api/admin/members/{certificate}"}: get(func(r *http.Request) (*backoffice.MemberDetail, error) {
			return o.Member(r.Context(), r.PathValue("certificate"))
		}),
		{"GET", "/api/admin/members/{certificate}/certificate"}: {answers: map[int]reflect.Type{http.StatusOK: nil}, serve: a.certificatePage},
		{"POST", "/api/admin/members/{certificate}/exit"}: post(http.StatusOK, func(r *http.Request, q backoffice.ExitRequest) (*membership.Member, error) {
			return o.Exit(r.Context(), r.PathValue("certificate"), q)
		}),
		{"POST", "/api/admin/members/{certificate}/expulsion"}: post(http.StatusOK, func(r *http.Request, q backoffice.ExpulsionRequest) (*membership.Member, error) {
			return o.ProposeExpulsion(r.Context(), r.PathValue("certificate"), q)
		}),
		{"POST", "/api/admin/members/{certificate}/expulsion/decision"}: post(http.StatusOK, func(r *http.Request, q backoffice.DecisionRequest) (*membership.Member, error) {
			return o.DecideExpulsion(r.Context(), r.PathValue("certificate"), q)
		}),
		{"POST", "/api/admin/members/{certificate}/lapse"}: post(http.StatusOK, func(r *http.Request, q backoffice.LapseRequest) (*membership.Member, error) {
			return o.MarkLapsed(r.Context(), r.PathValue("certificate"), q)
		}),
		{"POST", "/api/admin/members/{certificate}/showcase"}: post(http.StatusOK, func(r *http.Request, q backoffice.ShowcaseRequest) (*membership.Member, error) {
			return o.ChangeShowcase(r.Context(), r.PathValue("certificate"), q)
		}),
		{"GET", "/api/admin/attendance"}: get(func(r *http.Request) (attendanceList, error) {
			as, err := o.Attendance(r.Context(), r.URL.Query().Get("member"))
			return attendanceList{as}, err
		}, "member"),
		{"POST", "/api/admin/attendance"}: attendance,
		{"GET", "/api/admin/lapse-report"}: get(func(r *http.Request) (*membership.LapseReport, error) {
			return o.LapseReport(r.Context(), r.URL.Query().Get("date"))
		}, "date"),
	}
}

// duesEndpoints are the routes of fees, payments and the dues report (第十六~十八条).
func (a *Admin) duesEndpoints() map[Route]endpoint {
	o := a.office
	return map[Route]endpoint{
		{"GET", "/api/admin/fees/{year}"}: get(func(r *http.Request) (*membership.FeeSchedule, error) {
			y, err := pathYear(r)
			if err != nil {
				return nil, err
			}
			return o.FeeSchedule(r.Context(), y)
		}),
		{"POST", "/api/admin/fees/{year}"}: post(http.StatusOK, func(r *http.Request, q backoffice.FeesRequest) (*membership.FeeSchedule, error) {
			y, err := pathYear(r)
			if err != nil {
				return nil, err
			}
			return o.ChangeFees(r.Context(), y, q)
		}),
		{"POST", "/api/admin/payments"}: post(http.StatusCreated, func(r *http.Request, q membership.PaymentInput) (*membership.Payment, error) {
			return o.RecordPayment(r.Context(), q)
		}),
		{"GET", "/api/admin/payments"}: get(func(r *http.Request) (paymentList, error) {
			y, err := queryYear(r)
			if err != nil {
				return paymentList{}, err
			}
			ps, err := o.Payments(r.Context(), y, r.URL.Query().Get("member"))
			return paymentList{ps}, err
		}, "year", "member"),
		{"GET", "/api/admin/dues/{year}"}: get(func(r *http.Request) (*membership.DuesReport, error) {
			y, err := pathYear(r)
			if err != nil {
				return nil, err
			}
			return o.DuesReport(r.Context(), y)
		}),
		{"GET", "/api/admin/dues/{year}/csv"}: {answers: map[int]reflect.Type{http.StatusOK: nil}, serve: a.duesCSV},
	}
}

// authenticated finds who the request speaks for (a bearer token, or else
// the console's session, whose changes must also pass checkChange), puts
// them in the request's context and answers the endpoint's result as JSON.
func (a *Admin) authenticated(ep endpoint) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		actor, err := a.actor(w, r)
		if err != nil {
			if membership.ErrorCode(err) == membership.EUNAUTHORIZED {
				w.Header().Set("WWW-Authenticate", `Bearer realm="alliance-admin"`)
			}
			writeError(w, r, a.log, err)
			return
		}
		r = r.WithContext(membership.NewContext(r.Context(), actor))
		status, v, err := ep.serve(w, r)
		switch {
		case err != nil:
			writeError(w, r, a.log, err)
		case status != 0:
			writeJSON(w, status, v)
		}
	})
}

// actor returns the actor of the request's bearer token or, without one, of
// its console session; the answer to a session's request carries the
// session's CSRF token. Errors: EUNAUTHORIZED, EFORBIDDEN (a change without
// the CSRF token or from another origin).
func (a *Admin) actor(w http.ResponseWriter, r *http.Request) (membership.Actor, error) {
	id, err := a.verify.VerifyRequest(r)
	if err == nil {
		return id.Actor(), nil
	}
	if !errors.Is(err, auth.ErrNoToken) || a.console == nil {
		a.log.InfoContext(r.Context(), "token refused", "request_id", requestID(r), "err", err.Error())
		return membership.Actor{}, membership.Errorf(membership.EUNAUTHORIZED, "httpapi: verify token", "请先登录（令牌无效或已过期）")
	}
	s, err := a.console.session(r)
	if err != nil {
		return membership.Actor{}, err
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		if err := a.console.checkChange(r, s); err != nil {
			return membership.Actor{}, err
		}
	}
	w.Header().Set(CSRFHeader, s.CSRF)
	return s.Actor, nil
}

// applicationQuery reads the list query of GET /api/admin/applications.
func applicationQuery(r *http.Request) (membership.ApplicationQuery, error) {
	v := r.URL.Query()
	q := membership.ApplicationQuery{Status: membership.Status(v.Get("status")), Search: v.Get("search"), After: v.Get("after")}
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil {
			return q, &membership.Error{Code: membership.EINVALID, Op: "httpapi: list query", Message: "每页条数应在 1 至 200 之间",
				Fields: map[string]string{"limit": "每页条数应在 1 至 200 之间"}}
		}
		q.Limit = n
	}
	return q, nil
}

// allowCredentials lets the console on the site's origin call the API with
// its session cookie (fetch with credentials: "include"): CORS then needs
// Access-Control-Allow-Credentials, for that exact origin only.
func allowCredentials(h http.Handler, origin string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if origin != "" && r.Header.Get("Origin") == origin {
			w.Header().Set("Access-Control-Allow-Credentials", "true")
		}
		h.ServeHTTP(w, r)
	})
}

// decodeJSON reads a JSON request body into v strictly: JSON in UTF-8 only (415),
// at most MaxBodyBytes (413), valid UTF-8 (400), no unknown fields, no trailing data.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	const op = "httpapi: decode request"
	if err := checkContentType(r, "application/json", "只接受 JSON（Content-Type: application/json）"); err != nil {
		return err
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

// pathYear reads the {year} of the path; its range is the domain's to check.
func pathYear(r *http.Request) (int, error) {
	return parseYear(r.PathValue("year"))
}

// queryYear reads ?year=, 0 when absent (the back office's default).
func queryYear(r *http.Request) (int, error) {
	if s := r.URL.Query().Get("year"); s != "" {
		return parseYear(s)
	}
	return 0, nil
}

func parseYear(s string) (int, error) {
	y, err := strconv.Atoi(s)
	if err != nil {
		return 0, membership.Errorf(membership.EINVALID, "httpapi: year", "年份应在 2000 至 2100 之间")
	}
	return y, nil
}

// duesCSV serves the dues report of the year as CSV for Excel.
func (a *Admin) duesCSV(w http.ResponseWriter, r *http.Request) (int, any, error) {
	y, err := pathYear(r)
	if err != nil {
		return 0, nil, err
	}
	rep, err := a.office.DuesReport(r.Context(), y)
	if err != nil {
		return 0, nil, err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="dues-%d.csv"`, rep.Year))
	w.Header().Set("Cache-Control", "no-store")
	if _, err := w.Write(rep.CSV()); err != nil {
		a.log.InfoContext(r.Context(), "write csv", "request_id", requestID(r), "err", err.Error())
	}
	return 0, nil, nil
}
