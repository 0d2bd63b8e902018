package outbox

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/slabot/slabot/bot/store"
	"github.com/slabot/slabot/bot/store/storetest"

	"github.com/slabot/slabot/rules"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// openTemp opens an outbox on a new file in a temp dir, with no sender
// (these tests drive the rows directly).
func openTemp(t *testing.T) *Outbox {
	t.Helper()
	db, err := store.Open(context.Background(), storetest.DSN(t), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	o, err := Open(context.Background(), db, nil, Options{Clock: fixedClock(t0)})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

type fixedClock time.Time

func (c fixedClock) Now() time.Time                                 { return time.Time(c) }
func (fixedClock) Sleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

func step(issue string, level int) intent {
	return intent{Kind: KindEscalation, Issue: issue, Goal: "resolution", Cycle: 1, Step: "L" + string(rune('0'+level)), Level: level, Payload: []byte(issue)}
}

func mustEnqueue(t *testing.T, s rows, now time.Time, in intent) {
	t.Helper()
	if ok, err := s.enqueue(context.Background(), now, in); err != nil || !ok {
		t.Fatalf("enqueue %+v: inserted=%v err=%v", in, ok, err)
	}
}

func keys(rs []Row) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Key)
	}
	return out
}

func TestEnqueueIsIdempotent(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		ctx := context.Background()
		o := openTemp(t)
		s := o.rows
		mustEnqueue(t, s, t0, step("SUP-1", 1))
		ok, err := s.enqueue(ctx, t0.Add(time.Minute), step("SUP-1", 1))
		if err != nil || ok {
			t.Fatalf("second enqueue: inserted=%v err=%v; want false, nil", ok, err)
		}
		// A new cycle (reopened issue) is a different step.
		in := step("SUP-1", 1)
		in.Cycle = 2
		mustEnqueue(t, s, t0, in)
		if _, err := s.enqueue(ctx, t0, intent{Kind: KindEscalation, Issue: "SUP-1", Goal: "g", Step: "x", Level: 0}); err == nil {
			t.Fatal("level 0 accepted")
		}
	})
}

func TestNotBeforeDelaysClaim(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		ctx := context.Background()
		o := openTemp(t)
		s := o.rows
		in := step("SUP-1", 1)
		in.NotBefore = t0.Add(time.Hour)
		mustEnqueue(t, s, t0, in)
		if rows, _ := s.claimDue(ctx, t0, "a", time.Minute, 10, 10); len(rows) != 0 {
			t.Fatalf("claimed before NotBefore: %v", keys(rows))
		}
		if rows, _ := s.claimDue(ctx, t0.Add(time.Hour), "a", time.Minute, 10, 10); len(rows) != 1 {
			t.Fatalf("not claimed at NotBefore: %v", keys(rows))
		}
	})
}

// Levels of one thread go out in order: level 2 is not claimable while
// level 1 is pending or in flight, and becomes claimable once it is sent.
func TestClaimRespectsLadderOrder(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		ctx := context.Background()
		o := openTemp(t)
		s := o.rows
		mustEnqueue(t, s, t0, step("SUP-1", 2))
		mustEnqueue(t, s, t0, step("SUP-1", 1))
		mustEnqueue(t, s, t0, step("SUP-2", 1))
		rows, err := s.claimDue(ctx, t0, "a", time.Minute, 10, 10)
		if err != nil {
			t.Fatal(err)
		}
		if got := keys(rows); len(got) != 2 || got[0] != rules.NoticeKey("SUP-1", "resolution", 1, "L1") || got[1] != rules.NoticeKey("SUP-2", "resolution", 1, "L1") {
			t.Fatalf("claimed %v; want the two level-1 rows", got)
		}
		if rows[0].State != StateSending || rows[0].Owner != "a" || rows[0].Attempts != 1 || rows[0].Uncertain {
			t.Fatalf("claimed row = %+v", rows[0])
		}
		if again, _ := s.claimDue(ctx, t0, "b", time.Minute, 10, 10); len(again) != 0 {
			t.Fatalf("claimed rows under a live lease or out of order: %v", keys(again))
		}
		if err := s.markSent(ctx, t0, rows[0].ID, "C1", "100.000001", ""); err != nil {
			t.Fatal(err)
		}
		next, _ := s.claimDue(ctx, t0, "b", time.Minute, 10, 10)
		if got := keys(next); len(got) != 1 || got[0] != rules.NoticeKey("SUP-1", "resolution", 1, "L2") {
			t.Fatalf("after level 1 sent, claimed %v; want level 2", got)
		}
	})
}

