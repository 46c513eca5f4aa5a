// Package ses sends the alliance's mail through Amazon SES (the v2 API,
// aws-sdk-go-v2/service/sesv2) in the global regions: the message composed
// by package mail is sent as it is (Content.Raw), from the configured
// address, through the one identity the function may use (its role grants
// ses:SendEmail on that identity only).
package ses

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/smithy-go"
	gomail "github.com/wneessen/go-mail"

	"github.com/smelisting/alliance/functions/lambdaenv"
	"github.com/smelisting/alliance/functions/mail"
)

// Sender is the one call of SES the provider makes; *sesv2.Client is one.
type Sender interface {
	SendEmail(ctx context.Context, in *sesv2.SendEmailInput, opts ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

// Provider sends through SES.
type Provider struct {
	client   Sender
	from     string // FromEmailAddress: the sender's address
	identity string // the identity's ARN, "" to let SES find it by the address's domain
}

// New returns a provider sending from the address from through identity
// (its ARN; "" lets SES find the identity of from's domain).
func New(client Sender, from, identity string) *Provider {
	return &Provider{client: client, from: from, identity: identity}
}

// NewClient returns an SES client for the Lambda environment: the region and
// the function's credentials from AWS_REGION and AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, without reading any
// configuration file. With endpoint set (tests: a server on 127.0.0.1), it
// uses that endpoint and test credentials.
func NewClient(endpoint string) (*sesv2.Client, error) {
	region, creds, err := lambdaenv.AWS(endpoint, "ap-east-1")
	if err != nil {
		return nil, fmt.Errorf("ses: new client: %w", err)
	}
	opts := sesv2.Options{Region: region, Credentials: creds}
	if endpoint != "" {
		opts.BaseEndpoint = aws.String(endpoint)
	}
	return sesv2.New(opts), nil
}

// Send sends m as a raw message to its recipients and returns SES's
// MessageId. SES refusing the message or its address (MessageRejected,
// BadRequestException) is a permanent *mail.Failure; the rest (throttling,
// a paused account, an unverified domain: this side's to mend) is passing.
// A hard bounce after SES accepted the message is not seen here.
func (p *Provider) Send(ctx context.Context, m *gomail.Msg) (string, error) {
	rcpts, err := m.GetRecipients()
	if err != nil {
		return "", &mail.Failure{Code: "invalid", Permanent: true, Err: err}
	}
	for i, r := range rcpts {
		rcpts[i] = strings.TrimSuffix(strings.TrimPrefix(r, "<"), ">")
	}
	var raw bytes.Buffer
	if _, err := m.WriteTo(&raw); err != nil {
		return "", fmt.Errorf("ses: write message: %w", err)
	}
	in := &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(p.from),
		Destination:      &types.Destination{ToAddresses: rcpts},
		Content:          &types.EmailContent{Raw: &types.RawMessage{Data: raw.Bytes()}},
	}
	if p.identity != "" {
		in.FromEmailAddressIdentityArn = aws.String(p.identity)
	}
	out, err := p.client.SendEmail(ctx, in)
	if err != nil {
		return "", classify(err)
	}
	return aws.ToString(out.MessageId), nil
}

// classify turns an SES error into a *mail.Failure named by its code.
func classify(err error) error {
	var rejected *types.MessageRejected
	var bad *types.BadRequestException
	code := "ses"
	var api smithy.APIError
	if errors.As(err, &api) {
		code = "ses " + api.ErrorCode()
	}
	return &mail.Failure{Code: code, Permanent: errors.As(err, &rejected) || errors.As(err, &bad), Err: err}
}
