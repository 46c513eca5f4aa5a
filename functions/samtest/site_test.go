package samtest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/awslabs/goformation/v7/cloudformation/cloudfront"

	"github.com/smelisting/alliance/functions/apigateway"
)

func TestTemplateSiteDelivery(t *testing.T) {
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			d := load(t, s)
			if s.china {
				checkChinaSite(t, s, d)
				return
			}
			dists := d.GetAllCloudFrontDistributionResources()
			if len(dists) != 1 {
				t.Fatalf("%d CloudFront distributions, want 1", len(dists))
			}
			for id, dist := range dists {
				cfg := dist.DistributionConfig
				checkOrigins(t, d, s, id, cfg)
				checkConsoleBehaviour(t, d, id, cfg.CacheBehaviors, cfg.DefaultCacheBehavior)
				checkEdgeSettings(t, d, s, id, dist)
				checkNotFoundPage(t, id, cfg.CustomErrorResponses)
			}
			checkHeadersPolicy(t, d)
			checkCloudFrontNames(t, d, s)
			for id, b := range d.GetAllS3BucketResources() {
				if b.WebsiteConfiguration != nil {
					t.Errorf("%s: website hosting on, want a private bucket behind CloudFront", id)
				}
			}
			for id, p := range d.GetAllS3BucketPolicyResources() {
				for _, st := range list(dig(toAny(t, p.PolicyDocument), "Statement")) {
					if dig(st, "Effect") != "Allow" {
						continue
					}
					if dig(st, "Action") != "s3:GetObject" {
						t.Errorf("%s: statement %v allows %v, want only s3:GetObject (without ListBucket a missing key is a 403, the site's 404 page)", id, dig(st, "Sid"), dig(st, "Action"))
					}
					if principal := fmt.Sprint(dig(st, "Principal", "Service")); principal != "cloudfront."+s.urlSuffix() {
						t.Errorf("%s: statement %v allows %v, want only CloudFront", id, dig(st, "Sid"), dig(st, "Principal"))
					}
					if src := fmt.Sprint(dig(st, "Condition", "StringEquals", "AWS:SourceArn")); !strings.Contains(src, "distribution/${Distribution}") {
						t.Errorf("%s: CloudFront access not limited to our distribution: SourceArn %s", id, src)
					}
				}
			}
		})
	}
}

