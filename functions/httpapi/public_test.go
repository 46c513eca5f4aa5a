package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smelisting/alliance/functions/httpapi"
	"github.com/smelisting/alliance/functions/intake"
	"github.com/smelisting/alliance/functions/localstore"
	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/storetest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const origin = "https://www.smelisting.example"

// syncBuffer collects log lines from concurrent handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type env struct {
	h     http.Handler
	store *localstore.Store
	logs  *syncBuffer
}

func newEnv(t *testing.T) *env {
	t.Helper()
	s, err := localstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return newEnvWith(t, s, s)
}

func newEnvWith(t *testing.T, store intake.Store, ls *localstore.Store) *env {
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, nil))
	now := func() time.Time { return time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC) }
	return &env{h: httpapi.NewPublic(httpapi.PublicConfig{Store: store, Log: log, SiteOrigin: origin, Now: now, Frame: testFrame}), store: ls, logs: logs}
}

// testFrame is testdata/frame.html, a small frame of the shape cmd/internal/sitegen
// writes (the browser tests use the real one).
var testFrame = httpapi.FrameFunc(func(context.Context) ([]byte, error) { return os.ReadFile("testdata/frame.html") })

// validJSON is a valid enterprise submission.
const validJSON = `{"type":"enterprise","org_name":"北京示例科技股份有限公司","credit_code":"91110000600037341L",
"representative":"张三","representative_kind":"legal","contact":"李四","phone":"13800138000",
"email":"lisi@example.com","region":"北京市","industry":"软件和信息技术服务业","specialised":"national",
"listing_plan":{"board":"star","year":2028},"services":["ipo","financing"],"introduction":"专注工业软件研发。",
"commitment_accepted":true,"privacy_accepted":true,"privacy_version":"2026-11-01"}`

func (e *env) do(method, target, ctype, body string, hdr ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

type created struct {
	Number      string `json:"number"`
	StatusToken string `json:"status_token"`
	Status      string `json:"status"`
}

type apiError struct {
	Error struct {
		Code      string            `json:"code"`
		Message   string            `json:"message"`
		Fields    map[string]string `json:"fields"`
		RequestID string            `json:"request_id"`
	} `json:"error"`
}

func decode[T any](t *testing.T, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("body %q is not the expected JSON: %v", rec.Body, err)
	}
	return v
}

func TestSubmitAndQueryStatus(t *testing.T) {
	e := newEnv(t)
	rec := e.do("POST", "/api/applications", "application/json", validJSON)
	if rec.Code != http.StatusCreated {
		t.Fatalf("POST status = %d, want 201: %s", rec.Code, rec.Body)
	}
	c := decode[created](t, rec)
	if c.Number != "SQ2026-000001" || c.StatusToken == "" || c.Status != "submitted" {
		t.Errorf("created = %+v, want number SQ2026-000001, a token, status submitted", c)
	}
	if got := rec.Header().Get("Location"); got != "/api/applications/SQ2026-000001" {
		t.Errorf("Location = %q, want /api/applications/SQ2026-000001", got)
	}
	tests := []struct {
		name   string
		number string
		token  string
		want   int
	}{
		{"right token", c.Number, c.StatusToken, 200},
		{"wrong token", c.Number, c.StatusToken + "x", 404},
		{"no token", c.Number, "", 404},
		{"unknown number", "SQ2026-000002", c.StatusToken, 404},
		{"counter key", "COUNTER", c.StatusToken, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := e.do("GET", "/api/applications/"+tt.number, "", "", httpapi.StatusTokenHeader, tt.token)
			if rec.Code != tt.want {
				t.Fatalf("GET status = %d, want %d: %s", rec.Code, tt.want, rec.Body)
			}
			if tt.want != 200 {
				if got := decode[apiError](t, rec).Error.Code; got != "not_found" {
					t.Errorf("error code = %q, want not_found", got)
				}
				return
			}
			body := rec.Body.String()
			for _, secret := range []string{"13800138000", "lisi@example.com", "91110000600037341L", "北京示例", "张三", "token_hash"} {
				if strings.Contains(body, secret) {
					t.Errorf("status body %s contains %q, want only status and history", body, secret)
				}
			}
			var st struct {
				Number, Status string
				History        []struct{ Status string }
			}
			_ = json.Unmarshal(rec.Body.Bytes(), &st)
			if st.Number != c.Number || st.Status != "submitted" || len(st.History) != 1 || st.History[0].Status != "submitted" {
				t.Errorf("status = %+v, want %s submitted with one submitted event", st, c.Number)
			}
		})
	}
}

