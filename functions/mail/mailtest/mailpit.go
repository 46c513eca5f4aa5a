// Package mailtest is for tests of the mail: Mailpit, the SMTP server the
// tests send to, started on 127.0.0.1 and read back through its HTTP API
// (GET /api/v1/messages, GET /api/v1/message/{ID}); and Samples, one outbox
// entry of every kind made by the domain's own functions.
package mailtest

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// Mailpit is a Mailpit server on 127.0.0.1, its messages in a file of the
// test's temporary folder (so that they survive Stop and Start).
type Mailpit struct {
	HTTP string // 127.0.0.1:port of its API
	Host string // 127.0.0.1
	Port int    // its SMTP port
	args []string
	cmd  *exec.Cmd
	done chan struct{}
}

// binary finds mailpit: in the project's .cache/bin (make test-deps) or on PATH.
func binary(t testing.TB) string {
	t.Helper()
	if root := os.Getenv("ALLIANCE_ROOT"); root != "" {
		if p := filepath.Join(root, ".cache", "bin", "mailpit"); fileExists(p) {
			return p
		}
	}
	for dir, _ := os.Getwd(); dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
		if p := filepath.Join(dir, ".cache", "bin", "mailpit"); fileExists(p) {
			return p
		}
	}
	if p, err := exec.LookPath("mailpit"); err == nil {
		return p
	}
	t.Fatalf("mailpit not found in .cache/bin or on PATH: run make test-deps")
	return ""
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// freePort returns a port free on 127.0.0.1 a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Start starts Mailpit with extra flags (e.g. --smtp-allowed-recipients)
// and stops it when the test ends. It keeps every message (no maximum),
// checks no version and looks up no names: nothing leaves the machine.
func Start(t testing.TB, extra ...string) *Mailpit {
	t.Helper()
	m := &Mailpit{Host: "127.0.0.1", Port: freePort(t)}
	m.HTTP = "127.0.0.1:" + strconv.Itoa(freePort(t))
	m.args = append([]string{"--listen", m.HTTP, "--smtp", m.Host + ":" + strconv.Itoa(m.Port),
		"--database", filepath.Join(t.TempDir(), "mailpit.db"), "--max", "0", "--quiet",
		"--disable-version-check", "--smtp-disable-rdns"}, extra...)
	m.args = append([]string{binary(t)}, m.args...)
	m.Start(t)
	t.Cleanup(m.Stop)
	return m
}

// Start (re)starts the server on its ports and waits until its API answers.
func (m *Mailpit) Start(t testing.TB) {
	t.Helper()
	m.cmd = exec.Command(m.args[0], m.args[1:]...)
	m.cmd.Stdout, m.cmd.Stderr = os.Stderr, os.Stderr
	if err := m.cmd.Start(); err != nil {
		t.Fatalf("start mailpit: %v", err)
	}
	m.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { _ = cmd.Wait(); close(done) }(m.cmd, m.done)
	deadline := time.Now().Add(20 * time.Second)
	for {
		if c, err := net.DialTimeout("tcp", m.SMTP(), time.Second); err == nil {
			c.Close()
			if resp, err := http.Get("http://" + m.HTTP + "/api/v1/messages?limit=1"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return
				}
			}
		}
		select {
		case <-m.done:
			t.Fatalf("mailpit exited before it answered")
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailpit did not answer on %s within 20 s", m.HTTP)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop stops the server (SIGTERM, then SIGKILL after 5 s) and waits for it.
func (m *Mailpit) Stop() {
	if m.cmd == nil || m.cmd.Process == nil {
		return
	}
	_ = m.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-m.done:
	case <-time.After(5 * time.Second):
		_ = m.cmd.Process.Kill()
		<-m.done
	}
	m.cmd = nil
}

// SMTP is the address of its SMTP server.
func (m *Mailpit) SMTP() string { return m.Host + ":" + strconv.Itoa(m.Port) }

// Address is an address in a message's header.
type Address struct {
	Name    string
	Address string
}

// Summary is a message as GET /api/v1/messages lists it.
type Summary struct {
	ID        string
	MessageID string
	From      Address
	To        []Address
	Subject   string
}

// Message is a message as GET /api/v1/message/{ID} returns it.
type Message struct {
	Summary
	ReplyTo []Address
	Text    string
	HTML    string
}

func (m *Mailpit) get(t testing.TB, path string, out any) {
	t.Helper()
	resp, err := http.Get("http://" + m.HTTP + path)
	if err != nil {
		t.Fatalf("mailpit GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("mailpit GET %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("mailpit GET %s: %v", path, err)
	}
}

// Messages lists every message, newest first.
func (m *Mailpit) Messages(t testing.TB) []Summary {
	t.Helper()
	var out []Summary
	for start := 0; ; start += 500 {
		var page struct {
			MessagesCount int `json:"messages_count"`
			Messages      []Summary
		}
		m.get(t, fmt.Sprintf("/api/v1/messages?start=%d&limit=500", start), &page)
		out = append(out, page.Messages...)
		if len(page.Messages) == 0 || len(out) >= page.MessagesCount {
			return out
		}
	}
}

// Count returns how many messages it holds.
func (m *Mailpit) Count(t testing.TB) int {
	t.Helper()
	var page struct {
		Total int `json:"total"`
	}
	m.get(t, "/api/v1/messages?limit=1", &page)
	return page.Total
}

// Message returns one message with its bodies.
func (m *Mailpit) Message(t testing.TB, id string) Message {
	t.Helper()
	var msg Message
	m.get(t, "/api/v1/message/"+id, &msg)
	return msg
}

// Headers returns one message's headers.
func (m *Mailpit) Headers(t testing.TB, id string) map[string][]string {
	t.Helper()
	h := map[string][]string{}
	m.get(t, "/api/v1/message/"+id+"/headers", &h)
	return h
}

// WaitFor polls until the server holds at least n messages, failing the
// test after timeout, and returns them.
func (m *Mailpit) WaitFor(t testing.TB, n int, timeout time.Duration) []Summary {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if c := m.Count(t); c >= n {
			return m.Messages(t)
		} else if time.Now().After(deadline) {
			t.Fatalf("mailpit holds %d messages after %v, want %d", c, timeout, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
