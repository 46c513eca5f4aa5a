package samtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/golang-jwt/jwt/v5"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/smelisting/alliance/functions/dynamo"
	"github.com/smelisting/alliance/functions/dynamo/dynamotest"
	registration "github.com/smelisting/alliance/functions/events"
	"github.com/smelisting/alliance/functions/httpapi"
	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/secrets/secretstest"
	"github.com/smelisting/alliance/functions/storetest"
)

var (
	binDir    string // host bootstraps built by the emulator tests
	ddbOnce   sync.Once
	ddb       *dynamotest.Server
	ddbErr    error
	buildMu   sync.Mutex
	bootstrap = map[string]string{} // function name → host bootstrap path
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "samtest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	if ddb != nil {
		ddb.Stop()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// dynamoServer starts DynamoDB Local (the stores use transactions) once for the package.
func dynamoServer(t testing.TB) *dynamotest.Server {
	t.Helper()
	ddbOnce.Do(func() { ddb, ddbErr = dynamotest.StartLocal() })
	if ddbErr != nil {
		t.Fatal(ddbErr)
	}
	return ddb
}

// hostBootstrap builds functions/<name> for this machine once and returns its path.
func hostBootstrap(t testing.TB, name string) string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if p, ok := bootstrap[name]; ok {
		return p
	}
	p := filepath.Join(binDir, name, "bootstrap")
	size := buildBootstrap(t, name, runtime.GOOS, runtime.GOARCH, p)
	t.Logf("functions/%s: %s/%s bootstrap %.1f MB", name, runtime.GOOS, runtime.GOARCH, float64(size)/1e6)
	bootstrap[name] = p
	return p
}

// lockedBuffer collects the emulator's output from two pipes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// emulator is one aws-lambda-rie process running one bootstrap on 127.0.0.1.
type emulator struct {
	url     string
	out     *lockedBuffer
	started time.Time
	client  *http.Client
	pid     int    // the emulator's process; the bootstrap is its child
	stop    func() // ends the emulator and its bootstrap; also run when the test ends
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startEmulator runs bootstrap under the Runtime Interface Emulator with exactly env (plus
// PATH) and stops it when the test ends.
func startEmulator(t testing.TB, bootstrap string, env map[string]string) *emulator {
	t.Helper()
	rie := filepath.Join(root(t), ".cache", "bin", "aws-lambda-rie")
	if _, err := os.Stat(rie); err != nil {
		t.Fatalf("the Lambda Runtime Interface Emulator is missing (%s): run `make test-deps`", rie)
	}
	api, rapi := freePort(t), freePort(t)
	cmd := exec.Command(rie,
		"--runtime-interface-emulator-address", "127.0.0.1:"+strconv.Itoa(api),
		"--runtime-api-address", "127.0.0.1:"+strconv.Itoa(rapi),
		"./bootstrap")
	cmd.Dir = filepath.Dir(bootstrap)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	e := &emulator{
		url:     "http://127.0.0.1:" + strconv.Itoa(api) + "/2015-03-31/functions/function/invocations",
		out:     out,
		started: time.Now(),
		client:  &http.Client{Timeout: 30 * time.Second},
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", rie, err)
	}
	e.pid = cmd.Process.Pid
	var once sync.Once
	e.stop = func() {
		once.Do(func() {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			_ = cmd.Wait()
		})
	}
	t.Cleanup(func() {
		e.stop()
		if t.Failed() {
			t.Logf("emulator output:\n%s", out.String())
		}
	})
	return e
}

// invoke sends one event and returns the function's API Gateway response. An answer that is
// a runtime error (errorType) instead of a response is a test failure.
func (e *emulator) invoke(t testing.TB, event []byte) events.APIGatewayV2HTTPResponse {
	t.Helper()
	resp, err := e.client.Post(e.url, "application/json", bytes.NewReader(event))
	if err != nil {
		t.Fatalf("invoke: %v", err)
	}
	return e.decode(t, resp)
}

func (e *emulator) decode(t testing.TB, resp *http.Response) events.APIGatewayV2HTTPResponse {
	t.Helper()
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read invocation answer: %v", err)
	}
	var probe map[string]any
	if err := json.Unmarshal(body, &probe); err != nil {
		t.Fatalf("invocation answer %q is not JSON: %v", body, err)
	}
	if _, ok := probe["errorType"]; ok {
		t.Fatalf("invocation answered a runtime error %s, want an HTTP response", body)
	}
	var out events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("invocation answer %s: %v", body, err)
	}
	return out
}

