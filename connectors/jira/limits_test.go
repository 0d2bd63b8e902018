package jira

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slabot/slabot/connectors/jira/jirasim"
	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/clock"
)

// TestRateLimitRetryAfterHonoured: the endpoint's bucket is tiny, so the
// sync hits 429s; the client must wait each Retry-After out (on the shared
// manual clock) and the simulator must see no retry before it was allowed.
func TestRateLimitRetryAfterHonoured(t *testing.T) {
	s := newSite(t, seedWith(genIssues(60, 45, t0.Add(-48*time.Hour))...), jirasim.Options{}, func(c *Config) { c.PageSize = 10 })
	s.sim.SetLimits(jirasim.Limits{Burst: 3, PerSecond: 0.5})
	issues, _, err := s.client.ChangedIn(ctx(t), []string{"SUP"}, Cursor{})
	if err != nil {
		t.Fatal(err)
	}
	if len(issues) != 60 {
		t.Fatalf("got %d issues", len(issues))
	}
	if s.sim.RateLimited() == 0 {
		t.Fatal("the test did not provoke any 429")
	}
	if n := s.sim.EarlyRetries(); n != 0 {
		t.Errorf("%d retries arrived before Retry-After had passed", n)
	}
	if len(s.slept) == 0 {
		t.Error("client never waited")
	}
	for _, d := range s.slept {
		if d < time.Second || d%time.Second != 0 {
			t.Errorf("waited %v, not a Retry-After", d)
		}
	}
	counts := s.client.RequestCounts()
	if counts[RequestCount{Method: "POST", Endpoint: "/rest/api/2/search/jql", Status: 429}] == 0 &&
		counts[RequestCount{Method: "GET", Endpoint: "/rest/api/2/issue/{key}/changelog", Status: 429}] == 0 {
		t.Errorf("429s not counted: %v", counts)
	}
}

