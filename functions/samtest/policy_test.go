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
	"github.com/smelisting/alliance/functions/intake"
	"github.com/smelisting/alliance/functions/storetest"
)

// callRecorder is a reverse proxy to DynamoDB Local that records the IAM action each request
// needs on each table or index, with the partition key values it touches (for
// dynamodb:LeadingKeys conditions): a transaction needs PutItem, UpdateItem, DeleteItem or
// ConditionCheckItem per item, everything else the action of its name.
type callRecorder struct {
	proxy  *httputil.ReverseProxy
	mu     sync.Mutex
	tables map[string]string                     // table name → template resource (ApplicationsTable)
	hash   map[string]string                     // template resource → its partition key attribute
	used   map[string]map[string]map[string]bool // resource ("MembersTable", "ApplicationsTable/index/by_status") → action → partition keys ("" when the call names none)
	err    error                                 // a request this recorder could not read
}

func newCallRecorder(t *testing.T, endpoint string) (*callRecorder, string) {
	t.Helper()
	target, err := url.Parse(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	c := &callRecorder{proxy: httputil.NewSingleHostReverseProxy(target), tables: map[string]string{}, hash: map[string]string{},
		used: map[string]map[string]map[string]bool{}}
	for _, tb := range dynamo.Tables(dynamo.DefaultTableNames) {
		for _, k := range tb.Create.KeySchema {
			if k.KeyType == "HASH" {
				c.hash[tableLogicalID(tb.Logical)] = *k.AttributeName
			}
		}
	}
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
	c.tables[n.Limits] = "LimitsTable"
	c.tables[n.Sessions] = "SessionsTable"
	c.tables[n.Registrations] = "RegistrationsTable"
	c.tables[n.Outbox] = "OutboxTable"
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

// item is the part of a request or transaction item the recorder reads.
type item struct {
	TableName                string
	IndexName                string
	Key                      map[string]map[string]any
	Item                     map[string]map[string]any
	ProjectionExpression     string
	ExpressionAttributeNames map[string]string
}

// projected returns the top-level attributes a request with a projection
// expression reads, its key attributes included (what dynamodb:Attributes
// sees), sorted and joined by commas; "" without a projection (every attribute).
func (it item) projected() string {
	if it.ProjectionExpression == "" {
		return ""
	}
	attrs := map[string]bool{}
	for k := range it.Key {
		attrs[k] = true
	}
	for _, p := range strings.Split(it.ProjectionExpression, ",") {
		name := strings.TrimSpace(p)
		if i := strings.IndexAny(name, ".["); i >= 0 {
			name = name[:i]
		}
		if n, ok := it.ExpressionAttributeNames[name]; ok {
			name = n
		}
		attrs[name] = true
	}
	return strings.Join(slices.Sorted(maps.Keys(attrs)), ",")
}

func (c *callRecorder) record(action string, body []byte) {
	var in struct {
		item
		TransactItems []map[string]item
		RequestItems  map[string]json.RawMessage
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := json.Unmarshal(body, &in); err != nil {
		c.err = fmt.Errorf("%s: %v", action, err)
		return
	}
	add := func(it item, action string) {
		res, ok := c.tables[it.TableName]
		if !ok {
			c.err = fmt.Errorf("%s on table %q, which no store of this test has", action, it.TableName)
			return
		}
		key := "" // a Query or Scan names no single partition key here
		attrs := it.Key
		if attrs == nil {
			attrs = it.Item
		}
		if v, ok := attrs[c.hash[res]]["S"].(string); ok && it.IndexName == "" {
			key = v
		}
		if p := it.projected(); p != "" {
			key += "\x00" + p // the call reads only these attributes
		}
		if it.IndexName != "" {
			res += "/index/" + it.IndexName
		}
		if c.used[res] == nil {
			c.used[res] = map[string]map[string]bool{}
		}
		if c.used[res]["dynamodb:"+action] == nil {
			c.used[res]["dynamodb:"+action] = map[string]bool{}
		}
		c.used[res]["dynamodb:"+action][key] = true
	}
	switch action {
	case "TransactWriteItems", "TransactGetItems":
		for _, ti := range in.TransactItems {
			for kind, op := range ti {
				add(op, kind+"Item") // Put → PutItem, ConditionCheck → ConditionCheckItem, Get → GetItem
			}
		}
	case "BatchGetItem", "BatchWriteItem":
		for table := range in.RequestItems {
			add(item{TableName: table}, action)
		}
	default:
		add(in.item, action)
	}
}

// grant is one Allow statement's grant of an action on a resource, with the patterns of
// its dynamodb:LeadingKeys condition (none: any key) and the attributes of its
// dynamodb:Attributes condition (none: any).
type grant struct {
	leadingKeys []string
	attributes  []string
}

// allows reports whether the grant covers a call on partition key key ("" for a call
// that names none, such as a Query: only an unconditional grant covers it), which reads
// only the attributes after a NUL when it has a projection.
func (g grant) allows(call string) bool {
	key, attrs, projected := strings.Cut(call, "\x00")
	if g.attributes != nil {
		if !projected {
			return false // the whole item
		}
		for _, a := range strings.Split(attrs, ",") {
			if !slices.Contains(g.attributes, a) {
				return false
			}
		}
	}
	if g.leadingKeys == nil {
		return true
	}
	for _, p := range g.leadingKeys {
		if key != "" && globMatch(p, key) {
			return true
		}
	}
	return false
}

// globMatch matches IAM's StringLike: * is any run of characters, ? one character.
func globMatch(pattern, s string) bool {
	re := regexp.QuoteMeta(pattern)
	re = strings.ReplaceAll(strings.ReplaceAll(re, `\*`, ".*"), `\?`, ".")
	return regexp.MustCompile("^" + re + "$").MatchString(s)
}

// TestTemplatePoliciesCoverStoreCalls runs the store contract suites (and those of the
// per-client counter and of the console's sessions) against DynamoDB Local through a
// recorder and checks, in each layout, that every action the DynamoDB store performed on a
// table or index is granted there by the role of a function the table is given to (by its
// *_TABLE variable), also under the statement's dynamodb:LeadingKeys condition for the keys
// the call touched: a call the policy forgets is an AccessDeniedException only on AWS. A
// table two functions share needs each action granted to at least one of them. And every
// grant must be such a call: least privilege. A table that no function of a layout is given
// is not checked in that layout, but some layout must give it.
func TestTemplatePoliciesCoverStoreCalls(t *testing.T) {
	srv := dynamoServer(t)
	rec, endpoint := newCallRecorder(t, srv.Endpoint)
	client, err := dynamo.NewClient(t.Context(), endpoint)
	if err != nil {
		t.Fatal(err)
	}
	newTables := func(t *testing.T) dynamo.TableNames {
		n, err := srv.NewTables(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		rec.addTables(n)
		return n
	}
	t.Run("applications", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) intake.Store { return dynamo.New(client, newTables(t)) })
	})
	t.Run("back office", func(t *testing.T) {
		storetest.RunAdmin(t, func(t *testing.T) storetest.AdminStore { return dynamo.New(client, newTables(t)) })
	})
	t.Run("event registrations", func(t *testing.T) {
		storetest.RunEvents(t, func(t *testing.T) storetest.EventStore { return dynamo.New(client, newTables(t)) })
	})
	t.Run("certificates", func(t *testing.T) {
		storetest.RunCertificates(t, func(t *testing.T) storetest.CertificateStore { return dynamo.New(client, newTables(t)) })
	})
	t.Run("outbox", func(t *testing.T) {
		storetest.RunOutbox(t, func(t *testing.T) storetest.MailStore { return dynamo.New(client, newTables(t)) })
	})
	t.Run("client limits", func(t *testing.T) {
		storetest.Limits(t, dynamo.NewLimits(client, newTables(t).Limits))
	})
	t.Run("console sessions", func(t *testing.T) {
		storetest.RunSessions(t, func(t *testing.T) httpapi.SessionStore { return dynamo.New(client, newTables(t)) })
	})
	if t.Failed() {
		return
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.err != nil {
		t.Fatalf("recorder: %v", rec.err)
	}
	given := map[string]bool{} // tables some layout gives a function
	for _, s := range []scenario{scenarios[0], scenarios[2]} {
		t.Run(s.name, func(t *testing.T) {
			checkGrantsCoverCalls(t, load(t, s), rec.used, given)
		})
	}
	for _, res := range slices.Sorted(maps.Keys(rec.used)) {
		if table := strings.SplitN(res, "/", 2)[0]; !given[table] {
			t.Errorf("the stores use %s, which no function's environment names in any layout", table)
		}
	}
	t.Logf("DynamoDB calls of the store contract suites: %v", rec.used)
}

// checkGrantsCoverCalls checks one layout's roles against the recorded calls, and notes in
// given the tables the layout gives a function.
func checkGrantsCoverCalls(t *testing.T, d *deployed, used map[string]map[string]map[string]bool, given map[string]bool) {
	granted := map[string]map[string]map[string][]grant{} // function → resource → action → grants
	users := map[string][]string{}                        // table resource → functions that have it
	resource := regexp.MustCompile(`^\$\{(\w+)\.Arn\}(/index/\w+)?$`)
	for _, f := range functions(t, d) {
		granted[f.id] = map[string]map[string][]grant{}
		for name, v := range f.env {
			if tb := tableOfEnv(v); strings.HasSuffix(name, "_TABLE") && tb != "" {
				users[tb] = append(users[tb], f.id)
				given[tb] = true
			}
		}
		for _, st := range statements(d, f) {
			if st["Effect"] != "Allow" {
				continue
			}
			if !strings.HasPrefix(fmt.Sprint(list(st["Action"])[0]), "dynamodb:") {
				continue // S3 and the rest: TestTemplatePolicies
			}
			g := grant{}
			cond, _ := st["Condition"].(map[string]any)
			for op, kv := range cond {
				m, _ := kv.(map[string]any)
				for k, v := range m {
					switch op + " " + k {
					case "ForAllValues:StringLike dynamodb:LeadingKeys":
						g.leadingKeys = strs(list(v))
					case "ForAllValues:StringEquals dynamodb:Attributes":
						g.attributes = strs(list(v))
					case "StringEqualsIfExists dynamodb:Select":
						if v != "SPECIFIC_ATTRIBUTES" {
							t.Errorf("%s statement %v: dynamodb:Select %v, want SPECIFIC_ATTRIBUTES", f.id, st["Sid"], v)
						}
					default:
						t.Errorf("%s statement %v: condition %s %s, which this test cannot check against the calls", f.id, st["Sid"], op, k)
					}
				}
			}
			for _, r := range list(st["Resource"]) {
				m := resource.FindStringSubmatch(fmt.Sprint(r))
				if m == nil {
					continue
				}
				res := m[1] + m[2]
				if granted[f.id][res] == nil {
					granted[f.id][res] = map[string][]grant{}
				}
				for _, a := range list(st["Action"]) {
					if action := fmt.Sprint(a); strings.HasPrefix(action, "dynamodb:") {
						granted[f.id][res][action] = append(granted[f.id][res][action], g)
					}
				}
			}
		}
	}
	for _, res := range slices.Sorted(maps.Keys(used)) {
		fns := users[strings.SplitN(res, "/", 2)[0]]
		if len(fns) == 0 {
			continue // not given to any function in this layout
		}
		for _, action := range slices.Sorted(maps.Keys(used[res])) {
			for _, key := range slices.Sorted(maps.Keys(used[res][action])) {
				var ok bool
				for _, fn := range fns {
					for _, g := range granted[fn][res][action] {
						ok = ok || g.allows(key)
					}
				}
				if !ok {
					t.Errorf("the store calls %s on %s (partition key %q), which the role of %s does not grant", action, res, key, strings.Join(fns, " / "))
				}
			}
		}
	}
	// And nothing more: every grant is a call the stores make there, and a LeadingKeys
	// condition lets at least one of the keys they use through.
	for _, fn := range slices.Sorted(maps.Keys(granted)) {
		for _, res := range slices.Sorted(maps.Keys(granted[fn])) {
			for _, action := range slices.Sorted(maps.Keys(granted[fn][res])) {
				keys := used[res][action]
				if len(keys) == 0 {
					t.Errorf("%s is granted %s on %s, which the stores never call there", fn, action, res)
				}
				for _, g := range granted[fn][res][action] {
					var hit bool
					for k := range keys {
						hit = hit || g.allows(k)
					}
					if len(keys) > 0 && !hit {
						t.Errorf("%s is granted %s on %s for keys %v, which the stores never touch (they use %v)", fn, action, res, g.leadingKeys, slices.Sorted(maps.Keys(keys)))
					}
				}
			}
		}
	}
}
