// Package httpapi serves the alliance's /api routes as plain http.Handlers: the public
// routes of membership applications and event registration (PublicRoutes, EventRoutes) and
// the secretariat routes (AdminRoutes, AdminEventRoutes).
// The same handlers run inside AWS Lambda and inside `alliance serve`. They translate HTTP
// to the domain and back and decide nothing themselves: the public routes keep their
// applications in an ApplicationStore (an interface defined here, which the dynamo and
// localstore packages implement), the secretariat routes call the use cases of
// backoffice.Service with the verified token's actor in the request's context.
// AdminClient calls the secretariat routes with the same Go types, for `alliance admin`.
// The join form's pages without JavaScript are html/template content (pages.html) in the
// site's frame, which a FrameSource gives (frame.go).
package httpapi
