package samtest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"
)

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// accepts reports whether CloudFormation's own parameter validation (AllowedPattern, which
// must match the whole value, AllowedValues, MinLength, MaxLength) lets value through.
func accepts(t *testing.T, param map[string]any, value string) bool {
	t.Helper()
	if p, ok := param["AllowedPattern"].(string); ok {
		re, err := regexp.Compile(`^(?:` + p + `)$`)
		if err != nil {
			t.Fatalf("AllowedPattern %q: %v", p, err)
		}
		if !re.MatchString(value) {
			return false
		}
	}
	if vs, ok := param["AllowedValues"].([]any); ok && !slices.Contains(strs(vs), value) {
		return false
	}
	if n, ok := param["MinLength"].(float64); ok && utf8.RuneCountInString(value) < int(n) {
		return false
	}
	if n, ok := param["MaxLength"].(float64); ok && utf8.RuneCountInString(value) > int(n) {
		return false
	}
	return true
}

// TestTemplateParameterPatterns: a typo that would weaken the deployment is refused by
// CloudFormation before anything changes, in every template that has the parameter.
func TestTemplateParameterPatterns(t *testing.T) {
	const arn = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"
	tests := []struct {
		param, value string
		ok           bool
	}{
		{"JwtIssuer", "https://login.example.org/realms/alliance", true},
		{"JwtIssuer", "https://login.microsoftonline.com/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d/v2.0", true},
		{"JwtIssuer", "http://login.example.org/realms/alliance", false},
		{"JwtIssuer", "login.example.org", false},
		{"JwtIssuer", "https://login.example.org/realms/alliance?x=1", false},
		{"JwtIssuer", "https://login.example.org /realms", false},
		{"JwtIssuer", "", false},
		{"JwksUrl", "", true},
		{"JwksUrl", "https://login.example.org/realms/alliance/protocol/openid-connect/certs", true},
		{"JwksUrl", "http://login.example.org/jwks", false},
		{"JwtAudience", "alliance-admin", true},
		{"JwtAudience", "", false},
		{"JwtAudience", "alliance admin", false},
		{"JwtRolesClaim", "realm_access.roles", true},
		{"JwtRolesClaim", "roles.", false},
		{"IcpNumber", "", true},
		{"IcpNumber", "京ICP备12345678号", true},
		{"IcpNumber", "京ICP备12345678号-1", true},
		{"IcpNumber", "粤ICP备2021123456号-3", true},
		{"IcpNumber", "京ICP证030173号", false}, // an ICP licence, not a recordal number
		{"IcpNumber", "ICP备12345678号", false},
		{"IcpNumber", "京ICP备12345678", false},
		{"IcpNumber", "京ICP备123号", false},
		{"IcpNumber", "pending", false},
		{"SiteCertificateArn", "", true},
		{"SiteCertificateArn", arn, true},
		{"SiteCertificateArn", strings.Replace(arn, "us-east-1", "ap-east-1", 1), false}, // CloudFront takes us-east-1 certificates only
		{"SiteCertificateArn", strings.Replace(arn, ":acm:", ":iam:", 1), false},
		{"SiteCertificateArn", "0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d", false},
		{"WebAclArn", prodGlobal["WebAclArn"], true},
		{"WebAclArn", strings.Replace(prodGlobal["WebAclArn"], ":global/", ":regional/", 1), false},
		{"WebAclArn", strings.Replace(prodGlobal["WebAclArn"], "us-east-1", "ap-east-1", 1), false},
		{"SiteDomain", "www.example.org.cn", true},
		{"SiteDomain", "https://www.example.org", false},
		{"SiteDomain", "www.example.org/", false},
		{"SiteDomain", "WWW.EXAMPLE.ORG", false},
		{"WebsiteRefererSecret", "", true},
		{"WebsiteRefererSecret", refererSecret, true},
		{"WebsiteRefererSecret", "short", false},
		{"AlarmEmail", "ops@example.org", true},
		{"AlarmEmail", "", false},
		{"AlarmEmail", "ops", false},
		{"EnvironmentName", "prod", true},
		{"EnvironmentName", "Prod", false},
		{"OidcClientSecretArn", "", true},
		{"OidcClientSecretArn", prodGlobal["OidcClientSecretArn"], true},
		{"OidcClientSecretArn", chinaClientSecret, true},
		{"OidcClientSecretArn", "alliance/console", false}, // a name: the role is granted one ARN
		{"OidcClientSecretArn", strings.TrimSuffix(chinaClientSecret, "-AbC123"), false},
		{"OidcClientSecretArn", strings.Replace(chinaClientSecret, "console-AbC123", "*", 1), false},
		{"ConsoleOrigin", "", true},
		{"ConsoleOrigin", "https://d111111abcdef8.cloudfront.net", true},
		{"ConsoleOrigin", "http://d111111abcdef8.cloudfront.net", false},
		{"ConsoleOrigin", "https://d111111abcdef8.cloudfront.net/", false},
		{"ApiDomain", "api.example.cn", true},
		{"ApiDomain", "https://api.example.cn", false},
		{"ApiCertificateArn", "", true},
		{"ApiCertificateArn", chinaAPICertificate, true},
		{"ApiCertificateArn", "arn:aws-cn:acm:cn-north-1:123456789012:certificate/abc", false},
	}
	templates := map[string]map[string]any{
		"template.yaml":    rawTemplate(t, templateFile(t, false)),
		"template-cn.yaml": rawTemplate(t, templateFile(t, true)),
		"edge.yaml":        rawTemplate(t, filepath.Join(root(t), edgeTemplate)),
	}
	for _, tt := range tests {
		found := false
		for name, doc := range templates {
			param, ok := dig(doc, "Parameters", tt.param).(map[string]any)
			if !ok {
				continue
			}
			found = true
			if got := accepts(t, param, tt.value); got != tt.ok {
				t.Errorf("%s: parameter %s = %q accepted %v, want %v", name, tt.param, tt.value, got, tt.ok)
			}
		}
		if !found {
			t.Errorf("no template has the parameter %s", tt.param)
		}
	}
	// Every default passes its own checks (CloudFormation refuses the template otherwise).
	for name, doc := range templates {
		params, _ := doc["Parameters"].(map[string]any)
		for pname, p := range params {
			if def, ok := dig(p, "Default").(string); ok && !accepts(t, p.(map[string]any), def) {
				t.Errorf("%s: parameter %s's default %q fails its own pattern", name, pname, def)
			}
		}
	}
}