// TestPerIssueWriteLimitSlowsOnlyThatIssue: writes to one issue hit the
// per-issue limit; the client waits for that issue while writes to
// another issue proceed without waiting.
func TestPerIssueWriteLimitSlowsOnlyThatIssue(t *testing.T) {
	a, b := oneIssue(), oneIssue()
	b.Key = "SUP-2"
	s := newSite(t, seedWith(a, b), jirasim.Options{}, nil)
	s.sim.SetLimits(jirasim.Limits{IssueWrites: []jirasim.Window{{N: 2, Per: 2 * time.Second}}})
	for i := range 5 {
		if _, err := s.client.Apply(ctx(t), rules.Patch{Key: "SUP-1", Comments: []rules.NewComment{{Body: "ping"}}}); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	if s.sim.RateLimited() == 0 {
		t.Fatal("no per-issue 429 provoked")
	}
	if n := s.sim.EarlyRetries(); n != 0 {
		t.Errorf("%d early retries", n)
	}

	// A per-issue limit longer than MaxRateLimitWait: the write to SUP-1
	// gives up with a RateLimitError, and only SUP-1's writes stay gated.
	s.sim.SetLimits(jirasim.Limits{IssueWrites: []jirasim.Window{{N: 1, Per: 10 * time.Minute}}})
	if _, err := s.client.Apply(ctx(t), rules.Patch{Key: "SUP-1", Comments: []rules.NewComment{{Body: "one"}}}); err != nil {
		t.Fatal(err)
	}
	_, err := s.client.Apply(ctx(t), rules.Patch{Key: "SUP-1", Comments: []rules.NewComment{{Body: "two"}}})
	var rl *RateLimitError
	if !errors.As(err, &rl) || rl.Issue != "SUP-1" || rl.Reason != ReasonPerIssueWrite || rl.RetryAfter != 10*time.Minute {
		t.Fatalf("err = %v, want a per-issue RateLimitError for SUP-1 (wait beyond MaxRateLimitWait)", err)
	}
	s.mu.Lock()
	waits := len(s.slept)
	s.mu.Unlock()
	sup1Writes := s.sim.CountRequests("POST", "/rest/api/2/issue/SUP-1/comment")
	limited := s.sim.RateLimited()

	// Writes to another issue and reads of SUP-1 go ahead at once.
	if _, err := s.client.Apply(ctx(t), rules.Patch{Key: "SUP-2", Comments: []rules.NewComment{{Body: "hi"}}}); err != nil {
		t.Fatalf("a write to SUP-2 was held back by SUP-1's limit: %v", err)
	}
	if _, _, err := s.client.Issue(ctx(t), "SUP-1"); err != nil {
		t.Fatalf("a read of SUP-1 was held back by its write limit: %v", err)
	}
	s.mu.Lock()
	if len(s.slept) != waits {
		t.Errorf("waited %v for SUP-1's write limit outside SUP-1's writes", s.slept[waits:])
	}
	s.mu.Unlock()

	// Another write to SUP-1 is refused by the client itself: the
	// simulator sees no request before Retry-After has passed.
	_, err = s.client.Apply(ctx(t), rules.Patch{Key: "SUP-1", Comments: []rules.NewComment{{Body: "three"}}})
	if !errors.As(err, &rl) || rl.Issue != "SUP-1" || rl.Reason != ReasonPerIssueWrite || !strings.Contains(err.Error(), "writes to that issue pause") {
		t.Errorf("err = %v, want a per-issue RateLimitError for SUP-1", err)
	}
	if n := s.sim.CountRequests("POST", "/rest/api/2/issue/SUP-1/comment"); n != sup1Writes {
		t.Errorf("%d more writes sent to SUP-1 while it was limited", n-sup1Writes)
	}
	if s.sim.RateLimited() != limited || s.sim.EarlyRetries() != 0 {
		t.Errorf("429s after the gate: %d more, %d early", s.sim.RateLimited()-limited, s.sim.EarlyRetries())
	}
	// Once Retry-After has passed, SUP-1 can be written again.
	s.clock.Advance(10 * time.Minute)
	if _, err := s.client.Apply(ctx(t), rules.Patch{Key: "SUP-1", Comments: []rules.NewComment{{Body: "four"}}}); err != nil {
		t.Errorf("write after Retry-After: %v", err)
	}
}

func TestQuotaRateLimitReportsReason(t *testing.T) {
	s := newSite(t, seedWith(oneIssue()), jirasim.Options{}, nil)
	s.sim.InjectFault(jirasim.Fault{Path: "/rest/api/2/issue/SUP-1", Status: 429,
		Header: http.Header{"Retry-After": {"1800"}, "Ratelimit-Reason": {jirasim.ReasonQuotaTenant}}})
	_, _, err := s.client.Issue(ctx(t), "SUP-1")
	var rl *RateLimitError
	if !errors.As(err, &rl) || rl.Reason != ReasonQuotaTenant || rl.RetryAfter != 30*time.Minute {
		t.Fatalf("err = %#v", err)
	}
	if len(s.slept) != 0 {
		t.Error("waited out a 30-minute quota inside a call")
	}
	// A quota covers the whole site: other endpoints are held back by the
	// client too, instead of spending requests on certain 429s.
	before := s.sim.CountRequests("", "*")
	_, _, err = s.client.ChangedIn(ctx(t), []string{"SUP"}, Cursor{})
	if !errors.As(err, &rl) || rl.Reason != ReasonQuotaTenant || !strings.Contains(err.Error(), "quota") {
		t.Errorf("search during the quota: err = %v, want a quota RateLimitError", err)
	}
	if n := s.sim.CountRequests("", "*") - before; n != 0 {
		t.Errorf("%d requests sent while the quota was exhausted", n)
	}
}

// TestBackoffIsBoundedExponentialWithJitter: retry delays double from
// 250 ms, stop growing at 10 s, and half of each delay is random so that
// many workers retrying together spread out.
func TestBackoffIsBoundedExponentialWithJitter(t *testing.T) {
	prev := time.Duration(0)
	for n := 1; n <= 20; n++ {
		lo, hi := backoffDelay(n, 0), backoffDelay(n, 0.999999)
		if lo > hi || hi > 10*time.Second || lo < 125*time.Millisecond {
			t.Fatalf("attempt %d: delay in [%v, %v], want within [125ms, 10s]", n, lo, hi)
		}
		if hi-lo < lo-time.Millisecond {
			t.Errorf("attempt %d: jitter range %v is less than half the delay", n, hi-lo)
		}
		if n <= 6 && hi <= prev {
			t.Errorf("attempt %d: delay %v did not grow from %v", n, hi, prev)
		}
		prev = hi
	}
	if d := backoffDelay(30, 0.999999); d < 9*time.Second {
		t.Errorf("late attempts back off %v, want about 10s", d)
	}
}

func TestServerErrorsRetriedThenSucceed(t *testing.T) {
	s := newSite(t, seedWith(genIssues(5, 2, t0.Add(-time.Hour))...), jirasim.Options{}, nil)
	s.sim.InjectFault(jirasim.Fault{Method: "POST", Path: "/rest/api/2/search/jql", Status: 503, Times: 2})
	s.sim.InjectFault(jirasim.Fault{Method: "GET", Path: "/rest/api/2/issue/SUP-2", Drop: true, Times: 1})
	issues, _, err := s.client.ChangedIn(ctx(t), []string{"SUP"}, Cursor{})
	if err != nil || len(issues) != 5 {
		t.Fatalf("%d issues, %v", len(issues), err)
	}
	if n := s.sim.CountRequests("POST", "/rest/api/2/search/jql"); n != 3 {
		t.Errorf("search requests = %d, want 2 failures + 1 success", n)
	}
	if _, _, err := s.client.Issue(ctx(t), "SUP-2"); err != nil {
		t.Errorf("dropped GET not retried: %v", err)
	}
	// Two backoffs for the 503s. The dropped GET is retried either by the
	// client's backoff or, when it went out on a reused connection, by
	// net/http's Transport itself (it resends an idempotent request whose
	// reused connection closed before any answer), so a third wait is not
	// guaranteed: the GET succeeding above is what proves the retry.
	if len(s.slept) < 2 {
		t.Errorf("backoff waits = %v", s.slept)
	}
	for i := 1; i < 2; i++ {
		if s.slept[i] <= s.slept[i-1] {
			t.Errorf("backoff not increasing: %v", s.slept)
		}
	}
}

func TestServerErrorsGiveUpAfterBoundedRetries(t *testing.T) {
	s := newSite(t, seedWith(oneIssue()), jirasim.Options{}, nil)
	s.sim.InjectFault(jirasim.Fault{Method: "GET", Path: "/rest/api/2/issue/SUP-1", Status: 502})
	_, resp, err := s.client.Issue(ctx(t), "SUP-1")
	if err == nil {
		t.Fatal("no error")
	}
	if want := 1 + s.client.cfg.MaxRetries; resp.Attempts != want || s.sim.CountRequests("GET", "/rest/api/2/issue/SUP-1") != want {
		t.Errorf("attempts = %d, want %d", resp.Attempts, want)
	}
}

// TestWriteNeverRetriedOnAmbiguousFailure: the edit is applied but the
// answer is lost (dropped connection, or a 502 from a proxy); the client
// must report an uncertain write and not send it again.
func TestWriteNeverRetriedOnAmbiguousFailure(t *testing.T) {
	for _, f := range []jirasim.Fault{
		{Method: "PUT", Path: "/rest/api/2/issue/SUP-1", Drop: true, AfterApply: true},
		{Method: "PUT", Path: "/rest/api/2/issue/SUP-1", Status: 502, AfterApply: true},
		{Method: "POST", Path: "/rest/api/2/issue/SUP-1/comment", Drop: true, AfterApply: true},
	} {
		s := newSite(t, seedWith(oneIssue()), jirasim.Options{}, nil)
		s.sim.InjectFault(f)
		done, err := s.client.Apply(ctx(t), rules.Patch{Key: "SUP-1", AddLabels: []string{"sla-at-risk"},
			Comments: []rules.NewComment{{Body: "Acknowledged"}}})
		var uw *UncertainWriteError
		if !errors.As(err, &uw) || uw.Issue != "SUP-1" {
			t.Fatalf("%+v: err = %v", f, err)
		}
		if n := s.sim.CountRequests(f.Method, f.Path); n != 1 {
			t.Errorf("%s %s sent %d times", f.Method, f.Path, n)
		}
		got, _ := s.sim.Issue("SUP-1")
		if len(got.Labels) != 1 {
			t.Errorf("edit not applied by the simulator: %v", got.Labels)
		}
		if f.Method == "PUT" && (done.Edited || s.sim.CountRequests("POST", "*") != 0) {
			t.Error("comment posted after an uncertain edit")
		}
	}
}

func TestContextCancellation(t *testing.T) {
	s := newSite(t, seedWith(oneIssue()), jirasim.Options{}, nil)
	t.Run("deadline during a slow response", func(t *testing.T) {
		s.sim.InjectFault(jirasim.Fault{Path: "/rest/api/2/search/jql", Latency: time.Hour, Times: 1})
		c, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, _, err := s.client.ChangedIn(c, []string{"SUP"}, Cursor{})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v", err)
		}
		// The simulator logs a request when it finishes, which may be
		// after the client gave up: at most the one request was sent.
		if n := s.sim.CountRequests("POST", "/rest/api/2/search/jql"); n > 1 {
			t.Errorf("search sent %d times: retried after the deadline", n)
		}
	})
	t.Run("cancelled before the call", func(t *testing.T) {
		c, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := s.client.Apply(c, rules.Patch{Key: "SUP-1", AddLabels: []string{"x"}})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("cancelled while waiting out Retry-After", func(t *testing.T) {
		s.sim.InjectFault(jirasim.Fault{Path: "/rest/api/2/issue/SUP-1", Status: 429, Times: 1,
			Header: http.Header{"Retry-After": {"5"}, "Ratelimit-Reason": {jirasim.ReasonBurst}}})
		c, cancel := context.WithCancel(context.Background())
		before := s.client.cfg.Clock
		s.client.cfg.Clock = cancelOnSleep{before, cancel}
		defer func() { s.client.cfg.Clock = before }()
		_, _, err := s.client.Issue(c, "SUP-1")
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
	})
}

// cancelOnSleep cancels the call's context when the client starts a wait.
type cancelOnSleep struct {
	clock.Clock
	cancel context.CancelFunc
}

func (c cancelOnSleep) Sleep(ctx context.Context, _ time.Duration) error {
	c.cancel()
	<-ctx.Done()
	return ctx.Err()
}

func TestRequestCountsByEndpointAndStatus(t *testing.T) {
	var hooked int
	s := newSite(t, seedWith(oneIssue()), jirasim.Options{}, func(c *Config) { c.OnRequest = func(RequestInfo) { hooked++ } })
	_, _, _ = s.client.Issue(ctx(t), "SUP-1")
	_, _, _ = s.client.Issue(ctx(t), "SUP-9")
	got := s.client.RequestCounts()
	for k, want := range map[RequestCount]int{
		{Method: "GET", Endpoint: "/rest/api/2/myself", Status: 200}:      1,
		{Method: "GET", Endpoint: "/rest/api/2/field", Status: 200}:       1,
		{Method: "GET", Endpoint: "/rest/api/2/status", Status: 200}:      1,
		{Method: "GET", Endpoint: "/rest/api/2/issue/{key}", Status: 200}: 1,
		{Method: "GET", Endpoint: "/rest/api/2/issue/{key}", Status: 404}: 1,
	} {
		if got[k] != want {
			t.Errorf("%+v = %d, want %d", k, got[k], want)
		}
	}
	if hooked != s.client.TotalRequests() || hooked != 5 {
		t.Errorf("hook saw %d, total %d", hooked, s.client.TotalRequests())
	}
	if len(SortedCounts(got)) != len(got) {
		t.Error("SortedCounts lost entries")
	}
}
