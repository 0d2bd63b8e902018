package slack

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/slabot/slabot/connectors/slack/slacksim"
)

func TestCanPost(t *testing.T) {
	sim := slacksim.NewServer(slacksim.WithToken("xoxb-test"), slacksim.WithChannel("C1", "#support"))
	defer sim.Close()
	sim.AddChannel("C2", "#leads", false)
	c := NewClient("xoxb-test", ClientOptions{APIURL: sim.APIURL()})
	ctx := context.Background()
	if err := c.CanPost(ctx, "C1"); err != nil {
		t.Errorf("member channel: %v", err)
	}
	if err := c.CanPost(ctx, "C2"); err == nil || !strings.Contains(err.Error(), "/invite") {
		t.Errorf("not a member: %v, want an invite hint", err)
	}
	if err := c.CanPost(ctx, "C9"); err == nil || !strings.Contains(err.Error(), "channel_not_found") {
		t.Errorf("unknown channel: %v", err)
	}
}

// A look-up bound before 1970 (a row whose times were never set, minus
// the reconcile margin) is no bound: Slack answers invalid_ts_oldest to a
// negative oldest, and the look-up must not fail for it.
func TestFindByKeyOldestBeforeEpoch(t *testing.T) {
	sim := slacksim.NewServer(slacksim.WithToken("xoxb-test"), slacksim.WithChannel("C1", "#support"))
	defer sim.Close()
	c := NewClient("xoxb-test", ClientOptions{APIURL: sim.APIURL()})
	ctx := context.Background()
	if _, _, err := c.Post(ctx, "C1", "", Outgoing{Text: "x", Key: "k1"}); err != nil {
		t.Fatal(err)
	}
	ts, found, err := c.FindByKey(ctx, "C1", "", "k1", time.Time{}.Add(-time.Hour))
	if err != nil || !found || ts == "" {
		t.Fatalf("FindByKey = %q, %v, %v", ts, found, err)
	}
}