func TestSubmitRejectsBadRequests(t *testing.T) {
	big := `{"introduction":"` + strings.Repeat("a", httpapi.MaxBodyBytes) + `"}`
	tests := []struct {
		name, ctype, body string
		status            int
		code, message     string
	}{
		{"form content type", "application/x-www-form-urlencoded", "type=enterprise", 415, "unsupported_media_type", "只接受 JSON"},
		{"no content type", "", validJSON, 415, "unsupported_media_type", "只接受 JSON"},
		{"too large", "application/json", big, 413, "too_large", "请求内容过大"},
		{"unknown field", "application/json", `{"type":"individual","admin":true}`, 400, "invalid", "不支持的字段：admin"},
		{"client sets status", "application/json", `{"status":"approved"}`, 400, "invalid", "不支持的字段：status"},
		{"field name in capitals", "application/json", strings.Replace(validJSON, `"type"`, `"TYPE"`, 1), 400, "invalid", "不支持的字段：TYPE"},
		{"nested field name in capitals", "application/json", strings.Replace(validJSON, `"board"`, `"Board"`, 1), 400, "invalid", "不支持的字段：Board"},
		{"unknown nested field", "application/json", strings.Replace(validJSON, `"board"`, `"exchange":"x","board"`, 1), 400, "invalid", "不支持的字段：exchange"},
		{"bad JSON", "application/json", `{"type":`, 400, "invalid", "请求体不是有效的 JSON"},
		{"not an object", "application/json", `[1,2]`, 400, "invalid", "请求体应为 JSON 对象"},
		{"a string", "application/json", `"type"`, 400, "invalid", "请求体应为 JSON 对象"},
		{"wrong type", "application/json", `{"services":"ipo"}`, 400, "invalid", "字段 services 的类型不正确"},
		{"trailing data", "application/json", validJSON + `{}`, 400, "invalid", "多余内容"},
		{"empty body", "application/json", ``, 400, "invalid", "请求体不是有效的 JSON"},
		{"invalid fields", "application/json", `{"type":"enterprise"}`, 400, "invalid", "提交的内容有误"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			rec := e.do("POST", "/api/applications", tt.ctype, tt.body)
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			got := decode[apiError](t, rec)
			if got.Error.Code != tt.code || !strings.Contains(got.Error.Message, tt.message) || got.Error.RequestID == "" {
				t.Errorf("error = %+v, want code %q, message containing %q and a request ID", got.Error, tt.code, tt.message)
			}
		})
	}
}

func TestSubmitFieldErrorsInChinese(t *testing.T) {
	e := newEnv(t)
	body := strings.Replace(validJSON, "91110000600037341L", "91110000600037341M", 1)
	body = strings.Replace(body, `"13800138000"`, `"12345"`, 1)
	got := decode[apiError](t, e.do("POST", "/api/applications", "application/json", body))
	want := map[string]string{
		"credit_code": "统一社会信用代码不正确，请对照营业执照核对这18位代码",
		"phone":       "联系电话请填写手机号码（如13800138000）或带区号的固定电话（如010-68200012）",
	}
	if len(got.Error.Fields) != len(want) {
		t.Fatalf("fields = %v, want %v", got.Error.Fields, want)
	}
	for k, v := range want {
		if got.Error.Fields[k] != v {
			t.Errorf("fields[%s] = %q, want %q", k, got.Error.Fields[k], v)
		}
	}
}

// otherOrg returns the submission body as another organisation's: with a
// credit code of its own (one organisation, one membership).
func otherOrg(body string) string {
	return strings.Replace(body, "91110000600037341L", storetest.NewCreditCode(), 1)
}

