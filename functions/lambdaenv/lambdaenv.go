// Package lambdaenv reads what the Lambda runtime gives a function in its
// environment for the AWS SDK's clients: the region (AWS_REGION) and the
// role's credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_SESSION_TOKEN). It deliberately leaves out config.LoadDefaultConfig:
// the functions never read shared config files, SSO or web-identity
// profiles, and that code would cost each binary megabytes and each cold
// start its work (on Lambda the default chain reads the same variables).
package lambdaenv

import (
	"errors"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// AWS returns the region and credentials a client should use. With an
// endpoint (tests: a server on 127.0.0.1) the region is AWS_REGION or else
// localRegion, and the credentials are static dummies. Without one, AWS_REGION,
// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set.
func AWS(endpoint, localRegion string) (region string, creds aws.CredentialsProvider, err error) {
	region = os.Getenv("AWS_REGION")
	if endpoint != "" {
		if region == "" {
			region = localRegion
		}
		return region, credentials.NewStaticCredentialsProvider("local", "local", ""), nil
	}
	if region == "" {
		return "", nil, errors.New("AWS_REGION is not set")
	}
	id, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if id == "" || secret == "" {
		return "", nil, errors.New("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set")
	}
	return region, aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(id, secret, os.Getenv("AWS_SESSION_TOKEN"))), nil
}
