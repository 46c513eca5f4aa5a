package samtest

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/awslabs/goformation/v7/cloudformation/cloudfront"
	"github.com/awslabs/goformation/v7/cloudformation/serverless"

	"github.com/smelisting/alliance/functions/dynamo"
	"github.com/smelisting/alliance/functions/httpapi"
)

// global is the scenario most tests read the template in.
var global = scenarios[0]

// routeLists maps each function's logical ID to the route list its handler serves.
var routeLists = map[string][]httpapi.Route{
	"ApplyFunction": httpapi.PublicRoutes,
	"AdminFunction": slices.Concat(httpapi.AdminRoutes, httpapi.ConsoleRoutes),
}

// optionalEnv are variables a main.go may read that the deployment does not set.
var optionalEnv = map[string]bool{
	"DYNAMODB_ENDPOINT": true, // tests and `alliance serve` only
}

// function is one AWS::Serverless::Function with the Globals merged in, as SAM does.
type function struct {
	id    string
	fn    *serverless.Function
	props map[string]any // merged properties as generic JSON values
	env   map[string]string
	name  string // folder under functions/, from CodeUri
}

func functions(t *testing.T, d *deployed) []function {
	t.Helper()
	globals, _ := d.raw["Globals"].(map[string]any)["Function"].(map[string]any)
	resources := d.raw["Resources"].(map[string]any)
	var out []function
	for id, fn := range d.GetAllServerlessFunctionResources() {
		props := maps.Clone(globals)
		own := resources[id].(map[string]any)["Properties"].(map[string]any)
		for k, v := range own {
			props[k] = v
		}
		env := map[string]string{}
		for _, src := range []map[string]any{globals, own} {
			vars, _ := dig(src, "Environment", "Variables").(map[string]any)
			for k, v := range vars {
				env[k] = fmt.Sprint(v)
			}
		}
		f := function{id: id, fn: fn, props: props, env: env}
		if fn.CodeUri != nil && fn.CodeUri.String != nil {
			f.name = strings.TrimPrefix(strings.TrimSuffix(*fn.CodeUri.String, "/"), "functions/")
		}
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// ownEnv returns the variables set on the function itself (not by Globals).
func (f function) ownEnv(d *deployed) map[string]any {
	own := d.raw["Resources"].(map[string]any)[f.id].(map[string]any)["Properties"].(map[string]any)
	vars, _ := dig(own, "Environment", "Variables").(map[string]any)
	return vars
}

// dig follows keys through nested maps.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func list(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	if v == nil {
		return nil
	}
	return []any{v}
}

// envReads returns the names main.go passes as literals to os.Getenv or os.LookupEnv.
func envReads(t *testing.T, mainGo string) []string {
	t.Helper()
	file, err := parser.ParseFile(token.NewFileSet(), mainGo, nil, 0)
	if err != nil {
		t.Fatalf("parse %s: %v", mainGo, err)
	}
	seen := map[string]bool{}
	ast.Inspect(file, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) != 1 {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		pkg, ok := sel.X.(*ast.Ident)
		if !ok || pkg.Name != "os" || (sel.Sel.Name != "Getenv" && sel.Sel.Name != "LookupEnv") {
			return true
		}
		lit, ok := call.Args[0].(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			t.Errorf("%s: os.%s with a non-literal name: the deployment tests cannot check it", mainGo, sel.Sel.Name)
			return true
		}
		name, _ := strconv.Unquote(lit.Value)
		seen[name] = true
		return true
	})
	return slices.Sorted(maps.Keys(seen))
}

