package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/slabot/slabot/connectors/jira/jirasim"
	"github.com/slabot/slabot/connectors/slack/slacksim"
	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/clock"
)

// TestHealthEndpoints serves /healthz, /readyz and /metrics from a worker
// over the simulated sites, before and after its first cycle.
func TestHealthEndpoints(t *testing.T) {
	newTestSites(t, nil, "")
	a := newTestApp(t)
	at := time.Now()
	srv := httptest.NewServer(healthHandler(a.worker.Ready, a.reg, clock.Simulated(func() time.Time { return at }), nil, nil))
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
	if code, body := get("/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "connecting to Jira") {
		t.Errorf("/readyz before any cycle = %d %q", code, body)
	}
	if err := a.worker.CycleAll(t.Context(), clock.Wall{}); err != nil {
		t.Fatal(err)
	}
	if code, body := get("/readyz"); code != http.StatusOK {
		t.Errorf("/readyz after a cycle = %d %q", code, body)
	}
	at = at.Add(7 * time.Minute)
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
// sites: the first cycle runs at once (no interval's wait), and cancelling
// (what SIGTERM does) while it runs returns only after every product's
// cycle finished, so the store can be closed under no one.
func TestDaemonServesAndShutsDown(t *testing.T) {
	sites := newTestSites(t, nil, "")
	t.Setenv("SLABOT_SCHEDULE", "@every 1h")
	t.Setenv("SLABOT_DB", t.TempDir()+"/slabot.db")
	t.Setenv("SLABOT_POLICIES", "../../deploy/policies")
	t.Setenv("SLABOT_LOG_LEVEL", "warn")
	cfg, err := loadConfig(true, true)
	if err != nil {
		t.Fatal(err)
	}
	// Every search takes a while: the first cycles are still running when
	// the shutdown comes.
	sites.jira.InjectFault(jirasim.Fault{Method: http.MethodPost, Path: "/rest/api/2/search/jql", Latency: 300 * time.Millisecond})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	apps := make(chan *app, 1)
	go func() { _ = daemon(ctx, cfg, ln, func(a *app) { apps <- a }); close(done) }()
	url := "http://" + ln.Addr().String()
	up := false
	for range 200 {
		if res, err := http.Get(url + "/healthz"); err == nil {
			res.Body.Close()
			up = true
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !up {
		t.Fatal("/healthz never answered")
	}
	a := <-apps
	// Wait until the worker reached Jira: the first cycles start at once
	// and are searching (slowly).
	for {
		res, err := http.Get(url + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !strings.Contains(string(b), "connecting to Jira") && !strings.Contains(string(b), "slack: verifying") && !strings.Contains(string(b), "starting") {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	for _, h := range a.worker.Health() {
		if !h.LastSuccess.IsZero() {
			t.Fatalf("%s finished a cycle before the slow searches could answer: the test proves nothing", h.Product)
		}
	}
	cancel()
	<-done
	for _, h := range a.worker.Health() {
		if h.LastSuccess.IsZero() {
			t.Errorf("serve returned while %s's first cycle was still running (%v)", h.Product, h.LastError)
		}
	}
	if n := sites.jira.CountRequests(http.MethodPost, "/rest/api/2/search/jql"); n < len(sites.policies) {
		t.Errorf("%d searches for %d products: the first cycle did not run at start", n, len(sites.policies))
	}
	if _, err := http.Get(url + "/healthz"); err == nil {
		t.Error("the health server still answers after shutdown")
	}
}

// newTestApp is the production wiring (newApp) from the environment
// newTestSites set, with a database in a temporary directory and the seed
// policies. Logs below warnings are dropped.
func newTestApp(t *testing.T) *app {
	t.Helper()
	return newTestAppDB(t, t.TempDir()+"/slabot.db")
}

// newTestAppDB is newTestApp on the database file db.
func newTestAppDB(t *testing.T, db string) *app {
	t.Helper()
	t.Setenv("SLABOT_DB", db)
	t.Setenv("SLABOT_POLICIES", "../../deploy/policies")
	t.Setenv("SLABOT_LOG_LEVEL", "warn")
	cfg, err := loadConfig(true, true)
	if err != nil {
		t.Fatal(err)
	}
	channels, problems, err := slackChannels(t.Context(), cfg, false, nil)
	if err != nil || problems != nil {
		t.Fatal(err, problems)
	}
	a, err := newApp(t.Context(), cfg, surroundings{channels: channels})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.store.Close() })
	return a
}

// The Jira client may remove only labels with one of the policies'
// prefixes, each listed once, and never an empty one.
func TestLabelPrefixes(t *testing.T) {
	var policies []*rules.Policy
	for _, p := range []string{"sla-", "sup-", "sla-"} {
		policies = append(policies, &rules.Policy{LabelPrefix: p})
	}
	if got := labelPrefixes(policies); strings.Join(got, " ") != "sla- sup-" {
		t.Errorf("labelPrefixes = %q, want [sla- sup-]", got)
	}
	shipped, err := rules.LoadDir("../../deploy/policies")
	if err != nil {
		t.Fatal(err)
	}
	if got := labelPrefixes(shipped); strings.Join(got, " ") != "sla-" {
		t.Errorf("seed policies' prefixes = %q, want [sla-]", got)
	}
}

// Channels are found by name through Slack (SLABOT_SLACK_CHANNELS only
// overrides): with one channel mapped by hand, run and once resolve the
// others; a channel the bot is not in is named, with the fix, as a
// problem that does not stop slabot.
func TestRunResolvesChannelsByName(t *testing.T) {
	sites := newTestSites(t, nil, "#hydra-leads")
	t.Setenv("SLABOT_SLACK_CHANNELS", "#botron-leads=C0005")
	t.Setenv("SLABOT_POLICIES", "../../deploy/policies")
	cfg, err := loadConfig(true, true)
	if err != nil {
		t.Fatal(err)
	}
	_, problems, err := slackChannels(t.Context(), cfg, false, nil)
	if err != nil || problems == nil || !strings.Contains(problems.Error(), "#hydra-leads") || !strings.Contains(problems.Error(), "invite @slabot to #hydra-leads") ||
		strings.Contains(problems.Error(), "#botron-leads") {
		t.Fatalf("err = %v, problems %v, want the channel without the bot named with the fix (and only it)", err, problems)
	}
	sites.slack.SetMember("C0008", true)
	ids, problems, err := slackChannels(t.Context(), cfg, false, nil)
	if err != nil || problems != nil {
		t.Fatal(err, problems)
	}
	for name, id := range demoChannels(sites.policies) {
		if ids[name] != id {
			t.Errorf("%s resolved to %q, want %s", name, ids[name], id)
		}
	}
	if n := len(sites.slack.Calls("conversations.list")); n == 0 {
		t.Error("no conversations.list: names were not resolved through Slack")
	}
}

// "slabot run with a wrong Slack token: /readyz not ready with a reason,
// no secret in it." The daemon listens at once and stays up (Jira's side
// and a person's fix must not need a restart loop), /readyz answers 503
// with Slack's code and the variable to fix, and neither token nor the
// Jira account's e-mail appears.
func TestRunWrongSlackTokenNotReady(t *testing.T) {
	newTestSites(t, nil, "")
	ss := slacksim.NewServer(slacksim.WithToken("xoxb-the-right-one"))
	t.Cleanup(ss.Close)
	const secret = "xoxb-wrong-secret-4711"
	t.Setenv("SLABOT_SLACK_API_URL", ss.APIURL())
	t.Setenv("SLABOT_SLACK_TOKEN", secret)
	t.Setenv("SLABOT_DB", t.TempDir()+"/slabot.db")
	t.Setenv("SLABOT_POLICIES", "../../deploy/policies")
	t.Setenv("SLABOT_LOG_LEVEL", "error")
	cfg, err := loadConfig(true, true)
	if err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, cfg)
	var code int
	var body string
	for range 500 {
		if code, body = d.get("/readyz"); strings.Contains(body, "invalid_auth") {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "invalid_auth") || !strings.Contains(body, "SLABOT_SLACK_TOKEN") {
		t.Fatalf("/readyz = %d %q, want 503 naming invalid_auth and the variable", code, body)
	}
	for _, s := range []string{secret, jirasim.BotToken, jirasim.BotEmail} {
		if strings.Contains(body, s) {
			t.Errorf("/readyz shows %q: %s", s, body)
		}
	}
	if code, _ := d.get("/healthz"); code != http.StatusOK {
		t.Errorf("/healthz while Slack is not ready: %d", code)
	}
	d.stop()
}
