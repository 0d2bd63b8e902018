package outbox_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/slabot/slabot/bot/outbox"
	"github.com/slabot/slabot/bot/store/storetest"
	"github.com/slabot/slabot/rules"
)

// blockSleeps makes the clock's sleepers wait for the test (see
// fakeClock.sleeping) and returns the channel their wake-up instants
// arrive on.
func (c *fakeClock) blockSleeps() <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeping, c.moved = make(chan time.Time, 16), make(chan struct{})
	return c.sleeping
}

// blockedSleep waits until the clock reaches now+d or ctx ends. Called
// with c.mu held; it unlocks.
func (c *fakeClock) blockedSleep(ctx context.Context, d time.Duration) error {
	wake := c.t.Add(d)
	c.sleeps = append(c.sleeps, d)
	moved := c.moved
	c.mu.Unlock()
	c.sleeping <- wake
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-moved:
		}
		c.mu.Lock()
		reached := !c.t.Before(wake)
		moved = c.moved
		c.mu.Unlock()
		if reached {
			return nil
		}
	}
}

// nextSleep is the wake-up instant of the dispatch loop's next sleep: the
// loop has finished a pass and is idle until then.
func nextSleep(t *testing.T, sleeping <-chan time.Time) time.Time {
	t.Helper()
	select {
	case at := <-sleeping:
		return at
	case <-time.After(30 * time.Second): // a hang guard, not a timing assertion
		t.Fatal("the dispatch loop never went to sleep")
		return time.Time{}
	}
}

// aheadEsc is a 75% reminder of SAN-2 (critical, 1 h) recorded at start
// for its instant, 45 minutes and 585 ms later: the time left in it is as
// of that instant.
func aheadEsc() rules.Notice {
	x := esc("SAN-2", 1, "agent", rules.Recipient{Channel: "C1"})
	x.Goal, x.Step = "first_response", "75%/agent"
	x.DueAt = start.Add(45*time.Minute + 585*time.Millisecond)
	x.Deadline = start.Add(time.Hour + 585*time.Millisecond)
	x.Remaining, x.AsOf, x.Status = 15*time.Minute, x.DueAt, "at risk"
	return x
}

// Issue 21, "On time, not on the tick": "The outbox holds it with its due
// time; the dispatcher wakes for the next due row (not a fixed interval)
// ... A step posts within 2 seconds of its instant." The dispatch loop,
// idle with nothing due, sleeps its whole Interval; a step recorded ahead
// of its instant wakes it at once, and it then sleeps exactly until the
// instant; moving the simulated clock there posts the step at that
// instant, saying the time left as of it.
func TestRunWakesForTheNextDueRow(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		e := newEnv(t, func(o *outbox.Options) { o.Interval = time.Hour })
		sleeping := e.clock.blockSleeps()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); _ = e.ob.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-done })

		if at := nextSleep(t, sleeping); !at.Equal(start.Add(time.Hour)) {
			t.Fatalf("with nothing due the loop sleeps until %v; want the interval's end %v", at, start.Add(time.Hour))
		}
		x := aheadEsc()
		if ok, err := e.ob.Escalate(ctx, e.clock.Now(), x); err != nil || !ok {
			t.Fatalf("record ahead: %v %v", ok, err)
		}
		if at := nextSleep(t, sleeping); !at.Equal(x.DueAt) {
			t.Fatalf("after a row was recorded ahead the loop sleeps until %v; want its instant %v", at, x.DueAt)
		}
		if n := len(e.sim.Calls("chat.postMessage")); n != 0 {
			t.Fatalf("%d posts before the instant", n)
		}
		e.clock.Advance(x.DueAt.Sub(e.clock.Now()))
		nextSleep(t, sleeping) // the pass at the instant is done
		posts := e.sim.Calls("chat.postMessage")
		if len(posts) != 1 || posts[0].Error != "" {
			t.Fatalf("posts %+v; want the reminder", posts)
		}
		if late := posts[0].At.Sub(x.DueAt); late < 0 || late > 2*time.Second {
			t.Fatalf("posted at %v, %v after its instant %v; want within 2 s", posts[0].At, late, x.DueAt)
		}
		msgs := e.sim.Messages("C1")
		if len(msgs) != 1 || strings.Contains(msgs[0].Text, "less than a minute") || !strings.Contains(msgs[0].Text, "15m") {
			t.Fatalf("message %q; want the time left as of the instant (15m), not as of the poll after it", msgs[0].Text)
		}
		if r, _ := e.ob.Get(ctx, rules.NoticeKey("SAN-2", "first_response", 1, "75%/agent")); r.State != outbox.StateSent || !r.DueAt.Equal(x.DueAt) {
			t.Fatalf("row %+v", r)
		}
	})
}

