package main

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/slabot/slabot/connectors/jira"
	"github.com/slabot/slabot/rules"
)

// fieldSpecs lists the Jira custom fields the policies read or write, with
// the type each must have on the site: goal deadlines are date-time fields,
// goal states select lists, billed hours numbers, the customer and plan
// fields select lists, qualification fields text. overrides ("Name=type,..."
// from SLABOT_JIRA_FIELD_TYPES) changes a type where a site differs.
func fieldSpecs(policies []*rules.Policy, overrides string) ([]jira.FieldSpec, error) {
	types := map[string]jira.FieldType{}
	history := map[string]bool{} // fields whose changelog the engine reads
	add := func(name string, t jira.FieldType) {
		if name != "" {
			if _, ok := types[name]; !ok {
				types[name] = t
			}
		}
	}
	for _, p := range policies {
		for _, g := range p.Goals {
			add(g.DeadlineField, jira.Datetime)
			add(g.StateField, jira.Select)
		}
		add(p.Billing.Field, jira.Number)
		add(p.Customers.Field, jira.Select)
		add(p.Customers.PlanField, jira.Select)
		for _, it := range p.Qualification.Items {
			add(it.Field, jira.Text)
			history[it.Field] = it.Field != ""
		}
	}
	for _, pair := range strings.Split(overrides, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		name, typ, ok := strings.Cut(pair, "=")
		t := jira.FieldType(strings.ToLower(strings.TrimSpace(typ)))
		switch t {
		case jira.Datetime, jira.Select, jira.Text, jira.Number:
		default:
			ok = false
		}
		if !ok {
			return nil, fmt.Errorf("SLABOT_JIRA_FIELD_TYPES: %q: write Name=datetime|select|text|number", pair)
		}
		types[strings.TrimSpace(name)] = t
	}
	names := make([]string, 0, len(types))
	for n := range types {
		names = append(names, n)
	}
	sort.Strings(names)
	// The values a select list must offer, from every policy naming it.
	options := map[string][]string{}
	for _, p := range policies {
		for f, vs := range p.FieldOptions() {
			for _, v := range vs {
				if !slices.Contains(options[f], v) {
					options[f] = append(options[f], v)
				}
			}
		}
	}
	specs := make([]jira.FieldSpec, 0, len(names))
	for _, n := range names {
		spec := jira.FieldSpec{Name: n, Type: types[n], History: history[n]}
		if spec.Type == jira.Select {
			spec.Options = options[n]
		}
		specs = append(specs, spec)
	}
	return specs, nil
}
