package rules

import (
	"time"

	"github.com/slabot/slabot/rules/calendar"
)

// GoalState is where a goal's clock stands.
type GoalState string

// Goal states.
const (
	StateNotStarted GoalState = "not_started" // no start condition yet
	StateRunning    GoalState = "running"
	StatePaused     GoalState = "paused"
	StateMet        GoalState = "met"      // stopped within the target
	StateBreached   GoalState = "breached" // past the target, running or stopped
	StateNoTarget   GoalState = "no_target"
	StateUnknown    GoalState = "unknown" // no target row matched (unknown priority, type or plan)
)

// GoalStatus is one goal's evaluation on one issue.
type GoalStatus struct {
	Goal  *Goal
	State GoalState
	Cycle int // 1-based number of the current cycle; 0 before the first

	// Row is the target row that matched (nil when none did); Priority, Plan
	// and Type are the policy terms it was matched with.
	Row      *Target
	Priority string
	Plan     string
	Type     string
	Target   time.Duration
	Calendar *calendar.Calendar

	Start   time.Time
	Stop    time.Time // zero while the clock is going
	Running []Span
	Pauses  []Span

	Elapsed   time.Duration // business time counted so far
	Remaining time.Duration // negative once breached
	// Deadline is when the target is reached: while running, the projected
	// instant; while paused, the projection if the clock resumed now; once
	// stopped, the deadline that was in force when it stopped.
	Deadline   time.Time
	BreachedAt time.Time // when the target was reached, if it was (zero otherwise)
	AtRisk     bool

	Steps []StepStatus
}

// Stopped reports whether the current cycle has ended.
func (g *GoalStatus) Stopped() bool { return !g.Stop.IsZero() }

// StepStatus is one ladder step for the goal's current cycle.
type StepStatus struct {
	Step *Step
	At   time.Time // when it fires (or fired); zero if it never will
	Due  bool
	// Upcoming is set for a step not due yet whose instant is known: the
	// cycle's clock is running (not paused, not stopped), so At is when it
	// will fall due unless the issue changes. While paused, At is only the
	// projection if the clock resumed now, and moves with every evaluation.
	Upcoming bool
	// Left is the goal's business time left at At (negative: over by that
	// much after the deadline), what a message sent at At says.
	Left time.Duration
}

// measure runs cycle cy's clock on cal as of now and returns the business
// time elapsed. For each threshold (business time into the cycle) it writes
// to at the instant it was, or will be, reached: the past instant for
// thresholds already passed, a projection for the rest while the cycle is
// open (while paused: as if the clock resumed now), and zero for thresholds
// the clock stopped short of. Projections start from the beginning of the
// current running stretch, so a deadline landing exactly on closing time
// stays on closing time.
func measure(cy *cycle, cal *calendar.Calendar, thresholds []time.Duration, at []time.Time, now time.Time) time.Duration {
	var elapsed time.Duration
	for i := range at {
		at[i] = time.Time{}
	}
	for _, s := range cy.running {
		before := elapsed
		if s.To.IsZero() {
			// the open stretch: everything not yet reached is projected from here
			elapsed += cal.Between(s.From, now)
			for i, th := range thresholds {
				if at[i].IsZero() {
					at[i] = cal.Add(s.From, th-before)
				}
			}
			return elapsed
		}
		elapsed += cal.Between(s.From, s.To)
		for i, th := range thresholds {
			if at[i].IsZero() && th <= elapsed {
				at[i] = cal.Add(s.From, th-before)
			}
		}
	}
	if cy.stop.IsZero() {
		for i, th := range thresholds {
			if at[i].IsZero() {
				at[i] = cal.Add(now, th-elapsed)
			}
		}
	}
	return elapsed
}
