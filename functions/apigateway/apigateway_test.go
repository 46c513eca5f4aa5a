package apigateway

import (
	"encoding/json"
	"io"
	"net/http"
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
	h := Handler(echo)
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
