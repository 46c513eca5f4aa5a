package dynamo_test

import (
	"testing"
	"time"

	"github.com/smelisting/alliance/functions/dynamo"
	"github.com/smelisting/alliance/functions/dynamo/dynamotest"
	"github.com/smelisting/alliance/functions/storetest"
)

// The time limit of each request in the outage tests, and the most an answer
// may take with it on a loaded machine.
const (
	outageTimeout = time.Second
	outageLimit   = outageTimeout + 3*time.Second
)

// ownServer starts a DynamoDB Local of the test's own, which it may stop or
// freeze without disturbing the other tests, and returns it with a store on it.
func ownServer(t *testing.T) (*dynamotest.Server, *dynamo.Store) {
	t.Helper()
	srv, err := dynamotest.StartLocal()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = srv.Thaw()
		srv.Stop()
	})
	client, err := dynamo.NewClient(t.Context(), srv.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	// One submission's writes on tables of their own, without a time limit: the
	// first transaction of a fresh DynamoDB Local (its JVM cold) can take longer
	// than the tests' 1 s limit on a loaded machine, and is not what they test.
	warm, err := srv.NewTables(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if err := dynamo.New(client, warm).CreateApplication(t.Context(), storetest.Sample(time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)), nil); err != nil {
		t.Fatal(err)
	}
	n, err := srv.NewTables(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return srv, dynamo.New(client, n)
}

// TestFrozenServer freezes DynamoDB Local (SIGSTOP) mid-run: requests are
// answered 503 with Retry-After within the time limit, not held; after SIGCONT
// the next requests succeed, and a submission made during the freeze and sent
// again with its Idempotency-Key is stored once.
func TestFrozenServer(t *testing.T) {
	srv, st := ownServer(t)
	api := storetest.NewAPIWithTimeout(t, st, outageTimeout)
	freeze := func() {
		if err := srv.Freeze(); err != nil {
			t.Fatal(err)
		}
	}
	thaw := func() {
		if err := srv.Thaw(); err != nil {
			t.Fatal(err)
		}
	}
	storetest.Outage(t, api, st, freeze, thaw, outageLimit)

	freeze()
	defer thaw()
	clerk := api.Token("clerk-1", "secretariat")
	storetest.WantUnavailable(t, "a status lookup while frozen", api.Send("GET", "/api/applications/SQ2026-000001", "", nil, "X-Status-Token", "any-token"), outageLimit)
	storetest.WantUnavailable(t, "the secretariat's list while frozen", api.Send("GET", "/api/admin/applications", clerk, nil), outageLimit)
	storetest.WantUnavailable(t, "a search of the list while frozen", api.Send("GET", "/api/admin/applications?search=%E7%A7%91%E6%8A%80", clerk, nil), outageLimit)
	storetest.WantUnavailable(t, "the 工作台 while frozen", api.Send("GET", "/api/admin/dashboard", clerk, nil), outageLimit)
	storetest.WantUnavailable(t, "an event's places while frozen", api.Send("GET", "/api/events/"+storetest.APIEvent, "", nil), outageLimit)
	storetest.WantUnavailable(t, "an event's registrants while frozen", api.Send("GET", "/api/admin/events/"+storetest.APIEvent+"/registrations", clerk, nil), outageLimit)
}

// TestStoppedServer kills DynamoDB Local mid-run: from then on every request
// is answered 503 with Retry-After, promptly (the connection is refused), on
// the public and on the secretariat's routes.
func TestStoppedServer(t *testing.T) {
	srv, st := ownServer(t)
	api := storetest.NewAPIWithTimeout(t, st, outageTimeout)
	clerk := api.Token("clerk-1", "secretariat")
	// An application stored before the stop, through the store itself: the
	// first transaction on a fresh DynamoDB Local (its JVM cold) may take
	// longer than the requests' time limit on a loaded machine.
	sub := storetest.Sample(time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC))
	if err := st.CreateApplication(t.Context(), sub, nil); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	storetest.WantUnavailable(t, "a submission", api.Send("POST", "/api/applications", "", storetest.SampleSubmission("停机后提交有限公司"), "Idempotency-Key", "stopped-1"), outageLimit)
	storetest.WantUnavailable(t, "a status lookup", api.Send("GET", "/api/applications/"+sub.Number, "", nil, "X-Status-Token", "any-token"), outageLimit)
	storetest.WantUnavailable(t, "a review", api.Send("POST", "/api/admin/applications/"+sub.Number+"/review", clerk, map[string]any{"version": 1}), outageLimit)
	storetest.WantUnavailable(t, "the dues report", api.Send("GET", "/api/admin/dues/2026", clerk, nil), outageLimit)
	storetest.WantUnavailable(t, "an event's places", api.Send("GET", "/api/events/"+storetest.APIEvent, "", nil), outageLimit)
	storetest.WantUnavailable(t, "a check-in", api.Send("POST", "/api/admin/events/"+storetest.APIEvent+"/checkins", clerk, map[string]any{"code": "7KQ3-M9XD"}), outageLimit)
}
