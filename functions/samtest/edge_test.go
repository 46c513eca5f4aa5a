package samtest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/smelisting/alliance/functions/httpapi"
)

// edgeTemplate is the global layout's us-east-1 stack (`make edge`).
const edgeTemplate = "functions/deploy/edge.yaml"

// edgeScenarios are the us-east-1 stack before the main stack exists and after.
var edgeScenarios = []scenario{
	{name: "edge, before the main stack", region: "us-east-1", file: edgeTemplate, params: map[string]string{"AlarmEmail": "ops@example.org", "PublicPostRateLimit": "51", "ApiRateLimit": "1001"}},
	{name: "edge, watching the distribution", region: "us-east-1", file: edgeTemplate, params: map[string]string{"AlarmEmail": "ops@example.org", "DistributionId": "E2EXAMPLE12345"}},
}

// webACL returns the one web ACL of the edge stack.
func webACL(t *testing.T, d *deployed) map[string]any {
	t.Helper()
	acls := resourcesOfType(d, "AWS::WAFv2::WebACL")
	if len(acls) != 1 {
		t.Fatalf("%d web ACLs in %s, want 1", len(acls), edgeTemplate)
	}
	for _, acl := range acls {
		return acl
	}
	return nil
}

// resourcesOfType returns the properties of the evaluated template's resources of type typ.
func resourcesOfType(d *deployed, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range d.raw["Resources"].(map[string]any) {
		if dig(r, "Type") == typ {
			props, _ := dig(r, "Properties").(map[string]any)
			out[id] = props
		}
	}
	return out
}

// rateRule returns the rate-based rule of the web ACL whose limit is the parameter param
// (which has a value of its own in the scenario, so that the rules can be told apart).
func rateRule(t *testing.T, d *deployed, acl map[string]any, param string) map[string]any {
	t.Helper()
	for _, r := range list(acl["Rules"]) {
		if fmt.Sprint(dig(r, "Statement", "RateBasedStatement", "Limit")) == fmt.Sprint(d.values[param]) {
			return r.(map[string]any)
		}
	}
	t.Fatalf("no rate-based rule limited by %s (%v) in the web ACL", param, d.values[param])
	return nil
}

// wafMatches evaluates a WAF statement (byte matches on the method or the URI path, And,
// Or, Not) for a request.
func wafMatches(t *testing.T, st any, method, path string) bool {
	t.Helper()
	m, _ := st.(map[string]any)
	switch {
	case m["AndStatement"] != nil:
		for _, s := range list(dig(m, "AndStatement", "Statements")) {
			if !wafMatches(t, s, method, path) {
				return false
			}
		}
		return true
	case m["OrStatement"] != nil:
		for _, s := range list(dig(m, "OrStatement", "Statements")) {
			if wafMatches(t, s, method, path) {
				return true
			}
		}
		return false
	case m["NotStatement"] != nil:
		return !wafMatches(t, dig(m, "NotStatement", "Statement"), method, path)
	case m["ByteMatchStatement"] != nil:
		b := m["ByteMatchStatement"]
		var field string
		switch {
		case dig(b, "FieldToMatch", "Method") != nil:
			field = method
		case dig(b, "FieldToMatch", "UriPath") != nil:
			field = path
		default:
			t.Fatalf("byte match on %v: this test reads only the method and the URI path", dig(b, "FieldToMatch"))
		}
		for _, tr := range list(dig(b, "TextTransformations")) {
			switch dig(tr, "Type") {
			case "NONE":
			case "LOWERCASE":
				field = strings.ToLower(field)
			default:
				t.Fatalf("text transformation %v: not evaluated by this test", dig(tr, "Type"))
			}
		}
		want := fmt.Sprint(dig(b, "SearchString"))
		switch dig(b, "PositionalConstraint") {
		case "EXACTLY":
			return field == want
		case "STARTS_WITH":
			return strings.HasPrefix(field, want)
		case "ENDS_WITH":
			return strings.HasSuffix(field, want)
		case "CONTAINS":
			return strings.Contains(field, want)
		}
		t.Fatalf("positional constraint %v: not evaluated by this test", dig(b, "PositionalConstraint"))
	}
	t.Fatalf("WAF statement %v: not evaluated by this test", st)
	return false
}

