package bot

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/slabot/slabot/rules"
)

// Reconcile returns what must be written for the issue to show outcome o:
// only fields whose value differs, labels slabot owns that are missing or
// no longer wanted (labels without the policy's prefix are never removed),
// a priority change, and one-time comments not yet posted. An issue already
// in line yields an empty Change, so a steady state writes nothing.
//
// While a goal is paused its deadline is a projection that moves with the
// clock; rewriting it every cycle would spend Jira's rate limit and flood
// the issue history. A paused goal's deadline field is therefore written
// only when it is empty; the state field says "paused", and the real
// deadline is written when the clock resumes.
func Reconcile(p *rules.Policy, o *rules.Outcome) Change {
	iss := o.Issue
	ch := Change{Key: iss.Key}
	for _, name := range sortedFieldNames(o.Fields) {
		want := o.Fields[name]
		if pausedDeadline(o, name) && iss.Fields[name] != "" {
			continue
		}
		if !sameValue(want, iss.Fields[name]) {
			if ch.Fields == nil {
				ch.Fields = map[string]rules.FieldValue{}
			}
			ch.Fields[name] = want
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
			ch.AddLabels = append(ch.AddLabels, l)
		}
	}
	for _, l := range iss.Labels {
		if strings.HasPrefix(l, p.LabelPrefix) && !wanted[l] {
			ch.RemoveLabels = append(ch.RemoveLabels, l)
		}
	}
	sort.Strings(ch.RemoveLabels)
	if o.SetPriority != "" && !strings.EqualFold(o.SetPriority, iss.Priority) {
		ch.Priority = o.SetPriority
	}
	ch.Comments = o.Comments
	return ch
}

// sameValue compares a wanted value with the string Jira holds. Datetimes
// compare as instants to the millisecond (Jira stores milliseconds and
// answers in its own zone); numbers compare numerically ("3" and "3.00").
func sameValue(want rules.FieldValue, have string) bool {
	if want.IsZero() {
		return have == ""
	}
	if !want.Time.IsZero() {
		t, ok := parseJiraTime(have)
		return ok && t.Truncate(time.Millisecond).Equal(want.Time.Truncate(time.Millisecond))
	}
	if want.Text == have {
		return true
	}
	a, err1 := strconv.ParseFloat(want.Text, 64)
	b, err2 := strconv.ParseFloat(have, 64)
	return err1 == nil && err2 == nil && a == b
}

func parseJiraTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000-0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func sortedFieldNames(m map[string]rules.FieldValue) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// applyToCache records a successful write on the cached issue, so the next
// evaluation sees it before Jira is read again: comments carry their
// markers (never posted twice), and a priority change enters the changelog
// (goals re-target from the cycle start).
func applyToCache(iss *rules.Issue, ch Change, bot string, now time.Time) {
	for name, v := range ch.Fields {
		if iss.Fields == nil {
			iss.Fields = map[string]string{}
		}
		switch {
		case v.IsZero():
			delete(iss.Fields, name)
		case !v.Time.IsZero():
			iss.Fields[name] = v.Time.Format(time.RFC3339Nano)
		default:
			iss.Fields[name] = v.Text
		}
	}
	if len(ch.AddLabels)+len(ch.RemoveLabels) > 0 {
		remove := map[string]bool{}
		for _, l := range ch.RemoveLabels {
			remove[l] = true
		}
		labels := iss.Labels[:0:0]
		for _, l := range iss.Labels {
			if !remove[l] {
				labels = append(labels, l)
			}
		}
		iss.Labels = append(labels, ch.AddLabels...)
	}
	if ch.Priority != "" {
		iss.Changes = append(iss.Changes, rules.Change{At: now, AuthorID: bot, Field: rules.FieldPriority, From: iss.Priority, To: ch.Priority})
		iss.Priority = ch.Priority
	}
	for _, c := range ch.Comments {
		iss.Comments = append(iss.Comments, rules.Comment{Author: rules.User{AccountID: bot}, Created: now, Body: c.Body, Public: !c.Internal})
	}
}

// pausedDeadline reports whether field is the deadline field of a paused goal.
func pausedDeadline(o *rules.Outcome, field string) bool {
	for i := range o.Goals {
		g := &o.Goals[i]
		if g.Goal.DeadlineField == field && g.State == rules.StatePaused {
			return true
		}
	}
	return false
}
