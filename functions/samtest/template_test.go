package samtest

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/awslabs/goformation/v7/cloudformation/serverless"

	"github.com/smelisting/alliance/functions/dynamo"
	"github.com/smelisting/alliance/functions/events"
	"github.com/smelisting/alliance/functions/httpapi"
	"github.com/smelisting/alliance/functions/membership"
)

// global is the scenario most tests read the template in.
var global = scenarios[0]

// routeLists maps each function's logical ID to the route list its handler serves.
var routeLists = map[string][]httpapi.Route{
	"ApplyFunction":   httpapi.PublicRoutes,
	"AdminFunction":   slices.Concat(httpapi.AdminRoutes, httpapi.ConsoleRoutes),
	"SenderFunction":  nil, // run by its schedule
	"NoticesFunction": nil,
	"SiteFunction":    nil, // a schedule and the members table's stream (TestTemplateSiteBuilder)
}

// schedules maps each function run by a schedule (an EventBridge rule: Type Schedule) to
// its expression: the sender drains the outbox every minute; the notices run daily at
// 09:00 Beijing time, 01:00 UTC (China keeps no daylight saving time, so a rule in UTC,
// offered in every region, is exact).
var schedules = map[string]string{
	"SenderFunction":  "rate(1 minute)",
	"NoticesFunction": "cron(0 1 * * ? *)",
	"SiteFunction":    "cron(0 16 * * ? *)", // 00:00 Beijing time: events move to past
}

// secretEnv are the variables that name a Secrets Manager secret a function reads at run
// time: its role may read that secret (GetSecretValue) and no other.
var secretEnv = []string{"OIDC_CLIENT_SECRET_ARN", "SMTP_SECRET_ARN"}

// siteFiles are the files of the published site each function reads from the site's
// bucket (SITE_BUCKET): its role may read those objects and no other.
var siteFiles = map[string][]string{
	"ApplyFunction": {httpapi.FramePath, events.CatalogFile},
	"AdminFunction": {events.CatalogFile},
}

// uploadGrants are the grants on the uploads bucket (UPLOADS_BUCKET) each function's role
// holds, resource → actions, as functions/uploadbucket's calls need them
// (TestUploadGrantsCoverBucketCalls records those calls): a presigned POST is the signer's
// PutObject, HEAD and a ranged GET are GetObject, CopyObject is GetObject on the source and
// PutObject on the target, deleting a version is DeleteObjectVersion, and listing a key's
// versions is ListBucketVersions on the bucket, under the prefixes of uploadPrefixes.
var uploadGrants = map[string]map[string][]string{
	"ApplyFunction": {
		"${UploadsBucket.Arn}/incoming/*":    {"s3:DeleteObjectVersion", "s3:GetObject", "s3:PutObject"},
		"${UploadsBucket.Arn}/attachments/*": {"s3:DeleteObjectVersion", "s3:GetObject", "s3:PutObject"},
		"${UploadsBucket.Arn}":               {"s3:ListBucketVersions"},
	},
	"AdminFunction": {
		"${UploadsBucket.Arn}/attachments/*": {"s3:DeleteObjectVersion", "s3:GetObject"},
		"${UploadsBucket.Arn}":               {"s3:ListBucketVersions"},
	},
}

// uploadPrefixes are the s3:prefix values each function may list versions under.
var uploadPrefixes = map[string][]string{
	"ApplyFunction": {"incoming/*", "attachments/*"},
	"AdminFunction": {"attachments/*"},
}

// optionalEnv are variables a main.go may read that the deployment does not set.
var optionalEnv = map[string]bool{
	"DYNAMODB_ENDPOINT": true, // tests and `alliance serve` only
	"S3_ENDPOINT":       true, // tests only
	"SECRETS_ENDPOINT":  true, // tests only
	"SES_ENDPOINT":      true, // tests only
	"SMTP_SECRET_ARN":   true, // a relay without authentication needs none
}

