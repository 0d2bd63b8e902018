package bot

import (
	"context"
	"sort"
	"time"

	"github.com/slabot/slabot/rules"
)

// Digests records the per-period digests (bot/outbox).
type Digests interface {
	DeliverDigest(ctx context.Context, now time.Time, d rules.Digest) (inserted bool, err error)
}

// digestWindow: a digest whose period began longer ago than this (the
// bot was down all that time) is not posted late.
const digestWindow = 24 * time.Hour

// digest hands over the product's digest of the current period, built
// from this cycle's evaluation: every goal at risk or breached now. The
// outbox keeps one per (product, period), so every cycle of the period
// may call this and a restart does not post it again.
func (w *Worker) digest(ctx context.Context, p *rules.Policy, ev *rules.Evaluation, acts map[string]clicks, now time.Time) {
	if p.Digest == nil || w.cfg.Digests == nil || w.cfg.DryRun {
		return
	}
	start, ok := p.Digest.Period(now)
	if !ok || now.Sub(start) > digestWindow {
		return
	}
	loc := p.Location
	if loc == nil {
		loc = time.UTC
	}
	d := rules.Digest{Product: p.Product, Period: start.In(loc).Format(time.RFC3339), Channel: p.Digest.Channel,
		Title: p.Product + ", " + start.In(loc).Format("Mon 2 Jan 2006 15:04 MST"), DueAt: start}
	type row struct {
		it       rules.DigestItem
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
			case gs.State == rules.StateBreached:
				state = rules.WordBreached
				d.Breached++
			case gs.AtRisk:
				state = rules.WordAtRisk
				d.AtRisk++
			default:
				continue
			}
			it := rules.DigestItem{Key: o.Issue.Key, URL: w.issueURL(o.Issue.Key), Summary: o.Issue.Summary, Goal: gs.Goal.Title,
				State: state, Deadline: gs.Deadline.In(loc).Format("Mon 2 Jan 15:04 MST"), Owner: "unassigned"}
			if a := o.Issue.Assignee; a != nil && a.DisplayName != "" {
				it.Owner = a.DisplayName
			}
			for _, e := range o.Notices {
				if e.Goal == gs.Goal.Name && e.Cycle == gs.Cycle && e.Level > it.Level {
					it.Level = e.Level
				}
			}
			if a, ok := acts[o.Issue.Key].ack(gs.Goal.Name, gs.Cycle); ok {
				it.AckBy = a.User
			}
			rows = append(rows, row{it, gs.Deadline})
		}
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if (rows[i].it.State == rules.WordBreached) != (rows[j].it.State == rules.WordBreached) {
			return rows[i].it.State == rules.WordBreached
		}
		return rows[i].deadline.Before(rows[j].deadline)
	})
	for _, r := range rows {
		d.Items = append(d.Items, r.it)
	}
	if _, err := w.cfg.Digests.DeliverDigest(ctx, now, d); err != nil {
		w.log.Warn("digest not recorded; retrying next cycle", "product", p.Product, "period", d.Period, "err", err)
	}
}