// firstInvoke sends the first event, retrying while the emulator is not listening yet
// (bounded: 10 s, polled every 5 ms), and returns the answer and the time from starting the emulator.
func (e *emulator) firstInvoke(t testing.TB, event []byte) (events.APIGatewayV2HTTPResponse, time.Duration) {
	t.Helper()
	for range 2000 {
		resp, err := e.client.Post(e.url, "application/json", bytes.NewReader(event))
		if err == nil {
			out := e.decode(t, resp)
			return out, time.Since(e.started)
		}
		var op *net.OpError
		if !errors.As(err, &op) {
			t.Fatalf("first invoke: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("the emulator did not listen on %s within 10 s; output:\n%s", e.url, e.out.String())
	return events.APIGatewayV2HTTPResponse{}, 0
}

// timed invokes and returns the answer and the round trip time.
func (e *emulator) timed(t testing.TB, event []byte) (events.APIGatewayV2HTTPResponse, time.Duration) {
	t.Helper()
	start := time.Now()
	out := e.invoke(t, event)
	return out, time.Since(start)
}

// initDuration returns the init phase's duration as the emulator reported it (its line
// "INIT REPORT(durationMs: 9.268000)": start of the bootstrap to its first request for an
// event), if it did. The "Init Duration" of its REPORT line is not that: it reads 0.02 ms.
func (e *emulator) initDuration() (time.Duration, bool) {
	const mark = "INIT REPORT(durationMs: "
	for _, line := range strings.Split(e.out.String(), "\n") {
		if i := strings.Index(line, mark); i >= 0 {
			rest := line[i+len(mark):]
			if j := strings.Index(rest, ")"); j >= 0 {
				if ms, err := strconv.ParseFloat(rest[:j], 64); err == nil {
					return time.Duration(ms * float64(time.Millisecond)), true
				}
			}
		}
	}
	return 0, false
}

// bootstrapCPU returns the CPU time the bootstrap process has used so far: the sum of its
// threads' time on a CPU (/proc/PID/task/*/schedstat, in nanoseconds). Unlike the wall-clock
// init the emulator reports, a busy machine does not inflate it.
func (e *emulator) bootstrapCPU() (time.Duration, error) {
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		return 0, err
	}
	pid := ""
	for _, st := range stats {
		b, err := os.ReadFile(st)
		if err != nil {
			continue // ended meanwhile
		}
		// "PID (comm) state PPID …"
		i := bytes.LastIndexByte(b, ')')
		if i < 0 || !bytes.HasSuffix(b[:i], []byte("(bootstrap")) {
			continue
		}
		if f := strings.Fields(string(b[i+1:])); len(f) > 1 && f[1] == strconv.Itoa(e.pid) {
			pid = filepath.Base(filepath.Dir(st))
		}
	}
	if pid == "" {
		return 0, fmt.Errorf("no bootstrap process under the emulator (pid %d)", e.pid)
	}
	tasks, err := filepath.Glob("/proc/" + pid + "/task/*/schedstat")
	if err != nil || len(tasks) == 0 {
		return 0, fmt.Errorf("read the threads of %s: %v", pid, err)
	}
	var ns int64
	for _, task := range tasks {
		b, err := os.ReadFile(task)
		if err != nil {
			return 0, err
		}
		f := strings.Fields(string(b))
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %q: %v", task, b, err)
		}
		ns += n
	}
	return time.Duration(ns), nil
}

// initString is initDuration for a log line.
func (e *emulator) initString() string {
	if d, ok := e.initDuration(); ok {
		return d.Round(100 * time.Microsecond).String()
	}
	return "not reported"
}

// apiEvent returns an API Gateway HTTP API (payload 2.0) event.
func apiEvent(t testing.TB, method, path string, headers map[string]string, body string) []byte {
	t.Helper()
	ev := events.APIGatewayV2HTTPRequest{
		Version:  "2.0",
		RouteKey: method + " " + path,
		RawPath:  path,
		Headers:  headers,
		Body:     body,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			AccountID: "123456789012", APIID: "abc123", Stage: "$default",
			RequestID: fmt.Sprintf("req-%d", time.Now().UnixNano()),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: method, Path: path, Protocol: "HTTP/1.1", SourceIP: "203.0.113.9", UserAgent: "samtest",
			},
		},
	}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// validApplication is an individual member's application (no credit code needed).
const validApplication = `{"type":"individual","contact":"王五","phone":"010-68200012","email":"wangwu@example.cn",` +
	`"region":"上海市","industry":"金融","specialised":"none","services":["ipo","training"],` +
	`"introduction":"个人会员申请","commitment_accepted":true,"privacy_accepted":true,"privacy_version":"2026-11-01"}`

// invalidApplication is an enterprise's with a wrong credit code and e-mail address.
const invalidApplication = `{"type":"enterprise","org_name":"示例科技有限公司","credit_code":"91110000000000000X",` +
	`"representative":"赵六","representative_kind":"legal","contact":"王五","phone":"010-68200012","email":"not-an-email",` +
	`"region":"上海市","industry":"金融","specialised":"none","services":["ipo"],` +
	`"introduction":"简介","commitment_accepted":true,"privacy_accepted":true,"privacy_version":"2026-11-01"}`

