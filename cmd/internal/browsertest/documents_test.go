package browsertest

import (
	"bytes"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/smelisting/alliance/functions/localstore"
	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/storetest"
	"github.com/smelisting/alliance/functions/uploadbucket"
	"github.com/smelisting/alliance/functions/uploadbucket/uploadtest"
)

// uploadsBucket is an S3-protocol server (uploadtest) on an origin of its own,
// versioned like the deployed bucket, as the browser reaches S3: a
// cross-origin POST the site's CSP (connect-src) and the bucket's CORS must
// allow.
type uploadsBucket struct {
	*uploadtest.Server
	files *uploadbucket.Bucket
}

func newUploadsBucket(t *testing.T) *uploadsBucket {
	srv := uploadtest.Start(t, nil)
	return &uploadsBucket{Server: srv, files: uploadbucket.New(srv.Client, uploadtest.Bucket)}
}

// keys lists every version under prefix.
func (b *uploadsBucket) keys(t *testing.T, prefix string) []string { return b.Versions(t, prefix) }

// newDocumentsEnv is the console's environment with the uploads bucket: the
// site's pages get the deployed CSP with the bucket's origin in connect-src.
func newDocumentsEnv(t *testing.T, b *uploadsBucket) *consoleEnv {
	store, err := localstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	csp := contentSecurityPolicy + "; connect-src 'self' " + b.URL
	api := storetest.NewConsoleAPI(t, store, storetest.ConsoleOptions{Listener: ln, Files: b.files, Wrap: func(h http.Handler) http.Handler {
		mux := http.NewServeMux()
		mux.Handle("/api/", h)
		site := staticSite{dir: env.siteDir}
		mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Security-Policy", csp)
			w.Header().Set("X-Content-Type-Options", "nosniff")
			site.ServeHTTP(w, r)
		}))
		return mux
	}})
	return &consoleEnv{url: api.URL, api: api, store: store}
}

// sampleFiles writes the files an applicant picks: a PDF and a PNG, an .exe
// renamed .pdf and an 11 MB PDF.
func sampleFiles(t *testing.T) map[string]string {
	dir := t.TempDir()
	files := map[string][]byte{
		"营业执照副本.pdf": append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("1 0 obj\n"), 4000)...),
		"公司介绍.png":   append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{0}, 20000)...),
		"安装程序.pdf":   append([]byte("MZ\x90\x00\x03\x00\x00\x00"), bytes.Repeat([]byte{7}, 5000)...),
		"扫描件大.pdf":   append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("z"), 11<<20)...),
	}
	paths := map[string]string{}
	for name, b := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		paths[name] = p
	}
	return paths
}

