package samtest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/smelisting/alliance/cmd/site/publish"
	"github.com/smelisting/alliance/cmd/site/sitegen"
)

// The events that invoke the site builder on AWS: the daily EventBridge schedule and a batch
// of the members table's stream (KEYS_ONLY).
const (
	scheduleEvent = `{"version":"0","id":"53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa","detail-type":"Scheduled Event","source":"aws.events",` +
		`"account":"123456789012","time":"2026-11-27T16:00:00Z","region":"cn-north-1","resources":["arn:aws-cn:events:cn-north-1:123456789012:rule/alliance-daily"],"detail":{}}`
	streamEvent = `{"Records":[{"eventID":"1","eventName":"MODIFY","eventVersion":"1.1","eventSource":"aws:dynamodb","awsRegion":"cn-north-1",` +
		`"dynamodb":{"Keys":{"pk":{"S":"MEMBER"},"sk":{"S":"%s"}},"SequenceNumber":"111","SizeBytes":26,"StreamViewType":"KEYS_ONLY"},` +
		`"eventSourceARN":"arn:aws-cn:dynamodb:cn-north-1:123456789012:table/members/stream/2026-11-27T00:00:00.000"}]}`
)

// siteS3 is the site bucket on gofakes3 (in this process, on 127.0.0.1) with the project's
// content/ and templates/ published as sources, as `alliance publish` leaves them.
type siteS3 struct {
	url    string
	client *s3.Client
}

const siteBucketName = "alliance-site"

