package outbox_test

import (
	"context"
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
	"github.com/slabot/slabot/rules"
)

// tcpProxy stands between a process and PostgreSQL: cut drops every
// connection and refuses new ones (a network partition), heal lets them
// through again.
type tcpProxy struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	cut   bool
	conns []net.Conn
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln, target: target}
	t.Cleanup(func() { ln.Close(); p.partition() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			if p.cut {
				p.mu.Unlock()
				c.Close()
				continue
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				p.mu.Unlock()
				c.Close()
				continue
			}
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(up, c); up.Close() }()
			go func() { _, _ = io.Copy(c, up); c.Close() }()
		}
	}()
	return p
}

func (p *tcpProxy) partition() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *tcpProxy) heal() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = false
}

// partitionedSender is the old writer's Slack: after its third post the
// network between it and PostgreSQL goes, and the lease's time passes.
type partitionedSender struct {
	*slackc.Sender
	onPost func(n int)

	mu sync.Mutex
	n  int
}

func (s *partitionedSender) Post(ctx context.Context, channel, threadTS string, m rules.Message) (string, string, error) {
	ch, ts, err := s.Sender.Post(ctx, channel, threadTS, m)
	s.mu.Lock()
	s.n++
	n := s.n
	s.mu.Unlock()
	s.onPost(n)
	return ch, ts, err
}

// "A network partition between the writer and PostgreSQL (stop accepting
// its connection): the old writer stops sending before another takes
// over (fencing)." The writer reaches PostgreSQL through a proxy; in the
// middle of a batch the proxy cuts it off and the lease's time to live
// passes. It posts nothing more (every attempt checks the lease it last
// renewed, with a tenth of the time to live to spare), the standby takes
// the lease once it ran out in the database, and finishes the work: every
// step in Slack once, the old writer's last post before the takeover, and
// after the partition heals the old writer is a standby.
//
// Two ways to lose the database: "partition" (the proxy drops the
// connections: every send reads its thread from the database first, and
// that read fails) and "paused" (the host stalls for the lease's time to
// live while the database stays reachable, and the standby takes over
// meanwhile: the lease check before every attempt stops the old writer).
func TestPartitionedWriterStopsBeforeTakeover(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		if !storetest.IsPostgres(t) {
			t.Skip("a partition from the database needs a network: PostgreSQL only")
		}
		for _, how := range []string{"partition", "paused"} {
			t.Run(how, func(t *testing.T) { testPartition(t, how == "partition") })
		}
	})
}

func testPartition(t *testing.T, cut bool) {
	{
		ctx := context.Background()
		const ttl = 30 * time.Second
		e := newEnv(t, func(o *outbox.Options) { o.WriterLease = ttl; o.Owner = "standby" })
		u, err := url.Parse(e.path)
		if err != nil {
			t.Fatal(err)
		}
		proxy := newTCPProxy(t, u.Host)
		u.Host = proxy.ln.Addr().String()
		far, err := store.Open(ctx, u.String(), store.Options{BusyTimeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer far.Close()
		var cutAt time.Time
		var oldPosts []time.Time
		client := slackc.NewClient(token, slackc.ClientOptions{APIURL: e.sim.APIURL(), Clock: e.clock})
		ps := &partitionedSender{Sender: slackc.NewSender(client, nil), onPost: func(n int) {
			oldPosts = append(oldPosts, e.clock.Now())
			if n == 3 {
				if cut {
					proxy.partition()
				}
				cutAt = e.clock.Now()
				e.clock.Advance(ttl)
				if !cut { // the standby takes over while the old writer stalls
					if held, _, err := e.ob.Acquire(ctx, e.clock.Now()); err != nil || !held {
						t.Errorf("the standby during the pause: %v %v", held, err)
					}
				}
			}
		}}
		old, err := outbox.Open(ctx, far, ps, outbox.Options{Owner: "old-writer", WriterLease: ttl, Clock: e.clock,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for i := range 10 {
			x := esc("SUP-"+string(rune('A'+i)), 1, "team lead", rules.Recipient{Channel: "C1"})
			x.Step = "breach/team_lead"
			keys = append(keys, rules.NoticeKey(x.IssueKey, x.Goal, x.Cycle, x.Step))
			e.enqueue(x)
		}
		if held, _, err := old.Acquire(ctx, e.clock.Now()); err != nil || !held {
			t.Fatalf("the old writer: %v %v", held, err)
		}
		_, _ = old.RunOnce(ctx) // posts three, is cut off, stops
		if len(oldPosts) != 3 {
			t.Fatalf("the old writer posted %d times, want 3 (nothing once it lost the database or the lease)", len(oldPosts))
		}
		var takeover time.Time
		for range 15 { // the standby takes over and drains (claimed rows return after their 10 min lease)
			held, _, err := e.ob.Acquire(ctx, e.clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			if held && takeover.IsZero() {
				takeover = e.clock.Now()
			}
			if held {
				if _, err := e.ob.RunOnce(ctx); err != nil {
					t.Fatal(err)
				}
			}
			e.clock.Advance(time.Minute)
		}
		if takeover.IsZero() || !oldPosts[len(oldPosts)-1].Before(takeover) || !cutAt.Before(takeover) {
			t.Errorf("old writer's last post %v, cut at %v, takeover %v: want the takeover after both", oldPosts[len(oldPosts)-1], cutAt, takeover)
		}
		got := byKey(e.sim.Messages("C1"))
		for _, k := range keys {
			if len(got[k]) != 1 {
				t.Errorf("%s in Slack %d times, want once", k, len(got[k]))
			}
		}
		if held, _, err := e.ob.Acquire(ctx, e.clock.Now()); err != nil || !held { // the new writer renews
			t.Fatal(held, err)
		}
		proxy.heal()
		if held, h, err := old.Acquire(ctx, e.clock.Now()); err != nil || held || h.Owner != "standby" {
			t.Errorf("after the partition heals the old writer holds=%v (holder %q, %v): want a standby", held, h.Owner, err)
		}
		if rep, _ := old.RunOnce(ctx); rep.Sent != 0 || !rep.Standby {
			t.Errorf("the healed old writer sent %+v", rep)
		}
	}
}
