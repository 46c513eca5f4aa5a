package publish_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/smelisting/alliance/cmd/site/publish"
)

// fakeS3 is gofakes3 on 127.0.0.1 with a record of the headers of every PUT, because gofakes3
// does not keep Cache-Control.
type fakeS3 struct {
	client *s3.Client
	mu     sync.Mutex
	puts   map[string]http.Header // key → request headers of the last PUT
	order  []string               // keys in the order they were PUT
}

func (f *fakeS3) putHeaders(key string) http.Header {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.puts[key]
}

func (f *fakeS3) reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.puts = map[string]http.Header{}
	f.order = nil
}

func (f *fakeS3) putKeys() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var keys []string
	for k := range f.puts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

const bucket = "alliance-site"

func newFakeS3(t testing.TB) *fakeS3 {
	t.Helper()
	f := &fakeS3{puts: map[string]http.Header{}}
	backend := s3mem.New()
	if err := backend.CreateBucket(bucket); err != nil {
		t.Fatalf("create bucket: %v", err)
	}
	faker := gofakes3.New(backend)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			key := strings.TrimPrefix(r.URL.Path, "/"+bucket+"/")
			f.mu.Lock()
			f.puts[key] = r.Header.Clone()
			f.order = append(f.order, key)
			f.mu.Unlock()
		}
		faker.Server().ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	f.client = s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	return f
}

// fakeCloudFront records the invalidations it is asked for.
type fakeCloudFront struct {
	calls [][]string
}

func (f *fakeCloudFront) CreateInvalidation(_ context.Context, in *cloudfront.CreateInvalidationInput, _ ...func(*cloudfront.Options)) (*cloudfront.CreateInvalidationOutput, error) {
	f.calls = append(f.calls, in.InvalidationBatch.Paths.Items)
	return &cloudfront.CreateInvalidationOutput{Invalidation: &cftypes.Invalidation{Id: aws.String("I1")}}, nil
}

