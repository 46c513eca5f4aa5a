package main

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/smelisting/alliance/functions/auth"
	"github.com/smelisting/alliance/functions/backoffice"
	"github.com/smelisting/alliance/functions/httpapi"
	"github.com/smelisting/alliance/functions/membership"
)

// devKeyFile is the development signing key inside the data folder. It is
// made on first use and never leaves this machine; only `alliance serve`
// trusts the tokens it signs (issuer auth.DevIssuer), the deployed function
// trusts only its configured JWKS.
const devKeyFile = "dev-token-key.pem"

// devJWKSPath is where `alliance serve` publishes the development key set.
const devJWKSPath = "/api/dev/jwks.json"

// devIssuer loads (or makes) the development issuer of the data folder.
func devIssuer(dataDir string) (*auth.LocalIssuer, error) {
	return auth.LoadLocalIssuer(filepath.Join(dataDir, devKeyFile), auth.DevIssuer, auth.DevAudience)
}

// mountAdmin adds the secretariat API and the development JWKS to mux, for
// `alliance serve`: tokens come from `alliance admin dev-token`.
func mountAdmin(mux *http.ServeMux, dataDir string, office *backoffice.Service, origin string, timeout time.Duration, log *slog.Logger) error {
	li, err := devIssuer(dataDir)
	if err != nil {
		return err
	}
	v, err := li.Verifier()
	if err != nil {
		return err
	}
	mux.Handle("/api/admin/", httpapi.NewAdmin(httpapi.AdminConfig{Office: office, Verifier: v, Log: log, SiteOrigin: origin, Timeout: timeout}))
	jwks := li.JWKS()
	mux.HandleFunc("GET "+devJWKSPath, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(jwks)
	})
	hint := "alliance admin dev-token --role secretariat"
	if dataDir != ".alliance-data" {
		hint += " --data-dir " + dataDir
	}
	log.Info("secretariat API at /api/admin/ (development tokens only): export ALLIANCE_TOKEN=$(" + hint + ")")
	return nil
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
	li, err := devIssuer(*dataDir)
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
