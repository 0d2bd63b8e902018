package rules

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// benchIssues builds n issues with realistic timelines for the Sanarise
// policy (two goals with targets, pauses, the qualification stage): 5-15
// status changes, agent and customer comments, a priority change on some.
func benchIssues(n int, now time.Time) []Issue {
	rng := rand.New(rand.NewPCG(1, 2))
	prios := []string{"Critical", "High", "Medium", "Low"}
	types := []string{"Report a Problem/Bug", "Cannot Access Website/Database", "Website Issue", "Other", "Question in Use or Configuration of Odoo"}
	statuses := []string{"In Progress", "Waiting for Customer", "In Progress", "Qualification", "In Progress", "Waiting for Customer"}
	out := make([]Issue, n)
	for i := range out {
		created := now.Add(-time.Duration(rng.IntN(30*24*60)) * time.Minute)
		iss := Issue{
			ID: fmt.Sprint(i), Key: fmt.Sprintf("SAN-%d", i+1), Project: "SAN",
			Summary: "Issue", Priority: prios[rng.IntN(len(prios))], Type: types[rng.IntN(len(types))],
			Status: "Open", StatusCategory: CategoryNew, Created: created,
			Reporter: User{AccountID: fmt.Sprintf("c%d", rng.IntN(200)), Email: fmt.Sprintf("user@client%d.example", rng.IntN(60))},
		}
		t := created
		changes := 5 + rng.IntN(11)
		for j := 0; j < changes; j++ {
			t = t.Add(time.Duration(10+rng.IntN(600)) * time.Minute)
			if t.After(now) {
				break
			}
			to := statuses[rng.IntN(len(statuses))]
			if j == 1 {
				to = "Qualification"
			}
			iss.Changes = append(iss.Changes, Change{At: t, Field: FieldStatus, From: iss.Status, To: to, ToCategory: CategoryInProgress})
			iss.Status = to
			if j == 0 {
				iss.Comments = append(iss.Comments, Comment{Created: t, Public: true, Body: "On it", Author: User{AccountID: "agent", Email: "a@sanarise.com"}})
			}
			if rng.IntN(4) == 0 {
				iss.Comments = append(iss.Comments, Comment{Created: t, Public: true, Body: "More info", Author: iss.Reporter})
			}
		}
		if rng.IntN(5) == 0 && t.Before(now) {
			p := prios[rng.IntN(len(prios))]
			iss.Changes = append(iss.Changes, Change{At: t, Field: FieldPriority, From: iss.Priority, To: p})
			iss.Priority = p
		}
		out[i] = iss
	}
	return out
}

// BenchmarkEvaluate: 10,000 issues with realistic timelines through the
// whole engine (clocks, targets, ladder, credits, review, labels).
func BenchmarkEvaluate(b *testing.B) {
	p := seed(b, "sanarise")
	now := time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)
	issues := benchIssues(10000, now)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		Evaluate(p, issues, now, Options{BotAccountID: "slabot"})
	}
	b.ReportMetric(float64(b.N)*float64(len(issues))/b.Elapsed().Seconds(), "issues/s")
}
