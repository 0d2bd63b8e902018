package rules_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/rulestest"
)

// The ladder's rules as the README states them, decided by
// rules.PlanLadder from the policy, the issues, the clicks, the steps the
// database has seen and now. Every case runs on Sanarise's critical first
// response (1 h on the 24/7 calendar) of SAN-2, opened at 07:00:00.585 on
// Tue 3 Nov 2026: its 75% reminder (agent) falls due at 07:45:00.585, the
// breach step (team lead) at 08:00:00.585 and breach+2h (management) at
// 10:00:00.585.

var planCreated = time.Date(2026, 11, 3, 7, 0, 0, 585e6, time.UTC)

// planAt is an instant on SAN-2's day, "07:46" or "08:00:00.585".
func planAt(t testing.TB, clock string) time.Time {
	t.Helper()
	for _, layout := range []string{"15:04", "15:04:05.000"} {
		if c, err := time.Parse(layout, clock); err == nil {
			return time.Date(2026, 11, 3, c.Hour(), c.Minute(), c.Second(), c.Nanosecond(), time.UTC)
		}
	}
	t.Fatalf("bad clock %q", clock)
	return time.Time{}
}

func san2(opts ...rulestest.Opt) rules.Issue {
	return rulestest.Issue("SAN-2", "Critical", "Cannot Access Website/Database", planCreated,
		append([]rulestest.Opt{rulestest.Reporter("mehmet@client.com.tr")}, opts...)...)
}

func click(t testing.TB, kind rules.ClickKind, user, at string, snooze time.Duration) rules.Click {
	return rules.Click{Kind: kind, Issue: "SAN-2", Goal: "first_response", Cycle: 1, User: user, Name: user + " name",
		At: planAt(t, at), Snooze: snooze, ActionTS: at}
}

func planOf(t testing.TB, p *rules.Policy, now time.Time, in rules.PlanInput, issues ...rules.Issue) rules.LadderPlan {
	t.Helper()
	ev := rules.Evaluate(p, issues, now, rules.Options{BotAccountID: "slabot"})
	in.Now = now
	return rules.PlanLadder(p, ev, in)
}

// dueSteps lists the first-response notices due at now: "step" or
// "step (skip: reason)".
func dueSteps(pl rules.LadderPlan, now time.Time) string {
	var out []string
	for _, n := range pl.Notices {
		if n.Goal != "first_response" || n.DueAt.After(now) {
			continue
		}
		s := n.Step
		if n.Skip != "" {
			s += " (skip: " + n.Skip + ")"
		}
		out = append(out, s)
	}
	return strings.Join(out, ", ")
}

// ledgerOf lists the plan's ledger entries: "event step rule by until".
func ledgerOf(pl rules.LadderPlan) string {
	var out []string
	for _, e := range pl.Ledger {
		s := fmt.Sprintf("%s %s", e.Event, e.Step)
		if e.Rule != "" {
			s += " rule=" + e.Rule
		}
		if e.By != "" {
			s += " by=" + e.By
		}
		if !e.Until.IsZero() {
			s += " until=" + e.Until.UTC().Format("15:04:05.000")
		}
		out = append(out, s)
	}
	return strings.Join(out, ", ")
}

const heldByU1 = "held back: acknowledged in Slack by <@U1> at 2026-11-03T07:10:00Z (reminders before the deadline are held back; the breach steps still fire; management is still told if the goal breaches)"

