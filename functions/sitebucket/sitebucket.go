// Package sitebucket reads a file of the published site from the site's S3 bucket, as
// `alliance publish` put it there. The public Lambda function reads the frame of its own
// pages this way (httpapi.FramePath), so that they change with the site when it is
// published, without a new deployment of the function.
package sitebucket

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/smelisting/alliance/functions/lambdaenv"
)

// Getter is the S3 call a File makes.
type Getter interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// MaxAge is how long a File trusts what it read (or the failure it got) before it asks
// S3 again; the site's pages are cached for five minutes, so one minute is fresh.
const MaxAge = time.Minute

// maxSize bounds what a File reads: the frame is about 20 KB.
const maxSize = 1 << 20

// File is one object of the bucket, read when first needed and read again, with its ETag
// (If-None-Match), once MaxAge has passed.
type File struct {
	client      Getter
	bucket, key string
	now         func() time.Time

	mu      sync.Mutex
	body    []byte
	etag    string
	err     error
	checked time.Time // when S3 was last asked
}

// NewFile returns the object key of bucket, read through client.
func NewFile(client Getter, bucket, key string) *File {
	return &File{client: client, bucket: bucket, key: key, now: time.Now}
}

// Read returns the object's bytes. Within MaxAge of the last request to S3 it answers
// from memory: the bytes last read, or, if none were ever read, the error of that request.
// After that it asks S3 again; when S3 fails, it returns the error (once per MaxAge, the
// bytes it has in between).
func (f *File) Read(ctx context.Context) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.checked.IsZero() && f.now().Sub(f.checked) < MaxAge {
		if f.body != nil {
			return f.body, nil
		}
		return nil, f.err
	}
	f.checked = f.now()
	in := &s3.GetObjectInput{Bucket: aws.String(f.bucket), Key: aws.String(f.key)}
	if f.etag != "" {
		in.IfNoneMatch = aws.String(f.etag)
	}
	out, err := f.client.GetObject(ctx, in)
	if notModified(err) && f.body != nil {
		return f.body, nil
	}
	if err != nil {
		f.err = fmt.Errorf("sitebucket: get s3://%s/%s: %w", f.bucket, f.key, err)
		return nil, f.err
	}
	defer out.Body.Close()
	body, err := io.ReadAll(io.LimitReader(out.Body, maxSize+1))
	if err == nil && len(body) > maxSize {
		err = fmt.Errorf("larger than %d bytes", maxSize)
	}
	if err != nil {
		f.err = fmt.Errorf("sitebucket: read s3://%s/%s: %w", f.bucket, f.key, err)
		return nil, f.err
	}
	f.body, f.etag, f.err = body, aws.ToString(out.ETag), nil
	return f.body, nil
}

// notModified reports whether err is S3's 304 answer to If-None-Match.
func notModified(err error) bool {
	var re *awshttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotModified
}

// NewClient returns an S3 client for the Lambda environment: the region and the
// function's credentials from AWS_REGION and AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
// AWS_SESSION_TOKEN, without reading any configuration file (what a cold start would
// pay for). With endpoint set (tests: an S3 server on 127.0.0.1), it uses that endpoint
// with path-style addressing and test credentials.
func NewClient(endpoint string) (*s3.Client, error) {
	region, creds, err := lambdaenv.AWS(endpoint, "cn-north-1")
	if err != nil {
		return nil, fmt.Errorf("sitebucket: new client: %w", err)
	}
	opts := s3.Options{Region: region, Credentials: creds}
	if endpoint != "" {
		opts.BaseEndpoint = aws.String(endpoint)
		opts.UsePathStyle = true
	}
	return s3.New(opts), nil
}
