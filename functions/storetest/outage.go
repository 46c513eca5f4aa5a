package storetest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// outageClient gives up on an answer after 30 s, so that a request the API
// holds fails the test instead of hanging it.
var outageClient = &http.Client{Timeout: 30 * time.Second}

// Answer is an answer of the API as the outage checks read it.
type Answer struct {
	Status     int
	RetryAfter string
	Code       string // the JSON error's code
	Number     string // a submission's application number
	Took       time.Duration
	Body       []byte
}

// Send sends a request with a JSON body (nil: none), the token ("" for none)
// and the headers (name, value, …), and returns the answer and how long it took.
func (a *API) Send(method, path, token string, body any, header ...string) Answer {
	a.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			a.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, a.URL+path, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	start := time.Now()
	res, err := outageClient.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	ans := Answer{Status: res.StatusCode, RetryAfter: res.Header.Get("Retry-After"), Took: time.Since(start), Body: b}
	var v struct {
		Number string `json:"number"`
		Error  struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(b, &v)
	ans.Code, ans.Number = v.Error.Code, v.Number
	return ans
}

// WantUnavailable fails the test unless the answer is a 503 with a
// Retry-After of whole seconds and the JSON code unavailable, given within
// limit: the request's time limit and what a loaded machine adds to it.
func WantUnavailable(t *testing.T, what string, a Answer, limit time.Duration) {
	t.Helper()
	if s, err := strconv.Atoi(a.RetryAfter); a.Status != http.StatusServiceUnavailable || err != nil || s <= 0 || a.Code != "unavailable" {
		t.Errorf("%s: got %d (Retry-After %q) %s, want 503 unavailable with Retry-After", what, a.Status, a.RetryAfter, a.Body)
	}
	if a.Took > limit {
		t.Errorf("%s: answered after %v, want within %v", what, a.Took.Round(time.Millisecond), limit)
	}
	t.Logf("%s: %d after %v", what, a.Status, a.Took.Round(time.Millisecond))
}

// Outage checks what the API does while its store is stalled (stall until
// resume): a submission with an Idempotency-Key and a secretariat's change are
// each answered 503 with Retry-After within limit, and once the store is back
// the same submission, sent again with the same key, is stored exactly once,
// and the change goes through. The API's time limit (NewAPIWithTimeout) must
// be well below limit.
func Outage(t *testing.T, a *API, s AdminStore, stall, resume func(), limit time.Duration) {
	clerk := a.Token("clerk-1", "secretariat")
	var before struct{ Number string }
	a.Expect(http.StatusCreated, "POST", "/api/applications", "", SampleSubmission("停机前提交有限公司"), &before)

	sub := SampleSubmission("停机时提交有限公司")
	stall()
	resumed := false
	defer func() {
		if !resumed {
			resume()
		}
	}()
	WantUnavailable(t, "a submission while the store is stalled", a.Send("POST", "/api/applications", "", sub, "Idempotency-Key", "outage-1"), limit)
	WantUnavailable(t, "a review while the store is stalled",
		a.Send("POST", "/api/admin/applications/"+before.Number+"/review", clerk, map[string]any{"version": 1}), limit)
	resume()
	resumed = true

	first := a.Send("POST", "/api/applications", "", sub, "Idempotency-Key", "outage-1")
	again := a.Send("POST", "/api/applications", "", sub, "Idempotency-Key", "outage-1")
	if first.Status != http.StatusCreated || again.Status != http.StatusCreated || first.Number != again.Number {
		t.Fatalf("the submission sent again after the outage: got %d %s and %d %s, want 201 twice with one number",
			first.Status, first.Body, again.Status, again.Body)
	}
	if apps := related(t, s, sub["credit_code"].(string), 1); len(apps) != 1 || apps[0].Number != first.Number {
		t.Errorf("applications stored for the submission made during the outage and retried: got %d, want exactly 1 (%s)", len(apps), first.Number)
	}
	if r := a.Send("POST", "/api/admin/applications/"+before.Number+"/review", clerk, map[string]any{"version": 1}); r.Status != http.StatusOK {
		t.Errorf("the review after the outage: got %d %s, want 200", r.Status, r.Body)
	}
}
