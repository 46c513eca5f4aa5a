package httpapi

import (
	"maps"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/smelisting/alliance/functions/intake"
	"github.com/smelisting/alliance/functions/membership"
)

// apiDescription is the OpenAPI document published with the site for integrators.
const apiDescription = "../../content/developers/openapi.json"

// publicEndpoints are what the public routes read and answer, as their
// handlers (public.go, withdraw.go, form.go) decode and encode them; the two
// form routes answer HTML.
var publicEndpoints = map[Route]endpoint{
	PublicRoutes[0]: {in: reflect.TypeFor[applicationRequest](), answers: map[int]reflect.Type{http.StatusCreated: reflect.TypeFor[createdBody]()}},
	PublicRoutes[1]: {answers: map[int]reflect.Type{http.StatusOK: reflect.TypeFor[statusBody]()}},
	PublicRoutes[2]: {},
	PublicRoutes[3]: {},
	PublicRoutes[4]: {in: reflect.TypeFor[intake.Withdrawal](), answers: map[int]reflect.Type{http.StatusOK: reflect.TypeFor[statusBody]()}},
	EventRoutes[0]:  {answers: map[int]reflect.Type{http.StatusOK: reflect.TypeFor[eventBody]()}},
	EventRoutes[1]: {in: reflect.TypeFor[registrationRequest](), answers: map[int]reflect.Type{
		http.StatusCreated: reflect.TypeFor[registrationBody](), http.StatusOK: reflect.TypeFor[registrationBody]()}},
	EventRoutes[2]:    {answers: map[int]reflect.Type{http.StatusOK: reflect.TypeFor[registrationBody]()}},
	EventRoutes[3]:    {answers: map[int]reflect.Type{http.StatusOK: reflect.TypeFor[registrationBody]()}},
	EventRoutes[4]:    {},
	EventRoutes[5]:    {},
	DocumentRoutes[0]: {in: reflect.TypeFor[membership.UploadRequest](), answers: map[int]reflect.Type{http.StatusCreated: reflect.TypeFor[*intake.Upload]()}},
	DocumentRoutes[1]: {in: reflect.TypeFor[intake.UploadDone](), answers: map[int]reflect.Type{http.StatusCreated: reflect.TypeFor[*membership.Attachment]()}},
	DocumentRoutes[2]: {answers: map[int]reflect.Type{http.StatusOK: reflect.TypeFor[*intake.Export]()}},
	DocumentRoutes[3]: {answers: map[int]reflect.Type{http.StatusOK: reflect.TypeFor[statusBody]()}},

	CertificateRoutes[0]: {answers: map[int]reflect.Type{http.StatusOK: reflect.TypeFor[membership.Verification]()}},
	CertificateRoutes[1]: {},
}

// consoleEndpoints are what the sign-in routes read: their query
// parameters. They answer redirects, and sign-out nothing.
var consoleEndpoints = map[Route]endpoint{
	ConsoleRoutes[0]: {query: []string{"return"}},
	ConsoleRoutes[1]: {query: []string{"code", "state", "error"}},
	ConsoleRoutes[2]: {},
}

// TestOpenAPIDescription reads the published API description with a real
// OpenAPI 3.1 parser, validates it, and checks it against the code: every
// route of PublicRoutes, AdminRoutes and ConsoleRoutes is described and
// nothing else; each
// operation's path and query parameters are the ones its handler reads; its
// JSON request body and success answers have exactly the JSON fields of the
// Go types the handler decodes and encodes, nested types included, with the
// fields a valid body always has (no omitempty) marked required; the
// secretariat's operations need the bearer token or the console's session,
// and the public ones and the start and end of a sign-in do not;
// and the error answer is errorBody.
func TestOpenAPIDescription(t *testing.T) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(apiDescription)
	if err != nil {
		t.Fatalf("load %s: %v", apiDescription, err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Errorf("openapi: got %q, want 3.1", doc.OpenAPI)
	}
	if err := doc.Validate(t.Context()); err != nil {
		t.Fatalf("validate %s: %v", apiDescription, err)
	}

	documented := map[Route]*openapi3.Operation{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			documented[Route{method, path}] = op
		}
	}
	endpoints := map[Route]endpoint{}
	maps.Copy(endpoints, publicEndpoints)
	maps.Copy(endpoints, (&Admin{}).endpoints())
	maps.Copy(endpoints, consoleEndpoints)
	for _, rt := range slices.Concat(PublicRoutes, AdminRoutes, ConsoleRoutes) {
		op, ok := documented[rt]
		if !ok {
			t.Errorf("%s: not described", rt)
			continue
		}
		delete(documented, rt)
		ep := endpoints[rt]
		t.Run(rt.String(), func(t *testing.T) { checkOperation(t, rt, op, ep) })
	}
	for rt := range documented {
		t.Errorf("%s: described, but no such route in PublicRoutes, AdminRoutes or ConsoleRoutes", rt)
	}

	answer := doc.Components.Responses["Error"].Value.Content.Get("application/json")
	matchSchema(t, "the error answer", answer.Schema, reflect.TypeFor[errorBody]())
}

var wildcard = regexp.MustCompile(`\{(\w+)\}`)

