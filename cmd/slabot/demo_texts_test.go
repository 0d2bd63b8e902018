package main

import (
	"strings"
	"testing"

	"github.com/slabot/slabot/deploy"
	"github.com/slabot/slabot/rules"
)

// Issue 25: "the demo's own texts read as errors: 'work after hours
// (billed x1.5)' where the contract, the policy and the engine say
// double". The scenario's words agree with the Hydra policy's multiplier.
func TestDemoAfterHoursTextMatchesPolicy(t *testing.T) {
	policies, err := rules.LoadFS(deploy.Policies, "policies")
	if err != nil {
		t.Fatal(err)
	}
	words := map[float64]string{2: "double"}
	for _, p := range policies {
		if !strings.HasPrefix(p.Product, "Hydra") {
			continue
		}
		want, ok := words[p.Billing.AfterHoursMultiplier]
		if !ok {
			t.Fatalf("Hydra bills after hours x%g: give the demo's text for it", p.Billing.AfterHoursMultiplier)
		}
		if got := demoScenarios["hyd-update"]; !strings.Contains(got, "billed "+want) {
			t.Errorf("demo says %q, the policy bills after hours x%g (%s)", got, p.Billing.AfterHoursMultiplier, want)
		}
		return
	}
	t.Fatal("no Hydra policy among the shipped ones")
}

// Issue 25: "raw <!subteam^S0001> in the transcript": group mentions read
// as Slack shows them.
func TestRenderGroupMentions(t *testing.T) {
	handleOf := map[string]string{"S0001": "support-leads"}
	for in, want := range map[string]string{
		"<!subteam^S0001> HYD-1 breached":               "@support-leads HYD-1 breached",
		"<!subteam^S0001|@leads> see":                   "@support-leads see",
		"<!subteam^S0009|@others> and <!subteam^S0009>": "@others and <!subteam^S0009>",
		"no mention": "no mention",
	} {
		if got := renderGroupMentions(in, handleOf); got != want {
			t.Errorf("renderGroupMentions(%q) = %q, want %q", in, got, want)
		}
	}
}
