package main

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/slabot/slabot/connectors/jira/jirasim"
)

// scriptEvent is one thing people do in Jira during the demo fortnight.
type scriptEvent struct {
	at   time.Time
	what string
	do   func(s *jirasim.Server, keys map[string]string, at time.Time) error
	// press, when set instead of do, is a click in Slack (demo_clicks.go).
	press func(ctx context.Context, d *demoEnv, at time.Time) error
}

// utc reads a script instant and gives it milliseconds, as Jira's stamps
// have: people do not act on whole seconds. The milliseconds depend on the
// minute only, so events of one minute keep their order and stay within it.
func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err) // the script is a constant
	}
	return t.Add(time.Duration(1+(t.Unix()/60*7919)%998) * time.Millisecond)
}

func create(alias, at, project, typ, prio, reporter, summary, desc string, orgs ...string) scriptEvent {
	return scriptEvent{at: utc(at), what: fmt.Sprintf("%s opens %s %q", reporter, alias, summary),
		do: func(s *jirasim.Server, keys map[string]string, at time.Time) error {
			key, err := s.CreateIssue(jirasim.Issue{Project: project, Type: typ, Priority: prio, Reporter: reporter,
				Summary: summary, Description: desc, Organizations: orgs, Created: at, Status: "Open"})
			keys[alias] = key
			return err
		}}
}

func move(alias, at, status, actor string) scriptEvent {
	return scriptEvent{at: utc(at), what: fmt.Sprintf("%s moves %s to %s", actor, alias, status),
		do: func(s *jirasim.Server, keys map[string]string, at time.Time) error {
			return s.Transition(keys[alias], status, actor, at)
		}}
}

func reply(alias, at, author, body string) scriptEvent {
	return scriptEvent{at: utc(at), what: fmt.Sprintf("%s comments on %s", author, alias),
		do: func(s *jirasim.Server, keys map[string]string, at time.Time) error {
			_, err := s.AddComment(keys[alias], author, body, false, at)
			return err
		}}
}

func assign(alias, at, assignee string) scriptEvent {
	return scriptEvent{at: utc(at), what: fmt.Sprintf("%s is assigned to %s", alias, assignee),
		do: func(s *jirasim.Server, keys map[string]string, at time.Time) error {
			return s.Assign(keys[alias], assignee, assignee, at)
		}}
}

func logWork(alias, at, author string, d time.Duration) scriptEvent {
	return scriptEvent{at: utc(at), what: fmt.Sprintf("%s logs %s on %s", author, d, alias),
		do: func(s *jirasim.Server, keys map[string]string, at time.Time) error {
			return s.LogWork(keys[alias], jirasim.Worklog{Author: author, Started: at, SpentSeconds: int(d.Seconds())})
		}}
}

