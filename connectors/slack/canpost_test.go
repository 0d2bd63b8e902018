package slack

import (
	"context"
	"strings"
	"testing"

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
