package jirasim

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"time"
	"unicode/utf16"
)

const notFoundIssue = "Issue does not exist or you do not have permission to see it."

// lookup resolves the path's issue and checks the caller may browse it;
// otherwise it answers 404 like Cloud (which does not reveal existence).
func (c *call) lookup() *issue {
	is := c.s.issueRef(c.r.PathValue("issueIdOrKey"))
	if is == nil || !canBrowse(c.user, is.project) {
		c.fail(http.StatusNotFound, notFoundIssue)
		return nil
	}
	return is
}

// lookupForWrite is lookup plus the edit permission check.
func (c *call) lookupForWrite(what string) *issue {
	is := c.lookup()
	if is == nil {
		return nil
	}
	if c.user.ReadOnly {
		c.fail(http.StatusForbidden, "You do not have permission to "+what+".")
		return nil
	}
	return is
}

func (c *call) getIssue() {
	is := c.lookup()
	if is == nil {
		return
	}
	q := c.r.URL.Query()
	sel := fieldSel{all: true}
	if fs := q["fields"]; len(fs) > 0 {
		var list []string
		for _, f := range fs {
			list = append(list, strings.Split(f, ",")...)
		}
		sel = parseFieldSel(list)
	}
	cl := -1
	if strings.Contains(q.Get("expand"), "changelog") {
		cl = c.s.caps.IssueChangelog
	}
	bean := c.s.renderIssue(c.rc, is, sel, cl)
	if strings.Contains(q.Get("expand"), "names") {
		// expand=names: the display name of every field, so a saved issue
		// can be read by field name (slabot explain --issue).
		bean.Names = map[string]string{}
		for _, f := range c.s.fields {
			bean.Names[f.ID] = f.Name
		}
	}
	c.json(http.StatusOK, bean)
}

type editRequest struct {
	Fields     map[string]json.RawMessage   `json:"fields,omitempty"`
	Update     map[string][]json.RawMessage `json:"update,omitempty"`
	Properties []json.RawMessage            `json:"properties,omitempty"`
	Transition json.RawMessage              `json:"transition,omitempty"`
	History    json.RawMessage              `json:"historyMetadata,omitempty"`
}

