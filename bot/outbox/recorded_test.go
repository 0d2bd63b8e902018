package outbox_test

import (
	"context"
	"testing"
	"time"

	"github.com/slabot/slabot/bot/outbox"
	"github.com/slabot/slabot/rules"
)

// The outbox remembers which steps it recorded, so the hand-over of every
// due step at every cycle does not insert them again; the table stays the
// truth. Another process on the same file finds the row there; a row it
// withdrew is taken up again by this process's next hand-over; a row
// pruned past the retention is recorded anew when handed over again.
func TestRecordedStepsHandedOverAgain(t *testing.T) {
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
}
