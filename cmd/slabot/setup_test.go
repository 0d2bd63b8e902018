package main

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slabot/slabot/connectors/jira/jirasim"
)

// "A test walks a new site from nothing to a clean slabot check through
// slabot setup against jirasim, then a second setup changes nothing."
// The site starts with the governed projects and an issue each, but none of
// the policies' eight custom fields. setup --dry-run plans and writes
// nothing; check fails on the missing fields (exit 3); setup creates them
// with their options and puts them on every edit screen (shared default
// screens once, service desk edit screens, an issue type's own screen);
// check passes; a cycle writes every field without a 400; a second setup
// makes no write at all. With SLABOT_PUBLIC_URL, setup also creates the
// admin webhook (and says the secret is left to an administrator); check
// verifies it, and fails while an administrator has disabled it.
func TestSetupWalkThrough(t *testing.T) {
	sites := newTestSites(t, func(seed *jirasim.Seed) {
		seed.Fields = []jirasim.Field{{Name: "Organizations", Type: jirasim.FieldOrganizations}}
		for i := range seed.Projects {
			// One of Botron's three projects and Hydra's are not service
			// desks: they share the site's default screen.
			seed.Projects[i].ServiceDesk = seed.Projects[i].Key != "BEXP" && seed.Projects[i].Key != "HYD"
		}
		for _, p := range seed.Projects {
			seed.Issues = append(seed.Issues, jirasim.Issue{Project: p.Key, Type: seed.IssueTypes[0].Name, Summary: "first",
				Reporter: jirasim.BotAccountID, Priority: seed.Priorities[0].Name, Created: time.Now().Add(-time.Hour)})
		}
		seed.Issues = append(seed.Issues, jirasim.Issue{Project: "SAN", Type: "Website Issue", Priority: "High", Reporter: sanariseCust,
			Summary: "Banner", Created: time.Now().Add(-time.Hour), Status: "Open"})
	}, "")
	sim := sites.jira
	t.Setenv("SLABOT_POLICIES", "../../deploy/policies")
	t.Setenv("SLABOT_DB", filepath.Join(t.TempDir(), "slabot.db"))
	t.Setenv("SLABOT_LOG_LEVEL", "error")
	t.Setenv("SLABOT_PUBLIC_URL", "http://127.0.0.1:9/")
	t.Setenv("SLABOT_JIRA_WEBHOOK_SECRET", "whsec-walkthrough")
	writes := func() []string {
		var out []string
		for _, r := range sim.Requests() {
			if r.Method == http.MethodPut || (r.Method == http.MethodPost && !strings.HasSuffix(r.Path, "/search/jql")) {
				out = append(out, r.Method+" "+r.Path)
			}
		}
		return out
	}

	code, out, errs := runCLI(t, "setup", "--dry-run")
	if code != exitOK || strings.Count(out, "would create custom field") != 8 || len(writes()) != 0 {
		t.Fatalf("setup --dry-run: exit %d, %d writes\n%s%s", code, len(writes()), out, errs)
	}
	for _, want := range []string{`create custom field "Reaction SLA" (Select List (single choice))`, `add options running, paused, met, breached, no_target, unknown to "Reaction SLA"`,
		`create custom field "Billable hours" (Number)`, `create custom field "License" (Short text)`, // Issue 25: "setup names screens by id": by name, as Jira's settings do.
		`"Billable hours", "Reaction SLA", "Reaction due" to screen "Default Screen" (id 2; edits in BEXP, HYD)`} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, `would create admin webhook "slabot" -> http://127.0.0.1:9/jira/webhook for project in (B2B, BCFG, BEXP, BPRM, HYD, SAN)`) {
		t.Errorf("plan lacks the webhook:\n%s", out)
	}
	if code, _, errs := runCLI(t, "check"); code != exitSite || !strings.Contains(errs, `"Reaction due" does not exist`) {
		t.Fatalf("check before setup: exit %d, want %d naming the missing fields\n%s", code, exitSite, errs)
	}

	code, out, errs = runCLI(t, "setup")
	if code != exitOK || !strings.Contains(out, "change(s) made") {
		t.Fatalf("setup: exit %d\n%s%s", code, out, errs)
	}
	if n := strings.Count(out, "done  create custom field"); n != 8 {
		t.Errorf("%d fields created, want 8:\n%s", n, out)
	}
	if !strings.Contains(out, "done  create admin webhook") || !strings.Contains(out, "note  in Jira, Settings > System > WebHooks > slabot > Edit: set Secret") {
		t.Errorf("setup did not create the webhook or leave the secret step:\n%s", out)
	}
	if code, out, errs := runCLI(t, "check"); code != exitOK || strings.Contains(errs, "FAIL") || !strings.Contains(out, "ok    jira project BEXP") ||
		!strings.Contains(out, "ok    jira project HYD") || !strings.Contains(out, "ok    jira webhook 1: http://127.0.0.1:9/jira/webhook, enabled") {
		t.Fatalf("check after setup: exit %d\n%s%s", code, out, errs)
	}
	sim.SetWebhookEnabled("http://127.0.0.1:9/jira/webhook", false)
	if code, _, errs := runCLI(t, "check"); code != exitSite || !strings.Contains(errs, "FAIL  jira webhook: admin webhook 1 (http://127.0.0.1:9/jira/webhook) is disabled") {
		t.Fatalf("check with the webhook disabled: exit %d\n%s", code, errs)
	}
	sim.SetWebhookEnabled("http://127.0.0.1:9/jira/webhook", true)

	// The fields work: a cycle writes them (state options included) and
	// Jira refuses nothing.
	sim.ResetRequests()
	if code, _, errs := runCLI(t, "once"); code != exitOK {
		t.Fatalf("once: exit %d\n%s", code, errs)
	}
	for _, r := range sim.Requests() {
		if r.Method == http.MethodPut && r.Status >= 400 {
			t.Errorf("%s %s answered %d after setup", r.Method, r.Path, r.Status)
		}
	}
	var san string
	for _, k := range sim.IssueKeys() {
		if is, _ := sim.Issue(k); is.Summary == "Banner" {
			san = k
		}
	}
	if is, _ := sim.Issue(san); is.Fields["First response SLA"] != "running" || is.Fields["First response due"] == nil {
		t.Errorf("%s fields %v: want the deadline and running", san, is.Fields)
	}

	sim.ResetRequests()
	code, out, errs = runCLI(t, "setup")
	if code != exitOK || !strings.Contains(out, "nothing to change") || len(writes()) != 0 {
		t.Fatalf("second setup: exit %d, writes %v\n%s%s", code, writes(), out, errs)
	}
}

// setup names the permission it needs when Jira refuses it.
func TestSetupNamesThePermission(t *testing.T) {
	newTestSites(t, func(seed *jirasim.Seed) {
		seed.Fields = nil
		seed.Users[0].Admin = false
	}, "")
	t.Setenv("SLABOT_POLICIES", "../../deploy/policies")
	code, _, errs := runCLI(t, "setup")
	if code != exitProblem || !strings.Contains(errs, "Administer Jira") || strings.Contains(errs, jirasim.BotToken) {
		t.Fatalf("exit %d\n%s", code, errs)
	}
}