// errorFields returns error.fields of a JSON error answer.
func errorFields(t *testing.T, body string) map[string]string {
	t.Helper()
	var e struct {
		Error struct {
			Fields map[string]string `json:"fields"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("error body %q: %v", body, err)
	}
	return e.Error.Fields
}

// functionEnv is the environment template.yaml gives a function, with the tables of this
// test and DynamoDB Local instead of AWS.
func functionEnv(srv *dynamotest.Server, n dynamo.TableNames, extra map[string]string) map[string]string {
	env := map[string]string{
		"DYNAMODB_ENDPOINT":     srv.Endpoint,
		"AWS_ACCESS_KEY_ID":     "test",
		"AWS_SECRET_ACCESS_KEY": "test",
		"AWS_REGION":            "cn-north-1",
		"APPLICATIONS_TABLE":    n.Applications,
		"IDEMPOTENCY_TABLE":     n.Idempotency,
		"MEMBERS_TABLE":         n.Members,
		"DUES_TABLE":            n.Dues,
		"SESSIONS_TABLE":        n.Sessions,
		"REGISTRATIONS_TABLE":   n.Registrations,
		"OUTBOX_TABLE":          n.Outbox,
		"SITE_ORIGIN":           "https://www.example.cn",
		"LOG_LEVEL":             "info", // the emulator reads it too: its INIT REPORT line is logged at info
		// Longer than template.yaml's 3s: DynamoDB Local's first transactions can take
		// seconds on a loaded machine, and these tests are not about the limit.
		"STORE_TIMEOUT": "30s",
	}
	for k, v := range extra {
		env[k] = v
	}
	return env
}

// emulatorEvent is the event with registration of the site's bucket: a month from now.
func emulatorEvent() *registration.Event {
	ev := storetest.SampleEvent("samtest-salon", 50)
	ev.Start = time.Now().Add(30 * 24 * time.Hour).Truncate(time.Hour)
	ev.End = ev.Start.Add(3 * time.Hour)
	return ev
}

// siteBucket is the site's bucket as `alliance publish` leaves it, for the frame of the
// form's pages and the published events: gofakes3 on 127.0.0.1 holding
// functions/httpapi/testdata/frame.html under httpapi.FramePath and a catalog of
// emulatorEvent under registration.CatalogFile. It returns the variables that point a function at it.
func siteBucket(t testing.TB) map[string]string {
	t.Helper()
	frame, err := os.ReadFile(filepath.Join(root(t), "functions", "httpapi", "testdata", "frame.html"))
	if err != nil {
		t.Fatal(err)
	}
	backend := s3mem.New()
	if err := backend.CreateBucket("alliance-site"); err != nil {
		t.Fatal(err)
	}
	if _, err := backend.PutObject("alliance-site", httpapi.FramePath, map[string]string{"Content-Type": "text/html; charset=utf-8"},
		bytes.NewReader(frame), int64(len(frame)), nil); err != nil {
		t.Fatal(err)
	}
	catalog := storetest.CatalogJSON(emulatorEvent())
	if _, err := backend.PutObject("alliance-site", registration.CatalogFile, map[string]string{"Content-Type": "application/json"},
		bytes.NewReader(catalog), int64(len(catalog)), nil); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	return map[string]string{"SITE_BUCKET": "alliance-site", "S3_ENDPOINT": srv.URL}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func TestEmulatorApply(t *testing.T) {
	srv := dynamoServer(t)
	ctx := t.Context()
	tables, err := srv.NewTables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e := startEmulator(t, hostBootstrap(t, "apply"), functionEnv(srv, tables, siteBucket(t)))
	post := func(key, body string) []byte {
		return apiEvent(t, "POST", "/api/applications",
			map[string]string{"content-type": "application/json", "idempotency-key": key}, body)
	}

	// Cold start: emulator start → first answer, for a request that needs no database.
	resp, cold := e.firstInvoke(t, post("samtest-cold", `{"type":`))
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("first invoke (malformed body): status %d %s, want 400", resp.StatusCode, resp.Body)
	}

	// A valid application: 201, and the item is in the table.
	resp, first := e.timed(t, post("samtest-valid", validApplication))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("valid application: status %d %s, want 201", resp.StatusCode, resp.Body)
	}
	var created struct {
		Number string `json:"number"`
	}
	if err := json.Unmarshal([]byte(resp.Body), &created); err != nil || created.Number == "" {
		t.Fatalf("valid application: body %s, want a number", resp.Body)
	}
	item, err := srv.Client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(tables.Applications), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"number": &types.AttributeValueMemberS{Value: created.Number}},
	})
	if err != nil {
		t.Fatalf("get %s: %v", created.Number, err)
	}
	for attr, want := range map[string]string{"number": created.Number, "contact": "王五", "status": "submitted"} {
		got, _ := item.Item[attr].(*types.AttributeValueMemberS)
		if got == nil || got.Value != want {
			t.Errorf("table item %s.%s = %v, want %q", created.Number, attr, item.Item[attr], want)
		}
	}

	// A registration for the event the site's bucket publishes: its catalog read from S3,
	// the registration in its table.
	reg := apiEvent(t, "POST", "/api/events/samtest-salon/registrations", map[string]string{"content-type": "application/json"},
		`{"name":"王五","org":"示例公司","job_title":"董事会秘书","phone":"13800138000","email":"ww@example.com","privacy_accepted":true,"privacy_version":"`+
			registration.PrivacyNoticeVersions[0]+`"}`)
	if resp, _ := e.timed(t, reg); resp.StatusCode != http.StatusCreated || !strings.Contains(resp.Body, `"status":"confirmed"`) {
		t.Fatalf("registration: status %d %s, want 201 confirmed", resp.StatusCode, resp.Body)
	}
	seats, err := dynamo.New(srv.Client, tables).Seats(ctx, "samtest-salon")
	if err != nil || seats.Confirmed != 1 {
		t.Fatalf("seats after the registration: %+v, %v; want 1 confirmed", seats, err)
	}

	// A second application: the first DynamoDB calls of DynamoDB Local (a JVM) are slow.
	resp, second := e.timed(t, post("samtest-valid-2", validApplication))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("second valid application: status %d %s, want 201", resp.StatusCode, resp.Body)
	}

	tests := []struct {
		name       string
		event      []byte
		wantStatus int
		wantFields []string // field errors the answer must name
	}{
		{"invalid application", post("samtest-invalid", invalidApplication), 400, []string{"credit_code", "email"}},
		{"malformed JSON body", post("samtest-broken", `{"type":`), 400, nil},
		{"body not JSON at all", post("samtest-text", "申请"), 400, nil},
		{"event that is not an API event", []byte(`[1,2,3]`), 400, nil},
		{"event without a method", []byte(`{"version":"2.0","rawPath":"/api/applications"}`), 400, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := e.invoke(t, tt.event)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d %s, want %d", resp.StatusCode, resp.Body, tt.wantStatus)
			}
			if strings.Contains(resp.Body, "panic") || strings.Contains(resp.Body, "goroutine") {
				t.Errorf("body %s shows internals", resp.Body)
			}
			fields := errorFields(t, resp.Body)
			for _, f := range tt.wantFields {
				if fields[f] == "" {
					t.Errorf("error fields %v, want a message for %s", fields, f)
				}
			}
		})
	}

	// The form without JavaScript, as API Gateway delivers it (a base64 body, cookies in their
	// own field): 303 to the thank-you page with a cookie, which shows the number and token.
	form := url.Values{
		"type": {"individual"}, "contact": {"王五"}, "phone": {"13800138000"}, "email": {"wangwu@example.cn"},
		"region": {"上海市"}, "industry": {"金融"}, "specialised": {"none"}, "services": {"ipo", "training"},
		"introduction": {"无脚本提交"}, "commitment_accepted": {"on"}, "privacy_accepted": {"on"}, "privacy_version": {"2026-11-01"},
	}
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "POST /api/join", RawPath: "/api/join",
		Headers:         map[string]string{"content-type": "application/x-www-form-urlencoded", "origin": "https://www.example.cn"},
		Body:            base64.StdEncoding.EncodeToString([]byte(form.Encode())),
		IsBase64Encoded: true,
		RequestContext: events.APIGatewayV2HTTPRequestContext{RequestID: "req-form", Stage: "$default",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST", Path: "/api/join", SourceIP: "203.0.113.9"}},
	}
	evJSON, _ := json.Marshal(ev)
	resp = e.invoke(t, evJSON)
	location := resp.Headers["Location"]
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(location, "/api/join/thanks?number=") || len(resp.Cookies) == 0 {
		t.Fatalf("form POST: status %d, Location %q, cookies %v, body %s; want 303 to the thank-you page with a cookie", resp.StatusCode, location, resp.Cookies, resp.Body)
	}
	number := strings.TrimPrefix(location, "/api/join/thanks?number=")
	ev = events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "GET /api/join/thanks", RawPath: "/api/join/thanks", RawQueryString: "number=" + number,
		QueryStringParameters: map[string]string{"number": number},
		Cookies:               []string{strings.SplitN(resp.Cookies[0], ";", 2)[0]},
		RequestContext: events.APIGatewayV2HTTPRequestContext{RequestID: "req-thanks", Stage: "$default",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: "/api/join/thanks", SourceIP: "203.0.113.9"}},
	}
	evJSON, _ = json.Marshal(ev)
	resp = e.invoke(t, evJSON)
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Body, number) || !strings.HasPrefix(resp.Headers["Content-Type"], "text/html") {
		t.Errorf("thank-you page: status %d, Content-Type %q, body %.200s; want 200, HTML naming %s", resp.StatusCode, resp.Headers["Content-Type"], resp.Body, number)
	}
	// In the site's frame, read from the bucket: the header, links to the site's origin
	// (SITE_ORIGIN, another origin as in China) and the frame's style allowed by its hash.
	for _, want := range []string{`<header class="site-header">`, `<a href="https://www.example.cn/charter/">章程</a>`, "<title>申请已提交 · 中小企业上市服务联盟</title>"} {
		if !strings.Contains(resp.Body, want) {
			t.Errorf("thank-you page lacks %s (the frame from the site's bucket)", want)
		}
	}
	if csp := resp.Headers["Content-Security-Policy"]; !strings.Contains(csp, "style-src 'sha256-") {
		t.Errorf("thank-you page Content-Security-Policy %q, want its own (the frame's style by hash)", csp)
	}

	// Timings: emulator start → first answer (cold), then warm invokes of a status lookup.
	get := apiEvent(t, "GET", "/api/applications/"+created.Number, map[string]string{"x-status-token": "wrong"}, "")
	var warm []time.Duration
	for range 9 {
		_, d := e.timed(t, get)
		warm = append(warm, d)
	}
	t.Logf("apply under the emulator: cold start (emulator start → first answer) %v, init %s, first application (first DynamoDB calls) %v, second application %v, warm status lookup median %v (of %d)",
		cold.Round(time.Millisecond), e.initString(), first.Round(100*time.Microsecond), second.Round(100*time.Microsecond), median(warm).Round(100*time.Microsecond), len(warm))
}

