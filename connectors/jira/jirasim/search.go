package jirasim

import (
	"net/http"
	"slices"
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
	if err != nil {
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

	var matched []*issue
	for _, is := range s.issues {
		if !canBrowse(c.user, is.project) || !query.where(is) {
			continue
		}
		if after != nil && s.less(query, is, after) <= 0 {
			continue
		}
		matched = append(matched, is)
	}
	slices.SortFunc(matched, func(a, b *issue) int { return s.less(query, a, b) })

	sel := parseFieldSel(req.Fields)
	clCap := -1
	for _, e := range strings.Split(req.Expand, ",") {
		if strings.TrimSpace(e) == "changelog" {
			clCap = s.caps.SearchChangelog
		}
	}
	res := searchResults{Issues: make([]jIssue, 0, min(limit, len(matched)))}
	page := matched[:min(limit, len(matched))]
	for _, is := range page {
		res.Issues = append(res.Issues, s.renderIssue(c.rc, is, sel, clCap))
	}
	res.IsLast = len(matched) <= limit
	if !res.IsLast {
		s.tokSeq++
		tok := "sim" + strconv.FormatInt(s.tokSeq, 36) + "." + strconv.FormatInt(page[len(page)-1].id, 36)
		s.tokens[tok] = pageCursor{jql: req.JQL, after: *page[len(page)-1]}
		res.NextPageToken = tok
	}
	c.json(http.StatusOK, res)
}

// parseFieldSel reads a fields list: ids, *all, *navigable, -exclusions;
// the search default (empty) is id only.
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
	return sel
}
