package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slabot/slabot/bot/outbox"
	"github.com/slabot/slabot/bot/store"
	"github.com/slabot/slabot/connectors/jira/jirasim"
	"github.com/slabot/slabot/rules"
)

// slabot explain --policy --issue --at works on an issue saved from Jira
// (GET /rest/api/2/issue/KEY?expand=changelog,names), in words and as JSON.
func TestExplainOffline(t *testing.T) {
	sites := newTestSites(t, nil, "")
	sim := sites.jira
	// Sanarise, high: "İlk Yanıt Süresi: 2 saat içinde" -- Monday 09:00
	// Istanbul + 2 business hours = 11:00.
	created := time.Date(2026, 11, 16, 6, 0, 0, 0, time.UTC)
	key, err := sim.CreateIssue(jirasim.Issue{Project: "SAN", Type: "Website Issue", Priority: "High", Reporter: sanariseCust,
		Summary: "Banner", Created: created, Status: "Open"})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", sites.jiraURL+"/rest/api/2/issue/"+key+"?expand=changelog,names", nil)
	req.SetBasicAuth(jirasim.BotEmail, jirasim.BotToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	file := filepath.Join(t.TempDir(), "issue.json")
	if err := os.WriteFile(file, body, 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"explain", "--policies", "../../deploy/policies/sanarise.yaml", "--issue", file, "--at", "2026-11-16T07:45:00Z"}
	code, out, errs := runCLI(t, args...)
	if code != 0 || !strings.Contains(out, "deadline Mon 2026-11-16 11:00 +03") || !strings.Contains(out, "step 1 (75%, agent -> #sanarise-support): due since") ||
		!strings.Contains(out, "ledger: not available (offline: the issue was read from") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = runCLI(t, append(args, "--json")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got outcomeJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	fr := got.Goals[0]
	if fr.Goal != "first_response" || fr.State != "running" || !fr.Deadline.Equal(time.Date(2026, 11, 16, 8, 0, 0, 0, time.UTC)) ||
		fr.DueStep == nil || fr.DueStep.Level != 1 || fr.NextStep == nil || fr.NextStep.Level != 2 {
		t.Errorf("json goal %+v", fr)
	}
	if !strings.Contains(strings.Join(got.Labels, " "), "sla-first_response-at-risk") {
		t.Errorf("labels %v", got.Labels)
	}
	if got.Ledger.Available || got.Ledger.Why == "" || len(fr.Steps) != 3 || fr.Steps[0].DueAt.IsZero() || fr.Steps[0].Outcome != "" {
		t.Errorf("offline json: ledger %+v, steps %+v", got.Ledger, fr.Steps)
	}
}

// Offline explain knows the bot only when told: the bot's own
// acknowledgement is not a first response ("--bot-account ID or e-mail").
// The directory of policies is searched by the issue's project. Here the
// bot's e-mail is in the agents' domain, as a bot account made by the
// support team often is.
func TestExplainOfflineBotAccount(t *testing.T) {
	sites := newTestSites(t, nil, "")
	dir := t.TempDir()
	for _, name := range []string{"sanarise.yaml", "hydra.yaml"} {
		src, err := os.ReadFile(filepath.Join("..", "..", "deploy", "policies", name))
		if err != nil {
			t.Fatal(err)
		}
		src = []byte(strings.Replace(string(src), "domains: [sanarise.com]", "domains: [sanarise.com, example.com]", 1))
		if err := os.WriteFile(filepath.Join(dir, name), src, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	created := time.Date(2026, 11, 16, 6, 0, 0, 0, time.UTC)
	key, err := sites.jira.CreateIssue(jirasim.Issue{Project: "SAN", Type: "Website Issue", Priority: "High", Reporter: sanariseCust,
		Summary: "Banner", Created: created, Status: "Open",
		Comments: []jirasim.Comment{{Author: jirasim.BotAccountID, Body: "We received your request.", Created: created.Add(time.Minute)}}})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", sites.jiraURL+"/rest/api/2/issue/"+key+"?expand=changelog,names", nil)
	req.SetBasicAuth(jirasim.BotEmail, jirasim.BotToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	file := filepath.Join(dir, "issue.json")
	if err := os.WriteFile(file, body, 0o644); err != nil {
		t.Fatal(err)
	}
	state := func(extra ...string) string {
		t.Helper()
		args := append([]string{"explain", "--policies", dir, "--issue", file, "--at", "2026-11-16T07:45:00Z", "--json"}, extra...)
		code, out, errs := runCLI(t, args...)
		if code != 0 {
			t.Fatalf("%q: exit %d\n%s", args, code, errs)
		}
		var got outcomeJSON
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		return got.Goals[0].State
	}
	if s := state(); s != "met" {
		t.Errorf("without --bot-account the bot's comment is an agent's reply: state %q, want met", s)
	}
	for _, who := range []string{jirasim.BotAccountID, jirasim.BotEmail} {
		if s := state("--bot-account", who); s != "running" {
			t.Errorf("--bot-account %s: state %q, want running (the acknowledgement is not a response)", who, s)
		}
	}
}

// slabot explain KEY fetches the issue from the site and finds its policy
// by project key.
func TestExplainLive(t *testing.T) {
	sites := newTestSites(t, nil, "")
	t.Setenv("SLABOT_POLICIES", "../../deploy/policies")
	// Botron: "first response within 1 business day" (16h of 06:00-22:00
	// GMT): created Friday 20:00, two hours that day, fourteen on Monday:
	// Monday 20:00.
	key, err := sites.jira.CreateIssue(jirasim.Issue{Project: "BCFG", Type: "Question", Priority: "Medium", Reporter: botronCust,
		Summary: "Configuration Manager 4.2: copy schemes", Description: "Steps: open admin. Error: none. Licence SEN-1.",
		Created: time.Date(2026, 11, 13, 20, 0, 0, 0, time.UTC), Status: "Open"})
	if err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "slabot.db")
	t.Setenv("SLABOT_DB", db)
	code, out, errs := runCLI(t, "explain", key, "--at", "2026-11-14T12:00:00Z")
	if code != 0 || !strings.Contains(out, key) || !strings.Contains(out, "Mon 2026-11-16 20:00") ||
		!strings.Contains(out, "ledger: not available (no database at "+db) {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	// With the database the worker keeps, explain reads the issue's ledger
	// (bot/outbox) and lists it under the steps: here the 75% reminder
	// recorded, the breach step held back by an acknowledgement.
	writeLedger(t, db, key)
	code, out, errs = runCLI(t, "explain", key, "--at", "2026-11-17T12:00:00Z")
	if code != 0 || !strings.Contains(out, "ledger: 2 entries") || !strings.Contains(out, "    recorded Mon 2026-11-16 16:00:01 GMT") ||
		!strings.Contains(out, "    held back Mon 2026-11-16 20:00:01 GMT, not sent: acknowledged by Ana Lead (Slack user U0LEAD)") ||
		strings.Contains(out, "    sent ") || strings.Contains(out, "fired") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = runCLI(t, "explain", key, "--at", "2026-11-17T12:00:00Z", "--json")
	var got outcomeJSON
	if err := json.Unmarshal([]byte(out), &got); code != 0 || err != nil {
		t.Fatalf("exit %d %v\n%s%s", code, err, out, errs)
	}
	if st := got.Goals[0].Steps; !got.Ledger.Available || len(got.Ledger.Entries) != 2 || len(st) != 3 ||
		st[0].Outcome != "recorded" || st[1].Outcome != "held" || !st[1].SentAt.IsZero() || st[1].DueAt.IsZero() {
		t.Errorf("json ledger %+v steps %+v", got.Ledger, got.Goals[0].Steps)
	}
	if code, _, errs := runCLI(t, "explain", "NOPE-1"); code == 0 || !strings.Contains(errs, "NOPE") {
		t.Errorf("an unknown issue: exit %d, %s", code, errs)
	}
	// After "--" everything is a key; mixing live and offline, or two keys, is refused.
	for _, args := range [][]string{
		{"explain", "--", key, "--json"},
		{"explain", "--bot-account", "bot@example.com", key},
		{"explain", "--issue", "x.json", key},
		{"explain", key, "SECOND-2"},
		{"explain", "--issue", "x.json"},
	} {
		if code, _, errs := runCLI(t, args...); code != 2 || !strings.Contains(errs, "usage") {
			t.Errorf("%q: exit %d, want 2 with the usage\n%s", args, code, errs)
		}
	}
}

// An issue file that holds no issue (null, {}) or one without its created
// date is refused with a clear message, never evaluated as year 1.
func TestExplainOfflineRefusesAnIssueWithoutCreated(t *testing.T) {
	for data, want := range map[string]string{
		"null": "holds no issue",
		"{}":   "holds no issue",
		`{"id":"1","key":"SAN-9","fields":{"summary":"x","project":{"key":"SAN"}}}`: "SAN-9 has no created date",
	} {
		file := filepath.Join(t.TempDir(), "issue.json")
		if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		code, out, errs := runCLI(t, "explain", "--policies", "../../deploy/policies/sanarise.yaml", "--issue", file, "--at", "2026-11-16T07:45:00Z")
		if code == 0 || !strings.Contains(errs, want) {
			t.Errorf("%s: exit %d, want an error saying %q\n%s%s", data, code, want, out, errs)
		}
	}
}

// writeLedger records in db, as the worker and the outbox do, Botron's
// 75% reminder for key (due Monday 16:00) and its breach step held back by
// an acknowledgement (due Monday 20:00).
func writeLedger(t *testing.T, db, key string) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ob, err := outbox.Open(ctx, st, nil, outbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	due := time.Date(2026, 11, 16, 16, 0, 0, 0, time.UTC)
	if _, err := ob.Escalate(ctx, due.Add(time.Second), rules.Notice{IssueKey: key, Goal: "first_response", Cycle: 1, Step: "75%/agent", Level: 1,
		Rung: rules.RungAgent, Recipient: rules.Recipient{FallbackChannel: "#botron-support"}, DueAt: due}); err != nil {
		t.Fatal(err)
	}
	ack := due.Add(time.Hour)
	if err := ob.Note(ctx, due.Add(4*time.Hour+time.Second), rules.LedgerEntry{Issue: key, Goal: "first_response", Cycle: 1, Step: "breach/team_lead", Level: 2,
		Event: rules.LedgerHeld, DueAt: due.Add(4 * time.Hour), Rule: rules.RuleAcknowledgement, By: "U0LEAD", ByName: "Ana Lead", ByAt: ack}); err != nil {
		t.Fatal(err)
	}
}
