package samtest

import (
	"bytes"
	"io"
	"maps"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smelisting/alliance/functions/backoffice"
	"github.com/smelisting/alliance/functions/intake"
	"github.com/smelisting/alliance/functions/localstore"
	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/outbox"
	"github.com/smelisting/alliance/functions/storetest"
	"github.com/smelisting/alliance/functions/uploadbucket"
	"github.com/smelisting/alliance/functions/uploadbucket/uploadtest"
)

// s3Recorder sits in front of an S3 server (gofakes3) and records the IAM action each
// request needs and the key or prefix it names, for the function whose turn it is (a
// presigned request counts for the function that signed it).
type s3Recorder struct {
	h    http.Handler
	mu   sync.Mutex
	fn   string
	used map[string]map[string]map[string]bool // function → action → key ("prefix=P" for a listing)
}

func (r *s3Recorder) as(fn string) { r.mu.Lock(); r.fn = fn; r.mu.Unlock() }

func (r *s3Recorder) note(action, key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.used[r.fn] == nil {
		r.used[r.fn] = map[string]map[string]bool{}
	}
	if r.used[r.fn][action] == nil {
		r.used[r.fn][action] = map[string]bool{}
	}
	r.used[r.fn][action][key] = true
}

func (r *s3Recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	path := strings.TrimPrefix(req.URL.Path, "/"+uploadtest.Bucket)
	key := strings.TrimPrefix(path, "/")
	q := req.URL.Query()
	switch {
	case req.Method == http.MethodPost && key == "": // a browser's presigned POST
		body, _ := io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
		_, params, _ := mime.ParseMediaType(req.Header.Get("Content-Type"))
		f, err := multipart.NewReader(bytes.NewReader(body), params["boundary"]).ReadForm(32 << 20)
		if err == nil && len(f.Value["key"]) == 1 {
			r.note("s3:PutObject", f.Value["key"][0])
		} else {
			r.note("unreadable POST", "")
		}
	case req.Method == http.MethodGet && q.Has("versions"):
		r.note("s3:ListBucketVersions", "prefix="+q.Get("prefix"))
	case req.Method == http.MethodGet || req.Method == http.MethodHead:
		r.note("s3:GetObject", key)
	case req.Method == http.MethodPut && req.Header.Get("X-Amz-Copy-Source") != "":
		src, _ := url.PathUnescape(req.Header.Get("X-Amz-Copy-Source"))
		r.note("s3:GetObject", strings.TrimPrefix(strings.TrimPrefix(src, "/"), uploadtest.Bucket+"/"))
		r.note("s3:PutObject", key)
	case req.Method == http.MethodPut:
		r.note("s3:PutObject", key)
	case req.Method == http.MethodDelete && q.Get("versionId") != "":
		r.note("s3:DeleteObjectVersion", key)
	case req.Method == http.MethodDelete:
		r.note("s3:DeleteObject", key)
	default:
		r.note(req.Method+" "+req.URL.String(), "")
	}
	r.h.ServeHTTP(w, req)
}

