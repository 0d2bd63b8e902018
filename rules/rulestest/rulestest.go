// Package rulestest builds issues and instants for tests of the SLA engine
// and of what consumes it (reports, the worker, the CLI), so every test
// writes a timeline the same way: an issue as Jira hands it over, then
// options applied in order, top to bottom, like the issue's history. Seed
// loads the shipped example policies the tests run against.
//
// Package rules' tests use it too: they are all in the external test
// package rules_test (rulestest imports rules, so an in-package test could
// not import it), and they reach the engine only through its exported API.
package rulestest

import (
	"testing"
	"time"

	"github.com/slabot/slabot/rules"
)

// CustomerEmail is the customer who reports an Issue unless Reporter names
// someone else: a test of "the reporter's own comment" names this one, so it
// cannot drift from the builder's default.
const CustomerEmail = "carl@customer.example"

// Opt changes an issue under construction.
type Opt func(*rules.Issue)

// Issue is an open issue created at created, reported by a customer, with
// project = the key's prefix. Options apply in order.
func Issue(key, priority, issueType string, created time.Time, opts ...Opt) rules.Issue {
	project := key
	for i, r := range key {
		if r == '-' {
			project = key[:i]
			break
		}
	}
	iss := rules.Issue{
		ID: key, Key: key, Project: project, Summary: "Issue " + key,
		Type: issueType, Priority: priority, Status: "Open", StatusCategory: rules.CategoryNew,
		Reporter: User(CustomerEmail),
		Created:  created, Updated: created, Fields: map[string]rules.FieldValue{},
	}
	for _, o := range opts {
		o(&iss)
	}
	return iss
}

// ID sets Jira's issue id, which Issue otherwise takes from the key. A test
// of what is kept by id (a poll's cache: an issue keeps its id when it moves
// to another key) gives it Jira's own, numeric one.
func ID(id string) Opt { return func(i *rules.Issue) { i.ID = id } }

// User is a Jira user known by e-mail.
func User(email string) rules.User {
	return rules.User{AccountID: "acc-" + email, Email: email, DisplayName: email}
}

// Reporter sets who reported the issue.
func Reporter(email string) Opt { return func(i *rules.Issue) { i.Reporter = User(email) } }

// Org adds a JSM organization.
func Org(name string) Opt {
	return func(i *rules.Issue) { i.Organizations = append(i.Organizations, name) }
}

// Summary sets the summary and the description.
func Summary(summary, description string) Opt {
	return func(i *rules.Issue) { i.Summary, i.Description = summary, description }
}

// MoveTo moves the issue to status (of category) at at.
func MoveTo(at time.Time, status, category string) Opt {
	return func(i *rules.Issue) {
		i.Changes = append(i.Changes, rules.Change{At: at, Field: rules.FieldStatus, From: i.Status, To: status, ToCategory: category})
		i.Status, i.StatusCategory = status, category
	}
}

// Resolve moves the issue to Done with resolution Done.
func Resolve(at time.Time) Opt {
	return func(i *rules.Issue) {
		MoveTo(at, "Done", rules.CategoryDone)(i)
		i.Changes = append(i.Changes, rules.Change{At: at, Field: rules.FieldResolution, From: "", To: "Done"})
		i.Resolution, i.Resolved = "Done", at
	}
}

// Reopen moves a resolved issue to Reopened and clears the resolution.
func Reopen(at time.Time) Opt {
	return func(i *rules.Issue) {
		MoveTo(at, "Reopened", rules.CategoryInProgress)(i)
		i.Changes = append(i.Changes, rules.Change{At: at, Field: rules.FieldResolution, From: i.Resolution, To: ""})
		i.Resolution, i.Resolved = "", time.Time{}
	}
}

// SetPriority changes the Jira priority at at.
func SetPriority(at time.Time, to string) Opt {
	return func(i *rules.Issue) {
		i.Changes = append(i.Changes, rules.Change{At: at, Field: rules.FieldPriority, From: i.Priority, To: to})
		i.Priority = to
	}
}

// Assign gives the issue to email at at ("" unassigns), with the changelog
// entry Jira writes: accountIds in FromID/ToID, display names in From/To.
func Assign(at time.Time, email string) Opt {
	return func(i *rules.Issue) {
		c := rules.Change{At: at, Field: rules.FieldAssignee}
		if a := i.Assignee; a != nil {
			c.From, c.FromID = a.DisplayName, a.AccountID
		}
		i.Assignee = nil
		if email != "" {
			u := User(email)
			i.Assignee = &u
			c.To, c.ToID = u.DisplayName, u.AccountID
		}
		i.Changes = append(i.Changes, c)
	}
}

// Comment adds a comment by email at at; public false is an internal note.
func Comment(at time.Time, email string, public bool) Opt {
	return func(i *rules.Issue) {
		i.Comments = append(i.Comments, rules.Comment{ID: at.String(), Created: at, Public: public, Body: "Looking into it.", Author: User(email)})
	}
}

// Worklog logs d of work started at at by email.
func Worklog(at time.Time, d time.Duration, email string) Opt {
	return func(i *rules.Issue) {
		i.Worklogs = append(i.Worklogs, rules.Worklog{Started: at, Spent: d, Author: User(email)})
	}
}

// RFC3339 parses an instant such as "2026-11-02T10:00:00.123+03:00".
func RFC3339(tb testing.TB, s string) time.Time {
	tb.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		tb.Fatalf("bad time %q: %v", s, err)
	}
	return v
}

// Local parses a wall time "2026-11-02 10:00" in the IANA zone.
func Local(tb testing.TB, zone, s string) time.Time {
	tb.Helper()
	loc, err := time.LoadLocation(zone)
	if err != nil {
		tb.Fatal(err)
	}
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		tb.Fatalf("bad time %q: %v", s, err)
	}
	return v
}
