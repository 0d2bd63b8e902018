package jira

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/slabot/slabot/rules"
)

// A real site is untidy in ways that must cost one project or one issue,
// never a product's whole poll:
//   - JQL values are validated: one project in `project in (...)` that is
//     misspelled, deleted or not browsable by the bot fails the whole
//     search with 400. The poll drops that project, says so, and goes on
//     with the others.
//   - An issue deleted (or moved out of reach) between the search page and
//     the completion of its lists answers 404 there: that issue is skipped.
//   - An issue whose data cannot be read (no created date, a malformed
//     value) is skipped with a message naming it, never read as year 1.

// badProjectValue is Jira's message for a project value JQL does not know
// (or the searching account may not browse: Jira does not tell which).
var badProjectValue = regexp.MustCompile(`^The value '(.*)' does not exist for the field 'project'\.$`)

// ProjectUnavailableError says which projects of a poll Jira does not
// know, or does not let the bot see.
type ProjectUnavailableError struct {
	Projects []string
	Err      *APIError
}

func (e *ProjectUnavailableError) Error() string {
	return fmt.Sprintf("jira: project %s cannot be searched: it does not exist (misspelled, renamed or deleted) or the bot account "+
		"lacks the Browse projects permission on it; fix the project key in the policy's projects list, or grant the bot "+
		"Browse projects in the project's permission scheme", strings.Join(e.Projects, ", "))
}

func (e *ProjectUnavailableError) Unwrap() error { return e.Err }

// unavailableProjects reads the projects a 400 search answer names.
func unavailableProjects(err error) *ProjectUnavailableError {
	var api *APIError
	if !errors.As(err, &api) || api.Status != 400 {
		return nil
	}
	var out []string
	for _, m := range api.Messages {
		if sub := badProjectValue.FindStringSubmatch(m); sub != nil {
			out = append(out, sub[1])
		}
	}
	if len(out) == 0 {
		return nil
	}
	return &ProjectUnavailableError{Projects: out, Err: api}
}

// IssueSkippedError is one issue a poll left out, and why.
type IssueSkippedError struct {
	Key string
	Err error
}

func (e *IssueSkippedError) Error() string {
	return fmt.Sprintf("jira: issue %s skipped: %v", e.Key, e.Err)
}

func (e *IssueSkippedError) Unwrap() error { return e.Err }

// Skip reasons counted by Skipped.
const (
	SkipProjectUnavailable = "project_unavailable"
	SkipIssueGone          = "issue_gone"       // 404 while completing its lists
	SkipIssueUnreadable    = "issue_unreadable" // no created date, malformed values
)

// SkipCount is how many times a poll left a project or an issue out.
type SkipCount struct {
	Reason  string
	Project string
}

type skips struct {
	mu     sync.Mutex
	counts map[SkipCount]int
}

func (s *skips) add(reason, project string) {
	s.mu.Lock()
	if s.counts == nil {
		s.counts = map[SkipCount]int{}
	}
	s.counts[SkipCount{Reason: reason, Project: project}]++
	s.mu.Unlock()
}

// Skipped returns how many times polls left projects or issues out, by
// reason and project, for metrics.
func (c *Client) Skipped() map[SkipCount]int {
	c.skips.mu.Lock()
	defer c.skips.mu.Unlock()
	out := make(map[SkipCount]int, len(c.skips.counts))
	for k, v := range c.skips.counts {
		out[k] = v
	}
	return out
}

// SearchProjects runs `<project clause> <rest>` (rest may add " AND ..."
// conditions and an ORDER BY) over the projects, like Search. A project
// Jira refuses as a JQL value is logged with the fix, counted, and left
// out; the others are searched. restart (may be nil) is called before the
// search starts over without a refused project: Jira validates every page,
// so one can vanish mid-search, and fn should then drop what it received.
// It returns the projects left out; an error when none is left.
func (c *Client) SearchProjects(ctx context.Context, projects []string, rest string, fn func(rules.Issue) error, restart func()) ([]string, error) {
	if restart == nil {
		restart = func() {}
	}
	_, skipped, err := c.searchProjects(ctx, projects, rest, restart, fn)
	return skipped, err
}

// searchProjects is SearchProjects; reset is called before a retry so the
// caller can drop what an abandoned attempt delivered, and the first
// page's Date is returned.
func (c *Client) searchProjects(ctx context.Context, projects []string, rest string, reset func(), fn func(rules.Issue) error) (served time.Time, skipped []string, err error) {
	left := slices.Clone(projects)
	for {
		if len(left) == 0 {
			return served, skipped, &ProjectUnavailableError{Projects: skipped}
		}
		served, err = c.search(ctx, ProjectClause(left)+rest, fn)
		bad := unavailableProjects(err)
		if bad == nil {
			return served, skipped, err
		}
		var gone []string
		for _, p := range bad.Projects {
			if i := slices.IndexFunc(left, func(x string) bool { return strings.EqualFold(x, p) }); i >= 0 {
				gone = append(gone, left[i])
				left = slices.Delete(left, i, i+1)
			}
		}
		if len(gone) == 0 { // a value we did not send: do not loop
			return served, skipped, err
		}
		sort.Strings(gone)
		for _, p := range gone {
			c.skips.add(SkipProjectUnavailable, p)
		}
		skipped = append(skipped, gone...)
		c.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "jira project unavailable; polling the product's other projects",
			slog.String("projects", strings.Join(gone, ",")), slog.String("fix", (&ProjectUnavailableError{Projects: gone}).Error()))
		reset()
	}
}

// skipIssue decides whether a failure to read one issue costs only that
// issue: a 404 on one of its lists (it was deleted or moved away between
// the search and the completion), or data slabot cannot read.
func (c *Client) skipIssue(ctx context.Context, key, project string, err error) bool {
	var nf *NotFoundError
	var bad *IssueSkippedError
	reason := ""
	switch {
	case errors.As(err, &nf):
		reason = SkipIssueGone
	case errors.As(err, &bad):
		reason = SkipIssueUnreadable
	default:
		return false
	}
	c.skips.add(reason, project)
	c.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "jira issue skipped", slog.String("issue", key), slog.String("reason", reason),
		slog.String("err", err.Error()))
	return true
}