// issuer is an OpenID provider on 127.0.0.1 over TLS: its discovery document names its key
// set, one ES256 key, and it signs tokens with that key. The bootstraps trust its
// certificate through SSL_CERT_FILE (certFile), as they would a public issuer's through the
// system's roots: the deployed code path, https:// only, with no test exception.
type issuer struct {
	url      string // https://127.0.0.1:port, the "iss" of its tokens
	certFile string // its certificate, PEM
	key      *ecdsa.PrivateKey
}

func newIssuer(t *testing.T) *issuer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	jwk, err := jwkset.NewJWKFromKey(&key.PublicKey, jwkset.JWKOptions{Metadata: jwkset.JWKMetadataOptions{KID: "samtest", USE: jwkset.UseSig}})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := json.Marshal(jwkset.JWKSMarshal{Keys: []jwkset.JWKMarshal{jwk.Marshal()}})
	if err != nil {
		t.Fatal(err)
	}
	is := &issuer{key: key}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"issuer": is.url, "jwks_uri": is.url + "/keys",
			"authorization_endpoint": is.url + "/authorize", "token_endpoint": is.url + "/token"})
	})
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(doc)
	})
	srv := httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)
	is.url = srv.URL
	is.certFile = filepath.Join(t.TempDir(), "issuer.pem")
	cert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(is.certFile, cert, 0o644); err != nil {
		t.Fatal(err)
	}
	return is
}