func TestIdempotencyKey(t *testing.T) {
	e := newEnv(t)
	first := e.do("POST", "/api/applications", "application/json", validJSON, "Idempotency-Key", "fill-1")
	if first.Code != 201 {
		t.Fatalf("first POST = %d, want 201: %s", first.Code, first.Body)
	}
	retry := e.do("POST", "/api/applications", "application/json", validJSON, "Idempotency-Key", "fill-1")
	if retry.Code != 201 || retry.Body.String() != first.Body.String() || retry.Header().Get("Idempotent-Replayed") != "true" {
		t.Errorf("retry = %d %s (replayed %q), want 201 %s (replayed true)", retry.Code, retry.Body, retry.Header().Get("Idempotent-Replayed"), first.Body)
	}
	other := otherOrg(strings.Replace(validJSON, "李四", "王五", 1))
	conflict := e.do("POST", "/api/applications", "application/json", other, "Idempotency-Key", "fill-1")
	if conflict.Code != 409 || decode[apiError](t, conflict).Error.Code != "conflict" {
		t.Errorf("same key, other body = %d %s, want 409 conflict", conflict.Code, conflict.Body)
	}
	fresh := decode[created](t, e.do("POST", "/api/applications", "application/json", other, "Idempotency-Key", "fill-2"))
	if fresh.Number != "SQ2026-000002" {
		t.Errorf("next new submission got %s, want SQ2026-000002 (the retry must not create one)", fresh.Number)
	}
	bad := e.do("POST", "/api/applications", "application/json", validJSON, "Idempotency-Key", "has space")
	if bad.Code != 400 {
		t.Errorf("malformed Idempotency-Key: status %d, want 400", bad.Code)
	}

	// A retry after the application moved on tells its status now, not the first one.
	c := decode[created](t, first)
	if w := e.do("POST", "/api/applications/"+c.Number+"/withdraw", "", "", httpapi.StatusTokenHeader, c.StatusToken); w.Code != 200 {
		t.Fatalf("withdraw = %d %s, want 200", w.Code, w.Body)
	}
	late := decode[created](t, e.do("POST", "/api/applications", "application/json", validJSON, "Idempotency-Key", "fill-1"))
	if late.Number != c.Number || late.StatusToken != c.StatusToken || late.Status != "withdrawn" {
		t.Errorf("retry after withdrawal = %+v, want %s, the same token, status withdrawn", late, c.Number)
	}
}

func TestHoneypotAcceptedNotStored(t *testing.T) {
	e := newEnv(t)
	body := strings.Replace(validJSON, `"type":`, `"website":"http://spam.example","type":`, 1)
	rec := e.do("POST", "/api/applications", "application/json", body, "Idempotency-Key", "bot-1")
	if rec.Code != 201 {
		t.Fatalf("honeypot POST = %d, want 201 (silently accepted)", rec.Code)
	}
	fake := decode[created](t, rec)
	if !regexp.MustCompile(`^SQ2026-\d{6}$`).MatchString(fake.Number) || fake.Number == "SQ2026-000000" || len(fake.StatusToken) != 32 || fake.Status != "submitted" {
		t.Errorf("honeypot answer = %+v, want one that looks real (a number from 000001, a 32-character token)", fake)
	}
	if again := e.do("POST", "/api/applications", "application/json", body, "Idempotency-Key", "bot-1"); again.Body.String() != rec.Body.String() {
		t.Errorf("honeypot retry with the same key = %s, want the first answer %s, as a real retry gets", again.Body, rec.Body)
	}
	invalid := strings.Replace(body, "lisi@example.com", "lisi", 1)
	if rec := e.do("POST", "/api/applications", "application/json", invalid); rec.Code != 400 || decode[apiError](t, rec).Error.Fields["email"] == "" {
		t.Errorf("invalid honeypot POST = %d %s, want the 400 a person would get", rec.Code, rec.Body)
	}
	real := decode[created](t, e.do("POST", "/api/applications", "application/json", validJSON))
	if real.Number != "SQ2026-000001" {
		t.Errorf("first real application got %s, want SQ2026-000001 (the honeypot one must not be stored)", real.Number)
	}
}

func TestCORS(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name, method, origin string
		preflight            bool
		wantStatus           int
		wantAllow            string
	}{
		{"allowed origin", "POST", origin, false, 201, origin},
		{"other origin", "POST", "https://evil.example", false, 201, ""},
		{"preflight allowed", "OPTIONS", origin, true, 204, origin},
		{"preflight other origin", "OPTIONS", "https://evil.example", true, 405, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hdr := []string{"Origin", tt.origin}
			if tt.preflight {
				hdr = append(hdr, "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type,idempotency-key")
			}
			rec := e.do(tt.method, "/api/applications", "application/json", otherOrg(validJSON), hdr...)
			if rec.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", rec.Code, tt.wantStatus)
			}
			if got := rec.Header().Get("Access-Control-Allow-Origin"); got != tt.wantAllow {
				t.Errorf("Access-Control-Allow-Origin = %q, want %q", got, tt.wantAllow)
			}
			if tt.preflight && tt.wantAllow != "" && !strings.Contains(rec.Header().Get("Access-Control-Allow-Headers"), "Idempotency-Key") {
				t.Errorf("Access-Control-Allow-Headers = %q, want Idempotency-Key in it", rec.Header().Get("Access-Control-Allow-Headers"))
			}
		})
	}
}

