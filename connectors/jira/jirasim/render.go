package jirasim

import (
	"strconv"
	"time"
)

// JSON shapes of the v2 API. Field sets follow the OpenAPI schemas named in
// the comments (several are closed: additionalProperties false).

type rc struct {
	base   string
	api    string // "/rest/api/2" or "/rest/api/3": self links
	v3     bool   // rich text is ADF (v3.go)
	viewer *User
	users  map[string]*jUser // rendered users, per request
}

// UserDetails
type jUser struct {
	Self         string   `json:"self"`
	AccountID    string   `json:"accountId"`
	AccountType  string   `json:"accountType"`
	Active       bool     `json:"active"`
	AvatarURLs   jAvatars `json:"avatarUrls"`
	DisplayName  string   `json:"displayName"`
	EmailAddress string   `json:"emailAddress,omitempty"`
	TimeZone     string   `json:"timeZone,omitempty"`
}

// AvatarUrlsBean, as far as the simulator fills it: a struct, not a map,
// since every changelog entry renders its author (a map is sorted at each
// encoding).
type jAvatars struct {
	Large string `json:"48x48"`
}

// StatusCategory
type jCategory struct {
	Self      string `json:"self"`
	ID        int    `json:"id"`
	Key       string `json:"key"`
	ColorName string `json:"colorName"`
	Name      string `json:"name"`
}

// StatusDetails
type jStatus struct {
	Self           string    `json:"self"`
	Description    string    `json:"description"`
	IconURL        string    `json:"iconUrl"`
	Name           string    `json:"name"`
	ID             string    `json:"id"`
	StatusCategory jCategory `json:"statusCategory"`
}

// Priority
type jPriority struct {
	Self    string `json:"self"`
	IconURL string `json:"iconUrl"`
	Name    string `json:"name"`
	ID      string `json:"id"`
}

// IssueTypeDetails
type jIssueType struct {
	Self           string `json:"self"`
	ID             string `json:"id"`
	Description    string `json:"description"`
	IconURL        string `json:"iconUrl"`
	Name           string `json:"name"`
	Subtask        bool   `json:"subtask"`
	HierarchyLevel int    `json:"hierarchyLevel"`
}

// ProjectDetails
type jProject struct {
	Self           string `json:"self"`
	ID             string `json:"id"`
	Key            string `json:"key"`
	Name           string `json:"name"`
	ProjectTypeKey string `json:"projectTypeKey"`
	Simplified     bool   `json:"simplified"`
}

// Resolution
type jResolution struct {
	Self        string `json:"self"`
	ID          string `json:"id"`
	Description string `json:"description"`
	Name        string `json:"name"`
}

// Changelog
type jHistory struct {
	ID      string  `json:"id"`
	Author  *jUser  `json:"author,omitempty"`
	Created string  `json:"created"`
	Items   []jItem `json:"items"`
}

// ChangeDetails
type jItem struct {
	Field      string  `json:"field"`
	FieldType  string  `json:"fieldtype"`
	FieldID    string  `json:"fieldId,omitempty"`
	From       *string `json:"from"`
	FromString *string `json:"fromString"`
	To         *string `json:"to"`
	ToString   *string `json:"toString"`
}

// PageOfChangelogs
type jChangelogPage struct {
	StartAt    int        `json:"startAt"`
	MaxResults int        `json:"maxResults"`
	Total      int        `json:"total"`
	Histories  []jHistory `json:"histories"`
}

// Comment
type jComment struct {
	Self         string       `json:"self"`
	ID           string       `json:"id"`
	Author       *jUser       `json:"author,omitempty"`
	Body         any          `json:"body"`
	UpdateAuthor *jUser       `json:"updateAuthor,omitempty"`
	Created      string       `json:"created"`
	Updated      string       `json:"updated"`
	JSDPublic    *bool        `json:"jsdPublic,omitempty"`
	Properties   []jEntity    `json:"properties,omitempty"`
	Visibility   *jVisibility `json:"visibility,omitempty"`
}

// Visibility
type jVisibility struct {
	Type       string `json:"type"`
	Value      string `json:"value"`
	Identifier string `json:"identifier"`
}

