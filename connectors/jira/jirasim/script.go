package jirasim

import (
	"fmt"
	"sort"
	"strconv"
	"time"
)

// Scripting: these methods change the site the way people in Jira would,
// at a given instant (zero means the simulator's clock), so the demo and
// tests can play a timeline of agents and customers working tickets. Each
// change writes the changelog and bumps "updated" like Jira does.

func (s *Server) at(t time.Time) time.Time {
	if t.IsZero() {
		return s.now()
	}
	return stamp(t)
}

func (s *Server) scriptIssue(key string) (*issue, error) {
	is := s.issueRef(key)
	if is == nil {
		return nil, fmt.Errorf("jirasim: no issue %q", key)
	}
	return is, nil
}

func (s *Server) checkActor(actor string) error {
	if actor != "" && s.users[actor] == nil {
		return fmt.Errorf("jirasim: unknown account %q", actor)
	}
	return nil
}

// AddIssues adds issues (with their history) as a seed would.
func (s *Server) AddIssues(issues ...Issue) error {
	s.mu.Lock()
	s.changed()
	defer s.mu.Unlock()
	for _, in := range issues {
		if _, err := s.insertIssue(in); err != nil {
			return err
		}
	}
	return nil
}

// CreateIssue creates an issue as in.Reporter at in.Created (zero: now)
// and returns its key.
func (s *Server) CreateIssue(in Issue) (string, error) {
	s.mu.Lock()
	s.changed()
	defer s.mu.Unlock()
	in.Created = s.at(in.Created)
	is, err := s.insertIssue(in)
	if err != nil {
		return "", err
	}
	s.emit(is, "jira:issue_created")
	return is.key, nil
}

// Transition moves an issue to status (by name or id) as actor at at.
// Entering a done status sets the resolution (Done) and leaving it clears
// it, as a typical workflow's post functions do.
func (s *Server) Transition(key, status, actor string, at time.Time) error {
	s.mu.Lock()
	s.changed()
	defer s.mu.Unlock()
	is, err := s.scriptIssue(key)
	if err != nil {
		return err
	}
	if err := s.checkActor(actor); err != nil {
		return err
	}
	st := s.statusNamed(status)
	if st == nil {
		return fmt.Errorf("jirasim: unknown status %q", status)
	}
	s.transition(is, st, "", actor, s.at(at))
	return nil
}

// AddComment comments as author. Internal notes are only possible for
// agents on service desk projects; customers' comments are always public.
func (s *Server) AddComment(key, author, body string, internal bool, at time.Time) (string, error) {
	s.mu.Lock()
	s.changed()
	defer s.mu.Unlock()
	is, err := s.scriptIssue(key)
	if err != nil {
		return "", err
	}
	if author == "" || s.users[author] == nil {
		return "", fmt.Errorf("jirasim: unknown account %q", author)
	}
	cm := s.addCommentAt(is, author, body, internal, nil, s.at(at))
	return strconv.FormatInt(cm.id, 10), nil
}

// AddRestrictedComment comments as author, visible only to the project
// role or group vis names (on any project type).
func (s *Server) AddRestrictedComment(key, author, body string, vis Visibility, at time.Time) (string, error) {
	if err := checkVisibility(&vis); err != nil {
		return "", fmt.Errorf("jirasim: %w", err)
	}
	s.mu.Lock()
	s.changed()
	defer s.mu.Unlock()
	is, err := s.scriptIssue(key)
	if err != nil {
		return "", err
	}
	if author == "" || s.users[author] == nil {
		return "", fmt.Errorf("jirasim: unknown account %q", author)
	}
	if msg := s.visibilityRefusal(author, is.project.Key, &vis); msg != "" {
		return "", fmt.Errorf("jirasim: %s", msg)
	}
	cm := s.addCommentAt(is, author, body, false, &vis, s.at(at))
	return strconv.FormatInt(cm.id, 10), nil
}

// SetPriority changes the priority as actor.
func (s *Server) SetPriority(key, priority, actor string, at time.Time) error {
	return s.SetFields(key, map[string]any{"priority": priority}, actor, at)
}

// Assign sets the assignee (empty unassigns) as actor.
func (s *Server) Assign(key, assignee, actor string, at time.Time) error {
	return s.SetFields(key, map[string]any{"assignee": assignee}, actor, at)
}

