package rules_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/slabot/slabot/rules"
)

// FuzzLoad feeds arbitrary bytes to the policy loader: it must return a
// policy or problems, never panic, and a policy it accepts must hold only
// usable values (shares strictly between 0 and 1: "NaN%" once slipped
// through) and must evaluate.
func FuzzLoad(f *testing.F) {
	for _, dir := range []string{filepath.Join("..", "deploy", "policies"), filepath.Join("testdata", "good"), filepath.Join("testdata", "bad")} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
		for _, file := range files {
			if b, err := os.ReadFile(file); err == nil {
				f.Add(b)
			}
		}
	}
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	// A bare issue: the fuzzed policy is under test, and it must cope with
	// an issue Jira gave little about.
	iss := []rules.Issue{{Key: "X-1", Priority: "High", Type: "Bug", Created: now.Add(-time.Hour), Reporter: rules.User{Email: "a@b.example"}}}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := rules.Load("fuzz.yaml", data)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		for _, g := range p.Goals {
			if g.AtRisk != 0 && !(g.AtRisk > 0 && g.AtRisk < 1) {
				t.Fatalf("goal %s accepted with at_risk share %v", g.Name, g.AtRisk)
			}
		}
		for _, st := range p.Ladder.Steps {
			if st.Share != 0 && !(st.Share > 0 && st.Share < 1) {
				t.Fatalf("ladder step %s accepted with share %v", st.At, st.Share)
			}
		}
		rules.Evaluate(p, iss, now, rules.Options{})
	})
}

// FuzzParseDuration: any string parses or fails cleanly, and what parses
// prints back to the same value.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"90m", "4h", "1bd", "2bd4h30m", "", "0m", "1h1h", "bd"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := rules.ParseDuration(s)
		if err != nil {
			return
		}
		back, err := rules.ParseDuration(d.String())
		if err != nil || back != d {
			t.Fatalf("%q -> %v -> %q -> %v, %v", s, d, d.String(), back, err)
		}
	})
}