// EntityProperty
type jEntity struct {
	Key   string `json:"key"`
	Value any    `json:"value"`
}

// PageOfComments
type jCommentPage struct {
	Comments   []jComment `json:"comments"`
	MaxResults int        `json:"maxResults"`
	Total      int        `json:"total"`
	StartAt    int        `json:"startAt"`
}

// Worklog
type jWorklog struct {
	Self             string `json:"self"`
	Author           *jUser `json:"author,omitempty"`
	UpdateAuthor     *jUser `json:"updateAuthor,omitempty"`
	Comment          any    `json:"comment,omitempty"`
	Created          string `json:"created"`
	Updated          string `json:"updated"`
	Started          string `json:"started"`
	TimeSpent        string `json:"timeSpent"`
	TimeSpentSeconds int    `json:"timeSpentSeconds"`
	ID               string `json:"id"`
	IssueID          string `json:"issueId"`
}

// PageOfWorklogs
type jWorklogPage struct {
	StartAt    int        `json:"startAt"`
	MaxResults int        `json:"maxResults"`
	Total      int        `json:"total"`
	Worklogs   []jWorklog `json:"worklogs"`
}

// IssueBean (subset)
type jIssue struct {
	Expand    string            `json:"expand"`
	ID        string            `json:"id"`
	Self      string            `json:"self"`
	Key       string            `json:"key"`
	Fields    map[string]any    `json:"fields,omitempty"`
	Changelog *jChangelogPage   `json:"changelog,omitempty"`
	Names     map[string]string `json:"names,omitempty"`
}

// CustomFieldOption
type jOption struct {
	Self  string `json:"self"`
	Value string `json:"value"`
	ID    string `json:"id"`
}

// JSM organization as the sd-customer-organizations field renders it.
type jOrg struct {
	ID     string         `json:"id"`
	Name   string         `json:"name"`
	Links  map[string]any `json:"_links"`
	Scoped bool           `json:"scimManaged"`
}

func (s *Server) fmtTime(t time.Time) string { return t.In(s.loc).Format(jiraTime) }

func (s *Server) renderUser(c rc, id string) *jUser {
	if ju, ok := c.users[id]; ok {
		return ju
	}
	u := s.users[id]
	if u == nil {
		return nil
	}
	ju := &jUser{
		Self:        c.base + c.api + "/user?accountId=" + u.AccountID,
		AccountID:   u.AccountID,
		AccountType: "atlassian",
		Active:      true,
		AvatarURLs:  jAvatars{Large: c.base + "/avatar/" + u.AccountID},
		DisplayName: u.DisplayName,
		TimeZone:    s.userZone(u).String(),
	}
	if u.Customer {
		ju.AccountType = "customer"
	}
	if !u.HideEmail || (c.viewer != nil && c.viewer.AccountID == u.AccountID) {
		ju.EmailAddress = u.Email
	}
	if c.users != nil {
		c.users[id] = ju
	}
	return ju
}

// userZone is the user's zone (the site's when unset or unknown). Zones
// are cached: loading one reads the tz database. Caller holds mu.
func (s *Server) userZone(u *User) *time.Location {
	if u == nil || u.TimeZone == "" {
		return s.loc
	}
	if loc, ok := s.zones[u.TimeZone]; ok {
		return loc
	}
	loc, err := time.LoadLocation(u.TimeZone)
	if err != nil {
		loc = s.loc
	}
	s.zones[u.TimeZone] = loc
	return loc
}

var categoryInfo = map[string]jCategory{
	CategoryNew:        {ID: 2, Key: CategoryNew, ColorName: "blue-gray", Name: "To Do"},
	CategoryInProgress: {ID: 4, Key: CategoryInProgress, ColorName: "yellow", Name: "In Progress"},
	CategoryDone:       {ID: 3, Key: CategoryDone, ColorName: "green", Name: "Done"},
}

func (s *Server) renderStatus(c rc, st *Status) jStatus {
	cat := categoryInfo[st.Category]
	cat.Self = c.base + c.api + "/statuscategory/" + strconv.Itoa(cat.ID)
	return jStatus{Self: c.base + c.api + "/status/" + st.ID, Name: st.Name, ID: st.ID,
		IconURL: c.base + "/images/icons/statuses/generic.png", StatusCategory: cat}
}

