// Package publish uploads the built site (site/, or a site rendered in memory) to an S3 bucket
// and invalidates the CloudFront distribution in front of it for what changed; `alliance publish`
// and the site builder function (functions/site) share it. It also keeps the sources the builder
// rebuilds from (content/ and templates/) under the private prefix SourcesPrefix of the same
// bucket, which publishing the site never touches.
//
// Only changed files are uploaded: the MD5 of each local file is compared with the object's ETag,
// which S3 sets to the MD5 of the body for single-part uploads to a bucket encrypted with SSE-S3
// (the bucket in template.yaml). With SSE-KMS the ETag is not an MD5, so every file would be
// uploaded again: slower, never wrong.
package publish

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// S3 is the part of the S3 API that publishing uses; *s3.Client implements it.
type S3 interface {
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, opts ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	DeleteObjects(ctx context.Context, in *s3.DeleteObjectsInput, opts ...func(*s3.Options)) (*s3.DeleteObjectsOutput, error)
}

// CloudFront is the part of the CloudFront API that publishing uses; *cloudfront.Client implements it.
type CloudFront interface {
	CreateInvalidation(ctx context.Context, in *cloudfront.CreateInvalidationInput, opts ...func(*cloudfront.Options)) (*cloudfront.CreateInvalidationOutput, error)
}

// MaxInvalidationPaths is the number of changed paths above which one wildcard "/*" is
// invalidated instead (CloudFront bills each path beyond 1,000 a month; a wildcard counts as one).
const MaxInvalidationPaths = 15

// SourcesPrefix is where `alliance publish` keeps the site's sources in the site bucket:
// SourcesPrefix+"content/…" and SourcesPrefix+"templates/…". No built file starts with a dot
// (the generator skips such names), the bucket policy lets only the site builder read it, and
// publishing the site leaves it alone.
const SourcesPrefix = ".sources/"

// Publisher uploads a folder to a bucket. Create one with New.
type Publisher struct {
	s3           S3
	cf           CloudFront
	bucket       string
	distribution string
	prefix       string // the keys this publisher owns: "" the site (all but SourcesPrefix), or SourcesPrefix
	now          func() time.Time
}

// New returns a Publisher for bucket. cf and distribution may be empty (nil, ""): then nothing is
// invalidated (the China-region setup without CloudFront).
func New(client S3, bucket string, cf CloudFront, distribution string) *Publisher {
	return &Publisher{s3: client, cf: cf, bucket: bucket, distribution: distribution, now: time.Now}
}

// Sources returns a Publisher of the keys under SourcesPrefix of the same bucket, which
// invalidates nothing (nobody reads them through CloudFront).
func (p *Publisher) Sources() *Publisher {
	return &Publisher{s3: p.s3, bucket: p.bucket, prefix: SourcesPrefix, now: p.now}
}

// File is one file of the site as it will be stored.
type File struct {
	Key          string // object key, slash-separated, relative to the site folder
	Path         string // local file path, read when Body is nil
	Body         []byte // the content, for a file held in memory
	MD5          string // hex MD5 of the content
	ContentType  string
	CacheControl string
}

// NewFile returns the File of key with its content in memory.
func NewFile(key string, body []byte) File {
	sum := md5.Sum(body)
	return File{Key: key, Body: body, MD5: hex.EncodeToString(sum[:]), ContentType: ContentType(key, body), CacheControl: CacheControl(key)}
}

// Files returns the files of a site rendered in memory (key → content), sorted by key.
func Files(site map[string][]byte) []File {
	files := make([]File, 0, len(site))
	for _, key := range slices.Sorted(maps.Keys(site)) {
		files = append(files, NewFile(key, site[key]))
	}
	return files
}

// Plan is what a publish does: the files to upload (pages last), the keys to delete, and
// what stays.
type Plan struct {
	Upload    []File
	Delete    []string
	Unchanged int
}

// Invalidations returns the CloudFront paths to invalidate for the plan: every uploaded or deleted
// key as a URL path (an index.html also as its folder URL), or just "/*" if there are more than
// MaxInvalidationPaths. It returns nil when nothing changed.
func (p Plan) Invalidations() []string {
	var paths []string
	add := func(key string) {
		u := (&url.URL{Path: "/" + key}).EscapedPath()
		paths = append(paths, u)
		if key == "index.html" || strings.HasSuffix(key, "/index.html") {
			paths = append(paths, strings.TrimSuffix(u, "index.html"))
		}
	}
	for _, f := range p.Upload {
		add(f.Key)
	}
	for _, k := range p.Delete {
		add(k)
	}
	if len(paths) > MaxInvalidationPaths {
		return []string{"/*"}
	}
	slices.Sort(paths)
	return slices.Compact(paths)
}

// Result reports what Publish did (or, in a dry run, would do).
type Result struct {
	Plan
	Invalidated    []string // paths sent to CloudFront
	InvalidationID string
}

// Plan compares the files under dir with the bucket's objects.
func (p *Publisher) Plan(ctx context.Context, dir string) (Plan, error) {
	local, err := Scan(dir)
	if err != nil {
		return Plan{}, err
	}
	return p.PlanFiles(ctx, local)
}

