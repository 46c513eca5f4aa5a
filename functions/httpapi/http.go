package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/smelisting/alliance/functions/membership"
)

// Route is one API route: an HTTP method and a Go 1.22 ServeMux pattern.
type Route struct{ Method, Pattern string }

// String returns the route as a ServeMux pattern, e.g. "GET /api/applications/{number}".
func (r Route) String() string { return r.Method + " " + r.Pattern }

// notFoundOr405 answers a request no route took: 405 with an Allow header when its path
// is one of routes' under another method, else a JSON 404.
func notFoundOr405(routes []Route, log *slog.Logger) http.HandlerFunc {
	allowed := map[string][]string{} // pattern → methods
	paths := http.NewServeMux()
	for _, rt := range routes {
		if allowed[rt.Pattern] == nil {
			paths.Handle(rt.Pattern, http.NotFoundHandler())
		}
		allowed[rt.Pattern] = append(allowed[rt.Pattern], rt.Method)
		if rt.Method == http.MethodGet {
			allowed[rt.Pattern] = append(allowed[rt.Pattern], http.MethodHead)
		}
	}
	return func(w http.ResponseWriter, r *http.Request) {
		if _, pat := paths.Handler(r); allowed[pat] != nil {
			w.Header().Set("Allow", strings.Join(allowed[pat], ", "))
			writeError(w, r, log, &statusError{http.StatusMethodNotAllowed, "method_not_allowed", "此接口不支持 " + r.Method + " 请求"})
			return
		}
		writeError(w, r, log, membership.Errorf(membership.ENOTFOUND, "httpapi: route", "没有这个接口"))
	}
}

// errorStatus is the one map from domain error codes to HTTP status codes.
var errorStatus = map[string]int{
	membership.EINVALID:      http.StatusBadRequest,
	membership.ENOTFOUND:     http.StatusNotFound,
	membership.ECONFLICT:     http.StatusConflict,
	membership.EUNAUTHORIZED: http.StatusUnauthorized,
	membership.EFORBIDDEN:    http.StatusForbidden,
	membership.EUNAVAILABLE:  http.StatusServiceUnavailable,
	membership.EINTERNAL:     http.StatusInternalServerError,
}

// retryAfter is the Retry-After of a 503: seconds after which a retry is likely
// to find the store back (a throttled table, a brief outage).
const retryAfter = "5"

// ErrorStatus returns the HTTP status for err's domain code.
func ErrorStatus(err error) int {
	if s, ok := errorStatus[membership.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// errorBody is the JSON shape of every error answer.
type errorBody struct {
	Error APIError `json:"error"`
}

// APIError is an error answer of the API: the domain's code (or one of 405, 413
// and 415's own), the Chinese message, the per-field messages of an EINVALID
// error and the request's ID. AdminClient returns it, with the HTTP status,
// and it unwraps to the *membership.Error of its code, so that
// membership.ErrorCode reads a client's error like the service's.
type APIError struct {
	Status    int               `json:"-"`
	Code      string            `json:"code"`
	Message   string            `json:"message"`
	Fields    map[string]string `json:"fields,omitempty"`
	RequestID string            `json:"request_id"`
}

// Error returns the status, code, message, fields (sorted) and request ID.
func (e *APIError) Error() string {
	s := fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message)
	for _, k := range slices.Sorted(maps.Keys(e.Fields)) {
		s += fmt.Sprintf("\n  %s: %s", k, e.Fields[k])
	}
	if e.RequestID != "" {
		s += " (request " + e.RequestID + ")"
	}
	return s
}

// Unwrap returns the domain error of the answer's code.
func (e *APIError) Unwrap() error {
	return &membership.Error{Code: e.Code, Op: "httpapi: answer", Message: e.Message, Fields: e.Fields}
}

// statusError is an error whose HTTP status is not one of the domain codes' (405, 413, 415).
type statusError struct {
	status int
	code   string
	msg    string
}

func (e *statusError) Error() string { return e.code + ": " + e.msg }

// writeError answers err as JSON. Internal errors are logged with their details and
// shown as "内部错误" with the request ID only; an unavailable store is a 503 with
// Retry-After, "系统繁忙，请稍后再试", and logged the same way (it alarms).
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	var body errorBody
	body.Error.RequestID = requestID(r)
	status := ErrorStatus(err)
	var se *statusError
	switch {
	case errors.As(err, &se):
		status, body.Error.Code, body.Error.Message = se.status, se.code, se.msg
	default:
		body.Error.Code = membership.ErrorCode(err)
		body.Error.Message = membership.ErrorMessage(err)
		body.Error.Fields = membership.ErrorFields(err)
	}
	if status >= 500 {
		log.ErrorContext(r.Context(), "request failed", "request_id", body.Error.RequestID, "err", err.Error())
		body.Error.Message = "内部错误"
	}
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", retryAfter)
		body.Error.Message = membership.ErrorMessage(err)
	}
	writeJSON(w, status, body)
}

