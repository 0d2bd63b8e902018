package rules

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The notice vocabulary: what the ladder hands over and what every sender
// and surface reads. Each idea is one type, defined here and imported by
// bot, bot/outbox and the senders (connectors/slack, connectors/pagerduty);
// none of them declares a second struct for it. How a notice is stored is
// bot/outbox's business (its own versioned payload), not these types'.

// Notice is one ladder step: Evaluate fills what the step is (goal, cycle,
// level, trigger, rung, step id, the rung's channel, the instant it fell
// due); the worker adds the issue's details and the resolved recipient; the
// outbox keeps it until it is sent, and the sender renders it when it is
// posted, so the message reflects how the rung resolved at that moment.
//
// The outbox knows a notice by what it is, (issue, goal, cycle, step), not
// by Level, its position on the ladder, which a policy edit may change.
type Notice struct {
	IssueKey string
	IssueURL string // link to the issue in Jira
	// PageURL links to the issue's page on slabot's listener (PageURL
	// below); "" when no public URL is configured.
	PageURL string
	Goal    string // goal name, e.g. "resolution"
	// GoalTitle is how messages name the goal ("First response"): the
	// policy's title, not its internal name. Empty in rows written before
	// titles were carried: the renderer derives one from Goal.
	GoalTitle string
	Cycle     int // reopen count: a reopened issue escalates afresh
	// Trigger is the step's "at" as the policy writes it: "75%", "breach",
	// "breach+2h". Set by Evaluate; not kept by the outbox.
	Trigger string
	// Step is what the step is (StepID: trigger and rung,
	// "breach+2h/management", "#k" appended for the k-th repeat): the
	// row's identity, stable when other steps are added or removed.
	Step  string
	Level int  // 1-based position on the ladder, for the reader
	Rung  Rung // the rung; RungTitle says how a message names it
	// Recipient is where the rung's message goes. Channels may be named
	// as the policy names them ("#support"): the outbox maps them to ids.
	// Evaluate sets Channel (FallbackChannel for the agent rung, whose
	// message goes to the assignee); the worker adds the assignee.
	Recipient Recipient
	// Earlier are the other places the step may already be in Slack: for
	// the agent rung, the recipients of whoever held the issue between
	// DueAt and now (Recipient being who holds it now), from the issue's
	// changelog.
	//
	// The decision: a step not sent yet goes to whoever owns the issue
	// now, so a pending row is re-pointed at the new Recipient when the
	// issue changes hands; but a step that may already have been posted
	// (an attempt without an answer, or a row re-created after the
	// database was lost) is looked for in every one of these places, and
	// in Recipient's, and posted to Recipient only when none has it.
	// Looking only where it would go now missed a reminder sent to the
	// previous assignee's DM and posted it a second time.
	Earlier []Recipient
	// Groups are the Slack user group handles of the rung
	// (ladder.rungs.NAME.groups): a message to a channel mentions them, so
	// their members are notified as well as allowed to act.
	Groups []string

	Summary  string
	Customer string
	Plan     string
	Priority string

	Deadline time.Time
	// Remaining is the goal's time left when the step was evaluated
	// (negative: overdue by that much). It is business time from the
	// policy's calendar, which is why it is carried rather than computed
	// from Deadline and the wall clock.
	Remaining time.Duration
	AsOf      time.Time // when Remaining was evaluated
	Status    string    // goal state at evaluation: "at risk", "breached", "paused", "met"
	// DueAt is when the step fell due. A step due before the outbox's
	// horizon (the database is younger, or was pruned past it) is looked
	// for in Slack before it is posted.
	DueAt time.Time
	// DataAsOf is set when Jira could not be read: the issue data is as of
	// this last successful poll (the message says so).
	DataAsOf time.Time
	// Skip records the step as cancelled with this reason instead of
	// sending it (the catch-up rule for steps a policy edit made due, a
	// hold after an acknowledgement).
	Skip string
	// Left is the goal's business time left at DueAt (negative after the
	// deadline): what a message sent at DueAt says. Set by Evaluate; a
	// step handed over ahead of its instant is stored with it as
	// Remaining, as of DueAt. Not kept by the outbox.
	Left time.Duration
	// Hold is how an acknowledgement of the goal cycle holds this step
	// back (AckRule.HeldAfter), nil when none does. The dispatcher checks
	// it just before sending, so a click made after the step was recorded
	// (ahead of its instant, say) still holds it.
	Hold *Hold
}

// Hold says which acknowledgement holds a step back: one made after After
// (zero: any); Rule is the policy's acknowledgement rule in words
// (AckRule.Describe), for the reason recorded on the row.
type Hold struct {
	After time.Time
	Rule  string
}

