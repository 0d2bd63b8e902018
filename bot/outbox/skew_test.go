package outbox_test

import (
	"testing"
	"time"

	"github.com/slabot/slabot/connectors/slack/slacksim"
	"github.com/slabot/slabot/rules"
)

// "A host clock more than 10 minutes off Slack's posts twice" (the fault
// audit: Slack 11 or 30 minutes behind). With Slack's clock 30 minutes
// behind or ahead of the host's, a post Slack took whose answer was lost
// is found by the look-up and not posted again, and the next step is
// posted once: the look-up searches in Slack's time (connectors/slack
// skew.go).
func TestSkewedSlackClockNoDuplicate(t *testing.T) {
	for _, skew := range []time.Duration{-30 * time.Minute, 30 * time.Minute} {
		t.Run(skew.String(), func(t *testing.T) {
			var e *env
			e = newEnv(t, nil, slacksim.WithClock(func() time.Time { return e.clock.Now().Add(skew) }))
			e.sim.Inject(slacksim.Fault{Kind: slacksim.DropAfterAccept, Method: "chat.postMessage", Times: 1})
			e.enqueue(esc("SUP-90", 1, "team lead", rules.Recipient{Channel: "C1"}))
			if rep := e.pass(); rep.Uncertain != 1 {
				t.Fatalf("first pass %+v: want the dropped answer uncertain", rep)
			}
			e.clock.Advance(time.Minute)
			e.enqueue(esc("SUP-90", 2, "management", rules.Recipient{Channel: "C1"}))
			sum := e.drain(10)
			got := byKey(e.sim.Messages("C1"))
			for _, k := range []string{lkey("SUP-90", "resolution", 1, 1), lkey("SUP-90", "resolution", 1, 2)} {
				if len(got[k]) != 1 {
					t.Errorf("%s posted %d times, want once (%+v)", k, len(got[k]), sum)
				}
			}
			if sum.Reconciled != 1 {
				t.Errorf("%+v: want the first step reconciled", sum)
			}
		})
	}
}
