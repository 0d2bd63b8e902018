package slack_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	slackc "github.com/slabot/slabot/connectors/slack"
	"github.com/slabot/slabot/rules"
)

func TestRenderOverdue(t *testing.T) {
	e := esc("SUP-7", 2, "team lead", rules.Recipient{Channel: "CLEAD"})
	out := slackc.Render(e, rules.Route{Channel: "CLEAD"}, rules.ThreadStatus{ThisLevel: 2})
	b, err := json.Marshal(out.Blocks)
	if err != nil {
		t.Fatal(err)
	}
	blocks := string(b)
	for _, want := range []string{
		"*Level 2 · Team lead*",
		"\\u003chttps://acme.atlassian.net/browse/SUP-7|SUP-7\\u003e", // <url|KEY>, JSON-escaped
		"Checkout fails \\u0026lt;for\\u0026gt; EU \\u0026amp; US",    // summary mrkdwn-escaped
		"*Overdue by*\\n2h 5m",
		"\\u003c!date^" + itoa(start.Add(-2*time.Hour).Unix()) + "^{date_short_pretty} {time}|2026-03-02 07:00 UTC\\u003e",
		"*Goal*\\nTime to resolution", // the policy's title, not the goal's name
		"*Customer*\\nAcme · Gold",
		"*Priority*\\nHigh",
		"Status: *breached*",
	} {
		if !strings.Contains(blocks, want) {
			t.Errorf("blocks lack %s\n%s", want, blocks)
		}
	}
	wantText := "[L2 team lead] SUP-7 Checkout fails &lt;for&gt; EU &amp; US: Time to resolution overdue by 2h 5m (deadline 2026-03-02 07:00 UTC). Customer Acme (Gold), priority High."
	if out.Text != wantText {
		t.Errorf("fallback text\n got %s\nwant %s", out.Text, wantText)
	}
}

func TestRenderRemainingAndStatus(t *testing.T) {
	e := esc("SUP-8", 1, "agent", rules.Recipient{AssigneeName: "Zoe", AssigneeEmail: "zoe@example.com", FallbackChannel: "C1"})
	e.Remaining, e.Status = 90*time.Minute, "at risk"
	e.Summary = strings.Repeat("x", 1000)
	met := start.Add(time.Hour)
	out := slackc.Render(e, rules.Route{Channel: "C1", Fallback: true, Why: "No Slack user"},
		rules.ThreadStatus{ThisLevel: 1, Level: 2, Rung: rules.RungTeamLead, Stop: rules.Stop{At: met, Outcome: rules.StateMet}})
	b, _ := json.Marshal(out.Blocks)
	for _, want := range []string{"*Time left*\\n1h 30m", "Time to resolution met*", "*Assignee*\\nZoe (zoe@example.com)", "No Slack user", "x…"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("blocks lack %q", want)
		}
	}
	if !strings.Contains(out.Text, "due in 1h 30m") || !strings.Contains(out.Text, "Met 2026-03-02 10:00 UTC.") || len(out.Text) > 600 {
		t.Errorf("text %q", out.Text)
	}
	up := slackc.Render(e, rules.Route{Channel: "C1"}, rules.ThreadStatus{ThisLevel: 1, Level: 3, Rung: rules.RungManagement, LevelAt: met})
	b, _ = json.Marshal(up.Blocks)
	if !strings.Contains(string(b), "Escalated to *level 3 · Management*") {
		t.Errorf("escalated status missing: %s", b)
	}
	// A later step whose rung only pages posts nothing: the thread says
	// on-call was paged.
	paged := slackc.Render(e, rules.Route{Channel: "C1"}, rules.ThreadStatus{ThisLevel: 1, Level: 2, Rung: "team lead", LevelAt: start,
		PagedLevel: 3, PagedRung: "management", PagedAt: met})
	b, _ = json.Marshal(paged.Blocks)
	if !strings.Contains(string(b), "Paged on-call: *level 3 · Management*") || !strings.Contains(paged.Text, "Paged on-call (level 3, management).") {
		t.Errorf("paged status missing: %s\n%s", b, paged.Text)
	}
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// A step posted exactly at the deadline (the ladder's "at breach" step)
// must not read "due in less than a minute": there is no time left. Just
// before the deadline it still reads as time left; a minute past it, as
// overdue by that much.
func TestRenderAtDeadline(t *testing.T) {
	for _, c := range []struct {
		remaining time.Duration
		field     string // in the blocks
		text      string // in the plain-text fallback
	}{
		{0, "*Deadline reached*\\nno time left", "Time to resolution deadline reached, overdue now (deadline"},
		{-10 * time.Second, "*Deadline reached*\\nno time left", "Time to resolution deadline reached, overdue now (deadline"},
		{20 * time.Second, "*Time left*\\nless than a minute", "Time to resolution due in less than a minute (deadline"},
		{-time.Minute, "*Overdue by*\\n1m", "Time to resolution overdue by 1m (deadline"},
	} {
		e := esc("SUP-9", 2, "team lead", rules.Recipient{Channel: "CLEAD"})
		e.Deadline, e.AsOf, e.Remaining = start, start.Add(-c.remaining), c.remaining
		out := slackc.Render(e, rules.Route{Channel: "CLEAD"}, rules.ThreadStatus{ThisLevel: 2})
		b, _ := json.Marshal(out.Blocks)
		if !strings.Contains(string(b), c.field) {
			t.Errorf("remaining %s: blocks lack %q\n%s", c.remaining, c.field, b)
		}
		if !strings.Contains(out.Text, c.text) {
			t.Errorf("remaining %s: text %q lacks %q", c.remaining, out.Text, c.text)
		}
		if c.remaining <= 0 && strings.Contains(out.Text+string(b), "Time left") {
			t.Errorf("remaining %s: reads as time left: %s", c.remaining, out.Text)
		}
	}
}

