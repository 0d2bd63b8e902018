package outbox_test

import (
	"context"
	"strings"
	"testing"

	"github.com/slabot/slabot/bot/outbox"
	"github.com/slabot/slabot/bot/store/storetest"
	"github.com/slabot/slabot/rules"
)

// All three rungs post to the support channel: level 1 opens the message,
// levels 2 and 3 reply in its thread, in order, and the parent's status
// line follows the escalation. The three intents are queued at once: the
// outbox holds level 2 back until level 1 is in Slack.
func TestLadderThreadRepliesInOrder(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		e := newEnv(t, nil)
		e.enqueue(esc("SUP-1", 3, "management", rules.Recipient{Channel: "C1"}))
		e.enqueue(esc("SUP-1", 2, "team lead", rules.Recipient{Channel: "C1"}))
		e.enqueue(esc("SUP-1", 1, "agent", rules.Recipient{AssigneeEmail: "nobody@example.com", AssigneeName: "Nia Obi", FallbackChannel: "C1"}))
		rep := e.drain(10)
		if rep.Sent != 3 || rep.Replies != 2 {
			t.Fatalf("report %+v; want 3 sent, 2 replies", rep)
		}
		msgs := e.sim.Messages("C1")
		if len(msgs) != 3 {
			t.Fatalf("%d messages in C1; want 3", len(msgs))
		}
		parent, r2, r3 := msgs[0], msgs[1], msgs[2]
		if parent.IsReply() || !r2.IsReply() || !r3.IsReply() || r2.ThreadTS != parent.TS || r3.ThreadTS != parent.TS {
			t.Fatalf("threading wrong: %+v", msgs)
		}
		for i, m := range msgs {
			if want := lkey("SUP-1", "resolution", 1, i+1); m.Metadata == nil || m.Metadata.EventPayload["key"] != want {
				t.Fatalf("message %d metadata %+v; want key %s (levels out of order?)", i, m.Metadata, want)
			}
		}
		if !strings.Contains(parent.Text, "[L1 agent]") || !strings.Contains(parent.Text, "Assignee: Nia Obi (nobody@example.com)") {
			t.Errorf("parent text: %s", parent.Text)
		}
		if !strings.Contains(string(parent.Blocks), "Escalated to *level 3 · Management*") {
			t.Errorf("parent status line not updated to level 3: %s", parent.Blocks)
		}
		if len(parent.Edits) == 0 {
			t.Error("parent never updated")
		}
		if r := e.row("SUP-1", 2); r.State != outbox.StateSent || r.ThreadTS != parent.TS || r.TS != r2.TS || r.Channel != "C1" {
			t.Errorf("level 2 row %+v", r)
		}
	})
}

// Rungs in different places: the agent gets a DM, the team lead and
// management their channels. Each opens its own message (a thread in the
// agent's DM would reach no lead), and the earlier messages' status lines
// say how far the escalation went.
func TestLadderAcrossTargets(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		e := newEnv(t, nil)
		e.enqueue(esc("SUP-2", 1, "agent", rules.Recipient{AssigneeEmail: "ana@example.com", FallbackChannel: "C1"}))
		e.enqueue(esc("SUP-2", 2, "team lead", rules.Recipient{Channel: "CLEAD"}))
		e.enqueue(esc("SUP-2", 3, "management", rules.Recipient{Channel: "CMGMT"}))
		rep := e.drain(10)
		if rep.Sent != 3 || rep.Replies != 0 {
			t.Fatalf("report %+v", rep)
		}
		dm, ok := e.sim.DMChannel("UANA")
		if !ok {
			t.Fatal("no DM opened with the assignee")
		}
		for _, ch := range []string{dm, "CLEAD", "CMGMT"} {
			if n := len(e.sim.Messages(ch)); n != 1 {
				t.Fatalf("%d messages in %s; want 1", n, ch)
			}
		}
		if len(e.sim.Messages("C1")) != 0 {
			t.Error("fallback channel used although the assignee has a Slack user")
		}
		for _, ch := range []string{dm, "CLEAD"} {
			if m := e.sim.Messages(ch)[0]; !strings.Contains(string(m.Blocks), "Escalated to *level 3 · Management*") {
				t.Errorf("status line in %s not updated: %s", ch, m.Blocks)
			}
		}
		if m := e.sim.Messages("CMGMT")[0]; len(m.Edits) != 0 {
			t.Errorf("newest message was edited needlessly: %v", m.Edits)
		}
	})
}

// The goal met after level 1 was sent: the parent says so (an edit, not a
// new ping) and the pending level 2 is cancelled.
func TestGoalMetAfterSendingUpdatesParent(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		ctx := context.Background()
		e := newEnv(t, nil)
		e.enqueue(esc("SUP-3", 1, "team lead", rules.Recipient{Channel: "CLEAD"}))
		e.drain(5)
		e.clock.Advance(10 * 60e9)
		e.enqueue(esc("SUP-3", 2, "management", rules.Recipient{Channel: "CLEAD"}))
		if err := e.ob.GoalStopped(ctx, e.clock.Now(), "SUP-3", "resolution", 1, rules.Stop{}); err != nil {
			t.Fatal(err)
		}
		rep := e.drain(5)
		if rep.Updated != 1 || rep.Sent != 0 {
			t.Fatalf("report %+v; want one update, no send", rep)
		}
		msgs := e.sim.Messages("CLEAD")
		if len(msgs) != 1 || len(msgs[0].Edits) != 1 {
			t.Fatalf("messages %+v; want the parent, edited once", msgs)
		}
		if !strings.Contains(string(msgs[0].Blocks), "Resolution met*") || !strings.Contains(msgs[0].Text, "Met 2026-03-02 09:1") {
			t.Errorf("parent does not say met: %s / %s", msgs[0].Blocks, msgs[0].Text)
		}
		if posts := e.sim.Calls("chat.postMessage"); len(posts) != 1 {
			t.Errorf("%d posts; a met goal must not ping", len(posts))
		}
		if r := e.row("SUP-3", 2); r.State != outbox.StateCancelled {
			t.Errorf("level 2 state %s", r.State)
		}
	})
}

// The goal met before anything went out: nothing is sent at all.
func TestGoalMetBeforeSendingCancels(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		e := newEnv(t, nil)
		e.enqueue(esc("SUP-4", 1, "team lead", rules.Recipient{Channel: "CLEAD"}))
		if err := e.ob.GoalStopped(context.Background(), e.clock.Now(), "SUP-4", "resolution", 1, rules.Stop{}); err != nil {
			t.Fatal(err)
		}
		e.drain(3)
		if calls := e.sim.Calls("chat.postMessage", "chat.update"); len(calls) != 0 {
			t.Fatalf("calls after goal met: %+v", calls)
		}
		if r := e.row("SUP-4", 1); r.State != outbox.StateCancelled {
			t.Fatalf("state %s", r.State)
		}
	})
}
