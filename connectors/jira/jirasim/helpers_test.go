package jirasim

import (
	"testing"
	"time"
)

var t0 = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)

// newTestSim is DefaultSeed plus SUP-1, an issue with some of everything,
// on a manual clock at t0.
func newTestSim(t *testing.T, opts Options) *Server {
	t.Helper()
	seed := DefaultSeed()
	created := t0.Add(-2 * time.Hour)
	seed.Issues = []Issue{{
		Key: "SUP-1", Project: "SUP", Type: "Incident", Priority: "High", Status: "Open", Summary: "VPN down",
		Description: "since 8:00", Reporter: CustomerID, Assignee: AgentID, Labels: []string{"vip"},
		Organizations: []string{"Acme"}, Created: created,
		Fields: map[string]any{"First Response Due": t0, "Customer Tier": "Premium", "Support Contract": "C-1", "Credits Used": 1},
		History: []History{
			{At: created.Add(time.Minute), Author: AgentID, Items: []Item{{Field: "status", From: "Open", To: "In Progress"}}},
			{At: created.Add(2 * time.Minute), Author: AgentID, Items: []Item{{Field: "status", From: "In Progress", To: "Open"}}},
			{At: created.Add(3 * time.Minute), Author: AgentID, Items: []Item{{Field: "priority", From: "Medium", To: "High"}}},
		},
		Comments: []Comment{{Author: AgentID, Body: "looking", Created: created.Add(time.Minute)},
			{Author: AgentID, Body: "internal", Internal: true, Created: created.Add(2 * time.Minute)}},
		Worklogs: []Worklog{{Author: AgentID, Started: created, SpentSeconds: 900}},
	}}
	if opts.Now == nil {
		opts.Now = NewManualClock(t0).Now
	}
	s, err := New(seed, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
