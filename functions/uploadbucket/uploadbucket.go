// Package uploadbucket keeps the applicants' files in the private uploads
// bucket on Amazon S3 (aws-sdk-go-v2): it signs the browser's POST of a file
// (a presigned POST whose policy fixes the key, the media type and the size),
// reads what was stored (HEAD, then the first bytes by a ranged GET), moves a
// checked file from its incoming key to its attachment key, signs short-lived
// downloads, and deletes a file with every one of its versions (the bucket is
// versioned: a plain delete would leave the data in a noncurrent version).
//
// Every failure to reach S3 is EUNAVAILABLE; a missing object ENOTFOUND.
package uploadbucket

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/smelisting/alliance/functions/membership"
)

// Expiries of what the bucket signs.
const (
	UploadExpiry   = 15 * time.Minute // a presigned POST
	DownloadExpiry = 5 * time.Minute  // a presigned GET
)

// Bucket is the uploads bucket.
type Bucket struct {
	client  *s3.Client
	presign *s3.PresignClient
	name    string
	now     func() time.Time
}

// New returns the bucket name reached through client.
func New(client *s3.Client, name string) *Bucket {
	return &Bucket{client: client, presign: s3.NewPresignClient(client), name: name, now: time.Now}
}

// PresignUpload returns the form with which a browser posts one file of the
// media type, of 1 to maxSize bytes, to the key and nowhere else.
func (b *Bucket) PresignUpload(ctx context.Context, key, contentType string, maxSize int64) (*membership.UploadForm, error) {
	const op = "uploadbucket: presign upload"
	req, err := b.presign.PresignPostObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b.name), Key: aws.String(key)},
		func(o *s3.PresignPostOptions) {
			o.Expires = UploadExpiry
			o.Conditions = []any{
				[]any{"content-length-range", 1, maxSize},
				map[string]string{"Content-Type": contentType},
			}
		})
	if err != nil {
		return nil, membership.Internal(op, err)
	}
	req.Values["Content-Type"] = contentType
	return &membership.UploadForm{URL: req.URL, Fields: req.Values, Expires: b.now().Add(UploadExpiry).UTC()}, nil
}

// Stat returns the size of the object at key and its first n bytes (fewer
// when it is shorter). Errors: ENOTFOUND, EUNAVAILABLE.
func (b *Bucket) Stat(ctx context.Context, key string, n int) (int64, []byte, error) {
	const op = "uploadbucket: stat"
	h, err := b.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b.name), Key: aws.String(key)})
	if err != nil {
		return 0, nil, wrap(op, err)
	}
	size := aws.ToInt64(h.ContentLength)
	if size == 0 {
		return 0, nil, nil
	}
	g, err := b.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b.name), Key: aws.String(key),
		Range: aws.String(fmt.Sprintf("bytes=0-%d", n-1))})
	if err != nil {
		return 0, nil, wrap(op, err)
	}
	defer g.Body.Close()
	head, err := io.ReadAll(io.LimitReader(g.Body, int64(n)))
	if err != nil {
		return 0, nil, membership.Unavailable(op, err)
	}
	return size, head, nil
}

// Move copies the object at from to to and deletes every version of from.
// Errors: ENOTFOUND, EUNAVAILABLE.
func (b *Bucket) Move(ctx context.Context, from, to string) error {
	const op = "uploadbucket: move"
	_, err := b.client.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(b.name), Key: aws.String(to),
		CopySource: aws.String(url.PathEscape(b.name + "/" + from))})
	if err != nil {
		return wrap(op, err)
	}
	return b.Delete(ctx, from)
}

// Delete deletes every version of the object at key, and its delete markers;
// a key without any is no error. Errors: EUNAVAILABLE.
func (b *Bucket) Delete(ctx context.Context, key string) error {
	const op = "uploadbucket: delete"
	for range 100 { // a key has a handful of versions; 100 pages of them would be a bug
		out, err := b.client.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String(b.name), Prefix: aws.String(key)})
		if err != nil {
			return wrap(op, err)
		}
		var ids []types.ObjectIdentifier
		for _, v := range out.Versions {
			if aws.ToString(v.Key) == key {
				ids = append(ids, types.ObjectIdentifier{Key: v.Key, VersionId: v.VersionId})
			}
		}
		for _, m := range out.DeleteMarkers {
			if aws.ToString(m.Key) == key {
				ids = append(ids, types.ObjectIdentifier{Key: m.Key, VersionId: m.VersionId})
			}
		}
		if len(ids) == 0 {
			return nil
		}
		for _, id := range ids {
			if _, err := b.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(b.name), Key: id.Key, VersionId: id.VersionId}); err != nil {
				return wrap(op, err)
			}
		}
	}
	return membership.Internal(op, fmt.Errorf("%s keeps having versions", key))
}

// DownloadURL returns a GET of the object at key valid for DownloadExpiry,
// which the browser saves as name, with the media type.
func (b *Bucket) DownloadURL(ctx context.Context, key, name, contentType string) (string, error) {
	req, err := b.presign.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b.name), Key: aws.String(key),
		ResponseContentDisposition: aws.String(mime.FormatMediaType("attachment", map[string]string{"filename": name})),
		ResponseContentType:        aws.String(contentType)},
		s3.WithPresignExpires(DownloadExpiry))
	if err != nil {
		return "", membership.Internal("uploadbucket: presign download", err)
	}
	return req.URL, nil
}

// wrap gives a failed call its code: a missing object ENOTFOUND, anything
// else EUNAVAILABLE (S3 down, throttling, the request's deadline).
func wrap(op string, err error) error {
	var nf *types.NotFound
	var nk *types.NoSuchKey
	var api smithy.APIError
	if errors.As(err, &nf) || errors.As(err, &nk) || (errors.As(err, &api) && (api.ErrorCode() == "NotFound" || api.ErrorCode() == "NoSuchKey")) {
		return membership.Errorf(membership.ENOTFOUND, op, "未收到文件，请重新上传")
	}
	return membership.Unavailable(op, err)
}
