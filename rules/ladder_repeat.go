package rules

import (
	"fmt"
	"time"

	"github.com/slabot/slabot/rules/calendar"
)

// goalCalendar is the calendar goal's clock runs on for the issue of o:
// its target row's, else the policy's default.
func goalCalendar(p *Policy, o *Outcome, goal string) *calendar.Calendar {
	for i := range o.Goals {
		if gs := &o.Goals[i]; gs.Goal.Name == goal && gs.Calendar != nil {
			return gs.Calendar
		}
	}
	return p.DefaultCalendar
}

// repeatDue returns the latest repeat of a step that repeats (ladder
// steps[].repeat) when one is due: the step's row again as "STEP#k", due
// k*Repeat after At, in wall-clock time or, with repeat_clock: business,
// in business time of cal (the calendar of the target: the k-th
// repeat is due when k*Repeat of business time has passed since At, so
// none falls due at night or over a weekend). Only the latest repeat is
// recorded, so a bot that was down does not send the missed ones in a
// burst. Repeats stop when the goal is met (the step is no longer due),
// when the cycle is acknowledged, and wait while it is snoozed.
func repeatDue(p *Policy, cal *calendar.Calendar, esc Notice, cs clicks, now time.Time) (Notice, bool) {
	e := esc
	if esc.Skip != "" || e.Level < 1 || e.Level > len(p.Ladder.Steps) {
		return Notice{}, false
	}
	step := p.Ladder.Steps[e.Level-1]
	every := step.Repeat
	if every <= 0 {
		return Notice{}, false
	}
	var k int
	var at time.Time
	if step.RepeatBusiness && cal != nil {
		if k = int(cal.Between(e.DueAt, now) / every); k > 0 {
			at = cal.Add(e.DueAt, time.Duration(k)*every)
		}
	} else if k = int(now.Sub(e.DueAt) / every); k > 0 {
		at = e.DueAt.Add(time.Duration(k) * every)
	}
	if k <= 0 {
		return Notice{}, false
	}
	if _, acked := cs.ack(e.Goal, e.Cycle); acked {
		return Notice{}, false
	}
	if until := cs.snoozedUntil(e.Goal, e.Cycle, esc.Deadline); now.Before(until) && at.Before(until) {
		return Notice{}, false
	}
	rep := esc
	rep.Step = fmt.Sprintf("%s#%d", esc.Step, k)
	rep.DueAt = at
	rep.Hold = repeatHold
	return rep, true
}

// repeatHold is what holds a repeat back: any acknowledgement of its goal
// cycle, made before the repeat is sent.
var repeatHold = &Hold{Rule: "repeats stop once the goal cycle is acknowledged"}

// nextRepeat returns the next repeat of a step that repeats, after the
// latest one due at now (the first when none is), to hand over ahead of
// its instant: "STEP#k" due k*Repeat after the step's DueAt (in wall or
// business time, as repeatDue counts), its time left as of that instant
// (the goal's clock running until then, or standing still while paused).
// None once the cycle is acknowledged (repeats stop; the row carries that
// hold for a click made before its instant); a snooze is the
// dispatcher's to apply at the instant.
func nextRepeat(p *Policy, cal *calendar.Calendar, gs *GoalStatus, esc Notice, cs clicks, now time.Time) (Notice, bool) {
	if esc.Skip != "" || esc.Level < 1 || esc.Level > len(p.Ladder.Steps) || gs == nil {
		return Notice{}, false
	}
	step := p.Ladder.Steps[esc.Level-1]
	every := step.Repeat
	if every <= 0 {
		return Notice{}, false
	}
	if _, acked := cs.ack(esc.Goal, esc.Cycle); acked {
		return Notice{}, false
	}
	var k int
	var at time.Time
	if step.RepeatBusiness && cal != nil {
		if esc.DueAt.Before(now) {
			k = int(cal.Between(esc.DueAt, now) / every)
		}
		at = cal.Add(esc.DueAt, time.Duration(k+1)*every)
	} else {
		if esc.DueAt.Before(now) {
			k = int(now.Sub(esc.DueAt) / every)
		}
		at = esc.DueAt.Add(time.Duration(k+1) * every)
	}
	rep := esc
	rep.Step = fmt.Sprintf("%s#%d", esc.Step, k+1)
	rep.DueAt, rep.AsOf = at, at
	rep.Remaining = gs.Remaining
	if gs.State != StatePaused && cal != nil && len(gs.Running) > 0 && gs.Running[len(gs.Running)-1].To.IsZero() {
		rep.Remaining = gs.Remaining - cal.Between(now, at)
	}
	rep.Status = WordAtRisk
	if rep.Remaining <= 0 {
		rep.Status = WordBreached
	}
	rep.Earlier = nil
	rep.Hold = repeatHold
	return rep, true
}
