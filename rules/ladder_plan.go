package rules

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// The ladder's plan. Evaluate says which steps of a goal cycle are due
// and at what instant the others fall due; PlanLadder decides everything
// else about them, from the clicks on their messages, what this database
// has seen of the ladder, and now: which steps wait for a snooze, which
// an acknowledgement holds back, which the catch-up rule skips, when a
// step repeats (in wall or business time), where each goes (the
// assignee's DM, the people who held the issue since it fell due, the
// rung's channel and user groups), what pages on-call, and which goal
// cycles stopped. Values in, values out: bot hands the plan over
// (bot/outbox records it, the dispatcher sends it at its instant) and
// decides none of it, so every ladder rule is tested here, in
// milliseconds, with no database and no Slack.

// PlanInput is what the ladder's decisions read besides the policy and
// the evaluation.
type PlanInput struct {
	Now time.Time
	// Clicks are the stored clicks on ladder messages, by issue key.
	Clicks map[string][]Click
	// Introduced is when this database first saw each ladder step
	// (StepID); a step missing or zero counts as always known (it was on
	// the ladder when the database began).
	Introduced map[string]time.Time
	// CatchUpGrace is the catch-up rule's margin (see CatchUp).
	CatchUpGrace time.Duration
	// JiraURL is the site's base URL, for the links in messages.
	JiraURL string
	// PublicURL is where people reach slabot's listener (SLABOT_PUBLIC_URL),
	// for the links to an issue's page in messages; "" for none.
	PublicURL string
	// DataAsOf is set when Jira could not be read this cycle: the issues
	// are as of this last successful poll, and the messages say so.
	DataAsOf time.Time
}

// LadderPlan is every ladder decision of one product's cycle.
type LadderPlan struct {
	// Notices are the steps to hand to the outbox, in order: each due
	// step (Skip set when an acknowledgement holds it back or the
	// catch-up rule skips it, so the outbox records it as not sent), the
	// latest repeat due of a repeating step, its next repeat, and the
	// steps not due yet with their instants (DueAt after Now).
	Notices []Notice
	// Due counts the steps due now that were decided (not waiting on a
	// snooze); Ahead the notices handed over ahead of their instant.
	Due, Ahead int
	// Pages are the on-call triggers of the steps whose rung pages: due
	// ones, and ones ahead of their instant (DueAt after Now), which the
	// outbox holds until then.
	Pages []Page
	// Ledger are the steps not handed over for sending, and why: waiting
	// for a snooze, held by an acknowledgement, skipped by the catch-up
	// rule. The ledger keeps one entry per decision however many cycles
	// offer it.
	Ledger []LedgerEntry
	// Stops are the goal cycles that stopped (met or breached).
	Stops []GoalStop
}

// GoalStop is a goal cycle that stopped: its thread's parent is updated,
// its pending steps cancelled and its on-call alert resolved.
type GoalStop struct {
	Issue string
	Goal  string
	Cycle int
	Stop  Stop
	// Fired: a ladder step fell due before the clock stopped, so a Slack
	// thread may exist. (A step recorded ahead and sent at its instant
	// between the stop and this cycle is known to the outbox only.)
	Fired bool
}

// PlanLadder decides the notices of every outcome of ev (see above).
func PlanLadder(p *Policy, ev *Evaluation, in PlanInput) LadderPlan {
	var pl LadderPlan
	known := &emails{outcomes: ev.Outcomes}
	for i := range ev.Outcomes {
		o := &ev.Outcomes[i]
		pl.issue(p, o, clicks(in.Clicks[o.Issue.Key]), known, in)
	}
	return pl
}

