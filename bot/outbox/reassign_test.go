package outbox_test

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/slabot/slabot/bot/outbox"
	"github.com/slabot/slabot/bot/store"
	"github.com/slabot/slabot/bot/store/storetest"
	"github.com/slabot/slabot/connectors/slack/slacksim"
	"github.com/slabot/slabot/rules"
)

var (
	ana = rules.Recipient{AssigneeAccountID: "acc-ana", AssigneeEmail: "ana@example.com", AssigneeName: "Ana Ruiz", FallbackChannel: "C1"}
	bob = rules.Recipient{AssigneeAccountID: "acc-bob", AssigneeEmail: "bob@example.com", AssigneeName: "Bob Stone", FallbackChannel: "C1"}
)

// agentStep is the agent rung's 75% reminder of issue, due at due, for
// target, the issue having been held by earlier since.
func agentStep(issue string, due time.Time, target rules.Recipient, earlier ...rules.Recipient) rules.Notice {
	x := esc(issue, 1, "agent", target)
	x.Step, x.DueAt, x.Earlier = "75%/agent", due, earlier
	return x
}

// "A reminder not sent yet goes to whoever owns the issue now": the step
// fell due while Ana held the issue, Slack held it back (429 for longer
// than the dispatcher waits), Bob took the issue over: it goes to Bob's
// DM, and nothing to Ana's. Nothing was attempted, so nothing is looked up.
func TestUnsentStepFollowsTheAssignee(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		ctx := context.Background()
		e := newEnv(t, nil)
		e.enqueue(agentStep("SUP-90", e.clock.Now(), ana))
		e.sim.Inject(slacksim.Fault{Kind: slacksim.RateLimit, Method: "chat.postMessage", RetryAfter: 5 * time.Minute})
		if rep := e.pass(); rep.Sent != 0 || rep.RateLimited != 1 {
			t.Fatalf("first pass %+v: want the post refused with a 429", rep)
		}
		e.clock.Advance(2 * time.Minute)
		// The worker offers the step again at every tick, now for Bob.
		if ok, err := e.ob.Escalate(ctx, e.clock.Now(), agentStep("SUP-90", start, bob, ana)); err != nil || ok {
			t.Fatalf("Escalate again: inserted=%v err=%v, want the row kept", ok, err)
		}
		e.drain(10)
		anaDM, _ := e.sim.DMChannel("UANA")
		bobDM, _ := e.sim.DMChannel("UBOB")
		key := rules.NoticeKey("SUP-90", "resolution", 1, "75%/agent")
		if r, _ := e.ob.Get(ctx, key); r.State != outbox.StateSent || r.Channel != bobDM || bobDM == "" {
			t.Errorf("row %s in %q, want sent to Bob's DM %q", r.State, r.Channel, bobDM)
		}
		if anaDM != "" && len(e.sim.Messages(anaDM)) != 0 {
			t.Errorf("Ana, who no longer holds the issue, got %d messages", len(e.sim.Messages(anaDM)))
		}
		if n := len(e.sim.Calls("conversations.history")); n != 0 {
			t.Errorf("%d look-ups for a step never attempted", n)
		}

		// A sent step stays where it went: the issue changing hands again
		// changes nothing.
		if _, err := e.ob.Escalate(ctx, e.clock.Now(), agentStep("SUP-90", start, ana, bob)); err != nil {
			t.Fatal(err)
		}
		e.drain(3)
		if r, _ := e.ob.Get(ctx, key); r.Channel != bobDM || len(byKey(e.sim.AllMessages())[key]) != 1 {
			t.Errorf("after handing the issue back: row in %q, %d messages", r.Channel, len(byKey(e.sim.AllMessages())[key]))
		}
	})
}

// "A step that may already have been sent is looked for where it would
// have gone": Ana got SUP-91's reminder in her DM; the issue went to Bob;
// the database file was lost. The re-created row (due before the new
// file's horizon) is looked for in Bob's DM and in Ana's, found in Ana's,
// and not posted again. SUP-92's reminder fell due for Ana while slabot was
// down and was never sent: looked for in both DMs, found in neither,
// posted to Bob.
func TestLostDatabaseLooksInThePreviousAssigneesDM(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		ctx := context.Background()
		e := newEnv(t, nil)
		due := e.clock.Now()
		e.enqueue(agentStep("SUP-91", due, ana))
		e.drain(5)
		anaDM, _ := e.sim.DMChannel("UANA")
		if n := len(e.sim.Messages(anaDM)); anaDM == "" || n != 1 {
			t.Fatalf("%d messages in Ana's DM before the loss", n)
		}

		_ = e.store.Close()
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Remove(e.path + suffix); err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
		}
		e.clock.Advance(3*time.Hour + 17*time.Millisecond)
		e.path = lostDatabase(t, e.path)
		st, err := store.Open(ctx, e.path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		e.store = st
		e.ob = e.outbox(nil)
		for _, x := range []rules.Notice{agentStep("SUP-91", due, bob, ana), agentStep("SUP-92", due.Add(time.Hour), bob, ana)} {
			if ok, err := e.ob.Escalate(ctx, e.clock.Now(), x); err != nil || !ok {
				t.Fatalf("Escalate %s: inserted=%v err=%v", x.IssueKey, ok, err)
			}
		}
		sum := e.drain(5)
		if sum.Reconciled != 1 || sum.Sent != 2 { // Sent counts the one recorded as found
			t.Errorf("after the loss %+v: want SUP-91 found, SUP-92 posted", sum)
		}
		bobDM, _ := e.sim.DMChannel("UBOB")
		got := byKey(e.sim.AllMessages())
		for k, want := range map[string]string{
			rules.NoticeKey("SUP-91", "resolution", 1, "75%/agent"): anaDM,
			rules.NoticeKey("SUP-92", "resolution", 1, "75%/agent"): bobDM,
		} {
			if ms := got[k]; len(ms) != 1 || ms[0].Channel != want {
				t.Errorf("%s: %d messages (first in %v), want one in %s", k, len(ms), channels(ms), want)
			}
		}
		var looked []string
		for _, c := range e.sim.Calls("conversations.history") {
			looked = append(looked, c.Channel)
		}
		if !slices.Contains(looked, anaDM) || !slices.Contains(looked, bobDM) {
			t.Errorf("looked in %v, want Ana's DM %s and Bob's %s", looked, anaDM, bobDM)
		}
	})
}

func channels(ms []slacksim.Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Channel)
	}
	return out
}