// A blocked lower level (channel_not_found and the like) does not hold
// the escalation to the next rung hostage.
func TestBlockedLevelDoesNotHoldBackNext(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		ctx := context.Background()
		o := openTemp(t)
		s := o.rows
		mustEnqueue(t, s, t0, step("SUP-1", 1))
		mustEnqueue(t, s, t0, step("SUP-1", 2))
		rows, _ := s.claimDue(ctx, t0, "a", time.Minute, 10, 10)
		if err := s.markFailed(ctx, t0, rows[0].ID, "a", failure{Next: t0.Add(time.Hour), Error: "channel_not_found", Blocked: true}); err != nil {
			t.Fatal(err)
		}
		next, _ := s.claimDue(ctx, t0, "a", time.Minute, 10, 10)
		if got := keys(next); len(got) != 1 || got[0] != rules.NoticeKey("SUP-1", "resolution", 1, "L2") {
			t.Fatalf("claimed %v; want level 2", got)
		}
		r, _ := s.get(ctx, rules.NoticeKey("SUP-1", "resolution", 1, "L1"))
		if r.State != StatePending || !r.Blocked || r.LastError != "channel_not_found" || !r.NextAttemptAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("blocked row = %+v", r)
		}
	})
}

// A dispatcher that dies after claiming leaves the row "sending"; once the
// lease expires another claims it, flagged Uncertain.
func TestExpiredLeaseComesBackUncertain(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		ctx := context.Background()
		o := openTemp(t)
		s := o.rows
		mustEnqueue(t, s, t0, step("SUP-1", 1))
		first, _ := s.claimDue(ctx, t0, "dead", time.Minute, 10, 10)
		if len(first) != 1 {
			t.Fatal("not claimed")
		}
		if rows, _ := s.claimDue(ctx, t0.Add(59*time.Second), "b", time.Minute, 10, 10); len(rows) != 0 {
			t.Fatal("claimed under a live lease")
		}
		rows, _ := s.claimDue(ctx, t0.Add(time.Minute), "b", time.Minute, 10, 10)
		if len(rows) != 1 || !rows[0].Uncertain || rows[0].Owner != "b" || rows[0].Attempts != 2 || !rows[0].FirstAttemptAt.Equal(t0) {
			t.Fatalf("reclaimed = %+v", rows)
		}
		err := s.markFailed(ctx, t0, first[0].ID, "dead", failure{Next: t0})
		if !errors.Is(err, store.ErrLeaseLost) {
			t.Fatalf("stale owner's MarkFailed: %v; want store.ErrLeaseLost", err)
		}
	})
}

func TestMarkSentIdempotentAndDuplicateDetected(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		ctx := context.Background()
		o := openTemp(t)
		s := o.rows
		mustEnqueue(t, s, t0, step("SUP-1", 1))
		rows, _ := s.claimDue(ctx, t0, "a", time.Minute, 10, 10)
		id := rows[0].ID
		if err := s.markSent(ctx, t0, id, "C1", "1.1", ""); err != nil {
			t.Fatal(err)
		}
		if err := s.markSent(ctx, t0, id, "C1", "1.1", ""); err != nil {
			t.Fatalf("same ts twice: %v", err)
		}
		if err := s.markSent(ctx, t0, id, "C1", "2.2", ""); err == nil {
			t.Fatal("a different ts for a sent row must be reported")
		}
		if err := s.markSent(ctx, t0, 999, "C1", "2.2", ""); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown id: %v", err)
		}
	})
}

