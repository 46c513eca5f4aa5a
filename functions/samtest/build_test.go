package samtest

import (
	"os"
	"os/exec"
	"testing"
)

// buildBootstrap builds functions/<name> the way `make functions` and `sam build` do
// (CGO_ENABLED=0, -tags lambda.norpc, -trimpath, stripped) into out, and returns its size.
func buildBootstrap(t testing.TB, name, goos, goarch, out string) int64 {
	t.Helper()
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-o", out, "./functions/"+name)
	cmd.Dir = root(t)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build functions/%s for %s/%s: %v\n%s", name, goos, goarch, err, b)
	}
	info, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	return info.Size()
}