// failingStore fails every call as an outage would.
type failingStore struct{}

var errOutage = errors.New("connection refused to db.internal:8000")

func (failingStore) CreateApplication(context.Context, *membership.Application, *membership.IdempotencyRecord) error {
	return membership.Internal("fake: create", errOutage)
}
func (failingStore) Idempotency(context.Context, string) (*membership.IdempotencyRecord, error) {
	return nil, membership.Internal("fake: idempotency", errOutage)
}
func (failingStore) Application(context.Context, string) (*membership.Application, error) {
	return nil, membership.Internal("fake: get", errOutage)
}
func (failingStore) UpdateApplication(context.Context, string, int, func(*membership.Application) error) (*membership.Application, error) {
	return nil, membership.Internal("fake: update", errOutage)
}

func TestInternalErrorHidesDetails(t *testing.T) {
	e := newEnvWith(t, failingStore{}, nil)
	rec := e.do("POST", "/api/applications", "application/json", validJSON, "X-Request-Id", "req-12345678")
	if rec.Code != 500 {
		t.Fatalf("status = %d, want 500", rec.Code)
	}
	got := decode[apiError](t, rec)
	if got.Error.Message != "内部错误" || got.Error.RequestID != "req-12345678" || strings.Contains(rec.Body.String(), "refused") {
		t.Errorf("body = %s, want message 内部错误, request ID req-12345678 and no details", rec.Body)
	}
	if !strings.Contains(e.logs.String(), "connection refused") || !strings.Contains(e.logs.String(), "req-12345678") {
		t.Errorf("log = %s, want the cause and the request ID", e.logs)
	}
	form := e.do("POST", "/api/join", "application/x-www-form-urlencoded", validForm().Encode())
	if form.Code != 500 || !strings.Contains(form.Body.String(), "内部错误") || strings.Contains(form.Body.String(), "refused") {
		t.Errorf("form on outage = %d %s, want 500 page saying 内部错误 without details", form.Code, form.Body)
	}
}

func TestLogsCarryNoPersonalData(t *testing.T) {
	e := newEnv(t)
	c := decode[created](t, e.do("POST", "/api/applications", "application/json", validJSON))
	e.do("POST", "/api/applications", "application/json", strings.Replace(validJSON, "lisi@", "lisi", 1))
	e.do("GET", "/api/applications/"+c.Number, "", "", httpapi.StatusTokenHeader, c.StatusToken)
	e.do("POST", "/api/join", "application/x-www-form-urlencoded", validForm().Encode())
	logs := e.logs.String()
	if !strings.Contains(logs, `"request_id"`) || !strings.Contains(logs, c.Number) {
		t.Fatalf("logs = %s, want request lines with request IDs and the number", logs)
	}
	for _, pii := range []string{"13800138000", "lisi@example.com", "lisiexample.com", "91110000600037341L", c.StatusToken} {
		if strings.Contains(logs, pii) {
			t.Errorf("logs contain %q, want no phone, email, credit code or token", pii)
		}
	}
}

func TestUnknownRouteAndMethod(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		method, target string
		want           int
		code, allow    string
	}{
		{"GET", "/api/nothing", 404, "not_found", ""},
		{"GET", "/api/applications/SQ2026-000001/nothing", 404, "not_found", ""},
		{"GET", "/api/applications", 405, "method_not_allowed", "POST"},
		{"DELETE", "/api/applications/SQ2026-000001", 405, "method_not_allowed", "GET, HEAD"},
		{"PUT", "/api/join", 405, "method_not_allowed", "POST"},
		{"GET", "/api/join", 405, "method_not_allowed", "POST"},
		{"POST", "/api/join/thanks", 405, "method_not_allowed", "GET, HEAD"},
		{"GET", "/api/applications/SQ2026-000001/withdraw", 405, "method_not_allowed", "POST"},
	}
	for _, tt := range tests {
		rec := e.do(tt.method, tt.target, "", "")
		if rec.Code != tt.want || decode[apiError](t, rec).Error.Code != tt.code || rec.Header().Get("Allow") != tt.allow {
			t.Errorf("%s %s = %d Allow %q %s, want %d Allow %q code %s", tt.method, tt.target, rec.Code, rec.Header().Get("Allow"), rec.Body, tt.want, tt.allow, tt.code)
		}
	}
}

