// Package smtp sends the alliance's mail through an SMTP server with
// github.com/wneessen/go-mail: the domestic provider's relay in the China
// regions (where Amazon SES is not offered; port 465 with TLS or 587 with
// STARTTLS, and a user name and password read from Secrets Manager), and
// Mailpit on 127.0.0.1 for `alliance serve` and the tests. It keeps a few
// connections open between messages.
package smtp

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/smelisting/alliance/functions/mail"
)

// Config says how to reach the server.
type Config struct {
	Host     string
	Port     int    // 465: TLS from the start; 587 or 25: STARTTLS (unless Insecure)
	Username string // "" for no authentication (Mailpit)
	Password string
	// Insecure sends without TLS: only for a server on the loopback
	// interface (Mailpit).
	Insecure bool
	// Conns is how many connections are kept open at most; default 4.
	Conns int
}

// Provider is an SMTP server, safe for concurrent use.
type Provider struct {
	cfg  Config
	idle chan *gomail.Client
}

// New returns a provider for the server; it connects when the first message is sent.
func New(cfg Config) (*Provider, error) {
	if cfg.Host == "" || cfg.Port <= 0 {
		return nil, fmt.Errorf("smtp: no server configured (host %q, port %d)", cfg.Host, cfg.Port)
	}
	if cfg.Insecure && cfg.Host != "127.0.0.1" && cfg.Host != "localhost" && cfg.Host != "::1" {
		return nil, fmt.Errorf("smtp: plain SMTP to %s: only a server on 127.0.0.1 may be reached without TLS", cfg.Host)
	}
	if cfg.Conns <= 0 {
		cfg.Conns = 4
	}
	return &Provider{cfg: cfg, idle: make(chan *gomail.Client, cfg.Conns)}, nil
}

// dial opens a connection.
func (p *Provider) dial(ctx context.Context) (*gomail.Client, error) {
	opts := []gomail.Option{gomail.WithPort(p.cfg.Port), gomail.WithTimeout(30 * time.Second), gomail.WithHELO("localhost")}
	switch {
	case p.cfg.Insecure:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case p.cfg.Port == 465:
		opts = append(opts, gomail.WithSSL())
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if p.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(p.cfg.Username), gomail.WithPassword(p.cfg.Password))
	}
	c, err := gomail.NewClient(p.cfg.Host, opts...)
	if err != nil {
		return nil, err
	}
	if err := c.DialWithContext(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// Send sends m on an open connection, or a new one. A refusal of the
// recipient or of the message with a 5xx reply is a permanent
// *mail.Failure; any other failure (no connection, a 4xx reply, a refused
// sender or login, which are this side's configuration) is passing.
func (p *Provider) Send(ctx context.Context, m *gomail.Msg) (string, error) {
	var c *gomail.Client
	select {
	case c = <-p.idle:
	default:
		var err error
		if c, err = p.dial(ctx); err != nil {
			return "", &mail.Failure{Code: "smtp connect", Err: err}
		}
	}
	if err := c.Send(m); err != nil {
		_ = c.Close()
		return "", classify(err)
	}
	select {
	case p.idle <- c:
	default:
		_ = c.Close()
	}
	return m.ServerResponse(), nil
}

// Close closes the open connections.
func (p *Provider) Close() error {
	for {
		select {
		case c := <-p.idle:
			_ = c.Close()
		default:
			return nil
		}
	}
}

// classify turns go-mail's error into a *mail.Failure.
func classify(err error) error {
	var se *gomail.SendError
	if !errors.As(err, &se) {
		return &mail.Failure{Code: "smtp", Err: err}
	}
	code := se.ErrorCode()
	name := "smtp " + strconv.Itoa(code)
	if esc := se.EnhancedStatusCode(); esc != "" {
		name += " " + esc
	}
	refused := se.Reason == gomail.ErrSMTPRcptTo || se.Reason == gomail.ErrSMTPData || se.Reason == gomail.ErrSMTPDataClose
	return &mail.Failure{Code: name, Permanent: refused && code >= 500 && code < 600, Err: err}
}
