package rules

import "time"

// stepEntry is the ledger entry of event for n, the step as handed over.
func stepEntry(n Notice, event LedgerEvent, now time.Time) LedgerEntry {
	return LedgerEntry{Issue: n.IssueKey, Goal: n.Goal, Cycle: n.Cycle, Step: n.Step, Level: n.Level,
		Event: event, At: now, DueAt: n.DueAt}
}

// snoozedEntry says that n waits for the goal cycle's latest snooze, until
// until (never past the deadline).
func snoozedEntry(n Notice, cs clicks, until, now time.Time) LedgerEntry {
	e := stepEntry(n, LedgerSnoozed, now)
	e.Until = until
	if a, ok := cs.snooze(n.Goal, n.Cycle); ok {
		e.By, e.ByName, e.ByAt = a.User, a.Name, a.At
		e.Reason = "snoozed for " + a.Snooze.String()
		if until.Before(a.At.Add(a.Snooze)) {
			e.Reason += ", cut at the deadline: a snooze never runs past it"
		}
	}
	return e
}

// notSentEntry says why n, planned with a Skip, is not sent: the catch-up
// rule (caughtUp), or the acknowledgement that holds it back.
func notSentEntry(p *Policy, n Notice, caughtUp bool, cs clicks, now time.Time) LedgerEntry {
	e := stepEntry(n, LedgerSkipped, now)
	e.Rule, e.Reason = RuleCatchUp, n.Skip
	if !caughtUp {
		e.Event, e.Rule, e.Reason = LedgerHeld, RuleAcknowledgement, p.Ladder.Ack.Describe()
		if a, ok := cs.ack(n.Goal, n.Cycle); ok {
			e.By, e.ByName, e.ByAt = a.User, a.Name, a.At
		}
	}
	return e
}
