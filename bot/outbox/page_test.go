package outbox_test

import (
	"context"
	"testing"

	"github.com/slabot/slabot/bot/outbox"
	"github.com/slabot/slabot/connectors/pagerduty"
	"github.com/slabot/slabot/connectors/pagerduty/pdsim"
	"github.com/slabot/slabot/rules"
)

var _ outbox.Pager = (*pagerduty.Pager)(nil)

// Two rungs that page different PagerDuty services (the team lead's
// rota, and a management rung that only pages its own on-call): each
// trigger opens an alert in its own service, so meeting the goal must
// resolve both. PagerDuty deduplicates within a service: a resolve sent
// with the first rung's routing key leaves the second alert open.
func TestResolvePagesEveryService(t *testing.T) {
	const leadKey, mgmtKey = "LEADKEY0123456789abcdefABCDEF012", "MGMTKEY0123456789abcdefABCDEF012"
	pd := pdsim.NewServer(nil, leadKey, mgmtKey)
	defer pd.Close()
	e := newEnv(t, func(o *outbox.Options) {
		o.Pager = pagerduty.New(pd.URL, map[string]string{"SLABOT_PD_LEADS": leadKey, "SLABOT_PD_MGMT": mgmtKey}, 0)
	})
	ctx := context.Background()
	for _, p := range []rules.Page{
		{RoutingKey: "SLABOT_PD_LEADS", Step: "breach/team_lead", Level: 2, Rung: "team lead"},
		{RoutingKey: "SLABOT_PD_MGMT", Step: "breach+2h/management", Level: 3, Rung: "management", Only: true},
		{RoutingKey: "SLABOT_PD_LEADS", Step: "breach+4h/team_lead", Level: 4, Rung: "team lead"},
	} {
		p.Issue, p.Goal, p.Cycle, p.Summary, p.Source, p.Severity = "SUP-1", "resolution", 1, "SUP-1 breached resolution", "slabot/Support", "critical"
		if _, err := e.ob.TriggerPage(ctx, e.clock.Now(), p); err != nil {
			t.Fatal(err)
		}
		if rep := e.pass(); rep.Sent != 1 {
			t.Fatalf("trigger %s: %+v", p.Step, rep)
		}
	}
	for range 2 { // the worker records the resolve at every cycle the goal is met
		if err := e.ob.ResolvePages(ctx, e.clock.Now(), "SUP-1", "resolution", 1); err != nil {
			t.Fatal(err)
		}
	}
	if rep := e.pass(); rep.Sent != 2 {
		t.Errorf("resolves: %+v, want 2 sent (one per service)", rep)
	}
	alerts := pd.Alerts()
	if len(alerts) != 2 {
		t.Fatalf("alerts %+v, want one per service", alerts)
	}
	for _, a := range alerts {
		if a.Status != "resolved" || a.Resolves != 1 {
			t.Errorf("alert in the service of %s...: %s, %d resolves", a.RoutingKey[:8], a.Status, a.Resolves)
		}
	}
}

// A trigger PagerDuty has not accepted yet (a 429: it waits for its retry)
// when the goal is met is never sent: PagerDuty would open an alert, and
// page on-call, for a goal already met. A trigger sent after the resolve
// would even open a new alert that nothing resolves: "If there are no
// open incidents with this key, PagerDuty creates a new incident"
// (PagerDuty Knowledge Base, Event Management), and pdsim does so.
func TestGoalMetBeforeTheTriggerWasAcceptedPagesNobody(t *testing.T) {
	const key = "LEADKEY0123456789abcdefABCDEF012"
	pd := pdsim.NewServer(nil, key)
	defer pd.Close()
	e := newEnv(t, func(o *outbox.Options) {
		o.Pager = pagerduty.New(pd.URL, map[string]string{"SLABOT_PD_LEADS": key}, 0)
	})
	ctx := context.Background()
	p := rules.Page{RoutingKey: "SLABOT_PD_LEADS", Step: "breach/team_lead", Level: 2, Rung: "team lead",
		Issue: "SUP-1", Goal: "resolution", Cycle: 1, Summary: "SUP-1 breached resolution", Source: "slabot/Support", Severity: "critical"}
	if _, err := e.ob.TriggerPage(ctx, e.clock.Now(), p); err != nil {
		t.Fatal(err)
	}
	pd.RateLimit(1)
	if rep := e.pass(); rep.Sent != 0 {
		t.Fatalf("the trigger was sent through a 429: %+v", rep)
	}
	if err := e.ob.ResolvePages(ctx, e.clock.Now(), "SUP-1", "resolution", 1); err != nil {
		t.Fatal(err)
	}
	e.drain(10)
	for _, ev := range pd.Events() {
		if ev.Action == "trigger" && ev.Status == 202 {
			t.Errorf("a trigger was accepted after the goal was met: %+v", ev)
		}
	}
	for _, a := range pd.Alerts() {
		if a.Status != "resolved" {
			t.Errorf("alert left %s: %+v", a.Status, a)
		}
	}
}
