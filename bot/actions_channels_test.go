package bot_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/slabot/slabot/bot"
	"github.com/slabot/slabot/connectors/slack"
	"github.com/slabot/slabot/connectors/slack/slacksim"
	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/clock"
)

// A ladder channel slabot could not resolve at start (a private channel
// nobody had invited the bot to) is known to Clicks only by its "#name".
// Its members may act once the bot is invited, without a restart, as its
// escalations go out then; while it cannot be used it grants nothing (a
// refusal, not an error at every click), and it is looked up by name
// once a minute, not per click.
func TestClickInChannelUnresolvedAtStart(t *testing.T) {
	sim := slacksim.NewServer(slacksim.WithToken("xoxb-test"), slacksim.WithChannel("C0SUP", "#botron-support"), slacksim.WithChannel("C0MGMT", "#botron-management"),
		slacksim.WithUsers(slacksim.User{ID: "U0LEA", Name: "lea"}))
	defer sim.Close()
	sim.AddPrivateChannel("G0LEADS", "botron-leads", false)
	sim.Join("G0LEADS", "U0LEA")
	p, err := rules.LoadFile("../deploy/policies/botron.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p.Ladder.Groups = nil
	now := time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)
	store := &actions{}
	frozen := clock.Simulated(func() time.Time { return now })
	c := &bot.Clicks{Store: store, Workspace: slack.NewClient("xoxb-test", slack.ClientOptions{APIURL: sim.APIURL(), Clock: frozen}),
		Policies: []*rules.Policy{p}, Channels: map[string]string{"#botron-support": "C0SUP", "#botron-management": "C0MGMT"},
		Clock: frozen, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	click := func() (string, error) {
		return c.Click(context.Background(), rules.Click{Kind: rules.ClickAcknowledge, Issue: "BEXP-1", Goal: "first_response", Cycle: 1, Step: "breach/team_lead", User: "U0LEA"})
	}
	for range 2 {
		if r, err := click(); err != nil || !strings.Contains(r, "Only members of") || len(store.acts) != 0 {
			t.Errorf("before the bot is invited to #botron-leads: %q, %v, %d stored", r, err, len(store.acts))
		}
	}
	if n := len(sim.Calls("conversations.list")); n != 1 {
		t.Errorf("%d conversations.list calls within a minute, want 1", n)
	}
	sim.SetMember("G0LEADS", true) // /invite @slabot
	now = now.Add(61 * time.Second)
	if r, err := click(); err != nil || !strings.Contains(r, "Acknowledged BEXP-1") || len(store.acts) != 1 {
		t.Errorf("a member of #botron-leads once the bot is invited: %q, %v, %d stored", r, err, len(store.acts))
	}
}

// A stored click wakes the worker for its issue (Clicks.Wake, the
// Worker's Take: the writer re-reads it, a standby relays it), so it is
// applied in seconds rather than at the product's next cycle.
func TestClickWakesTheWriter(t *testing.T) {
	sim := slacksim.NewServer(slacksim.WithToken("xoxb-test"), slacksim.WithChannel("C0SUP", "#botron-support"),
		slacksim.WithUsers(slacksim.User{ID: "U0LEA", Name: "lea"}))
	defer sim.Close()
	sim.Join("C0SUP", "U0LEA")
	p, err := rules.LoadFile("../deploy/policies/botron.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p.Ladder.Groups = nil
	frozen := clock.Simulated(func() time.Time { return time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC) })
	var woken []string
	c := &bot.Clicks{Store: &actions{}, Workspace: slack.NewClient("xoxb-test", slack.ClientOptions{APIURL: sim.APIURL(), Clock: frozen}),
		Policies: []*rules.Policy{p}, Channels: map[string]string{"#botron-support": "C0SUP"}, Clock: frozen,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Wake:   func(_ context.Context, issue string) (bool, error) { woken = append(woken, issue); return true, nil }}
	if _, err := c.Click(context.Background(), rules.Click{Kind: rules.ClickAcknowledge, Issue: "BEXP-1", Goal: "first_response",
		Cycle: 1, Step: "breach/team_lead", User: "U0LEA"}); err != nil {
		t.Fatal(err)
	}
	if len(woken) != 1 || woken[0] != "BEXP-1" {
		t.Errorf("woken for %v, want BEXP-1 once", woken)
	}
}
