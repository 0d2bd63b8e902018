package jirasim

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Custom fields in JQL, as admins write them: by number, cf[10010], or by
// name, quoted when it has spaces ("Customer Tier" = Premium); Atlassian's
// OpenAPI description shows both (a field's JQL reference is "the field
// name followed by a hyphen and then the custom field ID. For example,
// `Component - cf[10061]`", GET /rest/api/3/jql/autocompletedata). The
// operators a field takes follow its type:
//   - datetime: = != > >= < <= IN, NOT IN, IS [NOT] EMPTY, the date
//     operands of created and updated;
//   - number: = != > >= < <= IN, NOT IN, IS [NOT] EMPTY;
//   - select and organizations: = != IN, NOT IN, IS [NOT] EMPTY, values
//     compared without case;
//   - text: ~ !~ IS [NOT] EMPTY (text search, jql_text.go); = is refused
//     as on summary ("The operator '=' is not supported by the 'summary'
//     field.", the OpenAPI description's example of POST /jql/parse).
//
// A select option that does not exist is not refused: the wording of
// Jira's answer is not in the documents at hand.

var cfRef = regexp.MustCompile(`^(?i:cf)\[(\d+)\]$`)

// customField resolves a JQL field reference to a custom field, nil when
// none has that number or name.
func (p *jqlParser) customField(ref string) *field {
	if m := cfRef.FindStringSubmatch(ref); m != nil {
		return p.s.fieldByID["customfield_"+m[1]]
	}
	for _, f := range p.s.fields {
		if strings.EqualFold(f.Name, ref) {
			return f
		}
	}
	return nil
}

// customGetter returns a custom field's values as strings (none when
// empty), for IS EMPTY and the equality operators.
func customGetter(f *field) func(*issue) []string {
	return func(i *issue) []string {
		switch v := i.fields[f.ID].(type) {
		case nil:
			return nil
		case string:
			if v == "" {
				return nil
			}
			return []string{v}
		case []string:
			return v
		case time.Time:
			return []string{v.String()}
		case float64:
			return []string{strconv.FormatFloat(v, 'f', -1, 64)}
		default:
			return []string{fmt.Sprint(v)}
		}
	}
}

func (p *jqlParser) customClause(f *field, name, op string, neg bool, vals []value) (func(*issue) bool, error) {
	unsupported := func() error {
		return jqlError(fmt.Sprintf("The operator '%s' is not supported by the '%s' field.", op, name))
	}
	switch f.Type {
	case FieldDatetime:
		if op == "~" || op == "!~" {
			return nil, unsupported()
		}
		return p.dateClause(name, op, neg, vals, func(i *issue) time.Time {
			t, _ := i.fields[f.ID].(time.Time)
			return t
		})
	case FieldText:
		return p.textClause(name, op, vals, func(i *issue) string {
			s, _ := i.fields[f.ID].(string)
			return s
		})
	case FieldNumber:
		return p.numberClause(f, name, op, neg, vals)
	}
	// select, organizations
	if op != "=" && op != "!=" && op != "in" {
		return nil, unsupported()
	}
	want := map[string]bool{}
	wantEmpty := false
	for _, v := range vals {
		if v.isEmpty() {
			wantEmpty = true
			continue
		}
		want[strings.ToLower(v.text)] = true
	}
	if op == "!=" {
		neg = true
	}
	get := customGetter(f)
	return func(i *issue) bool {
		have := get(i)
		if len(have) == 0 {
			return wantEmpty && !neg
		}
		for _, h := range have {
			if want[strings.ToLower(h)] {
				return !neg
			}
		}
		return neg
	}, nil
}

func (p *jqlParser) numberClause(f *field, name, op string, neg bool, vals []value) (func(*issue) bool, error) {
	var xs []float64
	for _, v := range vals {
		x, err := strconv.ParseFloat(v.text, 64)
		if err != nil || v.fn != "" {
			// Jira's wording for this is not in the documents at hand.
			return nil, jqlError(fmt.Sprintf("jirasim: '%s' is not a number, as field '%s' needs.", v.text, name))
		}
		xs = append(xs, x)
	}
	x := xs[0]
	var cmp func(float64) bool
	switch op {
	case "=":
		cmp = func(y float64) bool { return y == x }
	case "!=":
		cmp = func(y float64) bool { return y != x }
	case ">":
		cmp = func(y float64) bool { return y > x }
	case ">=":
		cmp = func(y float64) bool { return y >= x }
	case "<":
		cmp = func(y float64) bool { return y < x }
	case "<=":
		cmp = func(y float64) bool { return y <= x }
	case "in":
		cmp = func(y float64) bool {
			for _, z := range xs {
				if y == z {
					return true
				}
			}
			return false
		}
	default:
		return nil, jqlError(fmt.Sprintf("The operator '%s' is not supported by the '%s' field.", op, name))
	}
	return func(i *issue) bool {
		y, ok := i.fields[f.ID].(float64)
		if !ok {
			return false
		}
		return cmp(y) != neg
	}, nil
}