// README, "Buttons in Slack", Acknowledge: "a step that falls due after
// the acknowledgement is held back, i.e. recorded as skipped with the
// reason and never posted, when ..."
func TestPlanAcknowledgementHolds(t *testing.T) {
	ack := click(t, rules.ClickAcknowledge, "U1", "07:10", 0)
	for _, tc := range []struct {
		rule   string // the README's sentence
		adjust func(*rules.AckRule)
		now    string
		due    string
		ledger string
	}{
		{"hold: until_breach (default): it falls due before the goal's deadline (a 75% reminder)", nil,
			"07:46", "75%/agent (skip: " + heldByU1 + ")", "held 75%/agent rule=acknowledgement by=U1"},
		{"the breach steps (breach, breach+2h) still fire, showing who acknowledged", nil,
			"08:01", "75%/agent (skip: " + heldByU1 + "), breach/team_lead", "held 75%/agent rule=acknowledgement by=U1"},
		{"a step to the management rung fires anyway unless management: hold", func(r *rules.AckRule) { r.Hold = rules.HoldUntilMet },
			"10:01", "75%/agent (skip: held), breach/team_lead (skip: held), breach+2h/management",
			"held 75%/agent rule=acknowledgement by=U1, held breach/team_lead rule=acknowledgement by=U1"},
		{"hold: until_met: every later step of that goal's cycle (management: hold)", func(r *rules.AckRule) { r.Hold, r.Management = rules.HoldUntilMet, false },
			"10:01", "75%/agent (skip: held), breach/team_lead (skip: held), breach+2h/management (skip: held)",
			"held 75%/agent rule=acknowledgement by=U1, held breach/team_lead rule=acknowledgement by=U1, held breach+2h/management rule=acknowledgement by=U1"},
		{"hold: 2h (any duration, wall clock): it falls due within that span after the click", func(r *rules.AckRule) { r.Hold, r.For = rules.HoldFor, 2*time.Hour },
			"10:01", "75%/agent (skip: held), breach/team_lead (skip: held), breach+2h/management",
			"held 75%/agent rule=acknowledgement by=U1, held breach/team_lead rule=acknowledgement by=U1"},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			p := ownSeed(t, "sanarise")
			if tc.adjust != nil {
				tc.adjust(&p.Ladder.Ack)
			}
			now := planAt(t, tc.now)
			pl := planOf(t, p, now, rules.PlanInput{Clicks: map[string][]rules.Click{"SAN-2": {ack}}}, san2())
			got := dueSteps(pl, now)
			if tc.adjust != nil {
				// The reason's wording is the default rule's above; here
				// only that the step is held matters.
				got = heldWords.Replace(got)
			}
			if got != tc.due {
				t.Errorf("due:\n got %s\nwant %s", got, tc.due)
			}
			if got := ledgerOf(pl); got != tc.ledger {
				t.Errorf("ledger:\n got %s\nwant %s", got, tc.ledger)
			}
			for _, n := range pl.Notices {
				if n.Skip != "" && n.Hold == nil {
					t.Errorf("%s is held but carries no hold: the dispatcher could not apply a click made after it was recorded", n.Step)
				}
			}
		})
	}
}

// heldWords shortens every "held back: ..." reason to "held".
var heldWords = strings.NewReplacer(
	"skip: "+heldByU1, "skip: held",
	"skip: held back: acknowledged in Slack by <@U1> at 2026-11-03T07:10:00Z (reminders are held back until the goal is met; management is still told if the goal breaches)", "skip: held",
	"skip: held back: acknowledged in Slack by <@U1> at 2026-11-03T07:10:00Z (reminders are held back until the goal is met)", "skip: held",
	"skip: held back: acknowledged in Slack by <@U1> at 2026-11-03T07:10:00Z (reminders due in the next 2h0m0s are held back; management is still told if the goal breaches)", "skip: held",
	"skip: held back: acknowledged in Slack by <@U1> at 2026-11-03T07:10:00Z (reminders due in the next 2h0m0s are held back)", "skip: held",
)

