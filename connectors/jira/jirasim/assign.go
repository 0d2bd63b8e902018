package jirasim

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
)

// registerAssignRoutes adds PUT /rest/api/2/issue/{key}/assignee and GET
// /rest/api/2/user/search: what a Claim from Slack needs.
func (s *Server) registerAssignRoutes(add func(Route, handlerFunc)) {
	add(Route{Method: "PUT", Path: "/rest/api/2/issue/{issueIdOrKey}/assignee", Write: true}, (*call).assignIssue)
	add(Route{Method: "GET", Path: "/rest/api/2/user/search"}, (*call).searchUsers)
}

// assignIssue: {"accountId": "..."} assigns, {"accountId": null} (or "-1"
// for the default assignee, not modelled) unassigns; 204 on success, 400
// "User ... cannot be assigned issues." for an unknown account, as Cloud.
func (c *call) assignIssue() {
	is := c.lookupForWrite("assign this issue")
	if is == nil {
		return
	}
	var req struct {
		AccountID *string `json:"accountId"`
	}
	if !c.decode(&req, false) {
		return
	}
	raw := json.RawMessage("null")
	if req.AccountID != nil {
		if c.s.users[*req.AccountID] == nil {
			c.failFields(http.StatusBadRequest, map[string]string{"assignee": "User '" + *req.AccountID + "' cannot be assigned issues."})
			return
		}
		raw, _ = json.Marshal(map[string]string{"accountId": *req.AccountID})
	}
	if errs := c.s.applyEdit(is, editRequest{Fields: map[string]json.RawMessage{"assignee": raw}}, c.user.AccountID, false, false); len(errs) > 0 {
		c.failFields(http.StatusBadRequest, errs)
		return
	}
	c.s.emit(is, "jira:issue_updated")
	c.noContent()
}

// searchUsers matches query against display names and e-mail addresses
// (hidden e-mails still match, as on Cloud, but are not shown).
func (c *call) searchUsers() {
	q := strings.ToLower(strings.TrimSpace(c.r.URL.Query().Get("query")))
	if q == "" {
		c.fail(http.StatusBadRequest, "The query parameter 'query' is required.")
		return
	}
	out := []map[string]any{}
	ids := make([]string, 0, len(c.s.users))
	for id := range c.s.users {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		u := c.s.users[id]
		if !strings.HasPrefix(strings.ToLower(u.DisplayName), q) && !strings.HasPrefix(strings.ToLower(u.Email), q) {
			continue
		}
		ju := c.s.renderUser(c.rc, u.AccountID)
		m := map[string]any{"accountId": u.AccountID, "accountType": ju.AccountType, "displayName": u.DisplayName, "active": true}
		if !u.HideEmail {
			m["emailAddress"] = u.Email
		}
		out = append(out, m)
	}
	c.json(http.StatusOK, out)
}
