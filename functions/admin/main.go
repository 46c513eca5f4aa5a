// Command admin is the secretariat API as an AWS Lambda function behind API
// Gateway (HTTP API, payload v2): environment → DynamoDB client → store →
// back office (with the published events, read from the site's bucket) →
// token verifier → handler → lambda.Start.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/smelisting/alliance/functions/apigateway"
	"github.com/smelisting/alliance/functions/auth"
	"github.com/smelisting/alliance/functions/backoffice"
	"github.com/smelisting/alliance/functions/dynamo"
	"github.com/smelisting/alliance/functions/events"
	"github.com/smelisting/alliance/functions/httpapi"
	"github.com/smelisting/alliance/functions/sitebucket"
)

func main() {
	ctx := context.Background()
	level := slog.LevelInfo
	_ = level.UnmarshalText([]byte(os.Getenv("LOG_LEVEL")))
	log := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(log) // libraries' lines (a failed JWKS refresh) in JSON too, for the level=ERROR metric filter

	client, err := dynamo.NewClient(ctx, os.Getenv("DYNAMODB_ENDPOINT"))
	if err != nil {
		log.Error("start", "err", err.Error())
		os.Exit(1)
	}
	store := dynamo.New(client, dynamo.TableNames{
		Applications:  os.Getenv("APPLICATIONS_TABLE"),
		Members:       os.Getenv("MEMBERS_TABLE"),
		Dues:          os.Getenv("DUES_TABLE"),
		Registrations: os.Getenv("REGISTRATIONS_TABLE"),
	})
	// The published events with registration, read from the site's bucket when first needed.
	s3c, err := sitebucket.NewClient(os.Getenv("S3_ENDPOINT"))
	if err != nil {
		log.Error("start", "err", err.Error())
		os.Exit(1)
	}
	catalog := events.NewCatalogCache(sitebucket.NewFile(s3c, os.Getenv("SITE_BUCKET"), events.CatalogFile).Read)
	// https:// only; an empty JWKS_URL means the jwks_uri of the issuer's discovery document.
	verifier, err := auth.New(ctx, auth.Config{
		Issuer:     os.Getenv("JWT_ISSUER"),
		Audience:   os.Getenv("JWT_AUDIENCE"),
		JWKSURL:    os.Getenv("JWKS_URL"),
		RolesClaim: os.Getenv("JWT_ROLES_CLAIM"),
	})
	if err != nil {
		log.Error("start", "err", err.Error())
		os.Exit(1)
	}
	office := backoffice.New(backoffice.Config{Store: store, Events: store, Catalog: catalog, Log: log})
	h := httpapi.NewAdmin(httpapi.AdminConfig{Office: office, Verifier: verifier, Log: log, SiteOrigin: os.Getenv("SITE_ORIGIN")})
	lambda.Start(apigateway.Handler(h, apigateway.Config{OriginSecret: os.Getenv("ORIGIN_VERIFY_SECRET")}))
}
