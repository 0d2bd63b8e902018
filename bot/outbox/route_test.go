package outbox_test

import (
	"strings"
	"testing"

	"github.com/slabot/slabot/bot/outbox"
	"github.com/slabot/slabot/bot/store/storetest"
	"github.com/slabot/slabot/rules"
)

// The agent rung resolves by the configured mapping first (Jira accountId,
// then e-mail), then users.lookupByEmail (cached), then falls back to the
// support channel with the assignee's name written out.
func TestAgentResolution(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		e := newEnvDir(t, map[string]string{"acc-bob": "UBOB", "Ana.Alias@Example.com": "UANA"}, nil)
		agent := func(issue string, tg rules.Recipient) {
			tg.FallbackChannel = "C1"
			e.enqueue(esc(issue, 1, "agent", tg))
		}
		agent("SUP-10", rules.Recipient{AssigneeAccountID: "acc-bob", AssigneeEmail: "someone-else@example.com"}) // mapping by accountId
		agent("SUP-11", rules.Recipient{AssigneeAccountID: "acc-x", AssigneeEmail: "ana.alias@example.com"})      // mapping by e-mail
		agent("SUP-12", rules.Recipient{AssigneeAccountID: "acc-ana", AssigneeEmail: "ana@example.com"})          // lookup
		agent("SUP-13", rules.Recipient{AssigneeAccountID: "acc-ana", AssigneeEmail: "ANA@example.com"})          // lookup, cached
		agent("SUP-14", rules.Recipient{AssigneeAccountID: "acc-zoe", AssigneeEmail: "zoe@example.com", AssigneeName: "Zoe Park"})
		e.drain(5)

		bobDM, _ := e.sim.DMChannel("UBOB")
		anaDM, _ := e.sim.DMChannel("UANA")
		want := map[string]string{"SUP-10": bobDM, "SUP-11": anaDM, "SUP-12": anaDM, "SUP-13": anaDM, "SUP-14": "C1"}
		for issue, ch := range want {
			if r := e.row(issue, 1); r.State != outbox.StateSent || r.Channel != ch || ch == "" {
				t.Errorf("%s sent to %q (state %s); want %q", issue, r.Channel, r.State, ch)
			}
		}
		if n := len(e.sim.Calls("users.lookupByEmail")); n != 2 { // ana once (cached), zoe once
			t.Errorf("%d users.lookupByEmail calls; want 2", n)
		}
		if n := len(e.sim.Calls("conversations.open")); n != 2 { // one per user, cached
			t.Errorf("%d conversations.open calls; want 2", n)
		}
		fb := e.sim.Messages("C1")
		if len(fb) != 1 || !strings.Contains(fb[0].Text, "Assignee: Zoe Park (zoe@example.com)") ||
			!strings.Contains(string(fb[0].Blocks), "No Slack user found for the assignee Zoe Park") {
			t.Fatalf("fallback message: %+v", fb)
		}
	})
}

// A mapping to a deactivated user does not swallow the escalation.
func TestDMFailureFallsBack(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		e := newEnvDir(t, map[string]string{"acc-gone": "UGONE"}, nil)
		e.enqueue(esc("SUP-15", 1, "agent", rules.Recipient{AssigneeAccountID: "acc-gone", AssigneeName: "Gus", FallbackChannel: "C1"}))
		e.drain(5)
		m := e.sim.Messages("C1")
		if len(m) != 1 || !strings.Contains(string(m[0].Blocks), "Could not message the assignee Gus (Slack user UGONE: user_not_found)") {
			t.Fatalf("messages: %+v", m)
		}
	})
}