func (s *Server) renderHistory(c rc, h history) jHistory {
	jh := jHistory{ID: strconv.FormatInt(h.id, 10), Author: s.renderUser(c, h.author), Created: s.fmtTime(h.at)}
	jh.Items = make([]jItem, len(h.items))
	// The item's own strings, not copies: the answer is encoded before
	// the lock is released, and an entry's items never change.
	for i := range h.items {
		it := &h.items[i]
		jh.Items[i] = jItem{Field: it.field, FieldType: it.fieldType, FieldID: it.fieldID,
			From: refOrNil(&it.from), FromString: refOrNil(&it.fromString), To: refOrNil(&it.to), ToString: refOrNil(&it.toString)}
	}
	return jh
}

// refOrNil is s, or nil when it is empty.
func refOrNil(s *string) *string {
	if *s == "" {
		return nil
	}
	return s
}

func (s *Server) renderComment(c rc, is *issue, cm comment) jComment {
	jc := jComment{
		Self:    c.base + c.api + "/issue/" + is.idString() + "/comment/" + strconv.FormatInt(cm.id, 10),
		ID:      strconv.FormatInt(cm.id, 10),
		Author:  s.renderUser(c, cm.author),
		Body:    c.richText(cm.body),
		Created: s.fmtTime(cm.created),
		Updated: s.fmtTime(cm.updated),
	}
	jc.UpdateAuthor = jc.Author
	if cm.vis != nil {
		// Roles are identified by name, groups by an id of their own.
		id := cm.vis.Value
		if cm.vis.Type == "group" {
			id = "group-" + strconv.Itoa(orgID(cm.vis.Value, 0))
		}
		jc.Visibility = &jVisibility{Type: cm.vis.Type, Value: cm.vis.Value, Identifier: id}
	}
	if is.project.ServiceDesk {
		pub := !cm.internal
		jc.JSDPublic = &pub
	}
	return jc
}

func (s *Server) renderWorklog(c rc, is *issue, w worklog) jWorklog {
	u := s.renderUser(c, w.author)
	var cmt any
	if w.comment != "" {
		cmt = c.richText(w.comment)
	}
	return jWorklog{
		Self:         c.base + c.api + "/issue/" + is.idString() + "/worklog/" + strconv.FormatInt(w.id, 10),
		Author:       u,
		UpdateAuthor: u,
		Comment:      cmt,
		Created:      s.fmtTime(w.created),
		Updated:      s.fmtTime(w.created),
		Started:      s.fmtTime(w.started),
		TimeSpent:    (time.Duration(w.seconds) * time.Second).String(),
		ID:           strconv.FormatInt(w.id, 10), IssueID: is.idString(), TimeSpentSeconds: w.seconds,
	}
}

// changelogPage renders up to limit histories the way expand=changelog does:
// the most recent ones, newest first, with the real total.
func (s *Server) inlineChangelog(c rc, is *issue, limit int) *jChangelogPage {
	n := len(is.histories)
	take := min(n, limit)
	p := &jChangelogPage{StartAt: 0, MaxResults: take, Total: n, Histories: make([]jHistory, 0, take)}
	for i := n - 1; i >= n-take; i-- {
		p.Histories = append(p.Histories, s.renderHistory(c, is.histories[i]))
	}
	return p
}

// fieldSel decides which fields to render.
type fieldSel struct {
	all     bool
	include map[string]bool
	exclude map[string]bool
}

func (f fieldSel) has(id string) bool {
	if f.exclude[id] {
		return false
	}
	return f.all || f.include[id]
}

