package rules

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/slabot/slabot/rules/calendar"
)

// Explain writes the outcome as a chain of plain sentences: which goal and
// target matched and why, when the clock started, each pause, the business
// time elapsed, the deadline, and each ladder step with the instant it is
// due. Times are shown in each goal's calendar zone. It is the computation
// alone: whether a step was sent is the ledger's to say (ExplainLedger).
func (o *Outcome) Explain(p *Policy, now time.Time) string {
	return o.explain(p, now, nil)
}

// ExplainLedger is Explain with the ledger beside the computation: under
// each ladder step, what happened to it (recorded, held by whose
// acknowledgement, snoozed until when, skipped by which rule, sent where
// and when, blocked, cancelled), then the clicks. A ledger that is not
// available is said to be, and no step is called sent.
func (o *Outcome) ExplainLedger(p *Policy, now time.Time, lg Ledger) string {
	return o.explain(p, now, &lg)
}

func (o *Outcome) explain(p *Policy, now time.Time, lg *Ledger) string {
	var b strings.Builder
	iss := o.Issue
	fmt.Fprintf(&b, "%s %q (policy %s, %s)\n", iss.Key, iss.Summary, p.Product, p.File)
	fmt.Fprintf(&b, "  as of %s\n", now.In(p.Location).Format(time.RFC3339))
	explainLedgerHead(&b, lg)
	fmt.Fprintf(&b, "  priority: Jira %q -> %s\n", iss.Priority, orUnknown(nameOf(o.Priority)))
	fmt.Fprintf(&b, "  type: Jira %q -> %s\n", iss.Type, orUnknown(nameOf(o.Type)))
	switch {
	case o.CustomerMatch != "":
		fmt.Fprintf(&b, "  customer: %s\n", o.CustomerMatch)
	case len(p.Customers.Directory) > 0:
		b.WriteString("  customer: not matched\n")
	}
	if o.Plan != nil {
		fmt.Fprintf(&b, "  plan: %s\n", o.Plan.Name)
	}
	for i := range o.Goals {
		o.explainGoal(&b, &o.Goals[i], &p.Ladder, now, lg)
	}
	if o.Credit != nil {
		c := o.Credit
		verdict := "charged one credit"
		switch {
		case c.DailyCap:
			verdict = "not charged: daily cap reached"
		case c.OverQuota:
			verdict = "not charged: monthly credits used up"
		}
		fmt.Fprintf(&b, "credits: request %d of %s for %s (%d that day): %s\n", c.Number, c.Month, o.customerKey(), c.DayNumber, verdict)
	}
	if p.Billing.Calendar != nil {
		fmt.Fprintf(&b, "billing: %.2f support hours (after hours %s at %gx)\n", o.BillableHours, formatSpan(o.AfterHours), p.Billing.AfterHoursMultiplier)
	}
	for _, f := range o.Flags {
		fmt.Fprintf(&b, "flag %s%s: %s\n", p.LabelPrefix, f.Code, f.Reason)
	}
	if o.SetPriority != "" {
		fmt.Fprintf(&b, "set priority to %s\n", o.SetPriority)
	}
	if len(o.Labels) > 0 {
		fmt.Fprintf(&b, "labels: %s\n", strings.Join(o.Labels, ", "))
	}
	for _, c := range o.Comments {
		fmt.Fprintf(&b, "comment to post (%s): %s\n", c.Key, firstLine(c.Body))
	}
	return b.String()
}