func validForm() url.Values {
	return url.Values{
		"type": {"enterprise"}, "org_name": {"北京示例科技股份有限公司"}, "credit_code": {"91110000600037341L"},
		"representative": {"张三"}, "representative_kind": {"legal"}, "contact": {"李四"}, "phone": {"13800138000"},
		"email": {"lisi@example.com"}, "region": {"北京市"}, "industry": {"软件"}, "specialised": {"none"},
		"listing_board": {"bse"}, "listing_year": {"2028"}, "services": {"ipo", "legal"}, "introduction": {"简介"},
		"commitment_accepted": {"on"}, "privacy_accepted": {"on"}, "privacy_version": {"2026-11-01"}, "website": {""},
	}
}

func TestFormWithoutJavaScript(t *testing.T) {
	e := newEnv(t)
	rec := e.do("POST", "/api/join", "application/x-www-form-urlencoded", validForm().Encode())
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/api/join/thanks?number=SQ2026-000001" {
		t.Fatalf("form POST = %d Location %q, want 303 to /api/join/thanks?number=SQ2026-000001", rec.Code, rec.Header().Get("Location"))
	}
	app, err := e.store.Application(t.Context(), "SQ2026-000001")
	if err != nil || app.ListingPlan.Year != 2028 || len(app.Services) != 2 || !app.PrivacyAccepted || app.PrivacyVersion != "2026-11-01" {
		t.Errorf("stored = %+v, %v, want the form's values", app, err)
	}
	cookie := thanksCookie(t, rec)
	number, token, _ := strings.Cut(cookie.Value, ".")
	if number != "SQ2026-000001" || app == nil || !app.TokenMatches(token) {
		t.Errorf("thank-you cookie = %q, want SQ2026-000001 and the application's status token", cookie.Value)
	}
	if page := e.do("GET", "/api/join/thanks?number=SQ2026-000001", "", "", "Cookie", cookie.String()); !strings.Contains(page.Body.String(), token) {
		t.Errorf("thank-you page with the form's cookie lacks the status token:\n%s", page.Body)
	}
	thanks := e.do("GET", "/api/join/thanks?number=SQ2026-000001", "", "", "Cookie", "alliance_join=SQ2026-000001.fixed-token")
	checkPage(t, thanks, 200, "thanks.golden")

	bad := validForm()
	bad.Set("credit_code", "91110000600037341M")
	bad.Set("email", "lisi.example.com")
	bad.Set("listing_year", "明年")
	bad.Del("privacy_accepted")
	page := e.do("POST", "/api/join", "application/x-www-form-urlencoded", bad.Encode())
	checkPage(t, page, 400, "errors.golden")
	for _, kept := range []string{`value="91110000600037341M"`, `value="lisi.example.com"`, `value="明年"`, `value="北京市" selected`, `value="ipo" checked`, `>简介</textarea>`} {
		if !strings.Contains(page.Body.String(), kept) {
			t.Errorf("error page lacks %s, want the typed values kept", kept)
		}
	}

	spam := validForm()
	spam.Set("website", "http://spam.example")
	if rec := e.do("POST", "/api/join", "application/x-www-form-urlencoded", spam.Encode()); rec.Code != 303 {
		t.Errorf("honeypot form = %d, want 303", rec.Code)
	} else if c := thanksCookie(t, rec); !strings.HasPrefix(rec.Header().Get("Location"), "/api/join/thanks?number=SQ2026-") ||
		e.do("GET", rec.Header().Get("Location"), "", "", "Cookie", c.String()).Code != 200 {
		t.Errorf("honeypot form: Location %q, cookie %s, want a thank-you page like a real one", rec.Header().Get("Location"), c)
	}
	if _, err := e.store.Application(t.Context(), "SQ2026-000002"); membership.ErrorCode(err) != membership.ENOTFOUND {
		t.Errorf("after honeypot form: SQ2026-000002 error = %v, want not found (not stored)", err)
	}
	if rec := e.do("POST", "/api/join", "application/json", validJSON); rec.Code != 415 {
		t.Errorf("JSON to the form route = %d, want 415", rec.Code)
	}
	for _, tt := range []struct{ name, target, cookie string }{
		{"bad number", "/api/join/thanks?number=<script>", "alliance_join=<script>.x"},
		{"no cookie", "/api/join/thanks?number=SQ2026-000001", ""},
		{"cookie of another number", "/api/join/thanks?number=SQ2026-000009", "alliance_join=SQ2026-000001.fixed-token"},
		{"cookie without token", "/api/join/thanks?number=SQ2026-000001", "alliance_join=SQ2026-000001"},
	} {
		rec := e.do("GET", tt.target, "", "", "Cookie", tt.cookie)
		if rec.Code != 404 || strings.Contains(rec.Body.String(), "SQ2026-00000") || !strings.Contains(rec.Body.String(), "页面已失效") {
			t.Errorf("thanks, %s = %d %s, want 404 page 页面已失效 without a number", tt.name, rec.Code, rec.Body)
		}
	}
	checkPage(t, e.do("GET", "/api/join/thanks?number=SQ2026-000001", "", ""), 404, "gone.golden")
}

