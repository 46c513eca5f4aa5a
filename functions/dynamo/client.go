package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/smelisting/alliance/functions/lambdaenv"
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
// Region and credentials come from package lambdaenv (no config.LoadDefaultConfig: each
// Lambda binary is about 2.4 MB smaller without it).
func NewClient(ctx context.Context, endpoint string) (*dynamodb.Client, error) {
	region, creds, err := lambdaenv.AWS(endpoint, "cn-north-1")
	if err != nil {
		return nil, fmt.Errorf("dynamo: new client: %w", err)
	}
	opts := dynamodb.Options{Region: region, Credentials: creds, Retryer: newRetryer()}
	if endpoint != "" {
		opts.BaseEndpoint = aws.String(endpoint)
		opts.DisableValidateResponseChecksum = true
	}
	return dynamodb.New(opts), nil
}
