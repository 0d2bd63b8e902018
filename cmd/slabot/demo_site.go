package main

import (
	"time"

	"github.com/slabot/slabot/connectors/jira/jirasim"
	"github.com/slabot/slabot/rules"
)

// The demo's Jira site: the four seed products' projects, the issue types
// and priorities their policies map, the statuses their clocks watch, the
// SLA fields, and the people: slabot, each vendor's agents and leads, and
// their customers.

const (
	demoBot = jirasim.BotAccountID

	botronAgent  = "botron-agent"
	botronLead   = "botron-lead"
	botronCust   = "botron-customer"
	hydraAgent   = "hydra-agent"
	hydraCust    = "hydra-customer"
	b2beeAgent   = "b2bee-agent"
	b2beeAna     = "b2bee-ana"   // Pekarna Novak, registered
	b2beeTina    = "b2bee-tina"  // Trgovina Zupan, registered
	b2beeBoris   = "b2bee-boris" // Pekarna Novak, not registered
	sanariseAgnt = "sanarise-agent"
	sanariseCust = "sanarise-client"
	sanariseOthr = "sanarise-other"
)

// The demo site is as untidy as a real one (issue 22): search lags behind
// changes, the API rate-limits, and its people work in their own time
// zones. These are rehearsal settings, chosen so that every demo run meets
// each condition; none is a figure measured on a real site:
//
//   - Search lag: Atlassian says the delay before search/jql sees a change
//     "might vary from a few seconds to minutes, depending on the
//     operation. The majority of modifications are shown within seconds"
//     (developer.atlassian.com/cloud/jira/platform/search-and-reconcile).
//     The demo site lags 30 s; slabot is told what `slabot run` assumes by
//     default (SLABOT_JIRA_INDEX_LAG, 1m), which covers it.
//   - Rate limits: the per-issue write windows are Atlassian's (20 writes
//     per 2 s and 100 per 30 s on one issue, jirasim.CloudLimits). Atlassian
//     does not publish the per-endpoint burst limit ("REST API rate limits
//     are not published", developer.atlassian.com/cloud/jira/platform/rate-limiting),
//     so the demo's bucket is sized to be met: 3 requests per endpoint and
//     method at once, refilled at 10 a second. The four products poll at
//     the same instant, so the fourth search of a tick answers 429 with
//     Retry-After: 1 and slabot waits it out, as a real site makes it do.
//   - Time zones: each vendor's people in their country's zone, customers
//     in zones of their own, the site's default zone Europe/Sofia, and
//     slabot's account in America/St_Johns (UTC-03:30 in November: west of
//     UTC and half an hour off every policy's zone). JQL date literals are
//     read in the searching account's zone, so a client that wrote its
//     "updated >=" literal in UTC would ask for changes from 3.5 h later
//     than it meant and miss them. The zones are the demo's choice, not the
//     vendors' facts.
const (
	demoIndexLag       = 30 * time.Second
	demoClientIndexLag = time.Minute // SLABOT_JIRA_INDEX_LAG's default (config.go)
	demoBotZone        = "America/St_Johns"
	demoSiteZone       = "Europe/Sofia"
)

// demoLimits are the demo site's rate limits (see above).
func demoLimits() jirasim.Limits {
	l := jirasim.CloudLimits()
	l.Burst, l.PerSecond = 3, 10
	return l
}

// demoSite is the demo's Jira site options: its search lag and rate
// limits (the zones are in demoSeed). `slabot demo`, `demo --serve` and
// the tests of the demo's fortnight run on it.
func demoSite() jirasim.Options {
	return jirasim.Options{IndexLag: demoIndexLag, Limits: demoLimits()}
}

// demoStart is the first instant of the simulated fortnight: Monday 2
// November 2026, just after midnight UTC. Like every instant of the demo
// it carries milliseconds, as Jira's timestamps do: a simulator tidier
// than the real service hides bugs (a deadline read back without its
// milliseconds was rewritten on every cycle).
var demoStart = time.Date(2026, 11, 2, 0, 0, 0, 250*int(time.Millisecond), time.UTC)

