package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/smelisting/alliance/cmd/site/publish"
)

// runPublish uploads the sources of the site (for the site builder function) and the built site
// to S3 and invalidates CloudFront for what changed.
func runPublish(ctx context.Context, args []string) error {
	fs := newFlagSet("publish", "publish --bucket NAME [--distribution ID] [--dry-run] [flags]",
		"alliance publish --bucket alliance-prod-sitebucket-1a2b3c --distribution E2ABCDEF123456")
	bucket := fs.String("bucket", "", "S3 `bucket` to upload to (stack output SiteBucketName); required")
	distribution := fs.String("distribution", "", "CloudFront distribution `ID` to invalidate (stack output DistributionId); none in the China regions")
	dir := fs.String("site", "site", "built site `folder` (run `alliance build` first)")
	content := fs.String("content", "content", "content `folder`, uploaded as the site builder's source")
	templates := fs.String("templates", "templates", "templates `folder`, uploaded as the site builder's source")
	sourcesOnly := fs.Bool("sources-only", false, "upload only the sources; the site builder function builds and uploads the site (what make deploy does)")
	dryRun := fs.Bool("dry-run", false, "print what would be uploaded, deleted and invalidated, and change nothing")
	region := fs.String("region", "", "AWS `region` (default: AWS_REGION or the profile's)")
	endpoint := fs.String("endpoint", "", "S3-compatible endpoint `URL` instead of AWS S3 (path-style), e.g. http://127.0.0.1:9000")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("publish: unexpected argument %q", fs.Arg(0))
	}
	if *bucket == "" {
		fs.Usage()
		return errors.New("publish: --bucket is required")
	}

	var opts []func(*config.LoadOptions) error
	if *region != "" {
		opts = append(opts, config.WithRegion(*region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return fmt.Errorf("publish: load AWS config: %w", err)
	}
	s3Client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if *endpoint != "" {
			o.BaseEndpoint = aws.String(*endpoint)
			o.UsePathStyle = true
		}
	})
	var cf publish.CloudFront
	if *distribution != "" {
		cf = cloudfront.NewFromConfig(cfg)
	}

	pub := publish.New(s3Client, *bucket, cf, *distribution)
	// The sources first: a builder run triggered meanwhile then builds what is being published.
	sources, err := publish.ScanSources(*content, *templates)
	if err != nil {
		return err
	}
	src, err := pub.Sources().PublishFiles(ctx, sources, *dryRun)
	if err != nil {
		return err
	}
	fmt.Printf("sources: %d uploaded, %d deleted, %d unchanged\n", len(src.Upload), len(src.Delete), src.Unchanged)
	if *sourcesOnly {
		return nil
	}
	res, err := pub.Publish(ctx, *dir, *dryRun)
	if err != nil {
		return err
	}
	for _, f := range res.Upload {
		fmt.Printf("upload  %s  (%s; %s)\n", f.Key, f.ContentType, f.CacheControl)
	}
	for _, k := range res.Delete {
		fmt.Printf("delete  %s\n", k)
	}
	if *dryRun {
		fmt.Printf("dry run: %d to upload, %d to delete, %d unchanged; would invalidate %v",
			len(res.Upload), len(res.Delete), res.Unchanged, res.Invalidated)
	} else {
		fmt.Printf("%d uploaded, %d deleted, %d unchanged; invalidated %v", len(res.Upload), len(res.Delete), res.Unchanged, res.Invalidated)
		if res.InvalidationID != "" {
			fmt.Printf(" (invalidation %s)", res.InvalidationID)
		}
	}
	fmt.Println()
	return nil
}
