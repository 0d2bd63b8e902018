package jirasim

import (
	"net/http"
	"strings"
)

// removedSearchMessage is what Jira Cloud answers on the removed search
// endpoints (CHANGE-2046).
const removedSearchMessage = "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"

func (c *call) removedSearch() { c.fail(http.StatusGone, removedSearchMessage) }

// ServerInformation
func (c *call) serverInfo() {
	now := c.s.now()
	c.json(http.StatusOK, map[string]any{
		"baseUrl":        c.rc.base,
		"displayUrl":     c.rc.base,
		"version":        "1001.0.0-SNAPSHOT",
		"versionNumbers": []int{1001, 0, 0},
		"deploymentType": "Cloud",
		"buildNumber":    100300,
		"buildDate":      c.s.fmtTime(now.Add(-72 * 3600e9)),
		"serverTime":     c.s.fmtTime(now),
		"scmInfo":        "jirasim",
		"serverTitle":    "Jira",
	})
}

// User (the caller, e-mail always visible to themselves)
func (c *call) myself() {
	u := c.s.renderUser(c.rc, c.user.AccountID)
	out := map[string]any{
		"self":         u.Self,
		"accountId":    u.AccountID,
		"accountType":  u.AccountType,
		"emailAddress": c.user.Email,
		"avatarUrls":   u.AvatarURLs,
		"displayName":  u.DisplayName,
		"active":       true,
		"timeZone":     u.TimeZone,
		"locale":       "en_US",
	}
	// expand=groups: "Returns all groups, including nested groups, the
	// user belongs to" (GET /rest/api/3/myself).
	if strings.Contains(c.r.URL.Query().Get("expand"), "groups") {
		out["groups"] = c.userGroups()
	}
	c.json(http.StatusOK, out)
}

// jFieldDetails is FieldDetails.
type jFieldDetails struct {
	ID          string      `json:"id"`
	Key         string      `json:"key"`
	Name        string      `json:"name"`
	Custom      bool        `json:"custom"`
	Orderable   bool        `json:"orderable"`
	Navigable   bool        `json:"navigable"`
	Searchable  bool        `json:"searchable"`
	ClauseNames []string    `json:"clauseNames"`
	Schema      *jFieldType `json:"schema,omitempty"`
}

// jFieldType is JsonTypeBean.
type jFieldType struct {
	Type     string `json:"type"`
	Items    string `json:"items,omitempty"`
	System   string `json:"system,omitempty"`
	Custom   string `json:"custom,omitempty"`
	CustomID int64  `json:"customId,omitempty"`
}

var systemFields = []struct{ id, name, typ, items string }{
	{"summary", "Summary", "string", ""},
	{"description", "Description", "string", ""},
	{"issuetype", "Issue Type", "issuetype", ""},
	{"project", "Project", "project", ""},
	{"priority", "Priority", "priority", ""},
	{"status", "Status", "status", ""},
	{"resolution", "Resolution", "resolution", ""},
	{"resolutiondate", "Resolved", "datetime", ""},
	{"created", "Created", "datetime", ""},
	{"updated", "Updated", "datetime", ""},
	{"reporter", "Reporter", "user", ""},
	{"assignee", "Assignee", "user", ""},
	{"labels", "Labels", "array", "string"},
	{"comment", "Comment", "comments-page", ""},
	{"worklog", "Log Work", "array", "worklog"},
}

var customTypes = map[FieldType]struct{ typ, items, custom string }{
	FieldDatetime:      {"datetime", "", "com.atlassian.jira.plugin.system.customfieldtypes:datetime"},
	FieldSelect:        {"option", "", "com.atlassian.jira.plugin.system.customfieldtypes:select"},
	FieldText:          {"string", "", "com.atlassian.jira.plugin.system.customfieldtypes:textfield"},
	FieldNumber:        {"number", "", "com.atlassian.jira.plugin.system.customfieldtypes:float"},
	FieldOrganizations: {"array", "sd-customer-organization", "com.atlassian.servicedesk:sd-customer-organizations"},
}

func (c *call) listFields() {
	var out []jFieldDetails
	for _, f := range systemFields {
		out = append(out, jFieldDetails{ID: f.id, Key: f.id, Name: f.name, Orderable: true, Navigable: true, Searchable: true,
			ClauseNames: []string{f.id}, Schema: &jFieldType{Type: f.typ, Items: f.items, System: f.id}})
	}
	for _, f := range c.s.fields {
		out = append(out, c.s.fieldDetails(f))
	}
	c.json(http.StatusOK, out)
}

func (c *call) listStatuses() {
	out := make([]jStatus, 0, len(c.s.statuses))
	for _, st := range c.s.statuses {
		out = append(out, c.s.renderStatus(c.rc, st))
	}
	c.json(http.StatusOK, out)
}

// jFieldMetadata is FieldMetadata.
type jFieldMetadata struct {
	Key        string      `json:"key"`
	Name       string      `json:"name"`
	Operations []string    `json:"operations"`
	Required   bool        `json:"required"`
	Schema     *jFieldType `json:"schema"`
}

// getEditMeta handles GET /rest/api/2/issue/{key}/editmeta
// (IssueUpdateMetadata): the fields on the edit screen of the issue's
// project and type (admin.go). A custom field seeded NotOnEditScreen, or
// created through the API and never added, is absent; so is one no context
// covers the issue with (contexts.go).
func (c *call) getEditMeta() {
	is := c.lookup()
	if is == nil {
		return
	}
	fields := map[string]jFieldMetadata{}
	for _, f := range systemFields {
		switch f.id {
		case "summary", "description", "priority", "assignee", "labels", "issuetype":
			ops := []string{"set"}
			if f.id == "labels" {
				ops = []string{"add", "set", "remove"}
			}
			fields[f.id] = jFieldMetadata{Key: f.id, Name: f.name, Operations: ops, Required: f.id == "summary",
				Schema: &jFieldType{Type: f.typ, Items: f.items, System: f.id}}
		}
	}
	for _, f := range c.s.fields {
		if !c.s.settable(f, is, true) {
			continue
		}
		ct := customTypes[f.Type]
		fields[f.ID] = jFieldMetadata{Key: f.ID, Name: f.Name, Operations: []string{"set"},
			Schema: &jFieldType{Type: ct.typ, Items: ct.items, Custom: ct.custom}}
	}
	c.json(http.StatusOK, map[string]any{"fields": fields})
}
