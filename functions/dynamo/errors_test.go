package dynamo_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/smelisting/alliance/functions/dynamo"
	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/storetest"
)

// TestFailuresAreClassified answers every call of the store with one kind of
// DynamoDB failure, from a server on 127.0.0.1 that speaks the protocol's
// error answers (DynamoDB Local cannot be made to throttle or fail): the
// transient ones are EUNAVAILABLE, after the retryer's MaxAttempts attempts
// and well within a request's time limit; the others are EINTERNAL at once.
func TestFailuresAreClassified(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		code     string
		attempts int32
	}{
		{"throttled", 400, `{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate exceeded"}`, membership.EUNAVAILABLE, dynamo.MaxAttempts},
		{"throughput exceeded", 400, `{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"exceeded"}`, membership.EUNAVAILABLE, dynamo.MaxAttempts},
		{"request limit", 400, `{"__type":"com.amazonaws.dynamodb.v20120810#RequestLimitExceeded","message":"limit"}`, membership.EUNAVAILABLE, dynamo.MaxAttempts},
		{"server error", 500, `{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"oops"}`, membership.EUNAVAILABLE, dynamo.MaxAttempts},
		{"unavailable", 503, `{"__type":"com.amazonaws.dynamodb.v20120810#ServiceUnavailable","message":"down"}`, membership.EUNAVAILABLE, dynamo.MaxAttempts},
		{"missing table", 400, `{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"no table"}`, membership.EINTERNAL, 1},
		{"access denied", 400, `{"__type":"com.amazonaws.dynamodb.v20120810#AccessDeniedException","message":"no"}`, membership.EINTERNAL, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				calls.Add(1)
				w.Header().Set("Content-Type", "application/x-amz-json-1.0")
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			client, err := dynamo.NewClient(t.Context(), srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			st := dynamo.New(client, dynamo.DefaultTableNames)
			start := time.Now()
			_, err = st.Application(t.Context(), "SQ2026-000001")
			took := time.Since(start)
			if got := membership.ErrorCode(err); got != tt.code {
				t.Errorf("got %v (code %q), want code %q", err, got, tt.code)
			}
			if got := calls.Load(); got != tt.attempts {
				t.Errorf("attempts: got %d, want %d", got, tt.attempts)
			}
			// Throttled retries wait at most MaxBackoff each: far below a request's limit.
			if limit := time.Duration(dynamo.MaxAttempts)*dynamo.MaxBackoff + 2*time.Second; took > limit {
				t.Errorf("gave up after %v, want within %v", took.Round(time.Millisecond), limit)
			}
			if got := membership.ErrorMessage(err); tt.code == membership.EUNAVAILABLE && got != "系统繁忙，请稍后再试" {
				t.Errorf("message: got %q, want 系统繁忙，请稍后再试", got)
			}
		})
	}
}

// TestThrottledTransactionIsUnavailable: a transaction DynamoDB cancels for
// throttling is EUNAVAILABLE, like a throttled call, not an internal error.
func TestThrottledTransactionIsUnavailable(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		switch r.Header.Get("X-Amz-Target") {
		case "DynamoDB_20120810.UpdateItem": // the number counter
			_, _ = io.WriteString(w, `{"Attributes":{"seq":{"N":"7"}}}`)
		default:
			w.WriteHeader(400)
			_, _ = io.WriteString(w, `{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","message":"cancelled",`+
				`"CancellationReasons":[{"Code":"None"},{"Code":"ThrottlingError","Message":"Throughput exceeds the current capacity"}]}`)
		}
	}))
	defer srv.Close()
	client, err := dynamo.NewClient(t.Context(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	a := storetest.Sample(time.Now())
	err = dynamo.New(client, dynamo.DefaultTableNames).CreateApplication(t.Context(), a, nil)
	if got := membership.ErrorCode(err); got != membership.EUNAVAILABLE {
		t.Errorf("got %v (code %q), want %q", err, got, membership.EUNAVAILABLE)
	}
}

// TestRegistrationGivesUpOnTransientFailures: a registration, which reads
// its state again after a failure DynamoDB asks clients to retry (a 500), does
// so a bounded number of times (retry.go), not until its race bound, and is
// then EUNAVAILABLE: a 503, not a request held for a minute.
func TestRegistrationGivesUpOnTransientFailures(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		calls.Add(1)
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.WriteHeader(500)
		_, _ = io.WriteString(w, `{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"lock wait timeout"}`)
	}))
	defer srv.Close()
	client, err := dynamo.NewClient(t.Context(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	ev := storetest.SampleEvent("2026-salon", 10)
	start := time.Now()
	_, err = dynamo.New(client, dynamo.DefaultTableNames).Register(t.Context(), storetest.SampleRegistration(ev, 1, false), ev, nil)
	if got := membership.ErrorCode(err); got != membership.EUNAVAILABLE {
		t.Errorf("got %v (code %q), want %q", err, got, membership.EUNAVAILABLE)
	}
	if n := calls.Load(); n < dynamo.MaxAttempts || n > 5*dynamo.MaxAttempts {
		t.Errorf("calls: got %d, want the retryer's %d attempts for each of at most 5 reads", n, dynamo.MaxAttempts)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("gave up after %v, want within a few seconds", took.Round(time.Millisecond))
	}
}
