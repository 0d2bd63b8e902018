package rules

import "time"

// clicks are one issue's stored clicks, as the ladder's plan reads them.
type clicks []Click

// ack returns the acknowledgement of a goal cycle, if any.
func (cs clicks) ack(goal string, cycle int) (Click, bool) {
	for _, a := range cs {
		if a.Kind == ClickAcknowledge && a.Goal == goal && a.Cycle == cycle {
			return a, true
		}
	}
	return Click{}, false
}

// snooze returns the latest snooze click of a goal cycle, if any: a later
// snooze replaces an earlier one.
func (cs clicks) snooze(goal string, cycle int) (Click, bool) {
	var last Click
	found := false
	for _, a := range cs {
		if a.Kind == ClickSnooze && a.Goal == goal && a.Cycle == cycle && (!found || !a.At.Before(last.At)) {
			last, found = a, true
		}
	}
	return last, found
}

// snoozedUntil is when the latest snooze of a goal cycle ends (never past
// the deadline, SnoozeUntil); zero without one.
func (cs clicks) snoozedUntil(goal string, cycle int, deadline time.Time) time.Time {
	a, ok := cs.snooze(goal, cycle)
	if !ok {
		return time.Time{}
	}
	return SnoozeUntil(a.At, a.Snooze, deadline)
}

// Who is how a message names the person who clicked: a Slack mention, or
// their name when the user id is unknown.
func (a Click) Who() string {
	if a.User != "" {
		return "<@" + a.User + ">"
	}
	return a.Name
}
