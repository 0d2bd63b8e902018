package outbox_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/slabot/slabot/bot/outbox"
	"github.com/slabot/slabot/bot/store"
	"github.com/slabot/slabot/bot/store/storetest"
	slackc "github.com/slabot/slabot/connectors/slack"
	"github.com/slabot/slabot/rules"
)

// "A restored backup re-sends everything since the backup" (the fault
// audit: a copy taken at +120 s and restored at +330 s re-posted 72 of 72
// steps). A backup is taken while one step is recorded ahead of its
// instant; after it that step and a new one are posted; the file is then
// replaced by the backup, about four minutes after it was taken. The writer that takes the
// restored file over finds it was not current for longer than a takeover
// explains, so the step the file still lists as pending and the step it
// does not hold at all are found in Slack, not posted again; a step due
// after the restore is posted once. Both ways of taking a file over: a
// process without a writer lease (Open), and the lease's holder (Acquire).
func TestRestoredBackupPostsNothingTwice(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		for _, lease := range []time.Duration{0, 30 * time.Second} {
			t.Run("lease="+lease.String(), func(t *testing.T) { testRestore(t, lease) })
		}
	})
}

func testRestore(t *testing.T, lease time.Duration) {
	ctx := context.Background()
	withLease := func(o *outbox.Options) { o.WriterLease = lease }
	e := newEnv(t, withLease)
	step := func(issue string, due time.Time) rules.Notice {
		x := esc(issue, 1, "team lead", rules.Recipient{Channel: "C1"})
		x.Step, x.DueAt = "breach/team_lead", due
		return x
	}
	pass := func() outbox.Pass { // the writer renews its lease before each pass
		if lease > 0 {
			if held, _, err := e.ob.Acquire(ctx, e.clock.Now()); err != nil || !held {
				t.Fatalf("acquire: %v %v", held, err)
			}
		}
		return e.pass()
	}
	drain := func() (sum outbox.Pass) {
		for range 10 {
			rep := pass()
			sum.Sent += rep.Sent
			sum.Reconciled += rep.Reconciled
			e.clock.Advance(20 * time.Second)
		}
		return sum
	}
	t0 := e.clock.Now()
	steps := []rules.Notice{step("SUP-1", t0), step("SUP-2", t0.Add(time.Minute))}
	for _, x := range steps {
		if _, err := e.ob.Escalate(ctx, e.clock.Now(), x); err != nil {
			t.Fatal(err)
		}
	}
	if rep := pass(); rep.Sent != 1 {
		t.Fatalf("first pass %+v: want SUP-1 posted, SUP-2 waiting for its instant", rep)
	}
	// The backup, taken now (a copy of every row, as pg_dump or
	// SQLite's online backup make one): SUP-1 sent, SUP-2 recorded
	// ahead.
	backup, err := store.Open(ctx, filepath.Join(t.TempDir(), "backup.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer backup.Close()
	if _, err := store.Copy(ctx, e.store, backup); err != nil {
		t.Fatal(err)
	}
	x3 := step("SUP-3", e.clock.Now())
	steps = append(steps, x3)
	if _, err := e.ob.Escalate(ctx, e.clock.Now(), x3); err != nil {
		t.Fatal(err)
	}
	drain()
	if got := byKey(e.sim.Messages("C1")); len(got) != 3 {
		t.Fatalf("%d steps in Slack before the restore, want 3", len(got))
	}

	// The disaster: the database is restored from the backup (into
	// a fresh one), about four minutes after the backup was taken.
	if lease > 0 {
		_ = e.ob.Release(ctx) // a replica dies; its successor takes over the restored database
	}
	_ = e.store.Close()
	e.clock.Advance(3 * time.Minute)
	st, err := store.Open(ctx, storetest.Another(t, e.path), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if _, err := store.Copy(ctx, backup, st); err != nil {
		t.Fatal(err)
	}
	e.store = st
	e.ob = e.outbox(func(o *outbox.Options) { o.WriterLease = lease; o.Owner = "successor" })
	if lease > 0 {
		if held, _, err := e.ob.Acquire(ctx, e.clock.Now()); err != nil || !held {
			t.Fatalf("takeover: %v %v", held, err)
		}
	}
	if h := e.ob.Horizon(); !h.Equal(e.clock.Now()) {
		t.Errorf("horizon after the restore %v, want the takeover %v", h, e.clock.Now())
	}
	// The worker hands every step over again, and one due after
	// the restore.
	steps = append(steps, step("SUP-4", e.clock.Now().Add(time.Minute)))
	for _, x := range steps {
		if _, err := e.ob.Escalate(ctx, e.clock.Now(), x); err != nil {
			t.Fatal(err)
		}
	}
	sum := drain()
	got := byKey(e.sim.Messages("C1"))
	for _, x := range steps {
		if k := rules.NoticeKey(x.IssueKey, x.Goal, x.Cycle, x.Step); len(got[k]) != 1 {
			t.Errorf("%s posted %d times, want once", k, len(got[k]))
		}
	}
	if sum.Reconciled != 2 || sum.Sent != 3 {
		t.Errorf("after the restore %+v: want SUP-2 and SUP-3 found in Slack, SUP-4 posted", sum)
	}
}

// dieAfterPost is a process that dies between Slack taking its post and
// the outbox recording it: the post goes out, then the database is gone
// (closed), so the row stays claimed, as after a SIGKILL.
type dieAfterPost struct {
	*slackc.Sender
	st *store.Store
}

func (d dieAfterPost) Post(ctx context.Context, channel, threadTS string, m rules.Message) (string, string, error) {
	ch, ts, err := d.Sender.Post(ctx, channel, threadTS, m)
	_ = d.st.Close()
	return ch, ts, err
}

// "A crash during a send, then a route change, posts twice" (the fault
// audit). The first process posts the step to #support and dies before
// recording it; before the restart the policy moves the rung to
// #support-leads. The row keeps where its attempt went (the claimed row's
// own recipient, which a hand-over does not change once attempted), so
// the look-up searches #support, finds the post, and nothing is posted to
// #support-leads.
func TestCrashThenRouteChangePostsOnce(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		ctx := context.Background()
		e := newEnv(t, nil)
		client := slackc.NewClient(token, slackc.ClientOptions{APIURL: e.sim.APIURL(), Clock: e.clock})
		doomed, err := outbox.Open(ctx, e.store, dieAfterPost{Sender: slackc.NewSender(client, nil), st: e.store},
			outbox.Options{Owner: "doomed", Clock: e.clock, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		x := esc("SUP-95", 1, "team lead", rules.Recipient{Channel: "C1"})
		x.Step = "breach/team_lead"
		if _, err := doomed.Escalate(ctx, e.clock.Now(), x); err != nil {
			t.Fatal(err)
		}
		_, _ = doomed.RunOnce(ctx) // posts, then cannot record
		if n := len(e.sim.Messages("C1")); n != 1 {
			t.Fatalf("%d posts before the crash", n)
		}
		st, err := store.Open(ctx, e.path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		e.store = st
		e.clock.Advance(11 * time.Minute) // the dead process's row lease (10 min) runs out
		e.ob = e.outbox(nil)
		x.Recipient = rules.Recipient{Channel: "CLEAD"} // the policy now sends the rung to #support-leads
		if _, err := e.ob.Escalate(ctx, e.clock.Now(), x); err != nil {
			t.Fatal(err)
		}
		sum := e.drain(5)
		k := rules.NoticeKey("SUP-95", "resolution", 1, "breach/team_lead")
		if a, b := len(byKey(e.sim.Messages("C1"))[k]), len(byKey(e.sim.Messages("CLEAD"))[k]); a+b != 1 || sum.Reconciled != 1 {
			t.Errorf("posted %d times in #support and %d in #support-leads (%+v), want the first post found", a, b, sum)
		}
	})
}
