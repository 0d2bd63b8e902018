package jira

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// ErrNoIssues: a project without issues has no edit metadata to read, so
// its edit screen cannot be checked until the first issue exists.
var ErrNoIssues = errors.New("no issues yet: the edit screen cannot be checked until one exists")

// ScreenProblems checks that every configured field slabot writes is on the
// edit screen of project, by reading the edit metadata of one of its
// issues: a field missing there fails every write with "cannot be set. It
// is not on the appropriate screen". A field no context covers in the
// project is missing there too: check those first (ContextProblems) and
// leave them out of write, or this names the screen for them. write lists
// the configured field names slabot writes (deadline, state, hours). A
// project without issues cannot be checked: the error is ErrNoIssues.
func (c *Client) ScreenProblems(ctx context.Context, project string, write []string) ([]string, error) {
	if err := c.ready(); err != nil {
		return nil, err
	}
	req := searchRequest{JQL: "project = " + Quote(project) + " ORDER BY created DESC", MaxResults: 1, Fields: []string{"summary"}}
	var res searchPage
	if _, err := c.call(ctx, op{method: "POST", path: "rest/api/2/search/jql", endpoint: "/rest/api/2/search/jql",
		body: req, out: &res, idempotent: true}); err != nil {
		if bad := unavailableProjects(err); bad != nil {
			return []string{strings.TrimPrefix(bad.Error(), "jira: ")}, nil
		}
		return nil, err
	}
	if len(res.Issues) == 0 {
		return nil, fmt.Errorf("project %s: %w", project, ErrNoIssues)
	}
	sample := res.Issues[0].Key
	var meta struct {
		Fields map[string]struct {
			Name string `json:"name"`
		} `json:"fields"`
	}
	if _, err := c.call(ctx, op{method: "GET", path: "rest/api/2/issue/" + url.PathEscape(sample) + "/editmeta",
		endpoint: "/rest/api/2/issue/{key}/editmeta", out: &meta, idempotent: true}); err != nil {
		return nil, err
	}
	c.mu.RLock()
	fields := c.fields
	c.mu.RUnlock()
	var problems []string
	for _, name := range write {
		f, ok := fields[name]
		if !ok {
			continue // Connect already reported it
		}
		if _, onScreen := meta.Fields[f.ID]; !onScreen {
			problems = append(problems, fmt.Sprintf("field %q (%s) is not on the edit screen of project %s (checked on %s): "+
				"run slabot setup, or add it in Project settings > Issue types > Fields (or the edit screen of the project's screen scheme)", name, f.ID, project, sample))
		}
	}
	sort.Strings(problems)
	return problems, nil
}