// TestTemplateRules: a global production deployment needs its own domain with its
// certificate, the WAF web ACL and the access log bucket; CloudFormation's Rules refuse it
// otherwise. The China template has no such rules (its site stays private instead).
func TestTemplateRules(t *testing.T) {
	without := func(keys ...string) map[string]string {
		m := with(prodGlobal)
		for _, k := range keys {
			delete(m, k)
		}
		return m
	}
	tests := []struct {
		name   string
		params map[string]string
		want   []string // the failing rules, by name
	}{
		{"prod with everything", with(prodGlobal), nil},
		{"prod on the CloudFront domain", without("SiteDomain", "SiteCertificateArn"), []string{"ProductionServesItsOwnDomain"}},
		{"prod without the web ACL", without("WebAclArn"), []string{"ProductionServesItsOwnDomain"}},
		{"prod without access logs", without("AccessLogsBucket"), []string{"ProductionServesItsOwnDomain"}},
		{"a domain without its certificate", without("SiteCertificateArn"), []string{"DomainNeedsCertificate"}},
		{"staging on the CloudFront domain", with(map[string]string{"EnvironmentName": "staging"}), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := load(t, scenario{name: tt.name, region: "ap-east-1", params: tt.params})
			var got []string
			for _, f := range d.failedRules(t) {
				got = append(got, strings.SplitN(f, ":", 2)[0])
			}
			got = slices.Compact(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("failing rules %v, want %v", d.failedRules(t), tt.want)
			}
		})
	}
	if r := rawTemplate(t, templateFile(t, true))["Rules"]; r != nil {
		t.Errorf("the China template has Rules %v, want none (they are about CloudFront)", r)
	}
}

