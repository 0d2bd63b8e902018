package rules

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Field is a Jira custom field the policy reads or writes, with its kind.
// The policy is the one place that says which field holds what:
// connectors/jira resolves the names on the site and checks the kinds.
type Field struct {
	Name string
	Kind FieldKind
	// Written fields are set by slabot (goal deadlines and states, billed
	// hours); the others are only read (customer, plan, qualification).
	Written bool
	// Options of an option field: the values slabot writes or matches
	// (FieldOptions). `slabot setup` makes sure each exists.
	Options []string
	// History marks a field whose changelog the engine reads (a
	// qualification checklist field: when it was filled in).
	History bool
}

// Fields returns the custom fields the policy reads or writes, by name.
func (p *Policy) Fields() []Field { return p.fields }

// fieldUse is one place in a policy file that names a Jira field.
type fieldUse struct {
	Field
	path string // YAML path of the name
	what string // what the policy uses it for
}

// fields lists the fields the policy names and refuses a field written from
// two places (two goals, a goal's deadline and its state, a goal and the
// billed hours) or written and also read: slabot would overwrite one value
// with the other every cycle. Both places are reported, with their lines.
func (c *compiler) fields(p *Policy, f *policyFile) {
	var uses []fieldUse
	add := func(name string, kind FieldKind, written bool, path, what string) {
		if strings.TrimSpace(name) != "" {
			uses = append(uses, fieldUse{Field{Name: name, Kind: kind, Written: written}, path, what})
		}
	}
	for i, g := range f.Goals {
		add(g.DeadlineField, KindDatetime, true, fmt.Sprintf("goals[%d].deadline_field", i), fmt.Sprintf("goal %q's deadline", g.Name))
		add(g.StateField, KindOption, true, fmt.Sprintf("goals[%d].state_field", i), fmt.Sprintf("goal %q's state", g.Name))
	}
	add(f.Billing.Field, KindNumber, true, "billing.field", "the billed support hours")
	add(f.Customers.Field, KindOption, false, "customers.field", "the customer")
	add(f.Customers.PlanField, KindOption, false, "customers.plan_field", "the plan")
	for i, it := range f.Qualification.Items {
		add(it.Field, KindText, false, fmt.Sprintf("qualification.items[%d].field", i), fmt.Sprintf("qualification item %q", it.Name))
		if it.Field != "" {
			uses[len(uses)-1].History = true
		}
	}

	first := map[string]int{} // lower-cased name -> index in uses of the first use
	byName := map[string]*Field{}
	for i, u := range uses {
		key := strings.ToLower(strings.TrimSpace(u.Name))
		j, seen := first[key]
		if !seen {
			first[key] = i
			fd := u.Field
			byName[key] = &fd
			continue
		}
		prev := uses[j]
		if u.Written || prev.Written {
			line, _ := c.pos.at(prev.path)
			c.problem(u.path, "give each value slabot writes a Jira field of its own (create another custom field), or stop reading the field slabot writes",
				"Jira field %q holds %s here and %s at %s:%d (%s): one would overwrite the other every cycle",
				u.Name, u.what, prev.what, c.file, line, prev.path)
			continue
		}
		// Read in two roles: fine, as text (an option's value reads as text).
		fd := byName[key]
		fd.History = fd.History || u.History
		if fd.Kind != u.Kind {
			fd.Kind = KindText
		}
	}
	options := p.FieldOptions()
	for _, fd := range byName {
		if fd.Kind == KindOption {
			fd.Options = options[fd.Name]
		}
		p.fields = append(p.fields, *fd)
	}
	sort.Slice(p.fields, func(a, b int) bool { return p.fields[a].Name < p.fields[b].Name })
}

// FieldsOf merges the fields of several policies (one Jira site serves
// them all). A field that policies give different kinds is an error.
func FieldsOf(policies []*Policy) ([]Field, error) {
	type seen struct {
		Field
		file string
	}
	byName := map[string]seen{}
	var probs []string
	for _, p := range policies {
		for _, fd := range p.fields {
			prev, ok := byName[fd.Name]
			switch {
			case !ok:
				byName[fd.Name] = seen{fd, p.File}
			case prev.Kind != fd.Kind && (prev.Written || fd.Written):
				probs = append(probs, fmt.Sprintf("Jira field %q is a %s field in %s but a %s field in %s: use one field per kind",
					fd.Name, prev.Kind, prev.file, fd.Kind, p.File))
			default:
				if fd.Written {
					prev.Written, prev.Kind = true, fd.Kind
				} else if prev.Kind != fd.Kind && !prev.Written {
					prev.Kind = KindText
				}
				prev.History = prev.History || fd.History
				prev.Options = slices.Clone(prev.Options)
				for _, o := range fd.Options {
					if !slices.Contains(prev.Options, o) {
						prev.Options = append(prev.Options, o)
					}
				}
				byName[fd.Name] = prev
			}
		}
	}
	if len(probs) > 0 {
		sort.Strings(probs)
		return nil, fmt.Errorf("%s", strings.Join(probs, "; "))
	}
	out := make([]Field, 0, len(byName))
	for _, s := range byName {
		if s.Kind != KindOption {
			s.Options = nil
		}
		out = append(out, s.Field)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Name < out[b].Name })
	return out, nil
}
