package jira

import (
	"context"
	"errors"
	"fmt"

	"github.com/slabot/slabot/rules"
)

// A cold sync reads every open issue, and a busy issue's inline changelog
// is truncated (search inlines its 40 newest entries). Paging each such
// changelog costs one request per issue: 10,000 issues with 3,904
// truncated cost 4,004 requests. POST /rest/api/3/changelog/bulkfetch
// returns the changelogs of up to 1,000 issues at once, up to 10,000
// entries a page, filtered to the fields the engine reads. The floor of a
// cold sync of N issues, T of them truncated with E changelog entries on
// the fields the engine reads, is then
//
//	ceil(N/100) search pages + sum over each batch of up to 1,000 truncated
//	issues of ceil(entries/10,000) bulk pages
//
// (at least ceil(T/1000) and about ceil(E/10,000)), plus one request per
// issue whose comments or worklogs were truncated (rare: 20 inline). For
// the benchmark's 10,000 issues (3,904 truncated, about 195,000 entries) that
// is 100 + 23 = 123 reads.

const (
	bulkIssues    = 1000  // issues a bulk changelog request may name
	bulkPage      = 10000 // entries a bulk changelog page may hold
	bulkMaxFields = 10    // field ids a bulk request may filter on
)

// engineHistoryFields are the changelog fields the engine reads: status,
// priority and type drive the clocks, resolution set/cleared stops and
// reopens them, summary and description date qualification, assignee says
// whose direct messages a ladder step went to (rules.Issue.AssigneesSince;
// the outbox looks there after a lost database). Qualification checklist
// fields (rules.Field.History) are added to them.
var engineHistoryFields = []string{"status", "priority", "issuetype", "resolution", "summary", "description", "assignee"}

func truncatedChangelog(wi *wireIssue) bool {
	return wi.Changelog != nil && wi.Changelog.Total > len(wi.Changelog.Histories)
}

type bulkChangelogRequest struct {
	IssueIdsOrKeys []string `json:"issueIdsOrKeys"`
	FieldIDs       []string `json:"fieldIds,omitempty"`
	MaxResults     int      `json:"maxResults"`
	NextPageToken  string   `json:"nextPageToken,omitempty"`
}

type bulkChangelogPage struct {
	IssueChangeLogs []struct {
		IssueID         string        `json:"issueId"`
		ChangeHistories []wireHistory `json:"changeHistories"`
	} `json:"issueChangeLogs"`
	NextPageToken string `json:"nextPageToken"`
}

// historyFieldIDs lists the field ids to filter bulk changelogs on; nil
// (no filter) when they are more than the endpoint accepts.
func (c *Client) historyFieldIDs() []string {
	ids := append([]string(nil), engineHistoryFields...)
	c.mu.RLock()
	for _, f := range c.cfg.Fields {
		if r, ok := c.fields[f.Name]; ok && f.History {
			ids = append(ids, r.ID)
		}
	}
	c.mu.RUnlock()
	if len(ids) > bulkMaxFields {
		return nil
	}
	return ids
}

// bulkComplete fetches the changelogs of issues (at most bulkIssues) in
// bulk and returns how to complete each of them. When the site has no bulk
// endpoint (404, 405) the client goes back to paging each changelog, for
// this batch and from then on.
func (c *Client) bulkComplete(ctx context.Context, issues []*wireIssue) (func(*wireIssue) (rules.Issue, error), error) {
	fieldIDs := c.historyFieldIDs()
	req := bulkChangelogRequest{FieldIDs: fieldIDs, MaxResults: bulkPage}
	for _, wi := range issues {
		req.IssueIdsOrKeys = append(req.IssueIdsOrKeys, wi.ID)
	}
	byIssue := make(map[string][]wireHistory, len(issues))
	for page := 1; ; page++ {
		var p bulkChangelogPage
		_, err := c.call(ctx, op{method: "POST", path: "rest/api/3/changelog/bulkfetch", endpoint: "/rest/api/3/changelog/bulkfetch",
			body: req, out: &p, idempotent: true})
		var nf *NotFoundError
		var api *APIError
		if errors.As(err, &nf) || (errors.As(err, &api) && api.Status == 405) {
			c.noBulk.Store(true)
			return func(wi *wireIssue) (rules.Issue, error) {
				return c.complete(ctx, wi)
			}, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%w (bulk changelogs of %d issues, page %d)", err, len(issues), page)
		}
		for _, cl := range p.IssueChangeLogs {
			byIssue[cl.IssueID] = append(byIssue[cl.IssueID], cl.ChangeHistories...)
		}
		if p.NextPageToken == "" {
			break
		}
		req.NextPageToken = p.NextPageToken
	}
	return func(wi *wireIssue) (rules.Issue, error) {
		hs, ok := byIssue[wi.ID]
		if !ok && fieldIDs == nil {
			// Unfiltered, every truncated changelog has entries: an issue
			// left out was deleted (or hidden) since the search.
			return rules.Issue{}, &NotFoundError{Resource: "issue " + wi.Key,
				Err: &APIError{Method: "POST", Endpoint: "/rest/api/3/changelog/bulkfetch", Status: 404}}
		}
		return c.completeWith(ctx, wi, hs)
	}, nil
}
