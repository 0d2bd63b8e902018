package main

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/slabot/slabot/bot"
	"github.com/slabot/slabot/connectors/jira/jirasim"
	"github.com/slabot/slabot/rules"
)

// TestReadiness: ready when the last cycle of every product succeeded
// within three schedule intervals; otherwise each failing product says why.
func TestReadiness(t *testing.T) {
	now := time.Date(2026, 11, 10, 12, 0, 0, 0, time.UTC)
	// B runs every minute on its own schedule; A has the default two.
	intervals := map[string]time.Duration{"B": 2 * time.Minute, "C": time.Minute}
	for _, tc := range []struct {
		name  string
		hs    []bot.Health
		ready bool
		want  string
	}{
		{"all recent", []bot.Health{{Product: "A", LastSuccess: now.Add(-time.Minute)}, {Product: "B", LastSuccess: now.Add(-6 * time.Minute)}}, true, "B: ok, last success 6m0s ago"},
		{"one stale", []bot.Health{{Product: "A", LastSuccess: now.Add(-time.Minute)}, {Product: "B", LastSuccess: now.Add(-7 * time.Minute), LastError: errors.New("fetch HYD: 503")}}, false, "B: last success 7m0s ago (last error: fetch HYD: 503)"},
		{"never ran", []bot.Health{{Product: "A"}}, false, "A: no successful cycle yet"},
		{"own interval", []bot.Health{{Product: "C", LastSuccess: now.Add(-4 * time.Minute)}}, false, "C: last success 4m0s ago"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ready, lines := readiness(tc.hs, intervals, now)
			if ready != tc.ready {
				t.Errorf("ready = %v, want %v (%v)", ready, tc.ready, lines)
			}
			if !strings.Contains(strings.Join(lines, "\n"), tc.want) {
				t.Errorf("lines %q lack %q", lines, tc.want)
			}
		})
	}
}

// TestHealthEndpoints serves /healthz, /readyz and /metrics from a worker
// over the simulated sites, before and after its first cycle.
func TestHealthEndpoints(t *testing.T) {
	newTestSites(t, nil, "")
	a := newTestApp(t)
	clock := time.Now()
	srv := httptest.NewServer(healthHandler(a.worker, a.reg, nil, func() time.Time { return clock }))
	defer srv.Close()
	get := func(path string) (int, string) {
		t.Helper()
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, _ := get("/healthz"); code != http.StatusOK {
		t.Errorf("/healthz = %d", code)
	}
	if code, body := get("/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "no successful cycle yet") {
		t.Errorf("/readyz before any cycle = %d %q", code, body)
	}
	if err := a.cycleAll(t.Context()); err != nil {
		t.Fatal(err)
	}
	if code, body := get("/readyz"); code != http.StatusOK {
		t.Errorf("/readyz after a cycle = %d %q", code, body)
	}
	clock = clock.Add(7 * time.Minute)
	if code, _ := get("/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz three intervals later = %d", code)
	}
	_, metrics := get("/metrics")
	for _, name := range []string{"slabot_cycles_total", "slabot_cycle_duration_seconds", "slabot_jira_requests_total",
		"slabot_open_issues", "slabot_outbox_oldest_pending_seconds", "slabot_last_success_timestamp_seconds"} {
		if !strings.Contains(metrics, name) {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	if strings.Contains(metrics, "xoxb-test") || strings.Contains(metrics, jirasim.BotToken) {
		t.Error("/metrics shows a token")
	}
}

// TestDaemonServesAndShutsDown runs the daemon loop against the simulated
// sites: the first cycle runs at once (no interval's wait), /readyz turns
// ready, and cancelling (what SIGTERM does) returns only after the running
// cycles finished, so the store can be closed.
func TestDaemonServesAndShutsDown(t *testing.T) {
	sites := newTestSites(t, nil, "")
	t.Setenv("SLABOT_SCHEDULE", "@every 1h")
	a := newTestApp(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { a.serve(ctx, ln); close(done) }()
	url := "http://" + ln.Addr().String()
	ready := false
	for range 400 { // the first cycle of four products over loopback
		res, err := http.Get(url + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				ready = true
				break
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !ready {
		t.Fatal("/readyz never turned ready: the first cycle did not run at start")
	}
	if n := sites.jira.CountRequests(http.MethodPost, "/rest/api/2/search/jql"); n < len(sites.policies) {
		t.Errorf("%d searches for %d products", n, len(sites.policies))
	}
	cancel()
	<-done
	if _, err := http.Get(url + "/healthz"); err == nil {
		t.Error("the health server still answers after shutdown")
	}
	// The store is intact and still usable: nothing was closed under a cycle.
	if _, err := a.store.Counts(t.Context()); err != nil {
		t.Errorf("store after shutdown: %v", err)
	}
}

// newTestApp is the production wiring (newApp) from the environment
// newTestSites set, with a database in a temporary directory and the seed
// policies. Logs below warnings are dropped.
func newTestApp(t *testing.T) *app {
	t.Helper()
	t.Setenv("SLABOT_DB", t.TempDir()+"/slabot.db")
	t.Setenv("SLABOT_POLICIES", "../../deploy/policies")
	t.Setenv("SLABOT_LOG_LEVEL", "warn")
	cfg, err := loadConfig(true, true)
	if err != nil {
		t.Fatal(err)
	}
	a, err := newApp(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.store.Close() })
	return a
}

// The Jira client refuses to remove labels outside the prefix every
// policy's labels share, whatever prefixes the policies chose.
func TestManagedPrefix(t *testing.T) {
	pol := func(prefixes ...string) []*rules.Policy {
		var out []*rules.Policy
		for _, p := range prefixes {
			out = append(out, &rules.Policy{LabelPrefix: p})
		}
		return out
	}
	for _, tc := range []struct {
		prefixes []string
		want     string
	}{
		{nil, ""},
		{[]string{"sla-"}, "sla-"},
		{[]string{"sla-", "sla-"}, "sla-"},
		{[]string{"sla-", "slab-"}, "sla"},
		{[]string{"sla-", "sup-"}, "s"},
		{[]string{"sla-", "x-"}, ""},
	} {
		if got := managedPrefix(pol(tc.prefixes...)); got != tc.want {
			t.Errorf("managedPrefix(%q) = %q, want %q", tc.prefixes, got, tc.want)
		}
	}
}
