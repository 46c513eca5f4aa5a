package storetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smelisting/alliance/functions/auth"
	"github.com/smelisting/alliance/functions/backoffice"
	"github.com/smelisting/alliance/functions/httpapi"
	"github.com/smelisting/alliance/functions/membership"
)

// API is the public and the secretariat handlers over one store, served on
// 127.0.0.1, with a local token issuer the secretariat handler trusts.
type API struct {
	URL    string
	Issuer *auth.LocalIssuer
	t      *testing.T
}

// NewAPI serves both handlers over s until the test ends, each request passing
// through the middleware in wrap (outermost first), if any. Its time limit is
// TestTimeout: tests of other things than the limit must hold on a loaded machine.
func NewAPI(t *testing.T, s AdminStore, wrap ...func(http.Handler) http.Handler) *API {
	t.Helper()
	return NewAPIWithTimeout(t, s, TestTimeout, wrap...)
}

// TestTimeout is the time limit of each request in the handlers the suites
// build, except where they test the limit: far above what a store takes on a
// loaded machine (DynamoDB Local's first transactions can take seconds).
const TestTimeout = 30 * time.Second

// TestSiteURL is the site's address of the handlers NewAPI serves (the QR code of a
// printed certificate).
const TestSiteURL = "https://www.smelisting.example"

