package httpapi

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/smelisting/alliance/functions/intake"
	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/privacy"
)

// PublicRoutes are the routes of the public form function (Lambda "apply").
var PublicRoutes = []Route{
	{http.MethodPost, "/api/applications"},                   // JSON submission (the form with JavaScript)
	{http.MethodGet, "/api/applications/{number}"},           // status and history, with the status token
	{http.MethodPost, "/api/join"},                           // urlencoded submission (the form without JavaScript)
	{http.MethodGet, "/api/join/thanks"},                     // the thank-you page the form redirects to
	{http.MethodPost, "/api/applications/{number}/withdraw"}, // the applicant withdraws before approval (withdraw.go)
	// Event registration (events.go): EventRoutes.
	EventRoutes[0], EventRoutes[1], EventRoutes[2], EventRoutes[3], EventRoutes[4], EventRoutes[5],
	// Documents and personal data (documents.go): DocumentRoutes.
	DocumentRoutes[0], DocumentRoutes[1], DocumentRoutes[2], DocumentRoutes[3],
	// Certificate verification (verify.go): CertificateRoutes.
	CertificateRoutes[0], CertificateRoutes[1],
}

// MaxBodyBytes is the largest request body the public routes read.
const MaxBodyBytes = 64 << 10

// StatusTokenHeader carries the status token of GET /api/applications/{number}.
const StatusTokenHeader = "X-Status-Token"

// PublicConfig is what the public handler needs.
type PublicConfig struct {
	Store      intake.Store     // the applicant's use cases (intake.Service) run over it
	Log        *slog.Logger     // nil: discard
	SiteOrigin string           // the only origin CORS allows, e.g. https://www.example.cn; the frame's links go there
	Now        func() time.Time // nil: time.Now
	// Limits holds the per-client counts of Limited; nil: no per-client limits.
	Limits ClientCounter
	// Limited are the routes Limits limits; nil: PublicLimits (every layout of the
	// apply function), `alliance serve` gives LookupLimits.
	Limited map[Route]Limit
	// Certificates answers the certificate lookup (verify.go); nil: every number is unknown.
	Certificates CertificateStore
	// Frame gives the site's frame of the form's own pages (FramePath); nil: a plain page
	// with a link to the site.
	Frame FrameSource
	// Timeout bounds the store work of each request (see Deadline); 0: DefaultTimeout.
	Timeout time.Duration
	// Registrations keeps event registrations and Events gives the published events
	// (events.CatalogFile); nil: the event routes answer that there is no such event.
	Registrations RegistrationStore
	Events        EventSource
	// Files is the uploads bucket of the applicants' documents (intake.Files);
	// nil: the document routes answer 500.
	Files intake.Files
	// Erasers run after the applicant's own erasure of the application
	// (intake.Config.Erasers): privacy.Outbox, the mail about it.
	Erasers []privacy.Eraser
}

// Public serves PublicRoutes: it translates HTTP to the applicant's use cases
// (intake.Service) and back.
type Public struct {
	intake *intake.Service
	log    *slog.Logger
	origin string
	now    func() time.Time
	h      http.Handler
	regs   RegistrationStore
	events EventSource
	certs  CertificateStore

	frames    FrameSource
	fallback  frame
	frameMu   sync.Mutex
	lastRaw   []byte // the source's last good frame, and parsed
	lastFrame *frame
}

