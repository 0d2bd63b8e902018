package rules

import (
	"strings"
	"time"
)

// applies reports whether the checklist covers the issue's type.
func (q *Qualification) applies(p *Policy, iss *Issue) bool {
	if len(q.Items) == 0 {
		return false
	}
	if q.Types == nil {
		return true
	}
	t := p.typeOf(iss.Type)
	return t != nil && q.Types[t.Name]
}

// missingInfo lists the checklist items the issue does not carry yet.
func (p *Policy) missingInfo(iss *Issue) []string {
	q := &p.Qualification
	if !q.applies(p, iss) {
		return nil
	}
	var missing []string
	for _, it := range q.Items {
		if !it.present(iss) {
			missing = append(missing, it.Name)
		}
	}
	return missing
}

func (it *QualificationItem) present(iss *Issue) bool {
	if it.Field != "" && strings.TrimSpace(iss.Fields[it.Field].String()) != "" {
		return true
	}
	if it.Summary != nil && it.Summary.MatchString(iss.Summary) {
		return true
	}
	return it.Description != nil && it.Description.MatchString(iss.Description)
}

// qualifiedAt estimates when a complete issue became complete: the last
// change to the summary, the description or a checklist field, or creation
// if none was changed. Jira keeps no per-item history, and the last edit to
// what the checklist reads is the earliest instant it is known complete.
func (p *Policy) qualifiedAt(iss *Issue) time.Time {
	t := iss.Created
	for _, ch := range iss.Changes {
		relevant := ch.Field == "summary" || ch.Field == "description"
		for _, it := range p.Qualification.Items {
			relevant = relevant || (it.Field != "" && strings.EqualFold(ch.Field, it.Field))
		}
		if relevant && ch.At.After(t) {
			t = ch.At
		}
	}
	return t
}
