package outbox_test

import (
	"context"
	"io"
	"log/slog"
	"strconv"
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

// The senders implement what the outbox declares it needs (they do not
// import the outbox: the notice types are rules').
var _ outbox.Sender = (*slackc.Sender)(nil)

var start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// fakeClock is shared by the dispatcher and the simulator. Sleep advances
// it instead of waiting, to the later of its current value and the
// sleeper's wake-up time, so concurrent sleepers behave like parallel
// waits rather than adding up.
type fakeClock struct {
	mu     sync.Mutex
	t      time.Time
	sleeps []time.Duration
	// sleeping, once set (blockSleeps), makes Sleep wait for the test to
	// move the clock instead of moving it: each sleeper's wake-up instant
	// is sent on it first. moved is closed whenever the clock moves.
	sleeping chan time.Time
	moved    chan struct{}
}

func newFakeClock(t time.Time) *fakeClock { return &fakeClock{t: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	if c.sleeping != nil {
		return c.blockedSleep(ctx, d) // unlocks
	}
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	if wake := c.t.Add(d); wake.After(c.t) {
		c.t = wake
	}
	return ctx.Err()
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	if c.moved != nil {
		close(c.moved)
		c.moved = make(chan struct{})
	}
}

func (c *fakeClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// env is one test world: a simulator over real HTTP, an outbox on a fresh
// database of the test's engine (storetest.Run: a SQLite file in a temp
// dir, or a PostgreSQL schema), the real slack-go client and a dispatcher, on one fake clock.
type env struct {
	t     testing.TB
	clock *fakeClock
	sim   *slacksim.Server
	store *store.Store
	path  string
	ob    *outbox.Outbox
	// directory is the assignee directory the sender is built with.
	directory map[string]string
}

const token = "xoxb-test-token"

// lostDatabase is where a test's database is after it was lost and
// replaced by an empty one: the SQLite file, which the caller deleted, is
// created again at its path; on PostgreSQL it is a new schema.
func lostDatabase(t testing.TB, dsn string) string {
	if store.IsURL(dsn) {
		return storetest.Another(t, dsn)
	}
	return dsn
}

func newEnv(t testing.TB, tweak func(*outbox.Options), simOpts ...slacksim.Option) *env {
	return newEnvDir(t, nil, tweak, simOpts...)
}

// newEnvDir is newEnv with an assignee directory for the sender.
func newEnvDir(t testing.TB, directory map[string]string, tweak func(*outbox.Options), simOpts ...slacksim.Option) *env {
	t.Helper()
	clock := newFakeClock(start)
	opts := append([]slacksim.Option{
		slacksim.WithClock(clock.Now),
		slacksim.WithToken(token),
		slacksim.WithChannel("C1", "support"),
		slacksim.WithChannel("CLEAD", "support-leads"),
		slacksim.WithChannel("CMGMT", "support-management"),
		slacksim.WithUsers(
			slacksim.User{ID: "UANA", Name: "ana", Real: "Ana Ruiz", Email: "ana@example.com"},
			slacksim.User{ID: "UBOB", Name: "bob", Real: "Bob Stone", Email: "bob@example.com"},
		),
	}, simOpts...)
	sim := slacksim.NewServer(opts...)
	t.Cleanup(sim.Close)
	path := storetest.DSN(t)
	st, err := store.Open(context.Background(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	e := &env{t: t, clock: clock, sim: sim, store: st, path: path, directory: directory}
	e.ob = e.outbox(tweak)
	return e
}

// outbox opens another outbox (another process, say) on the env's store.
func (e *env) outbox(tweak func(*outbox.Options)) *outbox.Outbox {
	return e.outboxWith(slackc.NewClient(token, slackc.ClientOptions{APIURL: e.sim.APIURL(), Timeout: 10 * time.Second, Clock: e.clock}), tweak)
}

func (e *env) outboxWith(client *slackc.Client, tweak func(*outbox.Options)) *outbox.Outbox {
	e.t.Helper()
	o := outbox.Options{
		Owner:  "test",
		Clock:  e.clock,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if tweak != nil {
		tweak(&o)
	}
	ob, err := outbox.Open(context.Background(), e.store, slackc.NewSender(client, e.directory), o)
	if err != nil {
		e.t.Fatal(err)
	}
	return ob
}

// lkey is the key of a step recorded without a step identity (the tests'
// esc): "L<level>".
func lkey(issue, goal string, cycle, level int) string {
	return rules.NoticeKey(issue, goal, cycle, "L"+strconv.Itoa(level))
}

func esc(issue string, level int, rung string, target rules.Recipient) rules.Notice {
	return rules.Notice{
		IssueKey: issue, IssueURL: "https://acme.atlassian.net/browse/" + issue,
		Goal: "resolution", Cycle: 1, Level: level, Rung: rules.RungOfTitle(rung), Recipient: target,
		Summary: "Checkout fails <for> EU & US", Customer: "Acme", Plan: "Gold", Priority: "High",
		Deadline: start.Add(-2 * time.Hour), Remaining: -2*time.Hour - 5*time.Minute, AsOf: start, Status: "breached",
	}
}

func (e *env) enqueue(x rules.Notice) {
	e.t.Helper()
	if ok, err := e.ob.Escalate(context.Background(), e.clock.Now(), x); err != nil || !ok {
		e.t.Fatalf("enqueue %s L%d: inserted=%v err=%v", x.IssueKey, x.Level, ok, err)
	}
}

func (e *env) pass() outbox.Pass {
	e.t.Helper()
	rep, err := e.ob.RunOnce(context.Background())
	if err != nil {
		e.t.Fatalf("RunOnce: %v", err)
	}
	return rep
}

// drain runs passes, stepping the clock, until nothing is pending, in
// flight or waiting for a status update; it returns the summed reports.
func (e *env) drain(maxPasses int) outbox.Pass {
	e.t.Helper()
	var sum outbox.Pass
	sum.Errors = map[string]int{}
	for range maxPasses {
		rep := e.pass()
		sum.Claimed += rep.Claimed
		sum.Sent += rep.Sent
		sum.Replies += rep.Replies
		sum.Reconciled += rep.Reconciled
		sum.Cancelled += rep.Cancelled
		sum.Updated += rep.Updated
		sum.RateLimited += rep.RateLimited
		sum.Uncertain += rep.Uncertain
		sum.Retried += rep.Retried
		sum.Blocked += rep.Blocked
		for k, v := range rep.Errors {
			sum.Errors[k] += v
		}
		c, err := e.ob.Counts(context.Background())
		if err != nil {
			e.t.Fatal(err)
		}
		if c[outbox.StatePending] == 0 && c[outbox.StateSending] == 0 && e.staleParents() == 0 {
			return sum
		}
		e.clock.Advance(time.Minute)
	}
	c, _ := e.ob.Counts(context.Background())
	e.t.Fatalf("outbox not drained after %d passes: %v", maxPasses, c)
	return sum
}

// staleParents counts sent parent messages still waiting for a status
// update.
func (e *env) staleParents() int {
	e.t.Helper()
	var n int
	if err := e.store.QueryRow(context.Background(), nil, "SELECT COUNT(*) FROM outbox WHERE state = 'sent' AND update_gen > shown_gen").Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) row(issue string, level int) outbox.Row {
	e.t.Helper()
	r, err := e.ob.Get(context.Background(), lkey(issue, "resolution", 1, level))
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// byKey counts the simulator's messages per outbox key (from metadata).
func byKey(msgs []slacksim.Message) map[string][]slacksim.Message {
	out := map[string][]slacksim.Message{}
	for _, m := range msgs {
		if m.Metadata != nil {
			k, _ := m.Metadata.EventPayload["key"].(string)
			out[k] = append(out[k], m)
		}
	}
	return out
}