// dataTypes are the resource types that hold data a replacement or deletion would lose.
var dataTypes = []string{"AWS::Backup::BackupVault", "AWS::DynamoDB::Table", "AWS::S3::Bucket"}

// TestStackPolicy: the stack policy that `make deploy` and `make edge` set denies replacing
// or deleting every resource that holds data, in every template, and allows every other
// update; and every such resource is also kept if the stack goes.
func TestStackPolicy(t *testing.T) {
	var policy struct {
		Statement []struct {
			Effect, Principal, Resource string
			Action                      any
			Condition                   map[string]map[string][]string
		}
	}
	if err := json.Unmarshal(mustRead(t, filepath.Join(root(t), "functions", "deploy", "stack-policy.json")), &policy); err != nil {
		t.Fatalf("stack-policy.json: %v", err)
	}
	var allowAll bool
	denied := map[string]bool{}
	for _, st := range policy.Statement {
		actions := strs(list(st.Action))
		switch {
		case st.Effect == "Allow" && slices.Equal(actions, []string{"Update:*"}) && st.Resource == "*":
			allowAll = true
		case st.Effect == "Deny" && st.Principal == "*" && st.Resource == "*" &&
			slices.Contains(actions, "Update:Replace") && slices.Contains(actions, "Update:Delete"):
			for _, typ := range st.Condition["StringEquals"]["ResourceType"] {
				denied[typ] = true
			}
		default:
			t.Errorf("statement %+v: want one Allow of Update:* and Denies of Update:Replace and Update:Delete by ResourceType", st)
		}
	}
	if !allowAll {
		t.Errorf("no statement allows Update:* (without one, a stack policy denies every update)")
	}
	for _, typ := range dataTypes {
		if !denied[typ] {
			t.Errorf("the stack policy lets CloudFormation replace or delete %s", typ)
		}
	}
	for _, s := range []scenario{scenarios[0], scenarios[2], edgeScenarios[1]} {
		d := load(t, s)
		for id, r := range d.raw["Resources"].(map[string]any) {
			if !slices.Contains(dataTypes, fmt.Sprint(dig(r, "Type"))) {
				continue
			}
			if dig(r, "DeletionPolicy") != "Retain" || dig(r, "UpdateReplacePolicy") != "Retain" {
				t.Errorf("%s: %s (%v) DeletionPolicy %v, UpdateReplacePolicy %v, want Retain, Retain", s.name, id, dig(r, "Type"), dig(r, "DeletionPolicy"), dig(r, "UpdateReplacePolicy"))
			}
		}
	}
}

// TestTemplateBuckets: every bucket, in every layout and the us-east-1 stack, blocks public
// access (except the China website the CDN reads), is encrypted and versioned, cleans up
// incomplete uploads and expired delete markers, and refuses plain HTTP (the China website
// only for reads, which its endpoint serves over HTTP to the CDN).
func TestTemplateBuckets(t *testing.T) {
	for _, s := range append(slices.Clone(scenarios), edgeScenarios...) {
		t.Run(s.name, func(t *testing.T) {
			d := load(t, s)
			policies := map[string][]any{}
			for _, p := range resourcesOfType(d, "AWS::S3::BucketPolicy") {
				b := tableOfEnv(fmt.Sprint(p["Bucket"]))
				policies[b] = append(policies[b], list(dig(p, "PolicyDocument", "Statement"))...)
			}
			for id, b := range resourcesOfType(d, "AWS::S3::Bucket") {
				website := s.public && id == "SiteBucket"
				pab := b["PublicAccessBlockConfiguration"]
				for _, k := range []string{"BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"} {
					want := !website || k == "BlockPublicAcls" || k == "IgnorePublicAcls"
					if dig(pab, k) != want {
						t.Errorf("%s: %s = %v, want %v", id, k, dig(pab, k), want)
					}
				}
				if dig(b, "BucketEncryption", "ServerSideEncryptionConfiguration") == nil {
					t.Errorf("%s: no default encryption", id)
				}
				if dig(b, "VersioningConfiguration", "Status") != "Enabled" {
					t.Errorf("%s: versioning %v, want Enabled", id, dig(b, "VersioningConfiguration", "Status"))
				}
				var abort, markers bool
				for _, r := range list(dig(b, "LifecycleConfiguration", "Rules")) {
					if dig(r, "Status") != "Enabled" {
						continue
					}
					abort = abort || dig(r, "AbortIncompleteMultipartUpload", "DaysAfterInitiation") != nil
					markers = markers || dig(r, "ExpiredObjectDeleteMarker") == true
				}
				if !abort || !markers {
					t.Errorf("%s: lifecycle aborts incomplete uploads %v, removes expired delete markers %v; want both", id, abort, markers)
				}
				var tls bool
				for _, st := range policies[id] {
					if dig(st, "Effect") != "Deny" || dig(st, "Principal") != "*" || dig(st, "Condition", "Bool", "aws:SecureTransport") != "false" {
						continue
					}
					switch {
					case !website && dig(st, "Action") == "s3:*":
						tls = true
					case website && dig(st, "NotAction") == "s3:GetObject":
						tls = true
					}
					res := strs(list(dig(st, "Resource")))
					sort.Strings(res)
					if want := []string{"${" + id + ".Arn}", "${" + id + ".Arn}/*"}; !slices.Equal(res, want) {
						t.Errorf("%s: TLS-only statement on %v, want %v", id, res, want)
					}
				}
				if !tls {
					t.Errorf("%s: no statement denies plain HTTP (for everything but the website's reads)", id)
				}
			}
		})
	}
}

