package httpapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/smelisting/alliance/functions/httpapi"
	"github.com/smelisting/alliance/functions/intake"
	"github.com/smelisting/alliance/functions/localfiles"
	"github.com/smelisting/alliance/functions/localstore"
	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/outbox"
	"github.com/smelisting/alliance/functions/privacy"
	"github.com/smelisting/alliance/functions/uploadbucket"
	"github.com/smelisting/alliance/functions/uploadbucket/uploadtest"
)

// Files of each kind the tests upload.
var (
	samplePDF = append([]byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n"), bytes.Repeat([]byte("x"), 2000)...)
	samplePNG = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{0}, 500)...)
	sampleEXE = append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00"), bytes.Repeat([]byte{1}, 3000)...)
)

// bucket is one uploads bucket under test and how to see every object version it keeps.
type bucket struct {
	files    intake.Files
	versions func(t testing.TB, prefix string) []string // keys of every version and delete marker under prefix
	enforces bool                                       // whether it enforces the POST policy itself
}

// s3Bucket is gofakes3 on 127.0.0.1 (uploadtest), versioned like the deployed
// bucket. It takes presigned POSTs but does not check their policy (the tests
// below check the policy document instead, and the function's own check after
// the upload).
func s3Bucket(t *testing.T) bucket {
	srv := uploadtest.Start(t, nil)
	return bucket{files: uploadbucket.New(srv.Client, uploadtest.Bucket), versions: srv.Versions}
}

// localBucket is the folder of `alliance serve` behind its handler.
func localBucket(t *testing.T) bucket {
	dir := t.TempDir()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	f, err := localfiles.Open(dir, srv.URL+"/api/files/")
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/api/files/", f.Handler())
	return bucket{files: f, enforces: true, versions: func(t testing.TB, prefix string) []string {
		var keys []string
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			if k, _ := filepath.Rel(dir, p); strings.HasPrefix(filepath.ToSlash(k), prefix) {
				keys = append(keys, filepath.ToSlash(k))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return keys
	}}
}

// docEnv is the public API over a store and a bucket, as a real HTTP server.
type docEnv struct {
	url   string
	store *localstore.Store
	b     bucket
	logs  *syncBuffer
}

func newDocEnv(t *testing.T, b bucket) *docEnv {
	s, err := localstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	logs := &syncBuffer{}
	h := httpapi.NewPublic(httpapi.PublicConfig{Store: s, Files: b.files, SiteOrigin: origin, Erasers: []privacy.Eraser{privacy.Outbox(s)},
		Log: slog.New(slog.NewJSONHandler(logs, nil)), Now: func() time.Time { return time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC) }})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &docEnv{url: srv.URL, store: s, b: b, logs: logs}
}

