package browsertest

import (
	"context"
	"net/http"
	"os"
	"path/filepath"

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
	h := httpapi.NewPublic(httpapi.PublicConfig{Store: store, SiteOrigin: siteOrigin, Frame: siteFrame(siteDir)})
	return h, store, func() { store.Close() }, nil
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
