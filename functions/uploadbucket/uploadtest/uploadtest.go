// Package uploadtest serves an S3-protocol server (gofakes3, in memory) on
// 127.0.0.1 for tests, with a versioned bucket like the deployed uploads
// bucket. It takes presigned POSTs but enforces none of their policy's
// conditions (nor any signature): tests check the policy itself.
package uploadtest

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/smelisting/alliance/functions/sitebucket"
)

// Bucket is the name of the bucket the server holds.
const Bucket = "uploads"

// Server is the S3 server and a client of it.
type Server struct {
	URL    string // its origin, e.g. http://127.0.0.1:41234
	Client *s3.Client
}

// Start serves the bucket until the test ends; wrap, if not nil, wraps the
// server's handler (a recorder). CORS allows any origin, as the deployed
// bucket allows the site's.
func Start(t testing.TB, wrap func(http.Handler) http.Handler) *Server {
	t.Helper()
	var h http.Handler = gofakes3.New(s3mem.New(), gofakes3.WithInsecureCORS()).Server()
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	t.Setenv("AWS_REGION", "cn-north-1")
	c, err := sitebucket.NewClient(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String(Bucket)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutBucketVersioning(t.Context(), &s3.PutBucketVersioningInput{Bucket: aws.String(Bucket),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	return &Server{URL: srv.URL, Client: c}
}

// Versions returns the key of every version and delete marker under prefix.
func (s *Server) Versions(t testing.TB, prefix string) []string {
	t.Helper()
	out, err := s.Client.ListObjectVersions(t.Context(), &s3.ListObjectVersionsInput{Bucket: aws.String(Bucket), Prefix: aws.String(prefix)})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, v := range out.Versions {
		keys = append(keys, aws.ToString(v.Key)+"@"+aws.ToString(v.VersionId))
	}
	for _, m := range out.DeleteMarkers {
		keys = append(keys, aws.ToString(m.Key)+"@marker")
	}
	return keys
}
