package sitebucket

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

const bucket = "alliance-site"

// s3Server is gofakes3 on 127.0.0.1 that records the GETs it answers and can be made to
// fail.
type s3Server struct {
	client *s3.Client
	mu     sync.Mutex
	gets   []string // "200", "304" …, with " conditional" when If-None-Match was sent
	down   bool
}

func newS3Server(t *testing.T) *s3Server {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	faker := gofakes3.New(backend).Server()
	s := &s3Server{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		down := s.down
		s.mu.Unlock()
		if down {
			http.Error(w, "service unavailable", http.StatusServiceUnavailable)
			return
		}
		rec := httptest.NewRecorder()
		faker.ServeHTTP(rec, r)
		if r.Method == http.MethodGet {
			s.mu.Lock()
			g := http.StatusText(rec.Code)
			if r.Header.Get("If-None-Match") != "" {
				g += " conditional"
			}
			s.gets = append(s.gets, g)
			s.mu.Unlock()
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	s.client = c
	return s
}

func (s *s3Server) put(t *testing.T, key, body string) {
	t.Helper()
	if _, err := s.client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
		Body: strings.NewReader(body)}); err != nil {
		t.Fatal(err)
	}
}

func (s *s3Server) takeGets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.gets
	s.gets = nil
	return g
}

func TestFileRead(t *testing.T) {
	s := newS3Server(t)
	s.put(t, "api-frame.html", "第一版")
	clock := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	f := NewFile(s.client, bucket, "api-frame.html")
	f.now = func() time.Time { return clock }
	ctx := context.Background()
	read := func(step, want string, wantGets ...string) {
		t.Helper()
		got, err := f.Read(ctx)
		if err != nil || string(got) != want {
			t.Errorf("%s: Read = %q, %v; want %q", step, got, err, want)
		}
		if gets := s.takeGets(); strings.Join(gets, ",") != strings.Join(wantGets, ",") {
			t.Errorf("%s: S3 answered GETs %q, want %q", step, gets, wantGets)
		}
	}
	read("first read", "第一版", "OK")
	clock = clock.Add(MaxAge - time.Second)
	read("within a minute", "第一版")
	clock = clock.Add(time.Second)
	read("a minute on, unchanged", "第一版", "Not Modified conditional")
	s.put(t, "api-frame.html", "第二版")
	read("changed, within a minute", "第一版")
	clock = clock.Add(MaxAge)
	read("changed, a minute on", "第二版", "OK conditional")

	s.mu.Lock()
	s.down = true
	s.mu.Unlock()
	clock = clock.Add(MaxAge)
	if got, err := f.Read(ctx); err == nil || got != nil || !strings.Contains(err.Error(), "s3://alliance-site/api-frame.html") {
		t.Errorf("S3 down: Read = %q, %v; want an error naming the object", got, err)
	}
	read("S3 down, within a minute of the failure", "第二版") // no request: the bytes it has
}

func TestFileNeverRead(t *testing.T) {
	s := newS3Server(t)
	f := NewFile(s.client, bucket, "api-frame.html") // no such object
	for i := range 2 {
		if got, err := f.Read(context.Background()); err == nil || got != nil {
			t.Errorf("read %d of a missing object: %q, %v; want an error", i, got, err)
		}
	}
	if gets := s.takeGets(); len(gets) != 1 {
		t.Errorf("S3 was asked %d times, want once a minute (%q)", len(gets), gets)
	}
	s.put(t, "big.html", string(bytes.Repeat([]byte("x"), maxSize+1)))
	if _, err := NewFile(s.client, bucket, "big.html").Read(context.Background()); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("reading an object over %d bytes: %v, want an error", maxSize, err)
	}
}

func TestNewClientNeedsTheLambdaEnvironment(t *testing.T) {
	t.Setenv("AWS_REGION", "")
	if _, err := NewClient(""); err == nil {
		t.Error("NewClient without AWS_REGION: got no error")
	}
	t.Setenv("AWS_REGION", "cn-north-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	if _, err := NewClient(""); err == nil {
		t.Error("NewClient without credentials: got no error")
	}
}
