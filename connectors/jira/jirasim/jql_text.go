package jirasim

import (
	"fmt"
	"strings"
	"unicode"
)

// Text search: summary, description and text custom fields take CONTAINS
// (~) and DOES NOT CONTAIN (!~) only ("cannot be used with text fields;
// see the CONTAINS operator instead", Atlassian, JQL operators). The
// query is read as Atlassian's "Search syntax for text fields" (Jira
// Cloud) describes it: terms are not case-sensitive; terms without a
// Boolean operator are joined with AND; a trailing * matches any ending
// (and a trailing ?, which Cloud turns into *); a phrase in escaped quotes
// (summary ~ "\"full screen\"") matches the words in that order. The
// simulator matches whole words: it has no stemming and no OR/NOT inside
// the text query, so it finds no more than Jira would.

func (p *jqlParser) textClause(field, op string, vals []value, get func(*issue) string) (func(*issue) bool, error) {
	if op != "~" && op != "!~" {
		return nil, jqlError(fmt.Sprintf("The operator '%s' is not supported by the '%s' field.", op, field))
	}
	v := vals[0]
	terms := parseTextQuery(v.text)
	if v.fn != "" || len(terms) == 0 {
		return nil, jqlError(fmt.Sprintf("jirasim: the text query '%s' for field '%s' has no word to look for.", v.text, field))
	}
	neg := op == "!~"
	return func(i *issue) bool {
		words := textWords(get(i))
		for _, t := range terms {
			if !t.in(words) {
				return neg
			}
		}
		return !neg
	}, nil
}

// textOf reads summary, description, or all of an issue's text for the
// "text" field ("To perform a search of all text fields, use text ~
// ...", same page): summary, description, public comments (a restricted
// one is left out whoever searches: the simulator finds no more than Jira
// would), and text custom fields.
func (p *jqlParser) textOf(field string) func(*issue) string {
	switch field {
	case "summary":
		return func(i *issue) string { return i.summary }
	case "description":
		return func(i *issue) string { return i.description }
	}
	return func(i *issue) string {
		parts := []string{i.summary, i.description}
		for _, c := range i.comments {
			if !c.internal && c.vis == nil {
				parts = append(parts, c.body)
			}
		}
		for _, f := range p.s.fields {
			if v, ok := i.fields[f.ID].(string); ok && f.Type == FieldText {
				parts = append(parts, v)
			}
		}
		return strings.Join(parts, "\n")
	}
}

// textTerm is one word (prefix: it ended in * or ?) or a phrase.
type textTerm struct {
	words  []string
	prefix bool
}

func (t textTerm) in(words []string) bool {
	for i := 0; i+len(t.words) <= len(words); i++ {
		ok := true
		for j, w := range t.words {
			last := j == len(t.words)-1
			if words[i+j] != w && !(last && t.prefix && strings.HasPrefix(words[i+j], w)) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// parseTextQuery splits a text query into its terms.
func parseTextQuery(q string) []textTerm {
	var out []textTerm
	for n, part := range strings.Split(q, `"`) {
		phrase := n%2 == 1
		if phrase {
			if ws := textWords(part); len(ws) > 0 {
				out = append(out, textTerm{words: ws})
			}
			continue
		}
		for _, f := range strings.Fields(part) {
			if f == "AND" || f == "&&" || f == "+" {
				continue
			}
			prefix := strings.HasSuffix(f, "*") || strings.HasSuffix(f, "?")
			for _, w := range textWords(f) {
				out = append(out, textTerm{words: []string{w}, prefix: prefix})
			}
		}
	}
	return out
}

// textWords are the lower-cased runs of letters and digits of s.
func textWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}
