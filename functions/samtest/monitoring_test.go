package samtest

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// alarmWatches returns what the template's alarms watch, each as "Namespace MetricName
// Dim=Value …" (dimensions sorted), whether the alarm reads one metric or several in a
// metric math expression.
func alarmWatches(d *deployed) map[string]bool {
	out := map[string]bool{}
	add := func(namespace, name any, dims any) {
		var parts []string
		for _, dm := range list(dims) {
			parts = append(parts, fmt.Sprintf("%v=%v", dig(dm, "Name"), dig(dm, "Value")))
		}
		slices.Sort(parts)
		out[strings.TrimSpace(fmt.Sprintf("%v %v %s", namespace, name, strings.Join(parts, " ")))] = true
	}
	for _, a := range resourcesOfType(d, "AWS::CloudWatch::Alarm") {
		if a["MetricName"] != nil {
			add(a["Namespace"], a["MetricName"], a["Dimensions"])
		}
		for _, m := range list(a["Metrics"]) {
			if metric := dig(m, "MetricStat", "Metric"); metric != nil {
				add(dig(metric, "Namespace"), dig(metric, "MetricName"), dig(metric, "Dimensions"))
			}
		}
	}
	return out
}

// checkAlarmsNotify checks that every alarm notifies the AlarmTopic, and that the topic
// mails AlarmEmail.
func checkAlarmsNotify(t *testing.T, d *deployed) {
	t.Helper()
	for id, a := range resourcesOfType(d, "AWS::CloudWatch::Alarm") {
		if !slices.Contains(list(a["AlarmActions"]), any("${AlarmTopic}")) {
			t.Errorf("%s notifies %v, want the AlarmTopic", id, a["AlarmActions"])
		}
	}
	var mailed bool
	for _, sub := range resourcesOfType(d, "AWS::SNS::Subscription") {
		if sub["TopicArn"] == "${AlarmTopic}" && sub["Protocol"] == "email" && sub["Endpoint"] == required["AlarmEmail"] {
			mailed = true
		}
	}
	if !mailed {
		t.Errorf("no e-mail subscription of AlarmEmail to the AlarmTopic")
	}
}

// TestTemplateAlarms: every function has alarms on its errors, throttles and p99 duration;
// every function's log group counts its level=ERROR lines into a metric an alarm watches;
// the API has a 5xx-rate alarm; all notify the topic AlarmEmail is subscribed to.
func TestTemplateAlarms(t *testing.T) {
	for _, s := range []scenario{scenarios[0], scenarios[2]} {
		t.Run(s.name, func(t *testing.T) {
			d := load(t, s)
			watched := alarmWatches(d)
			alarms := resourcesOfType(d, "AWS::CloudWatch::Alarm")
			for _, f := range functions(t, d) {
				for _, metric := range []string{"Errors", "Throttles", "Duration"} {
					if !watched["AWS/Lambda "+metric+" FunctionName=${"+f.id+"}"] {
						t.Errorf("%s: no alarm on its %s", f.id, metric)
					}
				}
				var p99 bool
				for _, a := range alarms {
					if a["MetricName"] == "Duration" && fmt.Sprint(a["Dimensions"]) == fmt.Sprint([]any{map[string]any{"Name": "FunctionName", "Value": "${" + f.id + "}"}}) {
						p99 = a["ExtendedStatistic"] == "p99"
					}
				}
				if !p99 {
					t.Errorf("%s: its duration alarm does not watch p99", f.id)
				}
				var counted bool
				for _, mf := range resourcesOfType(d, "AWS::Logs::MetricFilter") {
					if mf["LogGroupName"] != "${"+f.logGroup+"}" || mf["FilterPattern"] != `{ $.level = "ERROR" }` {
						continue
					}
					for _, tr := range list(mf["MetricTransformations"]) {
						counted = counted || watched[fmt.Sprintf("%v %v", dig(tr, "MetricNamespace"), dig(tr, "MetricName"))]
					}
				}
				if !counted {
					t.Errorf("%s: no level=ERROR metric filter on %s feeding an alarm", f.id, f.logGroup)
				}
			}
			for id := range d.GetAllServerlessHttpApiResources() {
				if !watched["AWS/ApiGateway 5xx ApiId=${"+id+"}"] || !watched["AWS/ApiGateway Count ApiId=${"+id+"}"] {
					t.Errorf("%s: no alarm on its 5xx rate (5xx and Count)", id)
				}
			}
			checkAlarmsNotify(t, d)
		})
	}
}

// accessLogVariables are the $context variables an access log line may hold: none of them
// personal (no address, user agent or claims) and no raw path (it holds application
// numbers); the route key names the route's pattern instead.
var accessLogVariables = []string{
	"apiId", "error.message", "httpMethod", "integrationErrorMessage", "integrationLatency", "integrationStatus",
	"protocol", "requestId", "requestTime", "requestTimeEpoch", "responseLatency", "responseLength", "routeKey", "stage", "status",
}

