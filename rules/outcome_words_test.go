package rules_test

import (
	"strings"
	"testing"
	"time"

	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/rulestest"
)

// README "Outcome words": "breached: the deadline passed: while the clock
// still runs, and also when it stopped after the deadline. A goal answered
// late is breached everywhere, never "met"".
func TestOutcomeWords(t *testing.T) {
	cases := []struct {
		name string
		gs   rules.GoalStatus
		want string
	}{
		{"running: the clock is going and the goal is not at risk yet", rules.GoalStatus{State: rules.StateRunning}, "running"},
		{"at risk: the clock is going and has passed the at_risk share", rules.GoalStatus{State: rules.StateRunning, AtRisk: true}, "at risk"},
		{"paused: the clock stands still", rules.GoalStatus{State: rules.StatePaused}, "paused"},
		{"met: the clock stopped at or before the deadline", rules.GoalStatus{State: rules.StateMet, Stop: time.Unix(1, 0)}, "met"},
		{"breached: the deadline passed while the clock runs", rules.GoalStatus{State: rules.StateBreached}, "breached"},
		{"breached: the clock stopped after the deadline", rules.GoalStatus{State: rules.StateBreached, Stop: time.Unix(1, 0)}, "breached"},
		{"other states by their name", rules.GoalStatus{State: rules.StateNoTarget}, "no target"},
	}
	for _, c := range cases {
		if got := c.gs.Word(); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// README: "The instant shown is when the goal stopped, from the issue
// itself (the first agent comment ...), not when slabot noticed".
// SAN-2 (critical, 1 h on Sanarise's 24/7 calendar) was answered at
// 08:00:00.677, 92 ms after its 08:00:00.585 deadline: evaluated at the
// 08:15 poll it stopped at the answer, breached, over by less than a
// minute (and explain says so).
func TestStopIsTheAnswerInstantAndItsOutcome(t *testing.T) {
	p := seed(t, "sanarise")
	deadline := time.Date(2026, 11, 3, 8, 0, 0, 585_000_000, time.UTC)
	answer := deadline.Add(92 * time.Millisecond)
	iss := rulestest.Issue("SAN-2", "Critical", "Cannot Access Website/Database", deadline.Add(-time.Hour),
		rulestest.Comment(answer, "ayse@sanarise.com", true))
	now := deadline.Add(15 * time.Minute)
	o := evalOne(t, p, iss, now)
	gs := mustGoal(t, o, "first_response")
	if !gs.Deadline.Equal(deadline) {
		t.Fatalf("deadline %s, want %s", gs.Deadline, deadline)
	}
	stop := gs.Stopping()
	if !stop.At.Equal(answer) || stop.Outcome != rules.StateBreached || stop.Word() != "breached" || gs.Word() != "breached" {
		t.Errorf("stop %+v (%s), goal %s: want the answer's instant %s, breached", stop, stop.Word(), gs.Word(), answer)
	}
	text := o.Explain(p, now)
	for _, want := range []string{"goal first_response (First response): breached", "stopped Tue 2026-11-03 11:00 +03: breached", "over by less than a minute"} {
		if !strings.Contains(text, want) {
			t.Errorf("explain lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "over by 0m") {
		t.Errorf("explain rounds the breach to zero:\n%s", text)
	}
	// The same issue answered 92 ms before its deadline is met, stopped then.
	early := rulestest.Issue("SAN-2", "Critical", "Cannot Access Website/Database", deadline.Add(-time.Hour),
		rulestest.Comment(deadline.Add(-92*time.Millisecond), "ayse@sanarise.com", true))
	if s := mustGoal(t, evalOne(t, p, early, now), "first_response").Stopping(); s.Word() != "met" || !s.At.Equal(deadline.Add(-92*time.Millisecond)) {
		t.Errorf("answered in time: %+v %s", s, s.Word())
	}
	if (rules.Stop{}).Word() != "" || !(rules.Stop{}).IsZero() {
		t.Error("the zero Stop says something")
	}
	// A stop recorded before outcomes were (no outcome) reads "met", as it
	// did then.
	if (rules.Stop{At: now}).Word() != "met" {
		t.Error("a stop without an outcome does not read as before")
	}
}

// README: "Margins (time left, over by) are business time rounded to the
// minute: 2d 3h, 4h 5m, 12m; anything that rounds to no minute at all
// reads less than a minute, never 0m."
func TestMargin(t *testing.T) {
	cases := []struct {
		d    time.Duration
		want string
	}{
		{92 * time.Millisecond, "less than a minute"},
		{-92 * time.Millisecond, "less than a minute"},
		{0, "less than a minute"},
		{29 * time.Second, "less than a minute"},
		{-31 * time.Second, "1m"},
		{12 * time.Minute, "12m"},
		{14*time.Minute + 59*time.Second, "15m"},
		{-(4*time.Hour + 5*time.Minute), "4h 5m"},
		{2 * time.Hour, "2h"},
		{51 * time.Hour, "2d 3h"},
		{48*time.Hour + 10*time.Minute, "2d"},
	}
	for _, c := range cases {
		if got := rules.Margin(c.d); got != c.want {
			t.Errorf("Margin(%s) = %q, want %q", c.d, got, c.want)
		}
	}
}
