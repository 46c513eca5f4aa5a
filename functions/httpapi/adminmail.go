package httpapi

import (
	"net/http"

	"github.com/smelisting/alliance/functions/backoffice"
	"github.com/smelisting/alliance/functions/outbox"
)

// AdminMailRoutes are the secretariat's routes of the outbox (AdminRoutes
// lists them): the messages that could not be delivered (or are still
// waiting), and sending one again, to a corrected address if need be.
var AdminMailRoutes = []Route{
	{http.MethodGet, "/api/admin/mail"},
	{http.MethodPost, "/api/admin/mail/retry"},
}

// mailEndpoints are the routes of the outbox.
func (a *Admin) mailEndpoints() map[Route]endpoint {
	o := a.office
	return map[Route]endpoint{
		AdminMailRoutes[0]: get(func(r *http.Request) (*backoffice.MailList, error) {
			return o.Mail(r.Context(), outbox.State(r.URL.Query().Get("state")))
		}, "state"),
		AdminMailRoutes[1]: post(http.StatusOK, func(r *http.Request, q outbox.RetryRequest) (*backoffice.MailItem, error) {
			return o.RetryMail(r.Context(), q)
		}),
	}
}
