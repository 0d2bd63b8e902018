package jira

import (
	"context"
	"encoding/json"
	"fmt"

	"time"

	"github.com/slabot/slabot/rules"
)

// The worker (package bot) reads and writes Jira through two small
// interfaces it declares, IssueSource and IssueWriter; *Client satisfies
// both directly with Changed and Write, and a claim's Assigner with
// AccountByEmail and Assign.

// Changed polls the projects incrementally from cursor, the JSON form of
// a Cursor this method returned before; an empty cursor resyncs: every
// open issue plus every issue updated since since (a relative JQL date in
// whole days on the client's clock, so no time zone is involved). A
// project Jira refuses is logged and counted by SearchProjects, and the
// product's other projects are still read.
func (c *Client) Changed(ctx context.Context, projects []string, cursor string, since time.Time) ([]rules.Issue, string, error) {
	if cursor != "" {
		var cur Cursor
		if err := json.Unmarshal([]byte(cursor), &cur); err != nil {
			return nil, "", fmt.Errorf("cursor of %v is unreadable (%v): delete it to resync", projects, err)
		}
		issues, next, err := c.ChangedIn(ctx, projects, cur)
		if err != nil {
			return nil, "", err
		}
		b, err := json.Marshal(next)
		return issues, string(b), err
	}
	days := int(c.cfg.Clock.Now().Sub(since).Hours()/24) + 1
	if days < 1 {
		days = 1
	}
	rest := fmt.Sprintf(" AND (statusCategory != Done OR updated >= -%dd) ORDER BY updated ASC", days)
	var issues []rules.Issue
	var next Cursor
	_, err := c.SearchProjects(ctx, projects, rest, func(is rules.Issue) error {
		issues = append(issues, is)
		if is.Updated.After(next.Updated) {
			next.Updated = is.Updated
		}
		return nil
	}, func() { issues, next = nil, Cursor{} })
	if err != nil {
		return nil, "", err
	}
	b, err := json.Marshal(next)
	return issues, string(b), err
}

// Write applies one patch (Apply) and gives the fields Jira refused, by
// policy field name, with Jira's reason and the fix. An issue that is gone
// comes back as a *NotFoundError (IssueGone).
func (c *Client) Write(ctx context.Context, pt rules.Patch) (refused map[string]string, err error) {
	done, err := c.Apply(ctx, pt)
	for _, r := range done.Refused {
		if refused == nil {
			refused = map[string]string{}
		}
		refused[r.Field] = r.String()
	}
	return refused, err
}

// IssueByKey reads one issue as Jira holds it now (GET /issue/{key} with
// its complete history, not the lagging search index): the worker's
// re-read after a webhook (bot.IssueReader). A missing issue answers a
// *NotFoundError (IssueGone).
func (c *Client) IssueByKey(ctx context.Context, key string) (rules.Issue, error) {
	is, _, err := c.Issue(ctx, key)
	return is, err
}
