package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 25: "the README has no complete example policy or goal (the
// reference is a table of keys)". The README's example policy, extracted
// from the fenced block after its marker, passes `check --offline` with
// no warning.
func TestReadmeExamplePolicyPassesCheck(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const marker = "<!-- example-policy: checked by cmd/slabot/readme_policy_test.go -->\n```yaml\n"
	_, rest, ok := strings.Cut(string(readme), marker)
	if !ok {
		t.Fatalf("README.md has no %q", marker)
	}
	policy, _, ok := strings.Cut(rest, "\n```")
	if !ok || !strings.Contains(policy, "goals:") || !strings.Contains(policy, "ladder:") {
		t.Fatalf("README.md's example policy is not a complete fenced block:\n%s", policy)
	}
	path := filepath.Join(t.TempDir(), "acme.yaml")
	if err := os.WriteFile(path, []byte(policy+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "check", "--offline", path)
	if code != exitOK || errs != "" || !strings.Contains(out, "ok    "+path) {
		t.Errorf("check --offline of the README's example: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
}
