package rules

import (
	"fmt"
	"strings"
	"time"
)

// ProposeAckComments proposes the one Jira comment per acknowledged goal
// cycle of o ("Acknowledged in Slack by ..."), internal unless the
// policy's acknowledgement rule says comment: public. It goes out through
// the ordinary write path: posted once, found again by its marker after a
// restart, retried while Jira refuses it.
func (p *Policy) ProposeAckComments(o *Outcome, cs []Click, bot string) {
	for _, a := range cs {
		if a.Kind != ClickAcknowledge {
			continue
		}
		loc := time.UTC
		if gs := o.Goal(a.Goal); gs != nil && gs.Calendar != nil {
			loc = gs.Calendar.Location()
		}
		name := a.Name
		if name == "" {
			name = a.User
		}
		body := fmt.Sprintf("Acknowledged in Slack by %s (Slack user %s) at %s: %s. %s.", name, a.User,
			a.At.In(loc).Format("Mon 2 Jan 2006 15:04 MST"), p.GoalTitle(a.Goal), upperFirst(p.Ladder.Ack.Describe()))
		o.ProposeComment(fmt.Sprintf("ack-%s-%d", a.Goal, a.Cycle), p.Ladder.Ack.Internal, bot, body)
	}
}

// GoalTitle is how messages name the policy's goal called name (Goal.Label).
func (p *Policy) GoalTitle(name string) string {
	for _, g := range p.Goals {
		if g.Name == name {
			return g.Label()
		}
	}
	return strings.ReplaceAll(name, "_", " ")
}

// Label is how messages and tables name the goal: its title, else its
// name with spaces.
func (g *Goal) Label() string {
	if g.Title != "" {
		return g.Title
	}
	return strings.ReplaceAll(g.Name, "_", " ")
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
