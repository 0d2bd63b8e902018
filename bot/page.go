package bot

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/slabot/slabot/rules"
)

// Pages records pages for rungs that page (bot/outbox): a trigger when a
// paging step falls due, a resolve when the goal is met.
type Pages interface {
	TriggerPage(ctx context.Context, now time.Time, p rules.Page) (inserted bool, err error)
	ResolvePages(ctx context.Context, now time.Time, issue, goal string, cycle int) error
}

// page records the page of a due step whose rung pages; inserted says
// this call recorded it. It follows the step: a step held back by an
// acknowledgement, skipped by the catch-up rule or snoozed does not page
// either (for a rung that only pages, such a step leaves no row at all).
func (w *Worker) page(ctx context.Context, p *rules.Policy, esc rules.Notice, now time.Time) (inserted bool, err error) {
	e := esc
	env := p.Ladder.Pages[e.Rung]
	if env == "" || w.cfg.Pages == nil || esc.Skip != "" || w.cfg.DryRun {
		return false, nil
	}
	sev := "error"
	if esc.Status == rules.WordBreached {
		sev = "critical"
	}
	summary := fmt.Sprintf("[%s] %s %s %s: %s", p.Product, esc.IssueKey, esc.GoalTitle, esc.Status, esc.Summary)
	if esc.Customer != "" {
		summary += " (" + esc.Customer + ")"
	}
	return w.cfg.Pages.TriggerPage(ctx, now, rules.Page{RoutingKey: env, Summary: strings.TrimSpace(summary),
		Source: "slabot/" + p.Product, Severity: sev, Link: esc.IssueURL, Issue: esc.IssueKey, Goal: e.Goal, Cycle: e.Cycle, Step: esc.Step,
		Level: e.Level, Rung: esc.Rung, Only: p.Ladder.PagesOnly(e.Rung)})
}
