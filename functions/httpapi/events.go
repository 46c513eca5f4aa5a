package httpapi

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"time"

	"github.com/smelisting/alliance/functions/events"
	"github.com/smelisting/alliance/functions/membership"
)

// EventRoutes are the public routes of event registration (public.go lists
// them in PublicRoutes): the places left, a registration as JSON (with
// JavaScript) or as a form (without), its status and its cancellation with
// the code and status token, and the page a form registration leads to.
var EventRoutes = []Route{
	{http.MethodGet, "/api/events/{slug}"},
	{http.MethodPost, "/api/events/{slug}/registrations"},
	{http.MethodGet, "/api/events/{slug}/registrations/{code}"},
	{http.MethodPost, "/api/events/{slug}/registrations/{code}/cancel"},
	{http.MethodPost, "/api/events/{slug}/register"},
	{http.MethodGet, "/api/events/{slug}/registered"},
}

// registrationRequest is the JSON body of POST /api/events/{slug}/registrations.
// Website is the honeypot, as on the join form.
type registrationRequest struct {
	Name             string `json:"name"`
	Org              string `json:"org"`
	JobTitle         string `json:"job_title"`
	Phone            string `json:"phone"`
	Email            string `json:"email"`
	Certificate      string `json:"certificate,omitempty"`
	WaitlistAccepted bool   `json:"waitlist_accepted,omitempty"`
	PrivacyAccepted  bool   `json:"privacy_accepted"`
	PrivacyVersion   string `json:"privacy_version"`
	Website          string `json:"website,omitempty"`
}

func (q *registrationRequest) input() events.Input {
	in := events.Input{Name: q.Name, Org: q.Org, JobTitle: q.JobTitle, Phone: q.Phone, Email: q.Email, Certificate: q.Certificate,
		WaitlistAccepted: q.WaitlistAccepted, PrivacyAccepted: q.PrivacyAccepted, PrivacyVersion: q.PrivacyVersion}
	in.Normalize()
	return in
}

// eventBody is the answer of GET /api/events/{slug}: the event's state and places.
type eventBody struct {
	Slug       string    `json:"slug"`
	Title      string    `json:"title"`
	State      string    `json:"state"`
	StateLabel string    `json:"state_label"`
	Capacity   int       `json:"capacity"`
	Left       int       `json:"left"`
	Waiting    int       `json:"waiting"`
	RegisterBy time.Time `json:"register_by"`
}

// registrationBody answers a registration, its status and its cancellation:
// the code (the QR code holds it), the status in words, the QR code as SVG
// and the event's calendar file. StatusToken is given once, when it is made;
// Existing says the phone had registered before (then no token is given).
type registrationBody struct {
	Code        string     `json:"code"`
	StatusToken string     `json:"status_token,omitempty"`
	Existing    bool       `json:"existing,omitempty"`
	Event       string     `json:"event"`
	Title       string     `json:"title"`
	Status      string     `json:"status"`
	StatusLabel string     `json:"status_label"`
	Position    int        `json:"position,omitempty"`
	CheckedInAt *time.Time `json:"checked_in_at,omitempty"`
	Calendar    string     `json:"calendar"`
	QRSVG       string     `json:"qr_svg"`
	Places      eventBody  `json:"places"`
}

var registrationKeys = jsonKeys(reflect.TypeFor[registrationRequest]())

// DecodeRegistration decodes a JSON registration strictly (unknown or
// miscased fields, trailing data and wrong types are EINVALID errors with a
// Chinese message), normalizes and validates it (clean text in every field:
// events.Input.Validate). The body was read by readBody, so it is UTF-8. It returns the input and
// whether the honeypot was filled (reported only for otherwise valid input).
func DecodeRegistration(body []byte) (events.Input, bool, error) {
	const op = "httpapi: decode registration"
	var q registrationRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&q); err != nil {
		return events.Input{}, false, decodeError(op, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return events.Input{}, false, membership.Errorf(membership.EINVALID, op, "请求体不是有效的 JSON：对象之后还有多余内容")
	}
	if err := exactKeys(body, registrationKeys, nil); err != nil {
		return events.Input{}, false, err
	}
	in := q.input()
	if err := in.Validate(); err != nil {
		return events.Input{}, false, err
	}
	return in, q.Website != "", nil
}

