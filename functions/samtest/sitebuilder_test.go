package samtest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/smelisting/alliance/cmd/site/publish"
)

// siteBuilderGrant is a statement of the site builder's role besides its logs, X-Ray and its
// Query of the members table (which TestTemplatePolicies and the recorder check).
type siteBuilderGrant struct {
	actions    []string // sorted
	resource   string
	globalOnly bool
}

// siteBuilderGrants are those statements by Sid: the stream (what SAM's
// DynamoDBStreamReadPolicy grants), the bucket (list it, read the sources, write and delete
// the site) and the invalidation of its one distribution (global).
var siteBuilderGrants = map[string]siteBuilderGrant{
	"MembersStream":  {[]string{"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"}, "${MembersTable.StreamArn}", false},
	"MembersStreams": {[]string{"dynamodb:ListStreams"}, "${MembersTable.Arn}/stream/*", false},
	"SiteBucketList": {[]string{"s3:ListBucket"}, "${SiteBucket.Arn}", false},
	"Sources":        {[]string{"s3:GetObject"}, "${SiteBucket.Arn}/" + publish.SourcesPrefix + "*", false},
	"SiteObjects":    {[]string{"s3:DeleteObject", "s3:PutObject"}, "${SiteBucket.Arn}/*", false},
	"Invalidate":     {[]string{"cloudfront:CreateInvalidation"}, "arn:aws:cloudfront::123456789012:distribution/${Distribution}", true},
}

// TestTemplateSiteBuilder checks the site builder in the global and China layouts: one build
// at a time, its schedule at 00:00 Beijing time, the members table's stream batched and
// filtered to members, exactly the grants above, and the sources readable by it alone.
func TestTemplateSiteBuilder(t *testing.T) {
	for _, s := range []scenario{scenarios[0], scenarios[2]} {
		t.Run(s.name, func(t *testing.T) {
			d := load(t, s)
			var f *function
			for _, fn := range functions(t, d) {
				if fn.id == "SiteFunction" {
					f = &fn
				}
			}
			if f == nil {
				t.Fatal("no SiteFunction")
			}
			if n := f.props["ReservedConcurrentExecutions"]; n != 1.0 {
				t.Errorf("ReservedConcurrentExecutions = %v, want 1 (one build at a time)", n)
			}
			daily := dig(f.props, "Events", "Daily")
			if dig(daily, "Type") != "Schedule" || dig(daily, "Properties", "Schedule") != "cron(0 16 * * ? *)" {
				t.Errorf("Daily = %v, want a Schedule at cron(0 16 * * ? *) (00:00 in Beijing)", daily)
			}
			stream := dig(f.props, "Events", "MembersChanged")
			if dig(stream, "Type") != "DynamoDB" || dig(stream, "Properties", "Stream") != "${MembersTable.StreamArn}" {
				t.Errorf("MembersChanged = %v, want the members table's stream", stream)
			}
			if w, _ := dig(stream, "Properties", "MaximumBatchingWindowInSeconds").(float64); w < 1 || w > 30 {
				t.Errorf("batching window %v s, want 1 to 30 (debounced, and live within a minute)", w)
			}
			pattern := fmt.Sprint(dig(list(dig(stream, "Properties", "FilterCriteria", "Filters"))[0], "Pattern"))
			if !strings.Contains(pattern, `"pk": {"S": ["MEMBER"]}`) {
				t.Errorf("filter pattern %s, want members only (pk MEMBER)", pattern)
			}
			if dig(d.raw, "Resources", "MembersTable", "Properties", "StreamSpecification", "StreamViewType") != "KEYS_ONLY" {
				t.Errorf("MembersTable has no KEYS_ONLY stream")
			}
			if _, set := f.env["DISTRIBUTION_ID"]; set == s.china {
				t.Errorf("DISTRIBUTION_ID set: %v, want it in the global layout only", set)
			}
			seen := map[string]bool{}
			for _, st := range statements(d, *f) {
				sid := fmt.Sprint(st["Sid"])
				g, ok := siteBuilderGrants[sid]
				if !ok {
					continue
				}
				seen[sid] = true
				got := slices.Sorted(slices.Values(strs(list(st["Action"]))))
				if !slices.Equal(got, g.actions) || fmt.Sprint(st["Resource"]) != g.resource || st["Condition"] != nil {
					t.Errorf("statement %s: %v on %v, want %v on %s", sid, got, st["Resource"], g.actions, g.resource)
				}
			}
			for sid, g := range siteBuilderGrants {
				if want := !g.globalOnly || !s.china; seen[sid] != want {
					t.Errorf("statement %s present: %v, want %v", sid, seen[sid], want)
				}
			}
			checkSourcesPrivate(t, d)
		})
	}
}

// checkSourcesPrivate checks that the site bucket's policy denies reading the sources to
// every principal but the site builder's role (CloudFront and the China website included).
func checkSourcesPrivate(t *testing.T, d *deployed) {
	t.Helper()
	for _, st := range list(dig(d.raw, "Resources", "SiteBucketPolicy", "Properties", "PolicyDocument", "Statement")) {
		if dig(st, "Sid") != "SourcesOnlyForTheSiteBuilder" {
			continue
		}
		if dig(st, "Effect") != "Deny" || dig(st, "Principal") != "*" || dig(st, "Action") != "s3:GetObject" ||
			dig(st, "Resource") != "${SiteBucket.Arn}/"+publish.SourcesPrefix+"*" ||
			dig(st, "Condition", "ArnNotEquals", "aws:PrincipalArn") != "${SiteFunctionRole.Arn}" {
			t.Errorf("SourcesOnlyForTheSiteBuilder = %v, want GetObject of the sources denied to all but ${SiteFunctionRole.Arn}", st)
		}
		return
	}
	t.Errorf("the site bucket's policy has no SourcesOnlyForTheSiteBuilder statement")
}
