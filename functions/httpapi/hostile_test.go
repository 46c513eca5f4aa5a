package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/smelisting/alliance/functions/httpapi"
	"github.com/smelisting/alliance/functions/localstore"
	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/storetest"
)

// The hostile input of issue 11, on every path that takes a body: control and
// invisible characters, text that is not UTF-8, and money that wraps.

// issueStrings are the three values that were stored as typed.
var issueStrings = []string{"北京\u0000公司", "\u202e司公京北", "李四\u001b[2J\u001b[31m"}

// invisible has one character of every class the API refuses in a text field.
var invisible = []struct{ name, char string }{
	{"NUL", "\u0000"}, {"escape", "\u001b"}, {"bell", "\u0007"}, {"DEL", "\u007f"},
	{"C1 NEL", "\u0085"}, {"C1 CSI", "\u009b"},
	{"LRE", "\u202a"}, {"RLE", "\u202b"}, {"PDF", "\u202c"}, {"LRO", "\u202d"}, {"RLO", "\u202e"},
	{"LRI", "\u2066"}, {"RLI", "\u2067"}, {"FSI", "\u2068"}, {"PDI", "\u2069"},
	{"zero-width space", "\u200b"}, {"zero-width non-joiner", "\u200c"}, {"zero-width joiner", "\u200d"},
	{"left-to-right mark", "\u200e"}, {"word joiner", "\u2060"}, {"byte order mark", "\ufeff"},
	{"soft hyphen", "\u00ad"}, {"tag", "\U000E0041"}, {"line separator", "\u2028"},
	{"paragraph separator", "\u2029"}, {"replacement character", "\ufffd"},
}

// jsonWith returns validJSON with the value of the JSON field key set to v, as
// another organisation's (a credit code of its own).
func jsonWith(t *testing.T, key, v string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(otherOrg(validJSON)), &m); err != nil {
		t.Fatal(err)
	}
	m[key] = v
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSubmitRefusesInvisibleCharacters: each class of character, in each text
// field of a submission, is a 400 naming the field in Chinese, on the JSON path
// and on the form without JavaScript; nothing is stored.
func TestSubmitRefusesInvisibleCharacters(t *testing.T) {
	e := newEnv(t)
	fields := []struct{ key, label string }{
		{"org_name", "单位名称"}, {"representative", "代表人姓名"}, {"contact", "联系人"},
		{"industry", "所属行业"}, {"introduction", "单位简介"},
	}
	var cases []struct{ name, value string }
	for _, s := range issueStrings {
		cases = append(cases, struct{ name, value string }{fmt.Sprintf("%q", s), s})
	}
	for _, c := range invisible {
		cases = append(cases, struct{ name, value string }{c.name, "北京" + c.char + "公司"})
	}
	for _, f := range fields {
		for _, c := range cases {
			rec := e.do("POST", "/api/applications", "application/json", jsonWith(t, f.key, c.value))
			got := decode[apiError](t, rec).Error.Fields[f.key]
			if rec.Code != http.StatusBadRequest || !strings.HasPrefix(got, f.label) || !strings.Contains(got, "无法显示的特殊字符") {
				t.Errorf("JSON %s with %s: got %d %s, want 400 naming %s", f.key, c.name, rec.Code, rec.Body, f.label)
			}
			form := validForm()
			form.Set("credit_code", "91110000600037341L")
			form.Set(f.key, c.value)
			page := e.do("POST", "/api/join", "application/x-www-form-urlencoded", form.Encode())
			if page.Code != http.StatusBadRequest || !strings.Contains(page.Body.String(), f.label+"中有无法显示的特殊字符") {
				t.Errorf("form %s with %s: got %d, want 400 naming %s:\n%s", f.key, c.name, page.Code, f.label, page.Body)
			}
		}
	}
	// The homepage: clean text first, then an http(s) address.
	for value, want := range map[string]string{"https://www.exa\u200bmple.cn": "无法显示的特殊字符", "javascript:alert(1)": "http://"} {
		rec := e.do("POST", "/api/applications", "application/json", jsonWith(t, "homepage", value))
		if got := decode[apiError](t, rec).Error.Fields["homepage"]; rec.Code != http.StatusBadRequest || !strings.HasPrefix(got, "单位网站") || !strings.Contains(got, want) {
			t.Errorf("homepage %q: got %d %q, want 400 saying %q", value, rec.Code, got, want)
		}
	}
	// A line feed and a tab are text in the introduction, not in a name.
	if rec := e.do("POST", "/api/applications", "application/json", jsonWith(t, "introduction", "第一段\r\n\t第二段")); rec.Code != http.StatusCreated {
		t.Errorf("introduction with a line feed and a tab: got %d %s, want 201", rec.Code, rec.Body)
	}
	if rec := e.do("POST", "/api/applications", "application/json", jsonWith(t, "contact", "李\t四")); rec.Code != http.StatusBadRequest {
		t.Errorf("contact with a tab: got %d %s, want 400", rec.Code, rec.Body)
	}
	apps, err := stored(t, e.store)
	if err != nil || len(apps) != 1 {
		t.Errorf("stored: %d applications, %v; want only the one with a clean introduction", len(apps), err)
	}
}