// README, "Buttons in Slack": "Snooze delays that goal cycle's next steps
// until the snooze ends, never past the goal's deadline: a breach step is
// not delayed by a snooze."
func TestPlanSnooze(t *testing.T) {
	for _, tc := range []struct {
		name   string
		snooze rules.Click
		now    string
		due    string
		ledger string
		reason string
	}{
		{"the 75% reminder waits for the snooze to end", click(t, rules.ClickSnooze, "U2", "07:20", 30*time.Minute),
			"07:46", "", "snoozed 75%/agent by=U2 until=07:50:00.000", "snoozed for 30m0s"},
		{"and goes out once it has", click(t, rules.ClickSnooze, "U2", "07:20", 30*time.Minute),
			"07:50", "75%/agent", "", ""},
		{"never past the deadline", click(t, rules.ClickSnooze, "U2", "07:40", time.Hour),
			"07:59", "", "snoozed 75%/agent by=U2 until=08:00:00.585", "snoozed for 1h0m0s, cut at the deadline: a snooze never runs past it"},
		{"a breach step is not delayed by a snooze", click(t, rules.ClickSnooze, "U2", "07:40", time.Hour),
			"08:00:00.585", "75%/agent, breach/team_lead", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := ownSeed(t, "sanarise")
			now := planAt(t, tc.now)
			pl := planOf(t, p, now, rules.PlanInput{Clicks: map[string][]rules.Click{"SAN-2": {tc.snooze}}}, san2())
			if got := dueSteps(pl, now); got != tc.due {
				t.Errorf("due: %q, want %q", got, tc.due)
			}
			if got := ledgerOf(pl); got != tc.ledger {
				t.Errorf("ledger: %q, want %q", got, tc.ledger)
			}
			if tc.reason != "" && (len(pl.Ledger) == 0 || pl.Ledger[0].Reason != tc.reason) {
				t.Errorf("reason: %+v, want %q", pl.Ledger, tc.reason)
			}
			if pl.Due != strings.Count(tc.due, "/") {
				t.Errorf("Due = %d: a snoozed step is not decided yet", pl.Due)
			}
		})
	}
}

// README, "How it works": "a step a policy edit adds is skipped (recorded,
// not sent) for issues already more than 10 minutes past its instant when
// it was first seen (the catch-up rule)".
func TestPlanCatchUpAfterAPolicyEdit(t *testing.T) {
	const skipped = "catch-up rule: step 75%/agent was added to the policy (first seen 2026-11-03T07:56:00Z) after its instant for this issue (2026-11-03T07:45:00Z)"
	for _, tc := range []struct {
		name      string
		firstSeen string // when the database first saw 75%/agent; "" since its first run
		due       string
		ledger    string
	}{
		{"on the ladder since the database began", "", "75%/agent", ""},
		{"added 9 minutes after its instant: within the grace, sent", "07:54", "75%/agent", ""},
		{"added 11 minutes after its instant: skipped", "07:56", "75%/agent (skip: " + skipped + ")", "skipped 75%/agent rule=catch-up"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := ownSeed(t, "sanarise")
			in := rules.PlanInput{CatchUpGrace: 10 * time.Minute, Introduced: map[string]time.Time{}}
			if tc.firstSeen != "" {
				in.Introduced["75%/agent"] = planAt(t, tc.firstSeen)
			}
			now := planAt(t, "07:58")
			pl := planOf(t, p, now, in, san2())
			if got := dueSteps(pl, now); got != tc.due {
				t.Errorf("due:\n got %s\nwant %s", got, tc.due)
			}
			if got := ledgerOf(pl); got != tc.ledger {
				t.Errorf("ledger: %q, want %q", got, tc.ledger)
			}
			if tc.ledger != "" && pl.Ledger[0].Reason != skipped {
				t.Errorf("reason %q", pl.Ledger[0].Reason)
			}
		})
	}
}

