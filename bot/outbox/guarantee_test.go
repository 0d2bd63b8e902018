package outbox_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/slabot/slabot/bot/outbox"
	"github.com/slabot/slabot/bot/store"
	"github.com/slabot/slabot/bot/store/storetest"
	"github.com/slabot/slabot/connectors/slack/slacksim"
	"github.com/slabot/slabot/rules"
)

// "No ladder waits forever": level 1's post is accepted by Slack but the
// answer is lost, and looking it up keeps failing (conversations.history
// answers 500, as it would without the im:history scope or with too much
// history). Once the send has been unsettled for UncertainLimit it is
// blocked, visible in the backlog counts and the metrics, and level 2,
// due two hours later, goes out in the first pass after it is recorded.
func TestUncertainSendBoundedThenBlocked(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		reg := prometheus.NewRegistry()
		m := outbox.NewMetrics(reg)
		e := newEnv(t, func(o *outbox.Options) { o.UncertainLimit = 20 * time.Minute; o.Metrics = m })
		e.sim.Inject(slacksim.Fault{Kind: slacksim.DropAfterAccept, Method: "chat.postMessage", Channel: "C1"})
		e.sim.Inject(slacksim.Fault{Kind: slacksim.ServerError, Method: "conversations.history", Channel: "C1", Times: 100000})
		e.enqueue(esc("SUP-70", 1, "agent", rules.Recipient{Channel: "C1"}))
		if rep := e.pass(); rep.Uncertain != 1 {
			t.Fatalf("first pass %+v", rep)
		}
		var blockedAt time.Time
		for range 120 { // two hours of passes, one a minute
			e.clock.Advance(time.Minute)
			if rep := e.pass(); rep.Blocked > 0 && blockedAt.IsZero() {
				blockedAt = e.clock.Now()
			}
		}
		r := e.row("SUP-70", 1)
		if blockedAt.IsZero() || !r.Blocked || !r.Uncertain || r.State != outbox.StatePending ||
			!strings.Contains(r.LastError, "later steps go ahead") {
			t.Fatalf("level 1 row after two hours: %+v (blocked at %v)", r, blockedAt)
		}
		if lim := r.FirstAttemptAt.Add(20*time.Minute + 5*time.Minute); blockedAt.After(lim) {
			t.Fatalf("blocked at %v, later than the limit (first attempt %v + 20m, plus backoff)", blockedAt, r.FirstAttemptAt)
		}
		// Blocked rows are looked for every BlockedRetry (10m), not every pass.
		if n := len(e.sim.Calls("conversations.history")); n > 30 {
			t.Errorf("%d history look-ups in two hours: a blocked row must back off", n)
		}
		c, err := e.ob.Counts(context.Background())
		if err != nil || c["blocked"] != 1 || c["uncertain"] != 1 {
			t.Fatalf("counts %v, %v", c, err)
		}
		if got := counter(t, m.Steps.WithLabelValues("1", "blocked")); got != 1 {
			t.Errorf("slabot_outbox_steps_total{level=1,result=blocked} = %v", got)
		}
		stuck, err := e.ob.Blocked(context.Background(), 10)
		if err != nil || len(stuck) != 1 || stuck[0].Key != lkey("SUP-70", "resolution", 1, 1) {
			t.Fatalf("Blocked() = %+v, %v", stuck, err)
		}

		// Level 2 falls due now: it goes out in this pass.
		e.enqueue(esc("SUP-70", 2, "team lead", rules.Recipient{Channel: "CLEAD"}))
		if rep := e.pass(); rep.Sent != 1 {
			t.Fatalf("level 2 pass %+v", rep)
		}
		if n := len(e.sim.Messages("CLEAD")); n != 1 {
			t.Fatalf("%d messages in CLEAD", n)
		}
		if n := len(e.sim.Messages("C1")); n != 1 {
			t.Fatalf("%d messages in C1: the uncertain level 1 was reposted blindly", n)
		}
	})
}

