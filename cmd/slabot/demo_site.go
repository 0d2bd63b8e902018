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

// demoStart is the first instant of the simulated fortnight: Monday 2
// November 2026, just after midnight UTC. Like every instant of the demo
// it carries milliseconds, as Jira's timestamps do: a simulator tidier
// than the real service hides bugs (a deadline read back without its
// milliseconds was rewritten on every cycle).
var demoStart = time.Date(2026, 11, 2, 0, 0, 0, 250*int(time.Millisecond), time.UTC)

func demoSeed(policies []*rules.Policy) (jirasim.Seed, error) {
	seed := jirasim.DefaultSeed()
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
	user := func(id, name, email string, customer bool) jirasim.User {
		return jirasim.User{AccountID: id, DisplayName: name, Email: email, Customer: customer, TimeZone: "UTC"}
	}
	seed.Users = append(seed.Users[:1], // keep the bot account
		user(botronAgent, "Boris Botron", "boris@botronsoft.com", false),
		user(botronLead, "Lina Lead", "lina@botronsoft.com", false),
		user(botronCust, "Carl Customer", "carl@acme.example", true),
		user(hydraAgent, "Ivan Petrov", "ivan@latera.ru", false),
		user(hydraCust, "Olga Operator", "olga@telecom.example", true),
		user(b2beeAgent, "Maja Podpora", "maja@b2bee.si", false),
		user(b2beeAna, "Ana Novak", "ana@pekarna-novak.si", true),
		user(b2beeTina, "Tina Zupan", "tina@zupan.si", true),
		user(b2beeBoris, "Boris Novak", "boris@pekarna-novak.si", true),
		user(sanariseAgnt, "Ayşe Destek", "ayse@sanarise.com", false),
		user(sanariseCust, "Mehmet Client", "mehmet@client.com.tr", true),
		user(sanariseOthr, "Zeynep Other", "zeynep@other.com.tr", true),
	)
	return seed, nil
}
