package outbox_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/slabot/slabot/rules"
)

// BenchmarkHandOverKnown is what a worker cycle costs the outbox for the
// steps it already recorded: every due step of every open issue is handed
// over again at each cycle (bot: handOver), and only the first hand-over
// stores anything. One op is one cycle over 200 issues with two due steps
// each, all recorded (and sent) before the timer starts.
func BenchmarkHandOverKnown(b *testing.B) {
	const issues = 200
	e := newEnv(b, nil)
	ctx := context.Background()
	var steps []rules.Notice
	for i := range issues {
		issue := fmt.Sprintf("HAND-%d", i)
		steps = append(steps, esc(issue, 1, "team lead", rules.Recipient{Channel: "CLEAD"}),
			esc(issue, 2, "management", rules.Recipient{Channel: "CMGMT"}))
	}
	for _, s := range steps {
		e.enqueue(s)
	}
	e.drain(2000)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		now := e.clock.Now()
		for _, s := range steps {
			if inserted, err := e.ob.Escalate(ctx, now, s); err != nil || inserted {
				b.Fatalf("hand-over of %s L%d again: inserted=%v err=%v", s.IssueKey, s.Level, inserted, err)
			}
		}
	}
	b.ReportMetric(float64(len(steps)), "steps/op")
}