// demoScript plays a fortnight that exercises every seed contract: a
// weekend, a holiday, a pause, a reopen, over-quota credits and the daily
// cap, a priority the type does not allow, missing information, work after
// hours, four issues in one day, and a breach that climbs all three rungs.
func demoScript() []scriptEvent {
	ev := []scriptEvent{
		// Botron: 06:00-22:00 GMT, first response in 1 business day (16h).
		create("bot-pause", "2026-11-03T09:00:00Z", "BCFG", "Question", "Medium", botronCust, "Configuration Manager 4.2: how to copy schemes?", "How can I copy schemes between instances?"),
		move("bot-pause", "2026-11-03T10:00:00Z", "Waiting for customer", botronAgent),
		move("bot-pause", "2026-11-05T11:00:00Z", "In Progress", botronCust),
		reply("bot-pause", "2026-11-05T12:00:00Z", botronAgent, "Use the snapshot feature: Admin > Snapshots."),
		create("bot-weekend", "2026-11-06T20:00:00Z", "BPRM", "Bug", "High", botronCust, "Power Scripts broken", "It fails."),
		reply("bot-weekend", "2026-11-09T09:00:00Z", botronAgent, "Please send the log file."),
		create("bot-climb", "2026-11-09T10:00:00Z", "BEXP", "Question", "Medium", botronCust, "Exporter 3.1 licence transfer", "Can we move the licence to a new server?"),
		assign("bot-climb", "2026-11-09T10:05:00Z", botronAgent),
		// The team lead acts from Slack: snoozes the agent's reminder (level
		// 1), at breach acknowledges the team lead's message (level 2:
		// management is still told, as the policy says), and in the
		// afternoon takes the issue herself.
		press("bot-climb", "2026-11-10T08:00:00Z", "slabot.snooze.30m"),
		press("bot-climb", "2026-11-10T10:30:00Z", "slabot.ack"),
		press("bot-climb", "2026-11-10T14:00:00Z", "slabot.claim"),
		reply("bot-climb", "2026-11-12T09:00:00Z", botronAgent, "Sorry for the delay: yes, we will transfer it today."),

		// Hydra: 10:00-19:00 Moscow, Unity Day (4 November) off.
		create("hyd-holiday", "2026-11-03T14:00:00Z", "HYD", "Incident", "High", hydraCust, "Billing run stuck", "The nightly billing run is stuck since 16:00."),
		reply("hyd-holiday", "2026-11-05T08:00:00Z", hydraAgent, "We are looking at the billing queue."),
		create("hyd-priority", "2026-11-10T08:00:00Z", "HYD", "Question", "Highest", hydraCust, "How to export invoices?", "Where is the export?"),
		reply("hyd-priority", "2026-11-10T09:00:00Z", hydraAgent, "Reports > Invoices > Export."),
		create("hyd-update", "2026-11-11T07:30:00Z", "HYD", "Update", "Medium", hydraCust, "Install release 5.2", "Please install 5.2 tonight."),
		reply("hyd-update", "2026-11-11T08:00:00Z", hydraAgent, "Scheduled for 18:00 Moscow time."),
		logWork("hyd-update", "2026-11-11T15:00:00Z", hydraAgent, 3*time.Hour),
		move("hyd-update", "2026-11-11T18:30:00Z", "Done", hydraAgent),

		// B2Bee: credits 1 (basic) / 10 (premium) a month, at most 2 a day.
		create("b2b-first", "2026-11-03T08:00:00Z", "B2B", "Question", "Medium", b2beeAna, "Price list import", "How do I import a price list?", "Pekarna Novak"),
		reply("b2b-first", "2026-11-03T09:00:00Z", b2beeAgent, "Use Settings > Import."),
		create("b2b-second", "2026-11-10T08:00:00Z", "B2B", "Question", "Low", b2beeAna, "Second question this month", "And the VAT rates?", "Pekarna Novak"),
		reply("b2b-second", "2026-11-10T12:00:00Z", b2beeAgent, "VAT rates are under Settings > Taxes."),
		create("b2b-day1", "2026-11-04T07:00:00Z", "B2B", "Question", "Medium", b2beeTina, "Order sync", "Orders do not sync.", "Trgovina Zupan"),
		create("b2b-day2", "2026-11-04T08:00:00Z", "B2B", "Question", "Medium", b2beeTina, "Invoice layout", "Logo missing.", "Trgovina Zupan"),
		create("b2b-day3", "2026-11-04T09:00:00Z", "B2B", "Question", "Medium", b2beeTina, "User rights", "New user cannot log in.", "Trgovina Zupan"),
		reply("b2b-day1", "2026-11-04T09:30:00Z", b2beeAgent, "Fixed the sync job."),
		reply("b2b-day2", "2026-11-04T09:40:00Z", b2beeAgent, "Upload the logo again."),
		reply("b2b-day3", "2026-11-04T09:50:00Z", b2beeAgent, "Rights granted."),
		create("b2b-unreg", "2026-11-12T10:00:00Z", "B2B", "Question", "Highest", b2beeBoris, "Shop down", "The web shop is down!", "Pekarna Novak"),
		reply("b2b-unreg", "2026-11-12T10:30:00Z", b2beeAgent, "Restarted; it is up."),

		// Sanarise: 09:00-18:00 Istanbul, critical 24/7, resolution after qualification.
		create("san-reopen", "2026-11-02T07:00:00Z", "SAN", "Report a Problem/Bug", "High", sanariseCust, "Invoices not posted", "Posting fails with an error."),
		reply("san-reopen", "2026-11-02T07:30:00Z", sanariseAgnt, "We are qualifying the issue."),
		move("san-reopen", "2026-11-02T07:30:00Z", "Qualification", sanariseAgnt),
		move("san-reopen", "2026-11-02T08:00:00Z", "In Progress", sanariseAgnt),
		move("san-reopen", "2026-11-02T12:00:00Z", "Done", sanariseAgnt),
		move("san-reopen", "2026-11-05T07:00:00Z", "Reopened", sanariseCust),
		move("san-reopen", "2026-11-05T10:00:00Z", "Done", sanariseAgnt),
		create("san-wrongprio", "2026-11-03T07:00:00Z", "SAN", "Website Issue", "Critical", sanariseCust, "Banner misaligned", "The banner is off by 2px."),
		reply("san-wrongprio", "2026-11-03T08:00:00Z", sanariseAgnt, "Looking at the CSS."),
		create("san-day1", "2026-11-10T06:10:00Z", "SAN", "Question in Use or Configuration of Odoo", "Medium", sanariseCust, "Question 1", "How to add a user?"),
		create("san-day2", "2026-11-10T07:00:00Z", "SAN", "Question in Use or Configuration of Odoo", "Medium", sanariseCust, "Question 2", "How to add a warehouse?"),
		create("san-day3", "2026-11-10T08:00:00Z", "SAN", "Question in Use or Configuration of Odoo", "Medium", sanariseCust, "Question 3", "How to add a journal?"),
		create("san-day4", "2026-11-10T09:00:00Z", "SAN", "Question in Use or Configuration of Odoo", "Medium", sanariseCust, "Question 4", "How to add a tax?"),
		reply("san-day1", "2026-11-10T08:00:00Z", sanariseAgnt, "Settings > Users."),
		reply("san-day2", "2026-11-10T08:30:00Z", sanariseAgnt, "Inventory > Warehouses."),
		reply("san-day3", "2026-11-10T09:00:00Z", sanariseAgnt, "Accounting > Journals."),
		reply("san-day4", "2026-11-10T10:00:00Z", sanariseAgnt, "Accounting > Taxes."),
		create("san-critical", "2026-11-07T23:00:00Z", "SAN", "Cannot Access Website/Database", "Critical", sanariseOthr, "Database unreachable", "Saturday night: the database is down."),
		reply("san-critical", "2026-11-07T23:40:00Z", sanariseAgnt, "On it, restarting the server."),
	}
	sortScript(ev)
	return ev
}

