package jira

import (
	"encoding/json"
	"fmt"
	"strings"

	gojira "github.com/andygrunwald/go-jira"

	"github.com/slabot/slabot/rules"
)

// fileChangelog is changelogPage without its streaming decoder.
type fileChangelog changelogPage

// DecodeIssue maps one issue as GET /rest/api/2/issue/KEY?expand=changelog
// returns it (add expand=names so custom fields are found by name) without
// a site connection, for `slabot explain --issue FILE.json`. Lists must be
// complete in the file: nothing is fetched. Status categories are known only
// for the current status, so category conditions on past transitions see
// none. The JSM organizations field is found like live mode finds it: by
// orgField (a name or id; empty means Jira's default name, Organizations)
// through the issue's names, or by its type when expand=schema was given.
func DecodeIssue(data []byte, fields []rules.Field, orgField string) (rules.Issue, error) {
	var raw struct {
		wireIssue
		// Changelog shadows wireIssue's: a file's changelog is used as it
		// is, truncated or not (the live client skips truncated inline
		// entries, decode.go, since it fetches them whole).
		Changelog *fileChangelog    `json:"changelog"`
		Names     map[string]string `json:"names"`
		Schema    map[string]struct {
			Custom string `json:"custom"`
		} `json:"schema"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return rules.Issue{}, fmt.Errorf("jira: decode issue: %w", err)
	}
	c := &Client{statusCat: map[string]string{}, fields: map[string]resolvedField{}}
	for _, spec := range fields {
		id := spec.Name
		for fid, name := range raw.Names {
			if strings.EqualFold(name, spec.Name) {
				id = fid
			}
		}
		c.fields[spec.Name] = resolvedField{Name: spec.Name, ID: id, Kind: spec.Kind, kept: newKept()}
	}
	if orgField == "" {
		orgField = "Organizations"
	}
	for fid, name := range raw.Names {
		if fid == orgField || strings.EqualFold(name, orgField) {
			c.orgField = fid
		}
	}
	for fid, sc := range raw.Schema {
		if sc.Custom == orgFieldType {
			c.orgField = fid
		}
	}
	var status struct {
		Name           string `json:"name"`
		StatusCategory struct {
			Key string `json:"key"`
		} `json:"statusCategory"`
	}
	if s, ok := raw.Fields["status"]; ok {
		if json.Unmarshal(s, &status) == nil && status.Name != "" {
			c.statusCat[strings.ToLower(status.Name)] = status.StatusCategory.Key
		}
	}
	wi := raw.wireIssue
	wi.Changelog = (*changelogPage)(raw.Changelog)
	var histories []wireHistory
	if wi.Changelog != nil {
		histories = wi.Changelog.Histories
	}
	var comments []wireComment
	if s, ok := wi.Fields["comment"]; ok && string(s) != "null" {
		var p commentPage
		if err := json.Unmarshal(s, &p); err != nil {
			return rules.Issue{}, fmt.Errorf("jira: %s: comments: %w", wi.Key, err)
		}
		comments = p.Comments
	}
	var worklogs []gojira.WorklogRecord
	if s, ok := wi.Fields["worklog"]; ok && string(s) != "null" {
		var p gojira.Worklog
		if err := json.Unmarshal(s, &p); err != nil {
			return rules.Issue{}, fmt.Errorf("jira: %s: worklogs: %w", wi.Key, err)
		}
		worklogs = p.Worklogs
	}
	return c.mapIssue(&wi, histories, comments, worklogs)
}
