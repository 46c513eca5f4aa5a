package mail_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smelisting/alliance/functions/mail"
	"github.com/smelisting/alliance/functions/mail/mailtest"
	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/outbox"
	mailtemplates "github.com/smelisting/alliance/templates/mail"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// sampleConfig is the configuration the golden files are rendered with.
var sampleConfig = mail.Config{FromName: mailtest.FromName, FromAddress: mailtest.FromAddress,
	ReplyTo: mailtest.ReplyTo, SiteURL: mailtest.SiteURL}

// golden is a rendered message as its golden file holds it.
func golden(r *mail.Rendered) string {
	return "Subject: " + r.Subject + "\n\n" + r.Text + "\n==== HTML ====\n" + r.HTML
}

// TestRenderGolden renders one sample of every kind (made by the domain's
// own functions) and compares subject, text and HTML with testdata/<kind>.golden.
func TestRenderGolden(t *testing.T) {
	r := mail.NewRenderer(sampleConfig, mailtemplates.FS)
	for _, e := range mailtest.Samples() {
		t.Run(string(e.Kind), func(t *testing.T) {
			got, err := r.Render(&e)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", string(e.Kind)+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(golden(got)), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (go test -update writes it)", err)
			}
			if golden(got) != string(want) {
				t.Errorf("%s differs from %s (go test -update rewrites it):\n%s", e.Kind, path, golden(got))
			}
			if !strings.HasPrefix(got.Subject, "【中小企业上市服务联盟】") || strings.ContainsAny(got.Subject, "\r\n") {
				t.Errorf("subject %q, want one line starting 【中小企业上市服务联盟】", got.Subject)
			}
			for _, part := range []string{got.Text, got.HTML} {
				if strings.Contains(part, "<no value>") || strings.Contains(part, "%!") {
					t.Errorf("a part holds a missing value:\n%s", part)
				}
			}
		})
	}
}

// TestRenderEveryKindHasTemplates: a kind without its two templates, or a
// template without a kind, is an error here rather than in production.
func TestRenderEveryKindHasTemplates(t *testing.T) {
	files, err := filepath.Glob("../../templates/mail/*.*")
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, f := range files {
		have[filepath.Base(f)] = true
	}
	for _, k := range outbox.Kinds {
		for _, ext := range []string{".txt", ".html"} {
			if !have[string(k)+ext] {
				t.Errorf("templates/mail/%s%s missing", k, ext)
			}
			delete(have, string(k)+ext)
		}
	}
	for _, f := range []string{"layout.html", "footer.txt", "mail.go"} {
		delete(have, f)
	}
	for f := range have {
		t.Errorf("templates/mail/%s is the template of no outbox kind", f)
	}
}

// TestRenderRefusesMissingData: a template naming a field the entry lacks fails.
func TestRenderRefusesMissingData(t *testing.T) {
	r := mail.NewRenderer(sampleConfig, mailtemplates.FS)
	e := mailtest.Samples()[0]
	delete(e.Data, "number")
	if _, err := r.Render(&e); err == nil {
		t.Fatal("rendered a received mail without its number")
	}
}

// TestRenderEveryApplicantsReceivedMail: the received mail of each type of
// applicant renders, and only an enterprise's asks for the licence copy
// (the golden file shows an enterprise's).
func TestRenderEveryApplicantsReceivedMail(t *testing.T) {
	r := mail.NewRenderer(sampleConfig, mailtemplates.FS)
	for _, typ := range []membership.MemberType{membership.TypeEnterprise, membership.TypeGroup, membership.TypeIndividual} {
		a := &membership.Application{Number: "SQ2026-000140", Type: typ, OrgName: "某单位", Contact: "吴某", Email: "wu@example.com"}
		a.Submit(mailtest.Now)
		es := outbox.ForApplication(a, 0)
		if len(es) != 1 {
			t.Fatalf("%s: %d entries, want the received mail", typ, len(es))
		}
		got, err := r.Render(&es[0])
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		if asks := strings.Contains(got.Text, "营业执照") && strings.Contains(got.HTML, "营业执照"); asks != (typ == membership.TypeEnterprise) {
			t.Errorf("%s: asks for the licence %v, want %v", typ, asks, typ == membership.TypeEnterprise)
		}
	}
}
