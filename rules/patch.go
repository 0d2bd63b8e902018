package rules

import (
	"sort"
	"strings"
)

// Patch is what must be written to one issue for it to show its outcome:
// only the fields whose value differs, the labels to add and remove, a
// priority change and the one-time comments not yet posted. An issue
// already in line gets an empty patch, so a steady state writes nothing.
// connectors/jira applies it; nothing else knows Jira's formats.
type Patch struct {
	Key string
	// Fields to set, by the policy's field name; a zero value clears.
	Fields map[string]FieldValue
	// Priority to set (Jira name); empty leaves it.
	Priority string
	// AddLabels and RemoveLabels are applied as label operations, so labels
	// people add in the meantime survive.
	AddLabels, RemoveLabels []string
	// Comments to post, in order.
	Comments []NewComment
}

// Empty reports whether the patch writes nothing.
func (pt Patch) Empty() bool {
	return len(pt.Fields) == 0 && pt.Priority == "" && len(pt.AddLabels) == 0 && len(pt.RemoveLabels) == 0 && len(pt.Comments) == 0
}

// FieldNames returns the names of the fields the patch sets, sorted.
func (pt Patch) FieldNames() []string {
	names := make([]string, 0, len(pt.Fields))
	for n := range pt.Fields {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Patch computes what must be written for o.Issue to show o. It is the one
// place that compares wanted values with held ones (FieldValue.Equal, at
// the precision the field keeps).
//
// While a goal is paused its deadline is a projection that moves with the
// clock; rewriting it every cycle would spend Jira's rate limit and flood
// the issue history. A paused goal's deadline field is therefore written
// only when it is empty; the state field says "paused", and the real
// deadline is written when the clock resumes.
//
// Labels: slabot removes only labels it can produce itself (OwnsLabel),
// never another label, even one that starts with the policy's prefix.
func (p *Policy) Patch(o *Outcome) Patch {
	iss := o.Issue
	pt := Patch{Key: iss.Key}
	for name, want := range o.Fields {
		have := iss.Fields[name]
		if pausedDeadline(o, name) && !have.IsZero() {
			continue
		}
		if !want.Equal(have) {
			if pt.Fields == nil {
				pt.Fields = map[string]FieldValue{}
			}
			pt.Fields[name] = want
		}
	}
	have := make(map[string]bool, len(iss.Labels))
	for _, l := range iss.Labels {
		have[l] = true
	}
	wanted := make(map[string]bool, len(o.Labels))
	for _, l := range o.Labels {
		wanted[l] = true
		if !have[l] {
			pt.AddLabels = append(pt.AddLabels, l)
		}
	}
	for _, l := range iss.Labels {
		if !wanted[l] && p.OwnsLabel(l) {
			pt.RemoveLabels = append(pt.RemoveLabels, l)
		}
	}
	sort.Strings(pt.RemoveLabels)
	if o.SetPriority != "" && !strings.EqualFold(o.SetPriority, iss.Priority) {
		pt.Priority = o.SetPriority
	}
	pt.Comments = o.Comments
	return pt
}

// OwnsLabel reports whether l is in slabot's own vocabulary for this
// policy: a flag label (prefix + unknown-priority, over-quota, review, ...)
// or a goal's breached or at-risk label. Only these are ever removed; a
// label a person set stays, even when it starts with the prefix
// ("sla-waived-by-manager").
func (p *Policy) OwnsLabel(l string) bool {
	if !strings.HasPrefix(l, p.LabelPrefix) {
		return false
	}
	for _, own := range p.labels {
		if l == own {
			return true
		}
	}
	for _, g := range p.Goals {
		if l == g.breachedLabel || l == g.atRiskLabel {
			return true
		}
	}
	return false
}

// Labels returns slabot's label vocabulary for this policy, sorted: every
// label it may add, and so the only labels it may remove.
func (p *Policy) Labels() []string {
	out := make([]string, 0, len(p.labels)+2*len(p.Goals))
	for _, l := range p.labels {
		out = append(out, l)
	}
	for _, g := range p.Goals {
		out = append(out, g.breachedLabel, g.atRiskLabel)
	}
	sort.Strings(out)
	return out
}

// pausedDeadline reports whether field is the deadline field of a paused goal.
func pausedDeadline(o *Outcome, field string) bool {
	for i := range o.Goals {
		g := &o.Goals[i]
		if g.Goal.DeadlineField == field && g.State == StatePaused {
			return true
		}
	}
	return false
}
