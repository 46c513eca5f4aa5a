package dynamo

import (
	"context"
	"errors"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// NewClient returns a DynamoDB client configured from the environment the way the Lambda
// runtime provides it: the region from AWS_REGION and the function role's credentials from
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN. With an endpoint
// (DynamoDB Local, dynalite) it talks to that server with static dummy credentials, region
// cn-north-1 unless AWS_REGION says otherwise, and no response checksum check (local
// servers' 400 answers lack a valid one).
//
// Its retryer (newRetryer, the first layer of the store's one retry policy: retry.go)
// makes at most MaxAttempts attempts with at most MaxBackoff between them, so that a
// throttled or failing call gives up well inside a request's deadline
// (httpapi.DefaultTimeout); every call also ends with its context, whose deadline the
// handlers set.
//
// It deliberately does not use config.LoadDefaultConfig: the functions never read shared
// config files, SSO or web-identity profiles, and leaving that code out makes each Lambda
// binary about 2.4 MB smaller (the SDK's default chain reads the same variables on Lambda).
func NewClient(ctx context.Context, endpoint string) (*dynamodb.Client, error) {
	opts := dynamodb.Options{Region: os.Getenv("AWS_REGION"), Retryer: newRetryer()}
	if endpoint != "" {
		if opts.Region == "" {
			opts.Region = "cn-north-1"
		}
		opts.Credentials = credentials.NewStaticCredentialsProvider("local", "local", "")
		opts.BaseEndpoint = aws.String(endpoint)
		opts.DisableValidateResponseChecksum = true
		return dynamodb.New(opts), nil
	}
	if opts.Region == "" {
		return nil, errors.New("dynamo: new client: AWS_REGION is not set")
	}
	id, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if id == "" || secret == "" {
		return nil, errors.New("dynamo: new client: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set")
	}
	opts.Credentials = aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(id, secret, os.Getenv("AWS_SESSION_TOKEN")))
	return dynamodb.New(opts), nil
}
