package rules_test

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/rulestest"
)

// The acknowledgement rule as README's "Acknowledge" section states it:
// "a management step fires unless the rule says management: hold;
// otherwise until_breach holds the steps before the deadline, until_met
// holds every step, and a duration holds the steps due before the click
// plus that duration".
func TestAckRuleHeld(t *testing.T) {
	ack := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	reminder := rules.Step{At: "75%", Share: 0.75, Rung: rules.RungAgent}
	breach := rules.Step{At: "breach", Rung: rules.RungTeamLead}
	mgmt := rules.Step{At: "breach+2h", Rung: rules.RungManagement}
	for _, c := range []struct {
		name string
		rule rules.AckRule
		step rules.Step
		at   time.Time
		held bool
	}{
		{"until_breach holds a reminder", rules.AckRule{Hold: rules.HoldUntilBreach, Management: true}, reminder, ack.Add(time.Hour), true},
		{"until_breach lets breach fire", rules.AckRule{Hold: rules.HoldUntilBreach, Management: true}, breach, ack.Add(time.Hour), false},
		{"until_met holds breach", rules.AckRule{Hold: rules.HoldUntilMet, Management: true}, breach, ack.Add(time.Hour), true},
		{"management fires by default", rules.AckRule{Hold: rules.HoldUntilMet, Management: true}, mgmt, ack.Add(time.Hour), false},
		{"management: hold holds it", rules.AckRule{Hold: rules.HoldUntilMet}, mgmt, ack.Add(time.Hour), true},
		{"2h holds a step due within it", rules.AckRule{Hold: rules.HoldFor, For: 2 * time.Hour, Management: true}, breach, ack.Add(119 * time.Minute), true},
		{"2h lets a step due after it fire", rules.AckRule{Hold: rules.HoldFor, For: 2 * time.Hour, Management: true}, breach, ack.Add(2 * time.Hour), false},
	} {
		if got := c.rule.Held(c.step, c.at, ack); got != c.held {
			t.Errorf("%s: held %v, want %v", c.name, got, c.held)
		}
		if c.rule.Held(c.step, c.at, time.Time{}) {
			t.Errorf("%s: held without an acknowledgement", c.name)
		}
	}
}

// "Snooze: delays the next reminder of that step, never past the goal's
// deadline" (issue 15).
func TestSnoozeUntilNeverPassesDeadline(t *testing.T) {
	click := time.Date(2026, 3, 2, 10, 0, 0, 123e6, time.UTC)
	if got := rules.SnoozeUntil(click, time.Hour, click.Add(3*time.Hour)); !got.Equal(click.Add(time.Hour)) {
		t.Errorf("far deadline: %s", got)
	}
	if got := rules.SnoozeUntil(click, time.Hour, click.Add(20*time.Minute)); !got.Equal(click.Add(20 * time.Minute)) {
		t.Errorf("deadline in 20m: snoozed to %s", got)
	}
}

func TestAckRuleCompile(t *testing.T) {
	base, err := os.ReadFile("../deploy/policies/botron.yaml")
	if err != nil {
		t.Fatal(err)
	}
	with := func(rule string) string {
		return strings.Replace(string(base), "  acknowledge: {hold: until_breach, management: fire, comment: internal}\n", "  acknowledge: "+rule+"\n", 1)
	}
	p, err := rules.Load("botron.yaml", []byte(with("{hold: 2h, management: hold, comment: public}")))
	if err != nil {
		t.Fatal(err)
	}
	if r := p.Ladder.Ack; r.Hold != rules.HoldFor || r.For != 2*time.Hour || r.Management || r.Internal {
		t.Errorf("rule %+v", r)
	}
	p, err = rules.Load("botron.yaml", []byte(with("{}")))
	if err != nil {
		t.Fatal(err)
	}
	if r := p.Ladder.Ack; r.Hold != rules.HoldUntilBreach || !r.Management || !r.Internal {
		t.Errorf("default rule %+v", r)
	}
	_, err = rules.Load("botron.yaml", []byte(with("{hold: soon, management: maybe}")))
	if err == nil || !strings.Contains(err.Error(), "botron.yaml:") || !strings.Contains(err.Error(), "until_breach, until_met") || !strings.Contains(err.Error(), "fire or hold") {
		t.Errorf("bad rule: %v", err)
	}
}