// checkOrigins checks where the distribution sends requests: the site to the bucket
// through OAC, /api/* to the HTTP API over HTTPS with the secret header every function
// expects (so the API answers nobody who goes around the WAF), keeping the functions' CSP.
func checkOrigins(t *testing.T, d *deployed, s scenario, id string, cfg *cloudfront.Distribution_DistributionConfig) {
	t.Helper()
	origins := map[string]cloudfront.Distribution_Origin{}
	for _, o := range cfg.Origins {
		origins[o.Id] = o
		if o.S3OriginConfig != nil && (o.OriginAccessControlId == nil || *o.OriginAccessControlId == "") {
			t.Errorf("%s: S3 origin %s without origin access control", id, o.Id)
		}
		if o.CustomOriginConfig != nil && o.CustomOriginConfig.OriginProtocolPolicy != "https-only" {
			t.Errorf("%s: origin %s protocol %s, want https-only", id, o.Id, o.CustomOriginConfig.OriginProtocolPolicy)
		}
	}
	def := cfg.DefaultCacheBehavior
	if def.ViewerProtocolPolicy != "redirect-to-https" && def.ViewerProtocolPolicy != "https-only" {
		t.Errorf("%s: default behaviour %s, want HTTPS only", id, def.ViewerProtocolPolicy)
	}
	if !strings.Contains(origins[def.TargetOriginId].DomainName, "${SiteBucket.RegionalDomainName}") {
		t.Errorf("%s: default behaviour goes to %s, want the site bucket", id, origins[def.TargetOriginId].DomainName)
	}
	if def.ResponseHeadersPolicyId == nil || tableOfEnv(*def.ResponseHeadersPolicyId) == "" {
		t.Errorf("%s: default behaviour without a response headers policy", id)
	}
	var api bool
	policies := d.GetAllCloudFrontResponseHeadersPolicyResources()
	for _, b := range cfg.CacheBehaviors {
		if b.ViewerProtocolPolicy != "redirect-to-https" && b.ViewerProtocolPolicy != "https-only" {
			t.Errorf("%s: behaviour %s %s, want HTTPS only", id, b.PathPattern, b.ViewerProtocolPolicy)
		}
		if b.PathPattern != "/api/*" {
			continue
		}
		api = true
		o := origins[b.TargetOriginId]
		if want := "${HttpApi}.execute-api." + s.region + "." + s.urlSuffix(); o.DomainName != want {
			t.Errorf("%s: /api/* goes to %q, want %q", id, o.DomainName, want)
		}
		if !slices.Contains(b.AllowedMethods, "POST") {
			t.Errorf("%s: /api/* allows %v, want POST among them", id, b.AllowedMethods)
		}
		var secret string
		for _, h := range o.OriginCustomHeaders {
			if h.HeaderName == apigateway.OriginHeader {
				secret = h.HeaderValue
			}
		}
		m := regexp.MustCompile(`^\{\{resolve:secretsmanager:\$\{(\w+)\}:SecretString\}\}$`).FindStringSubmatch(secret)
		if m == nil || resourceType(d, m[1]) != "AWS::SecretsManager::Secret" {
			t.Errorf("%s: the api origin sends %s %q, want a secret of the template (a dynamic reference)", id, apigateway.OriginHeader, secret)
		}
		for _, f := range functions(t, d) {
			if f.env["ORIGIN_VERIFY_SECRET"] != secret || secret == "" {
				t.Errorf("%s ORIGIN_VERIFY_SECRET = %q, want what CloudFront sends: %q", f.id, f.env["ORIGIN_VERIFY_SECRET"], secret)
			}
		}
		// The no-JS form answers of functions/httpapi send their own, stricter CSP (their
		// one inline style allowed by its hash): the policy on /api/* must keep it.
		if b.ResponseHeadersPolicyId != nil {
			p, ok := policies[tableOfEnv(*b.ResponseHeadersPolicyId)]
			if !ok {
				t.Errorf("%s: /api/* response headers policy %s is not in the template", id, *b.ResponseHeadersPolicyId)
			} else if sec := p.ResponseHeadersPolicyConfig.SecurityHeadersConfig; sec != nil && sec.ContentSecurityPolicy != nil && sec.ContentSecurityPolicy.Override {
				t.Errorf("%s: /api/* overrides the functions' Content-Security-Policy, want Override false (the form answers allow their inline style by hash)", id)
			}
		}
	}
	if !api {
		t.Errorf("%s: no /api/* behaviour: site and API must share one origin", id)
	}
}