// README, "Slack": "Agent pings go to the assignee as a DM" (the rung's
// channel when they have no Slack user), the other rungs to their channel
// mentioning the rung's user groups; "When the issue changes hands": a
// step is posted to whoever owns the issue now and looked for in the DM of
// everyone who held the issue since the step fell due.
func TestPlanTargets(t *testing.T) {
	p := ownSeed(t, "sanarise")
	p.Ladder.Groups = map[rules.Rung][]string{rules.RungTeamLead: {"sanarise-leads"}}
	now := planAt(t, "08:01")
	ayse, can := "ayse@sanarise.com", "can@sanarise.com"
	for _, tc := range []struct {
		name  string
		iss   rules.Issue
		agent string // the 75% reminder's recipient and earlier holders
	}{
		{"unassigned: the agent rung's channel", san2(), "dm   fallback #sanarise-support earlier []"},
		{"assigned: the assignee's DM", san2(rulestest.Assign(planAt(t, "07:05"), ayse)),
			"dm acc-ayse@sanarise.com ayse@sanarise.com fallback #sanarise-support earlier []"},
		{"reassigned after it fell due: the new assignee, looked for in the old one's DM",
			san2(rulestest.Assign(planAt(t, "07:05"), ayse), rulestest.Assign(planAt(t, "07:50"), can)),
			"dm acc-can@sanarise.com can@sanarise.com fallback #sanarise-support earlier [acc-ayse@sanarise.com]"},
		{"reassigned before it fell due: nobody else to look at", san2(rulestest.Assign(planAt(t, "07:05"), ayse), rulestest.Assign(planAt(t, "07:30"), can)),
			"dm acc-can@sanarise.com can@sanarise.com fallback #sanarise-support earlier []"},
		// README "When the issue changes hands": "claimed from Slack" is a
		// reassignment too. slabot makes it in Jira as its own account; the
		// changelog keeps it, so after a lost database the reminder is
		// looked for in the DM of whoever held the issue when it fell due.
		{"claimed from Slack after it fell due (slabot's assignment): the claimer, looked for in the old holder's DM",
			san2(rulestest.Assign(planAt(t, "07:05"), ayse), rulestest.Assign(planAt(t, "07:50"), can), func(i *rules.Issue) {
				i.Changes[len(i.Changes)-1].AuthorID = "slabot-account"
			}),
			"dm acc-can@sanarise.com can@sanarise.com fallback #sanarise-support earlier [acc-ayse@sanarise.com]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pl := planOf(t, p, now, rules.PlanInput{JiraURL: "https://example.atlassian.net/"}, tc.iss)
			var agent, lead *rules.Notice
			for i := range pl.Notices {
				switch pl.Notices[i].Step {
				case "75%/agent":
					agent = &pl.Notices[i]
				case "breach/team_lead":
					lead = &pl.Notices[i]
				}
			}
			if agent == nil || lead == nil {
				t.Fatalf("notices %+v", pl.Notices)
			}
			var earlier []string
			for _, r := range agent.Earlier {
				earlier = append(earlier, r.AssigneeAccountID)
			}
			got := fmt.Sprintf("dm %s %s fallback %s earlier %v", agent.Recipient.AssigneeAccountID, agent.Recipient.AssigneeEmail,
				agent.Recipient.FallbackChannel, "["+strings.Join(earlier, " ")+"]")
			if got != tc.agent || agent.Recipient.Channel != "" {
				t.Errorf("agent rung:\n got %s (channel %q)\nwant %s", got, agent.Recipient.Channel, tc.agent)
			}
			if lead.Recipient.Channel != "#sanarise-leads" || !slices.Equal(lead.Groups, []string{"sanarise-leads"}) || lead.Earlier != nil {
				t.Errorf("team lead rung: %+v groups %v earlier %v", lead.Recipient, lead.Groups, lead.Earlier)
			}
			if agent.IssueURL != "https://example.atlassian.net/browse/SAN-2" || agent.GoalTitle == "" || agent.Summary == "" {
				t.Errorf("issue details: url %q title %q summary %q", agent.IssueURL, agent.GoalTitle, agent.Summary)
			}
		})
	}
}