func (is *issuer) token(t *testing.T, roles ...string) string {
	t.Helper()
	return is.tokenFor(t, "u-1", roles...)
}

// tokenFor is a token of the user sub with roles.
func (is *issuer) tokenFor(t *testing.T, sub string, roles ...string) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{
		"iss": is.url, "aud": "alliance-admin", "sub": sub, "name": "秘书处小李",
		"exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix(), "roles": roles,
	})
	tok.Header["kid"] = "samtest"
	s, err := tok.SignedString(is.key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestEmulatorAdmin(t *testing.T) {
	srv := dynamoServer(t)
	ctx := t.Context()
	tables, err := srv.NewTables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	is := newIssuer(t)
	bucket := siteBucket(t)
	env := functionEnv(srv, tables, map[string]string{
		"SITE_BUCKET": bucket["SITE_BUCKET"], "S3_ENDPOINT": bucket["S3_ENDPOINT"],
		"JWT_ISSUER": is.url, "JWT_AUDIENCE": "alliance-admin", "JWT_ROLES_CLAIM": "roles",
		"JWKS_URL":      "", // the jwks_uri of the issuer's discovery document
		"SSL_CERT_FILE": is.certFile,
	})

	// An application to look at, submitted through the public function.
	apply := startEmulator(t, hostBootstrap(t, "apply"), env)
	resp, _ := apply.firstInvoke(t, apiEvent(t, "POST", "/api/applications",
		map[string]string{"content-type": "application/json", "idempotency-key": "samtest-admin"}, validApplication))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("submit through apply: status %d %s, want 201", resp.StatusCode, resp.Body)
	}
	var created struct {
		Number string `json:"number"`
	}
	_ = json.Unmarshal([]byte(resp.Body), &created)

	e := startEmulator(t, hostBootstrap(t, "admin"), env)
	secretariat := map[string]string{"authorization": "Bearer " + is.token(t, "secretariat")}
	me, cold := e.firstInvoke(t, apiEvent(t, "GET", "/api/admin/me", secretariat, ""))
	if me.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/admin/me with a secretariat token: status %d %s, want 200", me.StatusCode, me.Body)
	}
	tests := []struct {
		name       string
		event      []byte
		wantStatus int
		wantBody   string
	}{
		{"no token", apiEvent(t, "GET", "/api/admin/applications/"+created.Number, nil, ""), 401, ""},
		{"token of another issuer", apiEvent(t, "GET", "/api/admin/applications/"+created.Number,
			map[string]string{"authorization": "Bearer " + newIssuer(t).token(t, "secretariat")}, ""), 401, ""},
		{"the application", apiEvent(t, "GET", "/api/admin/applications/"+created.Number, secretariat, ""), 200, created.Number},
		{"the events of the site's bucket", apiEvent(t, "GET", "/api/admin/events", secretariat, ""), 200, `"slug":"samtest-salon"`},
		{"malformed JSON body", apiEvent(t, "POST", "/api/admin/applications/"+created.Number+"/review",
			map[string]string{"authorization": secretariat["authorization"], "content-type": "application/json"}, `{"note":`), 400, ""},
		{"event that is not an API event", []byte(`"just a string"`), 400, ""},
	}
	var warm []time.Duration
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, d := e.timed(t, tt.event)
			if resp.StatusCode != tt.wantStatus || !strings.Contains(resp.Body, tt.wantBody) {
				t.Errorf("status %d %s, want %d with %q", resp.StatusCode, resp.Body, tt.wantStatus, tt.wantBody)
			}
			warm = append(warm, d)
		})
	}
	t.Logf("admin under the emulator: cold start (emulator start → first answer, JWKS fetched) %v, init %s, warm invoke median %v (of %d)",
		cold.Round(time.Millisecond), e.initString(), median(warm).Round(100*time.Microsecond), len(warm))
}

// TestEmulatorAdminConsoleSignIn: with API_ORIGIN the admin function signs the console in
// at the issuer. Its client secret is read from Secrets Manager (OIDC_CLIENT_SECRET_ARN,
// here a fake on 127.0.0.1) when the first sign-in needs it, not at start; a sign-in while
// Secrets Manager does not answer goes back to the console as unavailable, and the next
// one, once it answers, goes to the issuer.
func TestEmulatorAdminConsoleSignIn(t *testing.T) {
	srv := dynamoServer(t)
	tables, err := srv.NewTables(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	is := newIssuer(t)
	sm := secretstest.New(t)
	const arn = "arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:alliance/console-AbC123"
	e := startEmulator(t, hostBootstrap(t, "admin"), functionEnv(srv, tables, map[string]string{
		"JWT_ISSUER": is.url, "JWT_AUDIENCE": "alliance-admin", "JWT_ROLES_CLAIM": "roles", "JWKS_URL": "",
		"SSL_CERT_FILE": is.certFile, "API_ORIGIN": "https://api.example.cn",
		"OIDC_CLIENT_SECRET_ARN": arn, "SECRETS_ENDPOINT": sm.URL,
	}))
	if resp, _ := e.firstInvoke(t, apiEvent(t, "GET", "/api/admin/me", nil, "")); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("GET /api/admin/me without a token: status %d %s, want 401", resp.StatusCode, resp.Body)
	}
	if calls := sm.Calls(); len(calls) != 0 {
		t.Errorf("the secret was read at start (%v), want only when a sign-in needs it", calls)
	}
	location := func(resp events.APIGatewayV2HTTPResponse) string {
		if l := resp.Headers["Location"]; l != "" {
			return l
		}
		return strings.Join(resp.MultiValueHeaders["Location"], ",")
	}
	sm.SetDown(true)
	resp := e.invoke(t, apiEvent(t, "GET", "/api/admin/signin", nil, ""))
	if to := location(resp); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(to, "https://www.example.cn/admin/") || !strings.Contains(to, "unavailable") {
		t.Errorf("sign-in without Secrets Manager: status %d to %q, want 303 back to the console, unavailable", resp.StatusCode, to)
	}
	sm.SetDown(false)
	sm.Put(arn, "console-client-secret")
	resp = e.invoke(t, apiEvent(t, "GET", "/api/admin/signin", nil, ""))
	if to := location(resp); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(to, is.url+"/authorize?") || !strings.Contains(to, "client_id=alliance-admin") {
		t.Errorf("sign-in: status %d to %q, want 303 to the issuer's authorization endpoint", resp.StatusCode, to)
	}
	calls := sm.Calls()
	if len(calls) == 0 || slices.ContainsFunc(calls, func(c string) bool { return c != arn }) {
		t.Errorf("Secrets Manager was asked for %v, want only %s", calls, arn)
	}
}

