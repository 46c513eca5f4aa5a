package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/smelisting/alliance/functions/auth"
	"github.com/smelisting/alliance/functions/backoffice"
	"github.com/smelisting/alliance/functions/httpapi"
	"github.com/smelisting/alliance/functions/localstore"
	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/storetest"
)

// The client of `alliance admin` and the back office it calls have the same
// methods with the same types: the CLI speaks the service's contract.
var (
	_ office = (*httpapi.AdminClient)(nil)
	_ office = (*backoffice.Service)(nil)
)

// adminRun runs `alliance admin args...` with the token and returns stdout.
func adminRun(t *testing.T, api *storetest.API, token string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := func(k string) string {
		return map[string]string{"ALLIANCE_API": api.URL, "ALLIANCE_TOKEN": token}[k]
	}
	err := adminMain(t.Context(), args, &out, &errOut, env)
	return out.String(), err
}

func mustRun(t *testing.T, api *storetest.API, token string, args ...string) string {
	t.Helper()
	out, err := adminRun(t, api, token, args...)
	if err != nil {
		t.Fatalf("alliance admin %s: %v", strings.Join(args, " "), err)
	}
	return out
}

func TestAdminCommands(t *testing.T) {
	s, err := localstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	api := storetest.NewAPI(t, s)
	clerk, chair, sup := api.Token("clerk-1", "secretariat"), api.Token("chair-1", "chair"), api.Token("auditor", "supervisor")
	// An earlier application of the same company, rejected: `show` and `member` list it.
	var earlier, sub struct{ Number string }
	body := storetest.SampleSubmission("深圳命令行示例有限公司")
	api.Expect(http.StatusCreated, "POST", "/api/applications", "", body, &earlier)
	mustRun(t, api, clerk, "reject", earlier.Number, "--note", "材料不全")
	api.Expect(http.StatusCreated, "POST", "/api/applications", "", body, &sub)
	n := sub.Number

	if out := mustRun(t, api, sup, "applications", "--status", "submitted"); !strings.Contains(out, n) || !strings.Contains(out, "深圳命令行示例有限公司") {
		t.Fatalf("applications: got %q, want %s listed", out, n)
	}
	if _, err := adminRun(t, api, clerk, "reject", n); err == nil || !strings.Contains(err.Error(), "请填写不予通过的理由") {
		t.Errorf("reject without a reason: got %v, want the API's message", err)
	}
	if _, err := adminRun(t, api, sup, "review", n); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("review as supervisor: got %v, want 403", err)
	}
	mustRun(t, api, clerk, "review", n, "--note", "材料齐全")
	if _, err := adminRun(t, api, clerk, "review", n, "--version", "1"); err == nil || !strings.Contains(err.Error(), "409") {
		t.Errorf("review at a stale version: got %v, want 409", err)
	}
	mustRun(t, api, chair, "approve", n)
	mustRun(t, api, clerk, "file", n, "--date", "2026-03-05", "--reference", "中促备〔2026〕12号")
	out := mustRun(t, api, clerk, "certify", n)
	year := time.Now().In(membership.China).Year()
	cert := membership.FormatCertificate(year, 1)
	if !strings.Contains(out, cert) {
		t.Fatalf("certify: got %q, want certificate %s", out, cert)
	}
	if out := mustRun(t, api, sup, "show", n); !strings.Contains(out, "中促备〔2026〕12号") || strings.Count(out, "clerk-1") < 3 {
		t.Errorf("show: got %q, want the filing and the history", out)
	}
	same := regexp.MustCompile(`same credit code +application ` + earlier.Number + ` +未通过 \(rejected\)`)
	if out := mustRun(t, api, sup, "show", n); !same.MatchString(out) {
		t.Errorf("show: got %q, want the earlier application of the company listed (%s)", out, same)
	}
	if out := mustRun(t, api, sup, "member", cert); !same.MatchString(out) {
		t.Errorf("member: got %q, want the earlier application of the company listed (%s)", out, same)
	}
	if out := mustRun(t, api, sup, "members", "--json"); !json.Valid([]byte(out)) || !strings.Contains(out, cert) {
		t.Errorf("members --json: got %q, want JSON listing %s", out, cert)
	}
	if out := mustRun(t, api, clerk, "attend", "--event", "2026-assembly", "--kind", "general_assembly", "--date", "2026-06-18", cert); !strings.Contains(out, "recorded  1") {
		t.Errorf("attend: got %q, want 1 recorded", out)
	}
	if out := mustRun(t, api, sup, "attendance", "--member", cert); !strings.Contains(out, "2026-assembly") {
		t.Errorf("attendance: got %q, want the record", out)
	}
	if _, err := adminRun(t, api, clerk, "attend", "--event", "2026-assembly", "--void", cert); err == nil || !strings.Contains(err.Error(), "作废原因") {
		t.Errorf("attend --void without a note: got %v, want the API's message", err)
	}
	if out := mustRun(t, api, clerk, "attend", "--event", "2026-assembly", "--void", "--note", "误录", cert); !strings.Contains(out, "voided  1") {
		t.Errorf("attend --void: got %q, want 1 voided", out)
	}
	if out := mustRun(t, api, clerk, "attend", "--event", "2026-assembly", "--kind", "general_assembly", "--date", "2026-06-18", cert); !strings.Contains(out, "recorded  1") {
		t.Errorf("attend again after the void: got %q, want 1 recorded", out)
	}
	if out := mustRun(t, api, sup, "attendance", "--member", cert); strings.Count(out, "2026-assembly") != 2 || !strings.Contains(out, "作废：误录") {
		t.Errorf("attendance: got %q, want the voided record and the new one", out)
	}
	if out := mustRun(t, api, sup, "lapse-report", "--date", "2026-12-31"); !strings.Contains(out, "1 active members, 0 at risk, 0 lapsed") {
		t.Errorf("lapse-report: got %q", out)
	}
	next, y := strconv.Itoa(year+1), strconv.Itoa(year)
	if out := mustRun(t, api, clerk, "set-fees", next, "--enterprise", "15000.5", "--group", "15000", "--note", "会员大会决议"); !strings.Contains(out, "enterprise 15000.50") {
		t.Errorf("set-fees: got %q, want enterprise 15000.50", out)
	}
	if out := mustRun(t, api, sup, "fees", next); !strings.Contains(out, "version 1") {
		t.Errorf("fees: got %q, want version 1", out)
	}
	if _, err := adminRun(t, api, clerk, "set-fees", next, "--enterprise", "1", "--group", "1", "--note", "x", "--version", "0"); err == nil || !strings.Contains(err.Error(), "409") {
		t.Errorf("set-fees at a stale version: got %v, want 409", err)
	}
	if _, err := adminRun(t, api, clerk, "pay", "--member", cert, "--year", y, "--amount", "10000", "--paid-on", "2026-03-10", "--receipt", "SK-1"); err == nil || !strings.Contains(err.Error(), "note") {
		t.Errorf("pay a different amount without a note: got %v, want a note error", err)
	}
	mustRun(t, api, clerk, "pay", "--member", cert, "--year", y, "--amount", "20000", "--paid-on", "2026-03-10", "--receipt", "SK-1")
	mustRun(t, api, clerk, "pay", "--member", cert, "--year", y, "--amount", "20000", "--paid-on", "2026-03-11", "--receipt", "SK-1",
		"--corrects", cert+"/"+y+"/1", "--note", "缴费日期录入错误")
	if out := mustRun(t, api, sup, "payments", "--year", y, "--member", cert); strings.Count(out, "SK-1") != 2 || !strings.Contains(out, cert+"/"+y+"/2") {
		t.Errorf("payments: got %q, want the entry and its correction", out)
	}
	csvPath := filepath.Join(t.TempDir(), "dues.csv")
	mustRun(t, api, chair, "dues", y, "--csv", csvPath)
	b, err := os.ReadFile(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("\uFEFF")) || !bytes.Contains(b, []byte(cert+",深圳命令行示例有限公司,企业会员,在册,已缴,20000.00,20000.00")) {
		t.Errorf("dues CSV: got %q, want BOM and the paid line", b)
	}
	if out := mustRun(t, api, sup, "dues", y); !strings.Contains(out, "paid 1, unpaid 0") {
		t.Errorf("dues: got %q", out)
	}
	today := membership.Today(time.Now())
	if _, err := adminRun(t, api, clerk, "showcase", cert, "--consent", "--withdraw"); err == nil || !strings.Contains(err.Error(), "exactly one") {
		t.Errorf("showcase --consent --withdraw: got %v, want a usage error", err)
	}
	if out := mustRun(t, api, clerk, "showcase", cert, "--consent", "--requested-by", "联系人李四来函", "--requested-on", today); !strings.Contains(out, "consents to 会员风采 (shown)") ||
		!strings.Contains(out, "showcase-consent") || !strings.Contains(out, "联系人李四来函") {
		t.Errorf("showcase --consent: got %q, want the consent and its history entry", out)
	}
	if _, err := adminRun(t, api, clerk, "showcase", cert, "--consent", "--requested-by", "来函", "--requested-on", today); err == nil || !strings.Contains(err.Error(), "409") {
		t.Errorf("showcase --consent again: got %v, want 409", err)
	}
	if out := mustRun(t, api, sup, "certificate", cert); strings.TrimSpace(out) != api.URL+"/api/admin/members/"+cert+"/certificate" {
		t.Errorf("certificate: got %q, want the page's address", out)
	}
	page := filepath.Join(t.TempDir(), cert+".html")
	mustRun(t, api, sup, "certificate", cert, "--out", page)
	if b, err := os.ReadFile(page); err != nil || !bytes.Contains(b, []byte("会员证书")) || !bytes.Contains(b, []byte("/verify/?n="+cert)) {
		t.Errorf("certificate --out: %v, want the page with the verification's address", err)
	}
	mustRun(t, api, clerk, "expel", cert, "--reason", "严重违反章程")
	named, err := api.Issuer.Mint("u-7f3a", "刘理事长", []string{"chair"}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if out := mustRun(t, api, named, "decide-expulsion", cert, "--approve"); !strings.Contains(out, "expelled") {
		t.Errorf("decide-expulsion: got %q, want expelled", out)
	}
	if out := mustRun(t, api, sup, "member", cert); !strings.Contains(out, "刘理事长 u-7f3a (chair)") {
		t.Errorf("member: got %q, want the decision by 刘理事长 u-7f3a (chair) in the history", out)
	}
}

