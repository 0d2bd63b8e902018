package pagerduty_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/slabot/slabot/connectors/pagerduty"
	"github.com/slabot/slabot/connectors/pagerduty/pdsim"
	"github.com/slabot/slabot/rules"
)

const key = "R0UT1NGKEY0123456789abcdefABCDEF" // 32 characters, as PagerDuty's

// "trigger with a dedup key per issue, goal and cycle; resolve when the
// goal is met" (issue 15), over real HTTP with go-pagerduty.
func TestTriggerRetriggerResolve(t *testing.T) {
	sim := pdsim.NewServer(nil, key)
	defer sim.Close()
	p := pagerduty.New(sim.URL, map[string]string{"SLABOT_PD_KEY": key}, 0)
	ctx := context.Background()
	pg := rules.Page{Action: rules.PageTrigger, RoutingKey: "SLABOT_PD_KEY", DedupKey: rules.PageDedupKey("SUP-1", "resolution", 1),
		Summary: "SUP-1 <b>breached</b> resolution", Source: "slabot", Severity: "critical", Issue: "SUP-1", Goal: "resolution", Cycle: 1, Link: "https://x.atlassian.net/browse/SUP-1"}
	for range 2 { // a retry after an unknown outcome adds to the same alert
		if err := p.Send(ctx, pg); err != nil {
			t.Fatal(err)
		}
	}
	pg.Action = rules.PageResolve
	if err := p.Send(ctx, pg); err != nil {
		t.Fatal(err)
	}
	a := sim.Alerts()
	if len(a) != 1 || a[0].DedupKey != "slabot/SUP-1/resolution/1" || a[0].Triggers != 2 || a[0].Status != "resolved" {
		t.Errorf("alerts %+v", a)
	}
}

func TestErrorsAreClassified(t *testing.T) {
	sim := pdsim.NewServer(nil, key)
	defer sim.Close()
	ctx := context.Background()
	pg := rules.Page{Action: rules.PageTrigger, RoutingKey: "SLABOT_PD_KEY", DedupKey: "d", Summary: "s", Source: "slabot", Severity: "critical"}
	var person interface{ NeedsPerson() bool }
	err := pagerduty.New(sim.URL, map[string]string{}, 0).Send(ctx, pg)
	if !errors.As(err, &person) || !person.NeedsPerson() || !strings.Contains(err.Error(), "SLABOT_PD_KEY is not set") {
		t.Errorf("missing key: %v", err)
	}
	err = pagerduty.New(sim.URL, map[string]string{"SLABOT_PD_KEY": strings.Repeat("x", 32)}, 0).Send(ctx, pg)
	if !errors.As(err, &person) || !person.NeedsPerson() {
		t.Errorf("unknown routing key: %v", err)
	}
	sim.RateLimit(1)
	err = pagerduty.New(sim.URL, map[string]string{"SLABOT_PD_KEY": key}, 0).Send(ctx, pg)
	var rl interface{ RetryIn() time.Duration }
	if !errors.As(err, &rl) || rl.RetryIn() <= 0 {
		t.Errorf("429: %v", err)
	}
	if strings.Contains(err.Error(), key) {
		t.Errorf("error shows the routing key: %v", err)
	}
}
