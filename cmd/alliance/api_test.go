package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smelisting/alliance/functions/dynamo/dynamotest"
	"github.com/smelisting/alliance/functions/localstore"
)

// submission is a valid application of an individual.
const submission = `{"type":"individual","contact":"王五","phone":"13800138000","email":"w@example.cn",
"region":"上海市","industry":"金融","specialised":"none","services":["ipo"],"introduction":"简介",
"commitment_accepted":true,"privacy_accepted":true,"privacy_version":"2026-11-01"}`

// startServe runs `alliance serve` on a free 127.0.0.1 port with the project's content
// and the extra flags, and returns its base URL; it stops when the test ends.
func startServe(t *testing.T, flags ...string) string {
	t.Helper()
	root, err := dynamotest.Root()
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	args := append([]string{"--addr", addr, "--issuer-addr", "127.0.0.1:0", "--content", filepath.Join(root, "content"),
		"--templates", filepath.Join(root, "templates")}, flags...)
	go func() { done <- runServe(ctx, args) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve stopped with %v, want nil", err)
		}
	})
	base := "http://" + addr
	for range 300 { // up to 30 s for the first build
		select {
		case err := <-done:
			done <- err // for the cleanup, which waits for it
			t.Fatalf("serve ended early: %v", err)
		default:
		}
		if resp, err := http.Get(base + "/join/"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return base
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("serve did not answer on %s", base)
	return ""
}

func post(t *testing.T, base, key string) (int, map[string]string) {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/api/applications", strings.NewReader(submission))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	req.Header.Set("Origin", base)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]string
	_ = json.NewDecoder(resp.Body).Decode(&body)
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != base {
		t.Errorf("Access-Control-Allow-Origin = %q, want the dev server's origin %q", got, base)
	}
	return resp.StatusCode, body
}

func status(t *testing.T, base, number, token string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/api/applications/"+number, nil)
	req.Header.Set("X-Status-Token", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return fmt.Sprintf("%d %s", resp.StatusCode, b)
}

func TestServeAPIEmbeddedStore(t *testing.T) {
	dataDir := t.TempDir()
	var number, token string
	t.Run("first run", func(t *testing.T) {
		base := startServe(t, "--data-dir", dataDir)
		code, body := post(t, base, "k1")
		if code != 201 || body["number"] == "" {
			t.Fatalf("POST /api/applications = %d %v, want 201 with a number", code, body)
		}
		number, token = body["number"], body["status_token"]
		if got := status(t, base, number, token); !strings.HasPrefix(got, "200 ") {
			t.Errorf("GET status = %s, want 200", got)
		}
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := client.PostForm(base+"/api/join", url.Values{"type": {"individual"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Errorf("incomplete form POST = %d %s, want a 400 HTML page", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		// The form without JavaScript: 303 to the thank-you page, which shows the number to
		// this browser (its cookie) and to no other.
		jar, _ := cookiejar.New(nil)
		browser := &http.Client{Jar: jar}
		form := url.Values{"type": {"individual"}, "contact": {"王五"}, "phone": {"13800138000"}, "email": {"w@example.cn"},
			"region": {"上海市"}, "industry": {"金融"}, "specialised": {"none"}, "services": {"ipo"}, "introduction": {"简介"},
			"commitment_accepted": {"on"}, "privacy_accepted": {"on"}, "privacy_version": {"2026-11-01"}}
		resp, err = browser.PostForm(base+"/api/join", form)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		thanks := resp.Request.URL.String()
		if resp.StatusCode != 200 || !strings.Contains(thanks, "/api/join/thanks?number=SQ") || !strings.Contains(string(page), resp.Request.URL.Query().Get("number")) {
			t.Errorf("form POST ended at %d %s, want 200 on the thank-you page with the number:\n%s", resp.StatusCode, thanks, page)
		}
		// The page is in the frame of the site serve built: its menu, footer and style.
		for _, want := range []string{"<title>申请已提交 · 中小企业上市服务联盟</title>", `<nav class="site-nav" aria-label="主导航">`,
			`<a href="` + base + `/charter/">章程</a>`, `<footer class="site-footer">`, "<style>/* site.css"} {
			if !strings.Contains(string(page), want) {
				t.Errorf("thank-you page under serve lacks %s", want)
			}
		}
		if other, err := http.Get(thanks); err != nil || other.StatusCode != 404 {
			t.Errorf("thank-you page without the cookie = %v, %v, want 404", other.Status, err)
		} else {
			other.Body.Close()
		}
		admin, err := http.Get(base + "/api/admin/applications")
		if err != nil {
			t.Fatal(err)
		}
		admin.Body.Close()
		if admin.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET /api/admin/applications without a token = %d, want 401 (secretariat routes mounted)", admin.StatusCode)
		}
	})
	t.Run("after restart", func(t *testing.T) {
		base := startServe(t, "--data-dir", dataDir)
		if got := status(t, base, number, token); !strings.HasPrefix(got, "200 ") {
			t.Errorf("GET status after restart = %s, want 200 (data kept)", got)
		}
		if code, body := post(t, base, "k1"); code != 201 || body["number"] != number {
			t.Errorf("retry after restart = %d %v, want 201 with %s", code, body, number)
		}
	})
}

func TestServeAPIDynamoDB(t *testing.T) {
	server, err := dynamotest.StartLocal()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(server.Stop) // after serve has stopped: cleanups run last-in first-out
	base := startServe(t, "--dynamodb-endpoint", server.Endpoint, "--data-dir", t.TempDir(), "--store-timeout", "2s")
	// DynamoDB Local's first transactions can take longer than that on a loaded machine
	// (its JIT warms up): send the first submission again, with its key, until it is in.
	code, body := post(t, base, "k1")
	for deadline := time.Now().Add(30 * time.Second); code == 503 && time.Now().Before(deadline); {
		code, body = post(t, base, "k1")
	}
	if code != 201 {
		t.Fatalf("POST /api/applications on DynamoDB = %d %v, want 201", code, body)
	}
	if got := status(t, base, body["number"], body["status_token"]); !strings.HasPrefix(got, "200 ") {
		t.Errorf("GET status = %s, want 200", got)
	}

	// A store that hangs: the request is answered 503 by --store-timeout, not held.
	if err := server.Freeze(); err != nil {
		t.Fatal(err)
	}
	thawed := false
	thaw := func() {
		if !thawed {
			thawed = true
			_ = server.Thaw()
		}
	}
	t.Cleanup(thaw) // before Stop
	start := time.Now()
	code, retryAfter := postKey(t, base, "k2")
	if took := time.Since(start); code != 503 || retryAfter == "" || took > 5*time.Second {
		t.Errorf("POST while DynamoDB is frozen = %d (Retry-After %q) after %v, want 503 with Retry-After within about 2 s", code, retryAfter, took)
	}
	thaw()
	code, _ = postKey(t, base, "k2")
	for deadline := time.Now().Add(30 * time.Second); code == 503 && time.Now().Before(deadline); {
		code, _ = postKey(t, base, "k2") // a thawed JVM may need a moment
	}
	if code != 201 {
		t.Errorf("POST sent again once DynamoDB is back = %d, want 201", code)
	}
}

// postKey submits the application with the key and returns the status and
// the Retry-After header.
func postKey(t *testing.T, base, key string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/api/applications", strings.NewReader(submission))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Retry-After")
}

// TestServeDataFolderInUse: `alliance serve` on a data folder another serve
// holds stops after the store's lock timeout, saying why, instead of waiting.
func TestServeDataFolderInUse(t *testing.T) {
	dir := t.TempDir()
	held, err := localstore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	root, err := dynamotest.Root()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = runServe(t.Context(), []string{"--addr", "127.0.0.1:0", "--data-dir", dir,
		"--content", filepath.Join(root, "content"), "--templates", filepath.Join(root, "templates")})
	if err == nil || !strings.Contains(err.Error(), "another process") || time.Since(start) > localstore.LockTimeout+5*time.Second {
		t.Errorf("serve on a folder in use: got %v after %v, want an error saying another process has the file, after about %v",
			err, time.Since(start), localstore.LockTimeout)
	}
}
