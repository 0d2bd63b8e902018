package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slabot/slabot/bot"
	"github.com/slabot/slabot/connectors/jira/jirasim"
	"github.com/slabot/slabot/rules/clock"
)

// Issue 23, the fast path as wired: `slabot run` with
// SLABOT_JIRA_WEBHOOK_SECRET takes Jira's admin webhook at POST
// /jira/webhook on its listener. With SLABOT_SCHEDULE=@every 1h (no poll
// after the first), an issue created in jirasim gets its deadline field,
// and the agent's answer sets the goal's state, from the webhook alone; a
// forged signature, a replayed identifier and a 10 MB body are refused and
// counted in slabot_jira_webhook_requests_total; a delivery jirasim drops
// is caught by the next sweep. The latencies are logged, not asserted (the
// machine's load is not the code's).
func TestRunTakesJiraWebhooks(t *testing.T) {
	sites := newTestSites(t, nil, "")
	const secret = "whsec-test-4711"
	t.Setenv("SLABOT_DB", t.TempDir()+"/slabot.db")
	t.Setenv("SLABOT_POLICIES", "../../deploy/policies")
	t.Setenv("SLABOT_LOG_LEVEL", "error")
	t.Setenv("SLABOT_SCHEDULE", "@every 1h")
	t.Setenv("SLABOT_JIRA_WEBHOOK_SECRET", secret)
	cfg, err := loadConfig(true, true)
	if err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, cfg)
	defer d.stop()
	a := <-d.apps
	for range 1000 { // the first cycle of every product
		if code, _ := d.get("/readyz"); code == http.StatusOK {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if code, body := d.get("/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz %d %s", code, body)
	}
	if err := sites.jira.AddWebhook(jirasim.Webhook{URL: d.url + "/jira/webhook", Secret: secret, JQL: "project = SAN"}); err != nil {
		t.Fatal(err)
	}
	searches := sites.searches
	swept := searches()
	field := func(key, name string) any {
		is, _ := sites.jira.Issue(key)
		return is.Fields[name]
	}
	waitFor := func(what string, ok func() bool) time.Duration {
		t.Helper()
		start := time.Now()
		for time.Since(start) < 20*time.Second {
			if ok() {
				return time.Since(start)
			}
			time.Sleep(5 * time.Millisecond)
		}
		t.Fatalf("%s: not within 20 s", what)
		return 0
	}

	key, err := sites.jira.CreateIssue(jirasim.Issue{Project: "SAN", Type: "Website Issue", Priority: "High", Reporter: sanariseCust,
		Summary: "Checkout page blank", Status: "Open"})
	if err != nil {
		t.Fatal(err)
	}
	took := waitFor("the deadline of a new issue", func() bool { return field(key, "First response due") != nil })
	t.Logf("created -> deadline field: %v", took)
	if n := searches(); n != swept {
		t.Errorf("%d searches since the first cycle: the deadline came from a poll, not the webhook", n-swept)
	}
	if _, err := sites.jira.AddComment(key, sanariseAgnt, "Looking at it.", false, time.Time{}); err != nil {
		t.Fatal(err)
	}
	took = waitFor("the state after the answer", func() bool { return field(key, "First response SLA") == "met" })
	t.Logf("answered -> state met: %v", took)

	event := []byte(`{"webhookEvent":"jira:issue_updated","issue":{"id":"1","key":"` + key + `"}}`)
	post := func(body []byte, sig, id string) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, d.url+"/jira/webhook", bytes.NewReader(body))
		req.Header.Set("X-Hub-Signature", sig)
		req.Header.Set("X-Atlassian-Webhook-Identifier", id)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := post(event, bot.Signature([]byte("not-the-secret"), event), "forged-1"); code != http.StatusUnauthorized {
		t.Errorf("forged signature: %d", code)
	}
	if code := post(event, bot.Signature([]byte(secret), event), "replay-1"); code != http.StatusAccepted {
		t.Errorf("first delivery: %d", code)
	}
	if code := post(event, bot.Signature([]byte(secret), event), "replay-1"); code != http.StatusOK {
		t.Errorf("replayed identifier: %d", code)
	}
	big := bytes.Repeat([]byte("x"), 10<<20)
	if code := post(big, bot.Signature([]byte(secret), big), "big-1"); code != http.StatusRequestEntityTooLarge {
		t.Errorf("10 MB body: %d", code)
	}
	_, metrics := d.get("/metrics")
	for _, want := range []string{`slabot_jira_webhook_requests_total{result="bad_signature"} 1`, `slabot_jira_webhook_requests_total{result="duplicate"} 1`,
		`slabot_jira_webhook_requests_total{result="too_large"} 1`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	sites.jira.WaitDeliveries()
	sites.jira.SetWebhookFaults(jirasim.WebhookFaults{DropEvery: 1})
	lost, err := sites.jira.CreateIssue(jirasim.Issue{Project: "SAN", Type: "Website Issue", Priority: "High", Reporter: sanariseCust,
		Summary: "Logo missing", Status: "Open"})
	if err != nil {
		t.Fatal(err)
	}
	sites.jira.WaitDeliveries()
	time.Sleep(2 * bot.TouchDelay)
	if field(lost, "First response due") != nil {
		t.Fatalf("%s has a deadline although its delivery was dropped", lost)
	}
	if err := a.worker.CycleAll(context.Background(), clock.Wall{}); err != nil { // the next sweep
		t.Fatal(err)
	}
	if field(lost, "First response due") == nil {
		t.Errorf("the sweep did not catch %s", lost)
	}
}