func writeSite(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func objectKeys(t *testing.T, c *s3.Client) []string {
	t.Helper()
	out, err := c.ListObjectsV2(t.Context(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	slices.Sort(keys)
	return keys
}

func keysOf(files []publish.File) []string {
	var keys []string
	for _, f := range files {
		keys = append(keys, f.Key)
	}
	return keys
}

var site = map[string]string{
	"index.html":                    "<!doctype html><title>联盟</title>",
	"charter/index.html":            "<!doctype html><title>章程</title>",
	"events/rss.xml":                `<?xml version="1.0"?><rss version="2.0"><channel></channel></rss>`,
	"events/atom.xml":               `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"></feed>`,
	"events/feed.json":              `{"version": "https://jsonfeed.org/version/1.1", "items": []}`,
	"events/events.ics":             "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
	"sitemap.xml":                   `<?xml version="1.0"?><urlset></urlset>`,
	"assets/site.3f9a0c1b.css":      "body{margin:0}",
	"assets/join.0a1b2c3d4e.js":     "'use strict';",
	"assets/favicon.b441c6b458.svg": `<svg xmlns="http://www.w3.org/2000/svg"/>`,
	"members/logo.png":              "\x89PNG",
	".DS_Store":                     "junk",
}

func TestPublish(t *testing.T) {
	ctx := t.Context()
	fs3 := newFakeS3(t)
	cf := &fakeCloudFront{}
	dir := t.TempDir()
	writeSite(t, dir, site)
	p := publish.New(fs3.client, bucket, cf, "E123")

	// First publish: every file (hidden ones excepted) is uploaded with its headers.
	res, err := p.Publish(ctx, dir, false)
	if err != nil {
		t.Fatalf("first publish: %v", err)
	}
	want := []string{"assets/favicon.b441c6b458.svg", "assets/join.0a1b2c3d4e.js", "assets/site.3f9a0c1b.css",
		"events/atom.xml", "events/events.ics", "events/feed.json", "events/rss.xml",
		"members/logo.png", "sitemap.xml", "charter/index.html", "index.html"} // pages last
	if got := keysOf(res.Upload); !slices.Equal(got, want) {
		t.Errorf("first publish uploaded %v, want %v", got, want)
	}
	fs3.mu.Lock()
	order := slices.Clone(fs3.order)
	fs3.mu.Unlock()
	if !slices.Equal(order, want) {
		t.Errorf("first publish sent PUTs in the order %v, want %v (pages after what they load)", order, want)
	}
	want = slices.Sorted(slices.Values(want))
	if got := objectKeys(t, fs3.client); !slices.Equal(got, want) {
		t.Errorf("bucket holds %v, want %v", got, want)
	}
	headers := []struct{ key, contentType, cacheControl string }{
		{"index.html", "text/html; charset=utf-8", publish.CacheShort},
		{"charter/index.html", "text/html; charset=utf-8", publish.CacheShort},
		{"events/rss.xml", "application/rss+xml", publish.CacheShort},
		{"events/atom.xml", "application/atom+xml", publish.CacheShort},
		{"events/feed.json", "application/feed+json", publish.CacheShort},
		{"events/events.ics", "text/calendar; charset=utf-8", publish.CacheShort},
		{"sitemap.xml", "application/xml", publish.CacheShort},
		{"assets/site.3f9a0c1b.css", "text/css; charset=utf-8", publish.CacheImmutable},
		{"assets/join.0a1b2c3d4e.js", "text/javascript; charset=utf-8", publish.CacheImmutable},
		{"assets/favicon.b441c6b458.svg", "image/svg+xml", publish.CacheImmutable},
		{"members/logo.png", "image/png", publish.CacheShort},
	}
	for _, h := range headers {
		got := fs3.putHeaders(h.key)
		if got == nil {
			t.Errorf("PUT %s: not sent", h.key)
			continue
		}
		if ct := got.Get("Content-Type"); ct != h.contentType {
			t.Errorf("PUT %s Content-Type = %q, want %q", h.key, ct, h.contentType)
		}
		if cc := got.Get("Cache-Control"); cc != h.cacheControl {
			t.Errorf("PUT %s Cache-Control = %q, want %q", h.key, cc, h.cacheControl)
		}
	}
	head, err := fs3.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("index.html")})
	if err != nil {
		t.Fatalf("head index.html: %v", err)
	}
	if got := aws.ToString(head.ContentType); got != "text/html; charset=utf-8" {
		t.Errorf("stored Content-Type of index.html = %q, want text/html; charset=utf-8", got)
	}
	wantFirst := []string{"/", "/assets/favicon.b441c6b458.svg", "/assets/join.0a1b2c3d4e.js", "/assets/site.3f9a0c1b.css", "/charter/",
		"/charter/index.html", "/events/atom.xml", "/events/events.ics", "/events/feed.json",
		"/events/rss.xml", "/index.html", "/members/logo.png", "/sitemap.xml"}
	if len(cf.calls) != 1 || !slices.Equal(cf.calls[0], wantFirst) {
		t.Errorf("first publish invalidated %v, want one call with %v", cf.calls, wantFirst)
	}

	// Second publish of the same files: nothing is sent, nothing invalidated.
	fs3.reset()
	res, err = p.Publish(ctx, dir, false)
	if err != nil {
		t.Fatalf("second publish: %v", err)
	}
	if len(res.Upload) != 0 || len(res.Delete) != 0 || res.Unchanged != len(want) {
		t.Errorf("second publish: upload %v, delete %v, unchanged %d; want none, none, %d", keysOf(res.Upload), res.Delete, res.Unchanged, len(want))
	}
	if got := fs3.putKeys(); len(got) != 0 {
		t.Errorf("second publish sent PUT for %v, want none", got)
	}
	if len(cf.calls) != 1 {
		t.Errorf("second publish invalidated %v, want no new call", cf.calls[1:])
	}

	// Change one page, remove a feed, add a page: only those are touched and invalidated.
	writeSite(t, dir, map[string]string{"charter/index.html": "<!doctype html><title>章程（修订）</title>", "news/首页/index.html": "<p>新闻</p>"})
	if err := os.Remove(filepath.Join(dir, "events", "atom.xml")); err != nil {
		t.Fatal(err)
	}
	fs3.reset()
	res, err = p.Publish(ctx, dir, false)
	if err != nil {
		t.Fatalf("third publish: %v", err)
	}
	if got, want := keysOf(res.Upload), []string{"charter/index.html", "news/首页/index.html"}; !slices.Equal(got, want) {
		t.Errorf("third publish uploaded %v, want %v", got, want)
	}
	if got, want := fs3.putKeys(), []string{"charter/index.html", "news/首页/index.html"}; !slices.Equal(got, want) {
		t.Errorf("third publish sent PUT for %v, want %v", got, want)
	}
	if got, want := res.Delete, []string{"events/atom.xml"}; !slices.Equal(got, want) {
		t.Errorf("third publish deleted %v, want %v", got, want)
	}
	if got := objectKeys(t, fs3.client); slices.Contains(got, "events/atom.xml") || !slices.Contains(got, "news/首页/index.html") {
		t.Errorf("bucket after third publish holds %v, want atom.xml gone and the news page present", got)
	}
	wantPaths := []string{"/charter/", "/charter/index.html", "/events/atom.xml",
		"/news/%E9%A6%96%E9%A1%B5/", "/news/%E9%A6%96%E9%A1%B5/index.html"}
	if len(cf.calls) != 2 || !slices.Equal(cf.calls[1], wantPaths) {
		t.Errorf("third publish invalidations %v, want a second call with %v", cf.calls, wantPaths)
	}
	obj, err := fs3.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("charter/index.html")})
	if err != nil {
		t.Fatalf("get charter: %v", err)
	}
	body, _ := io.ReadAll(obj.Body)
	obj.Body.Close()
	if !strings.Contains(string(body), "修订") {
		t.Errorf("charter/index.html in the bucket = %q, want the revised page", body)
	}
}