// initCPUBound is what TestEmulatorInit allows for the median CPU time of a bootstrap from
// its start to its first answer (package initialisation, main up to lambda.Start, and one
// request that needs no database). The target is an init under 50 ms on Lambda (arm64,
// 256 MB: a fraction of a core), which this machine cannot measure; what it can measure
// without the noise of other tests is CPU time, 7–10 ms here for apply, on one of its cores.
// 25 ms leaves room and still fails a start that does much more work.
const initCPUBound = 25 * time.Millisecond

// jwksFetchCPU is what the admin function's start adds: it fetches the issuer's key set
// over TLS before lambda.Start (auth.New), about 15 ms of CPU here (the handshake and
// the HTTP client's first use: 24 ms with it, 10 ms with a fixed key set instead).
const jwksFetchCPU = 15 * time.Millisecond

// TestEmulatorInit starts each function's bootstrap five times under the emulator and
// checks the median of the CPU time it used up to its first answer; it logs the init
// phase the emulator reports (wall clock: process start to the first request for an
// event), which a loaded machine stretches.
func TestEmulatorInit(t *testing.T) {
	srv := dynamoServer(t)
	tables, err := srv.NewTables(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	is := newIssuer(t)
	env := functionEnv(srv, tables, siteBucket(t))
	for k, v := range map[string]string{"JWT_ISSUER": "https://login.example.cn", "JWT_AUDIENCE": "alliance-admin", "JWKS_URL": is.url, "JWT_ROLES_CLAIM": "roles", "SSL_CERT_FILE": is.certFile} {
		env[k] = v
	}
	for _, fn := range []struct {
		name, path string
		bound      time.Duration
	}{{"apply", "/api/no-such-route", initCPUBound}, {"admin", "/api/admin/no-such-route", initCPUBound + jwksFetchCPU}} {
		boot := hostBootstrap(t, fn.name)
		var inits, cpus []time.Duration
		for range 5 {
			e := startEmulator(t, boot, env)
			e.firstInvoke(t, apiEvent(t, "GET", fn.path, nil, ""))
			cpu, err := e.bootstrapCPU()
			if err != nil {
				t.Fatalf("%s: %v", fn.name, err)
			}
			d, ok := e.initDuration()
			e.stop()
			if !ok {
				t.Fatalf("%s: the emulator reported no init duration:\n%s", fn.name, e.out.String())
			}
			inits, cpus = append(inits, d), append(cpus, cpu)
		}
		t.Logf("%s, median of %d cold starts: CPU to the first answer %v (all %v); init as the emulator reports it %v (all %v)",
			fn.name, len(cpus), median(cpus).Round(100*time.Microsecond), cpus, median(inits).Round(100*time.Microsecond), inits)
		if m := median(cpus); m > fn.bound {
			t.Errorf("%s: median CPU time to the first answer %v, want at most %v", fn.name, m, fn.bound)
		}
	}
}

// BenchmarkEmulatorColdStart measures starting the emulator with the apply bootstrap until
// its first answer (a request that needs no database).
func BenchmarkEmulatorColdStart(b *testing.B) {
	srv := dynamoServer(b)
	tables, err := srv.NewTables(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	boot := hostBootstrap(b, "apply")
	ev := apiEvent(b, "POST", "/api/applications", map[string]string{"content-type": "application/json"}, `{"type":`)
	env := functionEnv(srv, tables, nil)
	for b.Loop() {
		e := startEmulator(b, boot, env)
		resp, _ := e.firstInvoke(b, ev)
		e.stop()
		if resp.StatusCode != http.StatusBadRequest {
			b.Fatalf("status %d, want 400", resp.StatusCode)
		}
	}
}

// BenchmarkEmulatorWarmInvoke measures one warm invoke of apply through the emulator: an
// answer without the database (a malformed body), and a status lookup (one GetItem on
// DynamoDB Local).
func BenchmarkEmulatorWarmInvoke(b *testing.B) {
	srv := dynamoServer(b)
	tables, err := srv.NewTables(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	e := startEmulator(b, hostBootstrap(b, "apply"), functionEnv(srv, tables, nil))
	cases := []struct {
		name  string
		event []byte
	}{
		{"no database", apiEvent(b, "POST", "/api/applications", map[string]string{"content-type": "application/json"}, `{"type":`)},
		{"status lookup", apiEvent(b, "GET", "/api/applications/SQ2026000001", map[string]string{"x-status-token": "x"}, "")},
	}
	e.firstInvoke(b, cases[0].event)
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				e.invoke(b, c.event)
			}
		})
	}
}

