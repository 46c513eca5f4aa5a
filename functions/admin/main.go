// Command admin is the secretariat API as an AWS Lambda function behind API
// Gateway (HTTP API, payload v2): environment → DynamoDB client → store →
// back office (with the published events, read from the site's bucket) →
// token verifier → the console's sign-in (when API_ORIGIN says where browsers
// reach the API) → handler → lambda.Start. The same function runs the daily
// retention sweep (backoffice.Service.Sweep) when its schedule invokes it.
package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/smelisting/alliance/functions/apigateway"
	"github.com/smelisting/alliance/functions/auth"
	"github.com/smelisting/alliance/functions/backoffice"
	"github.com/smelisting/alliance/functions/dynamo"
	"github.com/smelisting/alliance/functions/events"
	"github.com/smelisting/alliance/functions/httpapi"
	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/privacy"
	"github.com/smelisting/alliance/functions/secrets"
	"github.com/smelisting/alliance/functions/sitebucket"
	"github.com/smelisting/alliance/functions/uploadbucket"
)

func main() {
	ctx := context.Background()
	level := slog.LevelInfo
	_ = level.UnmarshalText([]byte(os.Getenv("LOG_LEVEL")))
	log := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(log) // libraries' lines (a failed JWKS refresh) in JSON too, for the level=ERROR metric filter

	timeout, err := httpapi.ParseTimeout(os.Getenv("STORE_TIMEOUT"))
	if err != nil {
		log.Error("start", "err", err.Error())
		os.Exit(1)
	}
	client, err := dynamo.NewClient(ctx, os.Getenv("DYNAMODB_ENDPOINT"))
	if err != nil {
		log.Error("start", "err", err.Error())
		os.Exit(1)
	}
	store := dynamo.New(client, dynamo.TableNames{
		Applications:  os.Getenv("APPLICATIONS_TABLE"),
		Members:       os.Getenv("MEMBERS_TABLE"),
		Dues:          os.Getenv("DUES_TABLE"),
		Sessions:      os.Getenv("SESSIONS_TABLE"),
		Registrations: os.Getenv("REGISTRATIONS_TABLE"),
		Outbox:        os.Getenv("OUTBOX_TABLE"),
	})
	// The published events with registration, read from the site's bucket when first needed.
	s3c, err := sitebucket.NewClient(os.Getenv("S3_ENDPOINT"))
	if err != nil {
		log.Error("start", "err", err.Error())
		os.Exit(1)
	}
	catalog := events.NewCatalogCache(sitebucket.NewFile(s3c, os.Getenv("SITE_BUCKET"), events.CatalogFile).Read)
	// https:// only; an empty JWKS_URL means the jwks_uri of the issuer's discovery document.
	cfg := auth.Config{
		Issuer:     os.Getenv("JWT_ISSUER"),
		Audience:   os.Getenv("JWT_AUDIENCE"),
		JWKSURL:    os.Getenv("JWKS_URL"),
		RolesClaim: os.Getenv("JWT_ROLES_CLAIM"),
	}
	verifier, err := auth.New(ctx, cfg)
	if err != nil {
		log.Error("start", "err", err.Error())
		os.Exit(1)
	}
	siteOrigin := os.Getenv("SITE_ORIGIN")
	var console *httpapi.ConsoleConfig
	if apiOrigin := os.Getenv("API_ORIGIN"); apiOrigin != "" {
		// The console's client ID is the audience: its ID tokens are checked like bearer tokens.
		lc := auth.LoginConfig{Config: cfg, RedirectURL: apiOrigin + httpapi.ConsoleRoutes[1].Pattern}
		if arn := os.Getenv("OIDC_CLIENT_SECRET_ARN"); arn != "" {
			// Read from Secrets Manager when the first sign-in needs it; empty: a public client.
			sm, err := secrets.NewClient(os.Getenv("SECRETS_ENDPOINT"))
			if err != nil {
				log.Error("start", "err", err.Error())
				os.Exit(1)
			}
			lc.LoadClientSecret = secrets.String(sm, arn)
		}
		login, err := auth.NewLogin(lc, verifier)
		if err != nil {
			log.Error("start", "err", err.Error())
			os.Exit(1)
		}
		console = &httpapi.ConsoleConfig{Login: login, Sessions: store, Origin: siteOrigin}
	}
	retention, err := membership.ParseRetention(os.Getenv("RETENTION_CLOSED_DAYS"), os.Getenv("RETENTION_REGISTRATION_DAYS"))
	if err != nil {
		log.Error("start", "err", err.Error())
		os.Exit(1)
	}
	// The outbox: the console's 邮件 page, and every erasure deletes the mail about the records.
	oc := backoffice.Config{Store: store, Events: store, Catalog: catalog, Mail: store, Log: log, Retention: retention,
		Erasers: []privacy.Eraser{privacy.Outbox(store)}}
	if b := os.Getenv("UPLOADS_BUCKET"); b != "" {
		oc.Files = uploadbucket.New(s3c, b)
	}
	office := backoffice.New(oc)
	// The site's address for the QR codes of printed certificates: its own domain, or, behind
	// CloudFront (the origin secret set) without one, the origin the API shares with the site.
	// In China without a served site there is none: no certificate can be printed yet.
	siteURL := siteOrigin
	if siteURL == "" && os.Getenv("ORIGIN_VERIFY_SECRET") != "" {
		siteURL = os.Getenv("API_ORIGIN")
	}
	h := httpapi.NewAdmin(httpapi.AdminConfig{Office: office, Verifier: verifier, Log: log, SiteOrigin: siteOrigin, SiteURL: siteURL,
		Console: console, Timeout: timeout})
	// ORIGIN_VERIFY_SECRET is set in the global layout only: in China the API (and its own
	// domain, ApiDomain) is reached directly, not through CloudFront.
	api := apigateway.Handler(h, apigateway.Config{OriginSecret: os.Getenv("ORIGIN_VERIFY_SECRET")})
	// The retention sweep's daily schedule (template.yaml) invokes the function
	// with {"sweep": "retention"}; every other event is the API's.
	lambda.Start(func(ctx context.Context, raw json.RawMessage) (any, error) {
		var job struct {
			Sweep string `json:"sweep"`
		}
		if json.Unmarshal(raw, &job) == nil && job.Sweep == "retention" {
			rep, err := office.Sweep(ctx, time.Now())
			if err != nil {
				log.Error("retention sweep", "err", err.Error())
			}
			return rep, err
		}
		return api(ctx, raw)
	})
}
