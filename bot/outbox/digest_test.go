package outbox_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/slabot/slabot/rules"

	"github.com/slabot/slabot/bot/store/storetest"
)

// A digest too big for one message goes out as several, and they keep the
// channel's pace as separate rows would: "chat.postMessage generally
// allows posting one message per second per channel" (Slack, Rate
// limits). 200 items at risk make ten parts, each posted at least the
// outbox's per-channel interval (1 s) after the one before, on the
// simulator's clock.
func TestDigestPartsKeepTheChannelsPace(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		e := newEnv(t, nil)
		ctx := context.Background()
		d := rules.Digest{Product: "Botron Support", Period: "2026-11-02T09:00:00Z", Channel: "CLEAD", Title: "Botron Support, Mon 2 Nov 2026 09:00 GMT",
			DueAt: e.clock.Now()}
		for i := range 200 {
			d.Items = append(d.Items, rules.DigestItem{Key: fmt.Sprintf("BCFG-%d", i+1), Summary: "Configuration export fails on a large instance",
				Goal: "First response", State: rules.WordAtRisk, Deadline: "Mon 2 Nov 17:00 GMT", Owner: "Ana Ruiz", Level: 1})
			d.AtRisk++
		}
		if _, err := e.ob.DeliverDigest(ctx, e.clock.Now(), d); err != nil {
			t.Fatal(err)
		}
		e.drain(5)
		msgs := e.sim.Messages("CLEAD")
		if len(msgs) < 2 {
			t.Fatalf("%d messages: the digest was not split", len(msgs))
		}
		var prev float64
		for i, m := range msgs {
			ts, err := strconv.ParseFloat(m.TS, 64)
			if err != nil {
				t.Fatalf("ts %q: %v", m.TS, err)
			}
			if gap := time.Duration((ts - prev) * float64(time.Second)); i > 0 && gap < time.Second-time.Millisecond {
				t.Errorf("part %d posted %v after part %d: the channel's pace is one message a second", i+1, gap, i)
			}
			prev = ts
		}
	})
}