func TestGoalMetCancelsUnsentAndFlagsParents(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		ctx := context.Background()
		o := openTemp(t)
		s := o.rows
		mustEnqueue(t, s, t0, step("SUP-1", 1))
		mustEnqueue(t, s, t0, step("SUP-1", 2))
		mustEnqueue(t, s, t0, step("SUP-1", 3))
		rows, _ := s.claimDue(ctx, t0, "a", time.Minute, 10, 10)
		if err := s.markSent(ctx, t0, rows[0].ID, "C1", "1.1", ""); err != nil {
			t.Fatal(err)
		}
		n, err := s.markGoalMet(ctx, t0.Add(time.Minute), "SUP-1", "resolution", 1, rules.Stop{})
		if err != nil || n != 2 {
			t.Fatalf("MarkGoalMet = %d, %v; want 2 cancelled", n, err)
		}
		if n, _ := s.markGoalMet(ctx, t0.Add(2*time.Minute), "SUP-1", "resolution", 1, rules.Stop{}); n != 0 {
			t.Fatalf("second MarkGoalMet cancelled %d", n)
		}
		thread, _ := s.thread(ctx, "SUP-1", "resolution", 1)
		if thread[0].State != StateSent || thread[1].State != StateCancelled || thread[2].State != StateCancelled {
			t.Fatalf("states = %s %s %s", thread[0].State, thread[1].State, thread[2].State)
		}
		for _, r := range thread {
			if !r.MetAt.Equal(t0.Add(time.Minute)) {
				t.Fatalf("met_at of %s = %v", r.Key, r.MetAt)
			}
		}
		ups, _ := s.dueUpdates(ctx, t0, 10)
		if len(ups) != 1 || ups[0].ID != rows[0].ID || ups[0].UpdateGen != 1 {
			t.Fatalf("due updates = %+v", ups)
		}
		if err := s.deferUpdate(ctx, t0, ups[0].ID, t0.Add(time.Minute), "ratelimited"); err != nil {
			t.Fatal(err)
		}
		if ups, _ := s.dueUpdates(ctx, t0, 10); len(ups) != 0 {
			t.Fatal("deferred update still due")
		}
		if err := s.markUpdated(ctx, t0, rows[0].ID, 1); err != nil {
			t.Fatal(err)
		}
		if ups, _ := s.dueUpdates(ctx, t0.Add(time.Hour), 10); len(ups) != 0 {
			t.Fatalf("update still due after MarkUpdated: %+v", ups)
		}
		// An intent arriving for a met thread is kept as a record, cancelled.
		mustEnqueue(t, s, t0, step("SUP-1", 4))
		if r, _ := s.get(ctx, rules.NoticeKey("SUP-1", "resolution", 1, "L4")); r.State != StateCancelled {
			t.Fatalf("late intent state = %s", r.State)
		}
		c, _ := o.Counts(ctx)
		if c[StateSent] != 1 || c[StateCancelled] != 3 || c[StatePending] != 0 {
			t.Fatalf("counts = %v", c)
		}
	})
}

// A row whose attempt may have reached Slack is not cancelled when the goal
// is met: the dispatcher must look for it first, and a row in flight is
// settled by its dispatcher (cancelled on a definite failure).
func TestGoalMetKeepsUncertainAndInFlight(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		ctx := context.Background()
		o := openTemp(t)
		s := o.rows
		mustEnqueue(t, s, t0, step("SUP-1", 1))
		mustEnqueue(t, s, t0, step("SUP-2", 1))
		rows, _ := s.claimDue(ctx, t0, "a", time.Minute, 10, 10)
		if err := s.markFailed(ctx, t0, rows[0].ID, "a", failure{Next: t0, Error: "EOF", Uncertain: true, Channel: "C1"}); err != nil {
			t.Fatal(err)
		}
		for _, issue := range []string{"SUP-1", "SUP-2"} {
			if _, err := s.markGoalMet(ctx, t0, issue, "resolution", 1, rules.Stop{}); err != nil {
				t.Fatal(err)
			}
		}
		r1, _ := s.get(ctx, rows[0].Key)
		if r1.State != StatePending || !r1.Uncertain || r1.Channel != "C1" {
			t.Fatalf("uncertain row after goal met = %+v", r1)
		}
		r2, _ := s.get(ctx, rows[1].Key)
		if r2.State != StateSending {
			t.Fatalf("in-flight row after goal met = %s", r2.State)
		}
		if err := s.markFailed(ctx, t0, rows[1].ID, "a", failure{Next: t0, Error: "ratelimited"}); err != nil {
			t.Fatal(err)
		}
		if r2, _ = s.get(ctx, rows[1].Key); r2.State != StateCancelled {
			t.Fatalf("definite failure of a met row: state %s; want cancelled", r2.State)
		}
	})
}