// renderIssue renders an issue with the selected fields; changelogCap < 0
// omits the changelog.
func (s *Server) renderIssue(c rc, is *issue, sel fieldSel, changelogCap int) jIssue {
	ji := jIssue{
		Expand: "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
		ID:     is.idString(),
		Self:   c.base + c.api + "/issue/" + is.idString(),
		Key:    is.key,
	}
	f := map[string]any{}
	put := func(id string, v func() any) {
		if sel.has(id) {
			f[id] = v()
		}
	}
	put("summary", func() any { return is.summary })
	put("description", func() any {
		if is.description == "" {
			return nil
		}
		return c.richText(is.description)
	})
	put("issuetype", func() any {
		return jIssueType{Self: c.base + c.api + "/issuetype/" + is.typ.ID, ID: is.typ.ID, Name: is.typ.Name,
			IconURL: c.base + "/images/icons/issuetypes/task.svg"}
	})
	put("project", func() any {
		typ := "software"
		if is.project.ServiceDesk {
			typ = "service_desk"
		}
		return jProject{Self: c.base + c.api + "/project/" + is.project.ID, ID: is.project.ID, Key: is.project.Key,
			Name: is.project.Name, ProjectTypeKey: typ}
	})
	put("priority", func() any {
		if is.priority == nil {
			return nil
		}
		return jPriority{Self: c.base + c.api + "/priority/" + is.priority.ID, ID: is.priority.ID, Name: is.priority.Name,
			IconURL: c.base + "/images/icons/priorities/" + is.priority.ID + ".svg"}
	})
	put("status", func() any { return s.renderStatus(c, is.status) })
	put("resolution", func() any {
		if is.resolution == "" {
			return nil
		}
		return jResolution{Self: c.base + c.api + "/resolution/10000", ID: "10000", Name: is.resolution}
	})
	put("resolutiondate", func() any {
		if is.resolved.IsZero() || is.resolution == "" {
			return nil
		}
		return s.fmtTime(is.resolved)
	})
	put("created", func() any { return s.fmtTime(is.created) })
	put("updated", func() any { return s.fmtTime(is.updated) })
	put("reporter", func() any { return nilIfNoUser(s.renderUser(c, is.reporter)) })
	put("assignee", func() any { return nilIfNoUser(s.renderUser(c, is.assignee)) })
	put("labels", func() any {
		if is.labels == nil {
			return []string{}
		}
		return is.labels
	})
	put("comment", func() any {
		visible := s.visibleComments(c.viewer, is)
		n := len(visible)
		take := min(n, s.caps.InlineComments)
		p := jCommentPage{Comments: make([]jComment, 0, take), MaxResults: take, Total: n}
		for _, cm := range visible[:take] {
			p.Comments = append(p.Comments, s.renderComment(c, is, cm))
		}
		return p
	})
	put("worklog", func() any {
		n := len(is.worklogs)
		take := min(n, s.caps.InlineWorklogs)
		p := jWorklogPage{Worklogs: make([]jWorklog, 0, take), MaxResults: take, Total: n}
		for _, w := range is.worklogs[:take] {
			p.Worklogs = append(p.Worklogs, s.renderWorklog(c, is, w))
		}
		return p
	})
	for _, fd := range s.fields {
		if !sel.has(fd.ID) {
			continue
		}
		fc := s.contextFor(fd, is)
		if fc == nil {
			continue // the field does not exist on this issue (contexts.go)
		}
		f[fd.ID] = s.renderCustom(c, fd, fc, is.fields[fd.ID])
	}
	if len(f) > 0 {
		ji.Fields = f
	}
	if changelogCap >= 0 {
		ji.Changelog = s.inlineChangelog(c, is, changelogCap)
	}
	return ji
}

func nilIfNoUser(u *jUser) any {
	if u == nil {
		return nil
	}
	return u
}

func (s *Server) renderCustom(c rc, fd *field, fc *fieldContext, v any) any {
	if v == nil {
		return nil
	}
	switch fd.Type {
	case FieldDatetime:
		return s.fmtTime(v.(time.Time))
	case FieldSelect:
		val, id := v.(string), ""
		if o := fc.option(val, ""); o != nil {
			id = o.id
		}
		return jOption{Self: c.base + c.api + "/customFieldOption/" + id, Value: val, ID: id}
	case FieldOrganizations:
		out := []jOrg{}
		for i, name := range v.([]string) {
			out = append(out, jOrg{ID: strconv.Itoa(orgID(name, i)), Name: name, Links: map[string]any{}})
		}
		return out
	}
	return v
}

// orgID gives an organization a stable id derived from its name.
func orgID(name string, _ int) int {
	h := 0
	for _, r := range name {
		h = (h*31 + int(r)) % 100000
	}
	return h + 1
}
