package jirasim

import "time"

// Status categories, as Jira reports their keys.
const (
	CategoryNew        = "new"
	CategoryInProgress = "indeterminate"
	CategoryDone       = "done"
)

// FieldType is the kind of a custom field. It decides how values are
// rendered and which values an edit accepts.
type FieldType string

// Custom field types the simulator knows.
const (
	FieldDatetime      FieldType = "datetime"
	FieldSelect        FieldType = "select"
	FieldText          FieldType = "text"
	FieldNumber        FieldType = "number"
	FieldOrganizations FieldType = "organizations" // JSM organizations
)

// Seed is the content of a simulated site. Zero IDs are assigned on load.
type Seed struct {
	// TimeZone renders timestamps and is the default zone of users that do
	// not set one (JQL date literals are read in the user's zone).
	TimeZone   string      `json:"timeZone,omitempty"`
	Projects   []Project   `json:"projects"`
	IssueTypes []IssueType `json:"issueTypes"`
	Priorities []Priority  `json:"priorities"`
	Statuses   []Status    `json:"statuses"`
	// Resolutions are the site's resolution names. "Done", which the
	// simulator sets when an issue enters a done status without one, is
	// always among them. JQL refuses any other value.
	Resolutions []string `json:"resolutions,omitempty"`
	Fields      []Field  `json:"fields"`
	Users       []User   `json:"users"`
	// Roles and Groups decide who may read a restricted comment and which
	// restrictions a comment may carry (roles.go).
	Roles  []Role  `json:"roles,omitempty"`
	Groups []Group `json:"groups,omitempty"`
	Issues []Issue `json:"issues"`
}

// Role is a project role (in Jira Cloud the list of roles is shared by
// every project) and the accounts acting in it in Projects (keys; empty:
// every project). Several entries may name one role for different
// projects.
type Role struct {
	Name     string   `json:"name"`
	Members  []string `json:"members,omitempty"` // account ids
	Projects []string `json:"projects,omitempty"`
	// Staff puts every account that is not a customer in the role too, so
	// a seed that replaces DefaultSeed's users keeps its staff roles.
	Staff bool `json:"staff,omitempty"`
}

// Group is a site group and its members (account ids); Staff adds every
// account that is not a customer.
type Group struct {
	Name    string   `json:"name"`
	Members []string `json:"members,omitempty"`
	Staff   bool     `json:"staff,omitempty"`
}

// Project is a Jira project. ServiceDesk projects report jsdPublic on
// comments and accept internal comments.
type Project struct {
	ID          string `json:"id,omitempty"`
	Key         string `json:"key"`
	Name        string `json:"name"`
	ServiceDesk bool   `json:"serviceDesk,omitempty"`
}

// IssueType is an issue type available in every project.
type IssueType struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name"`
}

// Priority is a priority; the order of Seed.Priorities is highest first.
type Priority struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name"`
}

// Status is a workflow status; every status can be reached from every other
// one (global transitions), which is all slabot needs.
type Status struct {
	ID       string `json:"id,omitempty"`
	Name     string `json:"name"`
	Category string `json:"category"` // CategoryNew, CategoryInProgress or CategoryDone
}

// Field is a custom field with one context (contexts.go), global unless
// ContextProjects (keys) limit it, holding Options. NotOnEditScreen
// reproduces the most common misconfiguration: the field exists but is on
// no screen, so edits answer 400 "not on the appropriate screen" (slabot
// setup adds it). NoContext and ContextProjects reproduce the next two:
// the field has no context at all (someone deleted it), or only one for
// other projects; either way it does not exist on the issues of a project
// no context covers (edits answer the same 400; slabot setup fixes both).
type Field struct {
	ID              string    `json:"id,omitempty"` // customfield_NNNNN
	Name            string    `json:"name"`
	Type            FieldType `json:"type"`
	Options         []string  `json:"options,omitempty"` // select fields
	NotOnEditScreen bool      `json:"notOnEditScreen,omitempty"`
	NoContext       bool      `json:"noContext,omitempty"`
	ContextProjects []string  `json:"contextProjects,omitempty"`
}

