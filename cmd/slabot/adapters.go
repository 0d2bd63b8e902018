package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/slabot/slabot/bot"
	"github.com/slabot/slabot/connectors/jira"
	"github.com/slabot/slabot/rules"
)

// jiraPort adapts the Jira client to the worker's IssueSource and
// IssueWriter: the worker knows nothing of Jira's wire types.
type jiraPort struct {
	c   *jira.Client
	now func() time.Time // the clock relative JQL dates are measured on
}

// Changed polls incrementally from the stored cursor; an empty cursor
// resyncs: every open issue plus every issue updated within the window the
// worker keeps (relative JQL dates, so no time zone is involved).
func (j jiraPort) Changed(ctx context.Context, projects []string, cursor string, since time.Time) ([]rules.Issue, string, error) {
	if cursor != "" {
		var cur jira.Cursor
		if err := json.Unmarshal([]byte(cursor), &cur); err != nil {
			return nil, "", fmt.Errorf("cursor of %v is unreadable (%v): delete it to resync", projects, err)
		}
		issues, next, err := j.c.ChangedIn(ctx, projects, cur)
		if err != nil {
			return nil, "", err
		}
		b, err := json.Marshal(next)
		return issues, string(b), err
	}
	days := int(j.now().Sub(since).Hours()/24) + 1
	if days < 1 {
		days = 1
	}
	rest := fmt.Sprintf(" AND (statusCategory != Done OR updated >= -%dd) ORDER BY updated ASC", days)
	var issues []rules.Issue
	var next jira.Cursor
	// A project Jira refuses is logged and counted by the client; the
	// product's other projects are still read.
	_, err := j.c.SearchProjects(ctx, projects, rest, func(is rules.Issue) error {
		issues = append(issues, is)
		if is.Updated.After(next.Updated) {
			next.Updated = is.Updated
		}
		return nil
	}, func() { issues, next = nil, jira.Cursor{} })
	if err != nil {
		return nil, "", err
	}
	b, err := json.Marshal(next)
	return issues, string(b), err
}

// Apply writes one patch; refused fields come back with Jira's reason and
// the fix.
func (j jiraPort) Apply(ctx context.Context, pt rules.Patch) (map[string]string, error) {
	done, err := j.c.Apply(ctx, pt)
	var refused map[string]string
	for _, r := range done.Refused {
		if refused == nil {
			refused = map[string]string{}
		}
		refused[r.Field] = r.String()
	}
	var nf *jira.NotFoundError
	if errors.As(err, &nf) {
		return refused, fmt.Errorf("%w: %w", bot.ErrIssueGone, err)
	}
	return refused, err
}

// AccountByEmail finds the Jira account of a claimer's e-mail (bot.Assigner).
func (j jiraPort) AccountByEmail(ctx context.Context, email string) (string, error) {
	id, err := j.c.AccountByEmail(ctx, email)
	if errors.Is(err, jira.ErrNoAccount) {
		return "", fmt.Errorf("%w: %w", bot.ErrNoAccount, err)
	}
	return id, err
}

// Assign sets the assignee of a claimed issue (bot.Assigner).
func (j jiraPort) Assign(ctx context.Context, key, accountID string) error {
	err := j.c.Assign(ctx, key, accountID)
	var nf *jira.NotFoundError
	if errors.As(err, &nf) {
		return fmt.Errorf("%w: %w", bot.ErrIssueGone, err)
	}
	return err
}
