package main

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/smelisting/alliance/functions/mail"
	"github.com/smelisting/alliance/functions/notify"
	"github.com/smelisting/alliance/functions/outbox"
	"github.com/smelisting/alliance/functions/smtp"
)

// mailConfig is how `alliance serve` sends the outbox's mail: to the SMTP
// server at SMTP (Mailpit, say; empty: the mail stays queued), rendered
// from Templates (the templates/mail folder on disk, so an edit shows in the
// next mail), with links to SiteURL.
type mailConfig struct {
	SMTP      string // host:port on the loopback interface
	From      string
	SiteURL   string
	Templates fs.FS
	Every     time.Duration // how often the outbox is drained; 0: 2 s
}

// startMail starts the in-process sender (or, without an SMTP server, a
// reminder that mail is queued) and the daily notices, until ctx ends.
func startMail(ctx context.Context, store interface {
	mail.Outbox
	notify.Store
	Mail(ctx context.Context, state outbox.State) ([]outbox.Entry, error)
}, cfg mailConfig, log *slog.Logger) error {
	if cfg.Every <= 0 {
		cfg.Every = 2 * time.Second
	}
	go every(ctx, time.Hour, func() { dailyNotices(ctx, store, log) })
	if cfg.SMTP == "" {
		go every(ctx, time.Minute, func() {
			if es, err := store.Mail(ctx, outbox.StatePending); err == nil && len(es) > 0 {
				log.Info("mail queued, not sent: run make serve-mail (Mailpit) or serve --smtp 127.0.0.1:1025 to see it", "queued", len(es))
			}
		})
		return nil
	}
	host, port, err := net.SplitHostPort(cfg.SMTP)
	if err != nil {
		return fmt.Errorf("serve: --smtp %q: %w", cfg.SMTP, err)
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return fmt.Errorf("serve: --smtp %q: %w", cfg.SMTP, err)
	}
	provider, err := smtp.New(smtp.Config{Host: host, Port: p, Insecure: true})
	if err != nil {
		return fmt.Errorf("serve: --smtp: %w", err)
	}
	mc := mail.Config{FromName: "中小企业上市服务联盟秘书处", FromAddress: cfg.From, SiteURL: cfg.SiteURL}
	if err := mc.Check(); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	s := mail.NewSender(mail.SenderConfig{Outbox: store, Provider: provider, Renderer: mail.NewRenderer(mc, cfg.Templates), Log: log})
	go func() {
		defer provider.Close()
		s.Run(ctx, cfg.Every)
	}()
	return nil
}

// every calls fn now and then every d until ctx ends.
func every(ctx context.Context, d time.Duration, fn func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		fn()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// dailyNotices queues the daily notices (package notify) that are due: each
// once, however often this runs (serve runs it every hour).
func dailyNotices(ctx context.Context, store notify.Store, log *slog.Logger) {
	if n, err := notify.Run(ctx, store, outbox.DefaultSchedule, time.Now()); err != nil && ctx.Err() == nil {
		log.Warn("daily notices", "err", err.Error())
	} else if n > 0 {
		log.Info("daily notices queued", "queued", n)
	}
}
