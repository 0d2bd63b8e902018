package jira

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	gojira "github.com/andygrunwald/go-jira"

	"github.com/slabot/slabot/rules"
)

// jqlDate is the JQL date literal format: minute precision, in the zone of
// the user running the search.
const jqlDate = "2006-01-02 15:04"

// Quote makes s a JQL string literal.
func Quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// ProjectClause is the JQL restricting a search to the projects:
// `project = "A"` or `project in ("A", "B")`.
func ProjectClause(projects []string) string {
	if len(projects) == 1 {
		return "project = " + Quote(projects[0])
	}
	q := make([]string, len(projects))
	for i, p := range projects {
		q[i] = Quote(p)
	}
	return "project in (" + strings.Join(q, ", ") + ")"
}

// Cursor is where incremental polling of one project (or one product's
// projects) stands. It is plain
// data so the bot can store it durably (JSON).
type Cursor struct {
	// Updated is the latest "updated" seen; zero before the first sync.
	Updated time.Time `json:"updated"`
	// Seen maps issue id to the "updated" already delivered, for issues in
	// the overlap window, so re-reading the window delivers nothing twice.
	Seen map[string]time.Time `json:"seen,omitempty"`
}

// ChangedIn returns the issues of the projects created or changed since
// the cursor (all of them for a zero cursor), complete with changelog,
// comments and worklogs, and the advanced cursor. One search covers all
// the projects, so a product that runs several Jira projects (Botron) costs
// one request per poll, not one per project.
//
// Each poll re-reads an overlap window before the cursor (JQL dates are
// minute precision and search is eventually consistent) and drops what it
// already delivered, so no change is lost and none is delivered twice. The
// cursor also advances with the clock, to the poll's own time minus the
// overlap: without that a quiet site would re-read its last burst of
// changes (slabot's own writes, typically) on every poll forever. The
// poll's time is Jira's (the search answer's Date header), never this
// host's, so a skewed local clock cannot move the cursor past changes; the
// next poll starts two overlaps plus the configured index lag before this
// one, so a change the search index had not caught up with yet (search/jql
// is eventually consistent) is found by a later poll. Without a Date header
// the cursor only follows the issues' own updated times.
func (c *Client) ChangedIn(ctx context.Context, projects []string, cur Cursor) ([]rules.Issue, Cursor, error) {
	if err := c.ready(); err != nil {
		return nil, cur, err
	}
	if len(projects) == 0 {
		return nil, cur, fmt.Errorf("jira: no project to poll")
	}
	rest := ""
	if !cur.Updated.IsZero() {
		c.mu.RLock()
		zone := c.zone
		c.mu.RUnlock()
		from := cur.Updated.Add(-c.cfg.Overlap).In(zone).Truncate(time.Minute)
		rest += " AND updated >= " + Quote(from.Format(jqlDate))
	}
	rest += " ORDER BY updated ASC, key ASC"

	var out []rules.Issue
	index := map[string]int{}
	next := Cursor{Updated: cur.Updated, Seen: map[string]time.Time{}}
	reset := func() { out, index = nil, map[string]int{} }
	polled, _, err := c.searchProjects(ctx, projects, rest, reset, func(is rules.Issue) error {
		if prev, ok := cur.Seen[is.ID]; ok && !is.Updated.After(prev) {
			return nil // delivered by an earlier poll
		}
		if i, ok := index[is.ID]; ok { // seen twice in this poll: it moved while paging
			if is.Updated.After(out[i].Updated) {
				out[i] = is
			}
			return nil
		}
		index[is.ID] = len(out)
		out = append(out, is)
		return nil
	})
	if err != nil {
		return nil, cur, err
	}
	for id, t := range cur.Seen {
		next.Seen[id] = t
	}
	for _, is := range out {
		if is.Updated.After(next.Updated) {
			next.Updated = is.Updated
		}
		next.Seen[is.ID] = is.Updated
	}
	// The index is complete only up to IndexLag before this poll: changes
	// younger than that may be missing from this answer however recent the
	// issues it returned, so the cursor stops there and the next poll's
	// window still covers them.
	if limit := polled.Add(-c.cfg.IndexLag); c.cfg.IndexLag > 0 && !polled.IsZero() && next.Updated.After(limit) {
		next.Updated = limit
		if cur.Updated.After(limit) {
			next.Updated = cur.Updated
		}
	}
	if floor := polled.Add(-c.cfg.Overlap - c.cfg.IndexLag); !polled.IsZero() && floor.After(next.Updated) {
		next.Updated = floor
	}
	// Forget what can no longer come back in the window (keep a minute of
	// slack for the minute-precision floor).
	horizon := next.Updated.Add(-c.cfg.Overlap - time.Minute)
	for id, t := range next.Seen {
		if t.Before(horizon) {
			delete(next.Seen, id)
		}
	}
	return out, next, nil
}