// A row recorded ahead follows what the next evaluations say until its
// instant: handed over with a later instant (a pause moved the deadline)
// it moves; no longer handed over (the clock paused) it is withdrawn and
// nothing is sent at the old instant; handed over again (the clock
// resumed) it is taken up with its new instant and sent then. The key
// stays what the step is.
func TestAheadRowMovesWithdrawsAndReturns(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		e := newEnv(t, nil)
		ctx := context.Background()
		x := aheadEsc()
		key := rules.NoticeKey(x.IssueKey, x.Goal, x.Cycle, x.Step)
		e.enqueue(x)
		// Not due yet: no backlog (slabot_outbox_oldest_pending_seconds).
		if _, ok, err := e.ob.OldestPending(ctx); ok || err != nil {
			t.Fatalf("a row ahead of its instant counts as backlog: %v %v", ok, err)
		}
		if c, _ := e.ob.Counts(ctx); c["ahead"] != 1 || c[outbox.StatePending] != 1 {
			t.Fatalf("counts %v; want the row pending and ahead", c)
		}

		moved := x
		moved.DueAt = x.DueAt.Add(20 * time.Minute)
		moved.AsOf = moved.DueAt
		if ok, err := e.ob.Escalate(ctx, e.clock.Now(), moved); err != nil || ok {
			t.Fatalf("hand over again: inserted=%v err=%v; want the row updated, not a second one", ok, err)
		}
		if r, _ := e.ob.Get(ctx, key); !r.DueAt.Equal(moved.DueAt) || !r.NextAttemptAt.Equal(moved.DueAt) || r.State != outbox.StatePending {
			t.Fatalf("row after the move: due %v next %v %s; want both %v", r.DueAt, r.NextAttemptAt, r.State, moved.DueAt)
		}
		if at, ok := e.ob.NextDue(ctx); !ok || !at.Equal(moved.DueAt) {
			t.Fatalf("next due %v %v; want %v", at, ok, moved.DueAt)
		}
		// Reassigned before its instant: the row ahead goes to the new owner.
		reassigned := moved
		reassigned.Recipient = rules.Recipient{AssigneeAccountID: "acc-bob", AssigneeEmail: "bob@example.com", FallbackChannel: "C1"}
		if _, err := e.ob.Escalate(ctx, e.clock.Now(), reassigned); err != nil {
			t.Fatal(err)
		}
		if r, _ := e.ob.Get(ctx, key); !strings.Contains(string(r.Payload), "bob@example.com") {
			t.Fatalf("row ahead not re-pointed at the new assignee: %s", r.Payload)
		}

		// The clock paused: the evaluation no longer foresees the step.
		if n, err := e.ob.Withdraw(ctx, e.clock.Now(), []string{"SAN"}, map[string]bool{}); err != nil || n != 1 {
			t.Fatalf("withdraw: %d %v", n, err)
		}
		if n, err := e.ob.Withdraw(ctx, e.clock.Now(), []string{"OTHER"}, map[string]bool{}); err != nil || n != 0 {
			t.Fatalf("another product's withdraw touched SAN's rows: %d %v", n, err)
		}
		e.clock.Advance(moved.DueAt.Sub(e.clock.Now()))
		if rep := e.pass(); rep.Claimed != 0 || len(e.sim.Calls("chat.postMessage")) != 0 {
			t.Fatalf("a withdrawn row was sent: %+v", rep)
		}

		// Resumed: the step is foreseen again, for a later instant.
		back := x
		back.DueAt = e.clock.Now().Add(10*time.Minute + 7*time.Millisecond)
		back.AsOf = back.DueAt
		if _, err := e.ob.Escalate(ctx, e.clock.Now(), back); err != nil {
			t.Fatal(err)
		}
		if r, _ := e.ob.Get(ctx, key); r.State != outbox.StatePending || !r.DueAt.Equal(back.DueAt) {
			t.Fatalf("row handed over again after its withdrawal: %s due %v; want pending at %v", r.State, r.DueAt, back.DueAt)
		}
		e.clock.Advance(back.DueAt.Sub(e.clock.Now()) - time.Millisecond)
		if rep := e.pass(); rep.Sent != 0 {
			t.Fatalf("sent a millisecond before its instant: %+v", rep)
		}
		e.clock.Advance(time.Millisecond)
		if got, ok, _ := e.ob.OldestPending(ctx); !ok || !got.Equal(back.DueAt) {
			t.Fatalf("oldest pending at the instant: %v %v; want it waiting since %v", got, ok, back.DueAt)
		}
		if rep := e.pass(); rep.Sent != 1 {
			t.Fatalf("not sent at its instant: %+v", rep)
		}
		if n, _ := e.ob.Withdraw(ctx, e.clock.Now(), []string{"SAN"}, map[string]bool{}); n != 0 {
			t.Fatalf("withdrew %d rows after the step was sent", n)
		}
	})
}