// TestSubmitRefusesOtherEncodings: a charset other than UTF-8 is a 415, bytes
// that are not UTF-8 — raw in JSON, percent-encoded or raw in the form — a 400,
// on every public route that takes a body.
func TestSubmitRefusesOtherEncodings(t *testing.T) {
	e := newEnv(t)
	gbk := "\xb1\xb1\xbe\xa9" // 北京 in GBK
	invalidJSON := strings.Replace(otherOrg(validJSON), "北京示例", "北京\xff\xfe\xc3示例", 1)
	tests := []struct {
		name, target, ctype, body string
		want                      int
		says                      string
	}{
		{"JSON labelled gbk", "/api/applications", "application/json; charset=gbk", strings.Replace(validJSON, "北京", gbk, 1), 415, "UTF-8"},
		{"JSON labelled GB2312", "/api/applications", "application/json; charset=GB2312", validJSON, 415, "UTF-8"},
		{"JSON with bytes that are not UTF-8", "/api/applications", "application/json", invalidJSON, 400, "UTF-8"},
		{"JSON in GBK labelled UTF-8", "/api/applications", "application/json; charset=utf-8", strings.Replace(validJSON, "北京", gbk, 1), 400, "UTF-8"},
		{"form labelled gbk", "/api/join", "application/x-www-form-urlencoded; charset=gbk", validForm().Encode(), 415, "UTF-8"},
		{"form with %FF%FE", "/api/join", "application/x-www-form-urlencoded", validForm().Encode() + "&org_name=%FF%FE", 400, "单位名称中有无法识别的字符"},
		{"form with raw bytes", "/api/join", "application/x-www-form-urlencoded", "type=enterprise&org_name=\xff\xfe", 400, "UTF-8"},
		{"withdrawal labelled gbk", "/api/applications/SQ2026-000001/withdraw", "application/json; charset=gbk", `{"note":"x"}`, 415, "UTF-8"},
		{"withdrawal not UTF-8", "/api/applications/SQ2026-000001/withdraw", "application/json", "{\"note\":\"\xff\xfe\"}", 400, "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := e.do("POST", tt.target, tt.ctype, tt.body, "X-Status-Token", "some-token")
			if rec.Code != tt.want || !strings.Contains(rec.Body.String(), tt.says) {
				t.Errorf("got %d %s, want %d saying %s", rec.Code, rec.Body, tt.want, tt.says)
			}
		})
	}
	// The form's values with %FF%FE: org_name is the one named; the page shows
	// only text (no U+FFFD, no raw bytes) in the kept values.
	form := validForm()
	form.Set("org_name", "北京\xff\xfe公司")
	page := e.do("POST", "/api/join", "application/x-www-form-urlencoded", form.Encode()).Body.String()
	if !strings.Contains(page, `value="北京公司"`) || strings.ContainsRune(page, '\ufffd') {
		t.Errorf("form page for %%FF%%FE: want the value kept as 北京公司, without U+FFFD")
	}
	if apps, _ := stored(t, e.store); len(apps) != 0 {
		t.Errorf("stored: %d applications, want none", len(apps))
	}
}

