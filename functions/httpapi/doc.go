// Package httpapi serves the alliance's /api routes as plain http.Handlers: the public
// membership application routes (PublicRoutes) and the secretariat routes (AdminRoutes).
// The same handlers run inside AWS Lambda and inside `alliance serve`. The stores they need
// are small interfaces defined here; the dynamo and localstore packages implement them. The
// join form's pages without JavaScript are html/template content (pages.html) in the site's
// frame, which a FrameSource gives (frame.go).
package httpapi