// functionDirs returns the folders under functions/ that hold a main.go.
func functionDirs(t *testing.T) []string {
	t.Helper()
	mains, err := filepath.Glob(filepath.Join(root(t), "functions", "*", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, m := range mains {
		dirs = append(dirs, filepath.Base(filepath.Dir(m)))
	}
	return dirs
}

// tableLogicalID maps a dynamo.Tables logical name to its template resource: "applications"
// → "ApplicationsTable".
func tableLogicalID(logical string) string {
	return strings.ToUpper(logical[:1]) + logical[1:] + "Table"
}

// tableOfEnv maps a *_TABLE variable's value ("${ApplicationsTable}") to the resource name.
func tableOfEnv(value string) string {
	if m := regexp.MustCompile(`^\$\{(\w+)\}$`).FindStringSubmatch(value); m != nil {
		return m[1]
	}
	return ""
}

func TestTemplateHasNoLiteralPartitionOrSuffix(t *testing.T) {
	for _, china := range []bool{false, true} {
		path := templateFile(t, china)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(data), "\n") {
			l := strings.ToLower(line)
			for _, bad := range []string{"arn:aws:", "arn:aws-cn:", "amazonaws.com"} {
				if strings.Contains(l, bad) {
					t.Errorf("%s:%d: %q contains %q, want ${AWS::Partition} / ${AWS::URLSuffix}", filepath.Base(path), i+1, strings.TrimSpace(line), bad)
				}
			}
		}
	}
}

func TestTemplateScenarios(t *testing.T) {
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			d := load(t, s)
			// Every reference names a resource that exists in this deployment.
			resources := d.raw["Resources"].(map[string]any)
			for _, section := range []string{"Resources", "Outputs", "Globals"} {
				for _, ref := range refsIn(d.raw[section]) {
					if _, ok := resources[ref]; !ok {
						t.Errorf("%s refers to %s, which this deployment does not have", section, ref)
					}
				}
			}
			outputs := d.raw["Outputs"].(map[string]any)
			site := "SiteUrl"
			if s.china {
				site = "SiteWebsiteUrl"
			}
			for _, name := range []string{site, "ApiUrl", "SiteBucketName"} {
				if _, ok := outputs[name]; !ok {
					t.Errorf("output %s missing", name)
				}
			}
			if got := dig(outputs, site, "Value"); got != s.wantSite {
				t.Errorf("output %s = %v, want %q", site, got, s.wantSite)
			}
			wantAPI := "https://${HttpApi}.execute-api." + s.region + "." + s.urlSuffix()
			if got := dig(outputs, "ApiUrl", "Value"); got != wantAPI {
				t.Errorf("output ApiUrl = %v, want %q", got, wantAPI)
			}
			var cors []any
			for _, api := range d.GetAllServerlessHttpApiResources() {
				if api.CorsConfiguration != nil && api.CorsConfiguration.CorsConfigurationObject != nil {
					for _, o := range api.CorsConfiguration.CorsConfigurationObject.AllowOrigins {
						cors = append(cors, o)
					}
				}
			}
			if want := list(nonEmpty(s.wantCORS)); fmt.Sprint(cors) != fmt.Sprint(want) {
				t.Errorf("CORS origins = %v, want %v", cors, want)
			}
			for _, f := range functions(t, d) {
				if got := f.env["SITE_ORIGIN"]; got != s.wantOrigin {
					t.Errorf("%s SITE_ORIGIN = %q, want %q", f.id, got, s.wantOrigin)
				}
			}
		})
	}
}

func nonEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func TestTemplateParameters(t *testing.T) {
	doc := rawTemplate(t, templateFile(t, false))
	params := doc["Parameters"].(map[string]any)
	for _, name := range []string{"EnvironmentName", "SiteDomain", "JwtIssuer", "JwtAudience", "IcpNumber"} {
		if _, ok := params[name]; !ok {
			t.Errorf("parameter %s missing", name)
		}
	}
}

func TestTemplateFunctions(t *testing.T) {
	d := load(t, global)
	fns := functions(t, d)
	var names []string
	for _, f := range fns {
		names = append(names, f.name)
	}
	sort.Strings(names)
	if want := functionDirs(t); !slices.Equal(names, want) {
		t.Errorf("template functions are %v, want one per functions/*/main.go: %v", names, want)
	}
	r := root(t)
	for _, f := range fns {
		t.Run(f.id, func(t *testing.T) {
			if got := fmt.Sprint(f.props["CodeUri"]); got != "functions/"+f.name+"/" {
				t.Errorf("CodeUri = %q, want functions/<name>/", got)
			}
			if _, err := os.Stat(filepath.Join(r, "functions", f.name, "main.go")); err != nil {
				t.Errorf("CodeUri folder: %v", err)
			}
			for key, want := range map[string]string{"Handler": "bootstrap", "Runtime": "provided.al2023", "Architectures": "[arm64]"} {
				if got := fmt.Sprint(f.props[key]); got != want {
					t.Errorf("%s = %s, want %s", key, got, want)
				}
			}
			meta := d.raw["Resources"].(map[string]any)[f.id].(map[string]any)["Metadata"]
			if got := dig(meta, "BuildMethod"); got != "makefile" {
				t.Errorf("Metadata.BuildMethod = %v, want makefile", got)
			}
			// sam build runs `make build-<LogicalId>`: it must build this function's folder.
			out, err := exec.Command("make", "-n", "--no-print-directory", "-C", r, "build-"+f.id, "ARTIFACTS_DIR=/artifacts").CombinedOutput()
			if err != nil {
				t.Fatalf("make -n build-%s: %v\n%s", f.id, err, out)
			}
			for _, want := range []string{"GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0", "-tags lambda.norpc", "-trimpath", "-s -w", "-o /artifacts/bootstrap", "./functions/" + f.name} {
				if !strings.Contains(string(out), want) {
					t.Errorf("make build-%s runs %q, want it to contain %q", f.id, out, want)
				}
			}
		})
	}
}