// connectRecorder is an HTTP proxy on 127.0.0.1 that records the host of every CONNECT and
// refuses it: it shows where a bootstrap would send its requests without letting them out.
type connectRecorder struct {
	mu    sync.Mutex
	hosts []string
}

func (c *connectRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	c.hosts = append(c.hosts, r.Method+" "+r.Host)
	c.mu.Unlock()
	http.Error(w, "samtest: no way out", http.StatusForbidden)
}

func (c *connectRecorder) seen() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.hosts)
}

// TestEmulatorLambdaEnvironment runs apply with only what Lambda and template.yaml provide
// (no DYNAMODB_ENDPOINT): the DynamoDB client must find the region's endpoint itself, in the
// China partition too (amazonaws.com.cn), and an unreachable DynamoDB must answer a 503 (with
// Retry-After) that shows no internals. A proxy on 127.0.0.1 records the endpoint and refuses
// the connection.
func TestEmulatorLambdaEnvironment(t *testing.T) {
	boot := hostBootstrap(t, "apply")
	for _, tt := range []struct{ region, wantHost, wantS3 string }{
		{"cn-north-1", "dynamodb.cn-north-1.amazonaws.com.cn:443", "alliance-prod-sitebucket-x.s3.cn-north-1.amazonaws.com.cn:443"},
		{"cn-northwest-1", "dynamodb.cn-northwest-1.amazonaws.com.cn:443", "alliance-prod-sitebucket-x.s3.cn-northwest-1.amazonaws.com.cn:443"},
		{"ap-east-1", "dynamodb.ap-east-1.amazonaws.com:443", "alliance-prod-sitebucket-x.s3.ap-east-1.amazonaws.com:443"},
	} {
		t.Run(tt.region, func(t *testing.T) {
			proxy := &connectRecorder{}
			srv := httptest.NewServer(proxy)
			t.Cleanup(srv.Close)
			e := startEmulator(t, boot, map[string]string{
				"AWS_REGION": tt.region, "AWS_DEFAULT_REGION": tt.region,
				"AWS_ACCESS_KEY_ID": "ASIATESTTESTTESTTEST", "AWS_SECRET_ACCESS_KEY": "test", "AWS_SESSION_TOKEN": "test",
				"APPLICATIONS_TABLE": "alliance-prod-ApplicationsTable-X", "IDEMPOTENCY_TABLE": "alliance-prod-IdempotencyTable-X",
				"REGISTRATIONS_TABLE": "alliance-prod-RegistrationsTable-X", "MEMBERS_TABLE": "alliance-prod-MembersTable-X", "OUTBOX_TABLE": "alliance-prod-OutboxTable-X",
				"SITE_ORIGIN": "", "SITE_BUCKET": "alliance-prod-sitebucket-x", "LOG_LEVEL": "warn", "HTTPS_PROXY": srv.URL,
			})
			resp, _ := e.firstInvoke(t, apiEvent(t, "POST", "/api/applications",
				map[string]string{"content-type": "application/json", "idempotency-key": "samtest-env"}, validApplication))
			if resp.StatusCode != http.StatusServiceUnavailable || resp.Headers["Retry-After"] == "" {
				t.Errorf("status %d (headers %v) %s, want 503 with Retry-After (DynamoDB unreachable)", resp.StatusCode, resp.Headers, resp.Body)
			}
			for _, leak := range []string{"amazonaws", "proxy", "dynamodb", "Forbidden", "samtest"} {
				if strings.Contains(strings.ToLower(resp.Body), strings.ToLower(leak)) {
					t.Errorf("503 body %s shows %q, want no internals", resp.Body, leak)
				}
			}
			hosts := proxy.seen()
			if len(hosts) == 0 {
				t.Fatalf("the function sent nothing through HTTPS_PROXY, want a CONNECT to %s", tt.wantHost)
			}
			for _, h := range hosts {
				if h != "CONNECT "+tt.wantHost {
					t.Errorf("the function connected to %q, want CONNECT %s", h, tt.wantHost)
				}
			}
			// A page of the form reads its frame from the site's bucket at the region's S3
			// endpoint; unreachable, the page still comes, plain.
			page := e.invoke(t, apiEvent(t, "GET", "/api/join/thanks", nil, ""))
			if page.StatusCode != http.StatusNotFound || !strings.Contains(page.Body, "页面已失效") {
				t.Errorf("thank-you page without its cookie, bucket unreachable: status %d %.200s, want the 404 page", page.StatusCode, page.Body)
			}
			s3 := proxy.seen()[len(hosts):] // the SDK tries three times
			if len(s3) == 0 {
				t.Errorf("the page did not ask for its frame, want a CONNECT to %s", tt.wantS3)
			}
			for _, h := range s3 {
				if h != "CONNECT "+tt.wantS3 {
					t.Errorf("the frame was read through %q, want CONNECT %s", h, tt.wantS3)
				}
			}
		})
	}
}

