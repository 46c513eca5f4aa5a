package httpapi

import (
	"net/http"
	"time"

	"github.com/smelisting/alliance/functions/intake"
	"github.com/smelisting/alliance/functions/membership"
)

// DocumentRoutes are the applicant's routes for documents and personal data,
// all with the status token in X-Status-Token (part of PublicRoutes).
var DocumentRoutes = []Route{
	{http.MethodPost, "/api/applications/{number}/uploads"},     // ask where to post a file
	{http.MethodPost, "/api/applications/{number}/attachments"}, // the file was posted: check and record it
	{http.MethodGet, "/api/applications/{number}/export"},       // everything held about the application (JSON)
	{http.MethodPost, "/api/applications/{number}/erase"},       // withdraw (if open) and erase, before approval
}

// requestUpload serves POST /api/applications/{number}/uploads: 201 with the
// file's ID and the form with which the browser posts it to the bucket.
func (p *Public) requestUpload(w http.ResponseWriter, r *http.Request) {
	var q membership.UploadRequest
	if err := decodeJSON(w, r, &q); err != nil {
		writeError(w, r, p.log, err)
		return
	}
	up, err := p.intake.RequestUpload(r.Context(), r.PathValue("number"), r.Header.Get(StatusTokenHeader), q)
	if err != nil {
		writeError(w, r, p.log, err)
		return
	}
	writeJSON(w, http.StatusCreated, up)
}

// confirmUpload serves POST /api/applications/{number}/attachments: 201 with
// the recorded attachment, or 400 saying why the file was refused (it is
// deleted then).
func (p *Public) confirmUpload(w http.ResponseWriter, r *http.Request) {
	var q intake.UploadDone
	if err := decodeJSON(w, r, &q); err != nil {
		writeError(w, r, p.log, err)
		return
	}
	number := r.PathValue("number")
	att, err := p.intake.ConfirmUpload(r.Context(), number, r.Header.Get(StatusTokenHeader), q)
	if err != nil {
		if membership.ErrorCode(err) == membership.EINVALID {
			p.log.InfoContext(r.Context(), "upload refused", "request_id", requestID(r), "application", number, "err", membership.ErrorMessage(err))
		}
		writeError(w, r, p.log, err)
		return
	}
	p.log.InfoContext(r.Context(), "attachment recorded", "request_id", requestID(r), "application", number, "type", att.Type, "size", att.Size)
	writeJSON(w, http.StatusCreated, att)
}

// exportApplication serves GET /api/applications/{number}/export: everything
// held about the application, as a JSON file to save.
func (p *Public) exportApplication(w http.ResponseWriter, r *http.Request) {
	number := r.PathValue("number")
	x, err := p.intake.Export(r.Context(), number, r.Header.Get(StatusTokenHeader))
	if err != nil {
		writeError(w, r, p.log, err)
		return
	}
	p.log.InfoContext(r.Context(), "application exported", "request_id", requestID(r), "application", number)
	w.Header().Set("Content-Disposition", `attachment; filename="`+x.Application.Number+`.json"`)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, x)
}

// eraseApplication serves POST /api/applications/{number}/erase: the
// applicant withdraws (if still open) and erases the application's personal
// data and files; 200 with the status. After approval a 409.
func (p *Public) eraseApplication(w http.ResponseWriter, r *http.Request) {
	number := r.PathValue("number")
	app, err := p.intake.Erase(r.Context(), number, r.Header.Get(StatusTokenHeader))
	if err != nil {
		writeError(w, r, p.log, err)
		return
	}
	p.log.InfoContext(r.Context(), "application erased by its applicant", "request_id", requestID(r), "application", number)
	writeJSON(w, http.StatusOK, statusOf(app))
}

// statusFile is what the status answer lists of an attachment.
type statusFile struct {
	Name       string    `json:"name"`
	Type       string    `json:"type"`
	Size       int64     `json:"size"`
	UploadedAt time.Time `json:"uploaded_at"`
}