func TestPublishDryRun(t *testing.T) {
	ctx := t.Context()
	fs3 := newFakeS3(t)
	cf := &fakeCloudFront{}
	dir := t.TempDir()
	writeSite(t, dir, map[string]string{"index.html": "<p>a</p>", "about/index.html": "<p>b</p>"})
	p := publish.New(fs3.client, bucket, cf, "E123")

	res, err := p.Publish(ctx, dir, true)
	if err != nil {
		t.Fatalf("dry run: %v", err)
	}
	if got, want := keysOf(res.Upload), []string{"about/index.html", "index.html"}; !slices.Equal(got, want) {
		t.Errorf("dry run plans upload %v, want %v", got, want)
	}
	if got, want := res.Invalidated, []string{"/", "/about/", "/about/index.html", "/index.html"}; !slices.Equal(got, want) {
		t.Errorf("dry run plans invalidation %v, want %v", got, want)
	}
	if got := objectKeys(t, fs3.client); len(got) != 0 {
		t.Errorf("dry run wrote %v to the bucket, want nothing", got)
	}
	if len(cf.calls) != 0 {
		t.Errorf("dry run invalidated %v, want nothing", cf.calls)
	}
}

func TestPublishWithoutCloudFront(t *testing.T) {
	fs3 := newFakeS3(t)
	dir := t.TempDir()
	writeSite(t, dir, map[string]string{"index.html": "<p>a</p>"})
	res, err := publish.New(fs3.client, bucket, nil, "").Publish(t.Context(), dir, false)
	if err != nil {
		t.Fatalf("publish without CloudFront: %v", err)
	}
	if len(res.Upload) != 1 || res.Invalidated != nil {
		t.Errorf("publish without CloudFront: uploaded %v, invalidated %v; want index.html and no invalidation", keysOf(res.Upload), res.Invalidated)
	}
}

func TestPublishErrors(t *testing.T) {
	fs3 := newFakeS3(t)
	empty := t.TempDir()
	file := filepath.Join(t.TempDir(), "file")
	writeSite(t, filepath.Dir(file), map[string]string{"file": "x"})
	tests := []struct {
		name, dir, bucket, want string
	}{
		{"missing folder", filepath.Join(empty, "nope"), bucket, "no such file"},
		{"not a folder", file, bucket, "not a folder"},
		{"empty folder", empty, bucket, "alliance build"},
		{"missing bucket", writeTemp(t), "no-such-bucket", "list bucket no-such-bucket"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := publish.New(fs3.client, tt.bucket, nil, "").Publish(t.Context(), tt.dir, false)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Publish(%s) error = %v, want one containing %q", tt.dir, err, tt.want)
			}
		})
	}
}

func writeTemp(t *testing.T) string {
	dir := t.TempDir()
	writeSite(t, dir, map[string]string{"index.html": "x"})
	return dir
}

func TestInvalidationsCollapse(t *testing.T) {
	var plan publish.Plan
	for i := range publish.MaxInvalidationPaths + 1 {
		plan.Upload = append(plan.Upload, publish.File{Key: fmt.Sprintf("p%02d.html", i)})
	}
	if got := plan.Invalidations(); !slices.Equal(got, []string{"/*"}) {
		t.Errorf("Invalidations of %d keys = %v, want [/*]", len(plan.Upload), got)
	}
	plan.Upload = plan.Upload[:publish.MaxInvalidationPaths]
	if got := plan.Invalidations(); len(got) != publish.MaxInvalidationPaths {
		t.Errorf("Invalidations of %d keys = %d paths, want %d", len(plan.Upload), len(got), publish.MaxInvalidationPaths)
	}
	if got := (publish.Plan{Unchanged: 3}).Invalidations(); got != nil {
		t.Errorf("Invalidations of an unchanged site = %v, want nil", got)
	}
}

