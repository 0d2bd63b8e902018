package bot

import (
	"slices"
	"time"

	"github.com/slabot/slabot/rules"
)

// agentTarget is where the agent rung goes while a holds the issue: a's
// DM, or the fallback channel (nil: unassigned, or no Slack user).
func agentTarget(fallback string, a *rules.User) rules.Recipient {
	t := rules.Recipient{FallbackChannel: fallback}
	if a != nil {
		t.AssigneeAccountID, t.AssigneeEmail, t.AssigneeName = a.AccountID, a.Email, a.DisplayName
	}
	return t
}

// earlierTargets are where the agent rung's step due at due would have
// gone for each person who held the issue since then other than its
// current assignee (rules.Issue.AssigneesSince): the places it may already
// be in Slack. None when the issue has not changed hands since.
func earlierTargets(iss *rules.Issue, due time.Time, fallback string, known *emails) []rules.Recipient {
	var out []rules.Recipient
	for _, h := range iss.AssigneesSince(due) {
		if h == nil && iss.Assignee == nil || h != nil && iss.Assignee != nil && h.AccountID == iss.Assignee.AccountID {
			continue
		}
		if h != nil && h.Email == "" {
			h.Email = known.of(h.AccountID)
		}
		if t := agentTarget(fallback, h); !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// emails finds a Jira account's e-mail among the product's cached issues.
// A changelog names a past assignee by accountId and display name only,
// and finding their Slack user may take the e-mail (users.lookupByEmail):
// an agent shows up as assignee, commenter or worklog author on other
// issues. Built on first use, for one cycle.
type emails struct {
	cache map[string]*rules.Issue
	byID  map[string]string
}

func (m *emails) of(id string) string {
	if m.byID == nil {
		m.byID = map[string]string{}
		note := func(u *rules.User) {
			if u != nil && u.AccountID != "" && u.Email != "" {
				m.byID[u.AccountID] = u.Email
			}
		}
		for _, iss := range m.cache {
			note(iss.Assignee)
			note(&iss.Reporter)
			for i := range iss.Comments {
				note(&iss.Comments[i].Author)
			}
			for i := range iss.Worklogs {
				note(&iss.Worklogs[i].Author)
			}
		}
	}
	return m.byID[id]
}
