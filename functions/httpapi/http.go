package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
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
	membership.EINTERNAL:     http.StatusInternalServerError,
}

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
// shown as "内部错误" with the request ID only.
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
	writeJSON(w, status, body)
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