// README, "Paging": "A step held back by an acknowledgement, snoozed or
// skipped by the catch-up rule does not page", a breach pages as critical,
// and a rung with page and no channel posts nothing (no notice, no row).
// A page ahead of its instant is handed over with it and the hold, so
// on-call is paged at the instant, not at the next poll.
func TestPlanPages(t *testing.T) {
	ack := click(t, rules.ClickAcknowledge, "U1", "07:10", 0)
	snooze := click(t, rules.ClickSnooze, "U2", "07:40", 10*time.Minute)
	for _, tc := range []struct {
		name    string
		only    bool
		clicks  []rules.Click
		now     string
		pages   string // step:severity:only
		notices int    // notices due at now
	}{
		{"the 75% reminder pages with error severity", false, nil, "07:46", "75%/agent:error:false", 1},
		{"held back by an acknowledgement: no page", false, []rules.Click{ack}, "07:46", "", 1},
		{"snoozed: no page", false, []rules.Click{snooze}, "07:46", "", 0},
		{"a page-only rung: the page and no notice", true, nil, "07:46", "75%/agent:error:true", 0},
		{"ahead of its instant: handed over to be paged then", false, nil, "07:30", "75%/agent:error:false@07:45:00.585 hold", 0},
		{"a page-only rung ahead of its instant", true, nil, "07:30", "75%/agent:error:true@07:45:00.585 hold", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := ownSeed(t, "sanarise")
			p.Ladder.Pages = map[rules.Rung]string{rules.RungAgent: "SLABOT_PAGERDUTY_TEST"}
			if tc.only {
				p.Ladder.Channels[rules.RungAgent] = ""
			}
			now := planAt(t, tc.now)
			pl := planOf(t, p, now, rules.PlanInput{Clicks: map[string][]rules.Click{"SAN-2": tc.clicks}}, san2())
			var pages []string
			for _, pg := range pl.Pages {
				s := fmt.Sprintf("%s:%s:%v", pg.Step, pg.Severity, pg.Only)
				if pg.DueAt.After(now) {
					s += "@" + pg.DueAt.UTC().Format("15:04:05.000")
					if pg.Hold != nil {
						s += " hold"
					}
				}
				pages = append(pages, s)
			}
			if got := strings.Join(pages, ", "); got != tc.pages {
				t.Errorf("pages %q, want %q", got, tc.pages)
			}
			if got := strings.Count(dueSteps(pl, now), "/"); got != tc.notices {
				t.Errorf("%d notices due, want %d: %+v", got, tc.notices, pl.Notices)
			}
		})
	}
	p := ownSeed(t, "sanarise")
	p.Ladder.Pages = map[rules.Rung]string{rules.RungTeamLead: "SLABOT_PAGERDUTY_TEST"}
	pl := planOf(t, p, planAt(t, "08:01"), rules.PlanInput{}, san2())
	if len(pl.Pages) != 1 || pl.Pages[0].Severity != "critical" {
		t.Errorf("breach page: %+v", pl.Pages)
	}
}

// Issue 21: "A goal stopped after its deadline is breached everywhere";
// the stop carries the instant the goal stopped (not when slabot noticed)
// and whether a step fell due before it (a thread may exist).
func TestPlanStops(t *testing.T) {
	p := ownSeed(t, "sanarise")
	answered := planAt(t, "08:00:00.677") // 92 ms after the deadline
	for _, tc := range []struct {
		name  string
		at    time.Time
		want  string
		fired bool
	}{
		{"answered 92 ms late: breached, after steps fell due", answered, "breached 08:00:00.677", true},
		{"answered before any step: met, no thread", planAt(t, "07:30"), "met 07:30:00.000", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pl := planOf(t, p, planAt(t, "08:15"), rules.PlanInput{}, san2(rulestest.Comment(tc.at, "ayse@sanarise.com", true)))
			var got []string
			for _, s := range pl.Stops {
				if s.Goal == "first_response" {
					got = append(got, fmt.Sprintf("%s %s", s.Stop.Word(), s.Stop.At.UTC().Format("15:04:05.000")))
					if s.Fired != tc.fired {
						t.Errorf("fired %v, want %v", s.Fired, tc.fired)
					}
				}
			}
			if strings.Join(got, ", ") != tc.want {
				t.Errorf("stops %v, want %s", got, tc.want)
			}
			if n := dueSteps(pl, planAt(t, "08:15")); n != "" {
				t.Errorf("a stopped goal has notices: %s", n)
			}
		})
	}
}