// BenchmarkEventToField is the latency a user sees from a change in Jira
// to slabot's fields, through the daemon over real HTTP, both ways:
//   - webhook: SLABOT_SCHEDULE=@every 1h (no poll helps) and the webhook on;
//     200 issues created one after another, each timed from its creation
//     to its deadline field;
//   - poll@10s: the webhook off and SLABOT_SCHEDULE=@every 10s (the
//     default is @every 2m: the same shape, twelve times longer); 200
//     issues created 50 ms apart over one interval, each timed the same way.
//
// It reports the median and the 99th percentile in milliseconds.
func BenchmarkEventToField(b *testing.B) {
	for _, way := range []struct {
		name, schedule string
		webhook        bool
		spacing        time.Duration
	}{{"webhook", "@every 1h", true, 0}, {"poll@10s", "@every 10s", false, 50 * time.Millisecond}} {
		b.Run(way.name, func(b *testing.B) {
			sites := newTestSites(b, nil, "")
			const secret = "whsec-bench"
			b.Setenv("SLABOT_DB", b.TempDir()+"/slabot.db")
			b.Setenv("SLABOT_POLICIES", "../../deploy/policies")
			b.Setenv("SLABOT_LOG_LEVEL", "error")
			b.Setenv("SLABOT_SCHEDULE", way.schedule)
			b.Setenv("SLABOT_JIRA_INDEX_LAG", "1s")
			if way.webhook {
				b.Setenv("SLABOT_JIRA_WEBHOOK_SECRET", secret)
			}
			cfg, err := loadConfig(true, true)
			if err != nil {
				b.Fatal(err)
			}
			d := startDaemon(b, cfg)
			defer d.stop()
			<-d.apps
			for range 1000 {
				if code, _ := d.get("/readyz"); code == http.StatusOK {
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
			if way.webhook {
				if err := sites.jira.AddWebhook(jirasim.Webhook{URL: d.url + "/jira/webhook", Secret: secret, JQL: "project = SAN"}); err != nil {
					b.Fatal(err)
				}
			}
			var took []time.Duration
			b.ResetTimer()
			for range b.N {
				var open []pendingIssue
				for i := range 200 {
					key, err := sites.jira.CreateIssue(jirasim.Issue{Project: "SAN", Type: "Website Issue", Priority: "High", Reporter: sanariseCust,
						Summary: fmt.Sprintf("Bench %d", i), Status: "Open"})
					if err != nil {
						b.Fatal(err)
					}
					open = append(open, pendingIssue{key, time.Now()})
					for way.spacing == 0 && len(open) > 0 { // one after another: wait for this one
						open = waitFields(b, sites, open, &took)
					}
					time.Sleep(way.spacing)
				}
				for len(open) > 0 {
					open = waitFields(b, sites, open, &took)
				}
			}
			b.StopTimer()
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Milliseconds()), "p50-ms")
			b.ReportMetric(float64(took[len(took)*99/100].Milliseconds()), "p99-ms")
		})
	}
}

// pendingIssue is an issue created at at, waiting for its deadline field.
type pendingIssue struct {
	key string
	at  time.Time
}

// waitFields looks once at every issue in open (after a millisecond):
// those with their deadline field are timed into took, the others
// returned.
func waitFields(b *testing.B, sites *testSites, open []pendingIssue, took *[]time.Duration) []pendingIssue {
	time.Sleep(time.Millisecond)
	var left []pendingIssue
	for _, c := range open {
		if is, _ := sites.jira.Issue(c.key); is.Fields["First response due"] != nil {
			*took = append(*took, time.Since(c.at))
			continue
		}
		if time.Since(c.at) > time.Minute {
			b.Fatalf("%s: no deadline after a minute", c.key)
		}
		left = append(left, c)
	}
	return left
}

// "Slack clicks and webhooks that reach a standby are stored durably and
// applied once by the writer." Two daemons on one database, polling only
// hourly; Jira's webhook points at the standby alone. A new issue gets its
// deadline field from the writer within seconds (the standby relayed the
// event through the database), with no search since the first cycle.
func TestStandbyRelaysWebhooks(t *testing.T) {
	sites := newTestSites(t, nil, "")
	const secret = "whsec-relay"
	t.Setenv("SLABOT_SCHEDULE", "@every 1h")
	t.Setenv("SLABOT_WRITER_LEASE", "3s")
	t.Setenv("SLABOT_JIRA_WEBHOOK_SECRET", secret)
	cfg := daemonConfig(t, t.TempDir()+"/slabot.db")
	writer := startDaemon(t, cfg)
	defer writer.stop()
	for {
		if code, body := writer.get("/readyz"); code == http.StatusOK && !strings.Contains(body, "standby") {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	standby := startDaemon(t, cfg)
	defer standby.stop()
	for {
		if code, body := standby.get("/readyz"); code == http.StatusOK && strings.Contains(body, "standby") {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := sites.jira.AddWebhook(jirasim.Webhook{URL: standby.url + "/jira/webhook", Secret: secret, JQL: "project = SAN"}); err != nil {
		t.Fatal(err)
	}
	searches := sites.searches
	swept := searches()
	key, err := sites.jira.CreateIssue(jirasim.Issue{Project: "SAN", Type: "Website Issue", Priority: "High", Reporter: sanariseCust,
		Summary: "Relayed", Status: "Open"})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for {
		if is, _ := sites.jira.Issue(key); is.Fields["First response due"] != nil {
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatal("the writer did not apply the event the standby took")
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("created -> deadline field through the standby: %v", time.Since(start).Round(time.Millisecond))
	if n := searches(); n != swept {
		t.Errorf("%d searches since the first cycle: the deadline came from a poll, not the relay", n-swept)
	}
	if _, body := standby.get("/metrics"); !strings.Contains(body, `slabot_jira_webhook_requests_total{result="accepted"}`) {
		t.Errorf("the standby did not count the delivery as accepted")
	}
}