// Recipient says where a rung's message goes. For the agent rung fill the
// Assignee fields and FallbackChannel; for the other rungs Channel (or
// User). Threads are matched by the channel id Slack answers with.
type Recipient struct {
	Channel           string // channel id, or as the policy names it
	User              string // Slack user id to DM
	AssigneeAccountID string // Jira accountId
	AssigneeEmail     string
	AssigneeName      string // written out when the fallback is used
	FallbackChannel   string
}

// AssigneeLabel is how a message names the assignee when it cannot
// mention them.
func (t Recipient) AssigneeLabel() string {
	switch {
	case t.AssigneeName != "" && t.AssigneeEmail != "":
		return t.AssigneeName + " (" + t.AssigneeEmail + ")"
	case t.AssigneeName != "":
		return t.AssigneeName
	case t.AssigneeEmail != "":
		return t.AssigneeEmail
	case t.AssigneeAccountID != "":
		return "Jira account " + t.AssigneeAccountID
	}
	return "unassigned"
}

// Route is where a rung resolved to.
type Route struct {
	Channel  string // channel id or DM id to post to
	UserID   string // the Slack user, when the rung is a person
	Fallback bool   // the assignee has no Slack user: posted to the fallback channel instead
	Why      string // why the fallback was used, written into the message
}

// ThreadStatus is the thread-wide state a message's status line shows. The
// parent message's line is rewritten as the thread moves on, so whoever
// opens it sees where the escalation stands without reading the thread.
type ThreadStatus struct {
	// Stop is how the goal's cycle ended (zero while it runs): no further
	// escalation. Its instant is when the goal stopped, not when slabot
	// noticed; its outcome says met or breached.
	Stop      Stop
	Level     int       // highest level sent so far in the thread
	Rung      Rung      // its rung
	LevelAt   time.Time // when that level was sent
	ThisLevel int       // the level of the message being rendered
	// PagedLevel is the highest level that paged on-call (PagerDuty) so
	// far, PagedRung its rung and PagedAt when: a step whose rung only
	// pages has no message of its own, so the thread says it here.
	PagedLevel int
	PagedRung  Rung
	PagedAt    time.Time
	// AckBy and ClaimBy are the Slack users who acknowledged or claimed
	// the issue from the thread (see Click).
	AckBy   string
	AckAt   time.Time
	ClaimBy string
	ClaimAt time.Time
}

// Message is one notice as a sender renders it: the step, where it goes
// and where its thread stands.
type Message struct {
	Key    string // the row's key, carried as message metadata ("" on update)
	Notice Notice
	Route  Route
	Status ThreadStatus
	Extra  map[string]any // more metadata (issue, goal, cycle, level)
}

// ReportDelivery is a scheduled report to post as a file, with a short
// summary as the message that shares it; one per (product, period).
type ReportDelivery struct {
	Product string // the policy's product: what the outbox keys the report by
	Project string // first Jira project key of the product
	Period  string // "2026-10"
	Title   string // "October 2026"
	Summary string // the message text (mrkdwn)
	// FileName must be unique per product and period: an upload whose
	// outcome is unknown is looked up by it in the channel's history.
	FileName string
	Content  []byte
	// Channel as the policy names it ("#support-management") or its id.
	Channel string
	DueAt   time.Time
}

// Page actions.
const (
	PageTrigger = "trigger"
	PageResolve = "resolve"
)

// Page is one event to an on-call service (PagerDuty Events API v2): a
// rung that pages triggers an alert when its step falls due, and the
// alert is resolved when the goal stops.
type Page struct {
	Action string // PageTrigger or PageResolve
	// RoutingKey names the environment variable holding the routing key
	// (the key itself is a secret and is never stored).
	RoutingKey string
	// DedupKey is the same for every event of one (issue, goal, cycle): a
	// second paging step adds to the open alert, the resolve closes it.
	DedupKey string
	Summary  string
	Source   string
	Severity string // critical, error, warning, info
	Link     string
	Issue    string
	Goal     string
	Cycle    int
	Step     string // the ladder step that paged
	Level    int    // its ladder level
	Rung     Rung   // its rung
	// Only: the step's rung pages instead of posting, so no message of
	// the thread says it happened; once the trigger is sent the thread's
	// parent messages are re-rendered to show it (ThreadStatus.PagedLevel).
	Only bool
	// DueAt is the step's instant. A trigger handed over ahead of it is
	// held by the outbox until then and sent at the instant, as a notice
	// is, whatever the product's poll schedule.
	DueAt time.Time
	// Hold and Deadline let the dispatcher check, just before paging, that
	// the step still stands without asking Jira: an acknowledgement that
	// holds it back (as Notice.Hold), a snooze (never past Deadline).
	Hold     *Hold
	Deadline time.Time
}

