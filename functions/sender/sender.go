package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/smelisting/alliance/functions/dynamo"
	"github.com/smelisting/alliance/functions/mail"
	"github.com/smelisting/alliance/functions/secrets"
	"github.com/smelisting/alliance/functions/ses"
	"github.com/smelisting/alliance/functions/smtp"
	mailtemplates "github.com/smelisting/alliance/templates/mail"
)

// config is the function's environment.
type config struct {
	Endpoint    string // DYNAMODB_ENDPOINT, tests only
	Outbox      string // OUTBOX_TABLE
	FromAddress string // MAIL_FROM
	FromName    string // MAIL_FROM_NAME
	ReplyTo     string // MAIL_REPLY_TO, "" for none
	SiteURL     string // SITE_URL: the links' base
	// Amazon SES (global regions): the identity's ARN.
	SESIdentity string // SES_IDENTITY_ARN
	SESEndpoint string // SES_ENDPOINT, tests only
	// An SMTP relay (China regions): its host and port, and the secret
	// holding {"username": …, "password": …}, read at every invocation so
	// that a rotated password is taken up without a deployment.
	SMTPHost        string // SMTP_HOST
	SMTPPort        string // SMTP_PORT
	SMTPSecret      string // SMTP_SECRET_ARN
	SecretsEndpoint string // SECRETS_ENDPOINT, tests only
}

// drainer is the function: the outbox and the renderer, built once, and the
// provider, built at each invocation.
type drainer struct {
	cfg      config
	outbox   *dynamo.Store
	renderer *mail.Renderer
	provider func(ctx context.Context) (mail.Provider, func(), error)
	log      *slog.Logger
}

// newDrainer checks the configuration and builds what every invocation uses.
func newDrainer(ctx context.Context, cfg config, log *slog.Logger) (*drainer, error) {
	mc := mail.Config{FromName: cfg.FromName, FromAddress: cfg.FromAddress, ReplyTo: cfg.ReplyTo, SiteURL: cfg.SiteURL}
	if err := mc.Check(); err != nil {
		return nil, err
	}
	if cfg.Outbox == "" {
		return nil, errors.New("sender: OUTBOX_TABLE must be set")
	}
	client, err := dynamo.NewClient(ctx, cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	d := &drainer{cfg: cfg, outbox: dynamo.New(client, dynamo.TableNames{Outbox: cfg.Outbox}),
		renderer: mail.NewRenderer(mc, mailtemplates.FS), log: log}
	switch {
	case cfg.SESIdentity != "" && cfg.SMTPHost != "":
		return nil, errors.New("sender: both SES_IDENTITY_ARN and SMTP_HOST are set: choose one provider")
	case cfg.SESIdentity != "":
		c, err := ses.NewClient(cfg.SESEndpoint)
		if err != nil {
			return nil, err
		}
		p := ses.New(c, cfg.FromAddress, cfg.SESIdentity)
		d.provider = func(context.Context) (mail.Provider, func(), error) { return p, func() {}, nil }
	case cfg.SMTPHost != "":
		if d.provider, err = d.smtpProvider(); err != nil {
			return nil, err
		}
	default:
		return nil, errors.New("sender: neither SES_IDENTITY_ARN nor SMTP_HOST is set")
	}
	return d, nil
}

// smtpProvider returns the factory of an SMTP provider whose credentials are
// read from Secrets Manager at each invocation.
func (d *drainer) smtpProvider() (func(ctx context.Context) (mail.Provider, func(), error), error) {
	port, err := strconv.Atoi(d.cfg.SMTPPort)
	if err != nil {
		return nil, fmt.Errorf("sender: SMTP_PORT %q: %w", d.cfg.SMTPPort, err)
	}
	var load func(context.Context) (string, error)
	if d.cfg.SMTPSecret != "" {
		sm, err := secrets.NewClient(d.cfg.SecretsEndpoint)
		if err != nil {
			return nil, err
		}
		load = secrets.String(sm, d.cfg.SMTPSecret)
	}
	return func(ctx context.Context) (mail.Provider, func(), error) {
		c := smtp.Config{Host: d.cfg.SMTPHost, Port: port, Insecure: d.cfg.SMTPHost == "127.0.0.1"} // plain SMTP: tests on loopback only
		if load != nil {
			s, err := load(ctx)
			if err != nil {
				return nil, nil, err
			}
			var cred struct{ Username, Password string }
			if err := json.Unmarshal([]byte(s), &cred); err != nil || cred.Username == "" {
				return nil, nil, fmt.Errorf("sender: the SMTP secret is not {\"username\": …, \"password\": …}")
			}
			c.Username, c.Password = cred.Username, cred.Password
		}
		p, err := smtp.New(c)
		if err != nil {
			return nil, nil, err
		}
		return p, func() { p.Close() }, nil
	}, nil
}

// margin is the time an invocation keeps, after it stops claiming entries,
// to record the outcome of the sends under way.
const margin = 15 * time.Second

// handle is one invocation: drain the outbox until nothing is due or the
// invocation's time, less margin, is up.
func (d *drainer) handle(ctx context.Context) (mail.Stats, error) {
	if dl, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl.Add(-margin))
		defer cancel()
	}
	p, done, err := d.provider(ctx)
	if err != nil {
		d.log.ErrorContext(ctx, "sender: provider", "err", err.Error())
		return mail.Stats{}, err
	}
	defer done()
	s := mail.NewSender(mail.SenderConfig{Outbox: d.outbox, Provider: p, Renderer: d.renderer, Log: d.log})
	st, err := s.Drain(ctx)
	if err != nil {
		d.log.ErrorContext(ctx, "sender: drain", "err", err.Error())
		return st, err
	}
	d.log.InfoContext(ctx, "drained", "sent", st.Sent, "retried", st.Retried, "failed", st.Failed)
	return st, nil
}
