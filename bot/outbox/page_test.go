package outbox_test

import (
	"context"
	"testing"
	"time"

	"github.com/slabot/slabot/bot/outbox"
	"github.com/slabot/slabot/bot/store/storetest"
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
	storetest.Run(t, func(t *testing.T) {
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
	})
}

// A trigger PagerDuty has not accepted yet (a 429: it waits for its retry)
// when the goal is met is never sent: PagerDuty would open an alert, and
// page on-call, for a goal already met. A trigger sent after the resolve
// would even open a new alert that nothing resolves: "If there are no
// open incidents with this key, PagerDuty creates a new incident"
// (PagerDuty Knowledge Base, Event Management), and pdsim does so.
func TestGoalMetBeforeTheTriggerWasAcceptedPagesNobody(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
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
	})
}

// A paging step is handed over ahead of its instant like a notice, so
// on-call is paged at the instant whatever the product's poll schedule
// (issue 21: "a step posts within 2 seconds of its instant ... whatever
// the product's poll schedule"). Until then it follows the hand-overs:
// its instant moves, Withdraw cancels it when no cycle foresees it, a
// later hand-over takes it up again; and just before paging the
// dispatcher applies an acknowledgement made since that holds the step.
func TestPageAheadOfItsInstant(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		const key = "LEADKEY0123456789abcdefABCDEF012"
		ctx := context.Background()
		setup := func(t *testing.T) (*env, *pdsim.Server, rules.Page) {
			pd := pdsim.NewServer(nil, key)
			t.Cleanup(pd.Close)
			e := newEnv(t, func(o *outbox.Options) {
				o.Pager = pagerduty.New(pd.URL, map[string]string{"SLABOT_PD_LEADS": key}, 0)
			})
			p := rules.Page{RoutingKey: "SLABOT_PD_LEADS", Step: "breach/team_lead", Level: 2, Rung: "team lead",
				Issue: "SUP-1", Goal: "resolution", Cycle: 1, Summary: "SUP-1 resolution breached", Source: "slabot/Support", Severity: "critical",
				DueAt: e.clock.Now().Add(10*time.Minute + 585*time.Millisecond), Deadline: e.clock.Now().Add(10 * time.Minute)}
			return e, pd, p
		}
		triggers := func(pd *pdsim.Server) int {
			n := 0
			for _, ev := range pd.Events() {
				if ev.Action == "trigger" && ev.Status == 202 {
					n++
				}
			}
			return n
		}
		standing := func(p rules.Page) map[string]bool {
			return map[string]bool{rules.NoticeKey(p.Issue, p.Goal, p.Cycle, outbox.PageStep(p.Step)): true}
		}

		t.Run("paged at its instant, not before", func(t *testing.T) {
			e, pd, p := setup(t)
			if ins, err := e.ob.TriggerPage(ctx, e.clock.Now(), p); err != nil || !ins {
				t.Fatalf("inserted %v, %v", ins, err)
			}
			e.pass()
			if next, ok := e.ob.NextDue(ctx); !ok || !next.Equal(p.DueAt) || triggers(pd) != 0 {
				t.Fatalf("next due %v %v (want %v), %d triggers before the instant", next, ok, p.DueAt, triggers(pd))
			}
			// A later cycle foresees it 5 minutes later (a pause): it moves.
			p.DueAt = p.DueAt.Add(5 * time.Minute)
			if _, err := e.ob.TriggerPage(ctx, e.clock.Now(), p); err != nil {
				t.Fatal(err)
			}
			if n, err := e.ob.Withdraw(ctx, e.clock.Now(), []string{"SUP"}, standing(p)); err != nil || n != 0 {
				t.Fatalf("withdrew %d, %v: the page stands", n, err)
			}
			if next, _ := e.ob.NextDue(ctx); !next.Equal(p.DueAt) {
				t.Fatalf("next due %v, want the new instant %v", next, p.DueAt)
			}
			e.clock.Advance(p.DueAt.Sub(e.clock.Now()) - time.Millisecond)
			e.pass()
			if triggers(pd) != 0 {
				t.Fatal("paged a millisecond early")
			}
			e.clock.Advance(time.Millisecond)
			if rep := e.pass(); rep.Sent != 1 || triggers(pd) != 1 {
				t.Fatalf("at the instant: %+v, %d triggers", rep, triggers(pd))
			}
		})

		t.Run("withdrawn when no cycle foresees it, taken up again", func(t *testing.T) {
			e, pd, p := setup(t)
			if _, err := e.ob.TriggerPage(ctx, e.clock.Now(), p); err != nil {
				t.Fatal(err)
			}
			if n, err := e.ob.Withdraw(ctx, e.clock.Now(), []string{"SUP"}, map[string]bool{}); err != nil || n != 1 {
				t.Fatalf("withdrew %d, %v, want the page", n, err)
			}
			e.clock.Advance(11 * time.Minute)
			e.pass()
			if triggers(pd) != 0 {
				t.Fatal("a withdrawn page was sent")
			}
			p.DueAt = e.clock.Now().Add(time.Minute)
			if _, err := e.ob.TriggerPage(ctx, e.clock.Now(), p); err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(time.Minute)
			if e.pass(); triggers(pd) != 1 {
				t.Fatalf("%d triggers after the page was handed over again", triggers(pd))
			}
		})

		t.Run("held by an acknowledgement made before the instant", func(t *testing.T) {
			e, pd, p := setup(t)
			p.Hold = &rules.Hold{Rule: "reminders are held back until the goal is met"}
			if _, err := e.ob.TriggerPage(ctx, e.clock.Now(), p); err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(time.Minute)
			if _, _, err := e.ob.RecordAction(ctx, e.clock.Now(), rules.Click{Kind: rules.ClickAcknowledge, Issue: "SUP-1", Goal: "resolution", Cycle: 1,
				Step: "75%/agent", User: "UANA", Name: "ana", At: e.clock.Now(), ActionTS: "1"}); err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(10 * time.Minute)
			e.drain(3)
			if triggers(pd) != 0 {
				t.Fatal("paged on-call for a step the acknowledgement holds back")
			}
			l, err := e.ob.Ledger(ctx, "SUP-1")
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, en := range l {
				found = found || en.Event == rules.LedgerHeld && en.Step == "breach/team_lead" && en.Page && en.By == "UANA" && en.Rule == rules.RuleAcknowledgement
			}
			if !found {
				t.Errorf("ledger %+v: the held page is not explained", l)
			}
		})
	})
}