// checkEdgeSettings checks the distribution's WAF, logs, price class, tags and TLS policy.
func checkEdgeSettings(t *testing.T, d *deployed, s scenario, id string, dist *cloudfront.Distribution) {
	t.Helper()
	cfg := dist.DistributionConfig
	raw := dig(d.raw, "Resources", id, "Properties", "DistributionConfig")
	if got, want := ptrString(cfg.WebACLId), s.params["WebAclArn"]; got != want {
		t.Errorf("%s: WebACLId %q, want the WebAclArn parameter %q", id, got, want)
	}
	if want := s.params["AccessLogsBucket"]; want == "" {
		if raw.(map[string]any)["Logging"] != nil {
			t.Errorf("%s: standard logs to %v without AccessLogsBucket", id, dig(raw, "Logging"))
		}
	} else if got := fmt.Sprint(dig(raw, "Logging", "Bucket")); got != want+".s3."+s.urlSuffix() || dig(raw, "Logging", "IncludeCookies") != false {
		t.Errorf("%s: standard logs to %v (cookies %v), want %s without cookies", id, got, dig(raw, "Logging", "IncludeCookies"), want+".s3."+s.urlSuffix())
	}
	if got := ptrString(cfg.PriceClass); got != "PriceClass_200" {
		t.Errorf("%s: PriceClass %q, want PriceClass_200 (Asia's edge locations) by default", id, got)
	}
	if len(dist.Tags) == 0 {
		t.Errorf("%s: no tags", id)
	}
	vc := cfg.ViewerCertificate
	if s.params["SiteCertificateArn"] != "" {
		if vc == nil || ptrString(vc.MinimumProtocolVersion) != "TLSv1.2_2025" || ptrString(vc.SslSupportMethod) != "sni-only" {
			t.Errorf("%s: viewer certificate %+v, want TLSv1.2_2025, sni-only", id, toAny(t, vc))
		}
	}
}

// checkHeadersPolicy checks the response headers policies, the site's and the console's:
// CSP, HSTS, nosniff, Referrer, Permissions-Policy and Cross-Origin-Opener-Policy.
func checkHeadersPolicy(t *testing.T, d *deployed) {
	t.Helper()
	policies := d.GetAllCloudFrontResponseHeadersPolicyResources()
	if len(policies) != 2 {
		t.Fatalf("%d response headers policies, want 2 (the site's and the console's)", len(policies))
	}
	for id, p := range policies {
		sec := p.ResponseHeadersPolicyConfig.SecurityHeadersConfig
		if sec == nil || sec.ContentSecurityPolicy == nil {
			t.Fatalf("%s: no Content-Security-Policy", id)
		}
		csp := sec.ContentSecurityPolicy.ContentSecurityPolicy
		if !strings.HasPrefix(csp, "default-src 'self'") || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP %q, want default-src 'self' without unsafe-*", id, csp)
		}
		if sec.StrictTransportSecurity == nil || sec.StrictTransportSecurity.AccessControlMaxAgeSec < 31536000 {
			t.Errorf("%s: HSTS %+v, want max-age of a year or more", id, sec.StrictTransportSecurity)
		}
		if sec.ContentTypeOptions == nil || !sec.ContentTypeOptions.Override {
			t.Errorf("%s: no X-Content-Type-Options: nosniff", id)
		}
		if sec.ReferrerPolicy == nil || sec.ReferrerPolicy.ReferrerPolicy == "" {
			t.Errorf("%s: no Referrer-Policy", id)
		}
		custom := map[string]string{}
		if c := p.ResponseHeadersPolicyConfig.CustomHeadersConfig; c != nil {
			for _, h := range c.Items {
				custom[strings.ToLower(h.Header)] = h.Value
			}
		}
		if got := custom["cross-origin-opener-policy"]; got != "same-origin" {
			t.Errorf("%s: Cross-Origin-Opener-Policy %q, want same-origin", id, got)
		}
		pp := custom["permissions-policy"]
		for _, feature := range []string{"camera=(self)", "geolocation=()", "microphone=()", "payment=()"} {
			if !strings.Contains(pp, feature) {
				t.Errorf("%s: Permissions-Policy %q, want %s among its features", id, pp, feature)
			}
		}
	}
}