// A paging rung names the environment variable that holds the routing
// key (a secret never sits in a policy file).
func TestPageRungCompile(t *testing.T) {
	base, err := os.ReadFile("../deploy/policies/botron.yaml")
	if err != nil {
		t.Fatal(err)
	}
	with := func(page string) []byte {
		return []byte(strings.Replace(string(base), `management: {channel: "#botron-management"}`, `management: {channel: "#botron-management", page: `+page+`}`, 1))
	}
	p, err := rules.Load("botron.yaml", with("SLABOT_PAGERDUTY_BOTRON"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Ladder.Pages[rules.RungManagement] != "SLABOT_PAGERDUTY_BOTRON" || len(p.Ladder.Pages) != 1 {
		t.Errorf("pages %v", p.Ladder.Pages)
	}
	if _, err := rules.Load("botron.yaml", with("R0UT1NGKEY0123456789abcdefABCDEF")); err == nil || !strings.Contains(err.Error(), "environment variable") {
		t.Errorf("a routing key pasted into the policy: %v", err)
	}
	if len(p.Warnings) != 0 {
		t.Errorf("one paging rung: warnings %v", p.Warnings)
	}
	// Two rungs on one routing key: PagerDuty deduplicates within the
	// service, so management's page would merge into team_lead's alert and
	// notify no one new. It loads (a warning names the line and the fix).
	both := strings.Replace(string(with("SLABOT_PAGERDUTY_BOTRON")), `team_lead: {channel: "#botron-leads"`, `team_lead: {page: SLABOT_PAGERDUTY_BOTRON, channel: "#botron-leads"`, 1)
	p, err = rules.Load("botron.yaml", []byte(both))
	if err != nil {
		t.Fatal(err)
	}
	want := "rungs team_lead and management page the same routing key SLABOT_PAGERDUTY_BOTRON: PagerDuty merges management's page into the alert team_lead's opened, so it notifies no one new"
	if len(p.Warnings) != 1 || !strings.Contains(p.Warnings.Error(), want) || p.Warnings[0].Path != "ladder.rungs.management.page" || p.Warnings[0].Line == 0 {
		t.Errorf("warnings %v, want one at ladder.rungs.management.page: %q", p.Warnings, want)
	}
}

// "Digest: per product, on a schedule in the policy, one message to a
// rung's channel" (issue 15): five cron fields in the policy's zone.
func TestDigestCompile(t *testing.T) {
	base, err := os.ReadFile("../deploy/policies/botron.yaml")
	if err != nil {
		t.Fatal(err)
	}
	with := func(d string) []byte { return append(append([]byte{}, base...), []byte("\ndigest: "+d+"\n")...) }
	p, err := rules.Load("botron.yaml", with(`{schedule: "0 9 * * 1-5"}`))
	if err != nil {
		t.Fatal(err)
	}
	if p.Digest == nil || p.Digest.Channel != "#botron-leads" || p.Digest.Rung != rules.RungTeamLead {
		t.Fatalf("digest %+v", p.Digest)
	}
	// Tuesday 3 Nov 2026, 10:30 in the policy's zone: the period began at 09:00 that day.
	now := time.Date(2026, 11, 3, 10, 30, 0, 0, p.Location)
	if start, ok := p.Digest.Period(now); !ok || !start.Equal(time.Date(2026, 11, 3, 9, 0, 0, 0, p.Location)) {
		t.Errorf("period of %s: %s %v", now, start, ok)
	}
	for _, bad := range []string{`{schedule: "@every 1h"}`, `{schedule: "0 9 * *"}`, `{schedule: "0 9 * * *", rung: boss}`} {
		if _, err := rules.Load("botron.yaml", with(bad)); err == nil || !strings.Contains(err.Error(), "digest.") {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

// "A step may repeat every N (business or wall time, say which)": at
// least 5 minutes, wall-clock time unless repeat_clock says business.
func TestStepRepeatCompile(t *testing.T) {
	base, err := os.ReadFile("../deploy/policies/botron.yaml")
	if err != nil {
		t.Fatal(err)
	}
	with := func(r string) []byte {
		return []byte(strings.Replace(string(base), "{at: 75%, rung: agent}", "{at: 75%, rung: agent, repeat: "+r+"}", 1))
	}
	p, err := rules.Load("botron.yaml", with("30m"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Ladder.Steps[0].Repeat != 30*time.Minute {
		t.Errorf("repeat %s", p.Ladder.Steps[0].Repeat)
	}
	if _, err := rules.Load("botron.yaml", with("1m")); err == nil || !strings.Contains(err.Error(), "repeat") {
		t.Errorf("1m: %v", err)
	}
	if p.Ladder.Steps[0].RepeatBusiness {
		t.Error("repeat without repeat_clock is wall-clock time")
	}
	if p, err := rules.Load("botron.yaml", with("2h, repeat_clock: business")); err != nil || !p.Ladder.Steps[0].RepeatBusiness || p.Ladder.Steps[0].Repeat != 2*time.Hour {
		t.Errorf("repeat_clock: business: %v", err)
	}
	for _, tc := range []struct{ step, want string }{
		{"{at: 75%, rung: agent, repeat: 2h, repeat_clock: office}", `ladder.steps[0].repeat_clock: "office" is not a repeat clock (fix: write wall (wall-clock time, the default) or business`},
		{"{at: 75%, rung: agent, repeat_clock: business}", "ladder.steps[0].repeat_clock: repeat_clock without repeat (fix: add repeat: DURATION to the step, or remove repeat_clock)"},
	} {
		_, err := rules.Load("botron.yaml", []byte(strings.Replace(string(base), "{at: 75%, rung: agent}", tc.step, 1)))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "botron.yaml:") {
			t.Errorf("%s: %v, want %q at its line", tc.step, err, tc.want)
		}
	}
}

// A rung with page and no channel pages instead of posting (an on-call
// rota for the night): it is no ladder channel, its steps have none, and
// explain says the step pages and posts nothing.
func TestPageOnlyRung(t *testing.T) {
	p, err := rules.LoadFile("testdata/good/pageonly.yaml")
	if err != nil {
		t.Fatal(err)
	}
	l := p.Ladder
	if !l.PagesOnly(rules.RungManagement) || l.PagesOnly(rules.RungTeamLead) || l.PagesOnly(rules.RungAgent) {
		t.Errorf("pages only: agent %v, team_lead %v, management %v", l.PagesOnly(rules.RungAgent), l.PagesOnly(rules.RungTeamLead), l.PagesOnly(rules.RungManagement))
	}
	if _, ok := l.Channels[rules.RungManagement]; ok || len(l.Channels) != 2 {
		t.Errorf("ladder channels %v: a page-only rung has none", l.Channels)
	}
	if s := l.Steps[2]; s.Rung != rules.RungManagement || s.Channel != "" {
		t.Errorf("management step %+v", s)
	}
	created := time.Date(2026, 11, 20, 22, 0, 0, 0, time.UTC)
	iss := rulestest.Issue("NGT-1", "Medium", "Bug", created)
	for _, c := range []struct {
		now  time.Time
		want string
	}{
		{created.Add(10 * time.Minute), "step 3 (breach+30m, management -> pages on-call (PagerDuty, SLABOT_PAGERDUTY_ONCALL), no Slack message): due at Sat 2026-11-21 00:30 CET"},
		{created.Add(2 * time.Hour), "step 3 (breach+30m, management -> pages on-call (PagerDuty, SLABOT_PAGERDUTY_ONCALL), no Slack message): due since Sat 2026-11-21 00:30 CET"},
		{created.Add(10 * time.Minute), "step 2 (breach, team_lead -> #night-leads): due at"},
	} {
		if text := evalOne(t, p, iss, c.now).Explain(p, c.now); !strings.Contains(text, c.want) {
			t.Errorf("explain lacks %q:\n%s", c.want, text)
		}
	}
}

// "Let a rung name Slack user groups whose members may act": handles
// without the @, each once; a mistake is reported at its file:line with
// the fix.
func TestRungGroupsCompile(t *testing.T) {
	base, err := os.ReadFile("../deploy/policies/botron.yaml")
	if err != nil {
		t.Fatal(err)
	}
	with := func(groups string) []byte {
		return []byte(strings.Replace(string(base), `team_lead: {channel: "#botron-leads", groups: [support-leads]}`,
			"team_lead:\n      channel: \"#botron-leads\"\n      groups: "+groups, 1))
	}
	p, err := rules.Load("botron.yaml", with(`[support-leads, hydra.oncall_2]`))
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Ladder.GroupHandles(); !slices.Equal(got, []string{"support-leads", "hydra.oncall_2"}) || len(p.Ladder.Groups) != 1 {
		t.Errorf("groups %v (%v)", got, p.Ladder.Groups)
	}
	line := strings.Count(string(base[:strings.Index(string(base), "team_lead: {channel")]), "\n") + 3 // the groups: line
	for bad, want := range map[string]string{
		`["@support-leads"]`:             `write the handle without the @: "support-leads"`,
		`[S0614TZR7]`:                    "not its id",
		`["Support Leads"]`:              "is not a Slack user group handle",
		`[support-leads, support-leads]`: "listed twice",
	} {
		_, err := rules.Load("botron.yaml", with(bad))
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), fmt.Sprintf("botron.yaml:%d:", line)) {
			t.Errorf("%s: %v (want line %d)", bad, err, line)
		}
	}
	if _, err := rules.Load("botron.yaml", with(`support-leads`)); err == nil {
		t.Error("a single string instead of a list was accepted")
	}
}
