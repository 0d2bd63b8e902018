package jira

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/slabot/slabot/connectors/jira/jirasim"
	"github.com/slabot/slabot/rules"
)

// writePace is additive increase, multiplicative decrease: a burst 429
// halves the writes in flight (never below one), a run of as many
// successful writes as the limit adds one (never above the maximum), and a
// writer waits while the limit is taken.
func TestWritePaceAIMD(t *testing.T) {
	p := newWritePace(4)
	steps := []struct {
		do   string
		want int
	}{
		{"limited", 2}, {"limited", 1}, {"limited", 1},
		{"ok", 2}, {"ok", 2}, {"ok", 3}, {"ok", 3}, {"ok", 3}, {"ok", 4}, {"ok", 4}, {"ok", 4}, {"ok", 4}, {"ok", 4},
		{"limited", 2},
	}
	for i, s := range steps {
		if s.do == "limited" {
			p.limited()
		} else {
			p.succeeded()
		}
		if got := p.Limit(); got != s.want {
			t.Fatalf("step %d (%s): limit %d, want %d", i, s.do, got, s.want)
		}
	}
	ctx := context.Background()
	for range 2 {
		if err := p.acquire(ctx); err != nil {
			t.Fatal(err)
		}
	}
	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	if err := p.acquire(short); err == nil {
		t.Fatal("a third write went in flight under a limit of 2")
	}
	p.release()
	if err := p.acquire(ctx); err != nil {
		t.Fatalf("a freed slot was not taken: %v", err)
	}
}

// "The first sync and any burst of writes run with bounded concurrency per
// site, adapting to 429s by reason" (issue 23). Forty issues written at
// once, from forty goroutines, against a site whose PUT burst bucket holds
// two and whose answers take 5 ms: every write lands; the site never sees
// more than the client's four writes at once; and the burst 429s brought
// the writes in flight down. A per-issue 429 does not: it is about one
// issue, not the site.
func TestBurstOfWritesKeepsTheSitesPace(t *testing.T) {
	s := newSite(t, seedWith(genIssues(40, 0, t0.Add(-time.Hour))...), jirasim.Options{}, func(c *Config) { c.MaxRateLimitWait = time.Hour })
	var mu sync.Mutex
	inFlight, most := 0, 0
	s.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			mu.Lock()
			inFlight++
			most = max(most, inFlight)
			mu.Unlock()
			defer func() {
				mu.Lock()
				inFlight--
				mu.Unlock()
			}()
		}
		s.sim.ServeHTTP(w, r)
	})
	s.sim.InjectFault(jirasim.Fault{Method: http.MethodPut, Path: "/rest/api/2/issue/*", Latency: 5 * time.Millisecond})
	s.sim.SetLimits(jirasim.Limits{Burst: 2, PerSecond: 2})
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Go(func() {
			_, err := s.client.Apply(ctx(t), rules.Patch{Key: fmt.Sprintf("SUP-%d", i+1),
				Fields: map[string]rules.FieldValue{"Support Contract": rules.Text("C-2")}})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d burst 429s, at most %d writes at the site at once, %d in flight allowed now", s.sim.RateLimited(), most, s.client.pace.Limit())
	if most > DefaultWriteConcurrency {
		t.Errorf("%d writes at the site at once, more than the client's %d", most, DefaultWriteConcurrency)
	}
	if s.sim.RateLimited() == 0 || s.client.pace.Limit() >= DefaultWriteConcurrency {
		t.Errorf("%d burst 429s, limit %d: the pace did not come down", s.sim.RateLimited(), s.client.pace.Limit())
	}

	s.client.pace = newWritePace(DefaultWriteConcurrency)
	burst := s.sim.RateLimited()
	s.sim.SetLimits(jirasim.Limits{IssueWrites: []jirasim.Window{{N: 1, Per: time.Second}}})
	for range 3 {
		if _, err := s.client.Apply(ctx(t), rules.Patch{Key: "SUP-1", Comments: []rules.NewComment{{Body: "again"}}}); err != nil {
			t.Fatal(err)
		}
	}
	if s.sim.RateLimited() == burst || s.client.pace.Limit() != DefaultWriteConcurrency {
		t.Errorf("after per-issue 429s the limit is %d, want %d", s.client.pace.Limit(), DefaultWriteConcurrency)
	}
}