// checkConsoleBehaviour checks the console's behaviour (/admin/*): the site's
// bucket, HTTPS, the index rewrite, and its own headers: the site's CSP
// overriding, no referrer to other origins, X-Robots-Tag noindex.
func checkConsoleBehaviour(t *testing.T, d *deployed, id string, behaviours []cloudfront.Distribution_CacheBehavior, def *cloudfront.Distribution_DefaultCacheBehavior) {
	t.Helper()
	i := slices.IndexFunc(behaviours, func(b cloudfront.Distribution_CacheBehavior) bool { return b.PathPattern == "/admin/*" })
	if i < 0 {
		t.Errorf("%s: no /admin/* behaviour for the console", id)
		return
	}
	b := behaviours[i]
	if b.TargetOriginId != def.TargetOriginId || len(b.FunctionAssociations) != 1 || len(def.FunctionAssociations) != 1 ||
		ptrString(b.FunctionAssociations[0].FunctionARN) != ptrString(def.FunctionAssociations[0].FunctionARN) {
		t.Errorf("%s: /admin/* goes to %s with %v, want the site bucket with the index rewrite", id, b.TargetOriginId, b.FunctionAssociations)
	}
	if b.ResponseHeadersPolicyId == nil || def.ResponseHeadersPolicyId == nil || *b.ResponseHeadersPolicyId == *def.ResponseHeadersPolicyId {
		t.Fatalf("%s: /admin/* without a response headers policy of its own", id)
	}
	p, ok := d.GetAllCloudFrontResponseHeadersPolicyResources()[tableOfEnv(*b.ResponseHeadersPolicyId)]
	if !ok {
		t.Fatalf("%s: /admin/* response headers policy %s is not in the template", id, *b.ResponseHeadersPolicyId)
	}
	cfg := p.ResponseHeadersPolicyConfig
	sec := cfg.SecurityHeadersConfig
	if sec == nil || sec.ContentSecurityPolicy == nil || !sec.ContentSecurityPolicy.Override ||
		!strings.HasPrefix(sec.ContentSecurityPolicy.ContentSecurityPolicy, "default-src 'self';") || strings.Contains(sec.ContentSecurityPolicy.ContentSecurityPolicy, "unsafe") {
		t.Errorf("%s: the console's CSP %+v, want the site's (default-src 'self'), overriding", id, sec)
	}
	if sec == nil || sec.ReferrerPolicy == nil || sec.ReferrerPolicy.ReferrerPolicy != "same-origin" {
		t.Errorf("%s: the console's Referrer-Policy, want same-origin", id)
	}
	var robots bool
	if cfg.CustomHeadersConfig != nil {
		for _, h := range cfg.CustomHeadersConfig.Items {
			robots = robots || h.Header == "X-Robots-Tag" && strings.Contains(h.Value, "noindex")
		}
	}
	if !robots {
		t.Errorf("%s: the console is not marked X-Robots-Tag: noindex", id)
	}
}

// checkCloudFrontNames checks that CloudFront's account-wide names carry the stack's name
// and region, so two stacks of one name in two regions do not collide.
func checkCloudFrontNames(t *testing.T, d *deployed, s scenario) {
	t.Helper()
	for id, r := range d.raw["Resources"].(map[string]any) {
		typ := fmt.Sprint(dig(r, "Type"))
		var name any
		switch typ {
		case "AWS::CloudFront::OriginAccessControl":
			name = dig(r, "Properties", "OriginAccessControlConfig", "Name")
		case "AWS::CloudFront::ResponseHeadersPolicy":
			name = dig(r, "Properties", "ResponseHeadersPolicyConfig", "Name")
		case "AWS::CloudFront::Function":
			name = dig(r, "Properties", "Name")
		default:
			continue
		}
		if n := fmt.Sprint(name); !strings.Contains(n, s.region) || !strings.Contains(n, "alliance-test") {
			t.Errorf("%s (%s): name %q, want the stack's name and region in it", id, typ, n)
		}
	}
}

