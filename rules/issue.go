package rules

import "time"

// Issue is the connector-neutral view of one ticket that the engine evaluates.
// connectors/jira maps Jira's JSON (with the changelog expanded) onto it; tests
// and the demo build it directly. Times are absolute instants; the engine
// interprets them in each calendar's zone.
type Issue struct {
	ID      string // stable id (Jira issue id)
	Key     string // human key, e.g. "SAN-42"
	Project string // project key, e.g. "SAN"

	Summary     string
	Description string

	// Current values, as Jira names them (the policy maps them to its own terms).
	Type           string
	Priority       string
	Status         string
	StatusCategory string // "new", "indeterminate" or "done"
	Resolution     string // empty while unresolved

	Reporter User
	Assignee *User // nil when unassigned

	// Organizations are the JSM organizations the issue belongs to.
	Organizations []string
	// Fields holds the values of the custom fields the policy reads or writes,
	// keyed by the field name used in the policy; an absent field is empty.
	Fields map[string]FieldValue
	// Labels are all labels on the issue, set by people or by slabot.
	Labels []string

	Created  time.Time
	Updated  time.Time
	Resolved time.Time // zero while unresolved

	// Changes is the changelog in chronological order.
	Changes  []Change
	Comments []Comment
	Worklogs []Worklog
}

// User is a Jira account. Email may be empty: Jira Cloud hides it for many
// accounts.
type User struct {
	AccountID   string
	Email       string
	DisplayName string
}

// Change is one changed field from the changelog. Field uses Jira's changelog
// names: "status", "priority", "issuetype", "resolution", "summary",
// "description", "labels", "assignee", or a custom field's name.
type Change struct {
	At       time.Time
	AuthorID string
	Field    string
	From     string // the value as Jira displays it (fromString)
	To       string
	// FromID and ToID are the values' ids when Jira gives them (from, to):
	// the accountId for "assignee", the status id for "status".
	FromID string
	ToID   string
	// ToCategory is the status category of To when Field is "status"
	// ("new", "indeterminate", "done"); empty when unknown.
	ToCategory string
}

// Comment is one comment on the issue.
type Comment struct {
	ID      string
	Author  User
	Created time.Time
	Body    string
	// Public is false for JSM internal notes (sd.public.comment = false).
	Public bool
}

// Worklog is time logged on the issue.
type Worklog struct {
	Author  User
	Started time.Time
	Spent   time.Duration
}

// Field names used in Change.Field.
const (
	FieldStatus     = "status"
	FieldPriority   = "priority"
	FieldType       = "issuetype"
	FieldResolution = "resolution"
	FieldAssignee   = "assignee"
)

// Status categories as Jira reports their keys.
const (
	CategoryNew        = "new"
	CategoryInProgress = "indeterminate"
	CategoryDone       = "done"
)

// AssigneesSince lists who held the issue from t on, as its changelog
// tells: the assignee at t first, then each later one in order, ending
// with the current assignee (Issue.Assignee, which wins over a changelog
// that disagrees with it). nil stands for unassigned; a person repeated
// back to back appears once, so a list longer than one means the issue
// changed hands after t.
//
// It answers where a ladder step due at t may have been sent: to the
// assignee's direct messages at t, or at any instant it waited after t.
// A changelog names people by accountId and display name only: the
// e-mail is filled from the people the issue itself shows (assignee,
// reporter, comment and worklog authors) when one of them is the same
// account, else left empty.
func (iss *Issue) AssigneesSince(t time.Time) []*User {
	var changes []Change
	for _, c := range iss.Changes {
		if c.Field == FieldAssignee {
			changes = append(changes, c)
		}
	}
	current := func() *User { // a copy: callers may fill in what is missing
		if iss.Assignee == nil {
			return nil
		}
		u := *iss.Assignee
		return &u
	}
	person := func(id, name string) *User {
		if id == "" {
			return nil
		}
		if iss.Assignee != nil && iss.Assignee.AccountID == id {
			return current()
		}
		return &User{AccountID: id, DisplayName: name, Email: iss.emailOf(id)}
	}
	var out []*User
	add := func(u *User) {
		if n := len(out); n > 0 && sameAccount(out[n-1], u) {
			return
		}
		out = append(out, u)
	}
	i := 0
	for i < len(changes) && !changes[i].At.After(t) {
		i++
	}
	switch {
	case i > 0:
		add(person(changes[i-1].ToID, changes[i-1].To))
	case len(changes) > 0:
		add(person(changes[0].FromID, changes[0].From))
	default:
		add(current())
	}
	for _, c := range changes[i:] {
		add(person(c.ToID, c.To))
	}
	add(current())
	return out
}

// sameAccount reports whether a and b are the same person (or both
// nobody).
func sameAccount(a, b *User) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.AccountID == b.AccountID
}

// emailOf returns the e-mail of account id as the issue shows it on any
// of its people, or "".
func (iss *Issue) emailOf(id string) string {
	users := []*User{iss.Assignee, &iss.Reporter}
	for i := range iss.Comments {
		users = append(users, &iss.Comments[i].Author)
	}
	for i := range iss.Worklogs {
		users = append(users, &iss.Worklogs[i].Author)
	}
	for _, u := range users {
		if u != nil && u.AccountID == id && u.Email != "" {
			return u.Email
		}
	}
	return ""
}