func TestTemplateAccessLogs(t *testing.T) {
	for _, s := range []scenario{scenarios[0], scenarios[2]} {
		d := load(t, s)
		for id, api := range resourcesOfType(d, "AWS::Serverless::HttpApi") {
			t.Run(s.name+"/"+id, func(t *testing.T) {
				// The ARN of a log group of the template, without the ":*" of its Arn attribute.
				arn := fmt.Sprintf(`^arn:%s:logs:%s:123456789012:log-group:\$\{(\w+)\}$`, s.partition(), s.region)
				m := regexp.MustCompile(arn).FindStringSubmatch(fmt.Sprint(dig(api, "AccessLogSettings", "DestinationArn")))
				if m == nil || resourceType(d, m[1]) != "AWS::Logs::LogGroup" {
					t.Errorf("access logs go to %v, want a log group of the template", dig(api, "AccessLogSettings", "DestinationArn"))
				}
				format := fmt.Sprint(dig(api, "AccessLogSettings", "Format"))
				var fields map[string]string
				if err := json.Unmarshal([]byte(format), &fields); err != nil {
					t.Fatalf("access log format %q is not a JSON object of strings: %v", format, err)
				}
				seen := map[string]bool{}
				for k, v := range fields {
					name, ok := strings.CutPrefix(v, "$context.")
					if !ok || !slices.Contains(accessLogVariables, name) {
						t.Errorf("access log field %s = %q, want one of $context.%v", k, v, accessLogVariables)
					}
					seen[name] = true
				}
				for _, need := range []string{"requestId", "routeKey", "status", "responseLatency", "integrationErrorMessage"} {
					if !seen[need] {
						t.Errorf("access log format has no $context.%s", need)
					}
				}
			})
		}
	}
}

// TestTemplateLogGroups: every log group (functions', the API's access logs) keeps its lines
// a year or more and outlives the stack and a replacement.
func TestTemplateLogGroups(t *testing.T) {
	for _, s := range []scenario{scenarios[0], scenarios[2]} {
		d := load(t, s)
		groups := resourcesOfType(d, "AWS::Logs::LogGroup")
		if len(groups) == 0 {
			t.Fatalf("%s: no log groups", s.name)
		}
		for id, g := range groups {
			if n, _ := g["RetentionInDays"].(float64); n < 365 {
				t.Errorf("%s: %s keeps logs %v days, want a retention of at least 365", s.name, id, g["RetentionInDays"])
			}
			r := dig(d.raw, "Resources", id)
			if dig(r, "DeletionPolicy") != "Retain" || dig(r, "UpdateReplacePolicy") != "Retain" {
				t.Errorf("%s: %s DeletionPolicy %v, UpdateReplacePolicy %v, want Retain, Retain", s.name, id, dig(r, "DeletionPolicy"), dig(r, "UpdateReplacePolicy"))
			}
		}
	}
}

// TestTemplateBudget: one monthly cost budget per layout, warning AlarmEmail: in the China
// stack (CNY), and for the global layout in the us-east-1 stack (USD), since the main stack
// may sit in a region without AWS::Budgets::Budget.
func TestTemplateBudget(t *testing.T) {
	cases := []struct {
		s        scenario
		want     int
		currency string
	}{
		{scenarios[0], 0, ""},
		{scenarios[2], 1, "CNY"},
		{edgeScenarios[0], 1, "USD"},
	}
	for _, c := range cases {
		d := load(t, c.s)
		budgets := resourcesOfType(d, "AWS::Budgets::Budget")
		if len(budgets) != c.want {
			t.Errorf("%s: %d budgets, want %d", c.s.name, len(budgets), c.want)
		}
		for id, b := range budgets {
			if dig(b, "Budget", "BudgetType") != "COST" || dig(b, "Budget", "TimeUnit") != "MONTHLY" || dig(b, "Budget", "BudgetLimit", "Unit") != c.currency {
				t.Errorf("%s: %s = %v, want a monthly cost budget in %s", c.s.name, id, b["Budget"], c.currency)
			}
			var kinds []string
			for _, n := range list(b["NotificationsWithSubscribers"]) {
				for _, sub := range list(dig(n, "Subscribers")) {
					if dig(sub, "Address") == required["AlarmEmail"] {
						kinds = append(kinds, fmt.Sprint(dig(n, "Notification", "NotificationType")))
					}
				}
			}
			slices.Sort(kinds)
			if !slices.Equal(kinds, []string{"ACTUAL", "FORECASTED"}) {
				t.Errorf("%s: %s mails AlarmEmail on %v, want ACTUAL and FORECASTED", c.s.name, id, kinds)
			}
		}
	}
	// The China template's "#cn " lines are its only China-only text: none left commented.
	for _, line := range strings.Split(string(mustRead(t, templateFile(t, true))), "\n") {
		if regexp.MustCompile(`^\s*#cn `).MatchString(line) {
			t.Errorf("template-cn.yaml still has a commented China-only line: %q", line)
		}
	}
}
