package report

import (
	"testing"
	"time"

	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/rulestest"
)

// seed is a shipped policy (rulestest.Seed).
func seed(t testing.TB, name string) *rules.Policy { return rulestest.Seed(t, name) }

// at parses a local wall time ("2026-11-02 10:00") in zone.
func at(t testing.TB, zone, s string) time.Time { return rulestest.Local(t, zone, s) }

func utc(t testing.TB, s string) time.Time { return rulestest.RFC3339(t, s) }

// newIssue is rulestest.Issue with the reporter first: every report issue
// is somebody's.
func newIssue(key, prio, typ string, created time.Time, reporterEmail string, opts ...rulestest.Opt) rules.Issue {
	return rulestest.Issue(key, prio, typ, created, append([]rulestest.Opt{rulestest.Reporter(reporterEmail)}, opts...)...)
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
