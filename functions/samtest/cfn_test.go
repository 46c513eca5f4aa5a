package samtest

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/awslabs/goformation/v7"
	"github.com/awslabs/goformation/v7/cloudformation"
	"github.com/awslabs/goformation/v7/intrinsics"
)

// root returns the module root: $ALLIANCE_ROOT, else the nearest folder above the working
// directory that holds go.mod.
func root(t testing.TB) string {
	t.Helper()
	if r := os.Getenv("ALLIANCE_ROOT"); r != "" {
		return r
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	t.Fatalf("no go.mod above the working directory; set ALLIANCE_ROOT")
	return ""
}

// scenario is one way of deploying the template: a partition and region (pseudo parameters)
// and parameter values. load evaluates the template as CloudFormation would for it.
type scenario struct {
	name       string
	china      bool // use the China variant (make template-cn) in aws-cn
	region     string
	params     map[string]string
	wantSite   string // the SiteUrl/SiteWebsiteUrl output, with ${Resource.Attr} placeholders
	wantCORS   string // the one CORS origin of the HTTP API, or "" for none
	wantOrigin string // SITE_ORIGIN of the functions
	public     bool   // China: the bucket is a website the CDN may read
	file       string // the template, relative to the module root; default template.yaml (China: its variant)
	// wantAPIOrigin is API_ORIGIN of the secretariat function: where the
	// console signs in ("" for no console).
	wantAPIOrigin string
}

// required are the parameters without a default.
var required = map[string]string{
	"JwtIssuer":   "https://login.example.org/realms/alliance",
	"JwtAudience": "alliance-admin",
	"AlarmEmail":  "ops@example.org",
	"MailFrom":    "noreply@example.org",
}

func with(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range required {
		out[k] = v
	}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// prodGlobal are the parameters a production deployment in the global regions needs
// (the template's Rules refuse prod without them).
var prodGlobal = map[string]string{
	"SiteDomain":         "www.example.org",
	"SiteCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d",
	"WebAclArn":          "arn:aws:wafv2:us-east-1:123456789012:global/webacl/alliance-prod-edge/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d",
	"AccessLogsBucket":   "alliance-prod-edge-accesslogsbucket-1a2b3c4d5e6f",
	// The console's client secret (optional): the admin function may read it.
	"OidcClientSecretArn": "arn:aws:secretsmanager:ap-east-1:123456789012:secret:alliance/console-AbC123",
}

const refererSecret = "0123456789abcdef0123456789abcdef0123456789abcdef"

var scenarios = []scenario{
	{
		name: "global, production on its own domain", region: "ap-east-1", params: with(prodGlobal),
		wantSite: "https://www.example.org", wantCORS: "https://www.example.org", wantOrigin: "https://www.example.org",
		wantAPIOrigin: "https://www.example.org",
	},
	{
		name: "global, staging on the CloudFront domain", region: "us-east-1",
		params:   with(map[string]string{"EnvironmentName": "staging", "ConsoleOrigin": "https://d111111abcdef8.cloudfront.net"}),
		wantSite: "https://${Distribution.DomainName}", wantCORS: "", wantOrigin: "",
		wantAPIOrigin: "https://d111111abcdef8.cloudfront.net",
	},
	{
		name: "China, ICP recordal, domain and CDN: served", china: true, region: "cn-north-1",
		params: with(map[string]string{"SiteDomain": "www.example.cn", "IcpNumber": "京ICP备12345678号-1", "WebsiteRefererSecret": refererSecret,
			"SmtpHost": "smtpdm.aliyun.com", "SmtpSecretArn": chinaSmtpSecret}),
		wantSite: "https://www.example.cn", wantCORS: "https://www.example.cn", wantOrigin: "https://www.example.cn", public: true,
	},
	{
		name: "China, ICP recordal and domain, no CDN secret yet", china: true, region: "cn-north-1",
		params:   with(map[string]string{"SiteDomain": "www.example.cn", "IcpNumber": "京ICP备12345678号"}),
		wantSite: notServed,
	},
	{
		name: "China, ICP recordal, no domain", china: true, region: "cn-northwest-1",
		params:   with(map[string]string{"IcpNumber": "京ICP备12345678号", "WebsiteRefererSecret": refererSecret}),
		wantSite: notServed,
	},
	{
		name: "China, domain and CDN, no ICP recordal yet", china: true, region: "cn-northwest-1",
		params:   with(map[string]string{"SiteDomain": "www.example.cn", "WebsiteRefererSecret": refererSecret}),
		wantSite: notServed,
	},
	{
		name: "China, nothing yet", china: true, region: "cn-northwest-1", params: with(nil),
		wantSite: notServed,
	},
	{
		name: "China, site and API on their own domains", china: true, region: "cn-north-1",
		params: with(map[string]string{"SiteDomain": "www.example.cn", "IcpNumber": "京ICP备12345678号-1", "WebsiteRefererSecret": refererSecret,
			"ApiDomain": "api.example.cn", "ApiCertificateArn": chinaAPICertificate, "OidcClientSecretArn": chinaClientSecret}),
		wantSite: "https://www.example.cn", wantCORS: "https://www.example.cn", wantOrigin: "https://www.example.cn", public: true,
		wantAPIOrigin: "https://api.example.cn",
	},
}

// The API domain's certificate and the console's client secret of the China scenario.
const (
	chinaAPICertificate = "arn:aws-cn:acm:cn-north-1:123456789012:certificate/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"
	chinaClientSecret   = "arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:alliance/console-AbC123"
	chinaSmtpSecret     = "arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:alliance/smtp-XyZ789"
)

const notServed = "not served: set SiteDomain, IcpNumber (ICP recordal) and WebsiteRefererSecret first"

func (s scenario) partition() string {
	if s.china {
		return "aws-cn"
	}
	return "aws"
}

func (s scenario) urlSuffix() string {
	if s.china {
		return "amazonaws.com.cn"
	}
	return "amazonaws.com"
}

// templateFile returns the path of the template the scenario deploys: template.yaml, or for
// China the variant `make template-cn` writes.
func templateFile(t *testing.T, china bool) string {
	t.Helper()
	r := root(t)
	if !china {
		return filepath.Join(r, "template.yaml")
	}
	out := filepath.Join(t.TempDir(), "template-cn.yaml")
	cmd := exec.Command("make", "-s", "--no-print-directory", "-C", r, "template-cn", "CN_TEMPLATE="+out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make template-cn: %v\n%s", err, b)
	}
	return out
}

// rawTemplate reads a template into generic JSON values with long-form intrinsics.
func rawTemplate(t *testing.T, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	js, err := intrinsics.ProcessYAML(data, &intrinsics.ProcessorOptions{NoProcess: true})
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	var doc map[string]any
	if err := json.Unmarshal(js, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// deployed is a template evaluated for one scenario: conditions decided, resources and outputs
// whose condition is false removed, AWS::NoValue dropped, parameters and pseudo parameters
// substituted. References to resources stay as "${Name}" or "${Name.Attribute}".
type deployed struct {
	*cloudformation.Template
	raw    map[string]any // the evaluated template as generic JSON values
	conds  map[string]bool
	rules  map[string]any // the template's Rules, not evaluated
	values map[string]any // parameter and pseudo parameter values
}

var subVar = regexp.MustCompile(`\$\{([^}]+)\}`)

func load(t *testing.T, s scenario) *deployed {
	t.Helper()
	path := filepath.Join(root(t), s.file)
	if s.file == "" {
		path = templateFile(t, s.china)
	}
	doc := rawTemplate(t, path)

	values := map[string]any{
		"AWS::Partition": s.partition(), "AWS::Region": s.region, "AWS::URLSuffix": s.urlSuffix(),
		"AWS::AccountId": "123456789012", "AWS::StackName": "alliance-test",
	}
	params, _ := doc["Parameters"].(map[string]any)
	for name, p := range params {
		if v, ok := s.params[name]; ok {
			values[name] = v
			if dig(p, "Type") == "Number" {
				n, err := strconv.ParseFloat(v, 64)
				if err != nil {
					t.Fatalf("%s: parameter %s = %q is no number", s.name, name, v)
				}
				values[name] = n
			}
		} else if def, ok := p.(map[string]any)["Default"]; ok {
			values[name] = def
		} else {
			t.Fatalf("%s: parameter %s has no default and no value", s.name, name)
		}
	}
	for name := range s.params {
		if _, ok := params[name]; !ok {
			t.Fatalf("%s: template has no parameter %s", s.name, name)
		}
	}

	conds := evalConditions(t, doc, values)
	rules, _ := doc["Rules"].(map[string]any)
	delete(doc, "Rules") // evaluated by failedRules
	handlers := map[string]intrinsics.IntrinsicHandler{
		"Ref": func(_ string, in, _ any) any {
			name, _ := in.(string)
			if name == "AWS::NoValue" {
				return nil
			}
			if v, ok := values[name]; ok {
				return v
			}
			return "${" + name + "}"
		},
		"Fn::GetAtt": func(_ string, in, _ any) any {
			switch v := in.(type) {
			case []any:
				return fmt.Sprintf("${%v.%v}", v[0], v[1])
			case string:
				return "${" + v + "}"
			}
			return nil
		},
		"Fn::Sub": func(_ string, in, _ any) any {
			str, ok := in.(string)
			if !ok {
				t.Errorf("%s: Fn::Sub with a variable map is not supported by this test: %v", s.name, in)
				return nil
			}
			return subVar.ReplaceAllStringFunc(str, func(m string) string {
				name := m[2 : len(m)-1]
				if strings.HasPrefix(name, "!") {
					return "${" + name[1:] + "}"
				}
				if v, ok := values[name]; ok {
					return fmt.Sprint(v)
				}
				return m
			})
		},
		// goformation's Fn::Split returns a []string, which its Fn::Select cannot index.
		"Fn::Split": func(_ string, in, _ any) any {
			arr, ok := in.([]any)
			if !ok || len(arr) != 2 {
				t.Errorf("%s: malformed Fn::Split %v", s.name, in)
				return nil
			}
			var out []any
			for _, part := range strings.Split(fmt.Sprint(arr[1]), fmt.Sprint(arr[0])) {
				out = append(out, part)
			}
			return out
		},
		"Fn::If": func(_ string, in, _ any) any {
			arr, ok := in.([]any)
			if !ok || len(arr) != 3 {
				t.Errorf("%s: malformed Fn::If %v", s.name, in)
				return nil
			}
			name, _ := arr[0].(string)
			v, ok := conds[name]
			if !ok {
				t.Errorf("%s: Fn::If names unknown condition %q", s.name, name)
			}
			if v {
				return arr[1]
			}
			return arr[2]
		},
	}
	delete(doc, "Conditions") // already decided
	js, _ := json.Marshal(doc)
	out, err := intrinsics.ProcessJSON(js, &intrinsics.ProcessorOptions{IntrinsicHandlerOverrides: handlers})
	if err != nil {
		t.Fatalf("%s: evaluate template: %v", s.name, err)
	}
	var evaluated map[string]any
	if err := json.Unmarshal(out, &evaluated); err != nil {
		t.Fatal(err)
	}
	for _, section := range []string{"Resources", "Outputs"} {
		m, _ := evaluated[section].(map[string]any)
		for name, v := range m {
			if c, ok := v.(map[string]any)["Condition"].(string); ok {
				if !conds[c] {
					delete(m, name)
				}
			}
		}
	}
	evaluated = dropNulls(evaluated).(map[string]any)
	js, _ = json.Marshal(withoutUnknownToGoformation(evaluated))
	tpl, err := goformation.ParseJSONWithOptions(js, &intrinsics.ProcessorOptions{NoProcess: true})
	if err != nil {
		t.Fatalf("%s: goformation: %v", s.name, err)
	}
	return &deployed{Template: tpl, raw: evaluated, conds: conds, rules: rules, values: values}
}

// failedRules evaluates the template's Rules as CloudFormation does before it changes
// anything, and returns the descriptions of the assertions that fail (sorted).
func (d *deployed) failedRules(t *testing.T) []string {
	t.Helper()
	var eval func(v any) any
	eval = func(v any) any {
		m, ok := v.(map[string]any)
		if !ok || len(m) != 1 {
			return v
		}
		for fn, arg := range m {
			args, _ := arg.([]any)
			switch fn {
			case "Ref":
				val, ok := d.values[fmt.Sprint(arg)]
				if !ok {
					t.Fatalf("rule refers to %v, which is no parameter", arg)
				}
				return val
			case "Fn::Equals":
				return fmt.Sprint(eval(args[0])) == fmt.Sprint(eval(args[1]))
			case "Fn::Not":
				return !eval(args[0]).(bool)
			case "Fn::And":
				all := true
				for _, a := range args {
					all = eval(a).(bool) && all
				}
				return all
			case "Fn::Or":
				anyTrue := false
				for _, a := range args {
					anyTrue = eval(a).(bool) || anyTrue
				}
				return anyTrue
			}
			t.Fatalf("rule uses %s, which this test does not evaluate", fn)
		}
		return nil
	}
	var failed []string
	for name, r := range d.rules {
		if c := dig(r, "RuleCondition"); c != nil && !eval(c).(bool) {
			continue
		}
		for _, a := range list(dig(r, "Assertions")) {
			if !eval(dig(a, "Assert")).(bool) {
				failed = append(failed, name+": "+fmt.Sprint(dig(a, "AssertDescription")))
			}
		}
	}
	sort.Strings(failed)
	return failed
}

// goformationLacks lists the properties, by resource type, that goformation's (archived)
// resource definitions do not know and so refuse; the tests read them from the raw
// template (deployed.raw) instead.
var goformationLacks = map[string][]string{
	"AWS::Serverless::Function": {"LoggingConfig"},
	"AWS::Serverless::HttpApi":  {"AccessLogSettings"},
}

// withoutUnknownToGoformation returns a copy of the template's resources without the
// properties of goformationLacks.
func withoutUnknownToGoformation(doc map[string]any) map[string]any {
	out := maps.Clone(doc)
	resources, _ := doc["Resources"].(map[string]any)
	copied := map[string]any{}
	for id, r := range resources {
		rm, _ := r.(map[string]any)
		lacks := goformationLacks[fmt.Sprint(rm["Type"])]
		props, _ := rm["Properties"].(map[string]any)
		if len(lacks) == 0 || props == nil {
			copied[id] = r
			continue
		}
		rc, pc := maps.Clone(rm), maps.Clone(props)
		for _, k := range lacks {
			delete(pc, k)
		}
		rc["Properties"] = pc
		copied[id] = rc
	}
	out["Resources"] = copied
	return out
}

// dropNulls removes null values from maps and lists, as CloudFormation does with AWS::NoValue.
func dropNulls(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if e == nil {
				delete(v, k)
			} else {
				v[k] = dropNulls(e)
			}
		}
	case []any:
		out := v[:0]
		for _, e := range v {
			if e != nil {
				out = append(out, dropNulls(e))
			}
		}
		return out
	}
	return v
}

// evalConditions decides every condition of the template for the given parameter values.
func evalConditions(t *testing.T, doc map[string]any, values map[string]any) map[string]bool {
	t.Helper()
	defs, _ := doc["Conditions"].(map[string]any)
	done := map[string]bool{}
	var cond func(name string, depth int) bool
	var eval func(v any, depth int) any
	// evalBool evaluates an operand of Fn::And/Or/Not: a condition function, or a condition's
	// name (goformation reads `!Condition X` in a list as the bare string "X").
	evalBool := func(v any, depth int) bool {
		if name, ok := v.(string); ok {
			return cond(name, depth+1)
		}
		b, ok := eval(v, depth+1).(bool)
		if !ok {
			t.Fatalf("condition operand %v is not a boolean", v)
		}
		return b
	}
	eval = func(v any, depth int) any {
		if depth > 50 {
			t.Fatalf("conditions nest too deep (a cycle?)")
		}
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		for fn, arg := range m {
			args, _ := arg.([]any)
			switch fn {
			case "Ref":
				val, ok := values[arg.(string)]
				if !ok {
					t.Fatalf("condition refers to %v, which is no parameter", arg)
				}
				return val
			case "Condition":
				return cond(arg.(string), depth+1)
			case "Fn::Equals":
				return fmt.Sprint(eval(args[0], depth+1)) == fmt.Sprint(eval(args[1], depth+1))
			case "Fn::Not":
				return !evalBool(args[0], depth)
			case "Fn::And":
				all := true
				for _, a := range args {
					all = evalBool(a, depth) && all
				}
				return all
			case "Fn::Or":
				anyTrue := false
				for _, a := range args {
					anyTrue = evalBool(a, depth) || anyTrue
				}
				return anyTrue
			}
			t.Fatalf("condition uses %s, which this test does not evaluate", fn)
		}
		return v
	}
	cond = func(name string, depth int) bool {
		if v, ok := done[name]; ok {
			return v
		}
		def, ok := defs[name]
		if !ok {
			t.Fatalf("unknown condition %q", name)
		}
		v, ok := eval(def, depth).(bool)
		if !ok {
			t.Fatalf("condition %s is not a boolean", name)
		}
		done[name] = v
		return v
	}
	for name := range defs {
		cond(name, 0)
	}
	return done
}

// refsIn returns the resource names that the strings inside v refer to ("${Name}" or
// "${Name.Attr}"), sorted and without repeats.
func refsIn(v any) []string {
	seen := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			for _, m := range subVar.FindAllStringSubmatch(v, -1) {
				seen[strings.SplitN(m[1], ".", 2)[0]] = true
			}
		case map[string]any:
			for _, e := range v {
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(v)
	var out []string
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// toAny converts a typed value to generic JSON values.
func toAny(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
