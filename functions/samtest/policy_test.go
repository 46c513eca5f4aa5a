package samtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/smelisting/alliance/functions/dynamo"
	"github.com/smelisting/alliance/functions/httpapi"
	"github.com/smelisting/alliance/functions/storetest"
)

// callRecorder is a reverse proxy to DynamoDB Local that records the IAM action each request
// needs on each table or index: a transaction needs PutItem, UpdateItem, DeleteItem or
// ConditionCheckItem per item, everything else the action of its name.
type callRecorder struct {
	proxy  *httputil.ReverseProxy
	mu     sync.Mutex
	tables map[string]string          // table name → template resource (ApplicationsTable)
	used   map[string]map[string]bool // resource ("MembersTable", "ApplicationsTable/index/by_status") → actions
	err    error                      // a request this recorder could not read
}

func newCallRecorder(t *testing.T, endpoint string) (*callRecorder, string) {
	t.Helper()
	target, err := url.Parse(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	c := &callRecorder{proxy: httputil.NewSingleHostReverseProxy(target), tables: map[string]string{}, used: map[string]map[string]bool{}}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	return c, srv.URL
}

// addTables names the tables of one store after their template resources.
func (c *callRecorder) addTables(n dynamo.TableNames) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tables[n.Applications] = "ApplicationsTable"
	c.tables[n.Idempotency] = "IdempotencyTable"
	c.tables[n.Members] = "MembersTable"
	c.tables[n.Dues] = "DuesTable"
	c.tables[n.Sessions] = "SessionsTable"
}

func (c *callRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	c.record(strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_20120810."), body)
	c.proxy.ServeHTTP(w, r)
}

func (c *callRecorder) record(action string, body []byte) {
	var in struct {
		TableName     string
		IndexName     string
		TransactItems []map[string]struct{ TableName string }
		RequestItems  map[string]json.RawMessage
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := json.Unmarshal(body, &in); err != nil {
		c.err = fmt.Errorf("%s: %v", action, err)
		return
	}
	add := func(table, index, action string) {
		res, ok := c.tables[table]
		if !ok {
			c.err = fmt.Errorf("%s on table %q, which no store of this test has", action, table)
			return
		}
		if index != "" {
			res += "/index/" + index
		}
		if c.used[res] == nil {
			c.used[res] = map[string]bool{}
		}
		c.used[res]["dynamodb:"+action] = true
	}
	switch action {
	case "TransactWriteItems", "TransactGetItems":
		for _, item := range in.TransactItems {
			for kind, op := range item {
				add(op.TableName, "", kind+"Item") // Put → PutItem, ConditionCheck → ConditionCheckItem, Get → GetItem
			}
		}
	case "BatchGetItem", "BatchWriteItem":
		for table := range in.RequestItems {
			add(table, "", action)
		}
	default:
		add(in.TableName, in.IndexName, action)
	}
}

// TestTemplatePoliciesCoverStoreCalls runs both store contract suites against DynamoDB Local
// through a recorder and checks that every action the DynamoDB store performed on a table or
// index is granted there by the policy of the function that has that table (by its *_TABLE
// variable): a call the policy forgets is an AccessDeniedException only on AWS. A table two
// functions share needs each action granted to at least one of them. And every grant must be
// such a call: least privilege.
func TestTemplatePoliciesCoverStoreCalls(t *testing.T) {
	srv := dynamoServer(t)
	rec, endpoint := newCallRecorder(t, srv.Endpoint)
	client, err := dynamo.NewClient(t.Context(), endpoint)
	if err != nil {
		t.Fatal(err)
	}
	newStore := func(t *testing.T) *dynamo.Store {
		n, err := srv.NewTables(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		rec.addTables(n)
		return dynamo.New(client, n)
	}
	t.Run("applications", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) httpapi.ApplicationStore { return newStore(t) })
	})
	t.Run("back office", func(t *testing.T) {
		storetest.RunAdmin(t, func(t *testing.T) storetest.AdminStore { return newStore(t) })
	})
	t.Run("console sessions", func(t *testing.T) {
		storetest.RunSessions(t, func(t *testing.T) httpapi.SessionStore { return newStore(t) })
	})
	if t.Failed() {
		return
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.err != nil {
		t.Fatalf("recorder: %v", rec.err)
	}

	d := load(t, global)
	granted := map[string]map[string]map[string]bool{} // function → resource → actions
	users := map[string][]string{}                     // table resource → functions that have it
	resource := regexp.MustCompile(`^\$\{(\w+)\.Arn\}(/index/\w+)?$`)
	for _, f := range functions(t, d) {
		granted[f.id] = map[string]map[string]bool{}
		for name, v := range f.env {
			if tb := tableOfEnv(v); strings.HasSuffix(name, "_TABLE") && tb != "" {
				users[tb] = append(users[tb], f.id)
			}
		}
		for _, st := range statements(f) {
			if st["Effect"] != "Allow" {
				continue
			}
			for _, r := range list(st["Resource"]) {
				m := resource.FindStringSubmatch(fmt.Sprint(r))
				if m == nil {
					continue
				}
				res := m[1] + m[2]
				if granted[f.id][res] == nil {
					granted[f.id][res] = map[string]bool{}
				}
				for _, a := range list(st["Action"]) {
					granted[f.id][res][fmt.Sprint(a)] = true
				}
			}
		}
	}
	for _, res := range slices.Sorted(maps.Keys(rec.used)) {
		table := strings.SplitN(res, "/", 2)[0]
		fns := users[table]
		if len(fns) == 0 {
			t.Errorf("the stores use %s, which no function's environment names", table)
			continue
		}
		for _, action := range slices.Sorted(maps.Keys(rec.used[res])) {
			var ok bool
			for _, fn := range fns {
				ok = ok || granted[fn][res][action]
			}
			if !ok {
				t.Errorf("the store calls %s on %s, which the policy of %s does not grant", action, res, strings.Join(fns, " / "))
			}
		}
	}
	// And nothing more: every grant is a call the stores make on that table or index.
	for _, fn := range slices.Sorted(maps.Keys(granted)) {
		for _, res := range slices.Sorted(maps.Keys(granted[fn])) {
			for _, action := range slices.Sorted(maps.Keys(granted[fn][res])) {
				if !rec.used[res][action] {
					t.Errorf("%s is granted %s on %s, which the stores never call there", fn, action, res)
				}
			}
		}
	}
	t.Logf("DynamoDB calls of the store contract suites: %v", rec.used)
}
