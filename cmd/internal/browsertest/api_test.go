package browsertest

import (
	"context"
	"net/http"
	"os"
	"path/filepath"

	"github.com/smelisting/alliance/functions/events"
	"github.com/smelisting/alliance/functions/httpapi"
	"github.com/smelisting/alliance/functions/localstore"
	"github.com/smelisting/alliance/functions/membership"
)

// openAPI returns the real public /api handler on an embedded store in dir,
// the store (so that tests can read what the form stored) and a closer. The
// pages it renders itself take their frame from the built site in siteDir.
func openAPI(dir, siteOrigin, siteDir string) (http.Handler, *localstore.Store, func(), error) {
	store, err := localstore.Open(dir)
	if err != nil {
		return nil, nil, nil, err
	}
	h := httpapi.NewPublic(httpapi.PublicConfig{Store: store, SiteOrigin: siteOrigin, Frame: siteFrame(siteDir),
		Registrations: store, Events: siteEvents(siteDir)})
	return h, store, func() { store.Close() }, nil
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
	apps, err := env.store.Applications(ctx, membership.StatusSubmitted)
	if err != nil {
		return nil, err
	}
	var out []membership.Application
	for _, a := range apps {
		if a.OrgName == name {
			out = append(out, a)
		}
	}
	return out, nil
}
