package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/smelisting/alliance/functions/mail/mailtest"
)

// TestServeSendsMailToMailpit: `alliance serve --smtp` drains the outbox in
// its own process: an application submitted through the API and withdrawn
// by its applicant gives two mails in Mailpit, each once, with the
// application's number in the Chinese subject and the status link (its
// token in the fragment) in the received one.
func TestServeSendsMailToMailpit(t *testing.T) {
	mp := mailtest.Start(t)
	base := startServe(t, "--data-dir", t.TempDir(), "--smtp", mp.SMTP())
	status, got := post(t, base, "serve-mail-1")
	if status != http.StatusCreated {
		t.Fatalf("submit: %d %v", status, got)
	}
	number, token := got["number"], got["status_token"]
	req, _ := http.NewRequest("POST", base+"/api/applications/"+number+"/withdraw", strings.NewReader(`{"note":"不再申请"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Status-Token", token)
	req.Header.Set("Origin", base)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("withdraw: %d", resp.StatusCode)
	}
	mp.WaitFor(t, 2, 30*time.Second)
	time.Sleep(3 * time.Second) // one more drain: a duplicate would show by now
	msgs := mp.Messages(t)
	if len(msgs) != 2 {
		t.Fatalf("Mailpit holds %d messages, want 2", len(msgs))
	}
	subjects := map[string]string{}
	for _, m := range msgs {
		subjects[m.Subject] = m.ID
	}
	received := subjects["【中小企业上市服务联盟】已收到您的入会申请（"+number+"）"]
	if received == "" || subjects["【中小企业上市服务联盟】您的入会申请已撤回（"+number+"）"] == "" {
		t.Fatalf("subjects %v, want received and withdrawn of %s", subjects, number)
	}
	m := mp.Message(t, received)
	if !strings.Contains(m.Text, base+"/join/#status?number="+number+"&token="+token) || m.To[0].Name != "王五" {
		t.Errorf("received mail to %+v without the status link:\n%s", m.To, m.Text)
	}
}
