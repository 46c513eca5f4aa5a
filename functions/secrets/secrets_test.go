package secrets_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/smelisting/alliance/functions/secrets"
	"github.com/smelisting/alliance/functions/secrets/secretstest"
)

const arn = "arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:alliance/console-AbC123"

func TestString(t *testing.T) {
	srv := secretstest.New(t)
	client, err := secrets.NewClient(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	read := secrets.String(client, arn)
	if len(srv.Calls()) != 0 {
		t.Fatalf("String called Secrets Manager before it was asked: %v", srv.Calls())
	}
	if _, err := read(t.Context()); err == nil || !strings.Contains(err.Error(), "ResourceNotFoundException") {
		t.Errorf("a secret that does not exist: got %v, want ResourceNotFoundException", err)
	}
	srv.Put(arn, "s3cr3t-1")
	if got, err := read(t.Context()); got != "s3cr3t-1" || err != nil {
		t.Errorf("got %q, %v, want s3cr3t-1", got, err)
	}
	srv.Put(arn, "s3cr3t-2") // rotated: each call reads the current value
	if got, err := read(t.Context()); got != "s3cr3t-2" || err != nil {
		t.Errorf("after rotation: got %q, %v, want s3cr3t-2", got, err)
	}
	srv.Put(arn, "")
	if _, err := read(t.Context()); err == nil {
		t.Errorf("an empty SecretString: got no error")
	}
	srv.SetDown(true)
	if got, err := read(t.Context()); err == nil || got != "" {
		t.Errorf("Secrets Manager down: got %q, %v, want an error", got, err)
	}
	if calls := srv.Calls(); len(calls) < 5 || slices.ContainsFunc(calls, func(c string) bool { return c != arn }) {
		t.Errorf("calls %v, want every one for %s", calls, arn)
	}
}

func TestNewClientWantsTheLambdaEnvironment(t *testing.T) {
	t.Setenv("AWS_REGION", "")
	if _, err := secrets.NewClient(""); err == nil {
		t.Errorf("no AWS_REGION: got no error")
	}
	t.Setenv("AWS_REGION", "cn-north-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	if _, err := secrets.NewClient(""); err == nil {
		t.Errorf("no credentials: got no error")
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "ASIATEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	if _, err := secrets.NewClient(""); err != nil {
		t.Errorf("Lambda's environment: %v", err)
	}
}
