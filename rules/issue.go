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
// "description", "labels", or a custom field's name.
type Change struct {
	At       time.Time
	AuthorID string
	Field    string
	From     string
	To       string
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
)

// Status categories as Jira reports their keys.
const (
	CategoryNew        = "new"
	CategoryInProgress = "indeterminate"
	CategoryDone       = "done"
)
