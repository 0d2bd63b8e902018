package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/slabot/slabot/connectors/jira/jirasim"
)

// Issue 25: "check says 'create a custom field ... and add it to the
// screens' without naming slabot setup, and its totals line disagreed
// with the lines it printed (4 site problems after 7 FAIL lines)". Three
// missing fields and a channel without the bot: every problem is a FAIL
// line, the totals line counts them, and the field advice names setup.
func TestCheckTotalsCountFailLines(t *testing.T) {
	dropped := map[string]bool{"Reaction due": true, "Resolution due": true, "Reaction SLA": true}
	newTestSites(t, func(seed *jirasim.Seed) {
		var kept []jirasim.Field
		for _, f := range seed.Fields {
			if !dropped[f.Name] {
				kept = append(kept, f)
			}
		}
		if len(kept) != len(seed.Fields)-len(dropped) {
			t.Fatalf("the seed lacks some of %v", dropped)
		}
		seed.Fields = kept
		for _, p := range seed.Projects {
			seed.Issues = append(seed.Issues, jirasim.Issue{Project: p.Key, Type: "Question", Summary: "x", Reporter: jirasim.BotAccountID, Priority: "Medium"})
		}
	}, "#hydra-leads")
	code, out, errs := runCLI(t, "check", "--policies", "../../deploy/policies")
	if code != exitSite {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	fails, warns := 0, 0
	for _, l := range strings.Split(errs, "\n") {
		switch {
		case strings.HasPrefix(l, "FAIL"):
			fails++
		case strings.HasPrefix(l, "warn"):
			warns++
		}
	}
	if fails < len(dropped)+1 {
		t.Errorf("%d FAIL lines, want one per missing field and one for the channel:\n%s", fails, errs)
	}
	if want := fmt.Sprintf("%d site problem(s), %d warning(s)", fails, warns); !strings.Contains(errs, want) {
		t.Errorf("%d FAIL lines but not %q:\n%s", fails, want, errs)
	}
	for name := range dropped {
		found := false
		for _, l := range strings.Split(errs, "\n") {
			found = found || strings.HasPrefix(l, "FAIL") && strings.Contains(l, fmt.Sprintf("%q", name)) && strings.Contains(l, "run slabot setup")
		}
		if !found {
			t.Errorf("no FAIL line for %q naming slabot setup:\n%s", name, errs)
		}
	}
}