// checkContentType returns a 415 error, saying msg, unless the request's
// Content-Type is mediaType, and another one unless its charset, if it names
// one, is UTF-8: a body in GBK would otherwise be read as broken UTF-8.
func checkContentType(r *http.Request, mediaType, msg string) error {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != mediaType {
		return &statusError{http.StatusUnsupportedMediaType, "unsupported_media_type", msg}
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8") {
		return &statusError{http.StatusUnsupportedMediaType, "unsupported_media_type", "只接受 UTF-8 编码（charset=utf-8）的内容，请改用 UTF-8 提交"}
	}
	return nil
}

// DefaultTimeout bounds the store work of one request when the configuration names
// no other bound: long enough for a few DynamoDB calls and their retries, well
// inside the functions' Lambda timeout (10 s) and API Gateway's 30 s.
const DefaultTimeout = 3 * time.Second

// ParseTimeout reads a request's time limit as the functions' configuration
// writes it (STORE_TIMEOUT: "3s", "2500ms"); "" is 0, which means DefaultTimeout.
// Errors: not a duration, not positive, or longer than a minute.
func ParseTimeout(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 || d > time.Minute {
		return 0, fmt.Errorf("httpapi: time limit %q: want a duration from 1ms to 1m, such as 3s", s)
	}
	return d, nil
}

// DeadlineMargin is what Deadline keeps of a request's own deadline (on Lambda, the
// invocation's) for answering once the store has given up.
const DeadlineMargin = 500 * time.Millisecond

// Deadline bounds the context of every request h serves, and so every store call
// made for it: timeout from now (DefaultTimeout when 0), or the deadline the context
// already carries (the Lambda invocation's) less DeadlineMargin, whichever is
// sooner. A store that does not answer by then gives up with EUNAVAILABLE, and the
// request is answered 503 instead of being held.
func Deadline(h http.Handler, timeout time.Duration) http.Handler {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := time.Now().Add(timeout)
		if own, ok := r.Context().Deadline(); ok && own.Add(-DeadlineMargin).Before(d) {
			d = own.Add(-DeadlineMargin)
		}
		ctx, cancel := context.WithDeadline(r.Context(), d)
		defer cancel()
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

type ctxKey int

const requestIDKey ctxKey = 0

var requestIDRE = regexp.MustCompile(`^[A-Za-z0-9._=+/-]{8,64}$`)

// requestID returns the ID the middleware gave the request.
func requestID(r *http.Request) string {
	id, _ := r.Context().Value(requestIDKey).(string)
	return id
}

func newRequestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// statusRecorder remembers the status a handler wrote, for the access log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// withCommon wraps h with what every API route needs: a request ID (taken from a sane
// X-Request-Id header or made up), CORS for the one allowed origin (preflights included),
// recovery from panics as a logged 500, and one access-log line per request that names
// the route pattern, never the body or query.
func withCommon(h http.Handler, log *slog.Logger, origin string, allowHeaders string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !requestIDRE.MatchString(id) {
			id = newRequestID()
		}
		r = r.WithContext(contextWithRequestID(r, id))
		w.Header().Set("X-Request-Id", id)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if o := r.Header.Get("Origin"); o != "" && origin != "" && o == origin {
			w.Header().Set("Access-Control-Allow-Origin", origin)
			w.Header().Set("Access-Control-Expose-Headers", "X-Request-Id, Location, X-CSRF-Token")
			w.Header().Add("Vary", "Origin")
			if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
				w.Header().Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
				w.Header().Set("Access-Control-Allow-Headers", allowHeaders)
				w.Header().Set("Access-Control-Max-Age", "600")
				w.WriteHeader(http.StatusNoContent)
				return
			}
		} else {
			w.Header().Add("Vary", "Origin")
		}
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				log.ErrorContext(r.Context(), "panic", "request_id", id, "panic", v)
				if rec.status == 0 {
					writeError(rec, r, log, membership.Internal("httpapi: panic", errors.New("recovered")))
				}
			}
			log.InfoContext(r.Context(), "request", "request_id", id, "method", r.Method,
				"route", r.Pattern, "status", rec.status, "duration_ms", float64(time.Since(start).Microseconds())/1000)
		}()
		h.ServeHTTP(rec, r)
	})
}