var start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func esc(issue string, level int, rung string, target rules.Recipient) rules.Notice {
	return rules.Notice{
		IssueKey: issue, IssueURL: "https://acme.atlassian.net/browse/" + issue,
		Goal: "resolution", GoalTitle: "Time to resolution", Cycle: 1, Level: level, Rung: rules.RungOfTitle(rung), Recipient: target,
		Summary: "Checkout fails <for> EU & US", Customer: "Acme", Plan: "Gold", Priority: "High",
		Deadline: start.Add(-2 * time.Hour), Remaining: -2*time.Hour - 5*time.Minute, AsOf: start, Status: "breached",
	}
}

// A step escalated while Jira could not be read says the issue data is as
// of the last successful poll, in the blocks and in the fallback text.
func TestRenderStaleData(t *testing.T) {
	e := esc("SUP-9", 2, "team lead", rules.Recipient{Channel: "CLEAD"})
	e.DataAsOf = start.Add(-28 * time.Minute)
	out := slackc.Render(e, rules.Route{Channel: "CLEAD"}, rules.ThreadStatus{ThisLevel: 2})
	b, _ := json.Marshal(out.Blocks)
	if !strings.Contains(string(b), "Jira could not be read: the issue data is as of the last successful poll") {
		t.Errorf("blocks do not say the data is stale: %s", b)
	}
	if !strings.Contains(out.Text, "Jira data as of 2026-03-02 08:32 UTC (Jira unreachable)") {
		t.Errorf("fallback text: %s", out.Text)
	}
}

// README "Outcome words": "A goal answered late is breached everywhere,
// never met", and "the instant shown is when the goal stopped ... not when
// slabot noticed". SAN-2 (critical, 1 h) was answered at 08:00:00.677,
// 92 ms after its 08:00:00.585 deadline, and the poll that saw it ran at
// 08:15: the parent's status line says breached, at 08:00, over by less
// than a minute.
func TestRenderParentOfAGoalAnsweredLate(t *testing.T) {
	deadline := time.Date(2026, 11, 3, 8, 0, 0, 585_000_000, time.UTC)
	answer := deadline.Add(92 * time.Millisecond)
	e := esc("SAN-2", 1, "agent", rules.Recipient{Channel: "C1"})
	e.GoalTitle, e.Deadline, e.Remaining, e.AsOf, e.Status = "First response", deadline, 15*time.Minute, deadline.Add(-15*time.Minute), "at risk"
	stop := rules.Stop{At: answer, Outcome: rules.StateBreached, Over: 92 * time.Millisecond}
	out := slackc.Render(e, rules.Route{Channel: "C1"}, rules.ThreadStatus{ThisLevel: 1, Level: 1, Stop: stop})
	b, _ := json.Marshal(out.Blocks)
	wantLine := fmt.Sprintf(":red_circle: *First response breached* <!date^%d^{date_short_pretty} {time}|2026-11-03 08:00 UTC> — over by less than a minute, no further escalation.", answer.Unix())
	var line string
	for _, blk := range out.Blocks {
		if c, ok := blk.(*slack.ContextBlock); ok && c.BlockID == "status" {
			line = c.ContextElements.Elements[0].(*slack.TextBlockObject).Text
		}
	}
	if line != wantLine {
		t.Errorf("status line\n got %s\nwant %s", line, wantLine)
	}
	if !strings.HasSuffix(out.Text, ". Breached 2026-11-03 08:00 UTC, over by less than a minute.") {
		t.Errorf("fallback text %q", out.Text)
	}
	if strings.Contains(strings.ToLower(string(b)+out.Text), "met") || strings.Contains(string(b)+out.Text, "08:15") {
		t.Errorf("a late answer reads met, or shows the poll's instant:\n%s\n%s", b, out.Text)
	}
	// Answered in time, the same thread reads met, at the answer.
	stop = rules.Stop{At: deadline.Add(-92 * time.Millisecond), Outcome: rules.StateMet}
	out = slackc.Render(e, rules.Route{Channel: "C1"}, rules.ThreadStatus{ThisLevel: 1, Level: 1, Stop: stop})
	if !strings.HasSuffix(out.Text, ". Met 2026-11-03 08:00 UTC.") {
		t.Errorf("met: fallback text %q", out.Text)
	}
}

// Issue 25: with slabot's public URL configured the message links to the
// issue's page; without it, and for a URL that would break mrkdwn, no link.
func TestRenderLinksToThePage(t *testing.T) {
	for _, c := range []struct{ url, want string }{
		{"https://slabot.example.com/issue/SUP-7", "*On slabot*\\n\\u003chttps://slabot.example.com/issue/SUP-7|deadline, ladder and notices\\u003e"},
		{"", ""},
		{"https://slabot.example.com/issue/SUP-7|x", ""},
	} {
		e := esc("SUP-7", 1, "agent", rules.Recipient{Channel: "C1"})
		e.PageURL = c.url
		b, err := json.Marshal(slackc.Render(e, rules.Route{Channel: "C1"}, rules.ThreadStatus{ThisLevel: 1}).Blocks)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(string(b), "On slabot"); got != (c.want != "") || c.want != "" && !strings.Contains(string(b), c.want) {
			t.Errorf("PageURL %q: blocks %s", c.url, b)
		}
	}
}
