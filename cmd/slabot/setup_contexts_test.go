package main

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slabot/slabot/connectors/jira/jirasim"
)

// A field that exists without a context, and one whose only context is
// another project's, do not exist on HYD's issues: the worker's writes of
// them are refused and counted (issue 10), check names both with the fix;
// setup --dry-run plans a context for HYD and HYD's place in SAN's
// context, writing nothing; setup makes them; a second setup changes
// nothing; check passes; and once the refusal's retry interval is over
// the worker writes both fields.
func TestSetupFixesFieldContexts(t *testing.T) {
	ctx := context.Background()
	created := benchEnd.Add(-10*time.Minute - 321*time.Millisecond)
	d := newTestDemo(t, ctx, func(seed *jirasim.Seed) {
		for i := range seed.Fields {
			switch seed.Fields[i].Name {
			case "Reaction SLA":
				seed.Fields[i].NoContext = true
			case "Reaction due":
				seed.Fields[i].ContextProjects = []string{"SAN"}
			}
		}
		seed.Issues = append(seed.Issues, jirasim.Issue{Key: "HYD-900", Project: "HYD", Type: "Incident", Priority: "High",
			Status: "Open", Summary: "Billing run stuck", Description: "since 16:00", Reporter: hydraCust, Created: created})
	})
	now := benchEnd
	d.clock.Set(now)
	if err := d.cycleAll(ctx, now); err != nil {
		t.Fatal(err)
	}
	if is, _ := d.jsim.Issue("HYD-900"); is.Fields["Reaction due"] != nil || is.Fields["Reaction SLA"] != nil || is.Fields["Resolution SLA"] != "no_target" {
		t.Fatalf("before setup: fields %v, want the other fields only", is.Fields)
	}
	for _, f := range []string{"Reaction due", "Reaction SLA"} {
		if n := refusals(t, d, f); n < 1 {
			t.Errorf("refusals of %q = %v, want counted", f, n)
		}
	}

	t.Setenv("SLABOT_JIRA_URL", d.jsrv.URL)
	t.Setenv("SLABOT_JIRA_EMAIL", jirasim.BotEmail)
	t.Setenv("SLABOT_JIRA_TOKEN", jirasim.BotToken)
	t.Setenv("SLABOT_SLACK_TOKEN", "")
	t.Setenv("SLABOT_POLICIES", "../../deploy/policies")
	t.Setenv("SLABOT_DB", filepath.Join(t.TempDir(), "slabot.db"))
	t.Setenv("SLABOT_LOG_LEVEL", "error")
	code, _, errs := runCLI(t, "check")
	if code != exitSite || !strings.Contains(errs, `"Reaction SLA" (customfield_`) || !strings.Contains(errs, "has no context") ||
		!strings.Contains(errs, "none of its 1 context(s) covers project HYD") || strings.Count(errs, "run slabot setup") < 2 {
		t.Fatalf("check before setup: exit %d, want %d naming both fields with the fix\n%s", code, exitSite, errs)
	}
	for _, l := range strings.Split(errs, "\n") {
		if strings.Contains(l, `"Reaction`) && strings.Contains(l, "not on the edit screen") {
			t.Errorf("check blames the screen for a context problem: %s", l)
		}
	}

	d.jsim.ResetRequests()
	code, out, errs := runCLI(t, "setup", "--dry-run")
	if code != exitOK || writeRequests(d.jsim) != 0 {
		t.Fatalf("setup --dry-run: exit %d, %d writes\n%s%s", code, writeRequests(d.jsim), out, errs)
	}
	for _, want := range []string{`would create context "slabot: HYD" of "Reaction SLA" for project HYD (it has no context)`,
		`would add options running, paused, met, breached, no_target, unknown to "Reaction SLA" (context "slabot: HYD")`,
		`would add project HYD to context "Default Configuration Scheme for Reaction due" of "Reaction due"`} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	code, out, errs = runCLI(t, "setup")
	if code != exitOK || strings.Count(out, "done  ") != 3 || !strings.Contains(out, "3 change(s) made") {
		t.Fatalf("setup: exit %d\n%s%s", code, out, errs)
	}
	d.jsim.ResetRequests()
	if code, out, errs := runCLI(t, "setup"); code != exitOK || !strings.Contains(out, "nothing to change") || writeRequests(d.jsim) != 0 {
		t.Fatalf("second setup: exit %d, %d writes\n%s%s", code, writeRequests(d.jsim), out, errs)
	}
	if code, out, errs := runCLI(t, "check"); code != exitOK || strings.Contains(errs, "FAIL") ||
		!strings.Contains(out, "ok    jira project HYD: slabot's fields are in a context covering it") {
		t.Fatalf("check after setup: exit %d\n%s%s", code, out, errs)
	}

	// The worker leaves a refused field out for a resync interval, then
	// writes it: Jira takes both now.
	d.jsim.ResetRequests()
	now = now.Add(time.Hour + time.Minute + 7*time.Millisecond)
	d.clock.Set(now)
	if err := d.cycleAll(ctx, now); err != nil {
		t.Fatal(err)
	}
	for _, r := range d.jsim.Requests() {
		if r.Method == http.MethodPut && r.Status >= 400 {
			t.Errorf("%s %s answered %d after setup", r.Method, r.Path, r.Status)
		}
	}
	if is, _ := d.jsim.Issue("HYD-900"); is.Fields["Reaction due"] == nil || is.Fields["Reaction SLA"] != "running" {
		t.Errorf("after setup: fields %v, want Reaction due and Reaction SLA written", is.Fields)
	}
}
