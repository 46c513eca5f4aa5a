package httpapi

import (
	"context"
	"net/http"
)

func contextWithRequestID(r *http.Request, id string) context.Context {
	return context.WithValue(r.Context(), requestIDKey, id)
}
