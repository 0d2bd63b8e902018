package bot

import (
	"time"

	"github.com/slabot/slabot/rules"
)

// The difference between what an issue holds and what the policy wants is
// rules.Policy.Patch; connectors/jira writes it. The worker only keeps its
// cache in line with what was written.

// applyToCache records a successful write on the cached issue, so the next
// evaluation sees it before Jira is read again: comments carry their
// markers (never posted twice), and a priority change enters the changelog
// (goals re-target from the cycle start).
func applyToCache(iss *rules.Issue, pt rules.Patch, bot string, now time.Time) {
	for name, v := range pt.Fields {
		if iss.Fields == nil {
			iss.Fields = map[string]rules.FieldValue{}
		}
		if v.IsZero() {
			delete(iss.Fields, name)
		} else {
			iss.Fields[name] = v
		}
	}
	if len(pt.AddLabels)+len(pt.RemoveLabels) > 0 {
		remove := map[string]bool{}
		for _, l := range pt.RemoveLabels {
			remove[l] = true
		}
		labels := iss.Labels[:0:0]
		for _, l := range iss.Labels {
			if !remove[l] {
				labels = append(labels, l)
			}
		}
		iss.Labels = append(labels, pt.AddLabels...)
	}
	if pt.Priority != "" {
		iss.Changes = append(iss.Changes, rules.Change{At: now, AuthorID: bot, Field: rules.FieldPriority, From: iss.Priority, To: pt.Priority})
		iss.Priority = pt.Priority
	}
	for _, c := range pt.Comments {
		iss.Comments = append(iss.Comments, rules.Comment{Author: rules.User{AccountID: bot}, Created: now, Body: c.Body, Public: !c.Internal})
	}
}
