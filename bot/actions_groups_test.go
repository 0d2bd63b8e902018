package bot_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slabot/slabot/bot"
	"github.com/slabot/slabot/connectors/slack"
	"github.com/slabot/slabot/connectors/slack/slacksim"
	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/clock"
)

// actions records the clicks Clicks stores (the store is not what these
// tests are about: bot/outbox tests it on SQLite).
type actions struct {
	mu    sync.Mutex
	acts  []rules.Click
	notes []rules.LedgerEntry // refused clicks (bot.LedgerNotes)
}

func (s *actions) Note(_ context.Context, _ time.Time, e rules.LedgerEntry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notes = append(s.notes, e)
	return nil
}

func (s *actions) RecordAction(_ context.Context, _ time.Time, a rules.Click) (bool, rules.Click, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.acts = append(s.acts, a)
	return true, rules.Click{}, nil
}

func (s *actions) Actions(context.Context, ...string) ([]rules.Click, error) { return nil, nil }

var botronChannels = map[string]string{"#botron-leads": "C0LEADS", "#botron-support": "C0SUP", "#botron-management": "C0MGMT"}

// "A lead who is not in the channel must be able to act": a member of a
// user group the ladder names may act, anyone else is refused with the
// channels and groups named; a handle no enabled group has grants
// nothing and is logged once, not per click; the group list and its
// members are asked once a minute, not per click.
func TestClickByUserGroupMember(t *testing.T) {
	sim := slacksim.NewServer(slacksim.WithToken("xoxb-test"), slacksim.WithChannel("C0LEADS", "#botron-leads"), slacksim.WithChannel("C0SUP", "#botron-support"), slacksim.WithChannel("C0MGMT", "#botron-management"),
		slacksim.WithUsers(slacksim.User{ID: "U0LEA", Name: "lea"}, slacksim.User{ID: "U0OLAF", Name: "olaf"}),
		slacksim.WithUserGroup(slacksim.UserGroup{ID: "S0LEADS", Handle: "support-leads", Users: []string{"U0LEA"}}),
		slacksim.WithUserGroup(slacksim.UserGroup{ID: "S0OLD", Handle: "old-leads", Users: []string{"U0OLAF"}, Disabled: true}))
	defer sim.Close()
	p, err := rules.LoadFile("../deploy/policies/botron.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p.Ladder.Groups = map[rules.Rung][]string{rules.RungTeamLead: {"suport-leads", "old-leads", "support-leads"}}
	var logs bytes.Buffer
	now := time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)
	store := &actions{}
	c := &bot.Clicks{Store: store, Workspace: slack.NewClient("xoxb-test", slack.ClientOptions{APIURL: sim.APIURL(), Clock: clock.Simulated(func() time.Time { return now })}),
		Policies: []*rules.Policy{p}, Channels: botronChannels,
		Clock: clock.Simulated(func() time.Time { return now }), Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	ctx := context.Background()
	click := func(user string) string {
		t.Helper()
		reply, err := c.Click(ctx, rules.Click{Kind: rules.ClickAcknowledge, Issue: "BEXP-1", Goal: "first_response", Cycle: 1, Step: "breach/team_lead", User: user})
		if err != nil {
			t.Fatal(err)
		}
		return reply
	}

	if r := click("U0LEA"); !strings.Contains(r, "Acknowledged BEXP-1") || len(store.acts) != 1 {
		t.Errorf("a member of @support-leads, in no ladder channel: %q, %d stored", r, len(store.acts))
	}
	for range 3 {
		if r := click("U0OLAF"); !strings.Contains(r, "Only members of") || !strings.Contains(r, "@support-leads") || len(store.acts) != 1 {
			t.Errorf("a member of a disabled group only: %q, %d stored", r, len(store.acts))
		}
	}
	// Each refusal goes to the ledger with its reason, so explain can say
	// why the press did nothing (the ledger keeps one per press).
	if len(store.notes) != 3 || store.notes[0].Event != rules.LedgerClicked || store.notes[0].By != "U0OLAF" ||
		!strings.Contains(store.notes[0].Reason, "refused: U0OLAF is not a member of Botron") || store.notes[0].Step != "breach/team_lead" {
		t.Errorf("ledger notes %+v, want the three refusals with the reason", store.notes)
	}
	if n := strings.Count(logs.String(), "group=@suport-leads"); n != 1 {
		t.Errorf("the unknown handle was logged %d times, want once:\n%s", n, logs.String())
	}
	if n := len(sim.Calls("usergroups.list")); n != 1 {
		t.Errorf("%d usergroups.list calls within a minute, want 1", n)
	}
	if n := len(sim.Calls("usergroups.users.list")); n != 1 {
		t.Errorf("%d usergroups.users.list calls within a minute, want 1", n)
	}
	now = now.Add(61 * time.Second)
	click("U0LEA")
	if n := len(sim.Calls("usergroups.list")); n != 2 {
		t.Errorf("%d usergroups.list calls after a minute, want 2", n)
	}
}

// An app installed before slabot needed usergroups:read: the groups grant
// nothing (a refusal, not an error at every click), logged once.
func TestClickWithoutUserGroupScope(t *testing.T) {
	sim := slacksim.NewServer(slacksim.WithScopes("xoxb-test", "channels:read", "chat:write"), slacksim.WithChannel("C0LEADS", "#botron-leads"), slacksim.WithChannel("C0SUP", "#botron-support"), slacksim.WithChannel("C0MGMT", "#botron-management"),
		slacksim.WithUsers(slacksim.User{ID: "U0LEA", Name: "lea"}),
		slacksim.WithUserGroup(slacksim.UserGroup{ID: "S0LEADS", Handle: "support-leads", Users: []string{"U0LEA"}}))
	defer sim.Close()
	p, err := rules.LoadFile("../deploy/policies/botron.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p.Ladder.Groups = map[rules.Rung][]string{rules.RungTeamLead: {"support-leads"}}
	var logs bytes.Buffer
	c := &bot.Clicks{Store: &actions{}, Workspace: slack.NewClient("xoxb-test", slack.ClientOptions{APIURL: sim.APIURL()}),
		Policies: []*rules.Policy{p}, Channels: botronChannels, MembersTTL: -1,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	for range 2 {
		r, err := c.Click(context.Background(), rules.Click{Kind: rules.ClickAcknowledge, Issue: "BEXP-1", Goal: "first_response", Cycle: 1, User: "U0LEA"})
		if err != nil || !strings.Contains(r, "Only members of") {
			t.Errorf("reply %q, err %v", r, err)
		}
	}
	if n := strings.Count(logs.String(), "missing_scope"); n != 1 {
		t.Errorf("missing_scope logged %d times, want once:\n%s", n, logs.String())
	}
}
