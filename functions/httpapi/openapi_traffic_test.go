package httpapi_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/smelisting/alliance/functions/localstore"
	"github.com/smelisting/alliance/functions/storetest"
)

// TestTrafficFollowsTheDescription takes an application from the public form
// to a certificate and a paid year (storetest.FullPath, refusals and
// conflicts included) and checks every request and every answer on the way
// against the published OpenAPI description with kin-openapi's validator:
// routes, parameters, bodies, status codes, required fields, enums, formats.
func TestTrafficFollowsTheDescription(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromFile("../../content/developers/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	s, err := localstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	var mu sync.Mutex
	seen := map[string]bool{}
	validate := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			route, params, err := router.FindRoute(r)
			if err != nil {
				t.Errorf("%s %s: no described route: %v", r.Method, r.URL.Path, err)
				next.ServeHTTP(w, r)
				return
			}
			in := &openapi3filter.RequestValidationInput{Request: r.Clone(r.Context()), PathParams: params, Route: route,
				Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true, MultiError: true}}
			in.Request.Body = io.NopCloser(bytes.NewReader(body))
			if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
				t.Errorf("%s %s: request does not follow the description: %v", r.Method, r.URL.Path, err)
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: rec.Code, Header: rec.Header(),
				Body: io.NopCloser(bytes.NewReader(rec.Body.Bytes())), Options: in.Options}
			if err := openapi3filter.ValidateResponse(r.Context(), out); err != nil {
				t.Errorf("%s %s: answer %d does not follow the description: %v\n%s", r.Method, r.URL.Path, rec.Code, err, rec.Body.Bytes())
			}
			mu.Lock()
			seen[operation(route)] = true
			mu.Unlock()
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			w.Write(rec.Body.Bytes())
		})
	}
	storetest.FullPath(t, s, validate)
	if len(seen) < 12 {
		t.Errorf("validated %d operations (%v), want the dozen the full path takes", len(seen), seen)
	}
}

func operation(r *routers.Route) string { return r.Method + " " + r.Path }