// PlanFiles compares files with the bucket's objects.
func (p *Publisher) PlanFiles(ctx context.Context, local []File) (Plan, error) {
	remote, err := p.list(ctx)
	if err != nil {
		return Plan{}, err
	}
	var plan Plan
	for _, f := range local {
		if etag, ok := remote[f.Key]; ok && etag == f.MD5 {
			plan.Unchanged++
		} else {
			plan.Upload = append(plan.Upload, f)
		}
		delete(remote, f.Key)
	}
	for key := range remote {
		plan.Delete = append(plan.Delete, key)
	}
	slices.Sort(plan.Delete)
	// Pages last: a page uploaded before the new hashed CSS or script it names would load
	// without them until the rest arrives.
	slices.SortStableFunc(plan.Upload, func(a, b File) int {
		return cmpBool(isPage(a.Key), isPage(b.Key))
	})
	return plan, nil
}

func isPage(key string) bool { return strings.HasSuffix(key, ".html") }

// cmpBool orders false before true.
func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// Publish uploads the changed files under dir, deletes the objects whose files are gone and
// invalidates the changed paths. With dryRun it only computes what it would do.
func (p *Publisher) Publish(ctx context.Context, dir string, dryRun bool) (Result, error) {
	local, err := Scan(dir)
	if err != nil {
		return Result{}, err
	}
	return p.PublishFiles(ctx, local, dryRun)
}

// PublishFiles is Publish of files (from Scan, Files or NewFile).
func (p *Publisher) PublishFiles(ctx context.Context, local []File, dryRun bool) (Result, error) {
	plan, err := p.PlanFiles(ctx, local)
	if err != nil {
		return Result{}, err
	}
	res := Result{Plan: plan}
	paths := plan.Invalidations()
	if dryRun {
		if p.cf != nil && p.distribution != "" {
			res.Invalidated = paths
		}
		return res, nil
	}
	for _, f := range plan.Upload {
		if err := p.put(ctx, f); err != nil {
			return res, err
		}
	}
	if err := p.delete(ctx, plan.Delete); err != nil {
		return res, err
	}
	if p.cf == nil || p.distribution == "" || len(paths) == 0 {
		return res, nil
	}
	out, err := p.cf.CreateInvalidation(ctx, &cloudfront.CreateInvalidationInput{
		DistributionId: aws.String(p.distribution),
		InvalidationBatch: &cftypes.InvalidationBatch{
			CallerReference: aws.String("alliance-publish-" + strconv.FormatInt(p.now().UnixNano(), 10)),
			Paths:           &cftypes.Paths{Items: paths, Quantity: aws.Int32(int32(len(paths)))},
		},
	})
	if err != nil {
		return res, fmt.Errorf("publish: invalidate %d paths in %s: %w", len(paths), p.distribution, err)
	}
	res.Invalidated = paths
	if out.Invalidation != nil {
		res.InvalidationID = aws.ToString(out.Invalidation.Id)
	}
	return res, nil
}

// list returns the keys this publisher owns with their ETags (unquoted), relative to its prefix.
func (p *Publisher) list(ctx context.Context) (map[string]string, error) {
	objects := make(map[string]string)
	in := &s3.ListObjectsV2Input{Bucket: aws.String(p.bucket)}
	if p.prefix != "" {
		in.Prefix = aws.String(p.prefix)
	}
	pages := s3.NewListObjectsV2Paginator(p.s3, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("publish: list bucket %s: %w", p.bucket, err)
		}
		for _, o := range page.Contents {
			key := aws.ToString(o.Key)
			if p.prefix == "" && strings.HasPrefix(key, SourcesPrefix) {
				continue // the sources are not the site's
			}
			objects[strings.TrimPrefix(key, p.prefix)] = strings.Trim(aws.ToString(o.ETag), `"`)
		}
	}
	return objects, nil
}

func (p *Publisher) put(ctx context.Context, f File) error {
	body := f.Body
	if body == nil {
		var err error
		if body, err = os.ReadFile(f.Path); err != nil {
			return fmt.Errorf("publish: read %s: %w", f.Path, err)
		}
	}
	_, err := p.s3.PutObject(ctx, &s3.PutObjectInput{
		Bucket:       aws.String(p.bucket),
		Key:          aws.String(p.prefix + f.Key),
		Body:         bytes.NewReader(body),
		ContentType:  aws.String(f.ContentType),
		CacheControl: aws.String(f.CacheControl),
	})
	if err != nil {
		return fmt.Errorf("publish: put %s: %w", f.Key, err)
	}
	return nil
}

