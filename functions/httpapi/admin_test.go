package httpapi_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/smelisting/alliance/functions/auth"
	"github.com/smelisting/alliance/functions/httpapi"
	"github.com/smelisting/alliance/functions/localstore"
	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/storetest"
)

// path fills a route pattern's wildcards with sample values.
func path(pattern string) string {
	r := strings.NewReplacer("{number}", "SQ2026-000001", "{certificate}", "LM-2026-0001", "{year}", "2026", "{slug}", storetest.APIEvent)
	return r.Replace(pattern)
}

func adminAPI(t *testing.T) *storetest.API {
	s, err := localstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return storetest.NewAPI(t, s)
}

// TestAdminAccess checks every secretariat route against tokens that must be
// refused: none, garbage, another issuer's, expired (401); no role, or the
// supervisor on a route that changes something (403).
func TestAdminAccess(t *testing.T) {
	api := adminAPI(t)
	stranger, _ := auth.NewLocalIssuer(auth.DevIssuer, auth.DevAudience)
	forged, _ := stranger.Mint("clerk-1", "", []string{"secretariat"}, time.Minute)
	expired, _ := api.Issuer.Mint("clerk-1", "", []string{"secretariat"}, -time.Hour)
	noRole := api.Token("nobody")
	unknownRole := api.Token("guest", "member")
	sup := api.Token("auditor", "supervisor")
	for _, rt := range httpapi.AdminRoutes {
		var body any
		if rt.Method == http.MethodPost {
			body = map[string]any{}
		}
		tests := []struct {
			name  string
			token string
			want  int
		}{
			{"no token", "", http.StatusUnauthorized},
			{"garbage", "abc.def.ghi", http.StatusUnauthorized},
			{"another key", forged, http.StatusUnauthorized},
			{"expired", expired, http.StatusUnauthorized},
			{"no role", noRole, http.StatusForbidden},
			{"unknown role", unknownRole, http.StatusForbidden},
		}
		if rt.Method != http.MethodGet {
			tests = append(tests, struct {
				name  string
				token string
				want  int
			}{"supervisor", sup, http.StatusForbidden})
		}
		for _, tt := range tests {
			t.Run(rt.String()+"/"+tt.name, func(t *testing.T) {
				got, b := api.Do(rt.Method, path(rt.Pattern), tt.token, body)
				if got != tt.want {
					t.Fatalf("got %d %s, want %d", got, b, tt.want)
				}
			})
		}
	}
}

// TestAdminSupervisorReads checks that the supervisor may call every GET route.
func TestAdminSupervisorReads(t *testing.T) {
	api := adminAPI(t)
	sup := api.Token("auditor", "supervisor")
	for _, rt := range httpapi.AdminRoutes {
		if rt.Method != http.MethodGet {
			continue
		}
		got, b := api.Do(rt.Method, path(rt.Pattern), sup, nil)
		want := http.StatusOK
		if strings.Contains(rt.Pattern, "{number}") || strings.Contains(rt.Pattern, "{certificate}") {
			want = http.StatusNotFound // nothing stored
		}
		if got != want {
			t.Errorf("%s: got %d %s, want %d", rt, got, b, want)
		}
	}
}

// TestAdminBadInput checks that malformed requests get clear 4xx answers.
func TestAdminBadInput(t *testing.T) {
	api := adminAPI(t)
	clerk := api.Token("clerk-1", "secretariat")
	tests := []struct {
		name         string
		method, path string
		body         any
		want         int
	}{
		{"unknown field", "POST", "/api/admin/payments", map[string]any{"member": "x", "bogus": 1}, http.StatusBadRequest},
		{"wrong type", "POST", "/api/admin/payments", map[string]any{"amount": "lots"}, http.StatusBadRequest},
		{"unknown member", "POST", "/api/admin/payments", map[string]any{"member": "LM-2026-0099", "year": 2026}, http.StatusNotFound},
		{"no version", "POST", "/api/admin/applications/SQ2026-000001/review", map[string]any{}, http.StatusBadRequest},
		{"bad year", "GET", "/api/admin/dues/1999", nil, http.StatusBadRequest},
		{"bad date", "GET", "/api/admin/lapse-report?date=2026-02-30", nil, http.StatusBadRequest},
		{"bad status", "GET", "/api/admin/applications?status=done", nil, http.StatusBadRequest},
		{"fees without a reason", "POST", "/api/admin/fees/2027", map[string]any{"enterprise": 1}, http.StatusBadRequest},
		{"attendance without members", "POST", "/api/admin/attendance", map[string]any{"event": "e", "kind": "event", "date": "2026-01-01"}, http.StatusBadRequest},
		{"attendance after today", "POST", "/api/admin/attendance", map[string]any{"event": "e", "kind": "event", "date": "2099-01-01", "members": []string{"LM-2026-0001"}}, http.StatusBadRequest},
		{"void without a reason", "POST", "/api/admin/attendance", map[string]any{"event": "e", "void": true, "members": []string{"LM-2026-0001"}}, http.StatusBadRequest},
		{"unknown route", "GET", "/api/admin/nothing", nil, http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, b := api.Do(tt.method, tt.path, clerk, tt.body)
			if got != tt.want {
				t.Fatalf("got %d %s, want %d", got, b, tt.want)
			}
			if strings.Contains(string(b), "localstore") || strings.Contains(string(b), "panic") {
				t.Errorf("answer leaks internals: %s", b)
			}
		})
	}
}