// Sending a later level marks the thread's earlier parent messages stale,
// so their status line ("escalated to level 2") gets updated.
func TestSendingLaterLevelFlagsParents(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		ctx := context.Background()
		o := openTemp(t)
		s := o.rows
		mustEnqueue(t, s, t0, step("SUP-1", 1))
		mustEnqueue(t, s, t0, step("SUP-1", 2))
		mustEnqueue(t, s, t0, step("SUP-1", 3))
		r, _ := s.claimDue(ctx, t0, "a", time.Minute, 10, 10)
		_ = s.markSent(ctx, t0, r[0].ID, "C1", "1.1", "")
		r, _ = s.claimDue(ctx, t0, "a", time.Minute, 10, 10)
		_ = s.markSent(ctx, t0, r[0].ID, "C1", "1.2", "1.1") // reply in thread
		r, _ = s.claimDue(ctx, t0, "a", time.Minute, 10, 10)
		_ = s.markSent(ctx, t0, r[0].ID, "C2", "1.3", "") // new parent elsewhere
		thread, _ := s.thread(ctx, "SUP-1", "resolution", 1)
		if thread[0].UpdateGen != 2 || thread[1].UpdateGen != 0 || thread[2].UpdateGen != 0 {
			t.Fatalf("update gens = %d %d %d; want 2 0 0", thread[0].UpdateGen, thread[1].UpdateGen, thread[2].UpdateGen)
		}
	})
}

func TestCancelRequiresLease(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		ctx := context.Background()
		o := openTemp(t)
		s := o.rows
		mustEnqueue(t, s, t0, step("SUP-1", 1))
		r, _ := s.claimDue(ctx, t0, "a", time.Minute, 10, 10)
		if err := s.markCancelled(ctx, t0, r[0].ID, "b", "x"); !errors.Is(err, store.ErrLeaseLost) {
			t.Fatalf("cancel by non-owner: %v", err)
		}
		if err := s.markCancelled(ctx, t0, r[0].ID, "a", "goal met; not in Slack"); err != nil {
			t.Fatal(err)
		}
	})
}

func TestOldestPending(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		ctx := context.Background()
		o := openTemp(t)
		s := o.rows
		if _, ok, err := o.OldestPending(ctx); ok || err != nil {
			t.Fatalf("empty outbox: ok=%v err=%v", ok, err)
		}
		mustEnqueue(t, s, t0, step("SUP-1", 1))
		mustEnqueue(t, s, t0.Add(time.Minute), step("SUP-2", 1))
		rows, _ := s.claimDue(ctx, t0.Add(time.Minute), "a", time.Minute, 1, 1)
		if got, ok, err := o.OldestPending(ctx); !ok || err != nil || !got.Equal(t0) {
			t.Fatalf("oldest = %v %v %v; want %v (a row being sent counts)", got, ok, err, t0)
		}
		_ = s.markSent(ctx, t0, rows[0].ID, "C1", "1.1", "")
		if got, _, _ := o.OldestPending(ctx); !got.Equal(t0.Add(time.Minute)) {
			t.Fatalf("oldest after send = %v", got)
		}
	})
}

// A stop is stored with its instant and outcome (a goal answered after its
// deadline is breached, at the answer's time, not when the outbox heard of
// it), and a row the outbox marked before outcomes were recorded (met_at
// set, no outcome) reads as it did then: met, at met_at. A step recorded
// after the stop inherits it.
func TestGoalStoppedKeepsInstantAndOutcome(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		ctx := context.Background()
		o := openTemp(t)
		s := o.rows
		mustEnqueue(t, s, t0, step("SUP-1", 1))
		mustEnqueue(t, s, t0, step("SUP-2", 1))
		answer := t0.Add(-time.Hour).Add(677 * time.Millisecond)
		late := rules.Stop{At: answer, Outcome: rules.StateBreached, Over: 92 * time.Millisecond}
		if _, err := s.markGoalMet(ctx, t0.Add(time.Minute), "SUP-1", "resolution", 1, late); err != nil {
			t.Fatal(err)
		}
		if _, err := s.markGoalMet(ctx, t0.Add(time.Minute), "SUP-2", "resolution", 1, rules.Stop{}); err != nil { // as the previous release
			t.Fatal(err)
		}
		mustEnqueue(t, s, t0.Add(2*time.Minute), step("SUP-1", 2))
		thread, _ := s.thread(ctx, "SUP-1", "resolution", 1)
		for _, r := range thread {
			if r.Stop != late || !r.MetAt.Equal(t0.Add(time.Minute)) {
				t.Errorf("%s: stop %+v met_at %s, want %+v and the instant the outbox heard of it", r.Key, r.Stop, r.MetAt, late)
			}
		}
		old, _ := s.thread(ctx, "SUP-2", "resolution", 1)
		if st := old[0].Stop; st.Outcome != rules.StateMet || !st.At.Equal(t0.Add(time.Minute)) || st.Word() != "met" {
			t.Errorf("an old row's stop reads %+v (%s), want met at its met_at", st, st.Word())
		}
		if st := threadStatus(thread, 1).Stop; st != late {
			t.Errorf("thread status stop %+v", st)
		}
	})
}