// PageDedupKey is the dedup key of a goal cycle's alert.
func PageDedupKey(issue, goal string, cycle int) string {
	return "slabot/" + issue + "/" + goal + "/" + strconv.Itoa(cycle)
}

// Digest is one digest message: per (product, period), to a rung's
// channel, listing what is at risk and breached.
type Digest struct {
	Product string
	Period  string // the period's start, RFC 3339 in the product's zone
	Title   string // "Botron Support, Tue 3 Nov 09:00 GMT"
	// Channel as the policy names it ("#botron-leads") or its id.
	Channel  string
	AtRisk   int
	Breached int
	Items    []DigestItem
	// DueAt is the period's start: a digest due before the outbox's
	// horizon (a lost or new database) is looked for in Slack first.
	DueAt time.Time
}

// DigestItem is one issue's goal in a digest.
type DigestItem struct {
	Key      string
	URL      string
	Summary  string
	Goal     string // the goal's title
	State    string // "at risk" or "breached"
	Deadline string // in the product's zone, as the reader should see it
	Owner    string // assignee's name, or "unassigned"
	Level    int    // highest ladder level due (0: none yet)
	AckBy    string
}

// ClickKind is what a button on a ladder message did.
type ClickKind string

// Click kinds.
const (
	ClickAcknowledge ClickKind = "acknowledge"
	ClickClaim       ClickKind = "claim"
	ClickSnooze      ClickKind = "snooze"
)

// Click is one press of a button (Acknowledge, Claim, Snooze) on a ladder
// message.
type Click struct {
	Kind  ClickKind
	Issue string
	Goal  string
	Cycle int
	Step  string // the step of the message clicked
	// User is the Slack user who clicked; Name how Slack names them.
	User string
	Name string
	// Email is the clicker's Slack e-mail (Claim maps it to a Jira account).
	Email string
	// Account is the clicker's Jira account when the DM directory maps
	// one to their Slack user (it wins over Email).
	Account   string
	Channel   string
	MessageTS string
	ActionTS  string // Slack's id of the click: a redelivery carries the same
	At        time.Time
	Snooze    time.Duration
}

// NoticeKey is the key of one ladder step. It is stable across releases
// and policy edits: it is written into the Slack message's metadata and
// buttons, and looked for when an uncertain send is reconciled or the
// database was lost.
func NoticeKey(issue, goal string, cycle int, step string) string {
	return fmt.Sprintf("%s|%s|%d|%s", issue, goal, cycle, step)
}

// ParseNoticeKey splits a step key (NoticeKey) into its parts.
func ParseNoticeKey(key string) (issue, goal string, cycle int, step string, err error) {
	parts := strings.SplitN(key, "|", 4)
	if len(parts) != 4 {
		return "", "", 0, "", fmt.Errorf("%q is not an issue|goal|cycle|step key", key)
	}
	cycle, err = strconv.Atoi(parts[2])
	if err != nil {
		return "", "", 0, "", fmt.Errorf("key %q: cycle: %w", key, err)
	}
	return parts[0], parts[1], cycle, parts[3], nil
}

// ClickKey is the key of a click. Acknowledge and Claim count once per
// goal cycle (the first click wins, a double click is the same fact);
// each snooze click is its own (the same click delivered twice has the
// same ActionTS).
func ClickKey(a Click) string {
	return "action|" + NoticeKey(a.Issue, a.Goal, a.Cycle, ClickStep(a))
}

// ClickStep is the step part of a click's key.
func ClickStep(a Click) string {
	if a.Kind == ClickSnooze {
		return string(a.Kind) + "@" + a.ActionTS
	}
	return string(a.Kind)
}

// StepID names a ladder step by what it is: its trigger as the policy
// writes it (spaces removed) and its rung. Inserting, removing or
// reordering other steps does not change it.
func StepID(trigger string, rung Rung) string {
	return strings.ReplaceAll(trigger, " ", "") + "/" + string(rung)
}

// RungTitle is how a message names a rung: "agent", "team lead",
// "management".
func RungTitle(r Rung) string {
	switch r {
	case RungTeamLead:
		return "team lead"
	case RungManagement:
		return "management"
	case RungAgent, "":
		return "agent"
	}
	return strings.ReplaceAll(string(r), "_", " ")
}

// RungOfTitle is the rung a message title names (RungTitle's inverse); a
// rung's own name is taken as it is.
func RungOfTitle(title string) Rung {
	for _, r := range Rungs() {
		if title == RungTitle(r) || title == string(r) {
			return r
		}
	}
	return Rung(strings.ReplaceAll(title, " ", "_"))
}