// TestAdminWritesRefuseHostileText: every text field of every secretariat
// write (notes, reasons, references, receipts, titles, event ids, member
// lists, dates) refuses control and invisible characters with a 400 naming
// the field, before anything is read or written; a charset other than UTF-8
// is a 415 and bytes that are not UTF-8 a 400, on every POST route.
func TestAdminWritesRefuseHostileText(t *testing.T) {
	api := adminAPI(t)
	clerk := api.Token("clerk-1", "secretariat", "chair")
	const bad = "\u202e意同"
	filing := map[string]any{"date": "2026-03-01", "reference": "中促备" + bad}
	tests := []struct {
		path  string
		body  map[string]any
		field string
	}{
		{"/api/admin/applications/SQ2026-000001/review", map[string]any{"version": 1, "note": "材料齐全\u0000"}, "note"},
		{"/api/admin/applications/SQ2026-000001/approve", map[string]any{"version": 1, "note": bad}, "note"},
		{"/api/admin/applications/SQ2026-000001/reject", map[string]any{"version": 1, "note": "\u001b[2J不予通过"}, "note"},
		{"/api/admin/applications/SQ2026-000001/file", map[string]any{"version": 1, "filing": filing}, "filing.reference"},
		{"/api/admin/applications/SQ2026-000001/file", map[string]any{"version": 1, "filing": map[string]any{"date": "2026-03-01\u200b", "reference": "x"}}, "filing.date"},
		{"/api/admin/applications/SQ2026-000001/certify", map[string]any{"version": 1, "note": bad}, "note"},
		{"/api/admin/members/LM-2026-0001/exit", map[string]any{"version": 1, "requested_on": "2026-03-01", "certificate_returned": true, "note": bad}, "note"},
		{"/api/admin/members/LM-2026-0001/exit", map[string]any{"version": 1, "requested_on": "2026-03-01\u2066", "certificate_returned": true}, "requested_on"},
		{"/api/admin/members/LM-2026-0001/expulsion", map[string]any{"version": 1, "reason": bad}, "reason"},
		{"/api/admin/members/LM-2026-0001/expulsion/decision", map[string]any{"version": 1, "approve": false, "note": bad}, "note"},
		{"/api/admin/members/LM-2026-0001/lapse", map[string]any{"version": 1, "date": "2026-01-01\u0085"}, "date"},
		{"/api/admin/members/LM-2026-0001/showcase", map[string]any{"version": 1, "requested_by": "联系人" + bad, "requested_on": "2026-03-01"}, "requested_by"},
		{"/api/admin/members/LM-2026-0001/showcase", map[string]any{"version": 1, "requested_by": "来函", "requested_on": "2026-03-01\ufeff"}, "requested_on"},
		{"/api/admin/members/LM-2026-0001/showcase", map[string]any{"version": 1, "requested_by": "来函", "requested_on": "2026-03-01", "note": bad}, "note"},
		{"/api/admin/attendance", map[string]any{"event": "2026-assembly\u200d", "kind": "event", "date": "2026-01-01", "members": []string{"LM-2026-0001"}}, "event"},
		{"/api/admin/attendance", map[string]any{"event": "e", "title": "会员大会" + bad, "kind": "event", "date": "2026-01-01", "members": []string{"LM-2026-0001"}}, "title"},
		{"/api/admin/attendance", map[string]any{"event": "e", "kind": "event", "date": "2026-01-01", "members": []string{"LM-2026-0001", "LM-2026-0002\u0000"}}, "members"},
		{"/api/admin/attendance", map[string]any{"event": "e", "void": true, "note": "录错" + bad, "members": []string{"LM-2026-0001"}}, "note"},
		{"/api/admin/fees/2027", map[string]any{"version": 0, "enterprise": 1, "group": 1, "individual": 0, "note": "决议\u2028"}, "note"},
		{"/api/admin/payments", map[string]any{"member": "LM-2026-0001", "year": 2026, "amount": 1, "paid_on": "2026-03-01", "receipt": "SK-1\u0000"}, "receipt"},
		{"/api/admin/payments", map[string]any{"member": "LM-2026-0001", "year": 2026, "amount": 1, "paid_on": "2026-03-01", "receipt": "SK-1", "note": bad}, "note"},
		{"/api/admin/payments", map[string]any{"member": "LM-2026-0001\u200b", "year": 2026, "amount": 1, "paid_on": "2026-03-01", "receipt": "SK-1"}, "member"},
		{"/api/admin/payments", map[string]any{"member": "LM-2026-0001", "year": 2026, "amount": 1, "paid_on": "2026-03-01", "receipt": "SK-1", "note": "x", "corrects": "LM-2026-0001/2026/1\u202e"}, "corrects"},
	}
	for _, tt := range tests {
		t.Run(tt.path+"/"+tt.field, func(t *testing.T) {
			got, b := api.Do("POST", tt.path, clerk, tt.body)
			var e apiError
			_ = json.Unmarshal(b, &e)
			if got != http.StatusBadRequest || !strings.Contains(e.Error.Fields[tt.field], "无法显示的特殊字符") {
				t.Errorf("got %d %s, want 400 naming %s", got, b, tt.field)
			}
		})
	}
	for _, rt := range []string{"/api/admin/applications/SQ2026-000001/review", "/api/admin/members/LM-2026-0001/exit",
		"/api/admin/attendance", "/api/admin/fees/2027", "/api/admin/payments"} {
		for _, enc := range []struct {
			ctype, body string
			want        int
		}{
			{"application/json; charset=gbk", `{"version":1}`, http.StatusUnsupportedMediaType},
			{"application/json", "{\"version\":1,\"note\":\"\xff\xfe\xc3\"}", http.StatusBadRequest},
		} {
			req, _ := http.NewRequest("POST", api.URL+rt, strings.NewReader(enc.body))
			req.Header.Set("Content-Type", enc.ctype)
			req.Header.Set("Authorization", "Bearer "+clerk)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != enc.want {
				t.Errorf("POST %s as %s: got %d, want %d", rt, enc.ctype, res.StatusCode, enc.want)
			}
		}
	}
}

