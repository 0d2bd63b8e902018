package rules_test

import (
	"testing"
	"time"

	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/rulestest"
)

// "A step may repeat every N (business or wall time, say which)" (issue
// 15). Hydra works "On weekdays from 10 to 19 Moscow time (GMT +3)"; its
// 75% reminder fell due on Friday 6 November 2026 at 18:00 and repeats
// every 2h. In wall time the repeats go on through the night and the
// weekend; in business time (repeat_clock: business) the first is due
// when two working hours have passed: Friday 18:00-19:00 and Monday
// 10:00-11:00, so Monday 11:00.
func TestRepeatDueWallAndBusinessTime(t *testing.T) {
	p := ownSeed(t, "hydra")
	p.Ladder.Steps[0].Repeat = 2 * time.Hour
	msk := func(s string) time.Time { return rulestest.Local(t, "Europe/Moscow", s) }
	esc := rules.Notice{Goal: "first_response", Cycle: 1, Level: 1, Rung: rules.RungAgent, Step: "first_response/1/75%/agent", DueAt: msk("2026-11-06 18:00")}
	cases := []struct {
		name     string
		business bool
		now      string
		want     string // "" for none; else STEP#k at the Moscow instant
	}{
		{"wall: not yet two hours", false, "2026-11-06 19:59", ""},
		{"wall: two hours later, at night", false, "2026-11-06 20:00", "#1 2026-11-06 20:00"},
		{"wall: Saturday noon, the latest only", false, "2026-11-07 12:00", "#9 2026-11-07 12:00"},
		{"business: Friday night is closed", true, "2026-11-06 23:00", ""},
		{"business: Saturday noon, still one hour", true, "2026-11-07 12:00", ""},
		{"business: Monday 10:59", true, "2026-11-09 10:59", ""},
		{"business: Monday 11:00, two working hours", true, "2026-11-09 11:00", "#1 2026-11-09 11:00"},
		{"business: Monday 15:30, the latest only", true, "2026-11-09 15:30", "#3 2026-11-09 15:00"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p.Ladder.Steps[0].RepeatBusiness = tc.business
			rep, ok := rules.RepeatDue(p, p.DefaultCalendar, esc, nil, msk(tc.now))
			got := ""
			if ok {
				got = rep.Step[len(esc.Step):] + " " + rep.DueAt.In(p.DefaultCalendar.Location()).Format("2006-01-02 15:04")
			}
			if got != tc.want {
				t.Errorf("at %s: %q, want %q", tc.now, got, tc.want)
			}
		})
	}
}

// Real due instants carry milliseconds (a deadline computed from a
// created stamp such as 08:00:00.412): a business-time repeat falls due
// exactly two working hours later, to the millisecond, not at the minute.
func TestRepeatDueBusinessTimeKeepsMilliseconds(t *testing.T) {
	p := ownSeed(t, "hydra")
	p.Ladder.Steps[0].Repeat = 2 * time.Hour
	p.Ladder.Steps[0].RepeatBusiness = true
	at := rulestest.Local(t, "Europe/Moscow", "2026-11-06 18:00").Add(412 * time.Millisecond)
	esc := rules.Notice{Goal: "first_response", Cycle: 1, Level: 1, Rung: rules.RungAgent, Step: "first_response/1/75%/agent", DueAt: at}
	want := rulestest.Local(t, "Europe/Moscow", "2026-11-09 11:00").Add(412 * time.Millisecond)
	if _, ok := rules.RepeatDue(p, p.DefaultCalendar, esc, nil, want.Add(-time.Millisecond)); ok {
		t.Errorf("a repeat due a millisecond before %s", want)
	}
	rep, ok := rules.RepeatDue(p, p.DefaultCalendar, esc, nil, want)
	if !ok || !rep.DueAt.Equal(want) || rep.Step != esc.Step+"#1" {
		t.Errorf("at %s: %+v %v, want %s#1 due then", want, rep, ok, esc.Step)
	}
}