// A database file that was deleted (or restored from nothing) knows
// nothing of what was posted before it was created. A step due before its
// creation is looked for in Slack by its key before it is posted: found,
// it is recorded, not posted again; not found, it is posted once.
func TestFreshDatabaseLooksBeforePosting(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		ctx := context.Background()
		e := newEnv(t, nil)
		old := func(issue string, level int) rules.Notice {
			x := esc(issue, level, "team lead", rules.Recipient{Channel: "C1"})
			x.Step = "breach/team_lead"
			x.DueAt = start.Add(-3 * time.Hour)
			return x
		}
		if _, err := e.ob.Escalate(ctx, e.clock.Now(), old("SUP-80", 1)); err != nil {
			t.Fatal(err)
		}
		e.drain(5)
		if n := len(e.sim.Messages("C1")); n != 1 {
			t.Fatalf("%d messages before the database is lost", n)
		}

		// The file is deleted; a new one is created an hour later.
		_ = e.store.Close()
		for _, suffix := range []string{"", "-wal", "-shm"} {
			_ = os.Remove(e.path + suffix)
		}
		e.clock.Advance(time.Hour)
		e.path = lostDatabase(t, e.path)
		st, err := store.Open(ctx, e.path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		e.store = st
		e.ob = e.outbox(nil)
		if h := e.ob.Horizon(); !h.Equal(e.clock.Now()) {
			t.Fatalf("horizon of the new file %v, want its creation %v", h, e.clock.Now())
		}
		for _, x := range []rules.Notice{old("SUP-80", 1), old("SUP-81", 1)} {
			if _, err := e.ob.Escalate(ctx, e.clock.Now(), x); err != nil {
				t.Fatal(err)
			}
		}
		sum := e.drain(5)
		if sum.Reconciled != 1 || sum.Sent != 2 {
			t.Fatalf("after the loss %+v: want SUP-80 found, SUP-81 posted", sum)
		}
		got := byKey(e.sim.Messages("C1"))
		for _, k := range []string{rules.NoticeKey("SUP-80", "resolution", 1, "breach/team_lead"), rules.NoticeKey("SUP-81", "resolution", 1, "breach/team_lead")} {
			if len(got[k]) != 1 {
				t.Errorf("%s posted %d times", k, len(got[k]))
			}
		}
		// A step due after the file was created is posted without a look-up.
		before := len(e.sim.Calls("conversations.history"))
		x := old("SUP-82", 1)
		x.DueAt = e.clock.Now()
		if _, err := e.ob.Escalate(ctx, e.clock.Now(), x); err != nil {
			t.Fatal(err)
		}
		e.drain(3)
		if n := len(e.sim.Calls("conversations.history")) - before; n != 0 {
			t.Errorf("%d look-ups for a step due after the file was created", n)
		}
	})
}

// Step identity: the key is what the step is, not its position. A policy
// edit that inserts a step before it renumbers levels, and nothing already
// sent is recorded (or sent) again.
func TestStepIdentitySurvivesRenumbering(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		ctx := context.Background()
		e := newEnv(t, nil)
		step := func(level int, trigger, rung string, ch string) rules.Notice {
			x := esc("SUP-90", level, rung, rules.Recipient{Channel: ch})
			x.Step = rules.StepID(trigger, x.Rung)
			return x
		}
		for _, x := range []rules.Notice{step(1, "75%", "agent", "C1"), step(2, "breach", "team lead", "CLEAD")} {
			if _, err := e.ob.Escalate(ctx, e.clock.Now(), x); err != nil {
				t.Fatal(err)
			}
		}
		e.drain(5)
		// A 50% step is inserted: breach is level 3 now, 75% level 2.
		for _, x := range []rules.Notice{step(2, "75%", "agent", "C1"), step(3, "breach", "team lead", "CLEAD")} {
			if ok, err := e.ob.Escalate(ctx, e.clock.Now(), x); err != nil || ok {
				t.Fatalf("re-recorded %s after renumbering: %v %v", x.Step, ok, err)
			}
		}
		if sum := e.drain(3); sum.Sent != 0 {
			t.Fatalf("sent again after renumbering: %+v", sum)
		}
	})
}

