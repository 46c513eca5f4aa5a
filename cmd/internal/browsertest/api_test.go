package browsertest

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/smelisting/alliance/functions/events"
	"github.com/smelisting/alliance/functions/httpapi"
	"github.com/smelisting/alliance/functions/localstore"
	"github.com/smelisting/alliance/functions/membership"
)

// openAPI returns the real public /api handler on an embedded store in dir,
// the store (so that tests can read what the form stored, and stall it) and a
// closer. The pages it renders itself take their frame from the built site in
// siteDir.
func openAPI(dir, siteOrigin, siteDir string) (http.Handler, *stallable, func(), error) {
	ls, err := localstore.Open(dir)
	if err != nil {
		return nil, nil, nil, err
	}
	store := &stallable{Store: ls}
	h := httpapi.NewPublic(httpapi.PublicConfig{Store: store, SiteOrigin: siteOrigin, Frame: siteFrame(siteDir),
		Registrations: store, Events: siteEvents(siteDir), Timeout: apiTimeout,
		Certificates: store, Limits: store, Limited: httpapi.LookupLimits}) // as `alliance serve`
	return h, store, func() { ls.Close() }, nil
}

// apiTimeout is the API's time limit for each request: the deployed one, so
// that a stalled store is answered as it would be.
const apiTimeout = httpapi.DefaultTimeout

// stallable is the embedded store, which a test may stall: while it is
// stalled, a new application reaches the store only once its request's time
// limit has passed, as it would behind a store that hangs, and the store then
// refuses it as it refuses any write past its deadline (EUNAVAILABLE).
type stallable struct {
	*localstore.Store
	stalled atomic.Bool
}

// CreateApplication waits for the request's deadline while the store is stalled.
func (s *stallable) CreateApplication(ctx context.Context, a *membership.Application, rec *membership.IdempotencyRecord) error {
	if s.stalled.Load() {
		<-ctx.Done()
	}
	return s.Store.CreateApplication(ctx, a, rec)
}

// siteEvents reads the published events with registration from the built site in siteDir.
func siteEvents(siteDir string) *events.CatalogCache {
	return events.NewCatalogCache(func(context.Context) ([]byte, error) {
		return os.ReadFile(filepath.Join(siteDir, events.CatalogFile))
	})
}

// siteFrame reads the frame of the API's pages from the built site in siteDir.
func siteFrame(siteDir string) httpapi.FrameSource {
	return httpapi.FrameFunc(func(context.Context) ([]byte, error) {
		return os.ReadFile(filepath.Join(siteDir, httpapi.FramePath))
	})
}

// storedByOrgName returns the submitted applications whose organisation name
// is name.
func storedByOrgName(ctx context.Context, name string) ([]membership.Application, error) {
	p, err := env.store.Applications(ctx, membership.ApplicationQuery{Status: membership.StatusSubmitted, Search: name, Limit: membership.MaxPageSize})
	if err != nil {
		return nil, err
	}
	var out []membership.Application
	for _, a := range p.Applications {
		if a.OrgName != name {
			continue
		}
		app, err := env.store.Application(ctx, a.Number)
		if err != nil {
			return nil, err
		}
		out = append(out, *app)
	}
	return out, nil
}