// function is one AWS::Serverless::Function with the Globals merged in, as SAM does.
type function struct {
	id       string
	fn       *serverless.Function
	props    map[string]any // merged properties as generic JSON values
	env      map[string]string
	name     string // folder under functions/, from CodeUri
	role     string // the IAM role resource of Role (${<role>.Arn}), or ""
	logGroup string // the log group resource of LoggingConfig.LogGroup (${<group>}), or ""
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
		if m := regexp.MustCompile(`^\$\{(\w+)\.Arn\}$`).FindStringSubmatch(fmt.Sprint(props["Role"])); m != nil {
			f.role = m[1]
		}
		f.logGroup = tableOfEnv(fmt.Sprint(dig(props, "LoggingConfig", "LogGroup")))
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

// servicePrincipals are IAM service principal names, which are the same in the aws and
// aws-cn partitions (they are names, not endpoints), so templates may spell them out.
var servicePrincipals = regexp.MustCompile(`\b(lambda|backup)\.amazonaws\.com\b`)

func TestTemplateHasNoLiteralPartitionOrSuffix(t *testing.T) {
	for _, path := range []string{templateFile(t, false), templateFile(t, true), filepath.Join(root(t), edgeTemplate)} {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(data), "\n") {
			l := servicePrincipals.ReplaceAllString(strings.ToLower(line), "")
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
			if failed := d.failedRules(t); len(failed) > 0 {
				t.Errorf("the template's Rules refuse this deployment: %v", failed)
			}
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
			if n, ok := f.props["ReservedConcurrentExecutions"].(float64); !ok || n < 1 {
				t.Errorf("ReservedConcurrentExecutions = %v, want a number of at least 1 (it caps cost and protects DynamoDB)", f.props["ReservedConcurrentExecutions"])
			}
			if got := dig(f.props, "LoggingConfig", "LogFormat"); got != "JSON" {
				t.Errorf("LoggingConfig.LogFormat = %v, want JSON", got)
			}
			if f.logGroup != f.id+"LogGroup" || resourceType(d, f.logGroup) != "AWS::Logs::LogGroup" {
				t.Errorf("LoggingConfig.LogGroup = %v, want a Ref to its own AWS::Logs::LogGroup %sLogGroup", dig(f.props, "LoggingConfig", "LogGroup"), f.id)
			}
			if f.role != f.id+"Role" || resourceType(d, f.role) != "AWS::IAM::Role" {
				t.Errorf("Role = %v, want its own AWS::IAM::Role %sRole (not SAM's role with AWSLambdaBasicExecutionRole)", f.props["Role"], f.id)
			}
			if _, ok := f.props["Policies"]; ok {
				t.Errorf("Policies set: SAM would ignore them next to Role; grant in %s", f.role)
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

// maxBootstrapSize guards a function's linux/arm64 bootstrap against accidents (a dependency
// pulled in by mistake). Size is not a target; cold start is (TestEmulatorInit). 22 MB since
// the admin function carries the outbox and the uploads bucket's S3 client (20.1 MB) and
// prints certificates with the QR code library (github.com/yeqown/go-qrcode/v2, +0.2 MB) it
// shares with the public function; 30 MB for the site builder, which links the whole
// generator (goldmark, YAML, the BudouX model).
func maxBootstrapSize(name string) int64 {
	if name == "site" {
		return 30_000_000
	}
	return 22_000_000
}

func TestTemplateFunctionsBuild(t *testing.T) {
	d := load(t, global)
	for _, f := range functions(t, d) {
		t.Run(f.id, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "bootstrap")
			size := buildBootstrap(t, f.name, "linux", "arm64", out)
			t.Logf("functions/%s: linux/arm64 bootstrap %.1f MB", f.name, float64(size)/1e6)
			if max := maxBootstrapSize(f.name); int64(size) > max {
				t.Errorf("functions/%s: linux/arm64 bootstrap is %d bytes, want at most %d", f.name, size, max)
			}
		})
	}
}

// layoutEnv are variables that only one layout sets: true for the China layout, false
// for the global one (no CloudFront in China).
var layoutEnv = map[string]bool{
	"ORIGIN_VERIFY_SECRET": false,
	"DISTRIBUTION_ID":      false,
	"SMTP_HOST":            true, // mail through an SMTP relay in China, through SES elsewhere
	"SMTP_PORT":            true,
	"SES_IDENTITY_ARN":     false,
}

func TestTemplateEnvironment(t *testing.T) {
	for _, s := range []scenario{scenarios[0], scenarios[2]} { // global and China, served
		d := load(t, s)
		for _, f := range functions(t, d) {
			t.Run(s.name+"/"+f.id, func(t *testing.T) {
				reads := envReads(t, filepath.Join(root(t), "functions", f.name, "main.go"))
				for _, name := range reads {
					_, set := f.env[name]
					china, layout := layoutEnv[name]
					switch {
					case layout && set != (china == s.china):
						t.Errorf("%s set: %v, want %v in this layout (only the %s layout sets it)", name, set, !set, map[bool]string{true: "China", false: "global"}[china])
					case !layout && !set && !optionalEnv[name]:
						t.Errorf("main.go reads %s, which the template does not set", name)
					}
				}
				for name := range f.ownEnv(d) {
					if !slices.Contains(reads, name) {
						t.Errorf("template sets %s, which main.go does not read", name)
					}
				}
				// Every function behind the API refuses requests that went around CloudFront
				// (functions/apigateway); a function without HttpApi events (a schedule, a queue) has none.
				if len(routeLists[f.id]) > 0 && !slices.Contains(reads, "ORIGIN_VERIFY_SECRET") {
					t.Errorf("main.go does not read ORIGIN_VERIFY_SECRET: pass it to apigateway.Handler, or the function answers requests sent around the WAF")
				}
				// A function with public routes limits each client where no WAF does (China).
				if hasPublicRoute(f.id) && !slices.Contains(reads, "LIMITS_TABLE") {
					t.Errorf("%s serves public routes but main.go does not read LIMITS_TABLE (per-client limits)", f.id)
				}
			})
		}
	}
}

// hasPublicRoute reports whether the function serves a route outside /api/admin/.
func hasPublicRoute(id string) bool {
	for _, r := range routeLists[id] {
		if !strings.HasPrefix(r.Pattern, "/api/admin/") {
			return true
		}
	}
	return false
}

// resourceType returns the Type of resource id in the evaluated template, or "".
func resourceType(d *deployed, id string) string {
	return fmt.Sprint(dig(d.raw, "Resources", id, "Type"))
}

// statements returns the IAM statements of the inline policies of a function's role.
func statements(d *deployed, f function) []map[string]any {
	var out []map[string]any
	for _, p := range list(dig(d.raw, "Resources", f.role, "Properties", "Policies")) {
		for _, s := range list(dig(p, "PolicyDocument", "Statement")) {
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

// tracingActions are what Lambda's active tracing needs (X-Ray has no resource-level
// permissions, so their resource is "*").
var tracingActions = []string{"xray:PutTelemetryRecords", "xray:PutTraceSegments"}

func TestTemplatePolicies(t *testing.T) {
	used := dynamoActions(t)
	indexes := map[string][]string{} // table resource → its GSI names
	for _, tb := range dynamo.Tables(dynamo.DefaultTableNames) {
		for _, g := range tb.Create.GlobalSecondaryIndexes {
			indexes[tableLogicalID(tb.Logical)] = append(indexes[tableLogicalID(tb.Logical)], *g.IndexName)
		}
	}
	tableARN := regexp.MustCompile(`^\$\{(\w+)\.Arn\}(/index/(\w+))?$`)
	for _, s := range []scenario{scenarios[0], scenarios[2]} { // global and China
		d := load(t, s)
		tables := d.GetAllDynamoDBTableResources()
		for _, f := range functions(t, d) {
			t.Run(s.name+"/"+f.id, func(t *testing.T) {
				checkTrust(t, d, f.role)
				want := map[string]bool{} // tables whose name the function is given
				for name, v := range f.env {
					if strings.HasSuffix(name, "_TABLE") {
						if tb := tableOfEnv(v); tb != "" {
							want[tb] = true
						} else {
							t.Errorf("%s = %q, want a Ref to a table", name, v)
						}
					}
				}
				granted := map[string]bool{}
				uploadGot := map[string]bool{}
				var logs, tracing bool
				var siteGrants []string
				secretGrants, sesGrants := 0, 0
				for _, st := range statements(d, f) {
					if st["Effect"] != "Allow" {
						t.Errorf("statement %v: effect %v, want only Allow statements", st["Sid"], st["Effect"])
						continue
					}
					if _, ok := siteBuilderGrants[fmt.Sprint(st["Sid"])]; ok && f.id == "SiteFunction" {
						continue // TestTemplateSiteBuilder
					}
					actions := list(st["Action"])
					service := strings.SplitN(fmt.Sprint(actions[0]), ":", 2)[0]
					for _, a := range actions {
						if !strings.HasPrefix(fmt.Sprint(a), service+":") || strings.Contains(fmt.Sprint(a), "*") {
							t.Errorf("statement %v: action %v, want named actions of one service", st["Sid"], a)
						}
					}
					switch service {
					case "logs":
						logs = true
						if got := fmt.Sprint(slices.Sorted(slices.Values(strs(actions)))); got != "[logs:CreateLogStream logs:PutLogEvents]" {
							t.Errorf("statement %v: logs actions %v, want CreateLogStream and PutLogEvents", st["Sid"], got)
						}
						if got, wantRes := fmt.Sprint(st["Resource"]), "${"+f.logGroup+".Arn}"; got != wantRes {
							t.Errorf("statement %v: logs on %v, want only its own log group %s", st["Sid"], got, wantRes)
						}
					case "xray":
						tracing = true
						if !slices.Equal(slices.Sorted(slices.Values(strs(actions))), tracingActions) || st["Resource"] != "*" {
							t.Errorf("statement %v: %v on %v, want %v on *", st["Sid"], actions, st["Resource"], tracingActions)
						}
					case "dynamodb":
						for _, a := range actions {
							if !used[fmt.Sprint(a)] {
								t.Errorf("statement %v grants %s, which functions/dynamo never calls", st["Sid"], a)
							}
						}
						for _, r := range list(st["Resource"]) {
							m := tableARN.FindStringSubmatch(fmt.Sprint(r))
							if m == nil {
								t.Errorf("statement %v: resource %q, want a table ARN or one of its indexes", st["Sid"], r)
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
					case "s3":
						if res := fmt.Sprint(st["Resource"]); strings.HasPrefix(res, "${UploadsBucket.Arn}") {
							checkUploadGrant(t, f, st, res, uploadGot)
							continue
						}
						// S3 grants: reading single files of the published site from its bucket
						// (the frame of the API's pages, the events), for a function told the bucket.
						got := fmt.Sprint(st["Resource"])
						file, ok := strings.CutPrefix(got, "${SiteBucket.Arn}/")
						if !ok || !slices.Contains(siteFiles[f.id], file) {
							t.Errorf("statement %v: s3 on %v, want one of the site's files the function reads %v", st["Sid"], got, siteFiles[f.id])
						}
						if len(actions) != 1 || actions[0] != "s3:GetObject" {
							t.Errorf("statement %v on %s grants %v, want only s3:GetObject", st["Sid"], file, actions)
						}
						if f.env["SITE_BUCKET"] != "${SiteBucket}" {
							t.Errorf("statement %v grants %s, but SITE_BUCKET is %q, want !Ref SiteBucket", st["Sid"], file, f.env["SITE_BUCKET"])
						}
						siteGrants = append(siteGrants, file)
					case "secretsmanager":
						// A Secrets Manager grant: reading the one secret a variable of secretEnv
						// names (the console's client secret, the SMTP relay's password), no other,
						// no wildcard.
						got := fmt.Sprint(st["Resource"])
						named := slices.ContainsFunc(secretEnv, func(v string) bool { return f.env[v] != "" && f.env[v] == got })
						if !named || !strings.HasPrefix(got, "arn:"+s.partition()+":secretsmanager:") || strings.ContainsAny(got, "*?") {
							t.Errorf("statement %v: secretsmanager on %v, want only the secret one of %v names", st["Sid"], got, secretEnv)
						}
						if len(actions) != 1 || actions[0] != "secretsmanager:GetSecretValue" {
							t.Errorf("statement %v on a secret grants %v, want only secretsmanager:GetSecretValue", st["Sid"], actions)
						}
						secretGrants++
					case "ses":
						// The one SES grant: sending through the identity of MAIL_FROM's domain in
						// this region, the one SES_IDENTITY_ARN names; never another identity or
						// a wildcard, never SES anywhere in China (no SES there).
						_, domain, _ := strings.Cut(f.env["MAIL_FROM"], "@")
						want := "arn:" + s.partition() + ":ses:" + s.region + ":123456789012:identity/" + domain
						if got := fmt.Sprint(st["Resource"]); got != want || f.env["SES_IDENTITY_ARN"] != want || s.china {
							t.Errorf("statement %v: ses on %v (SES_IDENTITY_ARN %q), want only %s, outside China", st["Sid"], got, f.env["SES_IDENTITY_ARN"], want)
						}
						if len(actions) != 1 || actions[0] != "ses:SendEmail" {
							t.Errorf("statement %v grants %v, want only ses:SendEmail (SES v2's SendEmail, raw content included)", st["Sid"], actions)
						}
						sesGrants++
					default:
						t.Errorf("statement %v grants %v: a function's role holds logs, X-Ray, DynamoDB, S3 reads of the site's files, its secrets and SES sending only", st["Sid"], actions)
					}
				}
				if !logs {
					t.Errorf("no statement lets the function write its own log group")
				}
				if tracing == s.china {
					t.Errorf("X-Ray permissions %v, want %v (active tracing outside China only)", tracing, !s.china)
				}
				if wantMode := map[bool]string{false: "Active", true: "PassThrough"}[s.china]; f.props["Tracing"] != wantMode {
					t.Errorf("Tracing = %v, want %s", f.props["Tracing"], wantMode)
				}
				if got, wantL := slices.Sorted(maps.Keys(granted)), slices.Sorted(maps.Keys(want)); !slices.Equal(got, wantL) {
					t.Errorf("policy grants tables %v, want exactly the tables the function is given: %v", got, wantL)
				}
				slices.Sort(siteGrants)
				wantFiles := slices.Sorted(slices.Values(siteFiles[f.id]))
				if _, readsBucket := f.env["SITE_BUCKET"]; f.id != "SiteFunction" && (!slices.Equal(siteGrants, wantFiles) || readsBucket != (len(wantFiles) > 0)) {
					t.Errorf("policy grants the site's files %v and the function is given SITE_BUCKET: %v; want one grant of each file it reads %v, and the bucket exactly then", siteGrants, readsBucket, wantFiles)
				}
				secretsNamed := 0
				for _, v := range secretEnv {
					if f.env[v] != "" {
						secretsNamed++
					}
				}
				if secretGrants != secretsNamed {
					t.Errorf("policy grants a secret %d times; the function is given %d of %v; want one grant for each", secretGrants, secretsNamed, secretEnv)
				}
				if sends := f.env["SES_IDENTITY_ARN"] != ""; (sesGrants == 1) != sends || sesGrants > 1 {
					t.Errorf("policy grants SES %d times; the function is given SES_IDENTITY_ARN: %v; want one grant exactly when it is", sesGrants, sends)
				}
				if got, want := slices.Sorted(maps.Keys(uploadGot)), slices.Sorted(maps.Keys(uploadGrants[f.id])); !slices.Equal(got, want) {
					t.Errorf("grants on the uploads bucket %v, want %v", got, want)
				}
			})
		}
	}
}

// checkTrust checks that only Lambda may assume a function's role, and that the role has
// no managed policies (AWSLambdaBasicExecutionRole would let it write every log group).
func checkTrust(t *testing.T, d *deployed, role string) {
	t.Helper()
	props := dig(d.raw, "Resources", role, "Properties")
	for _, st := range list(dig(props, "AssumeRolePolicyDocument", "Statement")) {
		if dig(st, "Principal", "Service") != "lambda.amazonaws.com" || dig(st, "Action") != "sts:AssumeRole" || dig(st, "Effect") != "Allow" {
			t.Errorf("%s trusts %v for %v, want only lambda.amazonaws.com to assume it", role, dig(st, "Principal"), dig(st, "Action"))
		}
	}
	if m := dig(props, "ManagedPolicyArns"); m != nil {
		t.Errorf("%s has managed policies %v, want inline statements only", role, m)
	}
}

func strs(v []any) []string {
	out := make([]string, len(v))
	for i, e := range v {
		out[i] = fmt.Sprint(e)
	}
	return out
}

// TestTemplatePublicFunctionCannotTouchMembersOrDues: the public function reaches no dues,
// and of the members table only what a registration's certificate check and the public
// certificate lookup read: GetItem of a member item (partition MEMBER) restricted to its
// key and the attributes of membership.VerificationFields (never the contact, which only
// the secretariat sees). The grant's recorder cannot tell this, since the secretariat's
// function reads whole members from the same table.
func TestTemplatePublicFunctionCannotTouchMembersOrDues(t *testing.T) {
	d := load(t, global)
	want := []string{"pk", "sk"}
	for _, f := range membership.VerificationFields {
		if top, _, _ := strings.Cut(f, "."); !slices.Contains(want, top) {
			want = append(want, top)
		}
	}
	slices.Sort(want)
	for _, f := range functions(t, d) {
		if f.id != "ApplyFunction" {
			continue
		}
		for _, st := range statements(d, f) {
			for _, r := range list(st["Resource"]) {
				res := fmt.Sprint(r)
				if strings.Contains(res, "DuesTable") {
					t.Errorf("ApplyFunction statement %v reaches %s, want no access to dues", st["Sid"], res)
				}
				if strings.Contains(res, "MembersTable") {
					keys := fmt.Sprint(dig(st, "Condition", "ForAllValues:StringLike", "dynamodb:LeadingKeys"))
					attrs := strs(list(dig(st, "Condition", "ForAllValues:StringEquals", "dynamodb:Attributes")))
					if fmt.Sprint(list(st["Action"])) != "[dynamodb:GetItem]" || keys != "[MEMBER]" || !slices.Equal(slices.Sorted(slices.Values(attrs)), want) {
						t.Errorf("ApplyFunction statement %v on the members table: %v on keys %s, attributes %v; want GetItem of MEMBER items, attributes %v",
							st["Sid"], st["Action"], keys, attrs, want)
					}
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
	// Every table has a throttling alarm, and every table whose items do not expire (the
	// register: no TTL) is in the backup plan, whose copies outlive point-in-time recovery.
	watched := alarmWatches(d)
	backedUp := backupSelections(t, d)
	for _, def := range defs {
		id := tableLogicalID(def.Logical)
		for _, metric := range []string{"ReadThrottleEvents", "WriteThrottleEvents"} {
			if !watched["AWS/DynamoDB "+metric+" TableName=${"+id+"}"] {
				t.Errorf("%s: no alarm on its %s", id, metric)
			}
		}
		if got, want := backedUp[id], def.TTLAttribute == ""; got != want {
			t.Errorf("%s: in the backup selection %v, want %v (tables without TTL hold the register)", id, got, want)
		}
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
				if dig(ev, "Type") == "ScheduleV2" {
					checkSweepSchedule(t, f, name, ev)
					continue
				}
				if f.id == "SiteFunction" && dig(ev, "Type") == "DynamoDB" {
					continue // the members table's stream: TestTemplateSiteBuilder
				}
				if want, ok := schedules[f.id]; ok && dig(ev, "Type") == "Schedule" {
					if got := dig(ev, "Properties", "Schedule"); got != want {
						t.Errorf("event %s: schedule %v, want %s", name, got, want)
					}
					continue
				}
				if dig(ev, "Type") != "HttpApi" {
					t.Errorf("event %s has type %v, want HttpApi (or, for %v, one Schedule)", name, dig(ev, "Type"), slices.Sorted(maps.Keys(schedules)))
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

// TestMakeDeploy checks what `make deploy` and `make edge` would run (make -n: nothing runs):
// the change set shown for confirmation, the stack policy and termination protection on
// every stack, the us-east-1 stack with the distribution to watch (global only), the China
// template without CloudFront, the sources published and the site builder invoked (which
// builds the site with the register and publishes it).
func TestMakeDeploy(t *testing.T) {
	protect := []string{"set-stack-policy", "file://functions/deploy/stack-policy.json", "--enable-termination-protection"}
	tests := []struct {
		args         []string
		want, absent []string
	}{
		{[]string{"deploy", "REGION=ap-east-1"},
			append([]string{"--template-file template.yaml", "--region ap-east-1", "--confirm-changeset", "publish --sources-only --region ap-east-1",
				"aws lambda invoke --region ap-east-1", "SiteFunctionName",
				"--template-file functions/deploy/edge.yaml", "--stack-name alliance-test-edge --region us-east-1", "DistributionId="}, protect...),
			[]string{"template-cn"}},
		{[]string{"deploy", "REGION=cn-north-1"},
			append([]string{"--template-file bin/template-cn.yaml", "--region cn-north-1", "--confirm-changeset", "publish --sources-only --region cn-north-1", "SiteBucketName",
				"aws lambda invoke --region cn-north-1", "SiteFunctionName"}, protect...),
			[]string{"--distribution", "DistributionId", "edge.yaml", "us-east-1"}},
		{[]string{"edge", "ALARM_EMAIL=ops@example.org"},
			append([]string{"--template-file functions/deploy/edge.yaml", "--stack-name alliance-test-edge --region us-east-1", "--confirm-changeset", "AlarmEmail=ops@example.org",
				"--region us-east-1 --stack-name alliance-test-edge"}, protect...),
			[]string{"template.yaml"}},
	}
	for _, tt := range tests {
		args := append([]string{"-n", "--no-print-directory", "-C", root(t), "STACK=alliance-test"}, tt.args...)
		out, err := exec.Command("make", args...).CombinedOutput()
		if err != nil {
			t.Fatalf("make %v: %v\n%s", tt.args, err, out)
		}
		for _, w := range tt.want {
			if !strings.Contains(string(out), w) {
				t.Errorf("make %v runs\n%s\nwant it to contain %q", tt.args, out, w)
			}
		}
		for _, a := range tt.absent {
			if strings.Contains(string(out), a) {
				t.Errorf("make %v runs\n%s\nwant no %q", tt.args, out, a)
			}
		}
	}
}

// TestTemplateCORS: API Gateway answers preflights with exactly the methods the routes use
// and the headers and exposed headers the handlers themselves allow (the handlers answer
// the same preflight in `alliance serve`).
func TestTemplateCORS(t *testing.T) {
	const origin = "https://www.example.org"
	handlers := map[string]http.Handler{
		"ApplyFunction": httpapi.NewPublic(httpapi.PublicConfig{SiteOrigin: origin}),
		"AdminFunction": httpapi.NewAdmin(httpapi.AdminConfig{SiteOrigin: origin}),
	}
	methods, headers, expose := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for id, routes := range routeLists {
		if len(routes) == 0 {
			continue // a function run by its schedule
		}
		h, ok := handlers[id]
		if !ok && len(routes) > 0 {
			t.Fatalf("no handler for %s in this test", id)
		}
		for _, rt := range routes {
			methods[rt.Method] = true
			r := httptest.NewRequest(http.MethodOptions, examplePath(rt.Pattern), nil)
			r.Header.Set("Origin", origin)
			r.Header.Set("Access-Control-Request-Method", rt.Method)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			for _, v := range strings.Split(w.Header().Get("Access-Control-Allow-Headers"), ",") {
				headers[strings.ToLower(strings.TrimSpace(v))] = true
			}
			for _, v := range strings.Split(w.Header().Get("Access-Control-Expose-Headers"), ",") {
				expose[strings.ToLower(strings.TrimSpace(v))] = true
			}
			if am := w.Header().Get("Access-Control-Allow-Methods"); !strings.Contains(am, rt.Method) {
				t.Errorf("%s preflight of %s allows %q", id, rt, am)
			}
		}
	}
	delete(headers, "")
	delete(expose, "")
	for _, s := range []scenario{scenarios[0], scenarios[2]} {
		d := load(t, s)
		for id, api := range resourcesOfType(d, "AWS::Serverless::HttpApi") {
			cors := dig(api, "CorsConfiguration")
			for _, c := range []struct {
				key  string
				want map[string]bool
			}{{"AllowMethods", methods}, {"AllowHeaders", headers}, {"ExposeHeaders", expose}} {
				got := strs(list(dig(cors, c.key)))
				for i := range got {
					if c.key != "AllowMethods" {
						got[i] = strings.ToLower(got[i])
					}
				}
				slices.Sort(got)
				if want := slices.Sorted(maps.Keys(c.want)); !slices.Equal(got, want) {
					t.Errorf("%s: %s CORS %s = %v, want %v", s.name, id, c.key, got, want)
				}
			}
		}
	}
}

// TestTemplateConsole checks what the console needs in each scenario: the
// secretariat function knows where browsers reach the API (API_ORIGIN, the
// sign-in's redirect URI), and the output names the URI to register; it is
// told which Secrets Manager secret holds its client secret, only when one is
// named, and never the value; CORS lets the site's origin send the session
// cookie; and in China the API gets its own domain beside the site's, mapped
// to the HTTP API and without the origin secret, only when asked for.
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
			// The function reads the secret itself (TestTemplatePolicies checks the one grant):
			// never its value in the configuration, where every reader of the function sees it.
			if got, want := admin.env["OIDC_CLIENT_SECRET_ARN"], s.params["OidcClientSecretArn"]; got != want {
				t.Errorf("OIDC_CLIENT_SECRET_ARN = %q, want the OidcClientSecretArn parameter %q", got, want)
			}
			for name, v := range admin.env {
				if strings.Contains(v, "{{resolve:secretsmanager:") && name != "ORIGIN_VERIFY_SECRET" {
					t.Errorf("%s = %q: a secret's value in the function's configuration", name, v)
				}
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
			// The API's own domain is not behind CloudFront: nothing there adds the origin secret.
			for _, f := range functions(t, d) {
				if _, ok := f.env["ORIGIN_VERIFY_SECRET"]; ok && len(domains) > 0 {
					t.Errorf("%s checks the CloudFront origin secret, which requests to %s do not carry", f.id, s.params["ApiDomain"])
				}
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

// checkUploadGrant checks one statement on the uploads bucket against uploadGrants: the
// resource and its actions exactly, the listing only under the function's prefixes, and
// the function told the bucket.
func checkUploadGrant(t *testing.T, f function, st map[string]any, res string, got map[string]bool) {
	t.Helper()
	want, ok := uploadGrants[f.id][res]
	if actions := slices.Sorted(slices.Values(strs(list(st["Action"])))); !ok || !slices.Equal(actions, want) {
		t.Errorf("statement %v: %v on %s, want %v (uploadGrants)", st["Sid"], actions, res, want)
	}
	if got[res] {
		t.Errorf("statement %v: %s granted twice", st["Sid"], res)
	}
	got[res] = true
	cond := fmt.Sprint(st["Condition"])
	if res == "${UploadsBucket.Arn}" {
		prefixes := strs(list(dig(st, "Condition", "StringLike", "s3:prefix")))
		if !slices.Equal(prefixes, uploadPrefixes[f.id]) || len(st["Condition"].(map[string]any)) != 1 {
			t.Errorf("statement %v: lists versions on condition %s, want only under %v", st["Sid"], cond, uploadPrefixes[f.id])
		}
	} else if st["Condition"] != nil {
		t.Errorf("statement %v: condition %s on objects, want none", st["Sid"], cond)
	}
	if f.env["UPLOADS_BUCKET"] != "${UploadsBucket}" {
		t.Errorf("statement %v grants the uploads bucket, but UPLOADS_BUCKET is %q, want !Ref UploadsBucket", st["Sid"], f.env["UPLOADS_BUCKET"])
	}
}

// sweepFunction is the one function a schedule invokes: the admin function runs the
// retention sweep (backoffice.Service.Sweep) when invoked with sweepInput.
const (
	sweepFunction = "AdminFunction"
	sweepInput    = `{"sweep": "retention"}`
)

// checkSweepSchedule checks the retention sweep's schedule: on the admin function only,
// daily in Beijing time, with the input its main reads.
func checkSweepSchedule(t *testing.T, f function, name string, ev any) {
	t.Helper()
	if f.id != sweepFunction {
		t.Errorf("event %s: a schedule on %s, want schedules on %s only", name, f.id, sweepFunction)
	}
	if got := dig(ev, "Properties", "Input"); got != sweepInput {
		t.Errorf("event %s: input %v, want %s (what functions/admin/main.go reads)", name, got, sweepInput)
	}
	if got := fmt.Sprint(dig(ev, "Properties", "ScheduleExpression")); !strings.HasPrefix(got, "cron(") || dig(ev, "Properties", "ScheduleExpressionTimezone") != "Asia/Shanghai" {
		t.Errorf("event %s: schedule %s in %v, want a daily cron in Asia/Shanghai", name, got, dig(ev, "Properties", "ScheduleExpressionTimezone"))
	}
}
