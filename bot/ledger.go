package bot

import (
	"context"
	"time"

	"github.com/slabot/slabot/rules"
)

// LedgerNotes enters in the ledger (bot/outbox) the steps the worker
// decided not to hand over for sending: held by an acknowledgement,
// skipped by the catch-up rule, waiting for a snooze. bot/outbox's Outbox
// is one; an Escalator that is not records no such entries. The entry is
// offered at every cycle where the decision stands: the ledger keeps one.
type LedgerNotes interface {
	Note(ctx context.Context, now time.Time, e rules.LedgerEntry) error
}

// note hands e to the Escalator's ledger, if it keeps one. A failure is
// logged: the ledger is history and never stops a cycle.
func (w *Worker) note(ctx context.Context, now time.Time, e rules.LedgerEntry) {
	n, ok := w.cfg.Escalator.(LedgerNotes)
	if !ok || w.cfg.DryRun {
		return
	}
	if err := n.Note(ctx, now, e); err != nil {
		w.log.Warn("could not enter a step in the ledger", "issue", e.Issue, "goal", e.Goal, "step", e.Step, "event", e.Event, "err", err)
	}
}

// stepEntry is the ledger entry of event for esc, the step as handed over.
func stepEntry(esc rules.Notice, event rules.LedgerEvent, now time.Time) rules.LedgerEntry {
	return rules.LedgerEntry{Issue: esc.IssueKey, Goal: esc.Goal, Cycle: esc.Cycle, Step: esc.Step, Level: esc.Level,
		Event: event, At: now, DueAt: esc.DueAt}
}

// noteSnoozed enters that esc waits for the goal cycle's latest snooze,
// until until (never past the deadline).
func (w *Worker) noteSnoozed(ctx context.Context, now time.Time, esc rules.Notice, cs clicks, until time.Time) {
	e := stepEntry(esc, rules.LedgerSnoozed, now)
	e.Until = until
	if a, ok := cs.snooze(esc.Goal, esc.Cycle); ok {
		e.By, e.ByName, e.ByAt = a.User, a.Name, a.At
		e.Reason = "snoozed for " + a.Snooze.String()
		if until.Before(a.At.Add(a.Snooze)) {
			e.Reason += ", cut at the deadline: a snooze never runs past it"
		}
	}
	w.note(ctx, now, e)
}

// noteNotSent enters why esc, recorded with a Skip, is not sent: the
// catch-up rule (caughtUp), or the acknowledgement that holds it back.
func (w *Worker) noteNotSent(ctx context.Context, now time.Time, p *rules.Policy, esc rules.Notice, caughtUp bool, cs clicks) {
	if esc.Skip == "" {
		return
	}
	e := stepEntry(esc, rules.LedgerSkipped, now)
	e.Rule, e.Reason = rules.RuleCatchUp, esc.Skip
	if !caughtUp {
		e.Event, e.Rule, e.Reason = rules.LedgerHeld, rules.RuleAcknowledgement, p.Ladder.Ack.Describe()
		if a, ok := cs.ack(esc.Goal, esc.Cycle); ok {
			e.By, e.ByName, e.ByAt = a.User, a.Name, a.At
		}
	}
	w.note(ctx, now, e)
}

// snooze returns the latest snooze click of a goal cycle, if any (the one
// snoozedUntil reads).
func (cs clicks) snooze(goal string, cycle int) (rules.Click, bool) {
	var last rules.Click
	found := false
	for _, a := range cs {
		if a.Kind == rules.ClickSnooze && a.Goal == goal && a.Cycle == cycle && (!found || !a.At.Before(last.At)) {
			last, found = a, true
		}
	}
	return last, found
}
