package report

import (
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/slabot/slabot/rules"
)

var (
	seedMu       sync.Mutex
	seedPolicies = map[string]*rules.Policy{}
)

// seed loads one of the shipped policies, so the report is tested against
// the very contracts the product ships.
func seed(t testing.TB, name string) *rules.Policy {
	t.Helper()
	seedMu.Lock()
	defer seedMu.Unlock()
	if p, ok := seedPolicies[name]; ok {
		return p
	}
	p, err := rules.LoadFile(filepath.Join("..", "..", "deploy", "policies", name+".yaml"))
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	seedPolicies[name] = p
	return p
}

// at parses a local wall time ("2026-11-02 10:00") in zone.
func at(t testing.TB, zone, s string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatalf("bad time %q: %v", s, err)
	}
	return v
}

func utc(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("bad time %q: %v", s, err)
	}
	return v
}

// issueOpt changes an issue under construction; options apply in order so
// a timeline reads top to bottom.
type issueOpt func(*rules.Issue)

func newIssue(key, prio, typ string, created time.Time, reporterEmail string, opts ...issueOpt) rules.Issue {
	iss := rules.Issue{
		ID: key, Key: key, Project: key[:3], Summary: "Issue " + key,
		Type: typ, Priority: prio, Status: "Open", StatusCategory: rules.CategoryNew,
		Reporter: user(reporterEmail),
		Created:  created, Updated: created, Fields: map[string]rules.FieldValue{},
	}
	for _, o := range opts {
		o(&iss)
	}
	return iss
}

func user(email string) rules.User {
	return rules.User{AccountID: "acc-" + email, Email: email, DisplayName: email}
}

func org(name string) issueOpt {
	return func(i *rules.Issue) { i.Organizations = append(i.Organizations, name) }
}

func summary(s string) issueOpt { return func(i *rules.Issue) { i.Summary = s } }

func moveTo(when time.Time, status, category string) issueOpt {
	return func(i *rules.Issue) {
		i.Changes = append(i.Changes, rules.Change{At: when, Field: rules.FieldStatus, From: i.Status, To: status, ToCategory: category})
		i.Status, i.StatusCategory = status, category
	}
}

func resolve(when time.Time) issueOpt {
	return func(i *rules.Issue) {
		moveTo(when, "Done", rules.CategoryDone)(i)
		i.Changes = append(i.Changes, rules.Change{At: when, Field: rules.FieldResolution, From: "", To: "Done"})
		i.Resolution, i.Resolved = "Done", when
	}
}

func reopen(when time.Time) issueOpt {
	return func(i *rules.Issue) {
		moveTo(when, "Reopened", rules.CategoryInProgress)(i)
		i.Changes = append(i.Changes, rules.Change{At: when, Field: rules.FieldResolution, From: i.Resolution, To: ""})
		i.Resolution, i.Resolved = "", time.Time{}
	}
}

// reply is a public comment by an agent of the policy's agent domain.
func reply(when time.Time, agentEmail string) issueOpt {
	return func(i *rules.Issue) {
		i.Comments = append(i.Comments, rules.Comment{ID: when.String(), Created: when, Public: true, Body: "Looking into it.", Author: user(agentEmail)})
	}
}

func worklog(when time.Time, d time.Duration) issueOpt {
	return func(i *rules.Issue) {
		i.Worklogs = append(i.Worklogs, rules.Worklog{Started: when, Spent: d, Author: user("agent@latera.ru")})
	}
}

func sectionOf(t testing.TB, r *Report, customer string) *Section {
	t.Helper()
	for i := range r.Customers {
		if r.Customers[i].Customer == customer {
			return &r.Customers[i]
		}
	}
	t.Fatalf("no section for %q", customer)
	return nil
}

func goalFigures(t testing.TB, f *Figures, goal string) *GoalFigures {
	t.Helper()
	for i := range f.Goals {
		if f.Goals[i].Goal == goal {
			return &f.Goals[i]
		}
	}
	t.Fatalf("no goal %q", goal)
	return nil
}

func prioStats(t testing.TB, g *GoalFigures, prio string) Stats {
	t.Helper()
	for _, s := range g.Priorities {
		if s.Priority == prio {
			return s
		}
	}
	t.Fatalf("goal %s: no priority %q in %+v", g.Goal, prio, g.Priorities)
	return Stats{}
}

func row(t testing.TB, r *Report, key string) *IssueRow {
	t.Helper()
	for i := range r.Issues {
		if r.Issues[i].Key == key {
			return &r.Issues[i]
		}
	}
	t.Fatalf("no row for %s", key)
	return nil
}

func hasRow(r *Report, key string) bool {
	for _, x := range r.Issues {
		if x.Key == key {
			return true
		}
	}
	return false
}