// NewAPIWithTimeout is NewAPI with the handlers' time limit for each request
// (httpapi.Deadline; 0: the default).
func NewAPIWithTimeout(t *testing.T, s AdminStore, timeout time.Duration, wrap ...func(http.Handler) http.Handler) *API {
	t.Helper()
	li, err := auth.NewLocalIssuer(auth.DevIssuer, auth.DevAudience)
	if err != nil {
		t.Fatal(err)
	}
	v, err := li.Verifier()
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelError}))
	mux := http.NewServeMux()
	cfg := backoffice.Config{Store: s, Log: log}
	pc := httpapi.PublicConfig{Store: s, Log: log, Timeout: timeout}
	if es, ok := s.(EventStore); ok { // with the sample events of SampleCatalog
		cat := fixedCatalog{SampleCatalog()}
		cfg.Events, cfg.Catalog = es, cat
		pc.Registrations, pc.Events = es, cat
	}
	if m, ok := s.(backoffice.MailStore); ok {
		cfg.Mail = m
	}
	office := backoffice.New(cfg)
	mux.Handle("/api/admin/", httpapi.NewAdmin(httpapi.AdminConfig{Office: office, Verifier: v, Log: log, Timeout: timeout, SiteURL: TestSiteURL}))
	mux.Handle("/api/", httpapi.NewPublic(pc))
	var h http.Handler = mux
	for _, w := range slices.Backward(wrap) {
		h = w(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &API{URL: srv.URL, Issuer: li, t: t}
}

// Token returns a token for the subject with the roles.
func (a *API) Token(subject string, roles ...string) string {
	a.t.Helper()
	tok, err := a.Issuer.Mint(subject, subject, roles, 5*time.Minute)
	if err != nil {
		a.t.Fatal(err)
	}
	return tok
}

// Do sends a request with a JSON body (nil for none) and the token (""
// for none), and returns the status and the body.
func (a *API) Do(method, path, token string, body any) (int, []byte) {
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
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	return res.StatusCode, b
}

// Expect sends the request, fails unless the status is want, and decodes
// the JSON answer into out (when not nil).
func (a *API) Expect(want int, method, path, token string, body, out any) []byte {
	a.t.Helper()
	got, b := a.Do(method, path, token, body)
	if got != want {
		a.t.Fatalf("%s %s: got %d %s, want %d", method, path, got, b, want)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			a.t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
	return b
}

// SampleSubmission is the JSON body of a valid application of an enterprise of
// its own (a credit code no other sample has).
func SampleSubmission(name string) map[string]any {
	return map[string]any{
		"type": "enterprise", "org_name": name, "credit_code": NewCreditCode(),
		"representative": "张三", "representative_kind": "legal", "contact": "李四", "phone": "13800138000",
		"email": "lisi@example.com", "region": "北京市", "industry": "软件", "specialised": "provincial",
		"listing_plan": map[string]any{"board": "star", "year": 2028}, "services": []string{"ipo"},
		"introduction": "专注工业软件。", "commitment_accepted": true, "privacy_accepted": true, "privacy_version": "2026-11-01",
	}
}

// FullPath drives one application from the public form to an issued
// certificate and a paid year, through the HTTP API only (and the middleware
// in wrap, as NewAPI).
func FullPath(t *testing.T, s AdminStore, wrap ...func(http.Handler) http.Handler) {
	api := NewAPI(t, s, wrap...)
	clerk, clerk2 := api.Token("clerk-1", "secretariat"), api.Token("clerk-2", "secretariat")
	chair, sup := api.Token("chair-1", "chair"), api.Token("auditor-1", "supervisor")

	var sub struct{ Number, StatusToken string }
	api.Expect(http.StatusCreated, "POST", "/api/applications", "", SampleSubmission("北京全程示例科技有限公司"), &struct {
		Number      *string `json:"number"`
		StatusToken *string `json:"status_token"`
	}{&sub.Number, &sub.StatusToken})

	var list struct{ Applications []membership.Application }
	api.Expect(http.StatusOK, "GET", "/api/admin/applications?status=submitted", sup, nil, &list)
	if len(list.Applications) != 1 || list.Applications[0].Number != sub.Number || list.Applications[0].Version != 1 {
		t.Fatalf("submitted list: got %+v, want %s at version 1", list.Applications, sub.Number)
	}
	base := "/api/admin/applications/" + sub.Number
	var app membership.Application
	api.Expect(http.StatusForbidden, "POST", base+"/review", sup, map[string]any{"version": 1}, nil)
	api.Expect(http.StatusForbidden, "POST", base+"/review", chair, map[string]any{"version": 1}, nil)
	api.Expect(http.StatusOK, "POST", base+"/review", clerk, map[string]any{"version": 1, "note": "材料齐全"}, &app)
	api.Expect(http.StatusConflict, "POST", base+"/review", clerk2, map[string]any{"version": 1}, nil)
	api.Expect(http.StatusConflict, "POST", base+"/file", clerk2, map[string]any{"version": 2, "filing": map[string]string{"date": "2026-03-01", "reference": "R"}}, nil)
	reviewerAsChair := api.Token("clerk-1", "secretariat", "chair")
	api.Expect(http.StatusForbidden, "POST", base+"/approve", reviewerAsChair, map[string]any{"version": app.Version}, nil)
	api.Expect(http.StatusOK, "POST", base+"/approve", chair, map[string]any{"version": app.Version, "note": "理事长办公会 2026 年第 3 次会议"}, &app)
	api.Expect(http.StatusBadRequest, "POST", base+"/file", clerk, map[string]any{"version": app.Version}, nil)
	api.Expect(http.StatusOK, "POST", base+"/file", clerk, map[string]any{"version": app.Version,
		"filing": map[string]string{"date": "2026-03-05", "reference": "中促备〔2026〕12 号"}}, &app)
	var issued struct {
		Application membership.Application
		Member      membership.Member
	}
	api.Expect(http.StatusCreated, "POST", base+"/certify", clerk, map[string]any{"version": app.Version}, &issued)
	cert := issued.Member.Certificate
	if issued.Application.Status != membership.StatusCertified || issued.Application.CertificateNumber != cert ||
		!strings.HasPrefix(cert, "LM-") || len(issued.Application.History) != 5 {
		t.Fatalf("certified: got %s %s with %d events, member %s; want certified, 5 events, a LM- certificate",
			issued.Application.Status, issued.Application.CertificateNumber, len(issued.Application.History), cert)
	}
	api.Expect(http.StatusConflict, "POST", base+"/certify", clerk, map[string]any{"version": issued.Application.Version}, nil)

	// The applicant sees the whole path with the status token.
	req, _ := http.NewRequest("GET", api.URL+"/api/applications/"+sub.Number, nil)
	req.Header.Set(httpapi.StatusTokenHeader, sub.StatusToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var status struct{ Status string }
	json.NewDecoder(res.Body).Decode(&status)
	res.Body.Close()
	if status.Status != "certified" {
		t.Errorf("applicant's view: got %q, want certified", status.Status)
	}

	var m membership.Member
	api.Expect(http.StatusOK, "GET", "/api/admin/members/"+cert, sup, nil, &m)
	if m.Profile.Name != "北京全程示例科技有限公司" || m.Application != sub.Number || m.Status != membership.MemberActive {
		t.Fatalf("member: got %+v, want the applicant's profile, active", m)
	}
	year := time.Now().In(membership.China).Year()
	pay := map[string]any{"member": cert, "year": year, "amount": membership.DefaultAnnualFee, "paid_on": membership.Today(time.Now()), "receipt": "SK-" + cert}
	api.Expect(http.StatusForbidden, "POST", "/api/admin/payments", chair, pay, nil)
	var p membership.Payment
	api.Expect(http.StatusCreated, "POST", "/api/admin/payments", clerk, pay, &p)
	api.Expect(http.StatusConflict, "POST", "/api/admin/payments", clerk2, pay, nil)
	fix := map[string]any{"member": cert, "year": year, "amount": membership.DefaultAnnualFee, "paid_on": pay["paid_on"],
		"receipt": "SK2-" + cert, "note": "凭证号录入错误", "corrects": p.ID}
	api.Expect(http.StatusCreated, "POST", "/api/admin/payments", clerk2, fix, &p)
	var ledger struct{ Payments []membership.Payment }
	api.Expect(http.StatusOK, "GET", fmt.Sprintf("/api/admin/payments?year=%d&member=%s", year, cert), sup, nil, &ledger)
	if len(ledger.Payments) != 2 || ledger.Payments[1].Corrects != ledger.Payments[0].ID || ledger.Payments[1].ID != p.ID {
		t.Fatalf("ledger: got %+v, want the entry and its correction", ledger.Payments)
	}

	var rep membership.DuesReport
	api.Expect(http.StatusOK, "GET", fmt.Sprintf("/api/admin/dues/%d", year), sup, nil, &rep)
	if len(rep.Lines) != 1 || rep.Lines[0].State != membership.DuesPaid || rep.Totals.Settled != membership.DefaultAnnualFee || rep.Lines[0].Payment != p.ID {
		t.Fatalf("dues report: got %+v, want one paid line of 2,000,000 fen", rep)
	}
	csv := api.Expect(http.StatusOK, "GET", fmt.Sprintf("/api/admin/dues/%d/csv", year), chair, nil, nil)
	if !bytes.HasPrefix(csv, []byte("\uFEFF证书编号")) || !bytes.Contains(csv, []byte(cert+",北京全程示例科技有限公司")) {
		t.Errorf("dues CSV: got %q, want a BOM, the header and the member's line", csv)
	}
}

// ConcurrentHTTP is the concurrency contract seen from the API: 50 pairs of
// clerks acting on the same application at the same version get one 200 and
// one 409 each; 100 attempts from 10 goroutines to record the same member's
// year (each with its own receipt) get exactly one 201.
func ConcurrentHTTP(t *testing.T, s AdminStore) {
	api := NewAPI(t, s)
	clerk1, clerk2 := api.Token("clerk-1", "secretariat"), api.Token("clerk-2", "secretariat")
	const pairs = 50
	numbers := created(t, s, pairs)
	codes := make([][2]int, pairs)
	var wg sync.WaitGroup
	for i, n := range numbers {
		wg.Add(2)
		go func() {
			defer wg.Done()
			codes[i][0], _ = api.Do("POST", "/api/admin/applications/"+n+"/review", clerk1, map[string]any{"version": 1})
		}()
		go func() {
			defer wg.Done()
			codes[i][1], _ = api.Do("POST", "/api/admin/applications/"+n+"/reject", clerk2, map[string]any{"version": 1, "note": "材料不全"})
		}()
	}
	wg.Wait()
	for i, c := range codes {
		if !(c == [2]int{200, 409} || c == [2]int{409, 200}) {
			t.Errorf("pair %d: got review %d, reject %d; want one 200 and one 409", i, c[0], c[1])
		}
	}

	m := Member(t, s, "")
	year := time.Now().In(membership.China).Year()
	var mu sync.Mutex
	status := map[int]int{}
	for w := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < 100; i += 10 {
				code, _ := api.Do("POST", "/api/admin/payments", clerk1, map[string]any{"member": m.Certificate, "year": year,
					"amount": membership.DefaultAnnualFee, "paid_on": membership.Today(time.Now()), "receipt": fmt.Sprintf("SK-H%03d", i)})
				mu.Lock()
				status[code]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if status[201] != 1 || status[409] != 99 {
		t.Errorf("100 payments of one member-year: got statuses %v, want one 201 and 99 409", status)
	}
}