func (o *Outcome) explainGoal(b *strings.Builder, gs *GoalStatus, l *Ladder, now time.Time, lg *Ledger) {
	g := gs.Goal
	loc := gs.Calendar.Location()
	ts := func(t time.Time) string { return t.In(loc).Format("Mon 2006-01-02 15:04 MST") }
	fmt.Fprintf(b, "goal %s (%s): %s\n", g.Name, g.Title, gs.Word())
	if gs.Cycle == 0 {
		b.WriteString("  the clock has not started: no start condition has happened yet\n")
		return
	}
	if gs.Row == nil {
		fmt.Fprintf(b, "  no target row matches priority %s, plan %s, type %s\n", orUnknown(gs.Priority), orUnknown(gs.Plan), orUnknown(gs.Type))
		return
	}
	fmt.Fprintf(b, "  target row %d (%s) matched priority %s, plan %s, type %s\n", gs.Row.Row+1, rowText(gs.Row), orNone(gs.Priority), orNone(gs.Plan), orNone(gs.Type))
	if gs.Row.None {
		b.WriteString("  the contract sets no target for these issues\n")
	} else {
		fmt.Fprintf(b, "  target %s of business time on calendar %s\n", formatSpan(gs.Target), gs.Calendar.Name())
	}
	fmt.Fprintf(b, "  cycle %d started %s\n", gs.Cycle, ts(gs.Start))
	for _, ps := range gs.Pauses {
		if ps.To.IsZero() {
			fmt.Fprintf(b, "  paused since %s (projection assumes it resumes now)\n", ts(ps.From))
		} else {
			fmt.Fprintf(b, "  paused %s to %s\n", ts(ps.From), ts(ps.To))
		}
	}
	if stop := gs.Stopping(); !stop.IsZero() {
		fmt.Fprintf(b, "  stopped %s: %s\n", ts(stop.At), stop.Word())
	}
	fmt.Fprintf(b, "  business time elapsed %s", formatSpan(gs.Elapsed))
	if !gs.Row.None {
		if gs.State == StateBreached {
			fmt.Fprintf(b, ", over by %s", Margin(gs.Remaining))
		} else {
			fmt.Fprintf(b, ", remaining %s", Margin(gs.Remaining))
		}
	}
	b.WriteString("\n")
	if !gs.Deadline.IsZero() {
		fmt.Fprintf(b, "  deadline %s\n", ts(gs.Deadline))
	}
	explainDays(b, gs, now)
	var records []StepRecord
	var other []LedgerEntry
	if lg != nil && lg.Available {
		records, other = gs.StepRecords(l, lg.Entries)
	}
	for i, st := range gs.Steps {
		// The computation says when a step is due, never that it was
		// sent: that is the ledger's (below each step).
		switch {
		case st.At.IsZero():
			fmt.Fprintf(b, "  step %d (%s, %s): never due, the clock stopped first\n", st.Step.Level, st.Step.At, st.Step.Rung)
		case st.Due:
			fmt.Fprintf(b, "  step %d (%s, %s -> %s): due since %s\n", st.Step.Level, st.Step.At, st.Step.Rung, l.Reaches(*st.Step), ts(st.At))
		case gs.Stopped():
			fmt.Fprintf(b, "  step %d (%s, %s): was due %s, before the goal stopped\n", st.Step.Level, st.Step.At, st.Step.Rung, ts(st.At))
		default:
			fmt.Fprintf(b, "  step %d (%s, %s -> %s): due at %s\n", st.Step.Level, st.Step.At, st.Step.Rung, l.Reaches(*st.Step), ts(st.At))
		}
		if records != nil {
			explainStepLedger(b, records[i], loc)
		}
	}
	if records != nil {
		explainOtherEntries(b, other, gs, lg, loc)
	}
}

// explainDaysShown is how many holidays and overrides explain lists for one
// goal; a longer span says how many more there are.
const explainDaysShown = 10

// explainDays lists the holidays, substitute days and overrides that
// changed a day's hours between the cycle's start and its stop (or the
// later of now and the deadline), each with the source its entry names, so
// a reader can check the dates the deadline rests on.
func explainDays(b *strings.Builder, gs *GoalStatus, now time.Time) {
	cal := gs.Calendar
	loc := cal.Location()
	end := gs.Stop
	if end.IsZero() {
		end = now
		if gs.Deadline.After(end) {
			end = gs.Deadline
		}
	}
	first, last := calendar.DateOf(gs.Start.In(loc)), calendar.DateOf(end.In(loc))
	week := cal.Spec().Week
	shown, more := 0, 0
	for d, n := first, 0; !last.Before(d) && n < 366; d, n = d.AddDays(1), n+1 {
		ws, why := cal.Day(d)
		if why.Name == "" || slices.Equal(ws, week[d.Weekday()]) {
			continue // the week alone shapes the day, or the entry changed nothing
		}
		if shown == explainDaysShown {
			more++
			continue
		}
		shown++
		hours := "closed"
		if len(ws) > 0 {
			parts := make([]string, len(ws))
			for i, w := range ws {
				parts[i] = w.String()
			}
			hours = strings.Join(parts, ", ")
		}
		fmt.Fprintf(b, "  %s %s %s: %s\n", d, d.Weekday().String()[:3], hours, why)
	}
	if more > 0 {
		fmt.Fprintf(b, "  and %d more such days (slabot calendar --month lists them)\n", more)
	}
}

func rowText(t *Target) string {
	var parts []string
	if len(t.Priorities) > 0 {
		parts = append(parts, "priority "+strings.Join(t.Priorities, "/"))
	}
	if len(t.Plans) > 0 {
		parts = append(parts, "plan "+strings.Join(t.Plans, "/"))
	}
	if len(t.Types) > 0 {
		parts = append(parts, "type "+strings.Join(t.Types, "/"))
	}
	if len(parts) == 0 {
		parts = append(parts, "any issue")
	}
	target := "none"
	if !t.None {
		target = t.Target.String()
	}
	return strings.Join(parts, ", ") + ": " + target + " on " + t.Calendar.Name()
}

func orUnknown(s string) string {
	if s == "" {
		return "(unknown)"
	}
	return s
}

func orNone(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// Reaches says whom a step reaches, for explain: its channel, and whether
// it pages on-call (besides posting, or instead: a page-only rung posts
// nothing to Slack).
func (l *Ladder) Reaches(s Step) string {
	env := l.Pages[s.Rung]
	switch {
	case env == "":
		return s.Channel
	case s.Channel == "":
		return "pages on-call (PagerDuty, " + env + "), no Slack message"
	}
	return s.Channel + " and pages on-call (PagerDuty, " + env + ")"
}