func (pl *LadderPlan) issue(p *Policy, o *Outcome, cs clicks, known *emails, in PlanInput) {
	now := in.Now
	iss := o.Issue
	for _, e := range o.Notices {
		gs := o.Goal(e.Goal)
		n := p.notice(o, e, in)
		n.Remaining, n.AsOf = gs.Remaining, now
		if gs.Remaining <= 0 {
			n.Status = WordBreached
		}
		if until := cs.snoozedUntil(e.Goal, e.Cycle, gs.Deadline); now.Before(until) && e.DueAt.Before(until) {
			pl.Ledger = append(pl.Ledger, snoozedEntry(n, cs, until, now))
			continue
		}
		caughtUp := n.Skip != ""
		if !caughtUp {
			n.Skip = held(p, e, cs)
		}
		if e.Rung == RungAgent {
			n.Earlier = earlierTargets(iss, e.DueAt, e.Recipient.FallbackChannel, known)
		}
		pl.Due++
		if n.Skip != "" {
			pl.Ledger = append(pl.Ledger, notSentEntry(p, n, caughtUp, cs, now))
		}
		if pg, ok := p.page(n); ok {
			pl.Pages = append(pl.Pages, pg)
		}
		if p.Ladder.PagesOnly(e.Rung) {
			// The page is the step's only record: no Slack message, so no
			// thread and no repeat (the loader refuses one).
			continue
		}
		pl.Notices = append(pl.Notices, n)
		cal := goalCalendar(p, o, e.Goal)
		if rep, ok := repeatDue(p, cal, n, cs, now); ok {
			if e.Rung == RungAgent {
				rep.Earlier = earlierTargets(iss, rep.DueAt, e.Recipient.FallbackChannel, known)
			}
			pl.Notices = append(pl.Notices, rep)
		}
		if next, ok := nextRepeat(p, cal, gs, n, cs, now); ok {
			pl.Ahead++
			pl.Notices = append(pl.Notices, next)
		}
	}
	// The steps not due yet, with their instants: recorded ahead and
	// posted (and paged) by the dispatcher at the instant.
	for _, e := range o.Upcoming {
		gs := o.Goal(e.Goal)
		n := p.notice(o, e, in)
		n.Remaining, n.AsOf = e.Left, e.DueAt
		if e.Left <= 0 {
			n.Status = WordBreached
		}
		if pg, ok := p.page(n); ok {
			pl.Pages = append(pl.Pages, pg)
		}
		if p.Ladder.PagesOnly(e.Rung) {
			continue
		}
		pl.Ahead++
		pl.Notices = append(pl.Notices, n)
		if next, ok := nextRepeat(p, goalCalendar(p, o, e.Goal), gs, n, cs, now); ok {
			pl.Ahead++
			pl.Notices = append(pl.Notices, next)
		}
	}
	for i := range o.Goals {
		if gs := &o.Goals[i]; gs.Stopped() {
			pl.Stops = append(pl.Stops, GoalStop{Issue: iss.Key, Goal: gs.Goal.Name, Cycle: gs.Cycle, Stop: gs.Stopping(), Fired: stepFiredBeforeStop(gs)})
		}
	}
}

// notice is ladder step e of o as the outbox records it: the notice as
// Evaluate made it, with the issue's details, the resolved recipient, the
// catch-up rule's verdict and the acknowledgement's hold added.
// Remaining, AsOf and Status are the caller's: as of now for a step due,
// as of its instant for one handed over ahead.
func (p *Policy) notice(o *Outcome, e Notice, in PlanInput) Notice {
	iss := o.Issue
	gs := o.Goal(e.Goal)
	n := e
	n.IssueKey, n.IssueURL, n.GoalTitle = iss.Key, IssueURL(in.JiraURL, iss.Key), gs.Goal.Title
	n.PageURL = PageURL(in.PublicURL, iss.Key)
	n.Summary, n.Priority = iss.Summary, iss.Priority
	if o.Customer != nil {
		n.Customer = o.Customer.Name
	}
	if o.Plan != nil {
		n.Plan = o.Plan.Name
	}
	n.Deadline, n.Status, n.DataAsOf = gs.Deadline, WordAtRisk, in.DataAsOf
	n.Skip, n.Groups = CatchUp(in.Introduced, in.CatchUpGrace, e.Step, e.DueAt), p.Ladder.Groups[e.Rung]
	if e.Level >= 1 && e.Level <= len(p.Ladder.Steps) {
		if after, holds := p.Ladder.Ack.HeldAfter(p.Ladder.Steps[e.Level-1], e.DueAt); holds {
			n.Hold = &Hold{After: after, Rule: p.Ladder.Ack.Describe()}
		}
	}
	if e.Rung == RungAgent {
		n.Recipient = agentTarget(e.Recipient.FallbackChannel, iss.Assignee)
	}
	return n
}

// IssueURL is the link to an issue on the Jira site at base ("" without one).
func IssueURL(base, key string) string {
	if base == "" {
		return ""
	}
	return strings.TrimSuffix(base, "/") + "/browse/" + key
}

// PageURL is the link to an issue's page on slabot's listener at base
// (bot/view serves /issue/KEY), "" without a base.
func PageURL(base, key string) string {
	if base == "" {
		return ""
	}
	return strings.TrimSuffix(base, "/") + "/issue/" + url.PathEscape(key)
}

// CatchUp is the catch-up rule: why a step due at at is skipped, or "".
//
// A step's outbox key is what the step is (trigger and rung), so editing a
// policy never sends a step again. But a step that an edit adds (a new
// "50%" step) is at once due for every issue already past its instant,
// some of them breached and escalated to management long ago: pinging
// their agents now would be noise. So the worker remembers, per product
// and in the database, when it first saw each step (introduced); a step
// whose instant for an issue came more than grace before it was first
// seen is recorded as skipped, with this reason, and not sent. Steps seen
// on the very first run of a database count as always known (zero): a new
// installation escalates everything due.
func CatchUp(introduced map[string]time.Time, grace time.Duration, step string, at time.Time) string {
	t := introduced[step]
	if t.IsZero() || !at.Before(t.Add(-grace)) {
		return ""
	}
	return fmt.Sprintf("catch-up rule: step %s was added to the policy (first seen %s) after its instant for this issue (%s)",
		step, t.Format(time.RFC3339), at.UTC().Format(time.RFC3339))
}