func demoSeed(policies []*rules.Policy) (jirasim.Seed, error) {
	seed := jirasim.DefaultSeed()
	seed.TimeZone = demoSiteZone
	seed.Projects = nil
	for _, p := range policies {
		for _, k := range p.Projects {
			seed.Projects = append(seed.Projects, jirasim.Project{Key: k, Name: p.Product + " " + k, ServiceDesk: true})
		}
	}
	typeSeen := map[string]bool{}
	seed.IssueTypes = nil
	prioSeen := map[string]bool{}
	seed.Priorities = nil
	for _, p := range policies {
		for _, t := range p.Types {
			for _, j := range t.Jira {
				if !typeSeen[j] {
					typeSeen[j] = true
					seed.IssueTypes = append(seed.IssueTypes, jirasim.IssueType{Name: j})
				}
			}
		}
		for _, pr := range p.Priorities {
			for _, j := range pr.Jira {
				if !prioSeen[j] {
					prioSeen[j] = true
					seed.Priorities = append(seed.Priorities, jirasim.Priority{Name: j})
				}
			}
		}
	}
	seed.Statuses = []jirasim.Status{
		{Name: "Open", Category: jirasim.CategoryNew},
		{Name: "Qualification", Category: jirasim.CategoryInProgress},
		{Name: "In Progress", Category: jirasim.CategoryInProgress},
		{Name: "Waiting for customer", Category: jirasim.CategoryInProgress},
		{Name: "Waiting for verification", Category: jirasim.CategoryInProgress},
		{Name: "Reopened", Category: jirasim.CategoryInProgress},
		{Name: "Done", Category: jirasim.CategoryDone},
	}
	specs, err := rules.FieldsOf(policies)
	if err != nil {
		return seed, err
	}
	seed.Fields = []jirasim.Field{{Name: "Organizations", Type: jirasim.FieldOrganizations}}
	simType := map[rules.FieldKind]jirasim.FieldType{rules.KindDatetime: jirasim.FieldDatetime, rules.KindOption: jirasim.FieldSelect,
		rules.KindText: jirasim.FieldText, rules.KindNumber: jirasim.FieldNumber}
	for _, s := range specs {
		seed.Fields = append(seed.Fields, jirasim.Field{Name: s.Name, Type: simType[s.Kind], Options: s.Options})
	}
	user := func(id, name, email string, customer bool, zone string) jirasim.User {
		return jirasim.User{AccountID: id, DisplayName: name, Email: email, Customer: customer, TimeZone: zone}
	}
	seed.Users[0].TimeZone = demoBotZone // the bot account, kept
	seed.Users = append(seed.Users[:1],
		user(botronAgent, "Boris Botron", "boris@botronsoft.com", false, "Europe/Sofia"),
		user(botronLead, "Lina Lead", "lina@botronsoft.com", false, "Europe/Sofia"),
		user(botronCust, "Carl Customer", "carl@acme.example", true, "America/Chicago"),
		user(hydraAgent, "Ivan Petrov", "ivan@latera.ru", false, "Europe/Moscow"),
		user(hydraCust, "Olga Operator", "olga@telecom.example", true, "Asia/Yekaterinburg"),
		user(b2beeAgent, "Maja Podpora", "maja@b2bee.si", false, "Europe/Ljubljana"),
		user(b2beeAna, "Ana Novak", "ana@pekarna-novak.si", true, "Europe/Ljubljana"),
		user(b2beeTina, "Tina Zupan", "tina@zupan.si", true, "Europe/Ljubljana"),
		user(b2beeBoris, "Boris Novak", "boris@pekarna-novak.si", true, ""), // the site's default zone
		user(sanariseAgnt, "Ayşe Destek", "ayse@sanarise.com", false, "Europe/Istanbul"),
		user(sanariseCust, "Mehmet Client", "mehmet@client.com.tr", true, "Europe/Istanbul"),
		user(sanariseOthr, "Zeynep Other", "zeynep@other.com.tr", true, "Asia/Dubai"),
	)
	return seed, nil
}
