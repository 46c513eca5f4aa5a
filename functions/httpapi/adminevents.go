package httpapi

import (
	"net/http"
	"reflect"

	"github.com/smelisting/alliance/functions/backoffice"
	"github.com/smelisting/alliance/functions/events"
)

// AdminEventRoutes are the secretariat's routes of events (AdminRoutes lists
// them): the events with their counts, an event's registrants (JSON and CSV),
// the check-in at the door — by code or phone, its void, and a walk-in
// registered and checked in at once —, a cancellation on the registrant's
// behalf and the promotion of the waiting into free places (补位). The
// console's pages of registrants and check-in (/admin/registrations/,
// /admin/checkin/) are thin pages over these.
var AdminEventRoutes = []Route{
	{http.MethodGet, "/api/admin/events"},
	{http.MethodGet, "/api/admin/events/{slug}/registrations"},
	{http.MethodGet, "/api/admin/events/{slug}/registrations/csv"},
	{http.MethodPost, "/api/admin/events/{slug}/checkins"},
	{http.MethodPost, "/api/admin/events/{slug}/checkins/void"},
	{http.MethodPost, "/api/admin/events/{slug}/walk-ins"},
	{http.MethodPost, "/api/admin/events/{slug}/registrations/{code}/cancel"},
	{http.MethodPost, "/api/admin/events/{slug}/promotions"},
}

// eventList is the answer of GET /api/admin/events.
type eventList struct {
	Events []backoffice.EventSummary `json:"events"`
}

// eventEndpoints are the routes of events.
func (a *Admin) eventEndpoints() map[Route]endpoint {
	o := a.office
	return map[Route]endpoint{
		AdminEventRoutes[0]: get(func(r *http.Request) (eventList, error) {
			es, err := o.Events(r.Context())
			return eventList{es}, err
		}),
		AdminEventRoutes[1]: get(func(r *http.Request) (*events.Roster, error) {
			return o.Roster(r.Context(), r.PathValue("slug"))
		}),
		AdminEventRoutes[2]: {answers: map[int]reflect.Type{http.StatusOK: nil}, serve: a.rosterCSV},
		AdminEventRoutes[3]: post(http.StatusOK, func(r *http.Request, q backoffice.CheckInRequest) (*backoffice.CheckedIn, error) {
			return o.CheckIn(r.Context(), r.PathValue("slug"), q)
		}),
		AdminEventRoutes[4]: post(http.StatusOK, func(r *http.Request, q backoffice.VoidCheckInRequest) (*backoffice.CheckInVoided, error) {
			return o.VoidCheckIn(r.Context(), r.PathValue("slug"), q)
		}),
		AdminEventRoutes[5]: post(http.StatusCreated, func(r *http.Request, q backoffice.WalkInRequest) (*backoffice.CheckedIn, error) {
			return o.WalkIn(r.Context(), r.PathValue("slug"), q)
		}),
		AdminEventRoutes[6]: post(http.StatusOK, func(r *http.Request, q backoffice.CancelRegistrationRequest) (*backoffice.RegistrationCancelled, error) {
			return o.CancelRegistration(r.Context(), r.PathValue("slug"), r.PathValue("code"), q)
		}),
		AdminEventRoutes[7]: post(http.StatusOK, func(r *http.Request, _ backoffice.PromoteRequest) (*backoffice.Promoted, error) {
			return o.Promote(r.Context(), r.PathValue("slug"))
		}),
	}
}

// rosterCSV serves an event's registrants as CSV for Excel.
func (a *Admin) rosterCSV(w http.ResponseWriter, r *http.Request) (int, any, error) {
	ro, err := a.office.Roster(r.Context(), r.PathValue("slug"))
	if err != nil {
		return 0, nil, err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="registrations-`+ro.Event.Slug+`.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	if _, err := w.Write(ro.CSV()); err != nil {
		a.log.InfoContext(r.Context(), "write csv", "request_id", requestID(r), "err", err.Error())
	}
	return 0, nil, nil
}