// examplePath fills a route pattern's wildcards: /api/applications/{number} →
// /api/applications/x.
func examplePath(pattern string) string {
	var b strings.Builder
	in := false
	for _, r := range pattern {
		switch {
		case r == '{':
			in = true
			b.WriteByte('x')
		case r == '}':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TestEdgeWebACL: the web ACL is for CloudFront, blocks addresses on Amazon's reputation
// list, and limits each address on every public POST route of every function (the routes
// the handlers serve, not a list kept here) and on the whole API, with a JSON 429 the forms
// can show. Admin POSTs fall under the API-wide limit only.
func TestEdgeWebACL(t *testing.T) {
	d := load(t, edgeScenarios[0])
	acl := webACL(t, d)
	if acl["Scope"] != "CLOUDFRONT" {
		t.Errorf("Scope = %v, want CLOUDFRONT (the distribution's web ACL, created in us-east-1)", acl["Scope"])
	}
	if dig(acl, "DefaultAction", "Allow") == nil {
		t.Errorf("DefaultAction = %v, want Allow (the rules block)", acl["DefaultAction"])
	}
	var reputation bool
	for _, r := range list(acl["Rules"]) {
		g := dig(r, "Statement", "ManagedRuleGroupStatement")
		if dig(g, "VendorName") == "AWS" && dig(g, "Name") == "AWSManagedRulesAmazonIpReputationList" {
			reputation = dig(r, "OverrideAction", "None") != nil
		}
	}
	if !reputation {
		t.Errorf("no AWSManagedRulesAmazonIpReputationList rule with its own (blocking) actions")
	}
	public := rateRule(t, d, acl, "PublicPostRateLimit")
	all := rateRule(t, d, acl, "ApiRateLimit")
	for _, r := range []map[string]any{public, all} {
		rb := dig(r, "Statement", "RateBasedStatement")
		if dig(rb, "AggregateKeyType") != "IP" {
			t.Errorf("rule %v counts by %v, want IP", r["Name"], dig(rb, "AggregateKeyType"))
		}
		if fmt.Sprint(dig(r, "Action", "Block", "CustomResponse", "ResponseCode")) != "429" {
			t.Errorf("rule %v answers %v, want a 429", r["Name"], dig(r, "Action"))
		}
		key := fmt.Sprint(dig(r, "Action", "Block", "CustomResponse", "CustomResponseBodyKey"))
		body := fmt.Sprint(dig(acl, "CustomResponseBodies", key, "Content"))
		var e struct {
			Error struct{ Code, Message string }
		}
		if json.Unmarshal([]byte(body), &e) != nil || e.Error.Code != "rate_limited" || e.Error.Message == "" {
			t.Errorf("rule %v answers body %q, want the API's JSON error shape with code rate_limited", r["Name"], body)
		}
	}
	for id, routes := range routeLists {
		for _, rt := range routes {
			path := examplePath(rt.Pattern)
			inPublic := wafMatches(t, dig(public, "Statement", "RateBasedStatement", "ScopeDownStatement"), rt.Method, path)
			inAll := wafMatches(t, dig(all, "Statement", "RateBasedStatement", "ScopeDownStatement"), rt.Method, path)
			wantPublic := rt.Method == "POST" && !strings.HasPrefix(rt.Pattern, "/api/admin/")
			if inPublic != wantPublic {
				t.Errorf("%s %s: in the public POST rate rule %v, want %v", id, rt, inPublic, wantPublic)
			}
			if !inAll {
				t.Errorf("%s %s: not in the API rate rule", id, rt)
			}
		}
	}
	for _, rt := range []httpapi.Route{{Method: "GET", Pattern: "/"}, {Method: "POST", Pattern: "/index.html"}} {
		if wafMatches(t, dig(all, "Statement", "RateBasedStatement", "ScopeDownStatement"), rt.Method, rt.Pattern) {
			t.Errorf("%s: the API rate rule counts the site's pages too", rt)
		}
	}
}

// TestEdgeAlarmAndOutputs: the CloudFront alarm exists once the distribution is known, and
// the outputs are what the main stack's parameters take.
func TestEdgeAlarmAndOutputs(t *testing.T) {
	for _, s := range edgeScenarios {
		t.Run(s.name, func(t *testing.T) {
			d := load(t, s)
			watched := alarmWatches(d)
			want := s.params["DistributionId"] != ""
			got := watched["AWS/CloudFront 5xxErrorRate DistributionId="+s.params["DistributionId"]+" Region=Global"]
			if got != want {
				t.Errorf("alarm on the distribution's 5xx rate %v, want %v", got, want)
			}
			checkAlarmsNotify(t, d)
			for _, o := range []string{"WebAclArn", "AccessLogsBucket"} {
				if dig(d.raw, "Outputs", o, "Value") == nil {
					t.Errorf("output %s missing (the main stack's parameter of that name)", o)
				}
			}
		})
	}
}
