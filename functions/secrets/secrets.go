// Package secrets reads a secret's value from AWS Secrets Manager at run time, for a value
// a function must not carry in its configuration, where everyone who may read the
// function's settings sees it: the console's client secret at the issuer (the admin
// function's OIDC_CLIENT_SECRET_ARN). The function's role may read that one secret
// (secretsmanager:GetSecretValue on its ARN, template.yaml), nothing else.
package secrets

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/smelisting/alliance/functions/lambdaenv"
)

// Getter is the Secrets Manager call String makes.
type Getter interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// String returns a function that reads the current SecretString of the secret with the
// ARN through client, each time it is called: the caller decides when (auth.Login asks
// when the first sign-in needs it, and again after a failed code exchange, so that a
// rotated secret is picked up without a deployment).
func String(client Getter, arn string) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		out, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
		if err != nil {
			return "", fmt.Errorf("secrets: get %s: %w", arn, err)
		}
		if aws.ToString(out.SecretString) == "" {
			return "", fmt.Errorf("secrets: %s has no SecretString", arn)
		}
		return *out.SecretString, nil
	}
}

// NewClient returns a Secrets Manager client for the Lambda environment: the region and
// the function's credentials from AWS_REGION and AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
// and AWS_SESSION_TOKEN, without reading any configuration file (what a cold start would
// pay for). With endpoint set (tests: a server on 127.0.0.1), it uses that endpoint and
// test credentials.
func NewClient(endpoint string) (*secretsmanager.Client, error) {
	region, creds, err := lambdaenv.AWS(endpoint, "cn-north-1")
	if err != nil {
		return nil, fmt.Errorf("secrets: new client: %w", err)
	}
	opts := secretsmanager.Options{Region: region, Credentials: creds}
	if endpoint != "" {
		opts.BaseEndpoint = aws.String(endpoint)
	}
	return secretsmanager.New(opts), nil
}
