package rules_test

import (
	"testing"
	"time"

	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/rulestest"
)

// The rules tests build issues with rulestest, as the report, worker and
// CLI tests do; what is left here is specific to testing the engine itself.

// seed is a shipped policy (rulestest.Seed).
func seed(t testing.TB, name string) *rules.Policy { return rulestest.Seed(t, name) }

// agentEmail is a Botron support engineer: botron.yaml's agents are the
// botronsoft.com domain.
const agentEmail = "agent@botronsoft.com"

func evalOne(t testing.TB, p *rules.Policy, iss rules.Issue, now time.Time) *rules.Outcome {
	t.Helper()
	ev := rules.Evaluate(p, []rules.Issue{iss}, now, rules.Options{BotAccountID: "slabot"})
	return &ev.Outcomes[0]
}

func mustGoal(t testing.TB, o *rules.Outcome, name string) *rules.GoalStatus {
	t.Helper()
	g := o.Goal(name)
	if g == nil {
		t.Fatalf("%s: no goal %q", o.Issue.Key, name)
	}
	return g
}

func hasLabel(o *rules.Outcome, l string) bool {
	for _, x := range o.Labels {
		if x == l {
			return true
		}
	}
	return false
}

// ownSeed is a private copy of a shipped policy, for a test that changes
// it (seed's copy is shared by the package's tests).
func ownSeed(t testing.TB, name string) *rules.Policy {
	t.Helper()
	p, err := rules.LoadFile(rulestest.SeedPath(name))
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return p
}