// maxBootstrapSize is the size budget of a function's linux/arm64 bootstrap (issue 5: under
// 12 MB). Linking text/template or validator's validateFn tag (v10.27+) anywhere in a
// function costs about 3 MB each: both disable the linker's dead-method elimination.
const maxBootstrapSize = 12_000_000

func TestTemplateFunctionsBuild(t *testing.T) {
	d := load(t, global)
	for _, f := range functions(t, d) {
		t.Run(f.id, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "bootstrap")
			size := buildBootstrap(t, f.name, "linux", "arm64", out)
			t.Logf("functions/%s: linux/arm64 bootstrap %.1f MB", f.name, float64(size)/1e6)
			if size > maxBootstrapSize {
				t.Errorf("functions/%s: linux/arm64 bootstrap is %d bytes, want at most %d", f.name, size, maxBootstrapSize)
			}
		})
	}
}

func TestTemplateEnvironment(t *testing.T) {
	d := load(t, global)
	for _, f := range functions(t, d) {
		t.Run(f.id, func(t *testing.T) {
			reads := envReads(t, filepath.Join(root(t), "functions", f.name, "main.go"))
			for _, name := range reads {
				if _, ok := f.env[name]; !ok && !optionalEnv[name] {
					t.Errorf("main.go reads %s, which the template does not set", name)
				}
			}
			for name := range f.ownEnv(d) {
				if !slices.Contains(reads, name) {
					t.Errorf("template sets %s, which main.go does not read", name)
				}
			}
		})
	}
}

// statements returns the IAM statements of a function's inline policies.
func statements(f function) []map[string]any {
	var out []map[string]any
	for _, p := range list(f.props["Policies"]) {
		for _, s := range list(dig(p, "Statement")) {
			if m, ok := s.(map[string]any); ok {
				out = append(out, m)
			}
		}
	}
	return out
}

// dynamoActions returns the DynamoDB actions the dynamo package calls, as IAM action names:
// client calls (client.GetItem), paginators (dynamodb.NewQueryPaginator) and the items of
// transactions ({Put: …} needs PutItem, {ConditionCheck: …} ConditionCheckItem, …).
func dynamoActions(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root(t), "functions", "dynamo", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	call := regexp.MustCompile(`\.client\.(\w+)\(|dynamodb\.New(\w+)Paginator\(`)
	transactItem := regexp.MustCompile(`[{,]\s*(Put|Update|Delete|ConditionCheck):`)
	actions := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range call.FindAllStringSubmatch(string(src), -1) {
			actions["dynamodb:"+m[1]+m[2]] = true
		}
		if strings.Contains(string(src), "TransactWriteItem") {
			for _, m := range transactItem.FindAllStringSubmatch(string(src), -1) {
				actions["dynamodb:"+m[1]+"Item"] = true
			}
		}
	}
	return actions
}

func TestTemplatePolicies(t *testing.T) {
	d := load(t, global)
	used := dynamoActions(t)
	indexes := map[string][]string{} // table resource → its GSI names
	for _, tb := range dynamo.Tables(dynamo.DefaultTableNames) {
		for _, g := range tb.Create.GlobalSecondaryIndexes {
			indexes[tableLogicalID(tb.Logical)] = append(indexes[tableLogicalID(tb.Logical)], *g.IndexName)
		}
	}
	tables := d.GetAllDynamoDBTableResources()
	for _, f := range functions(t, d) {
		t.Run(f.id, func(t *testing.T) {
			reads := envReads(t, filepath.Join(root(t), "functions", f.name, "main.go"))
			want := map[string]bool{} // tables whose name the function reads
			for _, name := range reads {
				if strings.HasSuffix(name, "_TABLE") {
					if tb := tableOfEnv(f.env[name]); tb != "" {
						want[tb] = true
					} else {
						t.Errorf("%s = %q, want a Ref to a table", name, f.env[name])
					}
				}
			}
			if len(f.props["Policies"].([]any)) == 0 {
				t.Fatalf("no Policies: every function needs its own least-privilege policy")
			}
			granted := map[string]bool{}
			for _, st := range statements(f) {
				if st["Effect"] != "Allow" {
					continue
				}
				for _, a := range list(st["Action"]) {
					action := fmt.Sprint(a)
					if strings.Contains(action, "*") {
						t.Errorf("statement %v: wildcard action %s", st["Sid"], action)
					}
					if !used[action] {
						t.Errorf("statement %v grants %s, which functions/dynamo never calls", st["Sid"], action)
					}
				}
				for _, r := range list(st["Resource"]) {
					res := fmt.Sprint(r)
					m := regexp.MustCompile(`^\$\{(\w+)\.Arn\}(/index/(\w+))?$`).FindStringSubmatch(res)
					if m == nil {
						t.Errorf("statement %v: resource %q, want a table ARN or one of its indexes", st["Sid"], res)
						continue
					}
					if _, ok := tables[m[1]]; !ok {
						t.Errorf("statement %v: resource %s is not a table", st["Sid"], m[1])
					}
					if m[3] != "" && !slices.Contains(indexes[m[1]], m[3]) {
						t.Errorf("statement %v: index %s is not an index of %s (%v)", st["Sid"], m[3], m[1], indexes[m[1]])
					}
					granted[m[1]] = true
				}
			}
			if got, wantL := slices.Sorted(maps.Keys(granted)), slices.Sorted(maps.Keys(want)); !slices.Equal(got, wantL) {
				t.Errorf("policy grants tables %v, want exactly the tables main.go reads: %v", got, wantL)
			}
		})
	}
}