// delete removes keys in batches of 1,000 (the DeleteObjects limit).
func (p *Publisher) delete(ctx context.Context, keys []string) error {
	for batch := range slices.Chunk(keys, 1000) {
		ids := make([]s3types.ObjectIdentifier, len(batch))
		for i, k := range batch {
			ids[i] = s3types.ObjectIdentifier{Key: aws.String(p.prefix + k)}
		}
		out, err := p.s3.DeleteObjects(ctx, &s3.DeleteObjectsInput{
			Bucket: aws.String(p.bucket),
			Delete: &s3types.Delete{Objects: ids, Quiet: aws.Bool(true)},
		})
		if err != nil {
			return fmt.Errorf("publish: delete %d objects: %w", len(batch), err)
		}
		if len(out.Errors) > 0 {
			e := out.Errors[0]
			return fmt.Errorf("publish: delete %s: %s", aws.ToString(e.Key), aws.ToString(e.Message))
		}
	}
	return nil
}

// Scan lists the files under dir, sorted by key, with their hash, Content-Type and Cache-Control.
// Hidden files (a name starting with ".") are skipped.
func Scan(dir string) ([]File, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("publish: scan %s: %w", dir, err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("publish: scan %s: not a folder", dir)
	}
	var files []File
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && p != dir {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		body, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := md5.Sum(body)
		key := filepath.ToSlash(rel)
		files = append(files, File{
			Key:          key,
			Path:         p,
			MD5:          hex.EncodeToString(sum[:]),
			ContentType:  ContentType(key, body),
			CacheControl: CacheControl(key),
		})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("publish: scan %s: %w", dir, err)
	}
	if len(files) == 0 {
		return nil, errors.New("publish: scan " + dir + ": no files (run `alliance build` first)")
	}
	return files, nil
}

// ScanSources lists the files of the content and templates folders as the sources the site
// builder reads: keys "content/…" and "templates/…" (relative to SourcesPrefix).
func ScanSources(content, templates string) ([]File, error) {
	var files []File
	for _, src := range []struct{ name, dir string }{{"content", content}, {"templates", templates}} {
		fs, err := Scan(src.dir)
		if err != nil {
			return nil, err
		}
		for _, f := range fs {
			f.Key = src.name + "/" + f.Key
			files = append(files, f)
		}
	}
	return files, nil
}

// contentTypes maps file extensions to the Content-Type sent with them. Text types carry
// charset=utf-8. .xml and .json are decided by content in ContentType (feeds vs others).
var contentTypes = map[string]string{
	".html":        "text/html; charset=utf-8",
	".htm":         "text/html; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".ics":         "text/calendar; charset=utf-8",
	".txt":         "text/plain; charset=utf-8",
	".md":          "text/markdown; charset=utf-8",
	".csv":         "text/csv; charset=utf-8",
	".rss":         "application/rss+xml",
	".atom":        "application/atom+xml",
	".webmanifest": "application/manifest+json",
	".map":         "application/json",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".jpg":         "image/jpeg",
	".jpeg":        "image/jpeg",
	".gif":         "image/gif",
	".webp":        "image/webp",
	".avif":        "image/avif",
	".ico":         "image/vnd.microsoft.icon",
	".woff":        "font/woff",
	".woff2":       "font/woff2",
	".ttf":         "font/ttf",
	".otf":         "font/otf",
	".pdf":         "application/pdf",
	".zip":         "application/zip",
}

// ContentType returns the Content-Type for a file: by extension, and for .xml and .json by the
// start of the content (an RSS, Atom or JSON Feed document gets its feed type).
func ContentType(key string, body []byte) string {
	ext := strings.ToLower(path.Ext(key))
	head := body[:min(len(body), 1024)]
	switch ext {
	case ".xml":
		switch {
		case bytes.Contains(head, []byte("<rss")):
			return "application/rss+xml"
		case bytes.Contains(head, []byte("<feed")):
			return "application/atom+xml"
		}
		return "application/xml"
	case ".json":
		if bytes.Contains(head, []byte("jsonfeed.org/version/")) {
			return "application/feed+json"
		}
		return "application/json"
	}
	if t, ok := contentTypes[ext]; ok {
		return t
	}
	return "application/octet-stream"
}

// Cache-Control values: content-hashed assets never change under their name; everything else
// (HTML, feeds, images without a hash) is revalidated soon, and publish invalidates CloudFront.
const (
	CacheImmutable = "public, max-age=31536000, immutable"
	CacheShort     = "public, max-age=300"
)

// CacheControl returns the Cache-Control for a key: immutable for a content-hashed file under
// assets/ (a name like site.3f9a0c1b.css), short for everything else.
func CacheControl(key string) string {
	if strings.HasPrefix(key, "assets/") && hasContentHash(path.Base(key)) {
		return CacheImmutable
	}
	return CacheShort
}

// hasContentHash reports whether a file name has a part of at least 8 hex digits between
// separators ("." "-" "_") before its extension, as in site.3f9a0c1b.css or join-3f9a0c1b.js.
func hasContentHash(name string) bool {
	stem := strings.TrimSuffix(name, path.Ext(name))
	for _, part := range strings.FieldsFunc(stem, func(r rune) bool { return r == '.' || r == '-' || r == '_' }) {
		if len(part) >= 8 && strings.Trim(strings.ToLower(part), "0123456789abcdef") == "" {
			return true
		}
	}
	return false
}