// checkOperation compares one described operation with its endpoint.
func checkOperation(t *testing.T, rt Route, op *openapi3.Operation, ep endpoint) {
	var path, query []string
	for _, p := range op.Parameters {
		switch p.Value.In {
		case openapi3.ParameterInPath:
			path = append(path, p.Value.Name)
		case openapi3.ParameterInQuery:
			query = append(query, p.Value.Name)
		}
	}
	var wantPath []string
	for _, m := range wildcard.FindAllStringSubmatch(rt.Pattern, -1) {
		wantPath = append(wantPath, m[1])
	}
	if !slices.Equal(path, wantPath) {
		t.Errorf("path parameters: got %v, want %v", path, wantPath)
	}
	admin := strings.HasPrefix(rt.Pattern, "/api/admin/")
	if admin && !slices.Equal(sorted(query), sorted(ep.query)) {
		t.Errorf("query parameters: got %v, want %v (the ones the handler reads)", query, ep.query)
	}
	wantSecured := admin && rt != ConsoleRoutes[0] && rt != ConsoleRoutes[1]
	if secured := op.Security != nil && len(*op.Security) > 0; secured != wantSecured {
		t.Errorf("needs a bearer token or a session: got %v, want %v", secured, wantSecured)
	}

	var body *openapi3.MediaType
	if op.RequestBody != nil {
		body = op.RequestBody.Value.Content.Get("application/json")
	}
	switch {
	case ep.in == nil && body != nil:
		t.Errorf("describes a JSON request body, but the handler reads none")
	case ep.in != nil && body == nil:
		t.Errorf("describes no JSON request body, but the handler decodes a %s", ep.in)
	case ep.in != nil:
		matchSchema(t, "request body", body.Schema, ep.in)
	}

	if ep.answers == nil {
		return // an HTML page: its answers are described for people, not Go types
	}
	for code, ref := range op.Responses.Map() {
		status, err := strconv.Atoi(code)
		if err != nil || status >= 300 {
			continue
		}
		typ, ok := ep.answers[status]
		if !ok {
			t.Errorf("answer %d: described, but the handler never answers it", status)
			continue
		}
		if typ == nil {
			if ref.Value.Content.Get("text/csv") == nil && ref.Value.Content.Get("text/html") == nil {
				t.Errorf("answer %d: want text/csv or text/html", status)
			}
			continue
		}
		if json := ref.Value.Content.Get("application/json"); json == nil {
			t.Errorf("answer %d: no JSON described, want %s", status, typ)
		} else {
			matchSchema(t, "answer "+code, json.Schema, typ)
		}
	}
	for status := range ep.answers {
		if op.Responses.Status(status) == nil {
			t.Errorf("answer %d: not described", status)
		}
	}
}

// matchSchema fails the test unless the schema describes what encoding/json
// makes of typ: the same JSON type and, for a struct, exactly its fields,
// those without omitempty required, each matching in turn.
func matchSchema(t *testing.T, where string, ref *openapi3.SchemaRef, typ reflect.Type) {
	t.Helper()
	if ref == nil || ref.Value == nil {
		t.Errorf("%s: no schema, want one of %s", where, typ)
		return
	}
	s := ref.Value
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	want := map[reflect.Kind]string{reflect.String: "string", reflect.Bool: "boolean", reflect.Int: "integer", reflect.Int64: "integer",
		reflect.Slice: "array", reflect.Map: "object", reflect.Struct: "object"}[typ.Kind()]
	if typ == reflect.TypeFor[time.Time]() {
		want = "string"
	}
	if want == "" {
		t.Errorf("%s: the Go type %s has no JSON type this test knows", where, typ)
		return
	}
	if !s.Type.Is(want) {
		t.Errorf("%s: got type %v, want %s (%s)", where, s.Type.Slice(), want, typ)
		return
	}
	switch {
	case typ == reflect.TypeFor[time.Time]():
		if s.Format != "date-time" {
			t.Errorf("%s: got format %q, want date-time", where, s.Format)
		}
	case typ.Kind() == reflect.Slice:
		matchSchema(t, where+"[]", s.Items, typ.Elem())
	case typ.Kind() == reflect.Map:
		matchSchema(t, where+"{}", s.AdditionalProperties.Schema, typ.Elem())
	case typ.Kind() == reflect.Struct:
		fields, required := jsonFields(typ)
		if got, want := sorted(slices.Collect(maps.Keys(s.Properties))), sorted(slices.Collect(maps.Keys(fields))); !slices.Equal(got, want) {
			t.Errorf("%s: got properties %v, want the JSON fields of %s: %v", where, got, typ, want)
		}
		if got := sorted(s.Required); !slices.Equal(got, sorted(required)) {
			t.Errorf("%s: got required %v, want %v (the fields of %s without omitempty)", where, got, required, typ)
		}
		for name, ft := range fields {
			if p, ok := s.Properties[name]; ok {
				matchSchema(t, where+"."+name, p, ft)
			}
		}
	}
}

// jsonFields returns the JSON names of a struct's fields with their types,
// and the names of those encoding/json always writes (no omitempty or
// omitzero); the fields of an embedded struct without a JSON name are the
// struct's own, as encoding/json writes them.
func jsonFields(typ reflect.Type) (map[string]reflect.Type, []string) {
	fields := map[string]reflect.Type{}
	var required []string
	for f := range typ.Fields() {
		tag := f.Tag.Get("json")
		if f.Anonymous && tag == "" { // an embedded struct's fields are the outer one's
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			inner, req := jsonFields(ft)
			maps.Copy(fields, inner)
			required = append(required, req...)
			continue
		}
		if !f.IsExported() || tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		fields[name] = f.Type
		if !slices.Contains(strings.Split(opts, ","), "omitempty") && !slices.Contains(strings.Split(opts, ","), "omitzero") {
			required = append(required, name)
		}
	}
	return fields, required
}

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }
