package rules

import (
	"path/filepath"
	"sync"
	"testing"
	"time"
)

var (
	seedMu       sync.Mutex
	seedPolicies = map[string]*Policy{}
)

// seed loads one of the shipped policies from deploy/policies, so the tests
// exercise the very files the product ships.
func seed(t testing.TB, name string) *Policy {
	t.Helper()
	seedMu.Lock()
	defer seedMu.Unlock()
	if p, ok := seedPolicies[name]; ok {
		return p
	}
	p, err := LoadFile(filepath.Join("..", "deploy", "policies", name+".yaml"))
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	seedPolicies[name] = p
	return p
}

func ts(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("bad time %q: %v", s, err)
	}
	return v
}

// issueOpt changes an issue under construction; options apply in order so
// a timeline reads top to bottom.
type issueOpt func(*Issue)

const (
	agentEmail    = "agent@botronsoft.com"
	customerEmail = "carl@customer.example"
)

func newIssue(key, prio, typ string, created time.Time, opts ...issueOpt) Issue {
	iss := Issue{
		ID: key, Key: key, Project: key[:3], Summary: "Something is wrong",
		Type: typ, Priority: prio, Status: "Open", StatusCategory: CategoryNew,
		Reporter: User{AccountID: "cust-1", Email: customerEmail, DisplayName: "Carl Customer"},
		Created:  created, Updated: created, Fields: map[string]FieldValue{},
	}
	for _, o := range opts {
		o(&iss)
	}
	return iss
}

func reporter(email string) issueOpt {
	return func(i *Issue) { i.Reporter = User{AccountID: "acc-" + email, Email: email, DisplayName: email} }
}

func org(name string) issueOpt {
	return func(i *Issue) { i.Organizations = append(i.Organizations, name) }
}

func summary(s, desc string) issueOpt {
	return func(i *Issue) { i.Summary, i.Description = s, desc }
}

func moveTo(at time.Time, status, category string) issueOpt {
	return func(i *Issue) {
		i.Changes = append(i.Changes, Change{At: at, Field: FieldStatus, From: i.Status, To: status, ToCategory: category})
		i.Status, i.StatusCategory = status, category
	}
}

func resolve(at time.Time) issueOpt {
	return func(i *Issue) {
		moveTo(at, "Done", CategoryDone)(i)
		i.Changes = append(i.Changes, Change{At: at, Field: FieldResolution, From: "", To: "Done"})
		i.Resolution, i.Resolved = "Done", at
	}
}

func reopen(at time.Time) issueOpt {
	return func(i *Issue) {
		moveTo(at, "Reopened", CategoryInProgress)(i)
		i.Changes = append(i.Changes, Change{At: at, Field: FieldResolution, From: i.Resolution, To: ""})
		i.Resolution, i.Resolved = "", time.Time{}
	}
}

func setPriority(at time.Time, to string) issueOpt {
	return func(i *Issue) {
		i.Changes = append(i.Changes, Change{At: at, Field: FieldPriority, From: i.Priority, To: to})
		i.Priority = to
	}
}

func commentBy(at time.Time, email string, public bool) issueOpt {
	return func(i *Issue) {
		i.Comments = append(i.Comments, Comment{ID: at.String(), Created: at, Public: public, Body: "Looking into it.",
			Author: User{AccountID: "acc-" + email, Email: email, DisplayName: email}})
	}
}

func worklog(at time.Time, d time.Duration) issueOpt {
	return func(i *Issue) {
		i.Worklogs = append(i.Worklogs, Worklog{Started: at, Spent: d, Author: User{AccountID: "acc-" + agentEmail}})
	}
}

func evalOne(t testing.TB, p *Policy, iss Issue, now time.Time) *Outcome {
	t.Helper()
	ev := Evaluate(p, []Issue{iss}, now, Options{BotAccountID: "slabot"})
	return &ev.Outcomes[0]
}

func mustGoal(t testing.TB, o *Outcome, name string) *GoalStatus {
	t.Helper()
	g := o.Goal(name)
	if g == nil {
		t.Fatalf("%s: no goal %q", o.Issue.Key, name)
	}
	return g
}

func hasLabel(o *Outcome, l string) bool {
	for _, x := range o.Labels {
		if x == l {
			return true
		}
	}
	return false
}
