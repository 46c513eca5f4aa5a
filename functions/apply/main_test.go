package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/smelisting/alliance/functions/apigateway"
	"github.com/smelisting/alliance/functions/dynamo/dynamotest"
)

var server *dynamotest.Server

func TestMain(m *testing.M) {
	var err error
	server, err = dynamotest.StartLocal()
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		os.Exit(1)
	}
	code := m.Run()
	server.Stop()
	os.Exit(code)
}

type invoke func(context.Context, json.RawMessage) (events.APIGatewayV2HTTPResponse, error)

func newInvoke(t *testing.T) invoke {
	t.Helper()
	n, err := server.NewTables(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	h, err := newHandler(t.Context(), config{Endpoint: server.Endpoint, Applications: n.Applications,
		Idempotency: n.Idempotency, Registrations: n.Registrations, Members: n.Members, Outbox: n.Outbox, SiteOrigin: "https://www.smelisting.example"}, slog.New(slog.NewJSONHandler(t.Output(), nil)))
	if err != nil {
		t.Fatal(err)
	}
	return apigateway.Handler(h, apigateway.Config{})
}

// event returns the sample POST event with changes applied.
func event(t *testing.T, change func(ev map[string]any)) json.RawMessage {
	t.Helper()
	b, err := os.ReadFile("testdata/post-application.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	if change != nil {
		change(ev)
	}
	out, _ := json.Marshal(ev)
	return out
}

func setRoute(ev map[string]any, method, path, query string) {
	ev["rawPath"], ev["rawQueryString"] = path, query
	ev["requestContext"].(map[string]any)["http"].(map[string]any)["method"] = method
	ev["requestContext"].(map[string]any)["http"].(map[string]any)["path"] = path
}

func TestLambdaSubmitAndStatus(t *testing.T) {
	call := newInvoke(t)
	ctx := t.Context()
	resp, err := call(ctx, event(t, nil))
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("POST event = %d %s, %v, want 201", resp.StatusCode, resp.Body, err)
	}
	if got := resp.Headers["Access-Control-Allow-Origin"]; got != "https://www.smelisting.example" {
		t.Errorf("Access-Control-Allow-Origin = %q, want the site origin", got)
	}
	if got := resp.Headers["X-Request-Id"]; got != "JKJaXmPLvHcESHA=" {
		t.Errorf("X-Request-Id = %q, want API Gateway's request ID", got)
	}
	var c struct {
		Number      string `json:"number"`
		StatusToken string `json:"status_token"`
	}
	_ = json.Unmarshal([]byte(resp.Body), &c)
	if !strings.HasPrefix(c.Number, "SQ") || c.StatusToken == "" {
		t.Fatalf("body = %s, want a number and a status token", resp.Body)
	}
	again, _ := call(ctx, event(t, nil))
	if again.StatusCode != 201 || again.Body != resp.Body {
		t.Errorf("retried event = %d %s, want the first answer %s", again.StatusCode, again.Body, resp.Body)
	}
	get, err := call(ctx, event(t, func(ev map[string]any) {
		setRoute(ev, "GET", "/api/applications/"+c.Number, "")
		ev["body"] = ""
		ev["headers"] = map[string]any{"x-status-token": c.StatusToken}
	}))
	if err != nil || get.StatusCode != 200 || !strings.Contains(get.Body, `"status":"submitted"`) || strings.Contains(get.Body, "wangwu") {
		t.Errorf("GET event = %d %s, %v, want 200 with the status and no personal data", get.StatusCode, get.Body, err)
	}
}

func TestLambdaBadEvents(t *testing.T) {
	call := newInvoke(t)
	form := url.Values{"type": {"individual"}, "contact": {"王五"}, "phone": {"13800138000"}, "email": {"w@example.cn"},
		"region": {"上海市"}, "industry": {"金融"}, "specialised": {"none"}, "services": {"ipo"}, "introduction": {"简介"},
		"commitment_accepted": {"on"}, "privacy_accepted": {"on"}, "privacy_version": {"2026-11-01"}}.Encode()
	tests := []struct {
		name string
		ev   json.RawMessage
		want int
	}{
		{"not JSON", json.RawMessage(`{"version":"2.0",`), 400},
		{"not an event", json.RawMessage(`[1,2,3]`), 400},
		{"no method", json.RawMessage(`{"version":"2.0","rawPath":"/api/applications"}`), 400},
		{"body not base64", event(t, func(ev map[string]any) { ev["isBase64Encoded"], ev["body"] = true, "%%%not base64" }), 400},
		{"body JSON broken", event(t, func(ev map[string]any) { ev["body"] = `{"type":` }), 400},
		{"base64 JSON body", event(t, func(ev map[string]any) {
			ev["isBase64Encoded"] = true
			ev["body"] = base64.StdEncoding.EncodeToString([]byte(ev["body"].(string)))
			ev["headers"].(map[string]any)["idempotency-key"] = "fill-b64"
		}), 201},
		{"form without JavaScript", event(t, func(ev map[string]any) {
			setRoute(ev, "POST", "/api/join", "")
			ev["headers"] = map[string]any{"content-type": "application/x-www-form-urlencoded"}
			ev["isBase64Encoded"], ev["body"] = true, base64.StdEncoding.EncodeToString([]byte(form))
		}), 303},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := call(t.Context(), tt.ev)
			if err != nil {
				t.Fatalf("invocation error = %v, want a %d response", err, tt.want)
			}
			if resp.StatusCode != tt.want {
				t.Errorf("status = %d (%s), want %d", resp.StatusCode, resp.Body, tt.want)
			}
		})
	}
}