// TestAdminMemberLifecycle takes members out of the alliance through the API
// in each of the three ways of 第十五条, and checks the lapse report.
func TestAdminMemberLifecycle(t *testing.T) {
	s, err := localstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	api := storetest.NewAPI(t, s)
	clerk, clerk2, chair := api.Token("clerk-1", "secretariat"), api.Token("clerk-2", "secretariat", "chair"), api.Token("chair-1", "chair")
	leaving := storetest.Member(t, s, "2024-03-01")
	expelled := storetest.Member(t, s, "2024-03-01")
	lapsing := storetest.Member(t, s, "2024-03-01")
	atRisk := storetest.Member(t, s, "2024-03-01")
	attending := storetest.Member(t, s, "2024-03-01")
	m := func(c string) string { return "/api/admin/members/" + c }
	var got membership.Member

	// Exit: written request and the certificate returned.
	api.Expect(http.StatusBadRequest, "POST", m(leaving.Certificate)+"/exit", clerk, map[string]any{"version": 1, "requested_on": "2026-05-01"}, nil)
	api.Expect(http.StatusForbidden, "POST", m(leaving.Certificate)+"/exit", chair, map[string]any{"version": 1, "requested_on": "2026-05-01", "certificate_returned": true}, nil)
	api.Expect(http.StatusOK, "POST", m(leaving.Certificate)+"/exit", clerk, map[string]any{"version": 1, "requested_on": "2026-05-01", "certificate_returned": true}, &got)
	if got.Status != membership.MemberExited || got.LeftOn != "2026-05-01" || got.Version != 2 {
		t.Errorf("exit: got %s on %q v%d, want exited on 2026-05-01 v2", got.Status, got.LeftOn, got.Version)
	}
	api.Expect(http.StatusConflict, "POST", m(leaving.Certificate)+"/exit", clerk, map[string]any{"version": 2, "requested_on": "2026-05-01", "certificate_returned": true}, nil)

	// Expulsion: the secretariat proposes, another person at the chairman's office approves.
	api.Expect(http.StatusOK, "POST", m(expelled.Certificate)+"/expulsion", clerk2, map[string]any{"version": 1, "reason": "严重违反章程"}, &got)
	api.Expect(http.StatusForbidden, "POST", m(expelled.Certificate)+"/expulsion/decision", clerk2, map[string]any{"version": 2, "approve": true}, nil)
	api.Expect(http.StatusConflict, "POST", m(expelled.Certificate)+"/expulsion/decision", chair, map[string]any{"version": 1, "approve": true}, nil)
	got = membership.Member{}
	api.Expect(http.StatusOK, "POST", m(expelled.Certificate)+"/expulsion/decision", chair, map[string]any{"version": 2, "approve": true}, &got)
	if got.Status != membership.MemberExpelled || got.PendingExpulsion != nil || len(got.History) != 3 {
		t.Errorf("expel: got %s pending %v with %d events, want expelled, nothing pending, 3 events", got.Status, got.PendingExpulsion, len(got.History))
	}

	// Lapse: attendance, then the report and the recorded lapse.
	var added struct{ Added, Already []string }
	api.Expect(http.StatusCreated, "POST", "/api/admin/attendance", clerk, map[string]any{"event": "2025-forum", "kind": "event", "date": "2025-10-10",
		"members": []string{attending.Certificate}}, &added)
	api.Expect(http.StatusCreated, "POST", "/api/admin/attendance", clerk, map[string]any{"event": "2026-assembly", "kind": "general_assembly", "date": "2026-06-18",
		"members": []string{attending.Certificate, atRisk.Certificate}}, &added)
	if len(added.Added) != 2 {
		t.Errorf("attendance: got %+v, want 2 added", added)
	}
	api.Expect(http.StatusCreated, "POST", "/api/admin/attendance", clerk, map[string]any{"event": "2026-assembly", "kind": "general_assembly", "date": "2026-06-18",
		"members": []string{atRisk.Certificate}}, &added)
	if len(added.Already) != 1 {
		t.Errorf("attendance again: got %+v, want 1 already recorded", added)
	}
	api.Expect(http.StatusNotFound, "POST", "/api/admin/attendance", clerk, map[string]any{"event": "x", "kind": "event", "date": "2026-01-01", "members": []string{"LM-1999-0001"}}, nil)

	var rep membership.LapseReport
	api.Expect(http.StatusOK, "GET", "/api/admin/lapse-report?date=2028-06-30", chair, nil, &rep)
	if rep.Active != 3 || len(rep.Lapsed) != 1 || rep.Lapsed[0].Certificate != lapsing.Certificate || rep.Lapsed[0].LapsedOn != "2027-01-01" ||
		len(rep.AtRisk) != 2 {
		t.Fatalf("lapse report: got %+v, want 3 active, %s lapsed on 2027-01-01, 2 at risk (no attendance in 2027)", rep, lapsing.Certificate)
	}
	api.Expect(http.StatusConflict, "POST", m(atRisk.Certificate)+"/lapse", clerk, map[string]any{"version": 1, "date": "2028-06-30"}, nil)
	got = membership.Member{}
	api.Expect(http.StatusOK, "POST", m(lapsing.Certificate)+"/lapse", clerk, map[string]any{"version": 1, "date": "2028-06-30"}, &got)
	if got.Status != membership.MemberLapsed || got.LeftOn != "2027-01-01" {
		t.Errorf("lapse: got %s on %q, want lapsed on 2027-01-01", got.Status, got.LeftOn)
	}
	var list struct{ Members []membership.Member }
	api.Expect(http.StatusOK, "GET", "/api/admin/members?status=active", chair, nil, &list)
	if len(list.Members) != 2 {
		t.Errorf("active members: got %d, want 2 (those who left stay on record with another status)", len(list.Members))
	}
	api.Expect(http.StatusOK, "GET", "/api/admin/members", chair, nil, &list)
	if len(list.Members) != 5 {
		t.Errorf("all members: got %d, want 5", len(list.Members))
	}

	// Fees: a year's schedule changed with its basis, guarded by its version.
	var fs membership.FeeSchedule
	api.Expect(http.StatusForbidden, "POST", "/api/admin/fees/2027", chair, map[string]any{"version": 0, "enterprise": 1, "note": "x"}, nil)
	api.Expect(http.StatusOK, "POST", "/api/admin/fees/2027", clerk, map[string]any{"version": 0, "enterprise": 1_500_000, "group": 1_500_000, "note": "2026 年会员大会决议"}, &fs)
	api.Expect(http.StatusConflict, "POST", "/api/admin/fees/2027", clerk, map[string]any{"version": 0, "enterprise": 1, "note": "x"}, nil)
	api.Expect(http.StatusOK, "GET", "/api/admin/fees/2027", chair, nil, &fs)
	if fs.Enterprise != 1_500_000 || fs.Version != 1 || fs.SetBy != "clerk-1" {
		t.Errorf("fees: got %+v, want 1,500,000 fen at version 1 set by clerk-1", fs)
	}
}

