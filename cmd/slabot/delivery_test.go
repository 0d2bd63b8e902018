package main

import (
	"context"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/caarlos0/env/v11"
	"github.com/slabot/slabot/bot/outbox"
	"github.com/slabot/slabot/connectors/jira/jirasim"
	"github.com/slabot/slabot/connectors/slack/slacksim"
	"github.com/slabot/slabot/deploy"
	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/clock"
)

// deliveryDemo is the demo over real HTTP with a quiet log.
func deliveryDemo(t *testing.T) *demoEnv {
	t.Helper()
	d, err := newDemoEnvTick(t.Context(), t.TempDir(), slog.New(slog.NewTextHandler(io.Discard, nil)), 5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.close)
	return d
}

// stepAt returns when the step trigger of issue's goal falls due, from the
// engine's view of the worker's cache.
func stepAt(t *testing.T, d *demoEnv, product, key, goal, trigger string, now time.Time) time.Time {
	t.Helper()
	_, ev := d.worker.Outcomes(product, now)
	for i := range ev.Outcomes {
		o := &ev.Outcomes[i]
		if o.Issue.Key != key {
			continue
		}
		for _, s := range o.Goal(goal).Steps {
			if s.Step.At == trigger {
				return s.At
			}
		}
	}
	t.Fatalf("no step %s of %s %s in the cache", trigger, key, goal)
	return time.Time{}
}

// messageTime is when Slack took a message (its ts).
func messageTime(t *testing.T, m slacksim.Message) time.Time {
	t.Helper()
	sec, _, _ := strings.Cut(m.TS, ".")
	n, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		t.Fatalf("ts %q: %v", m.TS, err)
	}
	return time.Unix(n, 0).UTC()
}

// postedOnce fails for every outbox key Slack holds more than one message
// for, and returns the messages by key.
func postedOnce(t *testing.T, s *slacksim.Server) map[string][]slacksim.Message {
	t.Helper()
	by := map[string][]slacksim.Message{}
	for _, m := range s.AllMessages() {
		if m.Metadata == nil {
			continue
		}
		k, _ := m.Metadata.EventPayload["key"].(string)
		by[k] = append(by[k], m)
	}
	for k, ms := range by {
		if len(ms) != 1 {
			t.Errorf("%s posted %d times", k, len(ms))
		}
	}
	return by
}

// historyTick is the tick of the days a test plays only to have the
// demo's history behind it (issues, posts, clicks): steps recorded ahead
// post at their instants (deliverUntil), so a cycle every few hours makes
// the same history as one every hour.
const historyTick = 4 * time.Hour

// playThrough is play with a last cycle at to, whatever tick's grid: every
// event up to to has happened and a cycle has seen it.
func playThrough(ctx context.Context, d *demoEnv, script []scriptEvent, from, to time.Time, tick time.Duration) error {
	last := from.Add(to.Sub(from) / tick * tick)
	head, tail := splitScript(script, last)
	if err := d.play(ctx, head, from, last, tick); err != nil {
		return err
	}
	if last.Equal(to) {
		return nil
	}
	return d.play(ctx, tail, to, to, tick)
}