// "Just before sending, checks that the step still stands (goal not
// stopped, not held by an acknowledgement, not snoozed)": a reminder
// recorded ahead, then acknowledged in Slack before its instant, is
// cancelled at its instant with the acknowledgement as the reason (the
// README's hold until breach); one whose instant falls in a snooze clicked
// after it was recorded goes out when the snooze ends, not before; one
// whose goal was met meanwhile is cancelled.
func TestAheadRowStillStandsAtItsInstant(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		e := newEnv(t, nil)
		ctx := context.Background()
		rule := "reminders before the deadline are held back; the breach steps still fire"

		held := aheadEsc()
		held.Hold = &rules.Hold{Rule: rule}
		e.enqueue(held)
		snoozed := aheadEsc()
		snoozed.IssueKey, snoozed.IssueURL = "SAN-3", "https://acme.atlassian.net/browse/SAN-3"
		e.enqueue(snoozed)
		met := aheadEsc()
		met.IssueKey = "SAN-4"
		e.enqueue(met)

		clickAt := start.Add(10 * time.Minute)
		if _, _, err := e.ob.RecordAction(ctx, clickAt, rules.Click{Kind: rules.ClickAcknowledge, Issue: "SAN-2", Goal: held.Goal, Cycle: 1,
			Step: held.Step, User: "UANA", Name: "Ana Ruiz", Channel: "C1", At: clickAt}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.ob.RecordAction(ctx, clickAt, rules.Click{Kind: rules.ClickSnooze, Issue: "SAN-3", Goal: snoozed.Goal, Cycle: 1,
			Step: snoozed.Step, User: "UBOB", Channel: "C1", ActionTS: "1.1", At: clickAt, Snooze: time.Hour}); err != nil {
			t.Fatal(err)
		}
		if err := e.ob.GoalStopped(ctx, clickAt, "SAN-4", met.Goal, 1, rules.Stop{At: clickAt, Outcome: rules.StateMet}); err != nil {
			t.Fatal(err)
		}

		e.clock.Advance(held.DueAt.Sub(e.clock.Now()))
		e.pass()
		if n := len(e.sim.Calls("chat.postMessage")); n != 0 {
			t.Fatalf("%d posts at the instant; want none (held, snoozed, met)", n)
		}
		r, _ := e.ob.Get(ctx, rules.NoticeKey("SAN-2", held.Goal, 1, held.Step))
		if r.State != outbox.StateCancelled || !strings.Contains(r.LastError, "held back: acknowledged in Slack by <@UANA>") || !strings.Contains(r.LastError, rule) {
			t.Fatalf("acknowledged row: %s %q", r.State, r.LastError)
		}
		r, _ = e.ob.Get(ctx, rules.NoticeKey("SAN-4", met.Goal, 1, met.Step))
		if r.State != outbox.StateCancelled {
			t.Fatalf("row of a met goal: %s %q", r.State, r.LastError)
		}
		// The snooze ends at the deadline (before clickAt + 1h): never past it.
		r, _ = e.ob.Get(ctx, rules.NoticeKey("SAN-3", snoozed.Goal, 1, snoozed.Step))
		if r.State != outbox.StatePending || !r.NextAttemptAt.Equal(snoozed.Deadline) || !strings.Contains(r.LastError, "snoozed") {
			t.Fatalf("snoozed row: %s next %v %q; want pending until the deadline %v", r.State, r.NextAttemptAt, r.LastError, snoozed.Deadline)
		}
		// The ledger says why neither was sent at its instant: held by Ana's
		// acknowledgement, waiting for Bob's snooze (once, however many
		// passes find it so).
		e.pass()
		for _, c := range []struct {
			issue string
			event rules.LedgerEvent
			by    string
		}{{"SAN-2", rules.LedgerHeld, "UANA"}, {"SAN-3", rules.LedgerSnoozed, "UBOB"}} {
			l, err := e.ob.Ledger(ctx, c.issue)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, en := range l {
				if en.Event == c.event && en.By == c.by && en.Step == held.Step {
					n++
				}
			}
			if n != 1 {
				t.Errorf("%s: %d %s entries by %s, want 1: %+v", c.issue, n, c.event, c.by, l)
			}
		}
		// A thread whose goal is recorded as met, or whose only step was
		// cancelled, is not open; the snoozed one is.
		if open, err := e.ob.OpenThreads(ctx, []string{"SAN"}); err != nil || len(open) != 1 || !open[outbox.ThreadKey("SAN-3", snoozed.Goal, 1)] {
			t.Fatalf("open threads %v %v; want SAN-3's only", open, err)
		}
		e.clock.Advance(snoozed.Deadline.Sub(e.clock.Now()))
		e.pass()
		posts := e.sim.Calls("chat.postMessage")
		if len(posts) != 1 || !posts[0].At.Equal(snoozed.Deadline) {
			t.Fatalf("posts %+v; want the snoozed reminder at the snooze's end %v", posts, snoozed.Deadline)
		}
	})
}