// thanksCookie returns the cookie a form submission's 303 sets for the thank-you page,
// checking that scripts cannot read it and that it is sent only to that page.
func thanksCookie(t *testing.T, rec *httptest.ResponseRecorder) *http.Cookie {
	t.Helper()
	for _, c := range rec.Result().Cookies() {
		if c.Name == "alliance_join" {
			if !c.HttpOnly || c.Path != "/api/join/thanks" || c.SameSite != http.SameSiteLaxMode || c.MaxAge <= 0 {
				t.Errorf("cookie %s, want HttpOnly, Path=/api/join/thanks, SameSite=Lax and a Max-Age", c)
			}
			return c
		}
	}
	t.Fatalf("form answer sets no alliance_join cookie (Set-Cookie %q)", rec.Header().Values("Set-Cookie"))
	return nil
}

// framedCSP is the policy of a page in testdata/frame.html: its one style element by hash,
// its inline icon, no script and no other origin (the hash computed apart, with Python's
// hashlib, from the frame's style).
const framedCSP = "default-src 'none'; style-src 'sha256-Lxl4G2DzVf+yQsuhAVTqrXUZliFCzoDJiHTHj2o3Hh0='; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// checkPage compares a handler-rendered page with its golden file (go test -update
// rewrites them) and checks its strict Content-Security-Policy.
func checkPage(t *testing.T, rec *httptest.ResponseRecorder, status int, golden string) {
	t.Helper()
	if rec.Code != status {
		t.Errorf("%s: status = %d, want %d", golden, rec.Code, status)
	}
	if csp := rec.Header().Get("Content-Security-Policy"); csp != framedCSP {
		t.Errorf("%s: Content-Security-Policy = %q, want %q", golden, csp, framedCSP)
	}
	path := filepath.Join("testdata", golden)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, rec.Body.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got := rec.Body.String(); got != string(want) {
		t.Errorf("%s: page differs from the golden file:\ngot:\n%s\nwant:\n%s", golden, got, want)
	}
}

// TestFormErrorPageEscapes checks that what an applicant typed comes back on the error page
// as text, never as markup, in element content and in attribute values alike.
func TestFormErrorPageEscapes(t *testing.T) {
	e := newEnv(t)
	bad := validForm()
	bad.Set("org_name", `"><script>alert(1)</script>`)
	bad.Set("introduction", `</textarea><img src=x onerror=alert(1)>`)
	bad.Set("email", `x'onmouseover='alert(1)`)
	bad.Set("privacy_version", `"><b>v</b>`)
	bad.Set("services", `"><i>`)
	page := e.do("POST", "/api/join", "application/x-www-form-urlencoded", bad.Encode())
	if page.Code != http.StatusBadRequest {
		t.Fatalf("status = %d, want 400", page.Code)
	}
	body := page.Body.String()
	for _, raw := range []string{"<script>", "<img", "<b>", "<i>", `'onmouseover=`} {
		if strings.Contains(body, raw) {
			t.Errorf("error page contains %q unescaped", raw)
		}
	}
	for _, esc := range []string{
		`value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"`,
		`&lt;/textarea&gt;&lt;img src=x onerror=alert(1)&gt;</textarea>`,
		`value="x&#39;onmouseover=&#39;alert(1)"`,
		`name="privacy_version" value="&#34;&gt;&lt;b&gt;v&lt;/b&gt;"`,
	} {
		if !strings.Contains(body, esc) {
			t.Errorf("error page lacks %s", esc)
		}
	}
}