// demoScenarios tags each scripted issue with what it shows, for the
// demo's tables.
var demoScenarios = map[string]string{
	"bot-pause":     "pause: waiting for customer",
	"bot-weekend":   "weekend; missing information",
	"bot-climb":     "breach climbs all three rungs; snooze, ack, claim in Slack",
	"hyd-holiday":   "holiday (Unity Day, 4 Nov)",
	"hyd-priority":  "priority the type does not allow",
	"hyd-update":    "work after hours (billed double)", // deploy/policies/hydra.yaml: "charged at double rate", after_hours_multiplier: 2
	"b2b-first":     "first credit of the month",
	"b2b-second":    "over quota (basic plan)",
	"b2b-day1":      "three in a day: daily cap",
	"b2b-day2":      "three in a day: daily cap",
	"b2b-day3":      "three in a day: daily cap",
	"b2b-unreg":     "unregistered person, over quota",
	"san-reopen":    "reopen: a new cycle",
	"san-wrongprio": "priority the type does not allow",
	"san-day1":      "four in a day: review",
	"san-day2":      "four in a day: review",
	"san-day3":      "four in a day: review",
	"san-day4":      "four in a day: review",
	"san-critical":  "critical, 24/7 at the weekend",
}

func sortScript(ev []scriptEvent) {
	sort.SliceStable(ev, func(i, j int) bool { return ev[i].at.Before(ev[j].at) })
}
