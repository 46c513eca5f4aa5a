package main

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/smelisting/alliance/cmd/site/publish"
	"github.com/smelisting/alliance/functions/membership"
)

// register is a register of one member, shown or not.
type register struct{ m membership.Member }

func (r *register) Members(context.Context) ([]membership.Member, error) {
	return []membership.Member{r.m}, nil
}

// BenchmarkRebuild is the builder's work in one process: the project's sources from an S3
// server on 127.0.0.1 (gofakes3), the real site rendered with a register of one member, and
// the changes published; each iteration flips the member's consent, so every build uploads
// the member's page, the lists and the sitemap. (TestEmulatorSiteBuilder logs the same under
// the Lambda emulator.)
func BenchmarkRebuild(b *testing.B) {
	backend := s3mem.New()
	if err := backend.CreateBucket("alliance-site"); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	defer srv.Close()
	c := s3.New(s3.Options{Region: "cn-north-1", BaseEndpoint: aws.String(srv.URL), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	sources, err := publish.ScanSources("../../content", "../../templates")
	if err != nil {
		b.Fatal(err)
	}
	pub := publish.New(c, "alliance-site", nil, "")
	if _, err := pub.Sources().PublishFiles(b.Context(), sources, false); err != nil {
		b.Fatal(err)
	}
	reg := &register{membership.Member{Certificate: "LM-2026-0001", Type: membership.TypeEnterprise, JoinedOn: "2026-11-20",
		Status: membership.MemberActive, ShowcaseConsent: true,
		Profile: membership.Profile{Name: "宁波甬商智能装备有限公司", Industry: "智能制造", Introduction: "工业机器人系统集成。"}}}
	bl := &builder{bucket: c, name: "alliance-site", register: reg, pub: pub,
		now: func() time.Time { return time.Date(2026, 11, 28, 0, 0, 5, 0, time.UTC) }, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if _, err := bl.handle(b.Context(), []byte(`{}`)); err != nil {
		b.Fatal(err)
	}
	uploaded := 0
	for b.Loop() {
		reg.m.ShowcaseConsent = !reg.m.ShowcaseConsent
		res, err := bl.handle(b.Context(), []byte(`{}`))
		if err != nil {
			b.Fatal(err)
		}
		uploaded += res.Uploaded
	}
	b.ReportMetric(float64(uploaded)/float64(b.N), "uploads/op")
}