// NewPublic returns the handler of every public route.
func NewPublic(cfg PublicConfig) *Public {
	p := &Public{log: cfg.Log, origin: cfg.SiteOrigin, now: cfg.Now, frames: cfg.Frame,
		regs: cfg.Registrations, events: cfg.Events, certs: cfg.Certificates}
	var err error
	if p.fallback, err = parseFrame([]byte(fallbackFrame), cfg.SiteOrigin); err != nil {
		panic(err) // a constant, tested
	}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	if p.now == nil {
		p.now = time.Now
	}
	p.intake = intake.New(intake.Config{Store: cfg.Store, Files: cfg.Files, Erasers: cfg.Erasers, Now: p.now})
	handlers := map[Route]http.HandlerFunc{
		PublicRoutes[0]:   p.createApplication,
		PublicRoutes[1]:   p.getApplication,
		PublicRoutes[2]:   p.joinForm,
		PublicRoutes[3]:   p.joinThanks,
		PublicRoutes[4]:   p.withdrawApplication,
		EventRoutes[0]:    p.getEvent,
		EventRoutes[1]:    p.createRegistration,
		EventRoutes[2]:    p.getRegistration,
		EventRoutes[3]:    p.cancelRegistration,
		EventRoutes[4]:    p.eventForm,
		EventRoutes[5]:    p.eventRegistered,
		DocumentRoutes[0]: p.requestUpload,
		DocumentRoutes[1]: p.confirmUpload,
		DocumentRoutes[2]: p.exportApplication,
		DocumentRoutes[3]: p.eraseApplication,

		CertificateRoutes[0]: p.getCertificate,
		CertificateRoutes[1]: p.verifyPage,
	}
	mux := http.NewServeMux()
	for _, rt := range PublicRoutes {
		mux.Handle(rt.String(), handlers[rt])
	}
	mux.Handle("/api/", notFoundOr405(PublicRoutes, p.log))
	var h http.Handler = mux
	if cfg.Limits != nil {
		limited := cfg.Limited
		if limited == nil {
			limited = PublicLimits
		}
		h = LimitClients(mux, cfg.Limits, limited, p.log, p.now, p.tooManyPage)
	}
	p.h = withCommon(Deadline(h, cfg.Timeout), p.log, p.origin, "Content-Type, Idempotency-Key, "+StatusTokenHeader)
	return p
}

// ServeHTTP serves the request.
func (p *Public) ServeHTTP(w http.ResponseWriter, r *http.Request) { p.h.ServeHTTP(w, r) }

// applicationRequest is the JSON body of POST /api/applications. Website is the honeypot:
// people never see it, bots fill it. A field without omitempty is one every valid
// submission has (the API description marks it required); the others are optional or
// needed only for some member types.
type applicationRequest struct {
	Type               string      `json:"type"`
	OrgName            string      `json:"org_name,omitempty"`
	CreditCode         string      `json:"credit_code,omitempty"`
	Representative     string      `json:"representative,omitempty"`
	RepresentativeKind string      `json:"representative_kind,omitempty"`
	Contact            string      `json:"contact"`
	Phone              string      `json:"phone"`
	Email              string      `json:"email"`
	Region             string      `json:"region"`
	Industry           string      `json:"industry"`
	Specialised        string      `json:"specialised"`
	ListingPlan        listingPlan `json:"listing_plan,omitzero"`
	Services           []string    `json:"services"`
	Introduction       string      `json:"introduction"`
	CommitmentAccepted bool        `json:"commitment_accepted"`
	PrivacyAccepted    bool        `json:"privacy_accepted"`
	PrivacyVersion     string      `json:"privacy_version"`
	Website            string      `json:"website,omitempty"`
	Homepage           string      `json:"homepage,omitempty"`
	ShowcaseConsent    bool        `json:"showcase_consent,omitempty"`
}

type listingPlan struct {
	Board string `json:"board,omitempty"`
	Year  int    `json:"year,omitempty"`
}

func (q *applicationRequest) application() *membership.Application {
	return &membership.Application{
		Type:               membership.MemberType(q.Type),
		OrgName:            q.OrgName,
		CreditCode:         q.CreditCode,
		Representative:     q.Representative,
		RepresentativeKind: membership.RepresentativeKind(q.RepresentativeKind),
		Contact:            q.Contact,
		Phone:              q.Phone,
		Email:              q.Email,
		Region:             q.Region,
		Industry:           q.Industry,
		Specialised:        membership.Specialised(q.Specialised),
		ListingPlan:        membership.ListingPlan{Board: q.ListingPlan.Board, Year: q.ListingPlan.Year},
		Services:           q.Services,
		Introduction:       q.Introduction,
		CommitmentAccepted: q.CommitmentAccepted,
		PrivacyAccepted:    q.PrivacyAccepted,
		PrivacyVersion:     q.PrivacyVersion,
		Homepage:           q.Homepage,
		ShowcaseConsent:    q.ShowcaseConsent,
	}
}

// createdBody is the 201 answer of a submission.
type createdBody struct {
	Number      string `json:"number"`
	StatusToken string `json:"status_token"`
	Status      string `json:"status"`
	StatusLabel string `json:"status_label"`
}