// call sends a JSON request with the status token and decodes the answer into out.
func (e *docEnv) call(t *testing.T, method, path, token string, body any, out any) int {
	t.Helper()
	var r io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		r = bytes.NewReader(j)
	}
	req, _ := http.NewRequestWithContext(t.Context(), method, e.url+path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set(httpapi.StatusTokenHeader, token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if out != nil && json.Unmarshal(b, out) != nil {
		t.Fatalf("%s %s: %d %s, not JSON", method, path, res.StatusCode, b)
	}
	return res.StatusCode
}

func (e *docEnv) submit(t *testing.T) created {
	t.Helper()
	var c created
	if st := e.call(t, "POST", "/api/applications", "", json.RawMessage(validJSON), &c); st != 201 {
		t.Fatalf("submit: %d", st)
	}
	return c
}

// post sends the file to the bucket with the form's fields, as a browser does.
func post(t *testing.T, form *membership.UploadForm, name string, content []byte) (int, string) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for _, k := range slices.Sorted(maps.Keys(form.Fields)) {
		w.WriteField(k, form.Fields[k])
	}
	fw, _ := w.CreateFormFile("file", name)
	fw.Write(content)
	w.Close()
	res, err := http.Post(form.URL, w.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// upload asks for the form, posts the file and confirms it: the confirmation's
// status and answer.
func (e *docEnv) upload(t *testing.T, c created, name, typ string, content []byte) (int, apiError, membership.Attachment) {
	t.Helper()
	var up intake.Upload
	if st := e.call(t, "POST", "/api/applications/"+c.Number+"/uploads", c.StatusToken,
		membership.UploadRequest{Name: name, Type: typ, Size: int64(len(content))}, &up); st != 201 {
		t.Fatalf("ask to upload %s: %d", name, st)
	}
	if st, body := post(t, up.Form, name, content); st/100 != 2 {
		t.Fatalf("post %s to the bucket: %d %s", name, st, body)
	}
	var raw json.RawMessage
	st := e.call(t, "POST", "/api/applications/"+c.Number+"/attachments", c.StatusToken, intake.UploadDone{ID: up.ID, Name: name}, &raw)
	var ae apiError
	var att membership.Attachment
	json.Unmarshal(raw, &ae)
	json.Unmarshal(raw, &att)
	return st, ae, att
}

func TestDocuments(t *testing.T) {
	for name, newBucket := range map[string]func(*testing.T) bucket{"S3 (gofakes3)": s3Bucket, "local folder": localBucket} {
		t.Run(name, func(t *testing.T) {
			e := newDocEnv(t, newBucket(t))
			c := e.submit(t)
			for _, f := range []struct {
				name, typ string
				content   []byte
			}{{"营业执照副本.pdf", "application/pdf", samplePDF}, {"公司介绍.png", "image/png", samplePNG}} {
				st, ae, att := e.upload(t, c, f.name, f.typ, f.content)
				if st != 201 || att.Type != f.typ || att.Size != int64(len(f.content)) || att.Name != f.name {
					t.Errorf("upload %s: %d %+v %+v", f.name, st, ae, att)
				}
			}
			// An .exe renamed .pdf: the browser calls it a PDF, its content says otherwise.
			st, ae, _ := e.upload(t, c, "营业执照.pdf", "application/pdf", sampleEXE)
			if st != 400 || !strings.Contains(ae.Error.Message, "不是 PDF、JPEG 或 PNG") {
				t.Errorf("an .exe named .pdf: %d %+v, want 400 saying it is no PDF, JPEG or PNG", st, ae)
			}
			if left := e.b.versions(t, membership.IncomingPrefix); len(left) != 0 {
				t.Errorf("after the refusals the bucket keeps %v under incoming/, want nothing", left)
			}
			var status struct {
				Files []struct{ Name, Type string }
			}
			e.call(t, "GET", "/api/applications/"+c.Number, c.StatusToken, nil, &status)
			if len(status.Files) != 2 || status.Files[0].Name != "营业执照副本.pdf" || status.Files[1].Type != "image/png" {
				t.Errorf("status files %+v, want the PDF and the PNG", status.Files)
			}
			checkExport(t, e, c)
			checkErase(t, e, c)
		})
	}
}

// TestElevenMegabytes: the API refuses to sign an upload over 10 MB; a
// browser that lies about the size is stopped by the bucket's condition
// where the bucket enforces it (S3, the local folder), and otherwise by the
// function's check of the stored object, which deletes it.
func TestElevenMegabytes(t *testing.T) {
	big := append(slices.Clone(samplePDF), bytes.Repeat([]byte("y"), 11<<20)...)
	for name, newBucket := range map[string]func(*testing.T) bucket{"S3 (gofakes3)": s3Bucket, "local folder": localBucket} {
		t.Run(name, func(t *testing.T) {
			e := newDocEnv(t, newBucket(t))
			c := e.submit(t)
			var ae apiError
			if st := e.call(t, "POST", "/api/applications/"+c.Number+"/uploads", c.StatusToken,
				membership.UploadRequest{Name: "大文件.pdf", Type: "application/pdf", Size: int64(len(big))}, &ae); st != 400 || ae.Error.Fields["size"] == "" {
				t.Errorf("asking for 11 MB: %d %+v, want 400 on size", st, ae)
			}
			var up intake.Upload
			e.call(t, "POST", "/api/applications/"+c.Number+"/uploads", c.StatusToken,
				membership.UploadRequest{Name: "大文件.pdf", Type: "application/pdf", Size: 1 << 20}, &up)
			st, body := post(t, up.Form, "大文件.pdf", big)
			if e.b.enforces {
				if st != 400 || !strings.Contains(body, "EntityTooLarge") {
					t.Errorf("posting 11 MB: %d %s, want the bucket's 400 EntityTooLarge", st, body)
				}
			} else if st/100 != 2 {
				t.Fatalf("posting 11 MB to a bucket that does not enforce the policy: %d %s", st, body)
			}
			st = e.call(t, "POST", "/api/applications/"+c.Number+"/attachments", c.StatusToken, intake.UploadDone{ID: up.ID, Name: "大文件.pdf"}, &ae)
			if e.b.enforces && st != 404 || !e.b.enforces && (st != 400 || !strings.Contains(ae.Error.Message, "超过 10 MB")) {
				t.Errorf("confirming the 11 MB file: %d %+v", st, ae)
			}
			if left := e.b.versions(t, membership.IncomingPrefix); len(left) != 0 {
				t.Errorf("the bucket keeps %v, want the refused file deleted with every version", left)
			}
		})
	}
}

// TestUploadPolicy reads the policy of a presigned POST as S3 would: the
// one key, the media type, 1 byte to 10 MB, the bucket, an expiry within
// a quarter of an hour.
func TestUploadPolicy(t *testing.T) {
	b := s3Bucket(t)
	form, err := b.files.PresignUpload(t.Context(), membership.IncomingKey("SQ2026-000001", "AAAAAAAAAAAAAAAAAAAA"), "image/png", membership.MaxAttachmentSize)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(form.Fields["policy"])
	if err != nil {
		t.Fatal(err)
	}
	var policy struct {
		Expiration time.Time `json:"expiration"`
		Conditions []any     `json:"conditions"`
	}
	if err := json.Unmarshal(raw, &policy); err != nil {
		t.Fatalf("policy %s: %v", raw, err)
	}
	var conds []string
	for _, c := range policy.Conditions {
		j, _ := json.Marshal(c)
		conds = append(conds, string(j))
	}
	for _, want := range []string{`["content-length-range",1,10485760]`, `{"Content-Type":"image/png"}`,
		`{"key":"incoming/SQ2026-000001/AAAAAAAAAAAAAAAAAAAA"}`, `{"bucket":"uploads"}`} {
		if !slices.Contains(conds, want) {
			t.Errorf("policy conditions %v, want %s", conds, want)
		}
	}
	if d := time.Until(policy.Expiration); d <= 0 || d > 15*time.Minute {
		t.Errorf("policy expires in %s, want within 15 minutes", d)
	}
	if form.Fields["Content-Type"] != "image/png" || form.Fields["key"] != "incoming/SQ2026-000001/AAAAAAAAAAAAAAAAAAAA" || form.Fields["X-Amz-Signature"] == "" {
		t.Errorf("form fields %v, want the key, the type and a signature", form.Fields)
	}
}

// TestLocalUploadEnforcesPolicy: the local folder refuses a form whose
// media type or key was changed, and one past its expiry.
func TestLocalUploadEnforcesPolicy(t *testing.T) {
	b := localBucket(t)
	form, _ := b.files.PresignUpload(context.Background(), "incoming/SQ2026-000001/AAAAAAAAAAAAAAAAAAAA", "application/pdf", membership.MaxAttachmentSize)
	for field, value := range map[string]string{"Content-Type": "text/html", "key": "attachments/SQ2026-000001/AAAAAAAAAAAAAAAAAAAA", "x-expires": "1"} {
		f := *form
		f.Fields = map[string]string{}
		for k, v := range form.Fields {
			f.Fields[k] = v
		}
		f.Fields[field] = value
		if st, body := post(t, &f, "a.pdf", samplePDF); st != 403 {
			t.Errorf("%s changed: %d %s, want 403", field, st, body)
		}
	}
	if st, _ := post(t, form, "a.pdf", samplePDF); st != 204 {
		t.Errorf("the form as given: %d, want 204", st)
	}
}

func checkExport(t *testing.T, e *docEnv, c created) {
	t.Helper()
	var x intake.Export
	if st := e.call(t, "GET", "/api/applications/"+c.Number+"/export", c.StatusToken, nil, &x); st != 200 {
		t.Fatalf("export: %d", st)
	}
	if x.Application.Email != "lisi@example.com" || x.Application.Phone != "13800138000" || len(x.Files) != 2 {
		t.Errorf("export: %+v, want the contact's data and two files", x)
	}
	res, err := http.Get(x.Files[0].URL)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !bytes.Equal(got, samplePDF) {
		t.Errorf("the export's link to the PDF: %d, %d bytes, want the PDF", res.StatusCode, len(got))
	}
	if st := e.call(t, "GET", "/api/applications/"+c.Number+"/export", "wrong-token", nil, &apiError{}); st != 404 {
		t.Errorf("export with a wrong token: %d, want 404", st)
	}
}

// mailAbout counts the outbox's messages about the record ref that wait or
// failed (nothing is sent here).
func mailAbout(t *testing.T, s *localstore.Store, ref string) int {
	t.Helper()
	n := 0
	for _, st := range []outbox.State{outbox.StatePending, outbox.StateFailed} {
		es, err := s.Mail(t.Context(), st)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			if e.Ref == ref {
				n++
			}
		}
	}
	return n
}

func checkErase(t *testing.T, e *docEnv, c created) {
	t.Helper()
	var st struct {
		Status string
		Erased string
		Files  []any
	}
	if n := mailAbout(t, e.store, c.Number); n == 0 {
		t.Fatalf("no mail about %s before the erasure: its erasure would not be tested", c.Number)
	}
	if code := e.call(t, "POST", "/api/applications/"+c.Number+"/erase", c.StatusToken, nil, &st); code != 200 {
		t.Fatalf("erase: %d", code)
	}
	if st.Status != "withdrawn" || !strings.Contains(st.Erased, "已删除个人信息") || len(st.Files) != 0 {
		t.Errorf("after erasure: %+v, want withdrawn, erased, no files", st)
	}
	if left := e.b.versions(t, "incoming/"+c.Number); len(left) != 0 {
		t.Errorf("incoming/ keeps %v", left)
	}
	if left := e.b.versions(t, membership.AttachmentKey(c.Number, "")); len(left) != 0 {
		t.Errorf("after erasure the bucket keeps %v (every version must go)", left)
	}
	a, err := e.store.Application(t.Context(), c.Number)
	if err != nil || a.Phone != "" || a.Email != "" || a.Contact != membership.ErasedMark || a.OrgName == "" {
		t.Errorf("stored after erasure: %+v, %v", a, err)
	}
	if n := mailAbout(t, e.store, c.Number); n != 0 {
		t.Errorf("%d messages about %s in the outbox after the erasure, want none (privacy.Outbox)", n, c.Number)
	}
	for _, pii := range []string{"13800138000", "lisi@example.com", "91110000600037341L", c.StatusToken, "营业执照"} {
		if strings.Contains(e.logs.String(), pii) {
			t.Errorf("the logs of the whole path hold %q", pii)
		}
	}
}
