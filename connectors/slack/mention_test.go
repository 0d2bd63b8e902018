package slack_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	slackc "github.com/slabot/slabot/connectors/slack"
	"github.com/slabot/slabot/connectors/slack/slacksim"
	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/clock"
)

// "The rung's message mentions the group (<!subteam^ID>) so its members
// get notified": in the blocks and the fallback text of a channel post,
// and its edits; a handle no enabled group has costs the mention, not the
// message; a DM mentions no group; the groups are listed once a minute.
func TestRungMessageMentionsItsGroups(t *testing.T) {
	sim := slacksim.NewServer(slacksim.WithToken("xoxb-test"), slacksim.WithChannel("CLEAD", "#leads"), slacksim.WithUsers(slacksim.User{ID: "U1", Name: "ana"}),
		slacksim.WithUserGroup(slacksim.UserGroup{ID: "S0LEADS", Handle: "support-leads", Users: []string{"U1"}}))
	defer sim.Close()
	s := slackc.NewSender(slackc.NewClient("xoxb-test", slackc.ClientOptions{APIURL: sim.APIURL()}), nil)
	ctx := context.Background()
	post := func(key string, e rules.Notice, r rules.Route) slacksim.Message {
		t.Helper()
		ch, ts, err := s.Post(ctx, r.Channel, "", rules.Message{Key: key, Notice: e, Route: r, Status: rules.ThreadStatus{ThisLevel: e.Level}})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range sim.Messages(ch) {
			if m.TS == ts {
				return m
			}
		}
		t.Fatalf("%s not posted", key)
		return slacksim.Message{}
	}
	e := esc("SUP-1", 2, "team lead", rules.Recipient{Channel: "CLEAD"})
	e.Groups = []string{"support-leads", "no-such-group"}
	m := post("k1", e, rules.Route{Channel: "CLEAD"})
	if !strings.HasPrefix(m.Text, "<!subteam^S0LEADS> [L2") || !strings.Contains(string(m.Blocks), `"text":"\u003c!subteam^S0LEADS\u003e `) {
		t.Errorf("no mention: %s\n%s", m.Text, m.Blocks)
	}
	if strings.Contains(m.Text+string(m.Blocks), "no-such-group") || strings.Count(m.Text, "subteam") != 1 {
		t.Errorf("the unknown handle: %s", m.Text)
	}
	if err := s.Update(ctx, "CLEAD", m.TS, rules.Message{Notice: e, Route: rules.Route{Channel: "CLEAD"}, Status: rules.ThreadStatus{ThisLevel: 2}}); err != nil {
		t.Fatal(err)
	}
	if got := sim.Messages("CLEAD")[0]; !strings.HasPrefix(got.Text, "<!subteam^S0LEADS>") {
		t.Errorf("the edit dropped the mention: %s", got.Text)
	}

	e = esc("SUP-2", 1, "agent", rules.Recipient{User: "U1"})
	e.Groups = []string{"support-leads"}
	if m := post("k2", e, rules.Route{Channel: "U1", UserID: "U1"}); strings.Contains(m.Text, "subteam") {
		t.Errorf("a DM mentions the group: %s", m.Text)
	}
	if n := len(sim.Calls("usergroups.list")); n != 1 {
		t.Errorf("%d usergroups.list calls, want 1 within a minute", n)
	}
}

// Slack not answering usergroups.list for a moment (a 500, a rate limit:
// it is Tier 2) must not strip the mention from the next level's message,
// whose group would then not be notified: the last list Slack gave is
// used until it answers again.
func TestMentionSurvivesAnUnansweredGroupList(t *testing.T) {
	sim := slacksim.NewServer(slacksim.WithToken("xoxb-test"), slacksim.WithChannel("CLEAD", "#leads"),
		slacksim.WithUserGroup(slacksim.UserGroup{ID: "S0LEADS", Handle: "support-leads"}))
	defer sim.Close()
	now := time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)
	frozen := clock.Simulated(func() time.Time { return now })
	s := slackc.NewSender(slackc.NewClient("xoxb-test", slackc.ClientOptions{APIURL: sim.APIURL(), Clock: frozen}), nil)
	e := esc("SUP-1", 2, "team lead", rules.Recipient{Channel: "CLEAD"})
	e.Groups = []string{"support-leads"}
	for i, fault := range []bool{false, true, false} {
		if fault {
			sim.Inject(slacksim.Fault{Kind: slacksim.ServerError, Method: "usergroups.list"})
		}
		_, ts, err := s.Post(context.Background(), "CLEAD", "", rules.Message{Key: fmt.Sprint("k", i), Notice: e, Route: rules.Route{Channel: "CLEAD"}, Status: rules.ThreadStatus{ThisLevel: 2}})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range sim.Messages("CLEAD") {
			if m.TS == ts && !strings.HasPrefix(m.Text, "<!subteam^S0LEADS>") {
				t.Errorf("post %d (usergroups.list failing: %v) has no mention: %s", i, fault, m.Text)
			}
		}
		now = now.Add(61 * time.Second)
	}
	if n := len(sim.Calls("usergroups.list")); n != 3 {
		t.Errorf("%d usergroups.list calls, want 3 (one a minute)", n)
	}
}
