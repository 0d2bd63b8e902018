package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slabot/slabot/connectors/jira/jirasim"
	"github.com/slabot/slabot/rules"
)

// TestEndToEndTwoWeeks runs the four seed products over two simulated weeks
// over real HTTP (jirasim, slacksim), a real SQLite outbox and an injected
// clock, on the demo's site (search lag, rate limits, accounts in several
// zones), with a restart halfway, a 10-minute Jira outage and a burst of
// 429s, and checks the result against the engine.
func TestEndToEndTwoWeeks(t *testing.T) {
	t.Parallel() // its own simulators, database and clock; no environment
	if testing.Short() {
		t.Skip("two simulated weeks")
	}
	ctx := context.Background()
	d, err := newDemoEnvWith(ctx, t.TempDir(), slog.New(slog.NewTextHandler(io.Discard, nil)), demoSite()) // the demo's site
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	tick := 2 * time.Hour // the 10:00 tick still falls inside the ten minutes of 503s
	halfway := demoStart.Add(7 * 24 * time.Hour)
	end := demoStart.Add(14 * 24 * time.Hour)

	var removeOutage func()
	script := append(demoScript(),
		scriptEvent{at: utc("2026-11-10T09:50:00Z"), what: "Jira answers 503 for ten minutes",
			do: func(s *jirasim.Server, _ map[string]string, _ time.Time) error {
				removeOutage = s.InjectFault(jirasim.Fault{Path: "/rest/*", Status: http.StatusServiceUnavailable})
				return nil
			}},
		scriptEvent{at: utc("2026-11-10T10:00:00Z"), what: "Jira is back",
			do: func(*jirasim.Server, map[string]string, time.Time) error { removeOutage(); return nil }},
		scriptEvent{at: utc("2026-11-11T12:00:00Z"), what: "a burst of 429s",
			do: func(s *jirasim.Server, _ map[string]string, _ time.Time) error {
				s.InjectFault(jirasim.Fault{Path: "/rest/*", Times: 6, Status: http.StatusTooManyRequests,
					Header: http.Header{"Retry-After": {"2"}, "Ratelimit-Reason": {"jira-burst-based"}}})
				return nil
			}},
	)
	sortScript(script)

	// First week, then a restart: new process state over the same database.
	first, second := splitScript(script, halfway)
	if err := d.play(ctx, first, demoStart, halfway, tick); err != nil {
		t.Fatal(err)
	}
	d.stop()
	if err := d.start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := d.play(ctx, second, halfway.Add(tick), end, tick); err != nil {
		t.Fatal(err)
	}
	if d.failedCycles == 0 {
		t.Error("the Jira outage failed no cycle: the fault did not apply")
	}

	// Deadline fields and labels on every issue equal the engine's view of
	// the product's issues as Jira holds them: nothing is left to write.
	d.clock.Set(end)
	for _, p := range d.policies {
		var issues []rules.Issue
		for _, key := range d.jsim.IssueKeys() {
			proj, _, _ := strings.Cut(key, "-")
			if policyFor([]*rules.Policy{p}, proj) == nil {
				continue
			}
			iss, _, err := d.jira.Issue(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			issues = append(issues, iss)
		}
		ev := rules.Evaluate(p, issues, end, rules.Options{BotAccountID: d.jira.AccountID()})
		for i := range ev.Outcomes {
			o := &ev.Outcomes[i]
			if ch := p.Patch(o); !ch.Empty() {
				t.Errorf("%s differs from the engine: %s", o.Issue.Key, describeForTest(ch, o))
			}
			for _, g := range o.Goals {
				if g.Goal.DeadlineField != "" && g.State != rules.StatePaused && !g.Deadline.IsZero() &&
					!rules.Datetime(g.Deadline).Equal(o.Issue.Fields[g.Goal.DeadlineField]) {
					t.Errorf("%s %s = %s, engine's deadline %s", o.Issue.Key, g.Goal.DeadlineField, o.Issue.Fields[g.Goal.DeadlineField], g.Deadline)
				}
			}
		}
	}

	// The month's rules ran across issues: the daily cap, credits, review.
	for alias, label := range map[string]string{"b2b-day3": "sla-daily-cap", "b2b-second": "sla-over-quota", "san-day4": "sla-review", "san-wrongprio": "sla-priority-not-allowed", "bot-weekend": "sla-missing-info", "hyd-update": "sla-after-hours"} {
		is, _ := d.jsim.Issue(d.keys[alias])
		if !contains(is.Labels, label) {
			t.Errorf("%s (%s) lacks %s: %v", alias, d.keys[alias], label, is.Labels)
		}
	}
	if is, _ := d.jsim.Issue(d.keys["hyd-priority"]); is.Priority != "Medium" {
		t.Errorf("Hydra question kept priority %s; the contract resets non-incidents", is.Priority)
	}

	// Each ladder step posted exactly once, in rung order: BEXP's breach
	// climbs agent -> team lead -> management.
	posted := map[string]int{}
	var climb []string
	for _, m := range d.ssim.AllMessages() {
		if m.Metadata == nil {
			continue
		}
		k, _ := m.Metadata.EventPayload["key"].(string)
		posted[k]++
		// Messages name a goal by the policy's title, never its internal name.
		if strings.Contains(m.Text+string(m.Blocks), "first_response") {
			t.Errorf("%s shows the goal's internal name: %s", k, m.Text)
		}
		if strings.HasPrefix(k, d.keys["bot-climb"]+"|") {
			climb = append(climb, k)
		}
	}
	for k, n := range posted {
		if n != 1 {
			t.Errorf("%s posted %d times", k, n)
		}
	}
	want := []string{
		rules.NoticeKey(d.keys["bot-climb"], "first_response", 1, "75%/agent"),
		rules.NoticeKey(d.keys["bot-climb"], "first_response", 1, "breach/team_lead"),
		rules.NoticeKey(d.keys["bot-climb"], "first_response", 1, "breach+1bd/management"),
	}
	for _, m := range d.ssim.AllMessages() {
		if m.Metadata == nil {
			continue
		}
		if k, _ := m.Metadata.EventPayload["key"].(string); k == want[0] && !strings.Contains(m.Text, "First response due in") {
			t.Errorf("%s: fallback text does not name the goal by its title: %s", k, m.Text)
		}
	}
	if strings.Join(climb, " ") != strings.Join(want, " ") {
		t.Errorf("ladder for %s: %v, want %v in order", d.keys["bot-climb"], climb, want)
	}

	// Steady state: another cycle with nothing changed writes nothing.
	before := writeRequests(d.jsim)
	if err := d.cycleAll(ctx, end.Add(tick)); err != nil {
		t.Fatal(err)
	}
	if err := d.cycleAll(ctx, end.Add(2*tick)); err != nil {
		t.Fatal(err)
	}
	if n := writeRequests(d.jsim) - before; n != 0 {
		t.Errorf("steady state made %d writes", n)
	}
	checkDemoReadable(t, d)
}

// checkDemoReadable: the demo's tables show every goal of each product in
// its zone with each row's scenario, a legend explains every label shown,
// Slack lines are whole (wrapped, never cut) and DMs name their recipient.
func checkDemoReadable(t *testing.T, d *demoEnv) {
	t.Helper()
	var out strings.Builder
	d.printIssues(&out)
	d.printSlack(&out)
	s := out.String()
	for _, want := range []string{
		"Sanarise Odoo Support (SAN), times in Europe/Istanbul", "RESOLUTION DUE", "REACTION DUE", "SCENARIO",
		"breach climbs all three rungs", "== Labels", "sla-daily-cap", "the customer's credits for the day are used up",
		"direct message to Boris Botron (@boris)",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	// Issue 25: "raw <!subteam^S0001> in the transcript": the Botron
	// leads' rung mentions its group by handle, as Slack shows it.
	if strings.Contains(s, "<!subteam^") || !strings.Contains(s, "@support-leads") {
		t.Errorf("demo transcript does not render user-group mentions as @handle:\n%s", s)
	}
	if strings.Contains(s, "…") || strings.Contains(s, " UTC") {
		t.Errorf("demo output cuts a line or mixes in UTC:\n%s", s)
	}
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "  sla-") && strings.TrimSpace(strings.TrimPrefix(l, "  "+strings.Fields(l)[0])) == "" {
			t.Errorf("label without a meaning in the legend: %q", l)
		}
	}
}

func writeRequests(s *jirasim.Server) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Method == http.MethodPut || (r.Method == http.MethodPost && !strings.HasSuffix(r.Path, "/search/jql")) {
			n++
		}
	}
	return n
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func splitScript(script []scriptEvent, at time.Time) (before, after []scriptEvent) {
	for _, e := range script {
		if e.at.After(at) {
			after = append(after, e)
		} else {
			before = append(before, e)
		}
	}
	return before, after
}

func describeForTest(ch rules.Patch, o *rules.Outcome) string {
	var b strings.Builder
	for name, v := range ch.Fields {
		b.WriteString(name + ": jira " + o.Issue.Fields[name].String() + ", engine " + v.String() + "; ")
	}
	b.WriteString("labels +" + strings.Join(ch.AddLabels, ",") + " -" + strings.Join(ch.RemoveLabels, ",") + "; ")
	for _, c := range ch.Comments {
		b.WriteString("comment " + c.Key + "; ")
	}
	if ch.Priority != "" {
		b.WriteString("priority " + ch.Priority)
	}
	return b.String()
}