// Search runs a bounded JQL search through POST /rest/api/2/search/jql,
// following nextPageToken, and calls fn with each complete issue in result
// order. Truncated inline changelogs, comments and worklogs are completed
// from their own endpoints first.
func (c *Client) Search(ctx context.Context, jql string, fn func(rules.Issue) error) error {
	_, err := c.search(ctx, jql, fn)
	return err
}

// search is Search, also returning the site's clock when the first page
// was answered (its Date header; zero when there was none): the instant
// the search's results are complete up to, on Jira's clock.
func (c *Client) search(ctx context.Context, jql string, fn func(rules.Issue) error) (time.Time, error) {
	if err := c.ready(); err != nil {
		return time.Time{}, err
	}
	var served time.Time
	deliver := func(wi *wireIssue, is rules.Issue, err error) error {
		if err != nil {
			if c.skipIssue(ctx, wi.Key, projectOf(wi.Key), err) {
				return nil
			}
			return err
		}
		return fn(is)
	}
	// Issues whose inline changelog was truncated wait here, across search
	// pages, for one bulk changelog request per bulkIssues of them. That
	// request runs while the search pages on (at most one at a time, its
	// issues delivered from this goroutine when the next batch is full or
	// the search ends), so a cold sync's bulk reads cost no round trips of
	// their own.
	var pending []*wireIssue
	bctx, cancel := context.WithCancel(ctx)
	var batch *bulkBatch
	defer func() {
		cancel()
		if batch != nil {
			<-batch.done
		}
	}()
	// finish waits for the batch in flight and delivers its issues.
	finish := func() error {
		if batch == nil {
			return nil
		}
		b := batch
		batch = nil
		<-b.done
		if b.err != nil {
			return b.err
		}
		for _, wi := range b.issues {
			is, err := b.complete(wi)
			if err := deliver(wi, is, err); err != nil {
				return err
			}
		}
		return nil
	}
	// flush hands the pending issues to a bulk request of their own, after
	// the previous one is delivered.
	flush := func() error {
		if err := finish(); err != nil || len(pending) == 0 {
			return err
		}
		b := &bulkBatch{issues: pending, done: make(chan struct{})}
		pending, batch = nil, b
		go func() {
			defer close(b.done)
			b.complete, b.err = c.bulkComplete(bctx, b.issues)
		}()
		return nil
	}
	req := searchRequest{JQL: jql, MaxResults: c.cfg.PageSize, Fields: c.searchFields(), Expand: "changelog"}
	for page := 1; ; page++ {
		var res searchPage
		resp, err := c.call(ctx, op{method: "POST", path: "rest/api/2/search/jql", endpoint: "/rest/api/2/search/jql",
			body: req, out: &res, idempotent: true})
		if err != nil {
			return served, fmt.Errorf("%w (search page %d)", err, page)
		}
		if page == 1 && resp != nil && resp.Response != nil {
			served, _ = http.ParseTime(resp.Header.Get("Date"))
		}
		for i := range res.Issues {
			wi := &res.Issues[i]
			if truncatedChangelog(wi) && !c.noBulk.Load() {
				if pending = append(pending, wi); len(pending) == bulkIssues {
					if err := flush(); err != nil {
						return served, err
					}
				}
				continue
			}
			is, err := c.complete(ctx, wi)
			if err := deliver(wi, is, err); err != nil {
				return served, err
			}
		}
		if res.IsLast || res.NextPageToken == "" {
			if err := flush(); err != nil {
				return served, err
			}
			return served, finish()
		}
		req.NextPageToken = res.NextPageToken
	}
}

// bulkBatch is a bulk changelog request running beside the search: its
// issues, and when done, how to complete each (or why it failed).
type bulkBatch struct {
	issues   []*wireIssue
	done     chan struct{}
	complete func(*wireIssue) (rules.Issue, error)
	err      error
}

// Issue reads one issue with its complete history.
func (c *Client) Issue(ctx context.Context, key string) (rules.Issue, *Response, error) {
	if err := c.ready(); err != nil {
		return rules.Issue{}, nil, err
	}
	var wi wireIssue
	q := url.Values{"fields": {strings.Join(c.searchFields(), ",")}, "expand": {"changelog"}}
	resp, err := c.call(ctx, op{method: "GET", path: "rest/api/2/issue/" + url.PathEscape(key) + "?" + q.Encode(),
		endpoint: "/rest/api/2/issue/{key}", out: &wi, idempotent: true, issue: key})
	if err != nil {
		return rules.Issue{}, resp, err
	}
	is, err := c.complete(ctx, &wi)
	return is, resp, err
}

// searchFields lists exactly the fields the mapping reads: search/jql
// returns only ids unless told otherwise.
func (c *Client) searchFields() []string {
	fs := []string{"summary", "description", "project", "issuetype", "priority", "status", "resolution", "resolutiondate",
		"created", "updated", "reporter", "assignee", "labels", "comment", "worklog"}
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, f := range c.cfg.Fields {
		if r, ok := c.fields[f.Name]; ok {
			fs = append(fs, r.ID)
		}
	}
	if c.orgField != "" {
		fs = append(fs, c.orgField)
	}
	return fs
}

