package jira

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/slabot/slabot/connectors/jira/jirasim"
	"github.com/slabot/slabot/rules"
)

// t0 is the simulated "now" at the start of every test.
var t0 = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)

// site is a simulator on a loopback HTTP server plus a connected client
// sharing its manual clock: the client's sleeps advance the clock, so
// Retry-After waits are honoured without real waiting.
type site struct {
	sim    *jirasim.Server
	srv    *httptest.Server
	clock  *jirasim.ManualClock
	client *Client

	mu    sync.Mutex
	slept []time.Duration
}

// siteClock is the site's simulated clock: a wait is recorded and passes
// on it at once.
type siteClock struct{ s *site }

func (c siteClock) Now() time.Time { return c.s.clock.Now() }

func (c siteClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.s.mu.Lock()
	c.s.slept = append(c.s.slept, d)
	c.s.mu.Unlock()
	c.s.clock.Advance(d)
	return nil
}

func defaultFields() []rules.Field {
	return []rules.Field{
		{Name: "First Response Due", Kind: rules.KindDatetime},
		{Name: "Resolution Due", Kind: rules.KindDatetime},
		{Name: "SLA State", Kind: rules.KindOption},
		{Name: "Customer Tier", Kind: rules.KindOption},
		{Name: "Support Contract", Kind: rules.KindText},
		{Name: "Credits Used", Kind: rules.KindNumber},
	}
}

func newSite(t testing.TB, seed jirasim.Seed, opts jirasim.Options, tweak func(*Config)) *site {
	t.Helper()
	s := &site{clock: jirasim.NewManualClock(t0)}
	opts.Now = s.clock.Now
	sim, err := jirasim.New(seed, opts)
	if err != nil {
		t.Fatal(err)
	}
	s.sim = sim
	s.srv = httptest.NewServer(sim)
	t.Cleanup(s.srv.Close)
	cfg := Config{
		BaseURL:  s.srv.URL,
		Email:    jirasim.BotEmail,
		APIToken: jirasim.BotToken,
		Fields:   defaultFields(),
		Clock:    siteClock{s},
		Jitter:   func() float64 { return 0.5 },
	}
	if tweak != nil {
		tweak(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.client = c
	if err := c.Connect(ctx(t)); err != nil {
		t.Fatal(err)
	}
	return s
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// genIssues makes n issues in project SUP created a minute apart from
// start, each with the given number of changelog entries.
func genIssues(n, histories int, start time.Time) []jirasim.Issue {
	out := make([]jirasim.Issue, n)
	for i := range out {
		created := start.Add(time.Duration(i) * time.Minute)
		is := jirasim.Issue{Project: "SUP", Type: "Incident", Priority: "High", Status: "Open",
			Summary: fmt.Sprintf("issue %d", i+1), Reporter: jirasim.CustomerID, Created: created}
		is.History = statusPingPong(created, histories)
		if histories%2 == 1 {
			is.Status = "In Progress"
		}
		out[i] = is
	}
	return out
}

// statusPingPong alternates Open -> In Progress -> Open ... n times, one
// second apart.
func statusPingPong(from time.Time, n int) []jirasim.History {
	hs := make([]jirasim.History, n)
	for j := range hs {
		a, b := "Open", "In Progress"
		if j%2 == 1 {
			a, b = b, a
		}
		hs[j] = jirasim.History{At: from.Add(time.Duration(j+1) * time.Second), Author: jirasim.AgentID,
			Items: []jirasim.Item{{Field: "status", From: a, To: b}}}
	}
	return hs
}

func seedWith(issues ...jirasim.Issue) jirasim.Seed {
	s := jirasim.DefaultSeed()
	s.Issues = issues
	return s
}

func newServer(t testing.TB, sim *jirasim.Server) string {
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return srv.URL
}
