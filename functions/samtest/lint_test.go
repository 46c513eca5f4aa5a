package samtest

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// globalRegions are the regions template.yaml is linted for: us-east-1 and the Asian and
// European regions a deployment for mainland visitors would choose (ap-east-1 lacks some
// resource types others have, such as AWS::Budgets::Budget).
var globalRegions = []string{"us-east-1", "ap-east-1", "ap-northeast-1", "ap-southeast-1", "eu-central-1"}

// TestCfnLint runs cfn-lint, with its informational checks, on every template against the
// resource specifications of the regions it deploys to: template.yaml (global), the China
// variant (Beijing, Ningxia) and the us-east-1 stack. It is skipped, saying so, where
// cfn-lint is not installed.
func TestCfnLint(t *testing.T) {
	bin, err := exec.LookPath("cfn-lint")
	if err != nil {
		t.Skip("cfn-lint is not installed (pipx install cfn-lint): the templates were not linted")
	}
	tests := []struct {
		name, file string
		regions    []string
	}{
		{"template.yaml", templateFile(t, false), globalRegions},
		{"template-cn.yaml", templateFile(t, true), []string{"cn-north-1", "cn-northwest-1"}},
		{"edge.yaml", filepath.Join(root(t), edgeTemplate), []string{"us-east-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"--include-checks", "I", "--regions"}, tt.regions...)
			args = append(args, "--", tt.file)
			out, err := exec.Command(bin, args...).CombinedOutput()
			if err != nil {
				t.Errorf("cfn-lint %s: %v\n%s", strings.Join(args, " "), err, out)
			}
		})
	}
}
