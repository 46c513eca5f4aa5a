package main

import (
	"context"
	"fmt"
	"io"

	"github.com/smelisting/alliance/functions/outbox"
)

// mail lists the outbox's failed (or, with --pending, waiting) messages.
func (c *adminCLI) mail(ctx context.Context, args []string) error {
	fs := c.flags("mail", "mail [--pending]", "alliance admin mail")
	pending := fs.Bool("pending", false, "list the messages still waiting to be sent instead of those that failed")
	_, o, err := c.parse(fs, args, 0)
	if err != nil {
		return err
	}
	state := outbox.StateFailed
	if *pending {
		state = outbox.StatePending
	}
	l, err := o.Mail(ctx, state)
	if err != nil {
		return err
	}
	return c.print(l, func(w io.Writer) {
		fmt.Fprintln(w, "ID\tKIND\tTO\tATTEMPTS\tNEXT\tVERSION\tLAST ERROR")
		for _, m := range l.Mail {
			fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\t%d\t%s\n", m.ID, m.KindLabel, m.To, m.Attempts, beijing(m.Due), m.Version, m.LastError)
		}
	})
}

// retryMail puts a failed message back in the queue, to --to if given.
func (c *adminCLI) retryMail(ctx context.Context, args []string) error {
	fs := c.flags("retry-mail", "retry-mail --version V [--to ADDRESS] ID", "alliance admin retry-mail --version 3 --to lisi@example.com SQ2026-000123/h1")
	version := fs.Int("version", 0, "the `version` of the message as listed (alliance admin mail)")
	to := fs.String("to", "", "the corrected `address` (empty: the same)")
	pos, o, err := c.parse(fs, args, 1)
	if err != nil {
		return err
	}
	m, err := o.RetryMail(ctx, outbox.RetryRequest{ID: pos[0], Version: *version, To: *to})
	if err != nil {
		return err
	}
	return c.print(m, func(w io.Writer) {
		fmt.Fprintf(w, "%s %s → %s: %s\n", m.ID, m.KindLabel, m.To, m.StateLabel)
	})
}