// README, policy keys: "ladder.steps[].repeat: re-send the step every so
// long ..., as a reply in its thread, until the goal is met or
// acknowledged; a snooze delays the next repeat; only the latest due
// repeat is sent after downtime". SAN-2's 75% reminder repeating every
// 10 minutes of wall time.
func TestPlanRepeats(t *testing.T) {
	for _, tc := range []struct {
		name   string
		clicks []rules.Click
		now    string
		steps  string // every first-response notice: step@due (ahead ones too)
	}{
		{"due, with the first repeat ahead", nil, "07:46",
			"75%/agent@07:45:00.585, 75%/agent#1@07:55:00.585, breach/team_lead@08:00:00.585, breach+2h/management@10:00:00.585"},
		{"after downtime: only the latest repeat, and the next ahead", nil, "08:27",
			"75%/agent@07:45:00.585, 75%/agent#4@08:25:00.585, 75%/agent#5@08:35:00.585, breach/team_lead@08:00:00.585, breach+2h/management@10:00:00.585"},
		{"acknowledged: repeats stop", []rules.Click{click(t, rules.ClickAcknowledge, "U1", "07:50", 0)}, "08:27",
			"75%/agent@07:45:00.585, breach/team_lead@08:00:00.585, breach+2h/management@10:00:00.585"},
		{"snoozed (until the deadline, 08:00:00.585): the step and its repeats wait", []rules.Click{click(t, rules.ClickSnooze, "U2", "07:50", 30*time.Minute)}, "07:58",
			"breach/team_lead@08:00:00.585, breach+2h/management@10:00:00.585"},
		{"the snooze over: the latest repeat due, the next ahead", []rules.Click{click(t, rules.ClickSnooze, "U2", "07:50", 30*time.Minute)}, "08:01",
			"75%/agent@07:45:00.585, 75%/agent#1@07:55:00.585, 75%/agent#2@08:05:00.585, breach/team_lead@08:00:00.585, breach+2h/management@10:00:00.585"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := ownSeed(t, "sanarise")
			p.Ladder.Steps[0].Repeat = 10 * time.Minute
			pl := planOf(t, p, planAt(t, tc.now), rules.PlanInput{Clicks: map[string][]rules.Click{"SAN-2": tc.clicks}}, san2())
			var got []string
			for _, n := range pl.Notices {
				if n.Goal == "first_response" {
					got = append(got, n.Step+"@"+n.DueAt.UTC().Format("15:04:05.000"))
				}
			}
			if s := strings.Join(got, ", "); s != tc.steps {
				t.Errorf("notices:\n got %s\nwant %s", s, tc.steps)
			}
		})
	}
}

// Issue 25: with PlanInput.PublicURL every notice carries the link to the
// issue's page on slabot's listener; without it, none.
func TestPlanLinksToThePage(t *testing.T) {
	p := ownSeed(t, "sanarise")
	now := planCreated.Add(2 * time.Hour)
	for _, c := range []struct{ base, want string }{{"https://slabot.example.com/", "https://slabot.example.com/issue/SAN-2"}, {"", ""}} {
		pl := planOf(t, p, now, rules.PlanInput{PublicURL: c.base}, san2())
		if len(pl.Notices) == 0 {
			t.Fatal("no notices")
		}
		for _, n := range pl.Notices {
			if n.PageURL != c.want {
				t.Errorf("base %q: %s PageURL %q, want %q", c.base, n.Step, n.PageURL, c.want)
			}
		}
	}
}