// TestUploadGrantsCoverBucketCalls runs what each function does with the uploads bucket —
// apply: a document asked for, posted by the browser, checked and moved, a refused one
// deleted, the export's link followed, the applicant's erasure; admin: a download link
// followed, an erasure on request — against an S3 server through a recorder, and checks
// that uploadGrants (which TestTemplatePolicies holds the template to) covers every call,
// listing only under uploadPrefixes, and that every grant is used.
func TestUploadGrantsCoverBucketCalls(t *testing.T) {
	rec := &s3Recorder{used: map[string]map[string]map[string]bool{}}
	rec.as("setup")
	srv := uploadtest.Start(t, func(h http.Handler) http.Handler { rec.h = h; return rec })
	client := srv.Client
	ctx := t.Context()
	store, err := localstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	bucket := uploadbucket.New(client, uploadtest.Bucket)
	in := intake.New(intake.Config{Store: store, Files: bucket})

	rec.as("ApplyFunction")
	pdf := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("x"), 1000)...)
	kept := submitWithFile(t, in, store, "保留材料有限公司", pdf)
	erased := submitWithFile(t, in, store, "删除材料有限公司", pdf)
	upload(t, in, erased, "安装程序.pdf", []byte("MZ\x90\x00\x03\x00\x00\x00 not a pdf"), false)
	x, err := in.Export(ctx, erased.number, erased.token)
	if err != nil || len(x.Files) != 1 {
		t.Fatalf("export: %+v, %v", x, err)
	}
	get(t, x.Files[0].URL)
	if _, err := in.Erase(ctx, erased.number, erased.token); err != nil {
		t.Fatal(err)
	}

	rec.as("AdminFunction")
	office := backoffice.New(backoffice.Config{Store: store, Files: bucket})
	actx := membership.NewContext(ctx, membership.Actor{ID: "clerk", Roles: []string{membership.RoleSecretariat}})
	app, _ := store.Application(ctx, kept.number)
	d, err := office.AttachmentURL(actx, kept.number, app.Attachments[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	get(t, d.URL)
	if _, err := office.ErasePerson(actx, backoffice.ErasureRequest{Applications: []string{kept.number}, Note: "本人书面申请"}); err != nil {
		t.Fatal(err)
	}

	for _, fn := range []string{"ApplyFunction", "AdminFunction"} {
		grants := uploadGrants[fn]
		usedGrant := map[string]bool{}
		for action, keys := range rec.used[fn] {
			for key := range keys {
				var ok bool
				for res, actions := range grants {
					if !slices.Contains(actions, action) {
						continue
					}
					if p, isList := strings.CutPrefix(key, "prefix="); isList {
						if res == "${UploadsBucket.Arn}" && slices.ContainsFunc(uploadPrefixes[fn], func(g string) bool { return globMatch(g, p) }) {
							ok, usedGrant[res+" "+action] = true, true
						}
					} else if globMatch(res, "${UploadsBucket.Arn}/"+key) {
						ok, usedGrant[res+" "+action] = true, true
					}
				}
				if !ok {
					t.Errorf("%s calls %s on %q, which uploadGrants does not grant it", fn, action, key)
				}
			}
		}
		for _, res := range slices.Sorted(maps.Keys(grants)) {
			for _, a := range grants[res] {
				if !usedGrant[res+" "+a] {
					t.Errorf("%s is granted %s on %s, which it never calls", fn, a, res)
				}
			}
		}
	}
	t.Logf("S3 calls on the uploads bucket: %v", rec.used)
}

type applied struct{ number, token string }

// submitWithFile submits an application through the applicant's use case and uploads
// one file to it.
func submitWithFile(t *testing.T, in *intake.Service, store *localstore.Store, org string, content []byte) applied {
	t.Helper()
	a := storetest.Sample(time.Now())
	a.OrgName, a.TokenHash, a.History, a.Status, a.Version = org, "", nil, "", 0
	r, _, err := in.Submit(t.Context(), intake.Submission{Application: a})
	if err != nil {
		t.Fatal(err)
	}
	ap := applied{r.Number, r.Token}
	upload(t, in, ap, "营业执照.pdf", content, true)
	return ap
}

// upload asks for the form, posts the file as a browser does and confirms it.
func upload(t *testing.T, in *intake.Service, a applied, name string, content []byte, want bool) {
	t.Helper()
	up, err := in.RequestUpload(t.Context(), a.number, a.token, membership.UploadRequest{Name: name, Type: "application/pdf", Size: int64(len(content))})
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for _, k := range slices.Sorted(maps.Keys(up.Form.Fields)) {
		w.WriteField(k, up.Form.Fields[k])
	}
	fw, _ := w.CreateFormFile("file", name)
	fw.Write(content)
	w.Close()
	res, err := http.Post(up.Form.URL, w.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	_, err = in.ConfirmUpload(t.Context(), a.number, a.token, intake.UploadDone{ID: up.ID, Name: name})
	if (err == nil) != want {
		t.Fatalf("confirm %s: %v, want recorded %v", name, err, want)
	}
}

func get(t *testing.T, u string) {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d", u, res.StatusCode)
	}
}

// TestRetentionMatchesNotices: the retention periods the admin function is given are the
// domain's defaults (what `alliance serve` uses) and what the privacy notices promise: the
// join page states both in days, the event pages the registrations' as within a year.
func TestRetentionMatchesNotices(t *testing.T) {
	var closed, regs string
	for _, f := range functions(t, load(t, global)) {
		if f.id == sweepFunction {
			closed, regs = f.env["RETENTION_CLOSED_DAYS"], f.env["RETENTION_REGISTRATION_DAYS"]
		}
	}
	r, err := membership.ParseRetention(closed, regs)
	if err != nil || closed == "" || regs == "" {
		t.Fatalf("RETENTION_CLOSED_DAYS %q, RETENTION_REGISTRATION_DAYS %q: %v", closed, regs, err)
	}
	if r != membership.DefaultRetention {
		t.Errorf("template.yaml keeps %v, membership.DefaultRetention %v: want the same", r, membership.DefaultRetention)
	}
	join, err := os.ReadFile(filepath.Join(root(t), "templates", "join.html"))
	if err != nil {
		t.Fatal(err)
	}
	sent, failed := strconv.Itoa(membership.Days(outbox.SentRetention)), strconv.Itoa(membership.Days(outbox.FailedRetention))
	for _, want := range []string{"保存 " + closed + " 天", "（" + regs + " 天）", "发出后保存 " + sent + " 天", "未能送达的保存 " + failed + " 天"} {
		if !strings.Contains(string(join), want) {
			t.Errorf("the join page's privacy notice does not say %q", want)
		}
	}
	event, err := os.ReadFile(filepath.Join(root(t), "templates", "events-single.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(event), "活动结束后一年内删除报名信息") || membership.Days(r.Registrations) > 366 {
		t.Errorf("the event pages promise deletion within a year; registrations are kept %d days", membership.Days(r.Registrations))
	}
}
