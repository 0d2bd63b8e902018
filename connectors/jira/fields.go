package jira

import (
	"fmt"
	"sort"
	"strings"

	gojira "github.com/andygrunwald/go-jira"
)

const orgFieldType = "com.atlassian.servicedesk:sd-customer-organizations"

// resolveFields maps configured names to site-specific ids. Custom field
// ids differ per site, and names are not unique in Jira, so a name must
// match exactly one field of the expected type.
func resolveFields(specs []FieldSpec, orgName string, site []gojira.Field) ([]resolvedField, string, []string) {
	var out []resolvedField
	var probs []string
	for _, spec := range specs {
		same, other := candidates(spec, site)
		switch {
		case len(same) == 1:
			out = append(out, resolvedField{Name: spec.Name, ID: same[0].ID, Type: spec.Type})
		case len(same) > 1:
			probs = append(probs, fmt.Sprintf("field %q is ambiguous: %d %s fields have that name (%s); rename all but one in Jira "+
				"or configure the field by its id", spec.Name, len(same), spec.Type, ids(same)))
		case len(other) > 0:
			probs = append(probs, fmt.Sprintf("field %q has the wrong type: %s is a %s field but the policy needs a %s field (%s)",
				spec.Name, ids(other), other[0].Schema.Type, spec.Type, jiraTypeName(spec.Type)))
		default:
			probs = append(probs, fmt.Sprintf("field %q does not exist on the site (or the bot account cannot see it): create a "+
				"custom field of type %s named %q and add it to the project's screens, or fix the name in the policy",
				spec.Name, jiraTypeName(spec.Type), spec.Name))
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
// ignoring case), split by whether their type is the one the spec needs.
// An exact-case match beats case-insensitive ones.
func candidates(spec FieldSpec, site []gojira.Field) (same, other []gojira.Field) {
	want := schemaType[spec.Type]
	for _, f := range site {
		if !f.Custom {
			continue
		}
		if f.ID == spec.Name || strings.EqualFold(f.Name, spec.Name) {
			if f.Schema.Type == want {
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

func ids(fs []gojira.Field) string {
	var s []string
	for _, f := range fs {
		s = append(s, f.ID)
	}
	sort.Strings(s)
	return strings.Join(s, ", ")
}

func jiraTypeName(t FieldType) string {
	switch t {
	case Datetime:
		return "Date Time Picker"
	case Select:
		return "Select List (single choice)"
	case Text:
		return "Short text"
	case Number:
		return "Number"
	}
	return string(t)
}

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func sortStrings(s []string) { sort.Strings(s) }
