package jirasim

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// BulkChangelogRequestBean
type bulkChangelogRequest struct {
	IssueIdsOrKeys []string `json:"issueIdsOrKeys"`
	FieldIDs       []string `json:"fieldIds,omitempty"`
	MaxResults     *int     `json:"maxResults,omitempty"`
	NextPageToken  string   `json:"nextPageToken,omitempty"`
}

// IssueChangeLog
type jIssueChangeLog struct {
	IssueID         string     `json:"issueId"`
	ChangeHistories []jHistory `json:"changeHistories"`
}

// BulkChangelogResponseBean
type jBulkChangelogs struct {
	IssueChangeLogs []jIssueChangeLog `json:"issueChangeLogs"`
	NextPageToken   string            `json:"nextPageToken,omitempty"`
}

// Limits of POST /rest/api/3/changelog/bulkfetch, as documented.
const (
	bulkMaxIssues   = 1000
	bulkMaxFields   = 10
	bulkMaxResults  = 10000
	bulkDefaultPage = 1000
)

// bulkChangelogs handles POST /rest/api/3/changelog/bulkfetch: the
// changelogs of up to 1,000 issues, oldest first (then by issue id),
// optionally only the entries (and items) touching up to 10 field ids, in
// pages of up to 10,000 entries. Issues that do not exist or that the
// caller may not browse are left out, like issues without matching entries.
func (c *call) bulkChangelogs() {
	var req bulkChangelogRequest
	if !c.decode(&req, true) {
		return
	}
	switch {
	case len(req.IssueIdsOrKeys) == 0:
		c.failFields(http.StatusBadRequest, map[string]string{"issueIdsOrKeys": "issueIdsOrKeys must not be empty"})
		return
	case len(req.IssueIdsOrKeys) > bulkMaxIssues:
		c.failFields(http.StatusBadRequest, map[string]string{"issueIdsOrKeys": "issueIdsOrKeys must not have more than 1000 items"})
		return
	case len(req.FieldIDs) > bulkMaxFields:
		c.failFields(http.StatusBadRequest, map[string]string{"fieldIds": "fieldIds must not have more than 10 items"})
		return
	}
	limit := bulkDefaultPage
	if req.MaxResults != nil {
		if *req.MaxResults < 1 || *req.MaxResults > bulkMaxResults {
			c.failFields(http.StatusBadRequest, map[string]string{"maxResults": "maxResults must be between 1 and 10000"})
			return
		}
		limit = *req.MaxResults
	}
	start := 0
	if req.NextPageToken != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(req.NextPageToken, "cl."))
		if err != nil || n < 0 || !strings.HasPrefix(req.NextPageToken, "cl.") {
			c.fail(http.StatusBadRequest, "The provided next page token is invalid or expired.")
			return
		}
		start = n
	}
	want := map[string]bool{}
	for _, f := range req.FieldIDs {
		want[f] = true
	}
	type entry struct {
		is *issue
		h  history
	}
	var all []entry
	seen := map[*issue]bool{}
	for _, ref := range req.IssueIdsOrKeys {
		is := c.s.issueRef(ref)
		if is == nil || seen[is] || !canBrowse(c.user, is.project) {
			continue
		}
		seen[is] = true
		for _, h := range is.histories {
			if len(want) > 0 {
				var items []histItem
				for _, it := range h.items {
					if want[it.fieldID] {
						items = append(items, it)
					}
				}
				if len(items) == 0 {
					continue
				}
				h.items = items
			}
			all = append(all, entry{is, h})
		}
	}
	slices.SortStableFunc(all, func(a, b entry) int {
		if c := a.h.at.Compare(b.h.at); c != 0 {
			return c
		}
		if a.is.id != b.is.id {
			return int(a.is.id - b.is.id)
		}
		return int(a.h.id - b.h.id)
	})
	lo, hi := window(len(all), start, limit)
	res := jBulkChangelogs{IssueChangeLogs: []jIssueChangeLog{}}
	at := map[*issue]int{}
	for _, e := range all[lo:hi] {
		i, ok := at[e.is]
		if !ok {
			i = len(res.IssueChangeLogs)
			at[e.is] = i
			res.IssueChangeLogs = append(res.IssueChangeLogs, jIssueChangeLog{IssueID: e.is.idString()})
		}
		res.IssueChangeLogs[i].ChangeHistories = append(res.IssueChangeLogs[i].ChangeHistories, c.s.renderHistory(c.rc, e.h))
	}
	if hi < len(all) {
		res.NextPageToken = "cl." + strconv.Itoa(hi)
	}
	c.json(http.StatusOK, res)
}
