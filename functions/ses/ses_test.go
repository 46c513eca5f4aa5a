package ses_test

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strings"
	"sync"
	"testing"

	alliancemail "github.com/smelisting/alliance/functions/mail"
	"github.com/smelisting/alliance/functions/mail/mailtest"
	"github.com/smelisting/alliance/functions/ses"
	mailtemplates "github.com/smelisting/alliance/templates/mail"
)

// recorded is SES v2's answer to a SendEmail it accepted, as recorded from the
// service (the shape of POST /v2/email/outbound-emails: 200 with the MessageId).
const recorded = `{"MessageId":"0100019a5c2f7e1b-3f0e9d52-6b1c-4d8a-9f7e-2c4b1a6d8e90-000000"}`

// rejected is its answer to a message it refuses (the error type in the
// X-Amzn-ErrorType header, the message in the body).
const rejected = `{"message":"Email address is not verified. The following identities failed the check in region AP-EAST-1: wrong@typo.example.net"}`

type sesServer struct {
	mu     sync.Mutex
	reqs   []*http.Request
	bodies [][]byte
	reject bool
}

func (s *sesServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.reqs, s.bodies = append(s.reqs, r), append(s.bodies, b)
	reject := s.reject
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-RequestId", "7c0e6a7b-2f2e-4a55-9c8e-0f4e0d1b2a33")
	if reject {
		w.Header().Set("X-Amzn-ErrorType", "MessageRejected")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, rejected)
		return
	}
	io.WriteString(w, recorded)
}

// TestSendEmailRequest sends a sample through the SDK (which signs it for
// real) to a local server answering as SES did, and checks the request's
// shape: the route, SigV4 for the ses service in the region, and a JSON body
// whose raw MIME message has the Chinese subject and names encoded, the
// Message-ID of the entry and both parts.
func TestSendEmailRequest(t *testing.T) {
	t.Setenv("AWS_REGION", "ap-east-1")
	srv := &sesServer{}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	client, err := ses.NewClient(hs.URL)
	if err != nil {
		t.Fatal(err)
	}
	const identity = "arn:aws:ses:ap-east-1:123456789012:identity/smelisting.example"
	p := ses.New(client, mailtest.FromAddress, identity)
	r := alliancemail.NewRenderer(alliancemail.Config{FromName: mailtest.FromName, FromAddress: mailtest.FromAddress,
		ReplyTo: mailtest.ReplyTo, SiteURL: mailtest.SiteURL}, mailtemplates.FS)
	e := mailtest.Samples()[4] // certified
	m, err := r.Compose(&e, mailtest.Now)
	if err != nil {
		t.Fatal(err)
	}
	id, err := p.Send(t.Context(), m)
	if err != nil {
		t.Fatal(err)
	}
	if id != "0100019a5c2f7e1b-3f0e9d52-6b1c-4d8a-9f7e-2c4b1a6d8e90-000000" {
		t.Errorf("message id %q, want the recorded MessageId", id)
	}
	if len(srv.reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(srv.reqs))
	}
	req := srv.reqs[0]
	if req.Method != http.MethodPost || req.URL.Path != "/v2/email/outbound-emails" {
		t.Errorf("request %s %s, want POST /v2/email/outbound-emails", req.Method, req.URL.Path)
	}
	if a := req.Header.Get("Authorization"); !strings.HasPrefix(a, "AWS4-HMAC-SHA256 Credential=local/") || !strings.Contains(a, "/ap-east-1/ses/aws4_request") {
		t.Errorf("Authorization %q, want SigV4 for ses in ap-east-1", a)
	}
	var body struct {
		FromEmailAddress            string
		FromEmailAddressIdentityArn string
		Destination                 struct{ ToAddresses []string }
		Content                     struct{ Raw struct{ Data []byte } }
	}
	if err := json.Unmarshal(srv.bodies[0], &body); err != nil {
		t.Fatalf("body %s: %v", srv.bodies[0], err)
	}
	if body.FromEmailAddress != mailtest.FromAddress || body.FromEmailAddressIdentityArn != identity ||
		len(body.Destination.ToAddresses) != 1 || body.Destination.ToAddresses[0] != e.To {
		t.Errorf("body: from %q via %q to %v", body.FromEmailAddress, body.FromEmailAddressIdentityArn, body.Destination.ToAddresses)
	}
	msg, err := mail.ReadMessage(strings.NewReader(string(body.Content.Raw.Data)))
	if err != nil {
		t.Fatalf("raw message: %v", err)
	}
	dec := new(mime.WordDecoder)
	subject, _ := dec.DecodeHeader(msg.Header.Get("Subject"))
	rendered, _ := r.Render(&e)
	if subject != rendered.Subject || !strings.HasPrefix(msg.Header.Get("Subject"), "=?UTF-8?") {
		t.Errorf("Subject %q decodes to %q, want the encoded %q", msg.Header.Get("Subject"), subject, rendered.Subject)
	}
	from, err := mail.ParseAddress(msg.Header.Get("From"))
	if err != nil || from.Name != mailtest.FromName || from.Address != mailtest.FromAddress {
		t.Errorf("From %q: %v", msg.Header.Get("From"), err)
	}
	to, err := mail.ParseAddress(msg.Header.Get("To"))
	if err != nil || to.Name != e.ToName {
		t.Errorf("To %q: %v", msg.Header.Get("To"), err)
	}
	if got, want := msg.Header.Get("Message-Id"), "<"+e.MessageID("smelisting.example")+">"; got != want {
		t.Errorf("Message-ID %q, want %q", got, want)
	}
	if got := msg.Header.Get("X-Alliance-Outbox-Id"); got != e.ID() {
		t.Errorf("X-Alliance-Outbox-Id %q, want %q", got, e.ID())
	}
	if ct := msg.Header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/alternative") {
		t.Errorf("Content-Type %q, want multipart/alternative (text and HTML)", ct)
	}
}

// TestSendEmailRejectedIsPermanent: SES refusing the message is a permanent failure.
func TestSendEmailRejectedIsPermanent(t *testing.T) {
	srv := &sesServer{reject: true}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	client, err := ses.NewClient(hs.URL)
	if err != nil {
		t.Fatal(err)
	}
	r := alliancemail.NewRenderer(alliancemail.Config{FromName: mailtest.FromName, FromAddress: mailtest.FromAddress, SiteURL: mailtest.SiteURL}, mailtemplates.FS)
	e := mailtest.Samples()[0]
	e.To = "wrong@typo.example.net"
	m, err := r.Compose(&e, mailtest.Now)
	if err != nil {
		t.Fatal(err)
	}
	_, err = ses.New(client, mailtest.FromAddress, "").Send(t.Context(), m)
	var f *alliancemail.Failure
	if !errors.As(err, &f) || !f.Permanent || f.Code != "ses MessageRejected" || strings.Contains(f.Code, "@") {
		t.Errorf("Send: %v, want a permanent failure coded ses MessageRejected (no address in the code)", err)
	}
}