// TestWithdrawRefusesHostileText: the applicant's reason is text like any
// other.
func TestWithdrawRefusesHostileText(t *testing.T) {
	e := newEnv(t)
	c := decode[created](t, e.do("POST", "/api/applications", "application/json", validJSON))
	rec := e.do("POST", "/api/applications/"+c.Number+"/withdraw", "application/json", `{"note":"不想加入了\u202e"}`, "X-Status-Token", c.StatusToken)
	if rec.Code != http.StatusBadRequest || !strings.HasPrefix(decode[apiError](t, rec).Error.Fields["note"], "撤回原因") {
		t.Errorf("withdrawal with an override in the reason: got %d %s, want 400 naming 撤回原因", rec.Code, rec.Body)
	}
	if app, _ := e.store.Application(t.Context(), c.Number); app.Status != "submitted" {
		t.Errorf("after the refused withdrawal: status %s, want submitted", app.Status)
	}
}

// TestOneOrganisationOneApplication: a second application of an organisation
// with an open one is a 409 on the credit code that names no number, on the
// JSON path and on the form; after a withdrawal it may apply again.
func TestOneOrganisationOneApplication(t *testing.T) {
	e := newEnv(t)
	first := decode[created](t, e.do("POST", "/api/applications", "application/json", validJSON))
	second := strings.Replace(validJSON, "北京示例科技股份有限公司", "北京示例科技股份有限公司（新）", 1)
	rec := e.do("POST", "/api/applications", "application/json", second, "Idempotency-Key", "second-fill")
	ae := decode[apiError](t, rec)
	if rec.Code != http.StatusConflict || ae.Error.Fields["credit_code"] == "" || !strings.Contains(ae.Error.Message, "同一单位不能重复申请") {
		t.Errorf("second application of the organisation: got %d %s, want 409 on credit_code", rec.Code, rec.Body)
	}
	if strings.Contains(rec.Body.String(), first.Number) || strings.Contains(rec.Body.String(), "SQ2026") {
		t.Errorf("the refusal names the other application: %s", rec.Body)
	}
	form := validForm()
	form.Set("org_name", "北京示例科技股份有限公司（表单）")
	page := e.do("POST", "/api/join", "application/x-www-form-urlencoded", form.Encode())
	if body := page.Body.String(); page.Code != http.StatusConflict || !strings.Contains(body, "同一单位不能重复申请") ||
		!strings.Contains(body, `value="北京示例科技股份有限公司（表单）"`) || strings.Contains(body, first.Number) {
		t.Errorf("form of the same organisation: got %d, want 409 saying why, the values kept, no number:\n%s", page.Code, body)
	}
	if w := e.do("POST", "/api/applications/"+first.Number+"/withdraw", "", "", "X-Status-Token", first.StatusToken); w.Code != http.StatusOK {
		t.Fatalf("withdraw: %d %s", w.Code, w.Body)
	}
	if rec := e.do("POST", "/api/applications", "application/json", second, "Idempotency-Key", "third-fill"); rec.Code != http.StatusCreated {
		t.Errorf("applying again after the withdrawal: got %d %s, want 201", rec.Code, rec.Body)
	}
}

