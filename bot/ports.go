package bot

import (
	"context"
	"errors"
	"time"

	"github.com/slabot/slabot/rules"
)

// IssueSource reads a project's issues.
type IssueSource interface {
	// Changed returns the issues of the projects changed since cursor and
	// the new cursor, in one poll (a product's projects share a cursor).
	// An empty cursor asks for a full resync: every open issue plus every
	// issue created or updated since the given instant.
	Changed(ctx context.Context, projects []string, cursor string, since time.Time) (issues []rules.Issue, next string, err error)
}

// IssueWriter applies a patch (rules.Policy.Patch) to one issue. An issue
// that no longer exists where the worker knows it (deleted, or moved out of
// the bot's reach) is reported with an error that says IssueGone (see
// ErrIssueGone).
//
// A field Jira refuses on this issue (not on the edit screen, an option
// the field lacks, a value of the wrong type) does not stop the rest: the
// other fields, labels and comments are written, and refused names each
// refused field (the policy's name) with Jira's reason and the fix.
//
// A write that fails after posting some of its comments says which with an
// error that has a PostedComments() []string method (the comment keys), so
// the worker never posts them again; a whole edit Jira refuses (no field to
// leave out) has a RefusalKey() string method too, and is reported once per
// project and reason (refused.go).
type IssueWriter interface {
	Write(ctx context.Context, pt rules.Patch) (refused map[string]string, err error)
}

// ErrIssueGone says a write found the issue gone: the worker drops it from
// the cache at once instead of failing the same write every cycle until
// the next resync. The worker recognises any error in the chain with an
// IssueGone() bool method that answers true (connectors/jira's
// *NotFoundError has one), so a writer need not import this package.
var ErrIssueGone error = issueGoneError{}

type issueGoneError struct{}

func (issueGoneError) Error() string   { return "issue gone" }
func (issueGoneError) IssueGone() bool { return true }

// isIssueGone reports whether err says the issue is gone (ErrIssueGone).
func isIssueGone(err error) bool {
	var g interface{ IssueGone() bool }
	return errors.As(err, &g) && g.IssueGone()
}

// Escalator records ladder steps for delivery; bot/outbox's *Outbox is
// one. It must be idempotent: the worker offers the same due step every
// cycle until the goal stops, and the same met goal more than once.
// Delivery itself runs on its own loop (see Run), never inside a cycle.
type Escalator interface {
	// Escalate records a due step, unique per (issue, goal, cycle, step);
	// inserted reports whether this call recorded it.
	Escalate(ctx context.Context, now time.Time, e rules.Notice) (inserted bool, err error)
	// GoalStopped says a goal's cycle stopped, and how (rules' Stop: the
	// clock's instant, met or breached): pending steps are cancelled and
	// posted threads are updated to say so.
	GoalStopped(ctx context.Context, now time.Time, issueKey, goal string, cycle int, stop rules.Stop) error
}

// Reporter delivers scheduled reports (policy key report.monthly). It must
// be idempotent per (product, period): after a restart the worker hands
// over the same report again while it is due.
type Reporter interface {
	DeliverReport(ctx context.Context, now time.Time, r rules.ReportDelivery) error
}

// CursorStore keeps each project's polling cursor across restarts.
type CursorStore interface {
	Cursor(ctx context.Context, name string) (value string, ok bool, err error)
	SetCursor(ctx context.Context, now time.Time, name, value string) error
}
