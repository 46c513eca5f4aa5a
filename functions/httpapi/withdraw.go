package httpapi

import (
	"net/http"

	"github.com/smelisting/alliance/functions/membership"
)

// withdrawRequest is the optional JSON body of a withdrawal: the reason.
type withdrawRequest struct {
	Note string `json:"note,omitempty"`
}

// withdrawApplication serves POST /api/applications/{number}/withdraw: the
// applicant, proving it with the status token, withdraws the application
// before the chairman's office approves it (第十四条). A missing or wrong token
// is a 404, as for GET; a withdrawal after approval is a 409 naming the status.
func (p *Public) withdrawApplication(w http.ResponseWriter, r *http.Request) {
	notFound := membership.Errorf(membership.ENOTFOUND, "httpapi: withdraw application", "未找到该申请，或查询凭证不正确")
	number, token := r.PathValue("number"), r.Header.Get(StatusTokenHeader)
	if token == "" || len(number) > 32 {
		writeError(w, r, p.log, notFound)
		return
	}
	var q withdrawRequest
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &q); err != nil {
			writeError(w, r, p.log, err)
			return
		}
	}
	applicant := membership.Actor{ID: "applicant", Roles: []string{membership.RoleApplicant}}
	app, err := p.store.UpdateApplication(r.Context(), number, 0, func(a *membership.Application) error {
		if !a.TokenMatches(token) {
			return notFound
		}
		return a.Apply(applicant, membership.Change{Action: membership.ActionWithdraw, Note: q.Note}, p.now())
	})
	if err != nil {
		writeError(w, r, p.log, err)
		return
	}
	p.log.InfoContext(r.Context(), "application withdrawn", "request_id", requestID(r), "application", number)
	writeJSON(w, http.StatusOK, statusOf(app))
}