func TestAdminCommandErrors(t *testing.T) {
	api := &storetest.API{URL: "http://127.0.0.1:9"}
	tests := []struct {
		name  string
		token string
		args  []string
		want  string
	}{
		{"no command", "t", nil, "no command"},
		{"unknown command", "t", []string{"frobnicate"}, "unknown command"},
		{"no token", "", []string{"applications"}, "no token"},
		{"missing argument", "t", []string{"show"}, "want 1"},
		{"bad amount", "t", []string{"pay", "--amount", "1.234"}, "not an amount"},
		{"both decisions", "t", []string{"decide-expulsion", "LM-1", "--approve", "--refuse"}, "exactly one"},
		{"dev-token without role", "", []string{"dev-token"}, "--role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := adminRun(t, api, tt.token, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestParseYuan(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"20000", 2_000_000, true}, {"20000.5", 2_000_050, true}, {"0.05", 5, true}, {"0", 0, true},
		{"-1", 0, false}, {"1.234", 0, false}, {"1.", 0, false}, {"", 0, false}, {"1e3", 0, false}, {"２０", 0, false},
	}
	for _, tt := range tests {
		got, err := parseYuan(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseYuan(%q): got %d, %v; want %d, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// TestDevToken checks that a token minted by `alliance admin dev-token` is
// accepted by the secretariat API that `alliance serve` mounts (trusting its
// development OpenID provider), that the provider publishes the key, and
// that another data folder's key or another issuer is refused.
func TestDevToken(t *testing.T) {
	dir := t.TempDir()
	s, err := localstore.Open(filepath.Join(dir, "store"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	mux := http.NewServeMux()
	issuer, err := mountAdmin(t.Context(), mux, adminMount{DataDir: dir, IssuerAddr: "127.0.0.1:0", Origin: "http://127.0.0.1:1313",
		Office: backoffice.New(backoffice.Config{Store: s}), Sessions: s, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(issuer, "http://127.0.0.1:") {
		t.Fatalf("issuer %s, want one on 127.0.0.1", issuer)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	mint := func(dataDir string, args ...string) string {
		var out bytes.Buffer
		if err := runDevToken(append([]string{"--data-dir", dataDir}, args...), &out); err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(out.String())
	}
	whoami := func(token string) (int, string) {
		req, _ := http.NewRequest("GET", srv.URL+"/api/admin/me", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, body := whoami(mint(dir, "--role", "chair", "--issuer", issuer)); code != 200 || !strings.Contains(body, `"dev-chair"`) {
		t.Errorf("dev token: got %d %s, want 200 for dev-chair", code, body)
	}
	if code, _ := whoami(mint(t.TempDir(), "--role", "chair", "--issuer", issuer)); code != 401 {
		t.Errorf("token of another data folder: got %d, want 401", code)
	}
	if code, _ := whoami(mint(dir, "--role", "chair", "--issuer", "http://127.0.0.1:1")); code != 401 {
		t.Errorf("token of another issuer: got %d, want 401", code)
	}
	v, err := auth.New(t.Context(), auth.Config{Issuer: issuer, Audience: auth.DevAudience, JWKSURL: issuer + "/keys",
		AllowLoopbackHTTP: true}) // serve's provider is http:// on 127.0.0.1; auth wants https:// otherwise
	if err != nil {
		t.Fatalf("the provider's key set: %v", err)
	}
	if _, err := v.Verify(mint(dir, "--role", "supervisor", "--issuer", issuer)); err != nil {
		t.Errorf("token against the provider's key set: got %v, want valid", err)
	}
	if fi, err := os.Stat(filepath.Join(dir, devKeyFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file: got %v %v, want mode 0600", fi, err)
	}
}

// TestServeAdminWithDevToken runs `alliance serve`, mints a development token
// for its data folder and issuer and works through `alliance admin` against it.
func TestServeAdminWithDevToken(t *testing.T) {
	dataDir := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuerAddr := l.Addr().String()
	l.Close()
	base := startServe(t, "--data-dir", dataDir, "--issuer-addr", issuerAddr)
	if code, _ := post(t, base, "serve-admin-1"); code != http.StatusCreated {
		t.Fatalf("submission: got %d, want 201", code)
	}
	var tok bytes.Buffer
	if err := adminMain(t.Context(), []string{"dev-token", "--role", "secretariat", "--data-dir", dataDir, "--issuer", "http://" + issuerAddr}, &tok, io.Discard, os.Getenv); err != nil {
		t.Fatal(err)
	}
	env := func(k string) string {
		return map[string]string{"ALLIANCE_API": base, "ALLIANCE_TOKEN": strings.TrimSpace(tok.String())}[k]
	}
	var out bytes.Buffer
	if err := adminMain(t.Context(), []string{"applications", "--status", "submitted"}, &out, io.Discard, env); err != nil {
		t.Fatalf("alliance admin applications: %v", err)
	}
	if !strings.Contains(out.String(), "submitted") || !strings.Contains(out.String(), "SQ") {
		t.Errorf("applications: got %q, want the submitted application", out.String())
	}
	res, err := http.Get("http://" + issuerAddr + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Issuer string `json:"issuer"`
		Keys   string `json:"jwks_uri"`
	}
	json.NewDecoder(res.Body).Decode(&doc)
	res.Body.Close()
	if doc.Issuer != "http://"+issuerAddr || doc.Keys == "" {
		t.Errorf("the development provider's discovery document: got %+v, want issuer http://%s with a key set", doc, issuerAddr)
	}
}

func TestTableAlignsWideCharacters(t *testing.T) {
	var out bytes.Buffer
	tb := &table{out: &out}
	io.WriteString(tb, "CERT\tNAME\tSTATE\n")
	io.WriteString(tb, "LM-2026-0001\t杭州示例有限公司\tpaid\n")
	io.WriteString(tb, "LM-2026-0002\tABC Ltd\tunpaid\n")
	if err := tb.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "CERT          NAME              STATE\n" +
		"LM-2026-0001  杭州示例有限公司  paid\n" +
		"LM-2026-0002  ABC Ltd           unpaid\n"
	if got := out.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestAdminPrivacyCommands: `show` says 材料不全 for an enterprise
// application without documents; `erase` erases the application's personal
// data on request (the secretariat only, with its basis) and `show` then
// says so, without the data.
func TestAdminPrivacyCommands(t *testing.T) {
	s, err := localstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	api := storetest.NewAPI(t, s)
	clerk, sup := api.Token("clerk-1", "secretariat"), api.Token("auditor", "supervisor")
	var sub struct{ Number string }
	api.Expect(http.StatusCreated, "POST", "/api/applications", "", storetest.SampleSubmission("删除命令示例有限公司"), &sub)
	if out := mustRun(t, api, clerk, "show", sub.Number); !strings.Contains(out, "材料不全") || !strings.Contains(out, "13800138000") {
		t.Errorf("show: %q, want the 材料不全 notice and the contact", out)
	}
	if _, err := adminRun(t, api, sup, "erase", "--application", sub.Number, "--note", "本人来函"); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("erase as supervisor: %v, want 403", err)
	}
	if _, err := adminRun(t, api, clerk, "erase", "--application", sub.Number); err == nil || !strings.Contains(err.Error(), "申请依据") {
		t.Errorf("erase without a note: %v, want the API's message on the basis", err)
	}
	if out := mustRun(t, api, clerk, "erase", "--application", sub.Number, "--note", "本人书面申请，2027-03-02 来函"); !strings.Contains(out, "应本人要求") {
		t.Errorf("erase: %q", out)
	}
	out := mustRun(t, api, clerk, "show", sub.Number)
	if strings.Contains(out, "13800138000") || strings.Contains(out, "lisi@example.com") || !strings.Contains(out, "本人书面申请，2027-03-02 来函") || !strings.Contains(out, "clerk-1") {
		t.Errorf("show after erasure: %q, want no contact, the basis and who erased", out)
	}
}
