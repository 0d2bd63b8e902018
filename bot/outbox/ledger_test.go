package outbox_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/slabot/slabot/bot/outbox"
	"github.com/slabot/slabot/bot/store"
	"github.com/slabot/slabot/bot/store/storetest"
	"github.com/slabot/slabot/rules"
)

// step is esc with a step identity and a due instant.
func step(issue string, level int, id, rung string, target rules.Recipient, due time.Time) rules.Notice {
	x := esc(issue, level, rung, target)
	x.Step, x.DueAt = id, due
	return x
}

// events lists the ledger's entries of one step, as "event" words.
func events(lg []rules.LedgerEntry, goal, step string) []string {
	var out []string
	for _, e := range lg {
		if e.Goal == goal && e.Step == step && e.Event != rules.LedgerClicked {
			out = append(out, string(e.Event))
		}
	}
	return out
}

func entry(t *testing.T, lg []rules.LedgerEntry, stepID string, ev rules.LedgerEvent) rules.LedgerEntry {
	t.Helper()
	for _, e := range lg {
		if e.Step == stepID && e.Event == ev {
			return e
		}
	}
	t.Fatalf("no %s entry for %s in %+v", ev, stepID, lg)
	return rules.LedgerEntry{}
}

// Issue 21: "Per issue and goal cycle, the history of its notices:
// recorded, held (by whose acknowledgement), snoozed (by whom, until
// when), skipped (which rule), sent (where, Slack ts, when), blocked
// (why), cancelled (why); and the clicks." Each is entered where it
// happens, once, and a step is never said to be held, skipped or snoozed
// once it went its ordinary way.
func TestLedgerRecordsWhatHappenedToEachStep(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		e := newEnv(t, func(o *outbox.Options) { o.Channels = map[string]string{"#support-leads": "CLEAD"} })
		ctx := context.Background()
		due := start.Add(-90 * time.Minute).Add(250 * time.Millisecond)
		// 75%/agent goes to the assignee's DM; breach/team_lead to the leads' channel.
		e.enqueue(step("SUP-3", 1, "75%/agent", "agent", rules.Recipient{AssigneeEmail: "ana@example.com", AssigneeName: "Ana Ruiz", FallbackChannel: "C1"}, due))
		e.enqueue(step("SUP-3", 2, "breach/team_lead", "team lead", rules.Recipient{Channel: "#support-leads"}, due.Add(30*time.Minute)))
		// breach+2h/management is held back by an acknowledgement: the worker
		// records it with a Skip and notes why.
		ack := start.Add(-10 * time.Minute)
		held := step("SUP-3", 3, "breach+2h/management", "management", rules.Recipient{Channel: "CMGMT"}, due.Add(time.Hour))
		held.Skip = "held back: acknowledged in Slack by <@UBOB>"
		e.enqueue(held)
		heldNote := rules.LedgerEntry{Issue: "SUP-3", Goal: "resolution", Cycle: 1, Step: held.Step, Level: 3, Event: rules.LedgerHeld,
			DueAt: held.DueAt, Rule: rules.RuleAcknowledgement, By: "UBOB", ByName: "Bob Stone", ByAt: ack, Reason: "reminders are held back"}
		// A step a policy edit added: skipped by the catch-up rule, no row.
		caught := rules.LedgerEntry{Issue: "SUP-3", Goal: "resolution", Cycle: 1, Step: "50%/agent", Level: 1, Event: rules.LedgerSkipped,
			DueAt: due.Add(-time.Hour), Rule: rules.RuleCatchUp, Reason: "catch-up rule: step 50%/agent was added after its instant"}
		// A step waiting for a snooze: no row yet.
		snoozed := rules.LedgerEntry{Issue: "SUP-3", Goal: "resolution", Cycle: 1, Step: "breach+4h/management", Level: 4, Event: rules.LedgerSnoozed,
			DueAt: start.Add(-time.Minute), By: "UBOB", ByName: "Bob Stone", ByAt: start.Add(-5 * time.Minute), Until: start.Add(50 * time.Minute)}
		// The worker offers its notes at every cycle: twice here. The second
		// time the snooze's end moved (a paused goal's projected deadline caps
		// it): still the same snooze, entered once.
		for i := range 2 {
			moved := snoozed
			moved.Until = moved.Until.Add(time.Duration(i) * time.Minute)
			for _, n := range []rules.LedgerEntry{heldNote, caught, moved} {
				if err := e.ob.Note(ctx, e.clock.Now(), n); err != nil {
					t.Fatal(err)
				}
			}
		}
		if _, _, err := e.ob.RecordAction(ctx, ack, rules.Click{Kind: rules.ClickAcknowledge, Issue: "SUP-3", Goal: "resolution", Cycle: 1,
			Step: "75%/agent", User: "UBOB", Name: "Bob Stone", Channel: "CLEAD", At: ack}); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(1500 * time.Millisecond)
		if rep := e.drain(5); rep.Sent != 2 {
			t.Fatalf("pass %+v, want the two steps not held sent", rep)
		}
		// Later notes that are no longer true are refused: the 75% step was
		// sent, so it is not "held" after the fact.
		late := heldNote
		late.Step, late.Level = "75%/agent", 1
		if err := e.ob.Note(ctx, e.clock.Now(), late); err != nil {
			t.Fatal(err)
		}

		lg, err := e.ob.Ledger(ctx, "SUP-3")
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			step string
			want string
		}{
			{"75%/agent", "recorded sent"},
			{"breach/team_lead", "recorded sent"},
			{"breach+2h/management", "held"},
			{"50%/agent", "skipped"},
			{"breach+4h/management", "snoozed"},
		} {
			if got := strings.Join(events(lg, "resolution", c.step), " "); got != c.want {
				t.Errorf("step %s: %q, want %q", c.step, got, c.want)
			}
		}
		dm, ok := e.sim.DMChannel("UANA")
		if !ok {
			t.Fatal("no DM with Ana was opened")
		}
		sent := entry(t, lg, "75%/agent", rules.LedgerSent)
		msgs := e.sim.Messages(dm)
		if len(msgs) != 1 || sent.Channel != dm || sent.TS != msgs[0].TS || sent.DMName != "Ana Ruiz (ana@example.com)" ||
			sent.At.Before(start.Add(1500*time.Millisecond)) || sent.At.After(e.clock.Now()) || !sent.DueAt.Equal(due) {
			t.Errorf("sent entry %+v; DM %s messages %+v", sent, dm, msgs)
		}
		if d := sent.Destination(); !strings.Contains(d, "the DM of Ana Ruiz (ana@example.com) (conversation "+dm+")") || strings.Contains(d, "C1") {
			t.Errorf("destination %q names the rung's channel, not the DM", d)
		}
		lead := entry(t, lg, "breach/team_lead", rules.LedgerSent)
		if lead.Channel != "CLEAD" || lead.ChannelName != "#support-leads" || lead.Destination() != "#support-leads (CLEAD)" || lead.TS == "" {
			t.Errorf("lead entry %+v (%s)", lead, lead.Destination())
		}
		if h := entry(t, lg, "breach+2h/management", rules.LedgerHeld); h.By != "UBOB" || !h.ByAt.Equal(ack) || h.Rule != rules.RuleAcknowledgement {
			t.Errorf("held entry %+v", h)
		}
		if s := entry(t, lg, "breach+4h/management", rules.LedgerSnoozed); s.By != "UBOB" || !s.Until.Equal(start.Add(50*time.Minute)) {
			t.Errorf("snoozed entry %+v", s)
		}
		if c := entry(t, lg, "75%/agent", rules.LedgerClicked); c.Click != "acknowledge" || c.By != "UBOB" || !c.At.Equal(ack) {
			t.Errorf("click entry %+v", c)
		}
		if n := len(lg); n != 8 {
			t.Errorf("%d entries, want 8 (each once):\n%+v", n, lg)
		}
	})
}