// SetFields changes system fields (summary, description, priority,
// assignee, issuetype, labels as []string) and custom fields (by name or
// id; nil clears) as actor, in one changelog entry. Screens do not apply.
func (s *Server) SetFields(key string, values map[string]any, actor string, at time.Time) error {
	s.mu.Lock()
	s.changed()
	defer s.mu.Unlock()
	is, err := s.scriptIssue(key)
	if err != nil {
		return err
	}
	if err := s.checkActor(actor); err != nil {
		return err
	}
	defer s.emit(is, "jira:issue_updated")
	when := s.at(at)
	var items []histItem
	names := make([]string, 0, len(values))
	for n := range values {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		v := values[name]
		switch name {
		case "summary", "description":
			x, _ := v.(string)
			old := &is.summary
			if name == "description" {
				old = &is.description
			}
			if *old != x {
				items = append(items, histItem{field: name, fieldID: name, fieldType: "jira", fromString: *old, toString: x})
				*old = x
			}
		case "priority":
			p := s.priorityNamed(fmt.Sprint(v))
			if p == nil {
				return fmt.Errorf("jirasim: unknown priority %v", v)
			}
			if p != is.priority {
				it := histItem{field: "priority", fieldID: "priority", fieldType: "jira", to: p.ID, toString: p.Name}
				if is.priority != nil {
					it.from, it.fromString = is.priority.ID, is.priority.Name
				}
				items = append(items, it)
				is.priority = p
			}
		case "issuetype":
			t := s.typeNamed(fmt.Sprint(v))
			if t == nil {
				return fmt.Errorf("jirasim: unknown issue type %v", v)
			}
			if t != is.typ {
				items = append(items, histItem{field: "issuetype", fieldID: "issuetype", fieldType: "jira",
					from: is.typ.ID, fromString: is.typ.Name, to: t.ID, toString: t.Name})
				is.typ = t
			}
		case "assignee":
			a, _ := v.(string)
			if err := s.checkActor(a); err != nil {
				return err
			}
			if a != is.assignee {
				items = append(items, histItem{field: "assignee", fieldID: "assignee", fieldType: "jira", from: is.assignee, to: a,
					fromString: s.displayName(is.assignee), toString: s.displayName(a)})
				is.assignee = a
			}
		case "labels":
			ls, _ := v.([]string)
			ls = append([]string(nil), ls...)
			sort.Strings(ls)
			if before, after := labelsString(is.labels), labelsString(ls); before != after {
				items = append(items, histItem{field: "labels", fieldID: "labels", fieldType: "jira", fromString: before, toString: after})
				is.labels = ls
			}
		default:
			f := s.fieldNamed(name)
			if f == nil {
				return fmt.Errorf("jirasim: unknown field %q", name)
			}
			nv, err := s.coerceSeedValue(f, s.contextFor(f, is), v)
			if err != nil {
				return err
			}
			old := is.fields[f.ID]
			if equalValue(old, nv) || (old == nil && nv == nil) {
				continue
			}
			items = append(items, histItem{field: f.Name, fieldID: f.ID, fieldType: "custom",
				fromString: s.displayValue(f, old), toString: s.displayValue(f, nv)})
			if nv == nil {
				delete(is.fields, f.ID)
			} else {
				is.fields[f.ID] = nv
			}
		}
	}
	if len(items) > 0 {
		s.nextHistoryID++
		is.histories = append(is.histories, history{id: s.nextHistoryID, at: when, author: actor, items: items})
		is.updated = later(is.updated, when)
	}
	return nil
}

// LogWork records a worklog (Started zero: now).
func (s *Server) LogWork(key string, w Worklog) error {
	s.mu.Lock()
	s.changed()
	defer s.mu.Unlock()
	is, err := s.scriptIssue(key)
	if err != nil {
		return err
	}
	if s.users[w.Author] == nil {
		return fmt.Errorf("jirasim: unknown account %q", w.Author)
	}
	w.Started = s.at(w.Started)
	s.addWorklogAt(is, w, s.at(time.Time{}))
	return nil
}

// Issue returns a snapshot of an issue in seed form (fields by name).
func (s *Server) Issue(key string) (Issue, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.issueRef(key)
	if is == nil {
		return Issue{}, false
	}
	out := Issue{ID: is.idString(), Key: is.key, Project: is.project.Key, Type: is.typ.Name, Status: is.status.Name,
		Resolution: is.resolution, Summary: is.summary, Description: is.description, Reporter: is.reporter,
		Assignee: is.assignee, Labels: append([]string(nil), is.labels...), Fields: map[string]any{},
		Created: is.created, Updated: is.updated, Resolved: is.resolved}
	if is.priority != nil {
		out.Priority = is.priority.Name
	}
	for id, v := range is.fields {
		f := s.fieldByID[id]
		if f.Type == FieldOrganizations {
			out.Organizations = append([]string(nil), v.([]string)...)
			continue
		}
		out.Fields[f.Name] = v
	}
	for _, h := range is.histories {
		hh := History{ID: strconv.FormatInt(h.id, 10), At: h.at, Author: h.author}
		for _, it := range h.items {
			hh.Items = append(hh.Items, Item{Field: it.field, From: it.fromString, To: it.toString})
		}
		out.History = append(out.History, hh)
	}
	for _, c := range is.comments {
		out.Comments = append(out.Comments, Comment{ID: strconv.FormatInt(c.id, 10), Author: c.author, Body: c.body, Internal: c.internal, Visibility: copyVis(c.vis), Created: c.created})
	}
	for _, w := range is.worklogs {
		out.Worklogs = append(out.Worklogs, Worklog{ID: strconv.FormatInt(w.id, 10), Author: w.author, Started: w.started, SpentSeconds: w.seconds, Comment: w.comment})
	}
	return out, true
}

// IssueKeys lists every issue key in creation order.
func (s *Server) IssueKeys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.issues))
	for i, is := range s.issues {
		out[i] = is.key
	}
	return out
}
