package main

import (
	"os"
	"testing"
	"time"

	"github.com/slabot/slabot/connectors/jira/jirasim"
	"github.com/slabot/slabot/connectors/slack/slacksim"
	"github.com/slabot/slabot/rules"
)

// "Never double-pings", across a reassignment and a lost database. The
// agent rung goes to the assignee's DM. Boris gets the 50% reminder of an
// issue; slabot is down while the 75% reminder falls due (Boris still
// assigned); the issue is reassigned to Lina by hand in Jira; the database
// file is lost; slabot restarts. The 50% reminder must be found in Boris's
// DM (where it went) and not posted again to Lina; the 75% reminder, never
// sent, goes to Lina, who owns the issue now. Boris's e-mail (which the
// Slack lookup needs) is no longer on the issue: slabot knows it from his
// other issue.
func TestReassignedThenDatabaseLost(t *testing.T) {
	t.Parallel() // its own simulators, database and clock; no environment
	ctx := t.Context()
	d := newTestDemo(t, ctx)
	d.ssim.AddUser(slacksim.User{ID: leadUser, Name: "lina", Real: "Lina Lead", Email: leadEmail})
	bp := policyFor(d.policies, "BEXP")
	withHalfwayStep(bp, bp.Ladder.Ack)

	// Tuesday 3 November 2026, 08:00:00.412 UTC.
	d.clock.Set(time.Date(2026, 11, 3, 8, 0, 0, 412*int(time.Millisecond), time.UTC))
	open := func(summary, priority string) string {
		key, err := d.jsim.CreateIssue(jirasim.Issue{Project: "BEXP", Type: "Question", Priority: priority, Reporter: botronCust,
			Assignee: botronAgent, Summary: summary, Description: "Exporter 4.2 on Windows", Created: d.clock.Now(), Status: "Open"})
		if err != nil {
			t.Fatal(err)
		}
		return key
	}
	key := open("Export stops at 99% — «Übersicht» tab", "Medium")
	open("Licence renewal question", "Low") // Boris's other issue: slabot knows his e-mail from it

	tick := func() {
		d.clock.Advance(d.tick)
		if err := d.cycleAll(ctx, d.clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	// posted lists the channels the step's message is in, one entry a message.
	posted := func(step string) []string {
		var out []string
		for _, m := range d.ssim.AllMessages() {
			if m.Metadata != nil && m.Metadata.EventPayload["key"] == rules.NoticeKey(key, "first_response", 1, step) {
				out = append(out, m.Channel)
			}
		}
		return out
	}
	for i := 0; len(posted("50%/agent")) == 0; i++ {
		if i == 400 {
			t.Fatal("the 50% reminder was never posted")
		}
		tick()
	}
	borisDM, ok := d.ssim.DMChannel("U0BOTRON")
	if got := posted("50%/agent"); !ok || got[0] != borisDM {
		t.Fatalf("50%% reminder in %v, want Boris's DM %s", got, borisDM)
	}
	_, ev := d.worker.Outcomes(bp.Product, d.clock.Now())
	at75 := ladderStepAt(t, ev, key, "75%")

	// slabot stops; the 75% reminder falls due with Boris assigned; then
	// the issue is reassigned to Lina and the database file is lost.
	d.stop()
	d.clock.Set(at75.Add(20 * time.Minute))
	if err := d.jsim.Assign(key, botronLead, botronLead, d.clock.Now()); err != nil {
		t.Fatal(err)
	}
	d.clock.Set(at75.Add(35 * time.Minute))
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(d.dbPath + suffix); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	if err := d.start(ctx); err != nil {
		t.Fatal(err)
	}
	for range 4 {
		tick()
	}

	postedOnce(t, d.ssim)
	if got := posted("50%/agent"); len(got) != 1 || got[0] != borisDM {
		t.Errorf("50%% reminder in %v, want one message, in Boris's DM %s", got, borisDM)
	}
	linaDM, _ := d.ssim.DMChannel(leadUser)
	if got := posted("75%/agent"); len(got) != 1 || got[0] != linaDM {
		t.Errorf("75%% reminder in %v, want one message, in Lina's DM %s (she owns the issue now)", got, linaDM)
	}
	looked := false
	for _, c := range d.ssim.Calls("conversations.history") {
		looked = looked || c.Channel == borisDM
	}
	if !looked {
		t.Error("after the loss slabot never looked in Boris's DM")
	}
}