// "blocked (why), cancelled (why)": a step whose channel is gone is
// blocked with Slack's reason; a step not sent when its goal stops is
// cancelled, with the reason, and never said to be sent.
func TestLedgerRecordsBlockedAndCancelled(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		e := newEnv(t, func(o *outbox.Options) { o.BlockedRetry = 5 * time.Minute })
		ctx := context.Background()
		e.enqueue(step("SUP-4", 1, "75%/agent", "agent", rules.Recipient{Channel: "CGONE"}, start))
		e.enqueue(step("SUP-5", 1, "75%/agent", "agent", rules.Recipient{Channel: "C1"}, start))
		e.enqueue(step("SUP-5", 2, "breach/team_lead", "team lead", rules.Recipient{Channel: "CLEAD"}, start.Add(time.Minute)))
		if err := e.ob.GoalStopped(ctx, e.clock.Now(), "SUP-5", "resolution", 1, rules.Stop{}); err != nil {
			t.Fatal(err)
		}
		if rep := e.pass(); rep.Blocked != 1 || rep.Sent != 0 {
			t.Fatalf("pass %+v", rep)
		}
		lg, err := e.ob.Ledger(ctx, "SUP-4")
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(events(lg, "resolution", "75%/agent"), " "); got != "recorded blocked" {
			t.Fatalf("blocked step: %q", got)
		}
		if b := entry(t, lg, "75%/agent", rules.LedgerBlocked); !strings.Contains(b.Reason, "channel_not_found") {
			t.Errorf("blocked entry %+v", b)
		}
		lg, err = e.ob.Ledger(ctx, "SUP-5")
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{"75%/agent", "breach/team_lead"} {
			if got := strings.Join(events(lg, "resolution", s), " "); got != "recorded cancelled" {
				t.Errorf("step %s: %q, want recorded cancelled", s, got)
			}
			if c := entry(t, lg, s, rules.LedgerCancelled); c.Reason != "goal stopped before sending" {
				t.Errorf("cancelled entry %+v", c)
			}
		}
		// A step recorded after the goal stopped is entered as cancelled.
		e.enqueue(step("SUP-5", 3, "breach+2h/management", "management", rules.Recipient{Channel: "CMGMT"}, start.Add(2*time.Minute)))
		lg, _ = e.ob.Ledger(ctx, "SUP-5")
		if got := strings.Join(events(lg, "resolution", "breach+2h/management"), " "); got != "cancelled" {
			t.Errorf("step recorded after the stop: %q", got)
		}
	})
}