func projectOf(key string) string {
	p, _, _ := strings.Cut(key, "-")
	return p
}

// complete fetches what the inline lists left out and maps the issue. An
// issue whose data cannot be read is an *IssueSkippedError.
func (c *Client) complete(ctx context.Context, wi *wireIssue) (rules.Issue, error) {
	histories, err := c.fullChangelog(ctx, wi)
	if err != nil {
		return rules.Issue{}, err
	}
	return c.completeWith(ctx, wi, histories)
}

// completeWith completes comments and worklogs (where truncated) of an
// issue whose changelog is known, and maps it.
func (c *Client) completeWith(ctx context.Context, wi *wireIssue, histories []wireHistory) (rules.Issue, error) {
	var err error
	var comments []wireComment
	if raw, ok := wi.Fields["comment"]; ok && string(raw) != "null" {
		var p commentPage
		if err := unmarshal(raw, &p); err != nil {
			return rules.Issue{}, &IssueSkippedError{Key: wi.Key, Err: fmt.Errorf("comments: %w", err)}
		}
		comments = p.Comments
		if p.Total > len(p.Comments) {
			if comments, err = c.allComments(ctx, wi.Key, p.Total); err != nil {
				return rules.Issue{}, err
			}
		}
	}
	var worklogs []gojira.WorklogRecord
	if raw, ok := wi.Fields["worklog"]; ok && string(raw) != "null" {
		var p gojira.Worklog
		if err := unmarshal(raw, &p); err != nil {
			return rules.Issue{}, &IssueSkippedError{Key: wi.Key, Err: fmt.Errorf("worklogs: %w", err)}
		}
		worklogs = p.Worklogs
		if p.Total > len(p.Worklogs) {
			if worklogs, err = c.allWorklogs(ctx, wi.Key, p.Total); err != nil {
				return rules.Issue{}, err
			}
		}
	}
	is, err := c.mapIssue(wi, histories, comments, worklogs)
	if err != nil {
		return is, &IssueSkippedError{Key: wi.Key, Err: err}
	}
	return is, nil
}

func (c *Client) fullChangelog(ctx context.Context, wi *wireIssue) ([]wireHistory, error) {
	if wi.Changelog == nil {
		return nil, nil
	}
	if wi.Changelog.Total <= len(wi.Changelog.Histories) {
		return wi.Changelog.Histories, nil
	}
	var all []wireHistory
	for start := 0; ; {
		var p changelogBean
		path := "rest/api/2/issue/" + url.PathEscape(wi.Key) + "/changelog?startAt=" + strconv.Itoa(start) + "&maxResults=100"
		if _, err := c.call(ctx, op{method: "GET", path: path, endpoint: "/rest/api/2/issue/{key}/changelog",
			out: &p, idempotent: true, issue: wi.Key}); err != nil {
			return nil, fmt.Errorf("%w (completing the changelog of %s)", err, wi.Key)
		}
		all = append(all, p.Values...)
		start += len(p.Values)
		if p.IsLast || len(p.Values) == 0 || start >= p.Total {
			return all, nil
		}
	}
}

func (c *Client) allComments(ctx context.Context, key string, total int) ([]wireComment, error) {
	all := make([]wireComment, 0, total)
	for start := 0; ; {
		var p commentPage
		path := "rest/api/2/issue/" + url.PathEscape(key) + "/comment?startAt=" + strconv.Itoa(start) + "&maxResults=100"
		if _, err := c.call(ctx, op{method: "GET", path: path, endpoint: "/rest/api/2/issue/{key}/comment",
			out: &p, idempotent: true, issue: key}); err != nil {
			return nil, fmt.Errorf("%w (completing the comments of %s)", err, key)
		}
		all = append(all, p.Comments...)
		start += len(p.Comments)
		if len(p.Comments) == 0 || start >= p.Total {
			return all, nil
		}
	}
}

func (c *Client) allWorklogs(ctx context.Context, key string, total int) ([]gojira.WorklogRecord, error) {
	all := make([]gojira.WorklogRecord, 0, total)
	for start := 0; ; {
		var p gojira.Worklog
		path := "rest/api/2/issue/" + url.PathEscape(key) + "/worklog?startAt=" + strconv.Itoa(start) + "&maxResults=5000"
		if _, err := c.call(ctx, op{method: "GET", path: path, endpoint: "/rest/api/2/issue/{key}/worklog",
			out: &p, idempotent: true, issue: key}); err != nil {
			return nil, fmt.Errorf("%w (completing the worklogs of %s)", err, key)
		}
		all = append(all, p.Worklogs...)
		start += len(p.Worklogs)
		if len(p.Worklogs) == 0 || start >= p.Total {
			return all, nil
		}
	}
}