func TestContentType(t *testing.T) {
	tests := []struct{ key, body, want string }{
		{"a/index.html", "<p>", "text/html; charset=utf-8"},
		{"index.xml", `<?xml version="1.0"?><rss version="2.0">`, "application/rss+xml"},
		{"atom.xml", `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">`, "application/atom+xml"},
		{"sitemap.xml", `<urlset>`, "application/xml"},
		{"feed.json", `{"version":"https://jsonfeed.org/version/1.1"}`, "application/feed+json"},
		{"data.json", `{}`, "application/json"},
		{"events.ics", "BEGIN:VCALENDAR", "text/calendar; charset=utf-8"},
		{"x.CSS", "", "text/css; charset=utf-8"},
		{"x.js", "", "text/javascript; charset=utf-8"},
		{"x.svg", "", "image/svg+xml"},
		{"x.woff2", "", "font/woff2"},
		{"robots.txt", "", "text/plain; charset=utf-8"},
		{"CNAME", "", "application/octet-stream"},
	}
	for _, tt := range tests {
		if got := publish.ContentType(tt.key, []byte(tt.body)); got != tt.want {
			t.Errorf("ContentType(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}

func TestCacheControl(t *testing.T) {
	tests := []struct{ key, want string }{
		{"assets/site.3f9a0c1b.css", publish.CacheImmutable},
		{"assets/join-3f9a0c1b77.js", publish.CacheImmutable},
		{"assets/site.css", publish.CacheShort},
		{"assets/logo.png", publish.CacheShort},
		{"site.3f9a0c1b.css", publish.CacheShort}, // outside assets/: not ours to call immutable
		{"index.html", publish.CacheShort},
		{"events/rss.xml", publish.CacheShort},
	}
	for _, tt := range tests {
		if got := publish.CacheControl(tt.key); got != tt.want {
			t.Errorf("CacheControl(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}

// BenchmarkPublishUnchanged measures publishing a 500-file site that is already in the
// bucket: hashing every file and listing the bucket, nothing sent.
func BenchmarkPublishUnchanged(b *testing.B) {
	fs3 := newFakeS3(b)
	dir := b.TempDir()
	files := map[string]string{}
	for i := range 500 {
		files[fmt.Sprintf("news/%03d/index.html", i)] = strings.Repeat("<p>联盟新闻</p>\n", 200)
	}
	writeSite(b, dir, files)
	p := publish.New(fs3.client, bucket, nil, "")
	if _, err := p.Publish(b.Context(), dir, false); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		res, err := p.Publish(b.Context(), dir, false)
		if err != nil || len(res.Upload) != 0 {
			b.Fatalf("publish: %d uploads, %v; want none", len(res.Upload), err)
		}
	}
}

// TestPublishFilesFromMemory publishes a site held in memory beside the sources: the site's
// publish uploads what changed, deletes what went and leaves the sources alone; the sources'
// publish leaves the site alone, and invalidates nothing.
func TestPublishFilesFromMemory(t *testing.T) {
	f := newFakeS3(t)
	cf := &fakeCloudFront{}
	p := publish.New(f.client, bucket, cf, "E1")
	if _, err := p.Sources().PublishFiles(t.Context(), []publish.File{publish.NewFile("content/_index.md", []byte("---\ntitle: 首页\n---\n"))}, false); err != nil {
		t.Fatal(err)
	}
	site := map[string][]byte{"index.html": []byte("<p>一</p>"), "old/index.html": []byte("<p>旧</p>"), "feed.json": []byte(`{"version":"https://jsonfeed.org/version/1.1"}`)}
	if _, err := p.PublishFiles(t.Context(), publish.Files(site), false); err != nil {
		t.Fatal(err)
	}
	site["index.html"] = []byte("<p>二</p>")
	delete(site, "old/index.html")
	res, err := p.PublishFiles(t.Context(), publish.Files(site), false)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(keysOf(res.Upload), res.Delete, res.Unchanged); got != "[index.html] [old/index.html] 1" {
		t.Errorf("second publish: got uploads, deletes, unchanged %s, want [index.html] [old/index.html] 1", got)
	}
	if got := fmt.Sprint(objectKeys(t, f.client)); got != "[.sources/content/_index.md feed.json index.html]" {
		t.Errorf("bucket: got %s, want the sources kept beside the site", got)
	}
	if h := f.putHeaders("feed.json"); h.Get("Content-Type") != "application/feed+json" {
		t.Errorf("feed.json sent as %q, want application/feed+json", h.Get("Content-Type"))
	}
	if len(cf.calls) != 2 || slices.ContainsFunc(cf.calls, func(paths []string) bool {
		return slices.ContainsFunc(paths, func(p string) bool { return strings.HasPrefix(p, "/.sources") })
	}) {
		t.Errorf("invalidations %v, want one per site publish and none of the sources", cf.calls)
	}
}
