package rules_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/rulestest"
)

// Issue 21: "Evaluation knows each future step's instant." Sanarise's
// critical first response (1 h on the 24/7 calendar) of an issue opened at
// 07:00:00.585: every ladder step of a running goal is listed with the
// instant it falls due, due ones in Notices and the rest in Upcoming,
// each with the goal's business time left at its instant (what a message
// sent then says); a paused clock's instants are projections, so it
// foresees nothing; a stopped one has nothing more to fall due.
func TestUpcomingStepsWithTheirInstants(t *testing.T) {
	p := seed(t, "sanarise")
	created := time.Date(2026, 11, 3, 7, 0, 0, 585e6, time.UTC)
	open := func(opts ...rulestest.Opt) rules.Issue {
		return rulestest.Issue("SAN-2", "Critical", "Cannot Access Website/Database", created,
			append([]rulestest.Opt{rulestest.Reporter("mehmet@client.com.tr")}, opts...)...)
	}
	at := func(d time.Duration) time.Time { return created.Add(d) }
	step := func(trigger string, d, left time.Duration) string {
		return fmt.Sprintf("%s@%s left %v", trigger, at(d).Format("15:04:05.000"), left)
	}
	list := func(es []rules.Notice) string {
		var out []string
		for _, e := range es {
			if e.Goal == "first_response" {
				out = append(out, fmt.Sprintf("%s@%s left %v", e.Trigger, e.DueAt.UTC().Format("15:04:05.000"), e.Left))
			}
		}
		return strings.Join(out, ", ")
	}
	for _, tc := range []struct {
		name          string
		iss           rules.Issue
		now           time.Time
		due, upcoming string
	}{
		{"running, nothing due yet", open(), at(5 * time.Minute), "",
			strings.Join([]string{step("75%", 45*time.Minute, 15*time.Minute), step("breach", time.Hour, 0), step("breach+2h", 3*time.Hour, -2*time.Hour)}, ", ")},
		{"the 75% step due, to the millisecond", open(), at(45 * time.Minute), step("75%", 45*time.Minute, 15*time.Minute),
			strings.Join([]string{step("breach", time.Hour, 0), step("breach+2h", 3*time.Hour, -2*time.Hour)}, ", ")},
		{"a millisecond before it", open(), at(45*time.Minute - time.Millisecond), "",
			strings.Join([]string{step("75%", 45*time.Minute, 15*time.Minute), step("breach", time.Hour, 0), step("breach+2h", 3*time.Hour, -2*time.Hour)}, ", ")},
		{"paused (waiting for customer): instants are projections", open(rulestest.MoveTo(at(10*time.Minute), "Waiting for Customer", rules.CategoryInProgress)),
			at(20 * time.Minute), "", ""},
		{"answered: stopped", open(rulestest.Comment(at(30*time.Minute), "ayse@sanarise.com", true)), at(50 * time.Minute), "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := evalOne(t, p, tc.iss, tc.now)
			if got := list(o.Notices); got != tc.due {
				t.Errorf("due: %s\nwant %s", got, tc.due)
			}
			if got := list(o.Upcoming); got != tc.upcoming {
				t.Errorf("upcoming: %s\nwant %s", got, tc.upcoming)
			}
		})
	}
}

// README, "Acknowledge": "until_breach holds the steps before the deadline
// (a share of the target), until_met holds every step, and a duration holds
// the steps due before ackAt plus that duration"; a management step fires
// unless the rule says management: hold. HeldAfter says it for a click not
// made yet, and agrees with Held for every click.
func TestAckRuleHeldAfter(t *testing.T) {
	at := time.Date(2026, 11, 3, 8, 0, 0, 585e6, time.UTC)
	share := rules.Step{Share: 0.75, Rung: rules.RungAgent}
	breach := rules.Step{Rung: rules.RungTeamLead}
	mgmt := rules.Step{Rung: rules.RungManagement}
	for _, tc := range []struct {
		name  string
		rule  rules.AckRule
		step  rules.Step
		holds bool
		after time.Time
	}{
		{"until_breach holds a share step", rules.AckRule{Hold: rules.HoldUntilBreach, Management: true}, share, true, time.Time{}},
		{"until_breach lets the breach step fire", rules.AckRule{Hold: rules.HoldUntilBreach, Management: true}, breach, false, time.Time{}},
		{"management still told", rules.AckRule{Hold: rules.HoldUntilMet, Management: true}, mgmt, false, time.Time{}},
		{"management: hold", rules.AckRule{Hold: rules.HoldUntilMet}, mgmt, true, time.Time{}},
		{"until_met holds the breach step", rules.AckRule{Hold: rules.HoldUntilMet, Management: true}, breach, true, time.Time{}},
		{"2h holds what falls due within 2h of the click", rules.AckRule{Hold: rules.HoldFor, For: 2 * time.Hour, Management: true}, breach, true, at.Add(-2 * time.Hour)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			after, holds := tc.rule.HeldAfter(tc.step, at)
			if holds != tc.holds || !after.Equal(tc.after) {
				t.Fatalf("HeldAfter = %v, %v; want %v, %v", after, holds, tc.after, tc.holds)
			}
			for _, click := range []time.Time{at.Add(-3 * time.Hour), at.Add(-2 * time.Hour), at.Add(-2*time.Hour + time.Millisecond), at} {
				if want := holds && click.After(after); tc.rule.Held(tc.step, at, click) != want {
					t.Errorf("Held(click %v) = %v; HeldAfter says %v", click, !want, want)
				}
			}
		})
	}
}
