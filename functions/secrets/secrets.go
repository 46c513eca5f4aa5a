// Package secrets reads a secret's value from AWS Secrets Manager at run time, for a value
// a function must not carry in its configuration, where everyone who may read the
// function's settings sees it: the console's client secret at the issuer (the admin
// function's OIDC_CLIENT_SECRET_ARN). The function's role may read that one secret
// (secretsmanager:GetSecretValue on its ARN, template.yaml), nothing else.
package secrets

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
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
	opts := secretsmanager.Options{Region: os.Getenv("AWS_REGION")}
	if endpoint != "" {
		if opts.Region == "" {
			opts.Region = "cn-north-1"
		}
		opts.BaseEndpoint = aws.String(endpoint)
		opts.Credentials = credentials.NewStaticCredentialsProvider("local", "local", "")
		return secretsmanager.New(opts), nil
	}
	if opts.Region == "" {
		return nil, errors.New("secrets: new client: AWS_REGION is not set")
	}
	id, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if id == "" || secret == "" {
		return nil, errors.New("secrets: new client: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set")
	}
	opts.Credentials = aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(id, secret, os.Getenv("AWS_SESSION_TOKEN")))
	return secretsmanager.New(opts), nil
}