func TestTemplatePublicFunctionCannotTouchMembersOrDues(t *testing.T) {
	d := load(t, global)
	for _, f := range functions(t, d) {
		if f.id != "ApplyFunction" {
			continue
		}
		for _, st := range statements(f) {
			for _, r := range list(st["Resource"]) {
				res := fmt.Sprint(r)
				if strings.Contains(res, "MembersTable") || strings.Contains(res, "DuesTable") {
					t.Errorf("ApplyFunction statement %v reaches %s, want no access to members or dues", st["Sid"], res)
				}
			}
			for _, a := range list(st["Action"]) {
				if a == "dynamodb:Query" || a == "dynamodb:Scan" || a == "dynamodb:DeleteItem" {
					t.Errorf("ApplyFunction statement %v grants %s: the public function must not list or delete", st["Sid"], a)
				}
			}
		}
	}
}

func TestTemplateTables(t *testing.T) {
	d := load(t, global)
	tables := d.GetAllDynamoDBTableResources()
	defs := dynamo.Tables(dynamo.DefaultTableNames)
	var want []string
	for _, def := range defs {
		id := tableLogicalID(def.Logical)
		want = append(want, id)
		tb, ok := tables[id]
		if !ok {
			t.Errorf("dynamo.Tables has %q, want a table %s in template.yaml", def.Logical, id)
			continue
		}
		t.Run(id, func(t *testing.T) {
			c := def.Create
			var gotKeys, wantKeys, gotAttrs, wantAttrs []string
			for _, k := range tb.KeySchema {
				gotKeys = append(gotKeys, k.AttributeName+" "+k.KeyType)
			}
			for _, k := range c.KeySchema {
				wantKeys = append(wantKeys, *k.AttributeName+" "+string(k.KeyType))
			}
			for _, a := range tb.AttributeDefinitions {
				gotAttrs = append(gotAttrs, a.AttributeName+" "+a.AttributeType)
			}
			for _, a := range c.AttributeDefinitions {
				wantAttrs = append(wantAttrs, *a.AttributeName+" "+string(a.AttributeType))
			}
			sort.Strings(gotAttrs)
			sort.Strings(wantAttrs)
			if !slices.Equal(gotKeys, wantKeys) {
				t.Errorf("key schema %v, want %v", gotKeys, wantKeys)
			}
			if !slices.Equal(gotAttrs, wantAttrs) {
				t.Errorf("attribute definitions %v, want %v", gotAttrs, wantAttrs)
			}
			var gotGSI, wantGSI []string
			for _, g := range tb.GlobalSecondaryIndexes {
				s := g.IndexName
				for _, k := range g.KeySchema {
					s += " " + k.AttributeName + ":" + k.KeyType
				}
				if g.Projection != nil && g.Projection.ProjectionType != nil {
					s += " " + *g.Projection.ProjectionType
				}
				gotGSI = append(gotGSI, s)
			}
			for _, g := range c.GlobalSecondaryIndexes {
				s := *g.IndexName
				for _, k := range g.KeySchema {
					s += " " + *k.AttributeName + ":" + string(k.KeyType)
				}
				if g.Projection != nil {
					s += " " + string(g.Projection.ProjectionType)
				}
				wantGSI = append(wantGSI, s)
			}
			sort.Strings(gotGSI)
			sort.Strings(wantGSI)
			if !slices.Equal(gotGSI, wantGSI) {
				t.Errorf("global secondary indexes %v, want %v", gotGSI, wantGSI)
			}
			gotTTL := ""
			if tb.TimeToLiveSpecification != nil && tb.TimeToLiveSpecification.Enabled && tb.TimeToLiveSpecification.AttributeName != nil {
				gotTTL = *tb.TimeToLiveSpecification.AttributeName
			}
			if gotTTL != def.TTLAttribute {
				t.Errorf("TTL attribute %q, want %q", gotTTL, def.TTLAttribute)
			}
			if tb.BillingMode == nil || *tb.BillingMode != "PAY_PER_REQUEST" {
				t.Errorf("BillingMode %v, want PAY_PER_REQUEST (on demand)", tb.BillingMode)
			}
			if tb.PointInTimeRecoverySpecification == nil || tb.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled == nil || !*tb.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled {
				t.Errorf("point-in-time recovery off, want on")
			}
			if tb.SSESpecification == nil || !tb.SSESpecification.SSEEnabled {
				t.Errorf("SSESpecification.SSEEnabled off, want on (KMS encryption)")
			}
			if tb.DeletionProtectionEnabled == nil || !*tb.DeletionProtectionEnabled {
				t.Errorf("DeletionProtectionEnabled off, want on")
			}
			if tb.AWSCloudFormationDeletionPolicy != "Retain" || tb.AWSCloudFormationUpdateReplacePolicy != "Retain" {
				t.Errorf("DeletionPolicy %q, UpdateReplacePolicy %q, want Retain, Retain", tb.AWSCloudFormationDeletionPolicy, tb.AWSCloudFormationUpdateReplacePolicy)
			}
		})
	}
	got := slices.Sorted(maps.Keys(tables))
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("template tables %v, want exactly those of dynamo.Tables: %v", got, want)
	}
}

