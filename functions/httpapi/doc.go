// Package httpapi serves the alliance's /api routes as plain http.Handlers: the public
// routes of membership applications and event registration (PublicRoutes, EventRoutes) and
// the secretariat routes (AdminRoutes, AdminEventRoutes).
// The same handlers run inside AWS Lambda and inside `alliance serve`. They translate HTTP
// to the domain and back and decide nothing themselves: the public routes call the
// applicant's use cases (intake.Service, over an intake.Store, which the dynamo and
// localstore packages implement), the secretariat routes call the use cases of
// backoffice.Service with the verified token's actor in the request's context.
// Every body must be UTF-8 (415 for another charset, 400 for other bytes); every
// request's store work ends by its deadline (Deadline), and a store that is down,
// throttled or too slow is a 503 with Retry-After (EUNAVAILABLE), never a held request.
// AdminClient calls the secretariat routes with the same Go types, for `alliance admin`.
// The join form's pages without JavaScript are html/template content (pages.html) in the
// site's frame, which a FrameSource gives (frame.go).
// The secretariat's console signs in through ConsoleRoutes (console.go: a
// backend-for-frontend client of the issuer) and calls the same routes with a session
// cookie, which a SessionStore keeps, and a CSRF token on every change.
package httpapi