func newSiteS3(t *testing.T) *siteS3 {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket(siteBucketName); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	c := s3.New(s3.Options{Region: "cn-north-1", BaseEndpoint: aws.String(srv.URL), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	sources, err := publish.ScanSources(filepath.Join(root(t), "content"), filepath.Join(root(t), "templates"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := publish.New(c, siteBucketName, nil, "").Sources().PublishFiles(t.Context(), sources, false); err != nil {
		t.Fatal(err)
	}
	return &siteS3{url: srv.URL, client: c}
}

// objects returns every object of the site (not the sources): key → body.
func (b *siteS3) objects(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	p := s3.NewListObjectsV2Paginator(b.client, &s3.ListObjectsV2Input{Bucket: aws.String(siteBucketName)})
	for p.HasMorePages() {
		page, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			key := aws.ToString(o.Key)
			if strings.HasPrefix(key, publish.SourcesPrefix) {
				continue
			}
			obj, err := b.client.GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String(siteBucketName), Key: o.Key})
			if err != nil {
				t.Fatal(err)
			}
			out[key], _ = io.ReadAll(obj.Body)
			obj.Body.Close()
		}
	}
	return out
}

// builderResult is the site builder's answer.
type builderResult struct {
	Trigger                      string
	Pages, Uploaded, Deleted, Ms int
	Unchanged                    int
}

// build invokes the site builder with event and returns its answer and the round trip.
func build(t *testing.T, e *emulator, event string, first bool) (builderResult, time.Duration) {
	t.Helper()
	start := time.Now()
	var resp *http.Response
	var err error
	for i := 0; ; i++ { // the first: until the emulator listens (bounded, 10 s)
		resp, err = e.client.Post(e.url, "application/json", bytes.NewReader([]byte(event)))
		if err == nil || !first || i == 2000 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("invoke the site builder: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var r builderResult
	if err := json.Unmarshal(body, &r); err != nil || r.Pages == 0 {
		t.Fatalf("site builder answered %s, want its result", body)
	}
	return r, time.Since(start)
}

// TestEmulatorSiteBuilder is the register driving the public site on the real path: an
// enterprise that consented is certified through the admin function (DynamoDB Local), the
// site builder runs under the Lambda emulator as the daily schedule invokes it, and the
// member's page is in the bucket and on the showcase; the member is expelled, the builder
// runs as the stream invokes it, and the name is gone from every object while the old URL
// answers that the member is no longer shown. It logs how long a build takes.
func TestEmulatorSiteBuilder(t *testing.T) {
	srv := dynamoServer(t)
	tables, err := srv.NewTables(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	is := newIssuer(t)
	env := functionEnv(srv, tables, map[string]string{
		"JWT_ISSUER": is.url, "JWT_AUDIENCE": "alliance-admin", "JWT_ROLES_CLAIM": "roles", "JWKS_URL": "", "SSL_CERT_FILE": is.certFile,
	})
	const name = "宁波甬商智能装备有限公司"
	cert := certifyConsenting(t, env, is, name)

	bucket := newSiteS3(t)
	site := startEmulator(t, hostBootstrap(t, "site"), functionEnv(srv, tables, map[string]string{
		"SITE_BUCKET": siteBucketName, "S3_ENDPOINT": bucket.url}))
	first, cold := build(t, site, scheduleEvent, true)
	if first.Trigger != "schedule" || first.Uploaded == 0 {
		t.Errorf("first build: got %+v, want a schedule's build uploading the site", first)
	}
	page := strings.TrimPrefix(sitegen.MemberURL(cert), "/") + "index.html"
	objs := bucket.objects(t)
	if !bytes.Contains(objs[page], []byte(name)) || !bytes.Contains(objs["members/index.html"], []byte(sitegen.MemberURL(cert))) {
		t.Fatalf("after certifying %s: %s has no %s, or the showcase does not list it", cert, page, name)
	}
	if _, ok := objs["members/qiheng/index.html"]; ok {
		t.Errorf("the sample profiles are still there beside a real member")
	}
	again, warm := build(t, site, scheduleEvent, false)
	if again.Uploaded != 0 || again.Deleted != 0 {
		t.Errorf("a build with nothing changed uploaded %d and deleted %d, want none", again.Uploaded, again.Deleted)
	}

	expel(t, env, is, cert)
	gone, changed := build(t, site, strings.Replace(streamEvent, "%s", cert, 1), false)
	if gone.Trigger != "stream" || gone.Uploaded == 0 {
		t.Errorf("build after the expulsion: got %+v, want a stream's build uploading the changes", gone)
	}
	objs = bucket.objects(t)
	if !bytes.Contains(objs[page], []byte("已不在会员风采中展示")) || !bytes.Contains(objs[page], []byte(`content="noindex"`)) {
		t.Errorf("the old URL %s answers\n%s\nwant the noindex page saying the member is no longer shown", page, objs[page])
	}
	for key, body := range objs {
		if bytes.Contains(body, []byte(name)) {
			t.Errorf("%s still names the expelled member", key)
		}
	}
	t.Logf("site builder under the emulator: cold build %v (%d pages, %d uploaded); unchanged %v; after the expulsion %v (%d uploaded, %d deleted; builder's own %d ms)",
		cold.Round(time.Millisecond), first.Pages, first.Uploaded, warm.Round(time.Millisecond), changed.Round(time.Millisecond),
		gone.Uploaded, gone.Deleted, gone.Ms)
	if changed > 10*time.Second {
		t.Errorf("a rebuild took %v, want seconds (target 2 s on an idle machine)", changed)
	}
}

// certifyConsenting submits an enterprise's application with consent to be shown through the
// apply function and takes it to a certificate through the admin function (reviewed by one
// clerk, approved by the chair, filed, certified); it returns the certificate number.
func certifyConsenting(t *testing.T, env map[string]string, is *issuer, name string) string {
	t.Helper()
	sub := map[string]any{
		"type": "enterprise", "org_name": name, "credit_code": "91110000600037341L",
		"representative": "张三", "representative_kind": "legal", "contact": "李四", "phone": "13800138000",
		"email": "lisi@example.com", "region": "浙江省", "industry": "金融服务", "specialised": "provincial",
		"services": []string{"ipo"}, "introduction": "专注于专精特新企业的股权投资。", "homepage": "https://www.yongshang.cn/",
		"showcase_consent": true, "commitment_accepted": true, "privacy_accepted": true, "privacy_version": "2026-11-01",
	}
	body, _ := json.Marshal(sub)
	apply := startEmulator(t, hostBootstrap(t, "apply"), env)
	resp, _ := apply.firstInvoke(t, apiEvent(t, "POST", "/api/applications",
		map[string]string{"content-type": "application/json", "idempotency-key": "samtest-site"}, string(body)))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("submit: %d %s", resp.StatusCode, resp.Body)
	}
	var created struct{ Number string }
	_ = json.Unmarshal([]byte(resp.Body), &created)
	admin := startEmulator(t, hostBootstrap(t, "admin"), env)
	clerk, chair := is.tokenFor(t, "clerk-1", "secretariat"), is.tokenFor(t, "chair-1", "chair")
	base := "/api/admin/applications/" + created.Number
	var app struct{ Version int }
	adminCall(t, admin, true, clerk, base+"/review", map[string]any{"version": 1}, &app)
	adminCall(t, admin, false, chair, base+"/approve", map[string]any{"version": app.Version}, &app)
	adminCall(t, admin, false, clerk, base+"/file", map[string]any{"version": app.Version,
		"filing": map[string]string{"date": "2026-11-20", "reference": "中促备〔2026〕31 号"}}, &app)
	var issued struct {
		Member struct{ Certificate string }
	}
	adminCall(t, admin, false, clerk, base+"/certify", map[string]any{"version": app.Version}, &issued)
	admin.stop()
	apply.stop()
	return issued.Member.Certificate
}

// expel takes the member out through the admin function: proposed by a clerk, approved by
// the chair.
func expel(t *testing.T, env map[string]string, is *issuer, cert string) {
	t.Helper()
	admin := startEmulator(t, hostBootstrap(t, "admin"), env)
	var m struct{ Version int }
	base := "/api/admin/members/" + cert
	adminCall(t, admin, true, is.tokenFor(t, "clerk-1", "secretariat"), base+"/expulsion", map[string]any{"version": 1, "reason": "严重违反联盟章程"}, &m)
	adminCall(t, admin, false, is.tokenFor(t, "chair-1", "chair"), base+"/expulsion/decision", map[string]any{"version": m.Version, "approve": true}, &m)
	admin.stop()
}

// adminCall POSTs body to path of the admin function with a bearer token and decodes a 2xx
// answer into out.
func adminCall(t *testing.T, e *emulator, first bool, token, path string, body, out any) {
	t.Helper()
	b, _ := json.Marshal(body)
	ev := apiEvent(t, "POST", path, map[string]string{"authorization": "Bearer " + token, "content-type": "application/json"}, string(b))
	var resp = func() (r struct {
		StatusCode int
		Body       string
	}) {
		if first {
			a, _ := e.firstInvoke(t, ev)
			r.StatusCode, r.Body = a.StatusCode, a.Body
		} else {
			a := e.invoke(t, ev)
			r.StatusCode, r.Body = a.StatusCode, a.Body
		}
		return r
	}()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("POST %s: %d %s", path, resp.StatusCode, resp.Body)
	}
	if err := json.Unmarshal([]byte(resp.Body), out); err != nil {
		t.Fatalf("POST %s: %s: %v", path, resp.Body, err)
	}
}
