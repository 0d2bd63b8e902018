package jira

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	gojira "github.com/andygrunwald/go-jira"

	"github.com/slabot/slabot/rules"
)

func unmarshal(raw json.RawMessage, v any) error { return decodeValue(raw, v) }

func toUser(u *gojira.User) rules.User {
	if u == nil {
		return rules.User{}
	}
	return rules.User{AccountID: u.AccountID, Email: u.EmailAddress, DisplayName: u.DisplayName}
}

// wireUser is a user as the mapping reads it (UserDetails).
type wireUser struct {
	AccountID    string `json:"accountId"`
	EmailAddress string `json:"emailAddress"`
	DisplayName  string `json:"displayName"`
}

func (u *wireUser) user() rules.User {
	if u == nil {
		return rules.User{}
	}
	return rules.User{AccountID: u.AccountID, Email: u.EmailAddress, DisplayName: u.DisplayName}
}

// mapIssue converts Jira's JSON (with complete lists) to the engine's
// connector-neutral issue.
func (c *Client) mapIssue(wi *wireIssue, histories []wireHistory, comments []wireComment, worklogs []gojira.WorklogRecord) (rules.Issue, error) {
	is := rules.Issue{ID: wi.ID, Key: wi.Key}
	if k, _, ok := strings.Cut(wi.Key, "-"); ok {
		is.Project = k
	}
	f := wi.Fields
	bad := func(field string, err error) error { return fmt.Errorf("jira: %s: field %s: %w", wi.Key, field, err) }
	get := func(name string, v any) error {
		raw, ok := f[name]
		if !ok || string(raw) == "null" {
			return nil
		}
		if err := unmarshal(raw, v); err != nil {
			return bad(name, err)
		}
		return nil
	}
	// Only what the engine reads of each field: go-jira's structs decode
	// every link, avatar and scheme of it.
	type named struct {
		Name string `json:"name"`
	}
	var (
		project struct {
			Key string `json:"key"`
		}
		typ    named
		prio   *named
		status *struct {
			Name           string `json:"name"`
			StatusCategory struct {
				Key string `json:"key"`
			} `json:"statusCategory"`
		}
		res                *named
		reporter, assignee *wireUser
		created, updated   string
		resolved           string
	)
	for _, g := range []struct {
		name string
		v    any
	}{
		{"summary", &is.Summary}, {"description", &is.Description}, {"project", &project}, {"issuetype", &typ},
		{"priority", &prio}, {"status", &status}, {"resolution", &res}, {"resolutiondate", &resolved},
		{"created", &created}, {"updated", &updated}, {"reporter", &reporter}, {"assignee", &assignee}, {"labels", &is.Labels},
	} {
		if err := get(g.name, g.v); err != nil {
			return is, err
		}
	}
	if project.Key != "" {
		is.Project = project.Key
	}
	is.Type = typ.Name
	if prio != nil {
		is.Priority = prio.Name
	}
	if status != nil {
		is.Status = status.Name
		is.StatusCategory = status.StatusCategory.Key
	}
	if res != nil {
		is.Resolution = res.Name
	}
	is.Reporter = reporter.user()
	if assignee != nil {
		u := assignee.user()
		is.Assignee = &u
	}
	var err error
	if is.Created, err = parseTime(created); err != nil {
		return is, bad("created", err)
	}
	if is.Created.IsZero() {
		// Every Jira issue has one; without it every clock would start in
		// year 1 and every goal read as breached.
		if wi.Key == "" && wi.ID == "" {
			return is, fmt.Errorf("jira: the data holds no issue (no key, id or created date): save it with GET /rest/api/2/issue/KEY?expand=changelog,names")
		}
		return is, fmt.Errorf("jira: %s has no created date: its fields were not returned (fields must include created), so its SLA clocks cannot start", wi.Key)
	}
	if is.Updated, err = parseTime(updated); err != nil {
		return is, bad("updated", err)
	}
	if is.Resolved, err = parseTime(resolved); err != nil {
		return is, bad("resolutiondate", err)
	}

	c.mu.RLock()
	specs, orgField, cats := c.fields, c.orgField, c.statusCat
	c.mu.RUnlock()

	if orgField != "" {
		var orgs []wireOrg
		if err := get(orgField, &orgs); err != nil {
			return is, err
		}
		for _, o := range orgs {
			is.Organizations = append(is.Organizations, o.Name)
		}
	}
	for _, spec := range specs {
		raw, ok := f[spec.ID]
		if !ok || string(raw) == "null" {
			continue
		}
		v, err := customValue(spec, raw)
		if err != nil {
			return is, bad(spec.ID, err)
		}
		if !v.IsZero() {
			if is.Fields == nil {
				is.Fields = make(map[string]rules.FieldValue, len(specs))
			}
			is.Fields[spec.Name] = v
		}
	}

	// The changelog arrives newest first inline and oldest first when
	// paged; the engine wants it chronological. Times and ids are parsed
	// once, not in every comparison (a full sync sorts ~350,000 entries).
	type dated struct {
		at time.Time
		id int64
		h  *wireHistory
	}
	hs := make([]dated, len(histories))
	for i := range histories {
		h := &histories[i]
		at, err := parseTime(h.Created)
		if err != nil {
			return is, fmt.Errorf("jira: %s: changelog %s: %w", wi.Key, h.ID, err)
		}
		id, _ := strconv.ParseInt(h.ID, 10, 64)
		hs[i] = dated{at: at, id: id, h: h}
	}
	less := func(a, b int) bool {
		if !hs[a].at.Equal(hs[b].at) {
			return hs[a].at.Before(hs[b].at)
		}
		return hs[a].id < hs[b].id
	}
	// Inline lists come newest first, paged and bulk ones oldest first:
	// reversing or keeping them is what the stable sort would do.
	ascending, descending := true, true
	for i := 1; i < len(hs) && (ascending || descending); i++ {
		ascending = ascending && !less(i, i-1)
		descending = descending && less(i, i-1)
	}
	switch {
	case ascending:
	case descending:
		slices.Reverse(hs)
	default:
		sort.SliceStable(hs, less)
	}
	for _, d := range hs {
		at, h := d.at, d.h
		for _, it := range h.Items {
			ch := rules.Change{At: at, AuthorID: h.Author.AccountID, Field: it.Field, From: it.FromString, To: it.ToString,
				FromID: it.From, ToID: it.To}
			if it.Field == rules.FieldStatus {
				if to := ch.ToID; cats[to] != "" {
					ch.ToCategory = cats[to]
				} else {
					ch.ToCategory = cats[strings.ToLower(it.ToString)]
				}
			}
			is.Changes = append(is.Changes, ch)
		}
	}
	for _, cm := range comments {
		at, err := parseTime(cm.Created)
		if err != nil {
			return is, fmt.Errorf("jira: %s: comment %s: %w", wi.Key, cm.ID, err)
		}
		// Outside JSM a comment is visible to the reporter unless it is
		// restricted to a role or group; in JSM, unless it is an internal
		// note. Either restriction keeps it from the customer, so it is no
		// first response.
		pub := cm.Visibility.Type == "" && cm.Visibility.Value == ""
		if cm.JSDPublic != nil && !*cm.JSDPublic {
			pub = false
		}
		author := cm.Author
		is.Comments = append(is.Comments, rules.Comment{ID: cm.ID, Author: toUser(&author), Created: at, Body: cm.Body, Public: pub})
	}
	sort.SliceStable(is.Comments, func(a, b int) bool { return is.Comments[a].Created.Before(is.Comments[b].Created) })
	for _, w := range worklogs {
		var started time.Time
		if w.Started != nil {
			started = time.Time(*w.Started)
		}
		is.Worklogs = append(is.Worklogs, rules.Worklog{Author: toUser(w.Author), Started: started,
			Spent: time.Duration(w.TimeSpentSeconds) * time.Second})
	}
	return is, nil
}

