package bot_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slabot/slabot/bot"
	"github.com/slabot/slabot/connectors/jira/jirasim"
	"github.com/slabot/slabot/rules/clock"
)

// Issue 23: "Jira webhooks as the fast path, polling as the safety net".
// Sanarise polls every 15 minutes; jirasim sends its admin webhook over
// real HTTP, signed, to the receiver. A new issue gets its deadline field
// from the webhook's refresh (a consistent GET of that issue, then the
// cycle's own evaluate, hand-over and write), with no search at all and no
// cycle; the agent's answer sets the goal's state the same way; the
// bot's own writes come back as events and change nothing more; a
// delivery jirasim drops leaves the issue for the next sweep, which
// catches it.
func TestWebhookFastPathAndTheSweep(t *testing.T) {
	t0 := time.Date(2026, 11, 3, 7, 0, 0, 0, time.UTC)
	s := newSanSite(t, t0, 0)
	ctx := context.Background()
	const secret = "whsec-sanarise"
	m := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "webhooks"}, []string{"result"})
	hook := httptest.NewServer(&bot.Webhook{Secret: []byte(secret), Worker: s.w, Metrics: m, Clock: clock.Simulated(s.clock.Now)})
	t.Cleanup(hook.Close)
	if err := s.jsim.AddWebhook(jirasim.Webhook{URL: hook.URL, Secret: secret, JQL: "project = SAN"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.Cycle(ctx, s.p.Product, t0); err != nil { // the daemon's first cycle
		t.Fatal(err)
	}
	searches := func() int {
		n := 0
		for _, r := range s.jsim.Requests() {
			if strings.Contains(r.Path, "/search") {
				n++
			}
		}
		return n
	}
	swept := searches()
	// settle lets the deliveries arrive, then runs the refresh the
	// daemon's loop makes TouchDelay after the first touch.
	settle := func() {
		t.Helper()
		s.jsim.WaitDeliveries()
		s.clock.Advance(bot.TouchDelay)
		s.w.RefreshTouched(ctx, s.clock.Now())
	}
	field := func(key, name string) any {
		t.Helper()
		is, ok := s.jsim.Issue(key)
		if !ok {
			t.Fatalf("no issue %s", key)
		}
		return is.Fields[name]
	}

	s.clock.Set(t0.Add(time.Minute))
	created := s.clock.Now()
	key := s.create("Cannot Access Website/Database", created)
	settle()
	if due := field(key, "First response due"); due == nil {
		t.Fatalf("%s has no deadline after the webhook's refresh", key)
	}
	if n := searches(); n != swept {
		t.Errorf("%d searches since the sweep: the fast path reads the issue, not the index", n-swept)
	}
	if at := s.clock.Now().Sub(created); at > 2*time.Second {
		t.Errorf("the deadline came %v after the issue was created (simulated time)", at)
	}
	settle() // slabot's own write came back as an event: re-read, nothing to change
	writes := 0
	for _, r := range s.jsim.Requests() {
		if r.Method == "PUT" {
			writes++
		}
	}

	s.clock.Advance(5 * time.Minute)
	if _, err := s.jsim.AddComment(key, sanAgent, "Looking at it now.", false, s.clock.Now()); err != nil {
		t.Fatal(err)
	}
	settle()
	settle()
	if st := field(key, "First response SLA"); st != "met" {
		t.Errorf("First response SLA %v after the answer's webhook, want met", st)
	}
	after := 0
	for _, r := range s.jsim.Requests() {
		if r.Method == "PUT" {
			after++
		}
	}
	if after != writes+1 {
		t.Errorf("%d writes for the answer, want 1 (no write loop through the webhook)", after-writes)
	}

	s.jsim.SetWebhookFaults(jirasim.WebhookFaults{DropEvery: 1})
	lost := s.create("Cannot Access Website/Database", s.clock.Now())
	settle()
	if due := field(lost, "First response due"); due != nil {
		t.Fatalf("%s got a deadline although its delivery was dropped", lost)
	}
	if _, err := s.w.Cycle(ctx, s.p.Product, t0.Add(15*time.Minute)); err != nil { // the sweep
		t.Fatal(err)
	}
	if due := field(lost, "First response due"); due == nil {
		t.Errorf("the sweep did not catch %s, whose delivery was dropped", lost)
	}
	if n := counted(m, bot.WebhookAccepted); n < 3 {
		t.Errorf("%v deliveries accepted, want at least the create, the answer and the writes' echoes", n)
	}
}

// Deliveries can come out of order (DESIGN: "treat one as 're-read this
// issue', never as the truth"). The issue's creation is delivered after
// the agent's answer: the answer's refresh reads the issue as it is (the
// goal met), and the creation's late refresh changes nothing back.
func TestWebhookOutOfOrderConverges(t *testing.T) {
	t0 := time.Date(2026, 11, 3, 7, 0, 0, 0, time.UTC)
	s := newSanSite(t, t0, 0)
	ctx := context.Background()
	const secret = "whsec-order"
	hook := httptest.NewServer(&bot.Webhook{Secret: []byte(secret), Worker: s.w, Clock: clock.Simulated(s.clock.Now)})
	t.Cleanup(hook.Close)
	if err := s.jsim.AddWebhook(jirasim.Webhook{URL: hook.URL, Secret: secret}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.Cycle(ctx, s.p.Product, t0); err != nil {
		t.Fatal(err)
	}
	late := int64(len(s.jsim.Deliveries()) + 1) // the creation's delivery
	s.jsim.SetWebhookFaults(jirasim.WebhookFaults{DelayOf: func(n int64) time.Duration {
		if n == late {
			return 500 * time.Millisecond // wall time: the answer's delivery overtakes it
		}
		return 0
	}})
	s.clock.Set(t0.Add(time.Minute))
	key := s.create("Cannot Access Website/Database", s.clock.Now())
	s.clock.Advance(time.Minute)
	if _, err := s.jsim.AddComment(key, sanAgent, "On it.", false, s.clock.Now()); err != nil {
		t.Fatal(err)
	}
	for range 1000 { // the answer's delivery arrives first
		if n := len(s.jsim.Deliveries()); n > 0 && s.jsim.Deliveries()[n-1].Status == 202 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	s.clock.Advance(bot.TouchDelay)
	s.w.RefreshTouched(ctx, s.clock.Now())
	state := func() any { is, _ := s.jsim.Issue(key); return is.Fields["First response SLA"] }
	if st := state(); st != "met" {
		t.Fatalf("after the answer's delivery: %v, want met", st)
	}
	s.jsim.WaitDeliveries()
	s.clock.Advance(bot.TouchDelay)
	s.w.RefreshTouched(ctx, s.clock.Now())
	s.jsim.WaitDeliveries() // the echo of slabot's write, if any
	s.w.RefreshTouched(ctx, s.clock.Now())
	if st := state(); st != "met" {
		t.Errorf("after the creation's late delivery: %v, want met still", st)
	}
}
