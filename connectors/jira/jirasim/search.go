package jirasim

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
)

// pageCursor is the state behind a nextPageToken: the query and the sort
// position of the last issue returned. The next page continues strictly
// after that position, re-evaluating the query (search-after), so an issue
// updated between pages moves rather than shifting the pages under the
// client: it may be seen twice, never skipped.
type pageCursor struct {
	jql   string
	after issue
}

const unboundedJQL = "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."

type searchRequest struct {
	JQL             string   `json:"jql"`
	NextPageToken   string   `json:"nextPageToken,omitempty"`
	MaxResults      *int     `json:"maxResults,omitempty"`
	Fields          []string `json:"fields,omitempty"`
	Expand          string   `json:"expand,omitempty"`
	Properties      []string `json:"properties,omitempty"`
	FieldsByKeys    bool     `json:"fieldsByKeys,omitempty"`
	ReconcileIssues []int64  `json:"reconcileIssues,omitempty"`
}

// SearchAndReconcileResults
type searchResults struct {
	Issues        []jIssue `json:"issues"`
	NextPageToken string   `json:"nextPageToken,omitempty"`
	IsLast        bool     `json:"isLast"`
}

func (c *call) searchJQL() {
	var req searchRequest
	if c.r.Method == http.MethodPost {
		if !c.decode(&req, true) {
			return
		}
	} else {
		q := c.r.URL.Query()
		req.JQL = q.Get("jql")
		req.NextPageToken = q.Get("nextPageToken")
		if m := q.Get("maxResults"); m != "" {
			n, err := strconv.Atoi(m)
			if err != nil {
				c.fail(http.StatusBadRequest, "maxResults must be a number")
				return
			}
			req.MaxResults = &n
		}
		for _, f := range q["fields"] {
			req.Fields = append(req.Fields, strings.Split(f, ",")...)
		}
		req.Expand = q.Get("expand")
	}
	s := c.s
	query, err := s.parseJQL(req.JQL, c.user)
	var bad jqlValueErrors
	switch {
	case errors.As(err, &bad):
		c.fail(http.StatusBadRequest, bad...)
		return
	case err != nil:
		c.fail(http.StatusBadRequest, err.Error())
		return
	}
	if query.where == nil {
		c.fail(http.StatusBadRequest, unboundedJQL)
		return
	}
	var after *issue
	if req.NextPageToken != "" {
		cur, ok := s.tokens[req.NextPageToken]
		if !ok || cur.jql != req.JQL {
			c.fail(http.StatusBadRequest, "The provided next page token is invalid or expired.")
			return
		}
		after = &cur.after
	}
	limit := s.caps.DefaultSearchPage
	if req.MaxResults != nil {
		limit = *req.MaxResults
	}
	limit = max(1, min(limit, s.caps.SearchMaxResults))

	if len(req.ReconcileIssues) > 50 {
		c.fail(http.StatusBadRequest, "reconcileIssues accepts at most 50 issue ids.")
		return
	}
	reconcile := map[int64]bool{}
	for _, id := range req.ReconcileIssues {
		reconcile[id] = true
	}
	// Match and order on the index's view of each issue; render the issue
	// as it is now (order.go).
	hits := s.orderedHits(c.user, query, reconcile, s.now())
	page, more := s.searchPage(hits, query, after, limit)

	sel := parseFieldSel(req.Fields)
	clCap := -1
	for _, e := range strings.Split(req.Expand, ",") {
		if strings.TrimSpace(e) == "changelog" {
			clCap = s.caps.SearchChangelog
		}
	}
	res := searchResults{Issues: make([]jIssue, 0, len(page))}
	for _, h := range page {
		res.Issues = append(res.Issues, s.renderIssue(c.rc, h.is, sel, clCap))
	}
	res.IsLast = !more
	if !res.IsLast {
		s.tokSeq++
		last := *page[len(page)-1].view
		last.versions = nil
		tok := "sim" + strconv.FormatInt(s.tokSeq, 36) + "." + strconv.FormatInt(last.id, 36)
		s.tokens[tok] = pageCursor{jql: req.JQL, after: last}
		res.NextPageToken = tok
	}
	c.json(http.StatusOK, res)
}

// parseFieldSel reads a fields list: ids, *all, *navigable, -exclusions.
// The search default (empty, or only id/key) is id only; exclusions alone
// start from the default set ("`-description` Returns all navigable
// (default) fields except description", Atlassian's OpenAPI description
// of GET /rest/api/3/search/jql; GET issue says "all (default) fields").
// Every field the simulator has is navigable (its GET /field says so), so
// *navigable and *all select the same fields.
func parseFieldSel(fields []string) fieldSel {
	sel := fieldSel{include: map[string]bool{}, exclude: map[string]bool{}}
	for _, f := range fields {
		f = strings.TrimSpace(f)
		switch {
		case f == "*all" || f == "*navigable":
			sel.all = true
		case strings.HasPrefix(f, "-"):
			sel.exclude[f[1:]] = true
		case f != "" && f != "id" && f != "key":
			sel.include[f] = true
		}
	}
	if len(sel.include) == 0 && len(sel.exclude) > 0 {
		sel.all = true
	}
	return sel
}
