package rules

import (
	"fmt"
	"strings"
	"time"
)

// The outcome words: how every surface (the Jira state field and labels,
// Slack messages and their thread's parent, the digest, the report,
// explain, the metrics) names where a goal stands. They are chosen here,
// once; README.md "Outcome words" documents them. A goal whose clock
// stopped after its deadline is breached everywhere, never "met".
const (
	WordRunning  = "running"  // the clock is going, the deadline is not near
	WordAtRisk   = "at risk"  // the clock is going and has passed the goal's at-risk share
	WordPaused   = "paused"   // the clock stands still (waiting for the customer ...)
	WordMet      = "met"      // the clock stopped at or before the deadline
	WordBreached = "breached" // the deadline passed, whether or not the clock has stopped since
)

// Word is the outcome word for the goal as evaluated: breached and met
// come first (a stopped goal is one of the two), then at risk, paused and
// running. Other states (no target, unknown, not started) are named by
// their state with spaces.
func (g *GoalStatus) Word() string {
	switch {
	case g.State == StateBreached:
		return WordBreached
	case g.State == StateMet:
		return WordMet
	case g.AtRisk:
		return WordAtRisk
	case g.State == StatePaused:
		return WordPaused
	case g.State == StateRunning:
		return WordRunning
	}
	return strings.ReplaceAll(string(g.State), "_", " ")
}

// Stop is how a goal's cycle ended: the instant its clock stopped (the
// first agent comment, the resolution ... as the policy's stop condition
// says, from the issue's own timestamps, not when slabot noticed) and
// whether that was within the target.
type Stop struct {
	At      time.Time
	Outcome GoalState // StateMet or StateBreached
	// Over is how much business time past the target the clock stopped
	// (breached only; zero when met, and when not recorded). Margin
	// writes it.
	Over time.Duration
}

// Stopping is the goal's Stop; the zero Stop while its clock is going.
func (g *GoalStatus) Stopping() Stop {
	if !g.Stopped() {
		return Stop{}
	}
	s := Stop{At: g.Stop, Outcome: StateMet}
	if g.State == StateBreached {
		s.Outcome, s.Over = StateBreached, -g.Remaining
	}
	return s
}

// IsZero reports whether s says nothing (the goal has not stopped).
func (s Stop) IsZero() bool { return s.At.IsZero() }

// Word is the outcome word of the stop: "met" or "breached" ("" for the
// zero Stop). An outcome this build does not know reads "met", as every
// stop read before outcomes were recorded.
func (s Stop) Word() string {
	switch {
	case s.IsZero():
		return ""
	case s.Outcome == StateBreached:
		return WordBreached
	}
	return WordMet
}

// Margin writes how far a goal is from its deadline, the magnitude of d
// (remaining time, or time over when negative), the one way every surface
// writes it: "2d 3h", "4h 5m", "12m", rounded to the minute; anything
// that rounds to no minute at all, zero included, is "less than a
// minute". It never writes "0m": a goal answered 92 ms after its deadline
// is "over by less than a minute", not over by nothing.
func Margin(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	d = d.Round(time.Minute)
	days, d := d/(24*time.Hour), d%(24*time.Hour)
	hours, mins := d/time.Hour, (d%time.Hour)/time.Minute
	switch {
	case days > 0 && hours > 0:
		return fmt.Sprintf("%dd %dh", days, hours)
	case days > 0:
		return fmt.Sprintf("%dd", days)
	case hours > 0 && mins > 0:
		return fmt.Sprintf("%dh %dm", hours, mins)
	case hours > 0:
		return fmt.Sprintf("%dh", hours)
	case mins > 0:
		return fmt.Sprintf("%dm", mins)
	}
	return "less than a minute"
}