// apiGatewayPath turns a ServeMux pattern's path into an API Gateway route path:
// {name...} becomes {name+}.
func apiGatewayPath(pattern string) string {
	return regexp.MustCompile(`\{(\w+)\.\.\.\}`).ReplaceAllString(pattern, "{$1+}")
}

func TestTemplateRoutes(t *testing.T) {
	d := load(t, global)
	for _, f := range functions(t, d) {
		t.Run(f.id, func(t *testing.T) {
			routes, ok := routeLists[f.id]
			if !ok {
				t.Fatalf("no route list for %s in this test's routeLists", f.id)
			}
			var want []string
			for _, r := range routes {
				want = append(want, r.Method+" "+apiGatewayPath(r.Pattern))
			}
			var got []string
			events, _ := f.props["Events"].(map[string]any)
			for name, ev := range events {
				if dig(ev, "Type") != "HttpApi" {
					t.Errorf("event %s has type %v, want HttpApi", name, dig(ev, "Type"))
					continue
				}
				got = append(got, fmt.Sprint(dig(ev, "Properties", "Method"))+" "+fmt.Sprint(dig(ev, "Properties", "Path")))
				if dig(ev, "Properties", "ApiId") != "${HttpApi}" {
					t.Errorf("event %s is on API %v, want ${HttpApi}", name, dig(ev, "Properties", "ApiId"))
				}
				if dig(ev, "Properties", "Method") == "POST" && !strings.HasPrefix(fmt.Sprint(dig(ev, "Properties", "Path")), "/api/admin/") {
					if dig(ev, "Properties", "RouteSettings", "ThrottlingRateLimit") == nil {
						t.Errorf("public POST route %s has no throttling of its own", name)
					}
				}
			}
			sort.Strings(got)
			sort.Strings(want)
			for _, r := range want {
				if !slices.Contains(got, r) {
					t.Errorf("handler route %q has no event in template.yaml", r)
				}
			}
			for _, r := range got {
				if !slices.Contains(want, r) {
					t.Errorf("template route %q has no handler in httpapi", r)
				}
			}
		})
	}
	for id, api := range d.GetAllServerlessHttpApiResources() {
		rs := api.DefaultRouteSettings
		if rs == nil || rs.ThrottlingRateLimit == nil || rs.ThrottlingBurstLimit == nil {
			t.Errorf("%s: DefaultRouteSettings without throttling", id)
		}
	}
}

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
				origins := map[string]string{}
				for _, o := range cfg.Origins {
					origins[o.Id] = o.DomainName
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
				if !strings.Contains(origins[def.TargetOriginId], "${SiteBucket.RegionalDomainName}") {
					t.Errorf("%s: default behaviour goes to %s, want the site bucket", id, origins[def.TargetOriginId])
				}
				var api bool
				for _, b := range cfg.CacheBehaviors {
					if b.ViewerProtocolPolicy != "redirect-to-https" && b.ViewerProtocolPolicy != "https-only" {
						t.Errorf("%s: behaviour %s %s, want HTTPS only", id, b.PathPattern, b.ViewerProtocolPolicy)
					}
					if b.PathPattern == "/api/*" {
						api = true
						want := "${HttpApi}.execute-api." + s.region + "." + s.urlSuffix()
						if origins[b.TargetOriginId] != want {
							t.Errorf("%s: /api/* goes to %q, want %q", id, origins[b.TargetOriginId], want)
						}
						if !slices.Contains(b.AllowedMethods, "POST") {
							t.Errorf("%s: /api/* allows %v, want POST among them", id, b.AllowedMethods)
						}
					}
				}
				if !api {
					t.Errorf("%s: no /api/* behaviour: site and API must share one origin", id)
				}
				checkConsoleBehaviour(t, id, d, cfg.CacheBehaviors, def)
				if def.ResponseHeadersPolicyId == nil || tableOfEnv(*def.ResponseHeadersPolicyId) == "" {
					t.Errorf("%s: default behaviour without a response headers policy", id)
				}
				checkNotFoundPage(t, id, cfg.CustomErrorResponses)
				// The no-JS form answers of functions/httpapi send their own, stricter CSP (their
				// one inline style allowed by its hash): the policy on /api/* must keep it.
				policies := d.GetAllCloudFrontResponseHeadersPolicyResources()
				for _, b := range cfg.CacheBehaviors {
					if b.PathPattern != "/api/*" || b.ResponseHeadersPolicyId == nil {
						continue
					}
					p, ok := policies[tableOfEnv(*b.ResponseHeadersPolicyId)]
					if !ok {
						t.Errorf("%s: /api/* response headers policy %s is not in the template", id, *b.ResponseHeadersPolicyId)
						continue
					}
					if sec := p.ResponseHeadersPolicyConfig.SecurityHeadersConfig; sec != nil && sec.ContentSecurityPolicy != nil && sec.ContentSecurityPolicy.Override {
						t.Errorf("%s: /api/* overrides the functions' Content-Security-Policy with %q, want Override false (the form answers allow their inline style by hash)", id, sec.ContentSecurityPolicy.ContentSecurityPolicy)
					}
				}
			}
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
			}
			for id, b := range d.GetAllS3BucketResources() {
				pab := b.PublicAccessBlockConfiguration
				if pab == nil || !ptrTrue(pab.BlockPublicAcls) || !ptrTrue(pab.BlockPublicPolicy) || !ptrTrue(pab.IgnorePublicAcls) || !ptrTrue(pab.RestrictPublicBuckets) {
					t.Errorf("%s: public access not fully blocked: %+v", id, pab)
				}
				if b.WebsiteConfiguration != nil {
					t.Errorf("%s: website hosting on, want a private bucket behind CloudFront", id)
				}
			}
			for id, p := range d.GetAllS3BucketPolicyResources() {
				var listBucket bool
				for _, st := range list(dig(toAny(t, p.PolicyDocument), "Statement")) {
					if dig(st, "Effect") != "Allow" {
						continue
					}
					// ListBucket makes S3 answer a missing key 404 (the site's 404 page), not 403.
					if slices.Contains(list(dig(st, "Action")), any("s3:ListBucket")) && fmt.Sprint(dig(st, "Resource")) == "${SiteBucket.Arn}" {
						listBucket = true
					}
					principal := fmt.Sprint(dig(st, "Principal", "Service"))
					if principal != "cloudfront."+s.urlSuffix() {
						t.Errorf("%s: statement %v allows %v, want only CloudFront", id, dig(st, "Sid"), dig(st, "Principal"))
					}
					if src := fmt.Sprint(dig(st, "Condition", "StringEquals", "AWS:SourceArn")); !strings.Contains(src, "distribution/${Distribution}") {
						t.Errorf("%s: CloudFront access not limited to our distribution: SourceArn %s", id, src)
					}
				}
				if !listBucket {
					t.Errorf("%s: CloudFront may not list the bucket: a missing page is a 403 from S3, not the site's 404 page", id)
				}
			}
		})
	}
}

