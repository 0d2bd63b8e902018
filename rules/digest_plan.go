package rules

import (
	"sort"
	"time"
)

// digestWindow: a digest whose period began longer ago than this (the bot
// was down all that time) is not posted late.
const digestWindow = 24 * time.Hour

// PlanDigest is the product's digest of the period now is in, built from
// the cycle's evaluation: every goal at risk or breached now, breached
// first, then by deadline; false when the policy asks for none, or the
// period began more than digestWindow ago. The outbox keeps one per
// (product, period), so every cycle of the period may hand it over.
func PlanDigest(p *Policy, ev *Evaluation, in PlanInput) (Digest, bool) {
	if p.Digest == nil {
		return Digest{}, false
	}
	now := in.Now
	start, ok := p.Digest.Period(now)
	if !ok || now.Sub(start) > digestWindow {
		return Digest{}, false
	}
	loc := p.Location
	if loc == nil {
		loc = time.UTC
	}
	d := Digest{Product: p.Product, Period: start.In(loc).Format(time.RFC3339), Channel: p.Digest.Channel,
		Title: p.Product + ", " + start.In(loc).Format("Mon 2 Jan 2006 15:04 MST"), DueAt: start}
	type row struct {
		it       DigestItem
		deadline time.Time
	}
	var rows []row
	for i := range ev.Outcomes {
		o := &ev.Outcomes[i]
		for j := range o.Goals {
			gs := &o.Goals[j]
			if gs.Goal == nil || gs.Stopped() || gs.Deadline.IsZero() {
				continue
			}
			state := ""
			switch {
			case gs.State == StateBreached:
				state = WordBreached
				d.Breached++
			case gs.AtRisk:
				state = WordAtRisk
				d.AtRisk++
			default:
				continue
			}
			it := DigestItem{Key: o.Issue.Key, URL: IssueURL(in.JiraURL, o.Issue.Key), Summary: o.Issue.Summary, Goal: gs.Goal.Title,
				State: state, Deadline: gs.Deadline.In(loc).Format("Mon 2 Jan 15:04 MST"), Owner: "unassigned"}
			if a := o.Issue.Assignee; a != nil && a.DisplayName != "" {
				it.Owner = a.DisplayName
			}
			for _, e := range o.Notices {
				if e.Goal == gs.Goal.Name && e.Cycle == gs.Cycle && e.Level > it.Level {
					it.Level = e.Level
				}
			}
			if a, ok := clicks(in.Clicks[o.Issue.Key]).ack(gs.Goal.Name, gs.Cycle); ok {
				it.AckBy = a.User
			}
			rows = append(rows, row{it, gs.Deadline})
		}
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if (rows[i].it.State == WordBreached) != (rows[j].it.State == WordBreached) {
			return rows[i].it.State == WordBreached
		}
		return rows[i].deadline.Before(rows[j].deadline)
	})
	for _, r := range rows {
		d.Items = append(d.Items, r.it)
	}
	return d, true
}