// "Delivery never waits for Jira": Jira answers 503 for 30 simulated
// minutes across the moment an issue breaches. The breach step (team lead)
// is posted within one dispatch interval (the demo's 5-minute tick) of its
// due time, saying the data is as of the last successful poll, and
// /metrics answers throughout.
func TestJiraOutageAcrossABreach(t *testing.T) {
	t.Parallel() // its own simulators, database and clock; no environment
	ctx := t.Context()
	d := deliveryDemo(t)
	tick := 5 * time.Minute
	metrics := httptest.NewServer(healthHandler(d.worker.Ready, d.reg, clock.Simulated(d.clock.Now), nil, nil))
	defer metrics.Close()

	script := demoScript()
	warm := utc("2026-11-09T11:00:00Z") // bot-climb exists and is cached
	first, rest := splitScript(script, warm)
	if err := playThrough(ctx, d, first, demoStart, warm, historyTick); err != nil {
		t.Fatal(err)
	}
	key := d.keys["bot-climb"]
	due := stepAt(t, d, "Botron Support", key, "first_response", "breach", warm)
	from := due.Add(-10 * time.Minute).Truncate(tick)
	// Hourly until the last hour before the outage, then the dispatch
	// interval: only the ticks around the breach need it.
	hourly := warm.Add(from.Sub(warm) / time.Hour * time.Hour)
	early, rest := splitScript(rest, hourly)
	if err := d.play(ctx, early, warm.Add(time.Hour), hourly, time.Hour); err != nil {
		t.Fatal(err)
	}
	before, rest := splitScript(rest, from)
	if err := d.play(ctx, before, hourly.Add(tick), from, tick); err != nil {
		t.Fatal(err)
	}

	failed := d.failedCycles
	remove := d.jsim.InjectFault(jirasim.Fault{Path: "/rest/*", Status: http.StatusServiceUnavailable})
	outageEnd := from.Add(30 * time.Minute)
	for now := from.Add(tick); !now.After(outageEnd); now = now.Add(tick) {
		var step []scriptEvent
		step, rest = splitScript(rest, now)
		if err := d.play(ctx, step, now, now, tick); err != nil {
			t.Fatal(err)
		}
		res, err := http.Get(metrics.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.Contains(string(b), "slabot_outbox_rows") {
			t.Fatalf("/metrics at %s during the outage: %d", now, res.StatusCode)
		}
	}
	remove()
	if d.failedCycles-failed < 6*len(d.policies) {
		t.Fatalf("%d failed cycles during the outage: the fault did not apply", d.failedCycles-failed)
	}

	want := rules.NoticeKey(key, "first_response", 1, "breach/team_lead")
	ms := postedOnce(t, d.ssim)[want]
	if len(ms) != 1 {
		t.Fatalf("breach step %s posted %d times during the outage", want, len(ms))
	}
	if at := messageTime(t, ms[0]); at.After(due.Add(tick)) {
		t.Errorf("breach step due %s posted %s: more than one dispatch interval late", due, at)
	}
	if !strings.Contains(ms[0].Text, "Jira data as of") {
		t.Errorf("message does not say the data is stale: %s", ms[0].Text)
	}
}

// A daemon started while Jira is down serves /healthz and /metrics at
// once, says on /readyz that it is connecting, retries, and comes ready
// when Jira is back.
func TestDaemonStartedDuringJiraOutage(t *testing.T) {
	t.Parallel() // its own simulators and database; its configuration from a map, not the environment
	sites := startTestSites(t, nil, "")
	remove := sites.jira.InjectFault(jirasim.Fault{Path: "/rest/*", Status: http.StatusServiceUnavailable})
	sites.env["SLABOT_SCHEDULE"] = "@every 1h"
	cfg := daemonConfigFrom(t, sites.env, t.TempDir()+"/slabot.db")
	d := startDaemon(t, cfg)
	get := d.get
	if code, _ := get("/healthz"); code != http.StatusOK {
		t.Fatalf("/healthz during the outage: %d", code)
	}
	if code, _ := get("/metrics"); code != http.StatusOK {
		t.Fatalf("/metrics during the outage: %d", code)
	}
	for { // the outbox's backlog shows as soon as it is open, Jira or not
		code, body := get("/metrics")
		if code != http.StatusOK {
			t.Fatalf("/metrics during the outage: %d", code)
		}
		if strings.Contains(body, "slabot_outbox_rows") {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Wait for a failed connection attempt: /readyz says why.
	for {
		code, body := get("/readyz")
		if code != http.StatusServiceUnavailable {
			t.Fatalf("/readyz during the outage: %d %q", code, body)
		}
		if strings.Contains(body, "connecting to Jira") && strings.Contains(body, "503") {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	remove()
	// Ready once connected and every product's first cycle succeeded (the
	// connection is retried 1s, 2s, 4s ... after failures).
	for {
		if code, _ := get("/readyz"); code == http.StatusOK {
			break
		}
		select {
		case err := <-d.done:
			t.Fatalf("the daemon stopped: %v", err)
		case <-time.After(50 * time.Millisecond):
		}
	}
	d.stop()
}

// "Stable step identity": a 50% step is inserted into Botron's running
// policy (a restart with the edited file). No step already sent is sent
// again; issues already past the new step's instant when it appeared are
// not pinged for it (recorded as skipped), and every key is in Slack once.
func TestPolicyEditInsertsStep(t *testing.T) {
	t.Parallel() // its own simulators, database and clock; no environment
	ctx := t.Context()
	d := deliveryDemo(t)
	tick := time.Hour
	script := demoScript()
	edit := utc("2026-11-10T12:00:00Z") // bot-climb's first response is overdue
	first, rest := splitScript(script, edit)
	if err := playThrough(ctx, d, first, demoStart, edit, historyTick); err != nil {
		t.Fatal(err)
	}
	// Who was pinged for what before the edit: (issue, goal, cycle, rung).
	pinged := map[string]bool{}
	keysBefore := map[string]bool{}
	for k := range postedOnce(t, d.ssim) {
		keysBefore[k] = true
		i := strings.LastIndex(k, "/")
		j := strings.LastIndex(k, "|")
		pinged[k[:j]+" "+k[i+1:]] = true
	}
	if len(pinged) == 0 {
		t.Fatal("nothing posted before the edit: the test proves nothing")
	}

	edited := fstest.MapFS{}
	err := fs.WalkDir(deploy.Policies, "policies", func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := fs.ReadFile(deploy.Policies, path)
		if strings.HasSuffix(path, "botron.yaml") {
			s := strings.Replace(string(b), "    - {at: 75%, rung: agent}", "    - {at: 50%, rung: agent}\n    - {at: 75%, rung: agent}", 1)
			if s == string(b) {
				t.Fatal("botron.yaml has no 75% step to insert before")
			}
			b = []byte(s)
		}
		edited[path] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if d.policies, err = rules.LoadFS(edited, "policies"); err != nil {
		t.Fatal(err)
	}
	d.stop()
	if err := d.start(ctx); err != nil {
		t.Fatal(err)
	}
	// A day after the edit: the first cycle re-records every due step under
	// the edited ladder, so a renumbered or caught-up step shows at once.
	if err := d.play(ctx, rest, edit.Add(tick), edit.Add(24*time.Hour), tick); err != nil {
		t.Fatal(err)
	}
	by := postedOnce(t, d.ssim)
	// No rung is pinged again for a step it already had: renumbering the
	// ladder must not turn "breach" into a new "level 3" message.
	for k := range by {
		if keysBefore[k] {
			continue
		}
		i := strings.LastIndex(k, "/")
		j := strings.LastIndex(k, "|")
		if pinged[k[:j]+" "+k[i+1:]] {
			t.Errorf("%s posted after the edit, but its rung was already pinged for this goal", k)
		}
	}
	skipped := 0
	for _, k := range d.jsim.IssueKeys() {
		if !strings.HasPrefix(k, "B") || strings.HasPrefix(k, "B2B") {
			continue
		}
		r, err := d.outbox.Get(ctx, rules.NoticeKey(k, "first_response", 1, "50%/agent"))
		if err != nil {
			continue // not due (yet), or no target
		}
		if r.State == outbox.StateCancelled && strings.Contains(r.LastError, "catch-up rule") {
			skipped++
			if n := len(by[r.Key]); n != 0 {
				t.Errorf("%s skipped but posted %d times", r.Key, n)
			}
		}
	}
	if skipped == 0 {
		t.Error("no issue was past the new step when it appeared: the catch-up rule was not exercised")
	}
}

// "A lost database": the file is deleted halfway and slabot starts over
// on a new one. Steps already in Slack are found there by their key
// before anything is posted: every key is in Slack exactly once.
func TestDeletedDatabaseNoDuplicates(t *testing.T) {
	t.Parallel() // its own simulators, database and clock; no environment
	ctx := t.Context()
	d := deliveryDemo(t)
	tick := time.Hour
	script := demoScript()
	lost := utc("2026-11-10T12:00:00Z")
	first, rest := splitScript(script, lost)
	if err := playThrough(ctx, d, first, demoStart, lost, historyTick); err != nil {
		t.Fatal(err)
	}
	before := len(d.ssim.AllMessages())
	if before == 0 {
		t.Fatal("nothing posted before the loss: the test proves nothing")
	}
	d.stop()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(d.dbPath + suffix); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	if err := d.start(ctx); err != nil {
		t.Fatal(err)
	}
	// A day on the new file: its first cycle re-records every due step, so
	// a step already in Slack would be posted again at once.
	if err := d.play(ctx, rest, lost.Add(tick), lost.Add(24*time.Hour), tick); err != nil {
		t.Fatal(err)
	}
	postedOnce(t, d.ssim)
	if len(d.ssim.Calls("conversations.history")) == 0 {
		t.Error("the new database never looked in Slack before posting")
	}
}

// "One writer": two `slabot run` on one database. The second waits as a
// standby (its /readyz says so) while the first works; when the first
// stops, the second takes over. No comment is written twice to Jira and
// no message posted twice to Slack.
func TestTwoDaemonsOneDatabase(t *testing.T) {
	sites := newTestSites(t, func(seed *jirasim.Seed) {
		for i, age := range []time.Duration{time.Hour, 5 * time.Hour, 26 * time.Hour, 50 * time.Hour, 100 * time.Hour} {
			seed.Issues = append(seed.Issues, jirasim.Issue{Project: "SAN", Type: "Website Issue", Priority: "High", Reporter: sanariseCust,
				Summary: "Banner " + strconv.Itoa(i), Created: time.Now().Add(-age), Status: "Open"})
		}
	}, "")
	t.Setenv("SLABOT_SCHEDULE", "@every 1s")
	t.Setenv("SLABOT_WRITER_LEASE", "3s")
	t.Setenv("SLABOT_DISPATCH_EVERY", "200ms")
	cfg := daemonConfig(t, t.TempDir()+"/slabot.db")

	start := func() (*testDaemon, *app) {
		d := startDaemon(t, cfg)
		return d, <-d.apps
	}
	waitReady := func(d *testDaemon) {
		for {
			if code, _ := d.get("/readyz"); code == http.StatusOK {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	one, _ := start()
	waitReady(one)
	two, twoApp := start()
	// The second is a ready standby (bot.Worker.Ready: replicas roll only
	// onto ready pods), and says so.
	for {
		code, body := two.get("/readyz")
		if code == http.StatusOK && strings.Contains(body, "standby") {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Both run side by side for a while: the first's cycles write, the
	// second's never start.
	time.Sleep(2 * time.Second)
	for _, h := range twoApp.worker.Health() {
		if !h.LastSuccess.IsZero() {
			t.Fatalf("the standby ran a cycle of %s", h.Product)
		}
	}
	one.stop()
	for { // took over: ready, and no longer a standby
		if code, body := two.get("/readyz"); code == http.StatusOK && !strings.Contains(body, "standby") {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(1500 * time.Millisecond)
	two.stop()

	comments := sites.slabotComments(t)
	if comments == 0 {
		t.Error("no comment written: the test proves nothing")
	}
	if len(postedOnce(t, sites.slack)) == 0 {
		t.Error("no message posted: the test proves nothing")
	}
}

// daemonConfig is the daemon's configuration from the environment
// newTestSites set, on the database file db.
// daemonConfigFrom is daemonConfig read from vars instead of the process's
// environment, for a test that runs in parallel: the same variables, the
// same defaults.
func daemonConfigFrom(t *testing.T, vars map[string]string, db string) config {
	t.Helper()
	vars = maps.Clone(vars)
	vars["SLABOT_DB"] = db
	vars["SLABOT_POLICIES"] = "../../deploy/policies"
	vars["SLABOT_LOG_LEVEL"] = "error"
	var cfg config
	if err := env.ParseWithOptions(&cfg, env.Options{Environment: vars}); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func daemonConfig(t *testing.T, db string) config {
	t.Helper()
	t.Setenv("SLABOT_DB", db)
	t.Setenv("SLABOT_POLICIES", "../../deploy/policies")
	t.Setenv("SLABOT_LOG_LEVEL", "error")
	cfg, err := loadConfig(true, true)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}
