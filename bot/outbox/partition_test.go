package outbox_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/slabot/slabot/bot/outbox"
	"github.com/slabot/slabot/bot/store"
	"github.com/slabot/slabot/bot/store/storetest"
	slackc "github.com/slabot/slabot/connectors/slack"
	"github.com/slabot/slabot/connectors/slack/slacksim"
	"github.com/slabot/slabot/rules"
)

// partition is a TCP relay between a process and PostgreSQL that can be
// cut: every connection through it is closed and new ones are refused
// until it heals, as when a network partition separates the two.
type partition struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	cut    bool
	conns  []net.Conn
}

func newPartition(t *testing.T, target string) *partition {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &partition{ln: ln, target: target}
	t.Cleanup(func() { _ = ln.Close(); p.setCut(true) })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.relay(c)
		}
	}()
	return p
}

func (p *partition) relay(c net.Conn) {
	p.mu.Lock()
	if p.cut {
		p.mu.Unlock()
		_ = c.Close()
		return
	}
	p.mu.Unlock()
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		_ = c.Close()
		return
	}
	p.mu.Lock()
	p.conns = append(p.conns, c, s)
	p.mu.Unlock()
	go func() { _, _ = io.Copy(s, c); _ = s.Close() }()
	_, _ = io.Copy(c, s)
	_ = c.Close()
}

// setCut cuts the network (closing what is open) or heals it.
func (p *partition) setCut(cut bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = cut
	if cut {
		for _, c := range p.conns {
			_ = c.Close()
		}
		p.conns = nil
	}
}

// A writer cut off from PostgreSQL stops sending before another process
// can take over (its lease, which it cannot renew, runs out by its own
// clock a tenth of the time to live before the others'), and once the
// network heals it can neither write nor post: another holds the lease
// with a larger fencing token. The step is posted once, by the new
// writer. PostgreSQL only: a SQLite file has no network between the
// process and the database.
func TestPostgresPartitionedWriterStopsBeforeTakeover(t *testing.T) {
	ctx := context.Background()
	const ttl = 30 * time.Second
	direct := storetest.PostgresURL(t)
	u, err := url.Parse(direct)
	if err != nil {
		t.Fatal(err)
	}
	link := newPartition(t, u.Host)
	u.Host = link.ln.Addr().String()
	throughNet := u.String()

	sim := slacksim.NewServer(slacksim.WithToken(token), slacksim.WithChannel("C1", "support"))
	t.Cleanup(sim.Close)
	open := func(dsn, owner string, clock *fakeClock) (*store.Store, *outbox.Outbox) {
		st, err := store.Open(ctx, dsn, store.Options{BusyTimeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		client := slackc.NewClient(token, slackc.ClientOptions{APIURL: sim.APIURL(), Timeout: 10 * time.Second, Clock: clock})
		ob, err := outbox.Open(ctx, st, slackc.NewSender(client, nil), outbox.Options{WriterLease: ttl, Owner: owner, Clock: clock,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		return st, ob
	}
	oldClock, newClock := newFakeClock(start), newFakeClock(start)
	oldStore, old := open(throughNet, "old", oldClock)
	_, newer := open(direct, "new", newClock)

	held, h, err := old.Acquire(ctx, oldClock.Now())
	if err != nil || !held {
		t.Fatalf("old writer's acquire: %v %v", held, err)
	}
	first := h.Token
	if _, err := old.Escalate(ctx, oldClock.Now(), esc("SUP-1", 1, "team lead", rules.Recipient{Channel: "C1"})); err != nil {
		t.Fatal(err)
	}

	link.setCut(true)
	// Renewals fail; at 9/10 of the lease the old writer stops sending.
	oldClock.Advance(ttl * 9 / 10)
	if held, _, err := old.Acquire(ctx, oldClock.Now()); held || err == nil {
		t.Fatalf("renewal across the partition: held=%v err=%v", held, err)
	}
	if rep, _ := old.RunOnce(ctx); !rep.Standby || rep.Sent != 0 {
		t.Fatalf("cut-off writer's pass %+v; want it standing by", rep)
	}
	// Only after the whole time to live can another take over.
	newClock.Advance(ttl * 9 / 10)
	if held, _, _ := newer.Acquire(ctx, newClock.Now()); held {
		t.Fatal("taken over before the lease ran out")
	}
	newClock.Advance(ttl/10 + time.Millisecond)
	held, h, err = newer.Acquire(ctx, newClock.Now())
	if err != nil || !held || h.Token != first+1 {
		t.Fatalf("takeover: held=%v token %d err=%v; want %d", held, h.Token, err, first+1)
	}

	link.setCut(false)
	if _, err := old.Escalate(ctx, oldClock.Now(), esc("SUP-2", 1, "team lead", rules.Recipient{Channel: "C1"})); !errors.Is(err, store.ErrFenced) {
		t.Fatalf("healed old writer's enqueue: %v; want ErrFenced", err)
	}
	if err := oldStore.SetCursor(ctx, oldClock.Now(), "SUP", "x"); !errors.Is(err, store.ErrFenced) {
		t.Fatalf("healed old writer's cursor: %v; want ErrFenced", err)
	}
	if rep, _ := old.RunOnce(ctx); rep.Sent != 0 {
		t.Fatalf("healed old writer's pass %+v", rep)
	}
	if held, h, _ := old.Acquire(ctx, oldClock.Now()); held || h.Owner != "new" {
		t.Fatalf("the old writer took the lease back: %v %+v", held, h)
	}
	if rep, err := newer.RunOnce(ctx); err != nil || rep.Sent != 1 {
		t.Fatalf("new writer's pass %+v %v", rep, err)
	}
	if n := len(sim.Messages("C1")); n != 1 {
		t.Fatalf("%d messages; want the step once", n)
	}
}