// TestAdminVoidAttendance voids a wrongly entered attendance through the API:
// the record stays listed, voided, no longer counts for the lapse rule, and
// the attendance can be entered again with the right date.
func TestAdminVoidAttendance(t *testing.T) {
	s, err := localstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	api := storetest.NewAPI(t, s)
	clerk, chair := api.Token("clerk-1", "secretariat"), api.Token("chair-1", "chair")
	m := storetest.Member(t, s, "2024-03-01")
	entry := map[string]any{"event": "2026-assembly", "kind": "general_assembly", "date": "2025-06-18", "members": []string{m.Certificate}}
	api.Expect(http.StatusCreated, "POST", "/api/admin/attendance", clerk, entry, nil)
	standing := func() membership.StandingState {
		var rep membership.LapseReport
		api.Expect(http.StatusOK, "GET", "/api/admin/lapse-report?date=2027-01-01", chair, nil, &rep)
		switch {
		case len(rep.Lapsed) == 1:
			return membership.StandingLapsed
		case len(rep.AtRisk) == 1:
			return membership.StandingAtRisk
		}
		return membership.StandingOK
	}
	if got := standing(); got != membership.StandingAtRisk {
		t.Fatalf("with the 2025 record: got %s, want at_risk", got)
	}

	void := map[string]any{"event": "2026-assembly", "void": true, "note": "日期录错，应为 2026-06-18", "members": []string{m.Certificate, "LM-1999-0001"}}
	api.Expect(http.StatusForbidden, "POST", "/api/admin/attendance", chair, void, nil)
	api.Expect(http.StatusBadRequest, "POST", "/api/admin/attendance", clerk, map[string]any{"event": "2026-assembly", "void": true, "members": []string{m.Certificate}}, nil)
	var res struct {
		Voided      []string `json:"voided"`
		NotRecorded []string `json:"not_recorded"`
	}
	api.Expect(http.StatusOK, "POST", "/api/admin/attendance", clerk, void, &res)
	if len(res.Voided) != 1 || res.Voided[0] != m.Certificate || len(res.NotRecorded) != 1 || res.NotRecorded[0] != "LM-1999-0001" {
		t.Errorf("void: got %+v, want %s voided and LM-1999-0001 not recorded", res, m.Certificate)
	}
	if got := standing(); got != membership.StandingLapsed {
		t.Fatalf("after voiding: got %s, want lapsed (2025 and 2026 without attendance)", got)
	}

	entry["date"] = "2026-06-18"
	api.Expect(http.StatusCreated, "POST", "/api/admin/attendance", clerk, entry, nil)
	if got := standing(); got != membership.StandingOK {
		t.Fatalf("with the corrected record: got %s, want ok", got)
	}
	var typed membership.Member
	api.Expect(http.StatusOK, "GET", "/api/admin/members/"+url.PathEscape(strings.ToLower(m.Certificate)), chair, nil, &typed)
	if typed.Certificate != m.Certificate {
		t.Errorf("member typed in lower case: got %q, want %s", typed.Certificate, m.Certificate)
	}
	api.Expect(http.StatusCreated, "POST", "/api/admin/attendance", clerk, map[string]any{"event": "2026-forum", "kind": "event", "date": "2026-09-01",
		"members": []string{strings.ToLower(m.Certificate)}}, nil)
	var list struct{ Attendance []membership.Attendance }
	api.Expect(http.StatusOK, "GET", "/api/admin/attendance?member="+m.Certificate, chair, nil, &list)
	if len(list.Attendance) != 3 || list.Attendance[0].Voided == nil || list.Attendance[0].Voided.By != "clerk-1" || list.Attendance[1].Voided != nil ||
		list.Attendance[2].Event != "2026-forum" {
		t.Errorf("attendance list: got %+v, want the voided 2025 record, then the 2026 assembly and forum", list.Attendance)
	}
}

// TestAdminUnknownRouteAndMethod checks that a known secretariat path under another method
// is a 405 naming the allowed methods, and an unknown path a 404.
func TestAdminUnknownRouteAndMethod(t *testing.T) {
	api := adminAPI(t)
	token := api.Token("clerk-1", "secretariat")
	tests := []struct {
		method, target string
		want           int
		allow          string
	}{
		{"GET", "/api/admin/nothing", http.StatusNotFound, ""},
		{"DELETE", "/api/admin/applications/SQ2026-000001", http.StatusMethodNotAllowed, "GET, HEAD"},
		{"GET", "/api/admin/payments", http.StatusOK, ""},
		{"PUT", "/api/admin/payments", http.StatusMethodNotAllowed, "POST, GET, HEAD"},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, api.URL+tt.target, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tt.want || res.Header.Get("Allow") != tt.allow {
			t.Errorf("%s %s = %d Allow %q, want %d Allow %q", tt.method, tt.target, res.StatusCode, res.Header.Get("Allow"), tt.want, tt.allow)
		}
	}
}
