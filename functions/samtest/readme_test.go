package samtest

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadmeGuidedDeploy: the README's Deployment section lists every question `sam deploy
// --guided` asks for either template (samcli/commands/deploy/guided_context.py): its own, one
// per parameter, and "<Function> may not have authorization defined, Is this okay? [y/N]"
// once per API event without Auth (schedules are not asked about), with how many times; a
// "N" there aborts the deployment.
func TestReadmeGuidedDeploy(t *testing.T) {
	readme := string(mustRead(t, filepath.Join(root(t), "README.md")))
	start := strings.Index(readme, "## Deployment")
	end := strings.Index(readme, "### Deployment tests")
	if start < 0 || end < start {
		t.Fatalf("README has no Deployment section ending in Deployment tests")
	}
	section := readme[start:end]
	for _, q := range []string{"Stack Name [sam-app]", "AWS Region", "Confirm changes before deploy [y/N]",
		"Allow SAM CLI IAM role creation [Y/n]", "Disable rollback [y/N]", "Save arguments to configuration file [Y/n]",
		"SAM configuration file [samconfig.toml]", "SAM configuration environment [default]", "Deploy this changeset? [y/N]"} {
		if !strings.Contains(section, "`"+q+"`") {
			t.Errorf("README Deployment does not list the question `%s`", q)
		}
	}
	for _, s := range []scenario{scenarios[0], scenarios[2]} {
		d := load(t, s)
		params, _ := rawTemplate(t, templateFile(t, s.china))["Parameters"].(map[string]any)
		for name := range params {
			if !strings.Contains(section, "`Parameter "+name) {
				t.Errorf("%s: README Deployment does not list the question `Parameter %s`", s.name, name)
			}
		}
		for _, f := range functions(t, d) {
			n := 0
			events, _ := f.props["Events"].(map[string]any)
			for _, ev := range events {
				if dig(ev, "Type") == "HttpApi" && dig(ev, "Properties", "Auth") == nil {
					n++
				}
			}
			q := fmt.Sprintf("`%s may not have authorization defined, Is this okay? [y/N]` (%d times", f.id, n)
			if n > 0 && !strings.Contains(section, q) {
				t.Errorf("README Deployment does not say that SAM asks %s", q+")")
			}
		}
	}
}