// User is an account. Email is hidden from other users when HideEmail is
// set, as Cloud does for most accounts. Users with an APIToken can call the
// API with basic auth (e-mail + token).
type User struct {
	AccountID   string `json:"accountId"`
	DisplayName string `json:"displayName"`
	Email       string `json:"email,omitempty"`
	HideEmail   bool   `json:"hideEmail,omitempty"`
	TimeZone    string `json:"timeZone,omitempty"`
	APIToken    string `json:"apiToken,omitempty"`
	// Customer marks a JSM portal customer: their comments are always public.
	Customer bool `json:"customer,omitempty"`
	// Admin may pass notifyUsers=false.
	Admin bool `json:"admin,omitempty"`
	// ReadOnly may browse but not edit, comment or transition (403).
	ReadOnly bool `json:"readOnly,omitempty"`
	// Projects limits which projects the user may browse; empty means all.
	Projects []string `json:"projects,omitempty"`
}

// Issue is an issue as seeded or scripted. Reporter, Assignee and authors
// are account IDs; Fields are keyed by field name (or id) with values of
// type time.Time or RFC 3339 string (datetime), string (select, text),
// float64/int (number) or []string (organizations).
type Issue struct {
	ID            string         `json:"id,omitempty"`
	Key           string         `json:"key,omitempty"`
	Project       string         `json:"project"`
	Type          string         `json:"type"`
	Priority      string         `json:"priority,omitempty"`
	Status        string         `json:"status,omitempty"`
	Resolution    string         `json:"resolution,omitempty"`
	Summary       string         `json:"summary"`
	Description   string         `json:"description,omitempty"`
	Reporter      string         `json:"reporter,omitempty"`
	Assignee      string         `json:"assignee,omitempty"`
	Labels        []string       `json:"labels,omitempty"`
	Organizations []string       `json:"organizations,omitempty"`
	Fields        map[string]any `json:"fields,omitempty"`
	Created       time.Time      `json:"created,omitzero"`
	Updated       time.Time      `json:"updated,omitzero"`
	Resolved      time.Time      `json:"resolved,omitzero"`
	History       []History      `json:"history,omitempty"`
	Comments      []Comment      `json:"comments,omitempty"`
	Worklogs      []Worklog      `json:"worklogs,omitempty"`
}

// History is one changelog entry: the items changed together by Author at At.
type History struct {
	ID     string    `json:"id,omitempty"`
	At     time.Time `json:"at"`
	Author string    `json:"author,omitempty"`
	Items  []Item    `json:"items"`
}

// Item is one changed field, with display values (status, priority and type
// ids are filled in by the simulator); an assignee item names accountIds
// (the simulator fills in the display names).
type Item struct {
	Field string `json:"field"`
	From  string `json:"from,omitempty"`
	To    string `json:"to,omitempty"`
}

// Comment is a comment; Internal marks a JSM internal note. Visibility
// restricts it to a project role or a group, on any kind of project: people
// outside it (customers among them) never see it.
type Comment struct {
	ID         string      `json:"id,omitempty"`
	Author     string      `json:"author"`
	Body       string      `json:"body"`
	Internal   bool        `json:"internal,omitempty"`
	Visibility *Visibility `json:"visibility,omitempty"`
	Created    time.Time   `json:"created,omitzero"`
}

// Visibility is a comment restriction: Type "role" (Value a project role
// such as "Developers") or "group" (Value a group name).
type Visibility struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// Worklog is time logged on an issue.
type Worklog struct {
	ID           string    `json:"id,omitempty"`
	Author       string    `json:"author"`
	Started      time.Time `json:"started"`
	SpentSeconds int       `json:"spentSeconds"`
	Comment      string    `json:"comment,omitempty"`
}
