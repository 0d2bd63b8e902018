package slack

import (
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/slabot/slabot/rules"
)

// Render builds the Block Kit message and its plain-text fallback.
// Times use Slack's <!date^...> token so every reader sees their own time
// zone; the token's fallback text is UTC.
func Render(e rules.Notice, r rules.Route, st rules.ThreadStatus) Outgoing {
	return render(e, r, st, false, nil)
}

// render is Render, with the Acknowledge/Claim/Snooze buttons when
// withButtons (only when something listens for their clicks), and
// mentioning the user groups whose ids are groupIDs (the rung's groups,
// resolved by the Sender).
func render(e rules.Notice, r rules.Route, st rules.ThreadStatus, withButtons bool, groupIDs []string) Outgoing {
	header := fmt.Sprintf("%s *Level %d · %s* — %s", levelEmoji(e.Level), e.Level, esc(titleCase(rules.RungTitle(e.Rung))), issueLink(e))
	if e.Summary != "" {
		header += " " + esc(clip(e.Summary, maxSummary))
	}
	mention := ""
	for _, id := range groupIDs {
		mention += "<!subteam^" + id + "> "
	}
	header = mention + header
	fields := []*slack.TextBlockObject{
		field("Goal", esc(titleCase(goalTitle(e)))),
		field("Deadline", dateToken(e.Deadline)),
		field(remainingLabel(e.Remaining), remainingValue(e.Remaining)+" (business time, as of "+dateToken(e.AsOf)+")"),
	}
	if e.Customer != "" {
		cust := esc(clip(e.Customer, maxFieldValue))
		if e.Plan != "" {
			cust += " · " + esc(clip(e.Plan, maxFieldValue))
		}
		fields = append(fields, field("Customer", cust))
	}
	if e.Priority != "" {
		fields = append(fields, field("Priority", esc(clip(e.Priority, maxFieldValue))))
	}
	if e.PageURL != "" && !strings.ContainsAny(e.PageURL, "|<> ") {
		fields = append(fields, field("On slabot", "<"+e.PageURL+"|deadline, ladder and notices>"))
	}
	if r.Fallback {
		fields = append(fields, field("Assignee", esc(clip(e.Recipient.AssigneeLabel(), maxFieldValue))))
	}
	blocks := []slack.Block{
		slack.NewSectionBlock(mrkdwn(header), nil, nil),
		slack.NewSectionBlock(nil, fields, nil),
		slack.NewContextBlock("status", mrkdwn(statusLine(e, st))),
	}
	if !e.DataAsOf.IsZero() {
		blocks = append(blocks, slack.NewContextBlock("stale",
			mrkdwn(":warning: Jira could not be read: the issue data is as of the last successful poll, "+dateToken(e.DataAsOf)+".")))
	}
	if r.Fallback {
		blocks = append(blocks, slack.NewContextBlock("fallback", mrkdwn(":information_source: "+esc(r.Why))))
	}
	if a := actionLine(st); a != "" {
		blocks = append(blocks, slack.NewContextBlock("acted", mrkdwn(a)))
	}
	if b := buttons(e, st); b != nil && withButtons {
		blocks = append(blocks, b)
	}
	// The mention goes in the fallback text too: notifications show it.
	return Outgoing{Text: mention + plainText(e, r, st), Blocks: blocks}
}

func field(label, value string) *slack.TextBlockObject {
	return mrkdwn("*" + label + "*\n" + value)
}

// mrkdwn is a text object whose text is taken as written (verbatim):
// Slack then does not turn bare words such as "@channel" or a channel name
// inside a customer's summary into mentions or links. Our own link and
// date tokens (<url|key>, <!date^...>) still render, and everything a
// customer or agent wrote has passed through esc, so it cannot form one.
func mrkdwn(text string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, text, false, true)
}

// goalTitle is how a message names the goal: the policy's title
// ("First response"), not its internal name (first_response). Rows
// written before titles were carried derive it from the name as the
// policy compiler does.
func goalTitle(e rules.Notice) string {
	if e.GoalTitle != "" {
		return e.GoalTitle
	}
	return strings.ReplaceAll(e.Goal, "_", " ")
}

func levelEmoji(level int) string {
	switch level {
	case 1:
		return ":large_yellow_circle:"
	case 2:
		return ":large_orange_circle:"
	default:
		return ":red_circle:"
	}
}

func issueLink(e rules.Notice) string {
	if e.IssueURL == "" || strings.ContainsAny(e.IssueURL, "|<> ") {
		return "*" + esc(e.IssueKey) + "*"
	}
	return "<" + e.IssueURL + "|" + esc(e.IssueKey) + ">"
}

// remainingLabel and remainingValue say how the goal stands against its
// deadline. A step evaluated at the deadline itself (the ladder's "at
// breach" step, Remaining exactly 0) or less than a minute past it reads
// "Deadline reached": "Time left: less than a minute" would tell the lead
// there is still time when there is none.
func remainingLabel(d time.Duration) string {
	switch {
	case deadlineJustReached(d):
		return "Deadline reached"
	case d < 0:
		return "Overdue by"
	}
	return "Time left"
}

func remainingValue(d time.Duration) string {
	if deadlineJustReached(d) {
		return "no time left"
	}
	return rules.Margin(d)
}

// deadlineJustReached: at or past the deadline by less than what
// rules.Margin can show (it rounds to minutes).
func deadlineJustReached(d time.Duration) bool {
	return d <= 0 && d > -30*time.Second
}

