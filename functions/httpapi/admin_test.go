package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/smelisting/alliance/functions/auth"
	"github.com/smelisting/alliance/functions/httpapi"
	"github.com/smelisting/alliance/functions/localstore"
	"github.com/smelisting/alliance/functions/storetest"
)

// path fills a route pattern's wildcards with sample values.
func path(pattern string) string {
	r := strings.NewReplacer("{number}", "SQ2026-000001", "{certificate}", "LM-2026-0001", "{year}", "2026")
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
