package httpapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/smelisting/alliance/functions/httpapi"
	"github.com/smelisting/alliance/functions/storetest"
)

// TestWithdraw checks that the applicant, and only with the status token, can
// withdraw an application before the chairman's office approves it.
func TestWithdraw(t *testing.T) {
	api := adminAPI(t)
	clerk, chair := api.Token("clerk-1", "secretariat"), api.Token("chair-1", "chair")
	submit := func() (number, token string) {
		var sub struct {
			Number      string `json:"number"`
			StatusToken string `json:"status_token"`
		}
		api.Expect(http.StatusCreated, "POST", "/api/applications", "", storetest.SampleSubmission("撤回测试有限公司"), &sub)
		return sub.Number, sub.StatusToken
	}
	withdraw := func(number, token, body string) (int, string) {
		req, _ := http.NewRequest("POST", api.URL+"/api/applications/"+number+"/withdraw", bytes.NewBufferString(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if token != "" {
			req.Header.Set(httpapi.StatusTokenHeader, token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		var st struct{ Status string }
		json.Unmarshal(b, &st)
		return res.StatusCode, st.Status
	}

	n1, tok1 := submit()
	n2, tok2 := submit()
	n3, tok3 := submit()
	api.Expect(http.StatusOK, "POST", "/api/admin/applications/"+n2+"/review", clerk, map[string]any{"version": 1}, nil)
	api.Expect(http.StatusOK, "POST", "/api/admin/applications/"+n3+"/review", clerk, map[string]any{"version": 1}, nil)
	api.Expect(http.StatusOK, "POST", "/api/admin/applications/"+n3+"/approve", chair, map[string]any{"version": 2}, nil)

	tests := []struct {
		name, number, token, body string
		code                      int
		status                    string
	}{
		{"no token", n1, "", "", http.StatusNotFound, ""},
		{"another application's token", n1, tok2, "", http.StatusNotFound, ""},
		{"unknown number", "SQ2026-999999", tok1, "", http.StatusNotFound, ""},
		{"bad body", n1, tok1, `{"reason":1}`, http.StatusBadRequest, ""},
		{"submitted, with a reason", n1, tok1, `{"note":"已在别处上市"}`, http.StatusOK, "withdrawn"},
		{"withdrawn twice", n1, tok1, "", http.StatusConflict, ""},
		{"reviewed", n2, tok2, "", http.StatusOK, "withdrawn"},
		{"approved is too late", n3, tok3, "", http.StatusConflict, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, status := withdraw(tt.number, tt.token, tt.body)
			if code != tt.code || status != tt.status {
				t.Fatalf("got %d %q, want %d %q", code, status, tt.code, tt.status)
			}
		})
	}
	var app struct{ History []struct{ Role, Note string } }
	api.Expect(http.StatusOK, "GET", "/api/admin/applications/"+n1, clerk, nil, &app)
	if last := app.History[len(app.History)-1]; last.Role != "applicant" || last.Note != "已在别处上市" {
		t.Errorf("history: got %+v, want the applicant's withdrawal with its reason", last)
	}
}