// readBody reads at most MaxBodyBytes of the body (413 beyond), which must be
// UTF-8 (400 otherwise: encoding/json would quietly turn other bytes into U+FFFD).
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	const op = "httpapi: read body"
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, &statusError{http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("请求内容过大（上限 %d KiB）", MaxBodyBytes>>10)}
	}
	if err != nil {
		return nil, membership.Errorf(membership.EINVALID, op, "无法读取请求内容")
	}
	if !utf8.Valid(b) {
		return nil, membership.Errorf(membership.EINVALID, op, "请求内容不是有效的 UTF-8 文字，请以 UTF-8 编码提交")
	}
	return b, nil
}

// DecodeApplication decodes a JSON submission strictly (unknown fields, trailing data and
// wrong types are EINVALID errors with a Chinese message), normalizes and validates it.
// It returns the application and whether the honeypot was filled. A filled honeypot is
// reported only for an otherwise valid submission, so that a bot sees the same errors
// as a person would.
func DecodeApplication(body []byte) (*membership.Application, bool, error) {
	const op = "httpapi: decode application"
	var q applicationRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&q); err != nil {
		return nil, false, decodeError(op, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false, membership.Errorf(membership.EINVALID, op, "请求体不是有效的 JSON：对象之后还有多余内容")
	}
	if err := exactKeys(body, requestKeys, map[string]map[string]bool{"listing_plan": planKeys}); err != nil {
		return nil, false, err
	}
	app := q.application()
	app.Normalize()
	if err := app.Validate(); err != nil {
		return nil, false, err
	}
	return app, q.Website != "", nil
}

var (
	requestKeys = jsonKeys(reflect.TypeFor[applicationRequest]())
	planKeys    = jsonKeys(reflect.TypeFor[listingPlan]())
)

func jsonKeys(t reflect.Type) map[string]bool {
	keys := map[string]bool{}
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		keys[name] = true
	}
	return keys
}

// exactKeys rejects a key of a decoded JSON object that is not spelled exactly like a
// field (known; nested: the known keys of an object field): encoding/json matches
// names regardless of case ("TYPE" fills type), which DisallowUnknownFields lets
// through.
func exactKeys(body []byte, known map[string]bool, nested map[string]map[string]bool) error {
	const op = "httpapi: check keys"
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return decodeError(op, err)
	}
	for k := range top {
		if !known[k] {
			return membership.Errorf(membership.EINVALID, op, "不支持的字段：%s（字段名区分大小写）", k)
		}
	}
	for field, keys := range nested {
		var obj map[string]json.RawMessage
		_ = json.Unmarshal(top[field], &obj) // already decoded once: an object or null
		for k := range obj {
			if !keys[k] {
				return membership.Errorf(membership.EINVALID, op, "不支持的字段：%s（字段名区分大小写）", k)
			}
		}
	}
	return nil
}

func decodeError(op string, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return membership.Errorf(membership.EINVALID, op, "请求体不是有效的 JSON")
	case errors.As(err, &typ) && typ.Field == "":
		return membership.Errorf(membership.EINVALID, op, "请求体应为 JSON 对象")
	case errors.As(err, &typ):
		return membership.Errorf(membership.EINVALID, op, "字段 %s 的类型不正确", typ.Field)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return membership.Errorf(membership.EINVALID, op, "不支持的字段：%s", name)
	default:
		return membership.Errorf(membership.EINVALID, op, "请求体不是有效的 JSON")
	}
}

var idempotencyKeyRE = regexp.MustCompile(`^[\x21-\x7e]{1,128}$`)