// createIssue handles POST /rest/api/2/issue (CreatedIssue).
func (c *call) createIssue() {
	var req editRequest
	if !c.decode(&req, true) {
		return
	}
	if c.user.ReadOnly {
		c.fail(http.StatusForbidden, "You do not have permission to create issues in this project.")
		return
	}
	if errs := c.rc.adfFields(req.Fields); len(errs) > 0 {
		c.failFields(http.StatusBadRequest, errs)
		return
	}
	var ref struct {
		Key  string `json:"key"`
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	in := Issue{Reporter: c.user.AccountID}
	errs := map[string]string{}
	if raw, ok := req.Fields["project"]; !ok || json.Unmarshal(raw, &ref) != nil {
		errs["project"] = "Specify a valid project ID or key"
	} else if p := c.s.projects[ref.Key]; p != nil {
		in.Project = p.Key
	} else if p := c.s.projByID[ref.ID]; p != nil {
		in.Project = p.Key
	} else {
		errs["project"] = "Specify a valid project ID or key"
	}
	ref.Name, ref.ID = "", ""
	if raw, ok := req.Fields["issuetype"]; !ok || json.Unmarshal(raw, &ref) != nil || c.s.typeNamed(ref.Name+ref.ID) == nil {
		errs["issuetype"] = "Specify an issue type"
	} else {
		in.Type = ref.Name + ref.ID
	}
	if raw, ok := req.Fields["summary"]; !ok || json.Unmarshal(raw, &in.Summary) != nil || in.Summary == "" {
		errs["summary"] = "You must specify a summary of the issue."
	}
	if len(errs) > 0 {
		c.failFields(http.StatusBadRequest, errs)
		return
	}
	if p := c.s.projects[in.Project]; p != nil && !canBrowse(c.user, p) {
		c.fail(http.StatusForbidden, "You do not have permission to create issues in this project.")
		return
	}
	is, err := c.s.insertIssue(in)
	if err != nil {
		c.fail(http.StatusBadRequest, err.Error())
		return
	}
	rest := editRequest{Fields: map[string]json.RawMessage{}, Update: req.Update}
	for k, v := range req.Fields {
		if k != "project" && k != "issuetype" && k != "summary" {
			rest.Fields[k] = v
		}
	}
	// Creation sets values without changelog entries; screens do not apply
	// here (the create screen usually has the fields the bot needs).
	if errs := c.s.applyEdit(is, rest, c.user.AccountID, false, true); len(errs) > 0 {
		c.s.deleteIssue(is)
		c.failFields(http.StatusBadRequest, errs)
		return
	}
	c.s.emit(is, "jira:issue_created")
	c.json(http.StatusCreated, map[string]any{"id": is.idString(), "key": is.key, "self": c.rc.base + c.rc.api + "/issue/" + is.idString()})
}

func (s *Server) deleteIssue(is *issue) {
	delete(s.byKey, is.key)
	delete(s.byID, is.id)
	for i, x := range s.issues {
		if x == is {
			s.issues = append(s.issues[:i:i], s.issues[i+1:]...)
			break
		}
	}
}

// editIssue handles PUT /rest/api/2/issue/{issueIdOrKey}.
func (c *call) editIssue() {
	is := c.lookupForWrite("edit this issue")
	if is == nil {
		return
	}
	q := c.r.URL.Query()
	if strings.EqualFold(q.Get("notifyUsers"), "false") && !c.user.Admin {
		c.fail(http.StatusForbidden, "To discard the user notification either admin or project admin permissions are required.")
		return
	}
	var req editRequest
	if !c.decode(&req, true) {
		return
	}
	if errs := c.rc.adfFields(req.Fields); len(errs) > 0 {
		c.failFields(http.StatusBadRequest, errs)
		return
	}
	if len(req.Fields) == 0 && len(req.Update) == 0 && len(req.Properties) == 0 {
		c.fail(http.StatusBadRequest, "Can not edit an issue without fields or update operations.")
		return
	}
	if errs := c.s.applyEdit(is, req, c.user.AccountID, true, false); len(errs) > 0 {
		c.failFields(http.StatusBadRequest, errs)
		return
	}
	c.s.emit(is, "jira:issue_updated")
	// "200 Returned if the request is successful and the `returnIssue`
	// parameter is `true`", with "the issue with fields edited in this
	// request ... in the same format as in the Get issue API"; expand is
	// Get issue's (Atlassian's description of PUT
	// /rest/api/3/issue/{issueIdOrKey}).
	if strings.EqualFold(q.Get("returnIssue"), "true") {
		cl := -1
		if strings.Contains(q.Get("expand"), "changelog") {
			cl = c.s.caps.IssueChangelog
		}
		c.json(http.StatusOK, c.s.renderIssue(c.rc, is, fieldSel{all: true}, cl))
		return
	}
	c.noContent()
}

// Jira's limits on what an edit or a comment may carry. Neither is in
// Atlassian's OpenAPI description; both are Jira Cloud's answers as
// reported by its users: a label over 255 characters answers 400 "The
// label '...' exceeds the maximum length for a single label of 255
// characters" (github.com/prometheus-community/jiralert issue 146); a
// comment over 32,767 characters answers 400 under "comment": "The entered
// text is too long. It exceeds the allowed limit of 32,767 characters."
// (github.com/mozilla/jira-bugzilla-integration issue 1030;
// github.com/jenkinsci/jira-plugin issue 667 shows the same message
// keyed "comment"). Characters are counted as UTF-16 code units, the
// stricter of the two readings for text outside the Basic Multilingual
// Plane.
const (
	MaxLabelLength   = 255
	MaxCommentLength = 32767
)

// textLength counts s in UTF-16 code units.
func textLength(s string) int { return len(utf16.Encode([]rune(s))) }

func labelTooLong(l string) string {
	return "The label '" + l + "' exceeds the maximum length for a single label of 255 characters"
}

const commentTooLong = "The entered text is too long. It exceeds the allowed limit of 32,767 characters."

// settable reports whether an edit (screen: through the edit screen, not
// a create) may set custom field f on is: it exists, a context of it
// covers the issue, and the edit screen has it. Jira gives one answer to
// all three (notOnScreen).
func (s *Server) settable(f *field, is *issue, screen bool) bool {
	return f != nil && s.contextFor(f, is) != nil && (!screen || s.onEditScreen(f, is))
}

// notOnScreen is Jira's message for a field the edit screen lacks, or that
// does not exist on the issue (no context covers it, or no such field).
func notOnScreen(id string) string {
	return "Field '" + id + "' cannot be set. It is not on the appropriate screen, or unknown."
}

// applyEdit validates the whole request first (Jira applies all or
// nothing), then applies it as one changelog entry by author.
func (s *Server) applyEdit(is *issue, req editRequest, author string, screen, creating bool) map[string]string {
	errs := map[string]string{}
	type set struct {
		f *field
		v any
	}
	var sets []set
	var summary, description *string
	var prio *Priority
	var assignee *string
	var labelsSet []string
	labelsSetGiven := false
	type labelOp struct {
		add bool
		l   string
	}
	var labelOps []labelOp
	var comments []string

	// A field edited in both `fields` and `update` is refused: Atlassian's
	// description of POST .../transitions lists "a field is specified in
	// both `fields` and `update`" among its 400s, and Jira answers an
	// edit the same way (measured against Jira Cloud; the wording here is
	// not Jira's, which is not documented).
	for id := range req.Update {
		if _, both := req.Fields[id]; both {
			errs[id] = "Field '" + id + "' is specified in both 'fields' and 'update'."
		}
	}
	for id, raw := range req.Fields {
		switch id {
		case "summary", "description":
			var x string
			if json.Unmarshal(raw, &x) != nil && string(raw) != "null" {
				errs[id] = "Operation value must be a string"
				continue
			}
			if id == "summary" {
				summary = &x
			} else {
				description = &x
			}
		case "priority":
			var ref struct{ Name, ID string }
			if json.Unmarshal(raw, &ref) != nil {
				errs[id] = "Could not find valid 'id' or 'name' in priority object."
				continue
			}
			if prio = s.priorityNamed(ref.Name + ref.ID); prio == nil {
				errs[id] = "Specify a valid 'id' or 'name' for Priority"
			}
		case "labels":
			if json.Unmarshal(raw, &labelsSet) != nil {
				errs[id] = "Operation value must be an array of strings"
			}
			for _, l := range labelsSet {
				if textLength(l) > MaxLabelLength {
					errs[id] = labelTooLong(l)
				}
			}
			labelsSetGiven = true
		case "assignee":
			var ref struct {
				AccountID string `json:"accountId"`
			}
			if string(raw) == "null" {
				empty := ""
				assignee = &empty
			} else if json.Unmarshal(raw, &ref) != nil || s.users[ref.AccountID] == nil {
				errs[id] = "Specify a valid value for assignee"
			} else {
				assignee = &ref.AccountID
			}
		default:
			f := s.fieldByID[id]
			if !s.settable(f, is, screen) {
				errs[id] = notOnScreen(id)
				continue
			}
			v, msg := s.editValue(f, s.contextFor(f, is), raw)
			if msg != "" {
				errs[id] = msg
				continue
			}
			sets = append(sets, set{f, v})
		}
	}
	for id, ops := range req.Update {
		switch id {
		case "labels":
			for _, raw := range ops {
				var op map[string]json.RawMessage
				if json.Unmarshal(raw, &op) != nil {
					errs[id] = "Invalid update operation"
					continue
				}
				for verb, arg := range op {
					switch verb {
					case "add", "remove":
						var l string
						if json.Unmarshal(arg, &l) != nil || l == "" || strings.ContainsAny(l, " \t") {
							errs[id] = "The label '" + string(arg) + "' contains spaces which is invalid."
							continue
						}
						if verb == "add" && textLength(l) > MaxLabelLength {
							errs[id] = labelTooLong(l)
							continue
						}
						labelOps = append(labelOps, labelOp{verb == "add", l})
					case "set":
						if json.Unmarshal(arg, &labelsSet) != nil {
							errs[id] = "Operation value must be an array of strings"
						}
						for _, l := range labelsSet {
							if textLength(l) > MaxLabelLength {
								errs[id] = labelTooLong(l)
							}
						}
						labelsSetGiven = true
					default:
						errs[id] = "Unsupported operation '" + verb + "' for labels"
					}
				}
			}
		case "comment":
			for _, raw := range ops {
				var op struct {
					Add struct {
						Body string `json:"body"`
					} `json:"add"`
				}
				if json.Unmarshal(raw, &op) != nil || op.Add.Body == "" {
					errs[id] = "Comment body can not be empty!"
					continue
				}
				if textLength(op.Add.Body) > MaxCommentLength {
					errs[id] = commentTooLong
					continue
				}
				comments = append(comments, op.Add.Body)
			}
		default:
			if !s.settable(s.fieldByID[id], is, screen) {
				errs[id] = notOnScreen(id)
			} else {
				errs[id] = "Unsupported update operation for " + id
			}
		}
	}
	if len(errs) > 0 {
		return errs
	}

	now := s.now()
	var items []histItem
	if summary != nil && *summary != is.summary {
		items = append(items, histItem{field: "summary", fieldType: "jira", fieldID: "summary", fromString: is.summary, toString: *summary})
		is.summary = *summary
	}
	if description != nil && *description != is.description {
		items = append(items, histItem{field: "description", fieldType: "jira", fieldID: "description", fromString: is.description, toString: *description})
		is.description = *description
	}
	if prio != nil && prio != is.priority {
		it := histItem{field: "priority", fieldType: "jira", fieldID: "priority", to: prio.ID, toString: prio.Name}
		if is.priority != nil {
			it.from, it.fromString = is.priority.ID, is.priority.Name
		}
		items = append(items, it)
		is.priority = prio
	}
	if assignee != nil && *assignee != is.assignee {
		items = append(items, histItem{field: "assignee", fieldType: "jira", fieldID: "assignee", from: is.assignee, to: *assignee,
			fromString: s.displayName(is.assignee), toString: s.displayName(*assignee)})
		is.assignee = *assignee
	}
	before := labelsString(is.labels)
	if labelsSetGiven {
		is.labels = append([]string(nil), labelsSet...)
	}
	for _, op := range labelOps {
		is.setLabel(op.l, op.add)
	}
	sort.Strings(is.labels)
	if after := labelsString(is.labels); after != before {
		items = append(items, histItem{field: "labels", fieldType: "jira", fieldID: "labels", fromString: before, toString: after})
	}
	for _, st := range sets {
		old := is.fields[st.f.ID]
		if equalValue(old, st.v) {
			continue
		}
		items = append(items, histItem{field: st.f.Name, fieldType: "custom", fieldID: st.f.ID,
			fromString: s.displayValue(st.f, old), toString: s.displayValue(st.f, st.v)})
		if st.v == nil {
			delete(is.fields, st.f.ID)
		} else {
			is.fields[st.f.ID] = st.v
		}
	}
	changed := false
	if len(items) > 0 && !creating {
		s.nextHistoryID++
		is.histories = append(is.histories, history{id: s.nextHistoryID, at: now, author: author, items: items})
		changed = true
	}
	for _, body := range comments {
		s.nextCommentID++
		is.comments = append(is.comments, comment{id: s.nextCommentID, author: author, body: body, created: now, updated: now})
		changed = true
	}
	if changed {
		is.updated = later(is.updated, now)
	}
	return nil
}

func (s *Server) displayName(accountID string) string {
	if u := s.users[accountID]; u != nil {
		return u.DisplayName
	}
	return ""
}

// transition moves an issue to status st as author at instant at, keeping
// resolution and resolution date consistent with the status category.
func (s *Server) transition(is *issue, st *Status, resolution, author string, at time.Time) {
	if st == is.status {
		return
	}
	items := []histItem{{field: "status", fieldType: "jira", fieldID: "status",
		from: is.status.ID, fromString: is.status.Name, to: st.ID, toString: st.Name}}
	switch {
	case st.Category == CategoryDone && is.resolution == "":
		if resolution == "" {
			resolution = "Done"
		}
		items = append(items, histItem{field: "resolution", fieldType: "jira", fieldID: "resolution", to: "10000", toString: resolution})
		is.resolution, is.resolved = resolution, at
	case st.Category != CategoryDone && is.resolution != "":
		items = append(items, histItem{field: "resolution", fieldType: "jira", fieldID: "resolution", from: "10000", fromString: is.resolution})
		is.resolution, is.resolved = "", time.Time{}
	}
	is.status = st
	s.nextHistoryID++
	is.histories = append(is.histories, history{id: s.nextHistoryID, at: at, author: author, items: items})
	is.updated = later(is.updated, at)
	s.emit(is, "jira:issue_updated")
}
