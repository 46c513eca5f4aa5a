package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/smelisting/alliance/cmd/site/parallel"
	"github.com/smelisting/alliance/cmd/site/publish"
)

// bucket is the part of the S3 API the builder uses; *s3.Client implements it.
type bucket interface {
	publish.S3
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// fetchSources copies the sources under publish.SourcesPrefix of the bucket
// name into dir (dir/content/…, dir/templates/…), eight at a time.
func fetchSources(ctx context.Context, b bucket, name, dir string) error {
	var keys []string
	pages := s3.NewListObjectsV2Paginator(b, &s3.ListObjectsV2Input{Bucket: aws.String(name), Prefix: aws.String(publish.SourcesPrefix)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("site: list the sources in %s: %w", name, err)
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	if len(keys) == 0 {
		return fmt.Errorf("site: no sources under %s in %s (run `alliance publish`)", publish.SourcesPrefix, name)
	}
	return parallel.For(ctx, 8, len(keys), func(i int) error {
		return fetchSource(ctx, b, name, keys[i], dir)
	})
}

// fetchSource copies one source object into dir.
func fetchSource(ctx context.Context, b bucket, name, key, dir string) error {
	rel := strings.TrimPrefix(key, publish.SourcesPrefix)
	if rel != path.Clean(rel) || strings.HasPrefix(rel, "../") || (!strings.HasPrefix(rel, "content/") && !strings.HasPrefix(rel, "templates/")) {
		return fmt.Errorf("site: source %s is outside content/ and templates/", key)
	}
	out, err := b.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(name), Key: aws.String(key)})
	if err != nil {
		return fmt.Errorf("site: get %s: %w", key, err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		return fmt.Errorf("site: read %s: %w", key, err)
	}
	file := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return err
	}
	return os.WriteFile(file, data, 0o600)
}
