package rules

import (
	"fmt"
	"strings"
	"time"
)

// ledgerTime shows a ledger instant to the second: "due at" and "sent at"
// differ by seconds when delivery is on time, and the reader must see both.
const ledgerTime = "Mon 2006-01-02 15:04:05 MST"

// explainLedgerHead says whether the ledger was read. lg is nil for the
// computation alone (Explain), which says nothing about it.
func explainLedgerHead(b *strings.Builder, lg *Ledger) {
	switch {
	case lg == nil:
	case !lg.Available:
		why := lg.Why
		if why == "" {
			why = "no database was read"
		}
		fmt.Fprintf(b, "  ledger: not available (%s): what was sent, held, snoozed or skipped is not known here\n", why)
	default:
		fmt.Fprintf(b, "  ledger: %d entries; what happened to each step is listed under it\n", len(lg.Entries))
	}
}

// explainStepLedger writes under one step what the ledger says happened
// to it. A due step with no entry was not sent, and says so.
func explainStepLedger(b *strings.Builder, r StepRecord, loc *time.Location) {
	for _, e := range r.Entries {
		fmt.Fprintf(b, "    %s\n", entryLine(e, r.DueAt, loc))
	}
	switch {
	case len(r.Entries) == 0 && r.Due:
		b.WriteString("    nothing in the ledger: not recorded, not sent\n")
	case r.Outcome == LedgerRecorded:
		b.WriteString("    not sent yet: waiting in the outbox\n")
	}
}

// explainOtherEntries writes the goal cycle's clicks and the entries of
// no current ladder step (a step since removed, a resolved alert), then
// how many entries the goal's earlier cycles have (a reopened issue).
func explainOtherEntries(b *strings.Builder, other []LedgerEntry, gs *GoalStatus, lg *Ledger, loc *time.Location) {
	if len(other) > 0 {
		fmt.Fprintf(b, "  clicks and other ledger entries of cycle %d:\n", gs.Cycle)
		for _, e := range other {
			fmt.Fprintf(b, "    %s\n", entryLine(e, time.Time{}, loc))
		}
	}
	if lg == nil {
		return
	}
	earlier := 0
	for _, e := range lg.Entries {
		if e.Goal == gs.Goal.Name && e.Cycle != gs.Cycle {
			earlier++
		}
	}
	if earlier > 0 {
		fmt.Fprintf(b, "  %d ledger entries of other cycles of this goal (--json lists them)\n", earlier)
	}
}

// entryLine is one ledger entry in words. due is the step's instant from
// the computation, used when the entry carries none.
func entryLine(e LedgerEntry, due time.Time, loc *time.Location) string {
	ts := func(t time.Time) string { return t.In(loc).Format(ledgerTime) }
	if !e.DueAt.IsZero() {
		due = e.DueAt
	}
	var s string
	switch e.Event {
	case LedgerRecorded:
		s = "recorded " + ts(e.At)
		if !due.IsZero() {
			s += ", due " + ts(due)
		}
	case LedgerHeld:
		s = fmt.Sprintf("held back %s, not sent: acknowledged by %s", ts(e.At), person(e.By, e.ByName))
		if !e.ByAt.IsZero() {
			s += " at " + ts(e.ByAt)
		}
	case LedgerSnoozed:
		s = fmt.Sprintf("snoozed %s by %s until %s: not recorded while the snooze lasts", ts(e.At), person(e.By, e.ByName), ts(e.Until))
	case LedgerSkipped:
		s = "skipped " + ts(e.At) + ", not sent"
		if e.Rule != "" {
			s += ", by the " + e.Rule + " rule"
		}
	case LedgerSent:
		s = "sent " + ts(e.At)
		if !due.IsZero() {
			s += " (" + lateness(e.At.Sub(due)) + ")"
		}
		s += " to " + e.Destination()
		if e.TS != "" && !e.Page {
			s += ", ts " + e.TS
		}
		if e.ThreadTS != "" {
			s += ", in the thread of " + e.ThreadTS
		}
	case LedgerBlocked:
		s = "blocked " + ts(e.At) + ", not sent yet (retried; later steps go ahead)"
	case LedgerCancelled:
		s = "cancelled " + ts(e.At) + ", not sent"
	case LedgerClicked:
		s = fmt.Sprintf("%s by %s at %s", e.Click, person(e.By, e.ByName), ts(e.At))
		if !e.Until.IsZero() {
			s += ", until " + ts(e.Until)
		}
		if e.Step != "" {
			s += ", on the message of step " + e.Step
		}
	default:
		s = string(e.Event) + " " + ts(e.At)
	}
	if base, rep, ok := strings.Cut(e.Step, "#"); ok && e.Event != LedgerClicked {
		s = "repeat " + rep + " of " + base + ": " + s
	}
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	return s
}

// person names a Slack user for a terminal: the name Slack gave, and the
// user id to find them by.
func person(user, name string) string {
	switch {
	case name != "" && user != "":
		return name + " (Slack user " + user + ")"
	case name != "":
		return name
	case user != "":
		return "Slack user " + user
	}
	return "someone"
}

// lateness says how long after its due instant a notice went out, to the
// millisecond: a second late is on time, a poll interval late is not.
func lateness(d time.Duration) string {
	switch {
	case d < 0:
		return (-d).Round(time.Millisecond).String() + " before due"
	case d == 0:
		return "at its due instant"
	}
	return d.Round(time.Millisecond).String() + " after due"
}
