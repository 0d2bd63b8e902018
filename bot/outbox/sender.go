package outbox

import (
	"context"
	"errors"
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

// A Sender's errors say what kind of failure they are through these
// methods (errors.As finds them anywhere in the chain); an error without
// any is a transient failure, retried with backoff.
type (
	// rateLimited: wait RetryIn before calling the same channel again.
	rateLimited interface{ RetryIn() time.Duration }
	// uncertainError: no answer came back from a call that posts: the
	// message may exist, so never post again without looking first.
	uncertainError interface{ Uncertain() bool }
	// personError: retrying cannot help until someone changes the
	// configuration or workspace (channel_not_found, invalid_auth ...).
	personError interface{ NeedsPerson() bool }
	// goneError: the thread or message the call referred to no longer
	// exists (thread_not_found, message_not_found ...).
	goneError interface{ Gone() bool }
	// codedError: a short code for logs and metrics.
	codedError interface{ ErrorCode() string }
)

func retryIn(err error) (time.Duration, bool) {
	var r rateLimited
	if errors.As(err, &r) {
		return r.RetryIn(), true
	}
	return 0, false
}

func isUncertain(err error) bool {
	var u uncertainError
	return errors.As(err, &u) && u.Uncertain()
}

func needsPerson(err error) bool {
	var p personError
	return errors.As(err, &p) && p.NeedsPerson()
}

func isGone(err error) bool {
	var g goneError
	return errors.As(err, &g) && g.Gone()
}

// errorCode is a short label for metrics and logs.
func errorCode(err error) string {
	var c codedError
	if errors.As(err, &c) {
		return c.ErrorCode()
	}
	if _, ok := retryIn(err); ok {
		return "ratelimited"
	}
	return "error"
}