// event returns the published event of the request's {slug}.
// Errors: ENOTFOUND, EINTERNAL (the catalog cannot be read).
func (p *Public) event(r *http.Request) (*events.Event, error) {
	if p.events == nil || p.regs == nil {
		return nil, membership.Errorf(membership.ENOTFOUND, "httpapi: event", "没有找到这个活动的报名")
	}
	cat, err := p.events.Catalog(r.Context())
	if err != nil {
		return nil, fmt.Errorf("httpapi: event catalog: %w", err)
	}
	return cat.Event(r.PathValue("slug"))
}

// places is the state and places of the event now.
func (p *Public) places(r *http.Request, ev *events.Event) (eventBody, events.Seats, error) {
	seats, err := p.regs.Seats(r.Context(), ev.Slug)
	if err != nil {
		return eventBody{}, seats, err
	}
	st := ev.State(p.now(), seats)
	return eventBody{Slug: ev.Slug, Title: ev.Title, State: string(st), StateLabel: events.StateLabels[st], Capacity: ev.Capacity,
		Left: seats.Left(ev.Capacity), Waiting: seats.Waiting(), RegisterBy: ev.Deadline()}, seats, nil
}

// getEvent serves GET /api/events/{slug}: the places left and the state of
// registration, which the event page shows.
func (p *Public) getEvent(w http.ResponseWriter, r *http.Request) {
	ev, err := p.event(r)
	if err == nil {
		var b eventBody
		if b, _, err = p.places(r, ev); err == nil {
			writeJSON(w, http.StatusOK, b)
			return
		}
	}
	writeError(w, r, p.log, err)
}

// registered is the answer about r, with token when it was just made.
func (p *Public) registered(r *http.Request, ev *events.Event, reg *events.Registration, token string) (registrationBody, error) {
	places, seats, err := p.places(r, ev)
	if err != nil {
		return registrationBody{}, err
	}
	qr, err := QRSVG(reg.Code, "报名二维码："+reg.Code)
	if err != nil {
		return registrationBody{}, membership.Internal("httpapi: registration", err)
	}
	pos := seats.Position(reg.Code)
	b := registrationBody{Code: reg.Code, StatusToken: token, Event: ev.Slug, Title: ev.Title, Status: string(reg.Status),
		StatusLabel: reg.Label(pos), Position: pos, Calendar: ev.URL + "event.ics", QRSVG: qr, Places: places}
	if reg.CheckedIn != nil {
		b.CheckedInAt = &reg.CheckedIn.At
	}
	return b, nil
}