// "Retention follows the outbox's retention": a thread's entries go with
// its last row, not before.
func TestLedgerPrunedWithItsThread(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		e := newEnv(t, func(o *outbox.Options) { o.Retention = 24 * time.Hour })
		ctx := context.Background()
		e.enqueue(step("SUP-6", 1, "75%/agent", "agent", rules.Recipient{Channel: "C1"}, start))
		e.enqueue(step("SUP-7", 1, "75%/agent", "agent", rules.Recipient{Channel: "C1"}, start))
		e.drain(5)
		if err := e.ob.GoalStopped(ctx, e.clock.Now(), "SUP-6", "resolution", 1, rules.Stop{}); err != nil {
			t.Fatal(err)
		}
		e.drain(5)
		later := e.clock.Now().Add(48 * time.Hour)
		if _, err := e.ob.Prune(ctx, later); err != nil {
			t.Fatal(err)
		}
		for issue, want := range map[string]int{"SUP-6": 0, "SUP-7": 2} {
			lg, err := e.ob.Ledger(ctx, issue)
			if err != nil {
				t.Fatal(err)
			}
			if len(lg) != want {
				t.Errorf("%s: %d entries after pruning, want %d: %+v", issue, len(lg), want, lg)
			}
		}
	})
}

// A database written by the previous release has rows and no ledger: the
// upgraded outbox fills the ledger from them once, so explain does not
// call "not sent" a step the previous release sent to the assignee's DM,
// and later notes of the same facts add nothing.
func TestLedgerFilledFromThePreviousReleasesRows(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		e := newEnv(t, nil)
		ctx := context.Background()
		due := start.Add(-time.Hour)
		e.enqueue(step("SUP-8", 1, "75%/agent", "agent", rules.Recipient{AssigneeEmail: "ana@example.com", AssigneeName: "Ana Ruiz", FallbackChannel: "C1"}, due))
		held := step("SUP-8", 2, "breach/team_lead", "team lead", rules.Recipient{Channel: "CLEAD"}, due.Add(30*time.Minute))
		held.Skip = "held back: acknowledged in Slack by <@UBOB> at 2026-03-02T08:40:00Z (reminders are held back)"
		e.enqueue(held)
		caught := step("SUP-8", 3, "breach+2h/management", "management", rules.Recipient{Channel: "CMGMT"}, due.Add(45*time.Minute))
		caught.Skip = "catch-up rule: step breach+2h/management was added to the policy after its instant for this issue"
		e.enqueue(caught)
		e.drain(5)
		// What the previous release left: the same rows, schema 4, no ledger.
		for _, q := range []string{`DROP TABLE ledger`, `ALTER TABLE outbox DROP COLUMN dest`, `ALTER TABLE leases DROP COLUMN token`, `DELETE FROM schema_migrations WHERE version > 4`, `DELETE FROM cursors WHERE name = 'outbox:ledger-from-rows'`} {
			if _, err := e.store.Exec(ctx, nil, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if err := e.store.Close(); err != nil {
			t.Fatal(err)
		}
		st, err := store.Open(ctx, e.path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		e.store = st
		for range 2 { // a second start fills nothing more
			e.ob = e.outbox(nil)
		}
		// The worker goes on recording the same steps and noting the held one.
		for _, x := range []rules.Notice{step("SUP-8", 1, "75%/agent", "agent", rules.Recipient{AssigneeEmail: "ana@example.com", FallbackChannel: "C1"}, due), held} {
			if _, err := e.ob.Escalate(ctx, e.clock.Now(), x); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.ob.Note(ctx, e.clock.Now(), rules.LedgerEntry{Issue: "SUP-8", Goal: "resolution", Cycle: 1, Step: "breach/team_lead", Event: rules.LedgerHeld}); err != nil {
			t.Fatal(err)
		}
		lg, err := e.ob.Ledger(ctx, "SUP-8")
		if err != nil {
			t.Fatal(err)
		}
		for s, want := range map[string]string{"75%/agent": "recorded sent", "breach/team_lead": "held", "breach+2h/management": "skipped"} {
			if got := strings.Join(events(lg, "resolution", s), " "); got != want {
				t.Errorf("step %s: %q, want %q", s, got, want)
			}
		}
		dm, _ := e.sim.DMChannel("UANA")
		if s := entry(t, lg, "75%/agent", rules.LedgerSent); s.Channel != dm || s.DMName != "Ana Ruiz (ana@example.com)" || s.At.IsZero() {
			t.Errorf("sent entry from the old row %+v", s)
		}
		if s := entry(t, lg, "breach+2h/management", rules.LedgerSkipped); s.Rule != rules.RuleCatchUp {
			t.Errorf("skipped entry from the old row %+v", s)
		}
	})
}

// A click bot.Clicks refused (not a member of the ladder's channels or
// groups) is stored nowhere else: the ledger keeps it with the reason,
// once per press however often Slack redelivers it, so explain can print
// it under its step and "why did my Acknowledge do nothing?" has an
// answer. An entry without the reason is refused (a click that was taken
// is entered by RecordAction).
func TestLedgerKeepsRefusedClicks(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		e := newEnv(t, nil)
		ctx := context.Background()
		at := e.clock.Now().Add(-time.Minute).UTC()
		refused := rules.LedgerEntry{Issue: "SUP-9", Goal: "resolution", Cycle: 1, Step: "breach/team_lead", Event: rules.LedgerClicked, At: at,
			By: "U0EVE", ByName: "eve", Click: string(rules.ClickAcknowledge), Reason: "refused: U0EVE is not a member of Support's escalation channels (#support-leads); nothing was done"}
		for range 2 {
			if err := e.ob.Note(ctx, e.clock.Now(), refused); err != nil {
				t.Fatal(err)
			}
		}
		later := refused
		later.At = at.Add(10 * time.Second)
		if err := e.ob.Note(ctx, e.clock.Now(), later); err != nil {
			t.Fatal(err)
		}
		noReason := refused
		noReason.Reason = ""
		if err := e.ob.Note(ctx, e.clock.Now(), noReason); err == nil {
			t.Error("a click without a reason was noted")
		}
		l, err := e.ob.Ledger(ctx, "SUP-9")
		if err != nil {
			t.Fatal(err)
		}
		if len(l) != 2 {
			t.Fatalf("ledger %+v, want the two presses once each", l)
		}
		if g := l[0]; g.Event != rules.LedgerClicked || g.Click != "acknowledge" || g.By != "U0EVE" || !g.At.Equal(at) || g.Reason != refused.Reason {
			t.Errorf("entry %+v", g)
		}
	})
}
