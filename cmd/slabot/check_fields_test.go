package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 10: "slabot check on a policy where two goals name the same field
// exits non-zero naming file:line of both" -- one would overwrite the
// other every cycle.
func TestCheckRefusesOneFieldForTwoGoals(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join("..", "..", "deploy", "policies", "hydra.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	const first, second = "    state_field: Reaction SLA\n", "    state_field: Resolution SLA\n"
	text := strings.Replace(string(src), second, "    state_field: Reaction SLA\n", 1)
	lineOf := func(s string, n int) int { // line of the n-th occurrence of s
		i := -1
		for range n {
			j := strings.Index(text[i+1:], s)
			if j < 0 {
				t.Fatalf("no %q", s)
			}
			i += 1 + j
		}
		return strings.Count(text[:i], "\n") + 1
	}
	path := filepath.Join(dir, "hydra.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "check", "--policies", dir)
	if code == 0 {
		t.Fatalf("two goals writing one field accepted:\n%s", out)
	}
	want := fmt.Sprintf("%s:%d:", path, lineOf(first, 2))
	also := fmt.Sprintf("%s:%d", path, lineOf(first, 1))
	found := false
	for _, l := range strings.Split(errs, "\n") {
		found = found || strings.HasPrefix(l, want) && strings.Contains(l, also) && strings.Contains(l, `"Reaction SLA"`)
	}
	if !found {
		t.Errorf("want a line starting %s naming %s and the field:\n%s", want, also, errs)
	}
}
