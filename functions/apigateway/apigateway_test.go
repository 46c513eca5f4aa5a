package apigateway

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// echo answers with the method, path, query, request ID and body it received.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusTeapot)
	io.WriteString(w, r.Method+" "+r.URL.RequestURI()+" "+r.Header.Get("X-Request-Id")+" "+string(b))
})

func TestHandler(t *testing.T) {
	tests := []struct {
		name   string
		event  string
		status int
		body   string
	}{
		{"plain body", `{"rawPath":"/api/x","rawQueryString":"a=1","headers":{},"requestContext":{"requestId":"rid-123456","http":{"method":"POST","path":"/api/x"}},"body":"hi"}`, 418, "POST /api/x?a=1 rid-123456 hi"},
		{"base64 body", `{"rawPath":"/api/x","requestContext":{"http":{"method":"PUT","path":"/api/x"}},"body":"aGk=","isBase64Encoded":true}`, 418, "PUT /api/x  hi"},
		{"client request ID kept", `{"rawPath":"/api/x","headers":{"x-request-id":"mine-12345678"},"requestContext":{"requestId":"rid-123456","http":{"method":"GET","path":"/api/x"}}}`, 418, "GET /api/x mine-12345678 "},
		{"bad base64", `{"rawPath":"/api/x","requestContext":{"http":{"method":"POST","path":"/api/x"}},"body":"@@","isBase64Encoded":true}`, 400, ""},
		{"not JSON", `{"rawPath":`, 400, ""},
		{"JSON array", `[]`, 400, ""},
		{"no method", `{"rawPath":"/api/x"}`, 400, ""},
	}
	h := Handler(echo, Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := h(t.Context(), json.RawMessage(tt.event))
			if err != nil {
				t.Fatalf("error = %v, want a response", err)
			}
			if resp.StatusCode != tt.status {
				t.Errorf("status = %d, want %d (%s)", resp.StatusCode, tt.status, resp.Body)
			}
			if tt.body != "" && resp.Body != tt.body {
				t.Errorf("body = %q, want %q", resp.Body, tt.body)
			}
			if tt.status == 400 && !json.Valid([]byte(resp.Body)) {
				t.Errorf("400 body = %q, want JSON", resp.Body)
			}
		})
	}
}

// TestHandlerOriginSecret: with a secret, only events that carry it in OriginHeader
// reach the handler (which no longer sees the header); without one, every event does.
func TestHandlerOriginSecret(t *testing.T) {
	const secret = "s3cr3t-from-cloudfront-0123456789"
	var seen http.Header
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r.Header.Clone()
		w.WriteHeader(http.StatusNoContent)
	})
	event := func(headers string) json.RawMessage {
		return json.RawMessage(`{"rawPath":"/api/join","headers":{` + headers + `},"requestContext":{"requestId":"rid-123456","http":{"method":"POST","path":"/api/join","sourceIp":"203.0.113.9"}}}`)
	}
	tests := []struct {
		name   string
		cfg    Config
		event  json.RawMessage
		status int
	}{
		{"through CloudFront", Config{OriginSecret: secret}, event(`"x-origin-verify":"` + secret + `"`), 204},
		{"straight to execute-api", Config{OriginSecret: secret}, event(``), 403},
		{"wrong secret", Config{OriginSecret: secret}, event(`"x-origin-verify":"guess"`), 403},
		{"secret with a suffix", Config{OriginSecret: secret}, event(`"x-origin-verify":"` + secret + `x"`), 403},
		{"empty header", Config{OriginSecret: secret}, event(`"x-origin-verify":""`), 403},
		{"China layout: no secret, no check", Config{}, event(``), 204},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen = nil
			resp, err := Handler(h, tt.cfg)(t.Context(), tt.event)
			if err != nil {
				t.Fatalf("error = %v, want a response", err)
			}
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d %s, want %d", resp.StatusCode, resp.Body, tt.status)
			}
			if tt.status == 403 {
				if seen != nil {
					t.Errorf("the handler ran for a refused event")
				}
				if !json.Valid([]byte(resp.Body)) || !strings.Contains(resp.Body, `"forbidden"`) {
					t.Errorf("403 body = %q, want a JSON error with code forbidden", resp.Body)
				}
				return
			}
			if v := seen.Get(OriginHeader); v != "" {
				t.Errorf("the handler saw %s: %q, want it removed", OriginHeader, v)
			}
		})
	}
}
