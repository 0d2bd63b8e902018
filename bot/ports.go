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

// IssueWriter applies a change set to one issue. An issue that no longer
// exists where the worker knows it (deleted, or moved out of the bot's
// reach) is reported with an error wrapping ErrIssueGone.
type IssueWriter interface {
	Apply(ctx context.Context, ch Change) error
}

// ErrIssueGone says a write found the issue gone: the worker drops it from
// the cache at once instead of failing the same write every cycle until
// the next resync.
var ErrIssueGone = errors.New("issue gone")

// Escalator records ladder steps and delivers them. Implementations must be
// idempotent: the worker reports the same due step every cycle until the
// goal stops, and the same met goal more than once.
type Escalator interface {
	// Escalate records a due step (unique per issue, goal, cycle, level).
	Escalate(ctx context.Context, now time.Time, e Escalation) error
	// GoalMet says a goal's cycle stopped: pending steps are cancelled and
	// posted threads are updated.
	GoalMet(ctx context.Context, now time.Time, issueKey, goal string, cycle int) error
	// Dispatch delivers what is due.
	Dispatch(ctx context.Context, now time.Time) error
}

// Reporter delivers scheduled reports (policy key report.monthly). It must
// be idempotent per (product project, period): after a restart the worker
// hands over the same report again while it is due.
type Reporter interface {
	DeliverReport(ctx context.Context, now time.Time, r ReportDelivery) error
}

// ReportDelivery is a product's report of one period, rendered, with where
// it goes and the short message that goes with it.
type ReportDelivery struct {
	Product  string
	Project  string // the product's first Jira project key
	Period   string // "2026-10"
	Title    string // "October 2026"
	Rung     rules.Rung
	Channel  string // the rung's channel as the policy names it ("#support-management")
	Format   string // "md", "html" or "csv"
	FileName string // unique per project and period
	Content  []byte
	Summary  string // a few lines of Slack mrkdwn
}

// CursorStore keeps each project's polling cursor across restarts.
type CursorStore interface {
	Cursor(ctx context.Context, name string) (value string, ok bool, err error)
	SetCursor(ctx context.Context, now time.Time, name, value string) error
}

// Change is the difference between what an issue holds and what the policy
// wants: only these values are written.
type Change struct {
	Key string
	// Fields to set, by the policy's field name. A zero value clears.
	Fields       map[string]rules.FieldValue
	Priority     string
	AddLabels    []string
	RemoveLabels []string
	Comments     []rules.NewComment
}

// Empty reports whether the change writes nothing.
func (c Change) Empty() bool {
	return len(c.Fields) == 0 && c.Priority == "" && len(c.AddLabels) == 0 && len(c.RemoveLabels) == 0 && len(c.Comments) == 0
}

// Escalation is one due ladder step with what the message must say.
type Escalation struct {
	Product  string
	IssueKey string
	Summary  string
	Customer string
	Plan     string
	Priority string
	Goal     string
	GoalName string // the goal's title
	Cycle    int
	Level    int
	Rung     rules.Rung
	Channel  string
	Assignee *rules.User
	Deadline time.Time
	// Remaining is negative once breached.
	Remaining time.Duration
	DueAt     time.Time
}