// createApplication serves POST /api/applications.
func (p *Public) createApplication(w http.ResponseWriter, r *http.Request) {
	if err := checkContentType(r, "application/json", "只接受 JSON（Content-Type: application/json）"); err != nil {
		writeError(w, r, p.log, err)
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if key != "" && !idempotencyKeyRE.MatchString(key) {
		writeError(w, r, p.log, membership.Errorf(membership.EINVALID, "httpapi: create application", "Idempotency-Key 须为 1 至 128 个可见 ASCII 字符"))
		return
	}
	body, err := readBody(w, r)
	if err != nil {
		writeError(w, r, p.log, err)
		return
	}
	app, honeypot, err := DecodeApplication(body)
	if err != nil {
		if f := membership.ErrorFields(err); f != nil {
			p.log.InfoContext(r.Context(), "invalid application", "request_id", requestID(r), "fields", fieldNames(f))
		}
		writeError(w, r, p.log, err)
		return
	}
	if honeypot {
		p.log.InfoContext(r.Context(), "honeypot filled, not stored", "request_id", requestID(r))
		writeJSON(w, http.StatusCreated, p.fakeCreated(key, body))
		return
	}
	res, replay, err := p.submit(r, intake.Submission{Application: app, Key: key, Body: body})
	if err != nil {
		writeError(w, r, p.log, err)
		return
	}
	if replay {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.Header().Set("Location", "/api/applications/"+res.Number)
	writeJSON(w, http.StatusCreated, res)
}

// submit hands the submission to the applicant's use case and logs the outcome.
func (p *Public) submit(r *http.Request, q intake.Submission) (createdBody, bool, error) {
	rc, replay, err := p.intake.Submit(r.Context(), q)
	if err != nil {
		if membership.ErrorCode(err) == membership.ECONFLICT {
			p.log.InfoContext(r.Context(), "application refused", "request_id", requestID(r), "err", err.Error())
		}
		return createdBody{}, false, err
	}
	if !replay {
		p.log.InfoContext(r.Context(), "application created", "request_id", requestID(r), "number", rc.Number, "type", q.Application.Type)
	}
	return createdBody{rc.Number, rc.Token, string(rc.Status), membership.StatusLabels[rc.Status]}, replay, nil
}

// fakeCreated is the answer to a filled honeypot: it looks like success and stores
// nothing. The number and token look like real ones; with an Idempotency-Key they are
// derived from the key and body, so a retry gets the same answer as a real retry would.
func (p *Public) fakeCreated(key string, body []byte) createdBody {
	var seed [32]byte
	if key != "" {
		seed = sha256.Sum256(append([]byte("honeypot\x00"+key+"\x00"), body...))
	} else {
		_, _ = rand.Read(seed[:])
	}
	seq := 1 + int(binary.BigEndian.Uint32(seed[:4])%9999)
	token := base64.RawURLEncoding.EncodeToString(seed[8:32]) // 24 bytes, like NewStatusToken
	st := membership.StatusSubmitted
	return createdBody{membership.FormatNumber(membership.NumberYear(p.now()), seq), token, string(st), membership.StatusLabels[st]}
}

func fieldNames(f map[string]string) []string {
	names := make([]string, 0, len(f))
	for k := range f {
		names = append(names, k)
	}
	return names
}

// statusBody is the answer of GET /api/applications/{number}: the status and its
// history, nothing else about the applicant.
type statusBody struct {
	Number      string        `json:"number"`
	Status      string        `json:"status"`
	StatusLabel string        `json:"status_label"`
	SubmittedAt time.Time     `json:"submitted_at"`
	History     []statusEvent `json:"history"`
	// Files lists the documents uploaded; CanUpload says whether more may be
	// (membership.Application.MayUpload); Erased says when and why the
	// personal data was erased.
	Files     []statusFile `json:"files"`
	CanUpload bool         `json:"can_upload"`
	Erased    string       `json:"erased,omitempty"`
}

type statusEvent struct {
	Status string    `json:"status"`
	Label  string    `json:"label"`
	At     time.Time `json:"at"`
}

// getApplication serves GET /api/applications/{number}. A missing or wrong token is a
// 404, like an unknown number, so numbers cannot be probed.
func (p *Public) getApplication(w http.ResponseWriter, r *http.Request) {
	app, err := p.intake.Status(r.Context(), r.PathValue("number"), r.Header.Get(StatusTokenHeader))
	if err != nil {
		writeError(w, r, p.log, err)
		return
	}
	writeJSON(w, http.StatusOK, statusOf(app))
}

// statusOf is what the applicant sees of the application: its status and history.
func statusOf(app *membership.Application) statusBody {
	b := statusBody{Number: app.Number, Status: string(app.Status), StatusLabel: membership.StatusLabels[app.Status], SubmittedAt: app.CreatedAt,
		Files: []statusFile{}, CanUpload: app.MayUpload() == nil}
	for _, e := range app.History {
		label := membership.StatusLabels[e.To]
		if e.Action == "erase" {
			label = "已删除个人信息"
		}
		b.History = append(b.History, statusEvent{string(e.To), label, e.At})
	}
	for _, f := range app.Attachments {
		b.Files = append(b.Files, statusFile{f.Name, f.Type, f.Size, f.UploadedAt})
	}
	if app.Erased != nil {
		b.Erased = app.Erased.Label()
	}
	return b
}
