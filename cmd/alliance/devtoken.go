package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/smelisting/alliance/functions/auth"
	"github.com/smelisting/alliance/functions/auth/devprovider"
	"github.com/smelisting/alliance/functions/backoffice"
	"github.com/smelisting/alliance/functions/httpapi"
	"github.com/smelisting/alliance/functions/membership"
)

// devKeyFile is the development signing key inside the data folder. It is
// made on first use and never leaves this machine; `alliance serve`'s
// development OpenID provider signs with it, and so does `alliance admin
// dev-token`. The deployed function trusts only its configured issuer.
const devKeyFile = "dev-token-key.pem"

// defaultIssuerAddr is where `alliance serve` runs the development OpenID
// provider unless --issuer-addr says otherwise.
const defaultIssuerAddr = "127.0.0.1:1314"

// devKeys loads (or makes) the development key of the data folder, as the
// key of the issuer at the URL.
func devKeys(dataDir, issuer string) (*auth.LocalIssuer, error) {
	return auth.LoadLocalIssuer(filepath.Join(dataDir, devKeyFile), issuer, auth.DevAudience)
}

// adminMount is what mountAdmin needs.
type adminMount struct {
	DataDir    string // holds the development key
	IssuerAddr string // loopback address of the development OpenID provider
	Origin     string // the origin of the site, the console and the API (one in serve)
	Office     *backoffice.Service
	Sessions   httpapi.SessionStore
	Timeout    time.Duration // the store work of one request (httpapi.Deadline); 0: the default
	Log        *slog.Logger
}

// mountAdmin starts the development OpenID provider (until ctx ends) and
// adds the secretariat API to mux, trusting that provider exactly as the
// deployed function trusts the alliance's issuer: bearer tokens checked
// against its published keys, and the console's sign-in through it as a
// confidential client with PKCE. Only the issuer's address (http:// on
// 127.0.0.1) differs; auth allows it because serve says so. It returns the
// issuer's URL.
func mountAdmin(ctx context.Context, mux *http.ServeMux, m adminMount) (string, error) {
	li, err := devKeys(m.DataDir, "")
	if err != nil {
		return "", err
	}
	key, kid := li.SigningKey()
	callback := m.Origin + httpapi.ConsoleRoutes[1].Pattern
	secret := rand.Text()
	iss, err := devprovider.Start(ctx, m.IssuerAddr, devprovider.Config{ClientID: auth.DevAudience, ClientSecret: secret,
		RedirectURIs: []string{callback}, Key: key, KeyID: kid, Log: m.Log})
	if err != nil {
		return "", err
	}
	cfg := auth.Config{Issuer: iss.URL, Audience: auth.DevAudience, JWKSURL: iss.KeysURL(), RolesClaim: "roles", AllowLoopbackHTTP: true}
	v, err := auth.New(ctx, cfg)
	if err != nil {
		return "", err
	}
	login, err := auth.NewLogin(auth.LoginConfig{Config: cfg, ClientSecret: secret, RedirectURL: callback}, v)
	if err != nil {
		return "", err
	}
	mux.Handle("/api/admin/", httpapi.NewAdmin(httpapi.AdminConfig{Office: m.Office, Verifier: v, Log: m.Log, SiteOrigin: m.Origin, SiteURL: m.Origin, Timeout: m.Timeout,
		Console: &httpapi.ConsoleConfig{Login: login, Sessions: m.Sessions}}))
	hint := "alliance admin dev-token --role secretariat"
	if m.DataDir != ".alliance-data" {
		hint += " --data-dir " + m.DataDir
	}
	if iss.URL != "http://"+defaultIssuerAddr {
		hint += " --issuer " + iss.URL
	}
	m.Log.Info("secretariat console at " + m.Origin + "/admin/ (sign in through the development OpenID provider at " + iss.URL +
		"); API at /api/admin/: export ALLIANCE_TOKEN=$(" + hint + ")")
	return iss.URL, nil
}

var devRoles = []string{membership.RoleSecretariat, membership.RoleChair, membership.RoleSupervisor}

// runDevToken serves `alliance admin dev-token`.
func runDevToken(args []string, out io.Writer) error {
	fs := newFlagSet("admin dev-token", "admin dev-token --role ROLE [flags]",
		"export ALLIANCE_TOKEN=$(alliance admin dev-token --role chair --subject dev-chair-2)")
	role := fs.String("role", "", "`role` of the token: secretariat, chair or supervisor")
	subject := fs.String("subject", "", "user id in the token (default dev-ROLE); use another to act as a second person")
	name := fs.String("name", "", "display name in the token")
	ttl := fs.Duration("ttl", time.Hour, "how long the token is valid (at most 12h)")
	dataDir := fs.String("data-dir", ".alliance-data", "`folder` of `alliance serve` holding the development key")
	issuer := fs.String("issuer", "http://"+defaultIssuerAddr, "`URL` of `alliance serve`'s development OpenID provider (its --issuer-addr)")
	fs.SetOutput(os.Stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !slices.Contains(devRoles, *role) {
		return fmt.Errorf("admin dev-token: --role must be one of %v", devRoles)
	}
	if *ttl <= 0 || *ttl > 12*time.Hour {
		return fmt.Errorf("admin dev-token: --ttl must be between 1s and 12h")
	}
	if *subject == "" {
		*subject = "dev-" + *role
	}
	if *name == "" {
		*name = *subject
	}
	li, err := devKeys(*dataDir, *issuer)
	if err != nil {
		return err
	}
	tok, err := li.Mint(*subject, *name, []string{*role}, *ttl)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, tok)
	return nil
}