// customValue reads a custom field value as the engine holds it. A
// datetime carries the precision its field keeps (see keptPrecision).
// Fields only read (customer, plan, qualification) are taken as they come:
// an option's value or a text reads as text whatever the field's type.
func customValue(spec resolvedField, raw json.RawMessage) (rules.FieldValue, error) {
	switch spec.Kind {
	case rules.KindDatetime:
		var s string
		if err := unmarshal(raw, &s); err != nil {
			return rules.FieldValue{}, err
		}
		t, err := parseTime(s)
		if err != nil || t.IsZero() {
			return rules.FieldValue{}, err
		}
		v := rules.Datetime(t)
		if spec.kept != nil {
			v.Precision = spec.kept.see(t)
		}
		return v, nil
	case rules.KindNumber:
		var n float64
		if err := unmarshal(raw, &n); err != nil {
			return rules.FieldValue{}, err
		}
		return rules.Number(n), nil
	case rules.KindOption, rules.KindText:
		var s string
		if unmarshal(raw, &s) != nil {
			var o wireOption
			if err := unmarshal(raw, &o); err != nil {
				return rules.FieldValue{}, fmt.Errorf("neither text nor an option: %w", err)
			}
			s = o.Value
		}
		if spec.Kind == rules.KindOption {
			return rules.Option(s), nil
		}
		return rules.Text(s), nil
	}
	return rules.FieldValue{}, fmt.Errorf("unsupported field kind %s", spec.Kind)
}