// held says why a due step is not posted: the goal cycle was acknowledged
// and the policy's rule holds this step back ("" when it goes out).
func held(p *Policy, e Notice, cs clicks) string {
	a, ok := cs.ack(e.Goal, e.Cycle)
	if !ok || e.Level < 1 || e.Level > len(p.Ladder.Steps) {
		return ""
	}
	if !p.Ladder.Ack.Held(p.Ladder.Steps[e.Level-1], e.DueAt, a.At) {
		return ""
	}
	return fmt.Sprintf("held back: acknowledged in Slack by %s at %s (%s)", a.Who(), a.At.UTC().Format(time.RFC3339), p.Ladder.Ack.Describe())
}

// page is the on-call trigger of a step whose rung pages, due or ahead of
// its instant. It follows the step: a step held back by an
// acknowledgement or skipped by the catch-up rule does not page either (a
// snoozed one never gets here); one ahead carries the hold, for the
// dispatcher to apply at the instant.
func (p *Policy) page(n Notice) (Page, bool) {
	env := p.Ladder.Pages[n.Rung]
	if env == "" || n.Skip != "" {
		return Page{}, false
	}
	sev := "error"
	if n.Status == WordBreached {
		sev = "critical"
	}
	summary := fmt.Sprintf("[%s] %s %s %s: %s", p.Product, n.IssueKey, n.GoalTitle, n.Status, n.Summary)
	if n.Customer != "" {
		summary += " (" + n.Customer + ")"
	}
	return Page{RoutingKey: env, Summary: strings.TrimSpace(summary), Source: "slabot/" + p.Product, Severity: sev,
		Link: n.IssueURL, Issue: n.IssueKey, Goal: n.Goal, Cycle: n.Cycle, Step: n.Step, Level: n.Level, Rung: n.Rung,
		Only: p.Ladder.PagesOnly(n.Rung), DueAt: n.DueAt, Hold: n.Hold, Deadline: n.Deadline}, true
}

// stepFiredBeforeStop reports whether any ladder step of the stopped cycle
// fell due before the clock stopped: then a Slack thread may exist.
func stepFiredBeforeStop(gs *GoalStatus) bool {
	for _, s := range gs.Steps {
		if !s.At.IsZero() && !s.At.After(gs.Stop) {
			return true
		}
	}
	return false
}

// agentTarget is where the agent rung goes while a holds the issue: a's
// DM, or the fallback channel (nil: unassigned, or no Slack user).
func agentTarget(fallback string, a *User) Recipient {
	t := Recipient{FallbackChannel: fallback}
	if a != nil {
		t.AssigneeAccountID, t.AssigneeEmail, t.AssigneeName = a.AccountID, a.Email, a.DisplayName
	}
	return t
}

// earlierTargets are where the agent rung's step due at due would have
// gone for each person who held the issue since then other than its
// current assignee (Issue.AssigneesSince): the places it may already be in
// Slack (Notice.Earlier). None when the issue has not changed hands since.
func earlierTargets(iss *Issue, due time.Time, fallback string, known *emails) []Recipient {
	var out []Recipient
	for _, h := range iss.AssigneesSince(due) {
		if h == nil && iss.Assignee == nil || h != nil && iss.Assignee != nil && h.AccountID == iss.Assignee.AccountID {
			continue
		}
		if h != nil && h.Email == "" {
			h.Email = known.of(h.AccountID)
		}
		if t := agentTarget(fallback, h); !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// emails finds a Jira account's e-mail among the product's issues. A
// changelog names a past assignee by accountId and display name only, and
// finding their Slack user may take the e-mail (users.lookupByEmail): an
// agent shows up as assignee, reporter, commenter or worklog author on
// other issues. Built on first use, for one plan.
type emails struct {
	outcomes []Outcome
	byID     map[string]string
}

func (m *emails) of(id string) string {
	if m.byID == nil {
		m.byID = map[string]string{}
		note := func(u *User) {
			if u != nil && u.AccountID != "" && u.Email != "" {
				m.byID[u.AccountID] = u.Email
			}
		}
		for i := range m.outcomes {
			iss := m.outcomes[i].Issue
			note(iss.Assignee)
			note(&iss.Reporter)
			for i := range iss.Comments {
				note(&iss.Comments[i].Author)
			}
			for i := range iss.Worklogs {
				note(&iss.Worklogs[i].Author)
			}
		}
	}
	return m.byID[id]
}
