package outbox_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/slabot/slabot/bot/outbox"
	"github.com/slabot/slabot/bot/store"
	"github.com/slabot/slabot/bot/store/storetest"
	slackc "github.com/slabot/slabot/connectors/slack"
	"github.com/slabot/slabot/rules"
)

// A writer whose lease another process took over cannot act. The old
// writer here is paused after it last checked its lease: its clock stands
// still while the new writer's runs past the lease's time to live, so by
// its own reckoning it still holds the lease (Holds). On PostgreSQL,
// where replicas on several machines share the database, the fencing
// token stops it: each of its writes is refused (store.ErrFenced) and it
// posts nothing, retries included; the new writer posts the step once. On
// SQLite, one host, the old writer stops by its lease's local expiry once
// its clock moves on with the host's (TestWriterLease), and that is what
// is checked there. On both, the token grows by one at each takeover,
// stays at a renewal and does not start again after a Release.
func TestOldWriterFencedAfterTakeover(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		ctx := context.Background()
		const ttl = 30 * time.Second
		e := newEnv(t, func(o *outbox.Options) { o.WriterLease = ttl; o.Owner = "old" })
		// The new writer: another process, with its own connection to the
		// database and its own clock.
		st, err := store.Open(ctx, e.path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		clock := newFakeClock(e.clock.Now())
		client := slackc.NewClient(token, slackc.ClientOptions{APIURL: e.sim.APIURL(), Timeout: 10 * time.Second, Clock: clock})
		newer, err := outbox.Open(ctx, st, slackc.NewSender(client, nil), outbox.Options{WriterLease: ttl, Owner: "new", Clock: clock,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}

		held, h, err := e.ob.Acquire(ctx, e.clock.Now())
		if err != nil || !held {
			t.Fatalf("old writer's acquire: %v %v", held, err)
		}
		first := h.Token
		e.enqueue(esc("SUP-1", 1, "team lead", rules.Recipient{Channel: "C1"}))

		clock.Advance(ttl + time.Second)
		held, h, err = newer.Acquire(ctx, clock.Now())
		if err != nil || !held || h.Token != first+1 {
			t.Fatalf("takeover: held=%v token %d (was %d) err=%v; want the token one more", held, h.Token, first, err)
		}
		if _, h, _ := newer.Acquire(ctx, clock.Now()); h.Token != first+1 {
			t.Fatalf("a renewal moved the token to %d", h.Token)
		}

		if storetest.IsPostgres(t) {
			if !e.ob.Holds(e.clock.Now()) {
				t.Fatal("the paused writer should believe it still holds the lease")
			}
			// A row it claimed before the pause is not posted: the check
			// before every post asks the database.
			if e.ob.MayPost(ctx, e.clock.Now()) {
				t.Fatal("the old writer may still post")
			}
			if !newer.MayPost(ctx, clock.Now()) {
				t.Fatal("the new writer may not post")
			}
			if _, err := e.ob.Escalate(ctx, e.clock.Now(), esc("SUP-2", 1, "team lead", rules.Recipient{Channel: "C1"})); !errors.Is(err, store.ErrFenced) {
				t.Fatalf("old writer's enqueue: %v; want ErrFenced", err)
			}
			if err := e.store.SetCursor(ctx, e.clock.Now(), "SUP", "x"); !errors.Is(err, store.ErrFenced) {
				t.Fatalf("old writer's cursor: %v; want ErrFenced", err)
			}
			if err := e.ob.GoalStopped(ctx, e.clock.Now(), "SUP-1", "resolution", 1, rules.Stop{}); !errors.Is(err, store.ErrFenced) {
				t.Fatalf("old writer's goal stop: %v; want ErrFenced", err)
			}
			if _, err := e.ob.Prune(ctx, e.clock.Now()); !errors.Is(err, store.ErrFenced) {
				t.Fatalf("old writer's prune: %v; want ErrFenced", err)
			}
		} else {
			e.clock.Advance(ttl + time.Second) // the host's clock, after the pause
		}
		rep, err := e.ob.RunOnce(ctx)
		if rep.Sent != 0 || len(e.sim.Messages("C1")) != 0 {
			t.Fatalf("old writer's pass %+v (%v): %d messages; want none", rep, err, len(e.sim.Messages("C1")))
		}
		if storetest.IsPostgres(t) && !errors.Is(err, store.ErrFenced) {
			t.Fatalf("old writer's pass: %v; want its claim refused with ErrFenced", err)
		}

		if rep, err := newer.RunOnce(ctx); err != nil || rep.Sent != 1 {
			t.Fatalf("new writer's pass %+v %v", rep, err)
		}
		if n := len(e.sim.Messages("C1")); n != 1 {
			t.Fatalf("%d messages; want the step once", n)
		}
		if held, h, _ := e.ob.Acquire(ctx, e.clock.Now()); held || h.Owner != "new" {
			t.Fatalf("the old writer took the lease back: %v %+v", held, h)
		}
		// Given up and taken again: the token goes on growing.
		if err := newer.Release(ctx); err != nil {
			t.Fatal(err)
		}
		if held, h, err := e.ob.Acquire(ctx, e.clock.Now()); err != nil || !held || h.Token != first+2 {
			t.Fatalf("after a release: held=%v token %d err=%v; want %d", held, h.Token, err, first+2)
		}
		if _, err := e.ob.Escalate(ctx, e.clock.Now(), esc("SUP-3", 1, "team lead", rules.Recipient{Channel: "C1"})); err != nil {
			t.Fatalf("the writer holding the lease again cannot write: %v", err)
		}
	})
}
