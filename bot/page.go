package bot

import (
	"context"
	"time"

	"github.com/slabot/slabot/rules"
)

// Pages records pages for rungs that page (bot/outbox): a trigger when a
// paging step falls due, a resolve when the goal is met.
type Pages interface {
	TriggerPage(ctx context.Context, now time.Time, p rules.Page) (inserted bool, err error)
	ResolvePages(ctx context.Context, now time.Time, issue, goal string, cycle int) error
}