// Issue 21: "`slabot once` delivers every due level of every thread in
// order before it exits." Four levels of one thread are due: a pass sends
// one level per thread (a later step waits for the earlier one, so a
// reply finds its parent); DeliverDue makes passes until none is due, and
// all four are in the channel, in ladder order, the three later ones
// replies in the first one's thread.
func TestDeliverDueSendsEveryLevelInOrder(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		e := newEnv(t, nil)
		for lvl := 1; lvl <= 4; lvl++ {
			x := esc("SAN-7", lvl, "team lead", rules.Recipient{Channel: "C1"})
			x.DueAt = start.Add(time.Duration(lvl-5) * time.Hour)
			e.enqueue(x)
		}
		rep, err := e.ob.DeliverDue(context.Background(), 50)
		if err != nil || rep.Sent != 4 {
			t.Fatalf("DeliverDue: %+v %v; want 4 sent", rep, err)
		}
		msgs := e.sim.Messages("C1")
		if len(msgs) != 4 {
			t.Fatalf("%d messages in the channel; want 4", len(msgs))
		}
		keys := byKey(msgs)
		var prev time.Time
		for lvl := 1; lvl <= 4; lvl++ {
			m := keys[lkey("SAN-7", "resolution", 1, lvl)]
			if len(m) != 1 {
				t.Fatalf("level %d: %d messages", lvl, len(m))
			}
			if lvl > 1 && m[0].ThreadTS != msgs[0].TS {
				t.Errorf("level %d is not a reply in the first level's thread", lvl)
			}
			sent := e.row("SAN-7", lvl).SentAt
			if sent.Before(prev) {
				t.Errorf("level %d sent at %v, before level %d (%v)", lvl, sent, lvl-1, prev)
			}
			prev = sent
		}
	})
}
