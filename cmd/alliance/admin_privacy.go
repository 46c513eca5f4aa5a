package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/smelisting/alliance/functions/backoffice"
	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/privacy"
)

// printDocuments lists an application's documents and the notices the
// reader must see (材料不全).
func printDocuments(w io.Writer, a *backoffice.ApplicationDetail) {
	for _, n := range a.Notices {
		fmt.Fprintf(w, "notice\t%s\n", n)
	}
	for _, f := range a.Attachments {
		fmt.Fprintf(w, "document\t%s\t%s\t%s\t%d KB\t%s\n", f.ID, f.Name, membership.Label(membership.AttachmentTypes, f.Type),
			(f.Size+1023)/1024, f.UploadedAt.In(membership.China).Format("2006-01-02 15:04"))
	}
}

// document saves one document of an application: it asks the API for a
// short-lived link and downloads it.
func (c *adminCLI) document(ctx context.Context, args []string) error {
	fs := c.flags("document", "document NUMBER ID [--out FILE]", "alliance admin document SQ2026-000001 K7Q2M4XWZ3ABCDEFGH2J --out 营业执照.pdf")
	out := fs.String("out", "", "save to this `file` (default: the document's name, in the current folder)")
	pos, o, err := c.parse(fs, args, 2)
	if err != nil {
		return err
	}
	d, err := o.AttachmentURL(ctx, pos[0], pos[1])
	if err != nil {
		return err
	}
	name := *out
	if name == "" {
		name = strings.NewReplacer("/", "_", `\`, "_").Replace(d.Name)
	}
	if err := download(ctx, d.URL, name); err != nil {
		return err
	}
	return c.print(d, func(w io.Writer) { fmt.Fprintf(w, "saved\t%s\t%d bytes\n", name, d.Size) })
}

// download saves what url answers into the file name.
func download(ctx context.Context, url, name string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("admin: download: %w", err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("admin: download: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("admin: download: the bucket answered %s", res.Status)
	}
	f, err := os.Create(name)
	if err != nil {
		return fmt.Errorf("admin: download: %w", err)
	}
	_, err = io.Copy(f, io.LimitReader(res.Body, membership.MaxAttachmentSize+1))
	return errors.Join(err, f.Close())
}

// erase erases a person's data from the records named, on their request.
func (c *adminCLI) erase(ctx context.Context, args []string) error {
	fs := c.flags("erase", "erase --note BASIS [--application N]... [--member C]... [--registration SLUG/CODE]...",
		`alliance admin erase --application SQ2026-000001 --member LM-2026-0001 --note "本人书面申请，2027-03-02 来函"`)
	var q backoffice.ErasureRequest
	fs.StringVar(&q.Note, "note", "", "on whose request and how it was made (required)")
	fs.Func("application", "an application `number` (repeat for more)", func(s string) error {
		q.Applications = append(q.Applications, s)
		return nil
	})
	fs.Func("member", "a certificate `number` (repeat for more)", func(s string) error {
		q.Members = append(q.Members, s)
		return nil
	})
	fs.Func("registration", "an event registration as `slug/code` (repeat for more)", func(s string) error {
		slug, code, ok := strings.Cut(s, "/")
		if !ok {
			return fmt.Errorf("want SLUG/CODE, e.g. 2027-bse-training/7KQ3-M9XD")
		}
		q.Registrations = append(q.Registrations, privacy.RegistrationRef{Event: slug, Code: code})
		return nil
	})
	_, o, err := c.parse(fs, args, 0)
	if err != nil {
		return err
	}
	r, err := o.ErasePerson(ctx, q)
	if err != nil {
		return err
	}
	return c.print(r, func(w io.Writer) {
		fmt.Fprintf(w, "erased\t%s\t%s\n", r.Erasure.At.In(membership.China).Format("2006-01-02 15:04"), r.Erasure.Label())
		for _, n := range r.Applications {
			fmt.Fprintf(w, "application\t%s\n", n)
		}
		for _, m := range r.Members {
			fmt.Fprintf(w, "member\t%s\n", m)
		}
		for _, g := range r.Registrations {
			fmt.Fprintf(w, "registration\t%s/%s\n", g.Event, g.Code)
		}
	})
}