// TestEmulatorAdminRefusesPlainHTTP: the admin bootstrap does not start with an http://
// issuer or key set (a typo must not turn off TLS for the keys that admit the secretariat).
func TestEmulatorAdminRefusesPlainHTTP(t *testing.T) {
	srv := dynamoServer(t)
	tables, err := srv.NewTables(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	boot := hostBootstrap(t, "admin")
	tests := []struct{ name, issuer, jwks string }{
		{"http:// issuer", "http://127.0.0.1:9/realms/alliance", ""},
		{"http:// key set", "https://127.0.0.1:9/realms/alliance", "http://127.0.0.1:9/keys"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := startEmulator(t, boot, functionEnv(srv, tables, map[string]string{
				"JWT_ISSUER": tt.issuer, "JWT_AUDIENCE": "alliance-admin", "JWKS_URL": tt.jwks, "JWT_ROLES_CLAIM": "roles",
			}))
			// The emulator answers an init failure with an empty body or a runtime error.
			body := e.firstInvokeRaw(t, apiEvent(t, "GET", "/api/admin/me", nil, ""))
			if strings.Contains(body, "statusCode") {
				t.Errorf("invocation answered %s, want no API response (the function must not start)", body)
			}
			// The bootstrap's log line may reach the emulator's output after the answer.
			deadline := time.Now().Add(5 * time.Second)
			for !strings.Contains(e.out.String(), "must start with https://") && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if out := e.out.String(); !strings.Contains(out, "must start with https://") {
				t.Errorf("emulator output does not say why:\n%s", out)
			}
		})
	}
}

// firstInvokeRaw is firstInvoke for an answer that need not be an API response.
func (e *emulator) firstInvokeRaw(t *testing.T, event []byte) string {
	t.Helper()
	for range 2000 {
		resp, err := e.client.Post(e.url, "application/json", bytes.NewReader(event))
		if err == nil {
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return string(b)
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("the emulator did not listen on %s within 10 s", e.url)
	return ""
}

// fromAddress returns the event with another client address, as API Gateway reports it.
func fromAddress(t *testing.T, event []byte, ip string) []byte {
	t.Helper()
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(event, &ev); err != nil {
		t.Fatal(err)
	}
	ev.RequestContext.HTTP.SourceIP = ip
	b, _ := json.Marshal(ev)
	return b
}

// TestEmulatorLayouts runs apply as each layout configures it: globally, a request without
// CloudFront's secret header is a 403; a client over its limit gets a 429 (counted in the
// limits table on DynamoDB Local) and others do not — the submissions' limit, which stands in
// for the WAF in China, and the certificate lookups', which both layouts need.
func TestEmulatorLayouts(t *testing.T) {
	srv := dynamoServer(t)
	tables, err := srv.NewTables(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	boot := hostBootstrap(t, "apply")
	malformed := func(headers map[string]string) []byte {
		h := map[string]string{"content-type": "application/json"}
		for k, v := range headers {
			h[k] = v
		}
		return apiEvent(t, "POST", "/api/applications", h, `{"type":`)
	}
	t.Run("global: origin secret", func(t *testing.T) {
		const secret = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL"
		e := startEmulator(t, boot, functionEnv(srv, tables, map[string]string{"ORIGIN_VERIFY_SECRET": secret}))
		if resp, _ := e.firstInvoke(t, malformed(nil)); resp.StatusCode != http.StatusForbidden {
			t.Errorf("straight to the API: status %d %s, want 403", resp.StatusCode, resp.Body)
		}
		if resp := e.invoke(t, malformed(map[string]string{"x-origin-verify": "guess"})); resp.StatusCode != http.StatusForbidden {
			t.Errorf("a guessed secret: status %d %s, want 403", resp.StatusCode, resp.Body)
		}
		if resp := e.invoke(t, malformed(map[string]string{"x-origin-verify": secret})); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("through CloudFront: status %d %s, want 400 (the handler's answer to a malformed body)", resp.StatusCode, resp.Body)
		}
	})
	t.Run("China: client limits", func(t *testing.T) {
		e := startEmulator(t, boot, functionEnv(srv, tables, map[string]string{"LIMITS_TABLE": tables.Limits}))
		limit := httpapi.PublicLimits[httpapi.Route{Method: "POST", Pattern: "/api/applications"}].Requests
		e.firstInvoke(t, malformed(nil))
		for i := 2; i <= limit; i++ {
			if resp := e.invoke(t, malformed(nil)); resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("request %d: status %d %s, want 400", i, resp.StatusCode, resp.Body)
			}
		}
		resp := e.invoke(t, malformed(nil))
		if resp.StatusCode != http.StatusTooManyRequests || resp.Headers["Retry-After"] == "" {
			t.Errorf("request %d: status %d, Retry-After %q, want 429 with Retry-After", limit+1, resp.StatusCode, resp.Headers["Retry-After"])
		}
		if resp := e.invoke(t, fromAddress(t, malformed(nil), "198.51.100.7")); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("another client: status %d, want 400", resp.StatusCode)
		}
	})
	t.Run("both: certificate lookups", func(t *testing.T) {
		e := startEmulator(t, boot, functionEnv(srv, tables, map[string]string{"LIMITS_TABLE": tables.Limits}))
		lookup := func(n int) []byte {
			return fromAddress(t, apiEvent(t, "GET", "/api/certificates/"+membership.FormatCertificate(2026, n), nil, ""), "192.0.2.44")
		}
		limit := httpapi.LookupLimits[httpapi.CertificateRoutes[0]].Requests
		e.firstInvoke(t, lookup(1))
		for i := 2; i <= limit; i++ {
			if resp := e.invoke(t, lookup(i)); resp.StatusCode != http.StatusNotFound {
				t.Fatalf("lookup %d: status %d %s, want 404 (no such member)", i, resp.StatusCode, resp.Body)
			}
		}
		if resp := e.invoke(t, lookup(limit+1)); resp.StatusCode != http.StatusTooManyRequests || resp.Headers["Retry-After"] == "" {
			t.Errorf("lookup %d: status %d, Retry-After %q, want 429 with Retry-After", limit+1, resp.StatusCode, resp.Headers["Retry-After"])
		}
	})
}
