package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/slabot/slabot/connectors/jira/jirasim"
	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/report"
)

// README "Outcome words": "A goal answered late is breached everywhere,
// never met", and the instant shown is when the goal stopped. A Botron
// question (first response 1 business day: 16 h of 06:00-22:00 GMT)
// opened Tuesday 08:00:00.585 is due Wednesday 08:00:00.585; the agent
// answers at 09:30:00.677, after the 09:00 digest. The wiring carries
// rules' words to all five surfaces: the Jira state field, the Slack
// thread's parent (with the answer's instant, not the poll's), the
// digest, the monthly report and explain.
func TestAnsweredLateReadsBreachedEverywhere(t *testing.T) {
	ctx := context.Background()
	d := newTestDemo(t, ctx)
	opened := time.Date(2026, 11, 3, 8, 0, 0, 585_000_000, time.UTC)
	deadline := time.Date(2026, 11, 4, 8, 0, 0, 585_000_000, time.UTC)
	answered := time.Date(2026, 11, 4, 9, 30, 0, 677_000_000, time.UTC)
	script := []scriptEvent{
		{at: opened, what: "a customer opens a question", do: func(s *jirasim.Server, keys map[string]string, at time.Time) error {
			key, err := s.CreateIssue(jirasim.Issue{Project: "BEXP", Type: "Question", Priority: "Medium", Reporter: botronCust,
				Summary: "Exporter 3.1 licence transfer", Description: "Can we move the licence?", Created: at, Status: "Open"})
			keys["late"] = key
			return err
		}},
		{at: answered, what: "the agent answers late", do: func(s *jirasim.Server, keys map[string]string, at time.Time) error {
			_, err := s.AddComment(keys["late"], botronAgent, "Yes, we will transfer it today.", false, at)
			return err
		}},
	}
	if err := d.play(ctx, script, opened.Truncate(time.Hour), answered.Add(90*time.Minute), 30*time.Minute); err != nil {
		t.Fatal(err)
	}
	key := d.keys["late"]

	// 1. Jira: the state field.
	if is, _ := d.jsim.Issue(key); is.Fields["First response SLA"] != rules.WordBreached {
		t.Errorf("Jira %s First response SLA = %v, want %s", key, is.Fields["First response SLA"], rules.WordBreached)
	}

	// 2. Slack: every parent message of the thread says breached, at the
	// answer's instant (09:30), never met and never the poll's 10:00.
	parents := 0
	for _, m := range d.ssim.AllMessages() {
		if m.Metadata == nil || (m.ThreadTS != "" && m.ThreadTS != m.TS) {
			continue // a reply (a parent with replies has ThreadTS = TS)
		}
		k, _ := m.Metadata.EventPayload["key"].(string)
		if !strings.HasPrefix(k, key+"|first_response|") {
			continue
		}
		parents++
		text := blocksText(m)
		if !strings.Contains(text, "*First response breached*") || !strings.Contains(text, "|2026-11-04 09:30 UTC>") ||
			!strings.Contains(text, "over by 1h 30m") || !strings.Contains(m.Text, "Breached 2026-11-04 09:30 UTC, over by 1h 30m.") {
			t.Errorf("parent %s does not say breached at the answer:\n%s\n%s", k, text, m.Text)
		}
		if strings.Contains(text+m.Text, " met") || strings.Contains(text+m.Text, "Met ") {
			t.Errorf("parent %s says met for a goal answered late:\n%s\n%s", k, text, m.Text)
		}
	}
	if parents == 0 {
		t.Fatalf("no Slack parent message for %s", key)
	}

	// 3. The digest of Wednesday 09:00 lists it breached.
	leads := demoChannels(d.policies)["#botron-leads"]
	var digest string
	for _, m := range d.ssim.Messages(leads) {
		if m.Metadata != nil && strings.HasPrefix(m.Metadata.EventPayload["key"].(string), "digest|") && strings.Contains(blocksText(m), "Wed 4 Nov 2026 09:00") {
			digest = blocksText(m)
		}
	}
	if !strings.Contains(digest, key) || !strings.Contains(digest, "First response *breached*") {
		t.Errorf("Wednesday's digest does not list %s breached:\n%s", key, digest)
	}

	// 4. The monthly report (rules/report, as the scheduled report builds
	// it) counts a breach and lists it under Breaches.
	now := answered.Add(2 * time.Hour)
	p := policyFor(d.policies, "BEXP")
	var issues []rules.Issue
	for _, k := range d.jsim.IssueKeys() {
		if strings.HasPrefix(k, "BEXP-") {
			iss, _, err := d.jira.Issue(ctx, k)
			if err != nil {
				t.Fatal(err)
			}
			issues = append(issues, iss)
		}
	}
	period, err := report.ParsePeriod("2026-11")
	if err != nil {
		t.Fatal(err)
	}
	var md bytes.Buffer
	if err := report.Build(p, issues, period, now, rules.Options{BotAccountID: d.jira.AccountID()}).WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	if _, breaches, _ := strings.Cut(md.String(), "### Breaches"); !strings.Contains(breaches, "| "+key+" |") {
		t.Errorf("the report does not list %s under Breaches:\n%s", key, md.String())
	}

	// 5. slabot explain KEY, live against the same site.
	t.Setenv("SLABOT_POLICIES", "../../deploy/policies")
	t.Setenv("SLABOT_JIRA_URL", d.jsrv.URL)
	t.Setenv("SLABOT_JIRA_EMAIL", jirasim.BotEmail)
	t.Setenv("SLABOT_JIRA_TOKEN", jirasim.BotToken)
	code, out, errs := runCLI(t, "explain", key, "--at", now.Format(time.RFC3339))
	for _, want := range []string{"goal first_response (First response): breached", "deadline " + deadline.Format("Mon 2006-01-02 15:04") + " GMT", "stopped Wed 2026-11-04 09:30 GMT: breached", "over by 1h 30m"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("explain (exit %d) lacks %q:\n%s%s", code, want, out, errs)
		}
	}
}
