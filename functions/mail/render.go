// Package mail turns outbox entries into messages and sends them: Renderer
// fills the templates of templates/mail (text and HTML parts) and composes
// the MIME message with github.com/wneessen/go-mail (Chinese subjects and
// names encoded as RFC 2047 words, UTF-8 bodies, a Message-ID derived from
// the entry); Sender drains the outbox through a Provider (Amazon SES in the
// global regions, an SMTP relay in China; packages ses and smtp) with a lease
// on each entry, and records what happened (package outbox has the rules).
package mail

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"net/mail"
	"strings"
	texttemplate "text/template"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/outbox"
)

// Config is what every message carries besides its entry: who it is from, where
// replies go and the site its links point to.
type Config struct {
	FromName    string // e.g. 中小企业上市服务联盟秘书处
	FromAddress string // an address of a domain the provider may send for
	ReplyTo     string // the secretariat's mailbox; "" for none
	SiteURL     string // https://www.example.org, the links' base
}

// Check returns an error naming what is missing or malformed.
func (c Config) Check() error {
	var bad []string
	if c.FromName == "" || strings.ContainsAny(c.FromName, "\r\n") {
		bad = append(bad, "the sender's name")
	}
	if _, err := mail.ParseAddress(c.FromAddress); err != nil || !membership.ValidEmail(c.FromAddress) {
		bad = append(bad, fmt.Sprintf("the sender's address %q", c.FromAddress))
	}
	if c.ReplyTo != "" && !membership.ValidEmail(c.ReplyTo) {
		bad = append(bad, fmt.Sprintf("the reply-to address %q", c.ReplyTo))
	}
	if !strings.HasPrefix(c.SiteURL, "https://") && !strings.HasPrefix(c.SiteURL, "http://127.0.0.1") && !strings.HasPrefix(c.SiteURL, "http://localhost") {
		bad = append(bad, fmt.Sprintf("the site's URL %q (https://…)", c.SiteURL))
	}
	if len(bad) > 0 {
		return fmt.Errorf("mail: configuration: %s", strings.Join(bad, ", "))
	}
	return nil
}

// Domain is the domain of the sender's address, which Message-IDs end with.
func (c Config) Domain() string {
	_, d, _ := strings.Cut(c.FromAddress, "@")
	return d
}

// Rendered is a message's subject and its two parts.
type Rendered struct {
	Subject string
	Text    string
	HTML    string
}

// view is what the templates see: the site's URL (no trailing slash), the
// recipient's name and the entry's data.
type view struct {
	Site string
	Name string
	D    map[string]string
}

// Renderer renders entries with the templates of one folder.
type Renderer struct {
	cfg       Config
	templates fs.FS
}

// NewRenderer returns a renderer reading templates (the mail templates folder:
// mailtemplates.FS, or the folder on disk) for messages from cfg.
func NewRenderer(cfg Config, templates fs.FS) *Renderer {
	cfg.SiteURL = strings.TrimSuffix(cfg.SiteURL, "/")
	return &Renderer{cfg: cfg, templates: templates}
}

// funcs are the templates' functions: link makes a path of the site absolute
// (an absolute URL stays), lines and fields split the digest's data.
func (r *Renderer) funcs() map[string]any {
	return map[string]any{
		"link": func(p string) string {
			if strings.HasPrefix(p, "/") {
				return r.cfg.SiteURL + p
			}
			return p
		},
		"lines":  func(s string) []string { return strings.Split(s, "\n") },
		"fields": func(s string) []string { return strings.SplitN(s, "\t", 3) },
	}
}

// Render fills the entry's templates. The subject is one line; a data field
// the template names but the entry lacks is an error, as is an unknown kind.
func (r *Renderer) Render(e *outbox.Entry) (*Rendered, error) {
	op := "mail: render " + string(e.Kind)
	if _, ok := outbox.KindLabels[e.Kind]; !ok {
		return nil, fmt.Errorf("%s: unknown kind", op)
	}
	v := view{Site: r.cfg.SiteURL, Name: e.ToName, D: e.Data}
	if v.Name == "" {
		v.Name = "先生/女士"
	}
	txt, err := texttemplate.New("").Option("missingkey=error").Funcs(r.funcs()).
		ParseFS(r.templates, string(e.Kind)+".txt", "footer.txt")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	var subject, text, html bytes.Buffer
	if err := txt.ExecuteTemplate(&subject, "subject", v); err != nil {
		return nil, fmt.Errorf("%s: subject: %w", op, err)
	}
	if err := txt.ExecuteTemplate(&text, string(e.Kind)+".txt", v); err != nil {
		return nil, fmt.Errorf("%s: text: %w", op, err)
	}
	h, err := htmltemplate.New("").Option("missingkey=error").Funcs(r.funcs()).
		ParseFS(r.templates, "layout.html", string(e.Kind)+".html", string(e.Kind)+".txt")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if err := h.ExecuteTemplate(&html, "layout", v); err != nil {
		return nil, fmt.Errorf("%s: html: %w", op, err)
	}
	s := strings.Join(strings.Fields(subject.String()), " ")
	return &Rendered{Subject: s, Text: strings.TrimLeft(text.String(), "\n"), HTML: html.String()}, nil
}

// Compose renders the entry and builds its MIME message: From, Reply-To, To
// with the recipient's name, the subject, a text and an HTML alternative in
// UTF-8 (quoted-printable), the Date, the Message-ID outbox.Entry.MessageID
// gives and the same id in X-Alliance-Outbox-Id (Amazon SES may put its own
// Message-ID in place of ours).
func (r *Renderer) Compose(e *outbox.Entry, now time.Time) (*gomail.Msg, error) {
	op := "mail: compose " + e.ID()
	msg, err := r.Render(e)
	if err != nil {
		return nil, err
	}
	m := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP))
	if err := m.FromFormat(r.cfg.FromName, r.cfg.FromAddress); err != nil {
		return nil, fmt.Errorf("%s: from: %w", op, err)
	}
	if r.cfg.ReplyTo != "" {
		if err := m.ReplyTo(r.cfg.ReplyTo); err != nil {
			return nil, fmt.Errorf("%s: reply-to: %w", op, err)
		}
	}
	if err := m.AddToFormat(e.ToName, e.To); err != nil {
		return nil, permanent(fmt.Errorf("%s: to: %w", op, err)) // no retry mends an address the parser refuses
	}
	m.Subject(msg.Subject)
	m.SetBodyString(gomail.TypeTextPlain, msg.Text)
	m.AddAlternativeString(gomail.TypeTextHTML, msg.HTML)
	m.SetDateWithValue(now)
	m.SetMessageIDWithValue(e.MessageID(r.cfg.Domain()))
	m.SetGenHeader(HeaderOutboxID, e.ID())
	m.SetGenHeader(HeaderAutoSubmitted, "auto-generated") // RFC 3834: no out-of-office replies to it
	return m, nil
}

// HeaderOutboxID names the header carrying the entry's ID.
const HeaderOutboxID gomail.Header = "X-Alliance-Outbox-Id"

// HeaderAutoSubmitted marks the message as sent by a program (RFC 3834).
const HeaderAutoSubmitted gomail.Header = "Auto-Submitted"