// A row written by the previous release ("L<level>", no step identity) is
// adopted by the first step of the same level, not sent again.
func TestLegacyRowAdopted(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		ctx := context.Background()
		e := newEnv(t, nil)
		e.enqueue(esc("SUP-91", 1, "team lead", rules.Recipient{Channel: "C1"})) // Step "" -> "L1", as v1 rows are migrated
		e.drain(3)
		e.ob = e.outbox(nil) // the upgraded release opens the file
		x := esc("SUP-91", 1, "team lead", rules.Recipient{Channel: "C1"})
		x.Step = "breach/team_lead"
		if ok, err := e.ob.Escalate(ctx, e.clock.Now(), x); err != nil || ok {
			t.Fatalf("legacy row not adopted: inserted=%v err=%v", ok, err)
		}
		if r := e.row("SUP-91", 1); r.Step != "breach/team_lead" || r.State != outbox.StateSent {
			t.Fatalf("adopted row %+v", r)
		}
		if sum := e.drain(3); sum.Sent != 0 {
			t.Fatalf("sent again: %+v", sum)
		}
	})
}

// One writer: a second outbox on the same file with the writer lease on
// sends nothing while the first holds the lease, and takes over once the
// first releases it (or its lease runs out).
func TestWriterLease(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		ctx := context.Background()
		e := newEnv(t, func(o *outbox.Options) { o.WriterLease = 30 * time.Second; o.Owner = "first" })
		second := e.outbox(func(o *outbox.Options) { o.WriterLease = 30 * time.Second; o.Owner = "second" })
		if held, _, err := e.ob.Acquire(ctx, e.clock.Now()); !held || err != nil {
			t.Fatalf("first acquire: %v %v", held, err)
		}
		held, h, err := second.Acquire(ctx, e.clock.Now())
		if held || err != nil || h.Owner != "first" {
			t.Fatalf("second acquire while the first holds it: held=%v holder=%+v err=%v", held, h, err)
		}
		e.enqueue(esc("SUP-95", 1, "team lead", rules.Recipient{Channel: "C1"}))
		if rep, err := second.RunOnce(ctx); err != nil || !rep.Standby || rep.Claimed != 0 {
			t.Fatalf("standby pass %+v %v", rep, err)
		}
		// The first stops renewing: past 9/10 of the lease it sends no more.
		e.clock.Advance(28 * time.Second)
		if rep, _ := e.ob.RunOnce(ctx); !rep.Standby {
			t.Fatalf("first outbox sent on a lease about to run out: %+v", rep)
		}
		e.clock.Advance(3 * time.Second)
		if held, _, _ := second.Acquire(ctx, e.clock.Now()); !held {
			t.Fatal("second did not take over an expired lease")
		}
		if held, h, _ := e.ob.Acquire(ctx, e.clock.Now()); held || h.Owner != "second" {
			t.Fatalf("first took the lease back: %v %+v", held, h)
		}
		if rep, _ := second.RunOnce(ctx); rep.Sent != 1 {
			t.Fatalf("new writer's pass %+v", rep)
		}
		if err := second.Release(ctx); err != nil {
			t.Fatal(err)
		}
		if held, _, _ := e.ob.Acquire(ctx, e.clock.Now()); !held {
			t.Fatal("the lease was not free after Release")
		}
		if n := len(e.sim.Messages("C1")); n != 1 {
			t.Fatalf("%d messages", n)
		}
	})
}

// counter reads a counter's value.
func counter(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

// A blocked uncertain row is not looked for forever: once its goal has
// been met for a day it is given up (cancelled, with the reason).
func TestBlockedUncertainGivenUpAfterGoalMet(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		ctx := context.Background()
		e := newEnv(t, func(o *outbox.Options) { o.UncertainLimit = time.Minute })
		e.sim.Inject(slacksim.Fault{Kind: slacksim.DropAfterAccept, Method: "chat.postMessage", Channel: "C1"})
		e.sim.Inject(slacksim.Fault{Kind: slacksim.ServerError, Method: "conversations.history", Channel: "C1", Times: 100000})
		e.enqueue(esc("SUP-71", 1, "agent", rules.Recipient{Channel: "C1"}))
		for range 30 {
			e.pass()
			e.clock.Advance(time.Minute)
		}
		if r := e.row("SUP-71", 1); !r.Blocked {
			t.Fatalf("not blocked: %+v", r)
		}
		if err := e.ob.GoalStopped(ctx, e.clock.Now(), "SUP-71", "resolution", 1, rules.Stop{}); err != nil {
			t.Fatal(err)
		}
		for range 30 {
			e.clock.Advance(time.Hour)
			e.pass()
		}
		r := e.row("SUP-71", 1)
		if r.State != outbox.StateCancelled || !strings.Contains(r.LastError, "given up") {
			t.Fatalf("row a day after the goal was met: %+v", r)
		}
	})
}