// createRegistration serves POST /api/events/{slug}/registrations.
func (p *Public) createRegistration(w http.ResponseWriter, r *http.Request) {
	if err := checkContentType(r, "application/json", "只接受 JSON（Content-Type: application/json）"); err != nil {
		writeError(w, r, p.log, err)
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if key != "" && !idempotencyKeyRE.MatchString(key) {
		writeError(w, r, p.log, membership.Errorf(membership.EINVALID, "httpapi: register", "Idempotency-Key 须为 1 至 128 个可见 ASCII 字符"))
		return
	}
	body, err := readBody(w, r)
	if err != nil {
		writeError(w, r, p.log, err)
		return
	}
	ev, err := p.event(r)
	if err != nil {
		writeError(w, r, p.log, err)
		return
	}
	in, honeypot, err := DecodeRegistration(body)
	if err != nil {
		writeError(w, r, p.log, err)
		return
	}
	status, res, err := p.register(r, ev, in, honeypot, key, body)
	if err != nil {
		writeError(w, r, p.log, err)
		return
	}
	w.Header().Set("Location", "/api/events/"+ev.Slug+"/registrations/"+res.Code)
	writeJSON(w, status, res)
}

// register is a registration of either path: 201 and the answer with the
// status token; 200 with the earlier registration of the same phone (no
// token) when the name is the same; the first answer again for a retry with
// the same Idempotency-Key (Idempotent-Replayed is then not set: the caller
// answers alike). Errors: ECONFLICT (event not open, the phone registered by
// another name, key used with another body), EINVALID (full without consent,
// certificate not an active member's).
func (p *Public) register(r *http.Request, ev *events.Event, in events.Input, honeypot bool, key string, body []byte) (int, registrationBody, error) {
	const op = "httpapi: register"
	ctx := r.Context()
	now := p.now()
	if err := ev.CheckOpen(now); err != nil {
		return 0, registrationBody{}, err
	}
	if honeypot {
		p.log.InfoContext(ctx, "honeypot filled, not stored", "request_id", requestID(r))
		return p.fakeRegistration(r, ev)
	}
	var rec *membership.IdempotencyRecord
	if key != "" {
		sum := sha256.Sum256(append([]byte("event:"+ev.Slug+"\x00"), body...))
		hash := hex.EncodeToString(sum[:])
		key = "event:" + ev.Slug + ":" + key
		if res, ok, err := p.replayRegistration(r, ev, key, hash); ok || err != nil {
			return http.StatusCreated, res, err
		}
		rec = &membership.IdempotencyRecord{Key: key, RequestHash: hash, ExpiresAt: now.Add(membership.IdempotencyTTL)}
	}
	token, hash, err := membership.NewStatusToken()
	if err != nil {
		return 0, registrationBody{}, err
	}
	reg := events.New(ev, in, now)
	reg.TokenHash = hash
	if in.Certificate != "" {
		st, name, err := p.regs.MemberStatus(ctx, in.Certificate)
		if err != nil {
			return 0, registrationBody{}, fmt.Errorf("%s: %w", op, err)
		}
		if err := reg.LinkMember(in.Certificate, name, st); err != nil {
			return 0, registrationBody{}, err
		}
	}
	if rec != nil {
		rec.Token = token
	}
	existing, err := p.regs.Register(ctx, reg, ev, rec)
	if rec != nil && membership.ErrorCode(err) == membership.ECONFLICT {
		if res, ok, err := p.replayRegistration(r, ev, rec.Key, rec.RequestHash); ok || err != nil {
			return http.StatusCreated, res, err
		}
	}
	if err != nil {
		return 0, registrationBody{}, fmt.Errorf("%s: %w", op, err)
	}
	if existing != nil && existing.TokenHash == reg.TokenHash {
		// This request's own registration: a write the store tried again after a
		// transient failure had been applied the first time (dynamo.Store.Register).
		reg, existing = existing, nil
	}
	if existing != nil {
		if existing.Name != reg.Name {
			return 0, registrationBody{}, membership.Errorf(membership.ECONFLICT, op, "该手机号码已报名本活动。如需更改报名信息，请联系秘书处")
		}
		res, err := p.registered(r, ev, existing, "")
		res.Existing = true
		return http.StatusOK, res, err
	}
	p.log.InfoContext(ctx, "registered", "request_id", requestID(r), "event", ev.Slug, "registration", reg.Code, "status", reg.Status)
	res, err := p.registered(r, ev, reg, token)
	return http.StatusCreated, res, err
}

// replayRegistration is replay for registrations: the first answer (code
// and token, the status as it is now) for a key used with the same body.
func (p *Public) replayRegistration(r *http.Request, ev *events.Event, key, hash string) (registrationBody, bool, error) {
	const op = "httpapi: replay registration"
	rec, err := p.regs.Idempotency(r.Context(), key)
	switch {
	case membership.ErrorCode(err) == membership.ENOTFOUND:
		return registrationBody{}, false, nil
	case err != nil:
		return registrationBody{}, false, fmt.Errorf("%s: %w", op, err)
	case rec.RequestHash != hash:
		return registrationBody{}, false, membership.Errorf(membership.ECONFLICT, op, "本次填写已经提交过一份内容不同的报名")
	}
	reg, err := p.regs.Registration(r.Context(), ev.Slug, rec.Number)
	if err != nil {
		return registrationBody{}, false, fmt.Errorf("%s: %w", op, err)
	}
	res, err := p.registered(r, ev, reg, rec.Token)
	return res, true, err
}

// fakeRegistration is the answer to a filled honeypot: it looks like a
// confirmed registration and stores nothing.
func (p *Public) fakeRegistration(r *http.Request, ev *events.Event) (int, registrationBody, error) {
	code, err := events.NewCode()
	if err != nil {
		return 0, registrationBody{}, err
	}
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	fake := &events.Registration{Code: code, Event: ev.Slug, Status: events.StatusConfirmed}
	res, err := p.registered(r, ev, fake, base64.RawURLEncoding.EncodeToString(b))
	return http.StatusCreated, res, err
}

// authorized returns the registration of the request's {code}, if the
// status token is right. A missing or wrong token is a 404, like an unknown
// code; an expired one a 403.
func (p *Public) authorized(r *http.Request, ev *events.Event, code, token string) (*events.Registration, error) {
	notFound := membership.Errorf(membership.ENOTFOUND, "httpapi: registration", "未找到该报名，或查询凭证不正确")
	code = events.NormalCode(code)
	if token == "" || !events.ValidCode(code) {
		return nil, notFound
	}
	reg, err := p.regs.Registration(r.Context(), ev.Slug, code)
	if membership.ErrorCode(err) == membership.ENOTFOUND {
		return nil, notFound
	}
	if err != nil {
		return nil, err
	}
	return reg, reg.Authorize(token, p.now())
}

// getRegistration serves GET /api/events/{slug}/registrations/{code}: the
// status (已报名, 候补第 n 位, 已取消, 已签到) with the token in X-Status-Token.
func (p *Public) getRegistration(w http.ResponseWriter, r *http.Request) {
	ev, err := p.event(r)
	if err != nil {
		writeError(w, r, p.log, err)
		return
	}
	reg, err := p.authorized(r, ev, r.PathValue("code"), r.Header.Get(StatusTokenHeader))
	if err != nil {
		writeError(w, r, p.log, err)
		return
	}
	res, err := p.registered(r, ev, reg, "")
	if err != nil {
		writeError(w, r, p.log, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// cancelRegistration serves POST /api/events/{slug}/registrations/{code}/cancel:
// the registrant, with the status token, cancels before the event starts;
// the place goes to the first on the waitlist.
func (p *Public) cancelRegistration(w http.ResponseWriter, r *http.Request) {
	ev, err := p.event(r)
	if err != nil {
		writeError(w, r, p.log, err)
		return
	}
	token := r.Header.Get(StatusTokenHeader)
	if _, err := p.authorized(r, ev, r.PathValue("code"), token); err != nil {
		writeError(w, r, p.log, err)
		return
	}
	now := p.now()
	reg, err := p.regs.Cancel(r.Context(), ev.Slug, events.NormalCode(r.PathValue("code")), ev, func(reg *events.Registration) error {
		if err := reg.Authorize(token, now); err != nil {
			return err
		}
		return reg.Cancel(ev, events.RegistrantActor, "", now)
	})
	if err != nil {
		writeError(w, r, p.log, err)
		return
	}
	p.log.InfoContext(r.Context(), "registration cancelled", "request_id", requestID(r), "event", ev.Slug, "registration", reg.Code)
	res, err := p.registered(r, ev, reg, "")
	if err != nil {
		writeError(w, r, p.log, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}