// TestDocumentsUpload is the upload in Chromium, on a phone: the
// applicant picks four files; the .exe renamed .pdf and the 11 MB file are
// refused in the browser with Chinese messages, the PDF and the PNG go to
// the bucket with the application (progress shown) and the secretariat sees
// them in the console and downloads one, then erases the applicant's data on
// request (no version left in the bucket); an enterprise application without
// any shows 材料不全.
func TestDocumentsUpload(t *testing.T) {
	b := newUploadsBucket(t)
	c := newDocumentsEnv(t, b)
	files := sampleFiles(t)
	tb := c.tab(t, phone)
	tb.origins = append(tb.origins, b.URL)
	tb.reduceMotion()
	c.open(tb, "/join/")
	tb.do(chromedp.WaitVisible(chromedp.ID("join-files")))
	fill(tb, enterprise("材料"))
	tb.do(chromedp.SetUploadFiles("#f-files", []string{files["营业执照副本.pdf"], files["公司介绍.png"], files["安装程序.pdf"], files["扫描件大.pdf"]}))
	waitFor(tb, "the chosen files listed", `document.querySelectorAll('#join-file-list li').length === 2 && document.getElementById('e-files').textContent !== ''`)
	refusal := text(tb, "e-files")
	for _, want := range []string{"“安装程序.pdf”不是 PDF、JPEG 或 PNG 文件（按文件内容判断", "“扫描件大.pdf”超过 10 MB"} {
		if !strings.Contains(refusal, want) {
			t.Errorf("the form says %q, want %q", refusal, want)
		}
	}
	if l := text(tb, "join-file-list"); !strings.Contains(l, "营业执照副本.pdf（PDF") || !strings.Contains(l, "公司介绍.png（PNG") {
		t.Errorf("chosen files listed as %q", l)
	}
	tb.screenshot("documents-join-chosen")
	number := submitAndRead(tb, false)
	waitFor(tb, "both files uploaded", `document.querySelectorAll('#join-upload-list .join-file-done').length === 2`)
	if n := eval[int](tb, `document.querySelectorAll('#join-upload-list progress').length`); n != 2 {
		t.Errorf("%d progress bars, want one per file", n)
	}
	tb.screenshot("documents-join-uploaded")
	tb.checkNoSideScroll()
	if keys := b.keys(t, membership.AttachmentKey(number, "")); len(keys) != 2 {
		t.Errorf("the bucket holds %v for %s, want the two files", keys, number)
	}
	if keys := b.keys(t, membership.IncomingPrefix); len(keys) != 0 {
		t.Errorf("incoming/ keeps %v, want nothing once the files are checked", keys)
	}
	app, err := c.store.Application(t.Context(), number)
	if err != nil || len(app.Attachments) != 2 || app.Attachments[0].Type != "application/pdf" || app.Attachments[1].Type != "image/png" {
		t.Fatalf("stored: %+v, %v", app, err)
	}

	// The secretariat sees both in the console and downloads the PDF.
	empty := c.submitted(t, "尚无材料科技有限公司")[0]
	clerk := c.tab(t, desktop)
	clerk.origins = append(clerk.origins, b.URL)
	c.open(clerk, "/admin/application/?number="+number)
	c.signIn(clerk, "secretariat", "王秘书")
	waitFor(clerk, "the documents", `document.querySelectorAll('#documents tbody tr').length === 2`)
	if docs := text(clerk, "documents"); !strings.Contains(docs, "营业执照副本.pdf") || !strings.Contains(docs, "公司介绍.png") {
		t.Errorf("the console lists %q", docs)
	}
	if eval[bool](clerk, `!document.getElementById('notices').hidden`) {
		t.Errorf("notices %q on an application with documents", text(clerk, "notices"))
	}
	clerk.screenshot("documents-console")
	clerk.rec.reset()
	clerk.do(chromedp.Click(chromedp.CSS(`#documents button[data-document]`)))
	waitFor(clerk, "the download from the bucket", `performance.getEntriesByType('resource').some(e => e.name.indexOf('/api/admin/applications/') >= 0 && e.name.indexOf('/attachments/') >= 0)`)
	var downloaded bool
	for range 200 {
		for _, r := range clerk.rec.snapshot() {
			if strings.HasPrefix(r.url, b.URL+"/uploads/attachments/"+number+"/") && r.status == 200 {
				downloaded = true
			}
		}
		if downloaded {
			break
		}
		time.Sleep(25 * time.Millisecond)
	}
	if !downloaded {
		t.Errorf("no GET of the document from the bucket answered 200: %v", clerk.rec.snapshot())
	}
	// The applicant asks the secretariat to erase their data: the clerk does it in the
	// console; the store keeps no contact and the bucket no version of either file.
	c.open(clerk, "/admin/application/?number="+number)
	c.ready(clerk)
	act(clerk, "act-erase", map[string]string{"erase-note": "本人书面申请，2027-03-02 来函"})
	if msg, ok := notice(clerk); !ok || !strings.Contains(msg, "已删除") {
		t.Errorf("erasure in the console: %q", msg)
	}
	if h := text(clerk, "history"); !strings.Contains(h, "删除个人信息") || !strings.Contains(h, "王秘书") || !strings.Contains(h, "本人书面申请，2027-03-02 来函") {
		t.Errorf("history after erasure: %q", h)
	}
	if keys := b.keys(t, membership.AttachmentKey(number, "")); len(keys) != 0 {
		t.Errorf("after the erasure the bucket keeps %v", keys)
	}
	if a, err := c.store.Application(t.Context(), number); err != nil || a.Phone != "" || a.Email != "" || a.Attachments != nil {
		t.Errorf("after the erasure the store keeps %+v, %v", a, err)
	}
	c.open(clerk, "/admin/application/?number="+empty)
	c.ready(clerk)
	waitFor(clerk, "the notices", `!document.getElementById('notices').hidden`)
	if n := text(clerk, "notices"); !strings.Contains(n, "材料不全") {
		t.Errorf("an enterprise application without documents: notices %q, want 材料不全", n)
	}
}