// backupSelections returns the tables in the stack's backup selections, and checks the
// vault and the plan: the vault is kept with the stack, one rule keeps copies ten years,
// and AWS Backup's role is AWS's backup policy trusted by AWS Backup only.
func backupSelections(t *testing.T, d *deployed) map[string]bool {
	t.Helper()
	vaults := resourcesOfType(d, "AWS::Backup::BackupVault")
	if len(vaults) != 1 {
		t.Fatalf("%d backup vaults, want 1", len(vaults))
	}
	var longest float64
	for _, p := range resourcesOfType(d, "AWS::Backup::BackupPlan") {
		for _, r := range list(dig(p, "BackupPlan", "BackupPlanRule")) {
			if _, ok := vaults[tableOfEnv(fmt.Sprint(dig(r, "TargetBackupVault")))]; !ok {
				t.Errorf("backup rule %v goes to %v, want the stack's vault", dig(r, "RuleName"), dig(r, "TargetBackupVault"))
			}
			if n, _ := dig(r, "Lifecycle", "DeleteAfterDays").(float64); n > longest {
				longest = n
			}
		}
	}
	if longest < 3650 {
		t.Errorf("the longest backup is kept %v days, want ten years (3650) or more: members and dues records live for years", longest)
	}
	out := map[string]bool{}
	for id, sel := range resourcesOfType(d, "AWS::Backup::BackupSelection") {
		role := strings.TrimSuffix(strings.TrimPrefix(fmt.Sprint(dig(sel, "BackupSelection", "IamRoleArn")), "${"), ".Arn}")
		rp := dig(d.raw, "Resources", role, "Properties")
		trust := list(dig(rp, "AssumeRolePolicyDocument", "Statement"))
		if len(trust) != 1 || dig(trust[0], "Principal", "Service") != "backup.amazonaws.com" || dig(trust[0], "Action") != "sts:AssumeRole" {
			t.Errorf("%s: role %s trusts %v, want AWS Backup only", id, role, dig(rp, "AssumeRolePolicyDocument"))
		}
		if want := []any{"arn:" + fmt.Sprint(d.values["AWS::Partition"]) + ":iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"}; fmt.Sprint(dig(rp, "ManagedPolicyArns")) != fmt.Sprint(want) {
			t.Errorf("%s: role %s has policies %v, want %v", id, role, dig(rp, "ManagedPolicyArns"), want)
		}
		for _, r := range list(dig(sel, "BackupSelection", "Resources")) {
			if m := regexp.MustCompile(`^\$\{(\w+)\.Arn\}$`).FindStringSubmatch(fmt.Sprint(r)); m != nil {
				out[m[1]] = true
			} else {
				t.Errorf("%s: selects %v, want table ARNs", id, r)
			}
		}
	}
	return out
}
