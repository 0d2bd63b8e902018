package rules_test

import (
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/slabot/slabot/rules"
)

// The rules tests build issues with rulestest, as the report, worker and
// CLI tests do; what is left here is specific to testing the engine itself.

var (
	seedMu       sync.Mutex
	seedPolicies = map[string]*rules.Policy{}
)

// seed loads one of the shipped policies from deploy/policies, so the tests
// exercise the very files the product ships.
func seed(t testing.TB, name string) *rules.Policy {
	t.Helper()
	seedMu.Lock()
	defer seedMu.Unlock()
	if p, ok := seedPolicies[name]; ok {
		return p
	}
	p, err := rules.LoadFile(filepath.Join("..", "deploy", "policies", name+".yaml"))
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	seedPolicies[name] = p
	return p
}

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