// stored lists the applications of the store (the first 200).
func stored(t *testing.T, s *localstore.Store) ([]membership.ApplicationSummary, error) {
	p, err := s.Applications(t.Context(), membership.ApplicationQuery{Limit: membership.MaxPageSize})
	if err != nil {
		return nil, err
	}
	return p.Applications, nil
}

// openStore opens an embedded store for the test.
func openStore(t *testing.T) *localstore.Store {
	t.Helper()
	s, err := localstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestMoneyCannotWrap: 9223372036854775807 fen is a 400 naming the field, for
// a payment and a fee schedule; two payments of the largest amount the
// register takes add up exactly in the dues report and its CSV.
func TestMoneyCannotWrap(t *testing.T) {
	s := openStore(t)
	api := storetest.NewAPI(t, s)
	clerk := api.Token("clerk-1", "secretariat")
	a, b := storetest.Member(t, s, "2026-01-05"), storetest.Member(t, s, "2026-01-05")
	pay := func(member, receipt string, amount any) (int, apiError) {
		got, body := api.Do("POST", "/api/admin/payments", clerk, map[string]any{"member": member, "year": 2026,
			"amount": amount, "paid_on": "2026-03-01", "receipt": receipt, "note": "按会员大会决议"})
		var e apiError
		_ = json.Unmarshal(body, &e)
		return got, e
	}
	for _, amount := range []any{json.Number("9223372036854775807"), json.Number("9223372036854775808"), json.Number("1000000001"), json.Number("-1")} {
		got, e := pay(a.Certificate, "SK-X", amount)
		named := e.Error.Fields["amount"] != "" || strings.Contains(e.Error.Message, "amount") // out of int64: a type error on the field
		if got != http.StatusBadRequest || !named {
			t.Errorf("payment of %s fen: got %d %+v, want 400 naming amount", amount, got, e.Error)
		}
	}
	got, body := api.Do("POST", "/api/admin/fees/2027", clerk, map[string]any{"version": 0, "enterprise": json.Number("9223372036854775807"),
		"group": 1, "individual": 0, "note": "决议"})
	if !strings.Contains(string(body), `"enterprise"`) || got != http.StatusBadRequest {
		t.Errorf("fee of 9223372036854775807 fen: got %d %s, want 400 naming enterprise", got, body)
	}
	for i, m := range []string{a.Certificate, b.Certificate} {
		if got, e := pay(m, fmt.Sprintf("SK-MAX-%d", i), membership.MaxAmount); got != http.StatusCreated {
			t.Fatalf("payment of the maximum: got %d %+v, want 201", got, e.Error)
		}
	}
	var rep membership.DuesReport
	api.Expect(http.StatusOK, "GET", "/api/admin/dues/2026", clerk, nil, &rep)
	if rep.Totals.Settled != 2*membership.MaxAmount || rep.Totals.Paid != 2 {
		t.Errorf("dues report: settled %d from %d payments, want %d from 2", rep.Totals.Settled, rep.Totals.Paid, 2*membership.MaxAmount)
	}
	_, csvBody := api.Do("GET", "/api/admin/dues/2026/csv", clerk, nil)
	lines := strings.Split(strings.TrimSpace(string(csvBody)), "\r\n")
	if total := lines[len(lines)-1]; !strings.Contains(total, ",20000000.00,") || strings.Contains(total, "-") {
		t.Errorf("CSV totals: %s, want 20000000.00 received", total)
	}
}

// TestRelatedRecords: the secretariat sees the other records of an
// organisation beside an application and a member: a withdrawn application
// next to the one that became the member, and the other way round.
func TestRelatedRecords(t *testing.T) {
	s := openStore(t)
	api := storetest.NewAPI(t, s)
	clerk, chair := api.Token("clerk-1", "secretariat"), api.Token("chair-1", "chair")
	sub := storetest.SampleSubmission("北京关联示例有限公司")
	var first, second struct {
		Number      string `json:"number"`
		StatusToken string `json:"status_token"`
	}
	api.Expect(http.StatusCreated, "POST", "/api/applications", "", sub, &first)
	// The applicant withdraws, then applies again.
	if a := api.Send("POST", "/api/applications/"+first.Number+"/withdraw", "", nil, "X-Status-Token", first.StatusToken); a.Status != http.StatusOK {
		t.Fatalf("withdraw: %d %s", a.Status, a.Body)
	}
	api.Expect(http.StatusCreated, "POST", "/api/applications", "", sub, &second)
	for i, step := range []struct{ action, token string }{{"review", clerk}, {"approve", chair}, {"file", clerk}} {
		body := map[string]any{"version": i + 1}
		if step.action == "file" {
			body["filing"] = map[string]any{"date": "2026-11-20", "reference": "中促备〔2026〕12号"}
		}
		api.Expect(http.StatusOK, "POST", "/api/admin/applications/"+second.Number+"/"+step.action, step.token, body, nil)
	}
	var cert struct{ Member struct{ Certificate string } }
	api.Expect(http.StatusCreated, "POST", "/api/admin/applications/"+second.Number+"/certify", clerk, map[string]any{"version": 4}, &cert)

	// The detail answers carry the console's fields beside the related records:
	// actions for an application, standing and tasks for a member.
	var app struct {
		Number  string
		Actions *[]string
		Related struct {
			Applications []struct{ Number, Status string }
			Members      []struct{ Certificate string }
		}
	}
	api.Expect(http.StatusOK, "GET", "/api/admin/applications/"+second.Number, clerk, nil, &app)
	if app.Number != second.Number || len(app.Related.Applications) != 1 || app.Related.Applications[0].Number != first.Number ||
		app.Related.Applications[0].Status != "withdrawn" || len(app.Related.Members) != 0 {
		t.Errorf("application %s: related %+v, want the withdrawn %s (its own member is its certificate number)", second.Number, app.Related, first.Number)
	}
	if app.Actions == nil || len(*app.Actions) != 0 {
		t.Errorf("application %s: actions %v, want an empty list (certified)", second.Number, app.Actions)
	}
	api.Expect(http.StatusOK, "GET", "/api/admin/applications/"+first.Number, clerk, nil, &app)
	if len(app.Related.Applications) != 1 || app.Related.Applications[0].Number != second.Number || len(app.Related.Members) != 1 ||
		app.Related.Members[0].Certificate != cert.Member.Certificate {
		t.Errorf("application %s: related %+v, want %s and its member %s", first.Number, app.Related, second.Number, cert.Member.Certificate)
	}
	var member struct {
		Certificate string
		Standing    struct{ State string }
		Tasks       []string
		Related     struct {
			Applications []struct{ Number string }
			Members      []struct{ Certificate string }
		}
	}
	api.Expect(http.StatusOK, "GET", "/api/admin/members/"+cert.Member.Certificate, clerk, nil, &member)
	if len(member.Related.Applications) != 1 || member.Related.Applications[0].Number != first.Number || len(member.Related.Members) != 0 {
		t.Errorf("member %s: related %+v, want the withdrawn %s", cert.Member.Certificate, member.Related, first.Number)
	}
	if member.Standing.State == "" || !slices.Contains(member.Tasks, string(membership.TaskExit)) {
		t.Errorf("member %s: standing %+v, tasks %v; want a standing and the clerk's tasks (exit among them)", cert.Member.Certificate, member.Standing, member.Tasks)
	}
}

// TestListSearchIgnoresInvisibleCharacters: stored text holds no invisible
// character, so a search pasted with one finds what its visible part names;
// a search that is not text at all is a 400 naming the field.
func TestListSearchIgnoresInvisibleCharacters(t *testing.T) {
	api := storetest.NewAPI(t, openStore(t))
	clerk := api.Token("clerk-1", "secretariat")
	var sub struct{ Number string }
	api.Expect(http.StatusCreated, "POST", "/api/applications", "", storetest.SampleSubmission("北京搜索示例有限公司"), &sub)
	for _, q := range []string{"搜索%E2%80%8B示例", "%E2%80%AE搜索示例%E2%81%A9", "%EF%BB%BF" + sub.Number} {
		var page struct{ Applications []struct{ Number string } }
		api.Expect(http.StatusOK, "GET", "/api/admin/applications?search="+q, clerk, nil, &page)
		if len(page.Applications) != 1 || page.Applications[0].Number != sub.Number {
			t.Errorf("search %s: got %+v, want %s", q, page.Applications, sub.Number)
		}
	}
	for _, q := range []string{"%FF%FE", "%EF%BF%BD"} {
		a := api.Send("GET", "/api/admin/applications?search="+q, clerk, nil)
		if a.Status != http.StatusBadRequest || !strings.Contains(string(a.Body), `"search"`) {
			t.Errorf("search %s: got %d %s, want 400 naming search", q, a.Status, a.Body)
		}
	}
}

// stalledStore never stores a new application in time: CreateApplication
// waits for the request's deadline, then lets the embedded store refuse a
// write past it, as a store that hangs would be given up on.
type stalledStore struct{ *localstore.Store }

func (s stalledStore) CreateApplication(ctx context.Context, a *membership.Application, rec *membership.IdempotencyRecord) error {
	<-ctx.Done()
	return s.Store.CreateApplication(ctx, a, rec)
}

// TestBusyStore: with a store that does not answer, a submission is a 503
// with Retry-After by the handler's time limit, never held: JSON with the code
// unavailable and 系统繁忙，请稍后再试; the form without JavaScript a page
// saying so, with every value and the Idempotency-Key kept for the next try.
func TestBusyStore(t *testing.T) {
	ls := openStore(t)
	const timeout = 300 * time.Millisecond
	// A frame source that, like S3, gives up with its context.
	frame := httpapi.FrameFunc(func(ctx context.Context) ([]byte, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return testFrame(ctx)
	})
	h := httpapi.NewPublic(httpapi.PublicConfig{Store: stalledStore{ls}, SiteOrigin: origin, Frame: frame, Timeout: timeout})
	e := &env{h: h, store: ls}

	start := time.Now()
	rec := e.do("POST", "/api/applications", "application/json", validJSON, "Idempotency-Key", "busy-1")
	took := time.Since(start)
	ae := decode[apiError](t, rec)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" || ae.Error.Code != "unavailable" ||
		ae.Error.Message != "系统繁忙，请稍后再试" || took > timeout+3*time.Second {
		t.Errorf("JSON submission: got %d (Retry-After %q) %s after %v, want 503 unavailable 系统繁忙，请稍后再试 with Retry-After within %v",
			rec.Code, rec.Header().Get("Retry-After"), rec.Body, took, timeout)
	}

	form := validForm()
	form.Set("idempotency_key", "busy-form-1")
	page := e.do("POST", "/api/join", "application/x-www-form-urlencoded", form.Encode())
	body := page.Body.String()
	if page.Code != http.StatusServiceUnavailable || page.Header().Get("Retry-After") == "" || !strings.Contains(body, "系统繁忙，请稍后再试") {
		t.Errorf("form: got %d (Retry-After %q), want a 503 page saying 系统繁忙，请稍后再试 with Retry-After:\n%s", page.Code, page.Header().Get("Retry-After"), body)
	}
	if !strings.Contains(body, `<header class="site-header">`) {
		t.Errorf("busy page: want it in the site's frame, although the request's time is up")
	}
	for _, kept := range []string{`value="北京示例科技股份有限公司"`, `value="91110000600037341L"`, `value="北京市" selected`, `value="ipo" checked`,
		`name="idempotency_key" value="busy-form-1"`} {
		if !strings.Contains(body, kept) {
			t.Errorf("busy page lacks %s, want what was typed kept for the next try", kept)
		}
	}
	if apps, _ := stored(t, ls); len(apps) != 0 {
		t.Errorf("stored: %d applications, want none", len(apps))
	}
}

// TestDeadline: a request's store work ends after the time limit, or by its
// own deadline (on Lambda, the invocation's) less DeadlineMargin, whichever is
// sooner.
func TestDeadline(t *testing.T) {
	var got time.Time
	h := httpapi.Deadline(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = r.Context().Deadline()
	}), 3*time.Second)
	for _, tt := range []struct {
		name string
		own  time.Duration // the request's own deadline from now; 0: none
		want time.Duration
	}{
		{"no deadline of its own", 0, 3 * time.Second},
		{"an invocation with 10 s left", 10 * time.Second, 3 * time.Second},
		{"an invocation with 2 s left", 2 * time.Second, 2*time.Second - httpapi.DeadlineMargin},
	} {
		ctx := t.Context()
		if tt.own > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, tt.own)
			defer cancel()
		}
		start := time.Now()
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequestWithContext(ctx, "GET", "/api/x", nil))
		if d := got.Sub(start); d > tt.want+100*time.Millisecond || d < tt.want-time.Second {
			t.Errorf("%s: deadline in %v, want %v", tt.name, d, tt.want)
		}
	}
	if d, err := httpapi.ParseTimeout(""); d != 0 || err != nil {
		t.Errorf(`ParseTimeout(""): %v, %v; want 0 (the default)`, d, err)
	}
}
