package outbox

import (
	"context"
	"time"

	"github.com/slabot/slabot/rules"
)

// Sender is what the outbox needs from a chat service: it posts, finds by
// key, updates and uploads, and keeps no state about rows.
// connectors/slack's Sender implements it.
type Sender interface {
	// Resolve says where a rung's message goes (an assignee's DM, a
	// channel, or the fallback channel with the reason).
	Resolve(ctx context.Context, t rules.Recipient) (rules.Route, error)
	// Post renders m and posts it to channel (a reply when threadTS is
	// set), tagged with m.Key; it returns the channel id and ts.
	Post(ctx context.Context, channel, threadTS string, m rules.Message) (ch, ts string, err error)
	// Update rewrites a posted message (its tag is kept).
	Update(ctx context.Context, channel, ts string, m rules.Message) error
	// FindByKey looks for the message tagged key in channel since oldest
	// (among threadTS's replies when set).
	FindByKey(ctx context.Context, channel, threadTS, key string, oldest time.Time) (ts string, found bool, err error)
	// Upload shares a report file in channel with its summary.
	Upload(ctx context.Context, channel string, r rules.ReportDelivery) (ch, ts string, err error)
	// FindFile looks for the message sharing a file named name since oldest.
	FindFile(ctx context.Context, channel, name string, oldest time.Time) (ts string, found bool, err error)
}
