package jira

import (
	"encoding/json"

	gojira "github.com/andygrunwald/go-jira"
)

// Wire shapes of the v2 API. go-jira's structs are reused where they are
// complete; its Changelog and Comments lack the paging totals (and Comment
// the JSM jsdPublic flag) this client needs to know a list was truncated,
// so those pages are declared here.

type searchRequest struct {
	JQL           string   `json:"jql"`
	NextPageToken string   `json:"nextPageToken,omitempty"`
	MaxResults    int      `json:"maxResults"`
	Fields        []string `json:"fields"`
	Expand        string   `json:"expand,omitempty"`
}

type searchPage struct {
	Issues        []wireIssue `json:"issues"`
	NextPageToken string      `json:"nextPageToken"`
	IsLast        bool        `json:"isLast"`
}

type wireIssue struct {
	ID        string                     `json:"id"`
	Key       string                     `json:"key"`
	Fields    map[string]json.RawMessage `json:"fields"`
	Changelog *changelogPage             `json:"changelog"`
}

type changelogPage struct {
	StartAt    int           `json:"startAt"`
	MaxResults int           `json:"maxResults"`
	Total      int           `json:"total"`
	Histories  []wireHistory `json:"histories"`
}

// changelogBean is PageBeanChangelog (GET .../changelog).
type changelogBean struct {
	StartAt    int           `json:"startAt"`
	MaxResults int           `json:"maxResults"`
	Total      int           `json:"total"`
	IsLast     bool          `json:"isLast"`
	Values     []wireHistory `json:"values"`
}

// wireHistory is a changelog entry (Changelog in the OpenAPI description)
// as far as the mapping reads it. go-jira's ChangelogHistory decodes the
// author's whole user (avatar links, time zone, groups) and each item's
// field type for every entry: tens per issue, most of a full sync's
// allocations, for an account id and four strings per item.
type wireHistory struct {
	ID      string       `json:"id"`
	Author  wireAccount  `json:"author"`
	Created string       `json:"created"`
	Items   []wireChange `json:"items"`
}

type wireAccount struct {
	AccountID string `json:"accountId"`
}

// wireChange is a changelog item (ChangeDetails: from, fromString, to and
// toString are strings, null when there is none).
type wireChange struct {
	Field      string `json:"field"`
	From       string `json:"from"`
	FromString string `json:"fromString"`
	To         string `json:"to"`
	ToString   string `json:"toString"`
}

type wireComment struct {
	gojira.Comment
	JSDPublic *bool `json:"jsdPublic"`
}

type commentPage struct {
	StartAt    int           `json:"startAt"`
	MaxResults int           `json:"maxResults"`
	Total      int           `json:"total"`
	Comments   []wireComment `json:"comments"`
}

type newCommentBody struct {
	Body       string          `json:"body"`
	Visibility *visibilityBody `json:"visibility,omitempty"`
	Properties []wireProperty  `json:"properties,omitempty"`
}

type wireProperty struct {
	Key   string `json:"key"`
	Value any    `json:"value"`
}

type wireOption struct {
	Value string `json:"value"`
	ID    string `json:"id,omitempty"`
}

type wireOrg struct {
	ID   json.RawMessage `json:"id"`
	Name string          `json:"name"`
}
