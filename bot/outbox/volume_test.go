package outbox_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/slabot/slabot/bot/outbox"
	"github.com/slabot/slabot/bot/store/storetest"
	"github.com/slabot/slabot/connectors/slack/slacksim"
	"github.com/slabot/slabot/rules"
)

// 1,000 escalations (500 issues, levels 1 and 2, level 2 replying in level
// 1's thread) across 50 channels, with 429s, 500s and dropped connections
// injected at random into posts, history/replies lookups and updates:
// every step is in Slack exactly once, recorded with its ts, threads are
// right, and no channel is posted to faster than once a second. The clock
// is fake, so the pacing and Retry-After waits cost no wall time.
func TestThousandEscalationsFiftyChannels(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		const issues, channels = 500, 50
		var chOpts []slacksim.Option
		for c := range channels {
			chOpts = append(chOpts, slacksim.WithChannel(fmt.Sprintf("CV%02d", c), fmt.Sprintf("vol-%02d", c)))
		}
		e := newEnv(t, func(o *outbox.Options) { o.Batch = 200 }, chOpts...)
		e.sim.SetChaos(slacksim.Chaos{
			Seed:      20260302,
			Methods:   []string{"chat.postMessage", "chat.update", "conversations.history", "conversations.replies"},
			RateLimit: 0.05, ServerError: 0.05, DropAfterAccept: 0.03,
			RetryAfter: time.Second,
		})
		wall := time.Now()
		for i := range issues {
			ch := fmt.Sprintf("CV%02d", i%channels)
			issue := fmt.Sprintf("VOL-%d", i)
			e.enqueue(esc(issue, 1, "team lead", rules.Recipient{Channel: ch}))
			e.enqueue(esc(issue, 2, "management", rules.Recipient{Channel: ch}))
		}
		sum := e.drain(300)
		elapsed := time.Since(wall)

		ctx := context.Background()
		counts, _ := e.ob.Counts(ctx)
		if counts[outbox.StateSent] != 2*issues {
			t.Fatalf("counts %v; want %d sent", counts, 2*issues)
		}
		found := byKey(e.sim.AllMessages())
		if len(found) != 2*issues {
			t.Fatalf("%d distinct keys in Slack; want %d", len(found), 2*issues)
		}
		dups := 0
		for i := range issues {
			issue := fmt.Sprintf("VOL-%d", i)
			r1, r2 := e.row(issue, 1), e.row(issue, 2)
			m1, m2 := found[r1.Key], found[r2.Key]
			if len(m1) != 1 || len(m2) != 1 {
				dups++
				t.Errorf("%s: %d and %d messages for levels 1 and 2", issue, len(m1), len(m2))
				continue
			}
			if r1.TS != m1[0].TS || r2.TS != m2[0].TS || m2[0].ThreadTS != m1[0].TS || r2.ThreadTS != r1.TS {
				t.Errorf("%s: rows (%s, %s/%s) do not match Slack (%s, %s/%s)", issue, r1.TS, r2.TS, r2.ThreadTS, m1[0].TS, m2[0].TS, m2[0].ThreadTS)
			}
		}
		// Posts and status-line updates share the channel's pace: Slack's
		// Rate limits page, "1 per second. Short bursts >1 allowed". The
		// pacer spaces the starts of writes (a write's round trip falls
		// within the interval; pacer_test.go), so on this fake clock, which
		// other channels' waits move while a request is in flight, a write
		// can arrive with the next: never three within a second.
		byCh := map[string][]time.Time{}
		for _, c := range e.sim.Calls("chat.postMessage", "chat.update") {
			ch := c.Params.Get("channel")
			byCh[ch] = append(byCh[ch], c.At)
		}
		for ch, at := range byCh {
			for i := 2; i < len(at); i++ {
				if at[i].Sub(at[i-2]) < time.Second {
					t.Fatalf("three writes to %s within %s from %s", ch, at[i].Sub(at[i-2]), at[i-2].Format("15:04:05.000"))
				}
			}
		}
		if sum.RateLimited == 0 || sum.Uncertain == 0 || sum.Reconciled == 0 {
			t.Errorf("faults not exercised: %+v", sum)
		}
		calls := e.sim.Calls()
		t.Logf("%d steps, %d channels: %d Slack calls (%d posts), report %+v; fake time %s, wall time %s",
			2*issues, channels, len(calls), len(e.sim.Calls("chat.postMessage")), sum, e.clock.Now().Sub(start), elapsed)
		if dups > 0 {
			t.Fatalf("%d issues with duplicates or losses", dups)
		}
	})
}

// BenchmarkDispatch measures one escalation's way through the outbox:
// enqueue, claim, post over HTTP to the simulator, record (SQLite,
// synchronous=FULL), with pacing off.
func BenchmarkDispatch(b *testing.B) {
	var chOpts []slacksim.Option
	for c := range 10 {
		chOpts = append(chOpts, slacksim.WithChannel(fmt.Sprintf("CB%d", c), ""))
	}
	e := newEnv(b, func(o *outbox.Options) { o.PerChannelInterval = -1; o.Batch = 100 }, chOpts...)
	b.ResetTimer()
	for i := range b.N {
		e.enqueue(esc(fmt.Sprintf("BEN-%d", i), 1, "team lead", rules.Recipient{Channel: fmt.Sprintf("CB%d", i%10)}))
		if i%100 == 99 || i == b.N-1 {
			// A pass claims at most PerDestination (5) rows a channel:
			// passes until the hundred are out.
			for {
				rep, err := e.ob.RunOnce(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				if rep.Claimed == 0 {
					break
				}
			}
		}
	}
	b.StopTimer()
	if n := len(e.sim.AllMessages()); n != b.N {
		b.Fatalf("%d messages for %d escalations", n, b.N)
	}
}
