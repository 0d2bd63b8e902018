package outbox_test

import (
	"context"
	"testing"
	"time"

	"github.com/slabot/slabot/bot/outbox"
	"github.com/slabot/slabot/bot/store/storetest"
	"github.com/slabot/slabot/rules"
)

// The outbox remembers which steps it recorded, so the hand-over of every
// due step at every cycle does not insert them again; the table stays the
// truth. Another process on the same file finds the row there; a row it
// withdrew is taken up again by this process's next hand-over; a row
// pruned past the retention is recorded anew when handed over again.
func TestRecordedStepsHandedOverAgain(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		retention := func(o *outbox.Options) { o.Retention = time.Hour }
		e := newEnv(t, retention)
		other := e.outbox(func(o *outbox.Options) { retention(o); o.Owner = "other" })
		ctx := context.Background()
		x := aheadEsc()
		key := rules.NoticeKey(x.IssueKey, x.Goal, x.Cycle, x.Step)
		e.enqueue(x)
		for name, ob := range map[string]*outbox.Outbox{"this process": e.ob, "another process": other} {
			if ok, err := ob.Escalate(ctx, e.clock.Now(), x); err != nil || ok {
				t.Fatalf("%s handed the step over again: inserted=%v err=%v; want the row found", name, ok, err)
			}
		}

		if n, err := other.Withdraw(ctx, e.clock.Now(), []string{"SAN"}, map[string]bool{}); err != nil || n != 1 {
			t.Fatalf("the other process's withdraw: %d %v", n, err)
		}
		back := x
		back.DueAt, back.AsOf = x.DueAt.Add(5*time.Minute), x.DueAt.Add(5*time.Minute)
		if ok, err := e.ob.Escalate(ctx, e.clock.Now(), back); err != nil || ok {
			t.Fatalf("hand-over after the withdrawal: inserted=%v err=%v", ok, err)
		}
		if r, _ := e.ob.Get(ctx, key); r.State != outbox.StatePending || !r.DueAt.Equal(back.DueAt) {
			t.Fatalf("row withdrawn by another process, handed over again here: %s due %v; want pending at %v", r.State, r.DueAt, back.DueAt)
		}

		e.clock.Advance(back.DueAt.Sub(e.clock.Now()))
		if sum := e.drain(5); sum.Sent != 1 {
			t.Fatalf("at its instant: %+v; want the step sent", sum)
		}
		if err := e.ob.GoalStopped(ctx, e.clock.Now(), x.IssueKey, x.Goal, x.Cycle, rules.Stop{At: e.clock.Now(), Outcome: rules.StateMet}); err != nil {
			t.Fatal(err)
		}
		e.drain(5) // the parent's status line
		e.clock.Advance(2 * time.Hour)
		if n, err := e.ob.Prune(ctx, e.clock.Now()); err != nil || n != 1 {
			t.Fatalf("prune: %d %v; want the thread's row", n, err)
		}
		if ok, err := e.ob.Escalate(ctx, e.clock.Now(), x); err != nil || !ok {
			t.Fatalf("hand-over after the row was pruned: inserted=%v err=%v; want it recorded anew", ok, err)
		}
		// The thread's stop went with its rows: told again, it is recorded again.
		if err := e.ob.GoalStopped(ctx, e.clock.Now(), x.IssueKey, x.Goal, x.Cycle, rules.Stop{At: e.clock.Now(), Outcome: rules.StateMet}); err != nil {
			t.Fatal(err)
		}
		if r, _ := e.ob.Get(ctx, key); r.State != outbox.StateCancelled || r.MetAt.IsZero() {
			t.Fatalf("row recorded anew after the prune, its goal stopped again: %s met %v; want cancelled", r.State, r.MetAt)
		}
	})
}

// A goal stopped before any step of its thread was recorded leaves nothing
// to mark: a step recorded afterwards is still cancelled by the next stop.
// Once a row holds the stop, every later row of the thread is recorded
// cancelled, and telling the stop again changes nothing.
func TestGoalStoppedBeforeAnyRow(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		e := newEnv(t, nil)
		ctx := context.Background()
		x := esc("SUP-7", 1, "team lead", rules.Recipient{Channel: "CLEAD"})
		stop := rules.Stop{At: start, Outcome: rules.StateBreached, Over: time.Hour}
		if err := e.ob.GoalStopped(ctx, e.clock.Now(), x.IssueKey, x.Goal, x.Cycle, stop); err != nil {
			t.Fatal(err)
		}
		e.enqueue(x)
		if err := e.ob.GoalStopped(ctx, e.clock.Now(), x.IssueKey, x.Goal, x.Cycle, stop); err != nil {
			t.Fatal(err)
		}
		r := e.row(x.IssueKey, 1)
		if r.State != outbox.StateCancelled || r.Stop.Outcome != rules.StateBreached {
			t.Fatalf("step recorded after a stop with no row, then stopped: %s %+v; want cancelled, breached", r.State, r.Stop)
		}
		later := esc("SUP-7", 2, "management", rules.Recipient{Channel: "CMGMT"})
		e.enqueue(later)
		if err := e.ob.GoalStopped(ctx, e.clock.Now(), x.IssueKey, x.Goal, x.Cycle, rules.Stop{At: start, Outcome: rules.StateMet}); err != nil {
			t.Fatal(err)
		}
		for level := 1; level <= 2; level++ {
			if r := e.row(x.IssueKey, level); r.State != outbox.StateCancelled || r.Stop.Outcome != rules.StateBreached {
				t.Errorf("level %d: %s %+v; want cancelled with the first stop told (breached)", level, r.State, r.Stop)
			}
		}
		if sum := e.drain(3); sum.Sent != 0 {
			t.Fatalf("a step of a stopped goal was sent: %+v", sum)
		}
	})
}
