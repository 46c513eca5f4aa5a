package httpapi

import (
	"net/http"

	"github.com/smelisting/alliance/functions/intake"
)

// withdrawApplication serves POST /api/applications/{number}/withdraw: the
// applicant, proving it with the status token, withdraws the application
// before the chairman's office approves it (第十四条). A missing or wrong token
// is a 404, as for GET; a withdrawal after approval is a 409 naming the status.
func (p *Public) withdrawApplication(w http.ResponseWriter, r *http.Request) {
	var q intake.Withdrawal // optional: the reason
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &q); err != nil {
			writeError(w, r, p.log, err)
			return
		}
	}
	number := r.PathValue("number")
	app, err := p.intake.Withdraw(r.Context(), number, r.Header.Get(StatusTokenHeader), q)
	if err != nil {
		writeError(w, r, p.log, err)
		return
	}
	p.log.InfoContext(r.Context(), "application withdrawn", "request_id", requestID(r), "application", number)
	writeJSON(w, http.StatusOK, statusOf(app))
}
