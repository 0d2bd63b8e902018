package slack

import (
	"context"
	"testing"
	"time"

	"github.com/slabot/slabot/connectors/slack/slacksim"
)

// hostClock is this host's clock in the skew tests: fixed, so the skew is
// exact.
type hostClock struct{ t time.Time }

func (c *hostClock) Now() time.Time                                   { return c.t }
func (c *hostClock) Sleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

// A look-up searches Slack's history in Slack's time: with Slack's clock
// 30 minutes behind (or ahead of) this host's, a message posted at the
// step's instant is found by a search from 10 minutes before that instant
// in this host's time, which is 20 minutes after the message in Slack's
// when not turned (the fault audit: 11 and 30 minutes behind posted
// twice). The skew is measured from the answers' Date header before any
// post (auth.test when nothing was measured), then from the posted
// message's ts.
func TestLookupInSlacksTime(t *testing.T) {
	host := time.Date(2026, 12, 8, 12, 0, 0, 0, time.UTC)
	for _, skew := range []time.Duration{-30 * time.Minute, -11 * time.Minute, 30 * time.Minute, 0} {
		t.Run(skew.String(), func(t *testing.T) {
			hc := &hostClock{t: host}
			sim := slacksim.NewServer(slacksim.WithChannel("C1", "#support"), slacksim.WithToken("xoxb-test"),
				slacksim.WithClock(func() time.Time { return hc.Now().Add(skew) }))
			defer sim.Close()
			ctx := context.Background()
			// The post whose answer was lost, made by an earlier process.
			earlier := NewClient("xoxb-test", ClientOptions{APIURL: sim.APIURL(), Clock: hc})
			if _, _, err := earlier.Post(ctx, "C1", "", Outgoing{Text: "breach", Key: "SUP-1|first_response|1|breach"}); err != nil {
				t.Fatal(err)
			}
			if got, ok := earlier.ClockSkew(); !ok || got != skew {
				t.Errorf("skew from the post's ts %v (%v), want %v", got, ok, skew)
			}
			hc.t = host.Add(5 * time.Minute)
			c := NewClient("xoxb-test", ClientOptions{APIURL: sim.APIURL(), Clock: hc})
			if _, ok := c.ClockSkew(); ok {
				t.Fatal("a skew before any answer")
			}
			ts, found, err := c.FindByKey(ctx, "C1", "", "SUP-1|first_response|1|breach", host.Add(-10*time.Minute))
			if err != nil || !found || ts == "" {
				t.Fatalf("look-up: found=%v ts=%q err=%v, want the message", found, ts, err)
			}
			got, ok := c.ClockSkew()
			if d := got - skew; !ok || d < -time.Second || d > time.Second {
				t.Errorf("skew from Date %v (%v), want %v within a second", got, ok, skew)
			}
		})
	}
}