// checkConsoleBehaviour checks the console's behaviour (/admin/*): the site's
// bucket, HTTPS, the index rewrite, and its own headers: the site's CSP
// overriding, no referrer to other origins, X-Robots-Tag noindex.
func checkConsoleBehaviour(t *testing.T, id string, d *deployed, behaviours []cloudfront.Distribution_CacheBehavior, def *cloudfront.Distribution_DefaultCacheBehavior) {
	t.Helper()
	i := slices.IndexFunc(behaviours, func(b cloudfront.Distribution_CacheBehavior) bool { return b.PathPattern == "/admin/*" })
	if i < 0 {
		t.Errorf("%s: no /admin/* behaviour for the console", id)
		return
	}
	b := behaviours[i]
	if b.TargetOriginId != def.TargetOriginId || len(b.FunctionAssociations) != 1 || ptrString(b.FunctionAssociations[0].FunctionARN) != ptrString(def.FunctionAssociations[0].FunctionARN) {
		t.Errorf("%s: /admin/* goes to %s with %v, want the site bucket with the index rewrite", id, b.TargetOriginId, b.FunctionAssociations)
	}
	if b.ResponseHeadersPolicyId == nil || *b.ResponseHeadersPolicyId == *def.ResponseHeadersPolicyId {
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

// checkNotFoundPage checks that the distribution answers S3's 404 with the site's own 404
// page (content/404.md), keeps the status, and does not cache the error.
func checkNotFoundPage(t *testing.T, id string, errs []cloudfront.Distribution_CustomErrorResponse) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(root(t), "content", "404.md")); err != nil {
		t.Errorf("the site has no 404 page: %v", err)
	}
	for _, e := range errs {
		if e.ErrorCode != 404 {
			continue
		}
		if ptrString(e.ResponsePagePath) != "/404.html" || e.ResponseCode == nil || *e.ResponseCode != 404 {
			t.Errorf("%s: 404 answered with %q and status %v, want /404.html and 404", id, ptrString(e.ResponsePagePath), toAny(t, e.ResponseCode))
		}
		if e.ErrorCachingMinTTL == nil {
			t.Errorf("%s: 404 cached for the default 10 s, want 0 (a new page or record is found at once)", id)
		} else if *e.ErrorCachingMinTTL != 0 {
			t.Errorf("%s: 404 cached for %v s, want 0 (a new page or record is found at once)", id, *e.ErrorCachingMinTTL)
		}
		return
	}
	t.Errorf("%s: no custom error response for 404: a missing page shows S3's XML error", id)
}