// statusLine says where the whole thread stands.
func statusLine(e rules.Notice, st rules.ThreadStatus) string {
	switch {
	case !st.Stop.IsZero():
		return stopLine(e, st.Stop)
	case pagedBeyond(st):
		return fmt.Sprintf(":rotating_light: Paged on-call: *level %d · %s* %s.", st.PagedLevel, esc(titleCase(rules.RungTitle(st.PagedRung))), dateToken(st.PagedAt))
	case st.Level > st.ThisLevel && st.ThisLevel > 0:
		return fmt.Sprintf(":arrow_double_up: Escalated to *level %d · %s* %s.", st.Level, esc(titleCase(rules.RungTitle(st.Rung))), dateToken(st.LevelAt))
	}
	s := e.Status
	if s == "" {
		s = "open"
	}
	return fmt.Sprintf(":hourglass_flowing_sand: Status: *%s*.", esc(s))
}

// stopLine is the status line of a thread whose goal stopped: rules'
// outcome word (a goal answered after its deadline is breached, never
// met), the instant the goal stopped (the answer, not the poll that saw
// it) and, for a breach, by how much.
func stopLine(e rules.Notice, stop rules.Stop) string {
	goal := esc(titleCase(goalTitle(e)))
	if stop.Outcome == rules.StateBreached {
		return fmt.Sprintf(":red_circle: *%s %s* %s — over by %s, no further escalation.", goal, stop.Word(), dateToken(stop.At), rules.Margin(stop.Over))
	}
	return fmt.Sprintf(":white_check_mark: *%s %s* %s — no further escalation.", goal, stop.Word(), dateToken(stop.At))
}

// pagedBeyond: the thread went further than its messages show, to a step
// that paged on-call and posted nothing (a rung that only pages).
func pagedBeyond(st rules.ThreadStatus) bool {
	return st.PagedLevel > st.Level && st.PagedLevel > st.ThisLevel && st.ThisLevel > 0
}

// plainText is the fallback text: what mobile notifications, screen
// readers and old clients show. Slack parses it as mrkdwn too, so every
// piece of customer- or agent-controlled text is escaped exactly as in the
// blocks: a summary reading "<!channel>" must not notify a channel.
func plainText(e rules.Notice, r rules.Route, st rules.ThreadStatus) string {
	var b strings.Builder
	goal := esc(goalTitle(e))
	fmt.Fprintf(&b, "[L%d %s] %s", e.Level, esc(rules.RungTitle(e.Rung)), esc(e.IssueKey))
	if e.Summary != "" {
		fmt.Fprintf(&b, " %s", esc(clip(e.Summary, maxSummary)))
	}
	switch {
	case deadlineJustReached(e.Remaining):
		fmt.Fprintf(&b, ": %s deadline reached, overdue now", goal)
	case e.Remaining < 0:
		fmt.Fprintf(&b, ": %s overdue by %s", goal, rules.Margin(e.Remaining))
	default:
		fmt.Fprintf(&b, ": %s due in %s", goal, rules.Margin(e.Remaining))
	}
	fmt.Fprintf(&b, " (deadline %s)", utc(e.Deadline))
	if e.Customer != "" {
		fmt.Fprintf(&b, ". Customer %s", esc(clip(e.Customer, maxFieldValue)))
		if e.Plan != "" {
			fmt.Fprintf(&b, " (%s)", esc(clip(e.Plan, maxFieldValue)))
		}
	}
	if e.Priority != "" {
		fmt.Fprintf(&b, ", priority %s", esc(clip(e.Priority, maxFieldValue)))
	}
	if r.Fallback {
		fmt.Fprintf(&b, ". Assignee: %s", esc(clip(e.Recipient.AssigneeLabel(), maxFieldValue)))
	}
	if !e.DataAsOf.IsZero() {
		fmt.Fprintf(&b, ". Jira data as of %s (Jira unreachable)", utc(e.DataAsOf))
	}
	switch {
	case !st.Stop.IsZero():
		fmt.Fprintf(&b, ". %s %s", titleCase(st.Stop.Word()), utc(st.Stop.At))
		if st.Stop.Outcome == rules.StateBreached {
			fmt.Fprintf(&b, ", over by %s", rules.Margin(st.Stop.Over))
		}
		b.WriteString(".")
	case pagedBeyond(st):
		fmt.Fprintf(&b, ". Paged on-call (level %d, %s).", st.PagedLevel, esc(rules.RungTitle(st.PagedRung)))
	case st.Level > st.ThisLevel && st.ThisLevel > 0:
		fmt.Fprintf(&b, ". Escalated to level %d (%s).", st.Level, esc(rules.RungTitle(st.Rung)))
	default:
		b.WriteString(".")
	}
	return b.String()
}

// dateToken renders t for every reader in their own time zone, with a UTC
// fallback for clients that cannot.
func dateToken(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s>", t.Unix(), utc(t))
}

func utc(t time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// mrkdwnEscaper is built once: a Replacer builds its lookup table on first
// use, and building one per call was most of what rendering allocated.
var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// esc escapes the three characters Slack's mrkdwn treats as markup.
func esc(s string) string { return mrkdwnEscaper.Replace(s) }

func titleCase(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// maxSummary keeps the header well inside Slack's 3,000-character limit
// for a section's text, whatever the issue summary.
const maxSummary = 300

// maxFieldValue bounds a Jira value shown in a field (customer, plan,
// priority, assignee: a custom field may hold a paragraph) well inside
// Slack's 2,000 characters per field (limits.go) even once escaped; the
// cut shows "…", and the whole value is on the issue the header links.
const maxFieldValue = 200

// clip shortens s to at most n runes, marking the cut.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
