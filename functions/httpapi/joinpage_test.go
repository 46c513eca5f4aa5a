package httpapi

import (
	"os"
	"regexp"
	"slices"
	"testing"

	"github.com/smelisting/alliance/functions/events"
	"github.com/smelisting/alliance/functions/membership"
)

// TestJoinPageMatchesForm checks that the site's join form (templates/join.html) uses
// the control names the form handler reads and offers exactly the domain's choices.
func TestJoinPageMatchesForm(t *testing.T) {
	b, err := os.ReadFile("../../templates/join.html")
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	names := map[string]bool{}
	for _, m := range regexp.MustCompile(`name="([a-z_]+)"`).FindAllStringSubmatch(page, -1) {
		names[m[1]] = true
	}
	want := map[string]bool{"privacy_version": true, "idempotency_key": true, "website": true}
	for _, f := range formFields(nil) {
		want[f.Name] = true
	}
	for n := range want {
		if !names[n] {
			t.Errorf("join.html has no control named %q, want one (the handler reads it)", n)
		}
	}
	for n := range names {
		if !want[n] {
			t.Errorf("join.html has a control named %q that the handler does not read", n)
		}
	}

	values := func(choices []membership.Choice) []string {
		var v []string
		for _, c := range choices {
			v = append(v, c.Value)
		}
		return v
	}
	optionRE := regexp.MustCompile(`<option(?: value="([^"]*)")?>([^<]*)</option>`)
	selectValues := func(name string) []string {
		m := regexp.MustCompile(`(?s)<select[^>]*name="` + name + `"[^>]*>(.*?)</select>`).FindStringSubmatch(page)
		if m == nil {
			t.Errorf("join.html has no select %q", name)
			return nil
		}
		var v []string
		for _, o := range optionRE.FindAllStringSubmatch(m[1], -1) {
			val := o[2]
			if o[0] != "<option>"+o[2]+"</option>" {
				val = o[1]
			}
			if val != "" {
				v = append(v, val)
			}
		}
		return v
	}
	inputValues := func(name string) []string {
		var v []string
		for _, m := range regexp.MustCompile(`name="`+name+`" value="([^"]*)"`).FindAllStringSubmatch(page, -1) {
			v = append(v, m[1])
		}
		return v
	}
	tests := []struct {
		name string
		got  []string
		want []string
	}{
		{"type", inputValues("type"), values(membership.MemberTypes)},
		{"representative_kind", selectValues("representative_kind"), values(membership.RepresentativeKinds)},
		{"specialised", selectValues("specialised"), values(membership.SpecialisedStatuses)},
		{"listing_board", selectValues("listing_board"), values(membership.ListingBoards)},
		{"region", selectValues("region"), membership.Regions},
		{"services", inputValues("services"), values(membership.Services)},
	}
	for _, tt := range tests {
		if !slices.Equal(tt.got, tt.want) {
			t.Errorf("join.html choices of %s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

// TestSiteNoticeVersionIsKnown checks that the privacy notice version the site's join form
// sends (content/config.yaml) is one the API accepts.
func TestSiteNoticeVersionIsKnown(t *testing.T) {
	b, err := os.ReadFile("../../content/config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^privacyNoticeVersion:\s*"?([^"\s]+)"?\s*$`).FindSubmatch(b)
	if m == nil {
		t.Fatal("content/config.yaml has no privacyNoticeVersion")
	}
	if got := string(m[1]); !slices.Contains(membership.PrivacyNoticeVersions, got) {
		t.Errorf("content/config.yaml privacyNoticeVersion = %q, want one of membership.PrivacyNoticeVersions %v", got, membership.PrivacyNoticeVersions)
	}
}

// TestSiteEventNoticeVersionIsKnown checks that the privacy notice version the event
// registration form sends (content/config.yaml) is one the API accepts.
func TestSiteEventNoticeVersionIsKnown(t *testing.T) {
	b, err := os.ReadFile("../../content/config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^eventPrivacyNoticeVersion:\s*"?([^"\s]+)"?\s*$`).FindSubmatch(b)
	if m == nil {
		t.Fatal("content/config.yaml has no eventPrivacyNoticeVersion")
	}
	if got := string(m[1]); !slices.Contains(events.PrivacyNoticeVersions, got) {
		t.Errorf("content/config.yaml eventPrivacyNoticeVersion = %q, want one of events.PrivacyNoticeVersions %v", got, events.PrivacyNoticeVersions)
	}
}