func ptrTrue(b *bool) bool { return b != nil && *b }

func ptrString(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// checkChinaSite checks the China regions' site: no CloudFront, an S3 website only once an
// ICP number is given, public read only then.
func checkChinaSite(t *testing.T, s scenario, d *deployed) {
	t.Helper()
	for id, r := range d.Resources {
		if strings.HasPrefix(r.AWSCloudFormationType(), "AWS::CloudFront::") {
			t.Errorf("%s: %s in the China variant, want none (no CloudFront without ICP; OAC and CloudFront Functions do not exist there)", id, r.AWSCloudFormationType())
		}
	}
	icp := s.params["IcpNumber"] != ""
	for id, b := range d.GetAllS3BucketResources() {
		wantName := ""
		if icp {
			wantName = s.params["SiteDomain"]
		}
		if got := ptrString(b.BucketName); got != wantName {
			t.Errorf("%s: BucketName %q, want %q (an S3 website answers a CNAME only under its own name)", id, got, wantName)
		}
		if got := b.WebsiteConfiguration != nil; got != icp {
			t.Errorf("%s: website hosting %v, want %v (only with an ICP number)", id, got, icp)
		}
		pab := b.PublicAccessBlockConfiguration
		if pab == nil || ptrTrue(pab.BlockPublicPolicy) == icp {
			t.Errorf("%s: BlockPublicPolicy %v, want %v", id, pab != nil && ptrTrue(pab.BlockPublicPolicy), !icp)
		}
	}
	// Who may read the objects: everyone over plain HTTP for a website, nobody otherwise.
	for id, p := range d.GetAllS3BucketPolicyResources() {
		var publicRead, denyHTTP bool
		for _, st := range list(dig(toAny(t, p.PolicyDocument), "Statement")) {
			switch {
			case dig(st, "Effect") == "Allow" && dig(st, "Principal") == "*" && dig(st, "Action") == "s3:GetObject":
				publicRead = true
			case dig(st, "Effect") == "Deny" && dig(st, "Condition", "Bool", "aws:SecureTransport") == "false":
				denyHTTP = true
			case dig(st, "Effect") == "Allow":
				t.Errorf("%s: statement %v allows %v, want no other grant", id, dig(st, "Sid"), dig(st, "Principal"))
			}
		}
		if publicRead != icp || denyHTTP == icp {
			t.Errorf("%s: public read %v, plain HTTP denied %v; want %v, %v", id, publicRead, denyHTTP, icp, !icp)
		}
	}
}

// TestMakeDeploy checks what `make deploy` would run in each partition (make -n: nothing runs):
// the China template without CloudFront, and no distribution to invalidate there.
func TestMakeDeploy(t *testing.T) {
	tests := []struct {
		region       string
		want, absent []string
	}{
		{"ap-east-1", []string{"--template-file template.yaml", "--region ap-east-1", "--distribution", "publish --region ap-east-1"}, []string{"template-cn"}},
		{"cn-north-1", []string{"--template-file bin/template-cn.yaml", "--region cn-north-1", "publish --region cn-north-1", "SiteBucketName"}, []string{"--distribution", "DistributionId"}},
	}
	for _, tt := range tests {
		out, err := exec.Command("make", "-n", "--no-print-directory", "-C", root(t), "deploy", "REGION="+tt.region, "STACK=alliance-test").CombinedOutput()
		if err != nil {
			t.Fatalf("make -n deploy REGION=%s: %v\n%s", tt.region, err, out)
		}
		for _, w := range tt.want {
			if !strings.Contains(string(out), w) {
				t.Errorf("make deploy REGION=%s runs\n%s\nwant it to contain %q", tt.region, out, w)
			}
		}
		for _, a := range tt.absent {
			if strings.Contains(string(out), a) {
				t.Errorf("make deploy REGION=%s runs\n%s\nwant no %q", tt.region, out, a)
			}
		}
	}
}

// TestTemplateConsole checks what the console needs in each scenario: the
// secretariat function knows where browsers reach the API (API_ORIGIN, the
// sign-in's redirect URI), and the output names the URI to register; its
// client secret comes from Secrets Manager only when named; CORS lets the
// site's origin send the session cookie; and in China the API gets its own
// domain beside the site's, mapped to the HTTP API, only when asked for.
func TestTemplateConsole(t *testing.T) {
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			d := load(t, s)
			var admin function
			for _, f := range functions(t, d) {
				if f.id == "AdminFunction" {
					admin = f
				}
			}
			if got := admin.env["API_ORIGIN"]; got != s.wantAPIOrigin {
				t.Errorf("API_ORIGIN = %q, want %q", got, s.wantAPIOrigin)
			}
			redirect := fmt.Sprint(dig(d.raw["Outputs"], "ConsoleRedirectUri", "Value"))
			if s.wantAPIOrigin != "" && redirect != s.wantAPIOrigin+httpapi.ConsoleRoutes[1].Pattern {
				t.Errorf("output ConsoleRedirectUri = %q, want %s%s", redirect, s.wantAPIOrigin, httpapi.ConsoleRoutes[1].Pattern)
			}
			if s.wantAPIOrigin == "" && !strings.HasPrefix(redirect, "none: ") {
				t.Errorf("output ConsoleRedirectUri = %q, want it to say there is none yet and why", redirect)
			}
			secret := admin.env["OIDC_CLIENT_SECRET"]
			if id := s.params["OidcClientSecretId"]; id != "" && secret != "{{resolve:secretsmanager:"+id+"}}" || id == "" && secret != "" {
				t.Errorf("OIDC_CLIENT_SECRET = %q, want a dynamic reference to the secret %q, if any", secret, id)
			}
			for id, api := range d.GetAllServerlessHttpApiResources() {
				c := api.CorsConfiguration.CorsConfigurationObject
				if c == nil || c.AllowCredentials == nil || !*c.AllowCredentials || !slices.Contains(c.AllowHeaders, "x-csrf-token") ||
					!slices.Contains(c.ExposeHeaders, "x-csrf-token") || slices.Contains(c.AllowOrigins, "*") {
					t.Errorf("%s: CORS %+v, want credentials for the listed origins only and the CSRF header both ways", id, c)
				}
			}
			domains := d.GetAllApiGatewayV2DomainNameResources()
			mappings := d.GetAllApiGatewayV2ApiMappingResources()
			want := s.params["ApiDomain"] != "" && s.china
			if got := len(domains) == 1 && len(mappings) == 1; got != want || !want && len(domains)+len(mappings) > 0 {
				t.Fatalf("%d API domains and %d mappings, want one each: %v", len(domains), len(mappings), want)
			}
			for id, dn := range domains {
				if dn.DomainName != s.params["ApiDomain"] || len(dn.DomainNameConfigurations) != 1 ||
					ptrString(dn.DomainNameConfigurations[0].EndpointType) != "REGIONAL" || ptrString(dn.DomainNameConfigurations[0].SecurityPolicy) != "TLS_1_2" {
					t.Errorf("%s: %+v, want %s, regional, TLS 1.2", id, dn, s.params["ApiDomain"])
				}
				for mid, m := range mappings {
					if m.DomainName != "${"+id+"}" || m.ApiId != "${HttpApi}" || m.Stage != "$default" {
						t.Errorf("%s: maps %s to %s stage %s, want ${%s} to ${HttpApi} $default", mid, m.DomainName, m.ApiId, m.Stage, id)
					}
				}
			}
		})
	}
}
