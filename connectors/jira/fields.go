package jira

import (
	"fmt"
	"sort"
	"strings"

	gojira "github.com/andygrunwald/go-jira"

	"github.com/slabot/slabot/rules"
)

const orgFieldType = "com.atlassian.servicedesk:sd-customer-organizations"

// resolveFields maps configured names to site-specific ids. Custom field
// ids differ per site, and names are not unique in Jira, so a name must
// match exactly one field of the expected type.
func resolveFields(specs []rules.Field, orgName string, site []gojira.Field) ([]resolvedField, string, []string) {
	var out []resolvedField
	var probs []string
	for _, spec := range specs {
		same, other := candidates(spec, site)
		switch {
		case len(same) == 1:
			out = append(out, resolvedField{Name: spec.Name, ID: same[0].ID, Kind: spec.Kind, kept: newKept()})
		case len(same) > 1:
			probs = append(probs, fmt.Sprintf("field %q is ambiguous: %d %s fields have that name (%s); rename all but one in Jira "+
				"or configure the field by its id", spec.Name, len(same), jiraTypeName(spec.Kind), ids(same)))
		case len(other) > 0:
			probs = append(probs, fmt.Sprintf("field %q has the wrong type: %s is a %s field but the policy needs a %s field (%s)",
				spec.Name, ids(other), other[0].Schema.Type, spec.Kind, jiraTypeName(spec.Kind)))
		default:
			probs = append(probs, fmt.Sprintf("field %q does not exist on the site (or the bot account cannot see it): run slabot setup "+
				"(it creates it), or create a custom field of type %s named %q and add it to the project's screens, or fix the name in the policy",
				spec.Name, jiraTypeName(spec.Kind), spec.Name))
		}
	}
	var orgs []gojira.Field
	for _, f := range site {
		if f.Schema.Custom == orgFieldType && (orgName == "" || f.Name == orgName || f.ID == orgName) {
			orgs = append(orgs, f)
		}
	}
	orgID := ""
	switch {
	case len(orgs) == 1:
		orgID = orgs[0].ID
	case len(orgs) > 1:
		probs = append(probs, fmt.Sprintf("several JSM organizations fields exist (%s): configure which one to use", ids(orgs)))
	case orgName != "":
		probs = append(probs, fmt.Sprintf("the JSM organizations field %q does not exist on the site", orgName))
	}
	return out, orgID, probs
}

// candidates are the site's custom fields a spec names (by id, or by name
// ignoring case), split by whether their type can hold the spec's values.
// An exact-case match beats case-insensitive ones.
func candidates(spec rules.Field, site []gojira.Field) (same, other []gojira.Field) {
	for _, f := range site {
		if !f.Custom {
			continue
		}
		if f.ID == spec.Name || strings.EqualFold(f.Name, spec.Name) {
			if fieldFits(spec, f.Schema.Type) {
				same = append(same, f)
			} else {
				other = append(other, f)
			}
		}
	}
	if len(same) > 1 {
		var exact []gojira.Field
		for _, f := range same {
			if f.Name == spec.Name || f.ID == spec.Name {
				exact = append(exact, f)
			}
		}
		if len(exact) > 0 {
			same = exact
		}
	}
	return same, other
}

// fieldFits reports whether a site field of schema type t can hold spec's
// values. A field slabot only reads (customer, plan, qualification) may be
// a select list or a text field alike: both read as text.
func fieldFits(spec rules.Field, t string) bool {
	if t == schemaType[spec.Kind] {
		return true
	}
	textual := func(t string) bool { return t == "option" || t == "string" }
	return !spec.Written && textual(t) && textual(schemaType[spec.Kind])
}

func ids(fs []gojira.Field) string {
	var s []string
	for _, f := range fs {
		s = append(s, f.ID)
	}
	sort.Strings(s)
	return strings.Join(s, ", ")
}

func jiraTypeName(k rules.FieldKind) string {
	switch k {
	case rules.KindDatetime:
		return "Date Time Picker"
	case rules.KindOption:
		return "Select List (single choice)"
	case rules.KindText:
		return "Short text"
	case rules.KindNumber:
		return "Number"
	}
	return k.String()
}

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
