package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
)

// apiConfig is what `alliance serve` needs to host the /api routes.
type apiConfig struct {
	DataDir        string // folder of the embedded store (default ".alliance-data", git-ignored)
	DynamoEndpoint string // when set, use DynamoDB at this endpoint instead of the embedded store
	SiteOrigin     string // the origin the site is served from, for CORS (e.g. http://127.0.0.1:1313)
}

// openAPI returns the handler for every /api/ route and a closer for its store.
// Stub until the applications engineer wires the membership API.
func openAPI(ctx context.Context, cfg apiConfig, log *slog.Logger) (http.Handler, io.Closer, error) {
	return http.NotFoundHandler(), io.NopCloser(nil), nil
}