// checkNotFoundPage checks that the distribution answers S3's 403 for a missing key with the
// site's own 404 page (content/404.md) without caching it, keeps the status (so an API 403
// keeps its own), and replaces no 404: the API's JSON 404s reach their clients.
func checkNotFoundPage(t *testing.T, id string, errs []cloudfront.Distribution_CustomErrorResponse) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(root(t), "content", "404.md")); err != nil {
		t.Errorf("the site has no 404 page: %v", err)
	}
	var page bool
	for _, e := range errs {
		switch e.ErrorCode {
		case 403:
			page = true
			if ptrString(e.ResponsePagePath) != "/404.html" || e.ResponseCode == nil || *e.ResponseCode != 403 {
				t.Errorf("%s: 403 answered with %q and status %v, want /404.html and 403", id, ptrString(e.ResponsePagePath), toAny(t, e.ResponseCode))
			}
			if e.ErrorCachingMinTTL == nil || *e.ErrorCachingMinTTL != 0 {
				t.Errorf("%s: the 404 page cached for %v s, want 0 (a new page is found at once)", id, toAny(t, e.ErrorCachingMinTTL))
			}
		default:
			t.Errorf("%s: custom error response for %d: CloudFront would replace the API's own answers with it", id, e.ErrorCode)
		}
	}
	if !page {
		t.Errorf("%s: no custom error response for 403: a missing page shows S3's XML error", id)
	}
}

func ptrString(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// checkChinaSite checks the China regions' site: no CloudFront; an S3 website, readable only
// with the CDN's Referer secret, only with a domain, an ICP number and that secret; TLS-only
// for every action but the website's reads, and for everything while it is private.
func checkChinaSite(t *testing.T, s scenario, d *deployed) {
	t.Helper()
	for id, r := range d.Resources {
		if strings.HasPrefix(r.AWSCloudFormationType(), "AWS::CloudFront::") {
			t.Errorf("%s: %s in the China variant, want none (no CloudFront without ICP; OAC and CloudFront Functions do not exist there)", id, r.AWSCloudFormationType())
		}
	}
	for id, b := range d.GetAllS3BucketResources() {
		if got := ptrString(b.BucketName); got != "" {
			t.Errorf("%s: BucketName %q, want none: a name that changes with the layout replaces the bucket, which the stack policy forbids", id, got)
		}
		if got := b.WebsiteConfiguration != nil; got != (s.public && id == "SiteBucket") {
			t.Errorf("%s: website hosting %v, want %v", id, got, s.public && id == "SiteBucket")
		}
	}
	for id, p := range d.GetAllS3BucketPolicyResources() {
		if id != "SiteBucketPolicy" {
			continue // the other buckets' TLS-only policies: TestTemplateBuckets
		}
		var read, denyHTTP bool
		for _, st := range list(dig(toAny(t, p.PolicyDocument), "Statement")) {
			switch {
			case dig(st, "Effect") == "Allow" && dig(st, "Principal") == "*" && dig(st, "Action") == "s3:GetObject":
				read = true
				if got := dig(st, "Condition", "StringEquals", "aws:Referer"); got != refererSecret {
					t.Errorf("%s: public read on condition %v, want only with the CDN's Referer secret", id, dig(st, "Condition"))
				}
			case dig(st, "Effect") == "Deny" && dig(st, "Condition", "Bool", "aws:SecureTransport") == "false":
				denyHTTP = true
				if s.public && dig(st, "NotAction") != "s3:GetObject" || !s.public && dig(st, "Action") != "s3:*" {
					t.Errorf("%s: TLS-only for %v / all but %v, want all but the website's GetObject when served, else everything", id, dig(st, "Action"), dig(st, "NotAction"))
				}
			case dig(st, "Effect") == "Allow":
				t.Errorf("%s: statement %v allows %v, want no other grant", id, dig(st, "Sid"), dig(st, "Principal"))
			}
		}
		if read != s.public || !denyHTTP {
			t.Errorf("%s: CDN read %v, TLS-only %v; want %v, true", id, read, denyHTTP, s.public)
		}
	}
	if _, ok := dig(d.raw, "Outputs").(map[string]any)["WebsiteOriginEndpoint"]; ok != s.public {
		t.Errorf("output WebsiteOriginEndpoint present %v, want %v", ok, s.public)
	}
}