// TestLambdaFormThanks follows the form without JavaScript through API Gateway events:
// the 303 sets its cookie in the v2 response's cookies, and the thank-you event carries
// it back in the request's cookies.
func TestLambdaFormThanks(t *testing.T) {
	call := newInvoke(t)
	ctx := t.Context()
	form := url.Values{"type": {"individual"}, "contact": {"王五"}, "phone": {"13800138000"}, "email": {"w@example.cn"},
		"region": {"上海市"}, "industry": {"金融"}, "specialised": {"none"}, "services": {"ipo"}, "introduction": {"简介"},
		"commitment_accepted": {"on"}, "privacy_accepted": {"on"}, "privacy_version": {"2026-11-01"}}.Encode()
	post, err := call(ctx, event(t, func(ev map[string]any) {
		setRoute(ev, "POST", "/api/join", "")
		ev["headers"] = map[string]any{"content-type": "application/x-www-form-urlencoded", "x-forwarded-proto": "https"}
		ev["body"] = form
	}))
	if err != nil || post.StatusCode != 303 || len(post.Cookies) != 1 {
		t.Fatalf("form event = %d cookies %v, %v, want 303 with one cookie", post.StatusCode, post.Cookies, err)
	}
	if c := post.Cookies[0]; !strings.Contains(c, "; Secure") || !strings.Contains(c, "; HttpOnly") {
		t.Errorf("cookie %q, want Secure (the request came over HTTPS) and HttpOnly", c)
	}
	loc, _ := url.Parse(post.Headers["Location"])
	number := loc.Query().Get("number")
	thanks := func(cookies []any) events.APIGatewayV2HTTPResponse {
		resp, err := call(ctx, event(t, func(ev map[string]any) {
			setRoute(ev, "GET", loc.Path, loc.RawQuery)
			ev["headers"], ev["body"], ev["cookies"] = map[string]any{}, "", cookies
		}))
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	nameValue, _, _ := strings.Cut(post.Cookies[0], ";")
	if got := thanks([]any{"other=1", nameValue}); got.StatusCode != 200 || !strings.Contains(got.Body, number) {
		t.Errorf("thank-you event with the cookie = %d, want 200 showing %s:\n%s", got.StatusCode, number, got.Body)
	}
	if got := thanks(nil); got.StatusCode != 404 || strings.Contains(got.Body, number) {
		t.Errorf("thank-you event without the cookie = %d, want 404 without the number", got.StatusCode)
	}
}

func TestNewHandlerNeedsTables(t *testing.T) {
	if _, err := newHandler(t.Context(), config{}, slog.Default()); err == nil {
		t.Errorf("newHandler without table names: error = nil, want one")
	}
}

// TestNewHandlerReadsStoreTimeout: STORE_TIMEOUT must be a duration the
// handlers can use; a typo stops the function at start rather than serving
// without the limit meant.
func TestNewHandlerReadsStoreTimeout(t *testing.T) {
	for _, v := range []string{"3", "soon", "-1s", "0s", "2m"} {
		cfg := config{Endpoint: server.Endpoint, Applications: "a", Idempotency: "i", Registrations: "r", Members: "m", Outbox: "o", Timeout: v}
		if _, err := newHandler(t.Context(), cfg, slog.Default()); err == nil {
			t.Errorf("STORE_TIMEOUT=%q: error = nil, want one", v)
		}
	}
	cfg := config{Endpoint: server.Endpoint, Applications: "a", Idempotency: "i", Registrations: "r", Members: "m", Outbox: "o", Timeout: "2500ms"}
	if _, err := newHandler(t.Context(), cfg, slog.Default()); err != nil {
		t.Errorf("STORE_TIMEOUT=2500ms: %v, want nil", err)
	}
}
