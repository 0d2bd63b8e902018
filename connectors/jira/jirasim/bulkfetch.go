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
	// The first page collects and sorts every entry once; later pages read
	// the list their token points at (a token is a list and an offset).
	var all []bulkEntry
	start := 0
	if req.NextPageToken != "" {
		id, off, ok := strings.Cut(strings.TrimPrefix(req.NextPageToken, "cl."), ".")
		n, err := strconv.Atoi(off)
		list, known := c.s.bulkLists[id]
		if !ok || err != nil || n < 0 || !known || !strings.HasPrefix(req.NextPageToken, "cl.") {
			c.fail(http.StatusBadRequest, "The provided next page token is invalid or expired.")
			return
		}
		all, start = list, n
	} else {
		all = c.s.bulkEntries(c.user, req)
	}
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
		h := history{id: e.h.id, at: e.h.at, author: e.h.author, items: e.items}
		res.IssueChangeLogs[i].ChangeHistories = append(res.IssueChangeLogs[i].ChangeHistories, c.s.renderHistory(c.rc, h))
	}
	id := strings.TrimPrefix(req.NextPageToken, "cl.")
	id, _, _ = strings.Cut(id, ".")
	if req.NextPageToken == "" {
		c.s.bulkSeq++
		id = strconv.FormatInt(c.s.bulkSeq, 36)
	}
	if hi < len(all) {
		if len(c.s.bulkLists) >= 64 { // abandoned paging: forget the oldest lists
			clear(c.s.bulkLists)
		}
		c.s.bulkLists[id] = all
		res.NextPageToken = "cl." + id + "." + strconv.Itoa(hi)
	} else {
		delete(c.s.bulkLists, id)
	}
	c.json(http.StatusOK, res)
}

// bulkEntry is one changelog entry of a bulk answer, with the items the
// field filter kept.
type bulkEntry struct {
	is    *issue
	h     *history
	items []histItem
}

// bulkEntries lists the entries a bulk request asks for, oldest first,
// then by issue id and entry id.
func (s *Server) bulkEntries(user *User, req bulkChangelogRequest) []bulkEntry {
	want := map[string]bool{}
	for _, f := range req.FieldIDs {
		want[f] = true
	}
	var all []bulkEntry
	seen := map[*issue]bool{}
	for _, ref := range req.IssueIdsOrKeys {
		is := s.issueRef(ref)
		if is == nil || seen[is] || !canBrowse(user, is.project) {
			continue
		}
		seen[is] = true
		for k := range is.histories {
			h := &is.histories[k]
			items := h.items
			if len(want) > 0 {
				items = nil
				for _, it := range h.items {
					if want[it.fieldID] {
						items = append(items, it)
					}
				}
				if len(items) == 0 {
					continue
				}
			}
			all = append(all, bulkEntry{is, h, items})
		}
	}
	slices.SortStableFunc(all, func(a, b bulkEntry) int {
		if c := a.h.at.Compare(b.h.at); c != 0 {
			return c
		}
		if a.is.id != b.is.id {
			return int(a.is.id - b.is.id)
		}
		return int(a.h.id - b.h.id)
	})
	return all
}
