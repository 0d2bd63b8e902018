package outbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Escalation is one ladder step as the worker hands it over. It is stored
// (JSON) in the row and rendered by the sender when it is posted, so the
// message reflects how the rung resolved at that moment.
type Escalation struct {
	IssueKey string `json:"issue_key"`
	IssueURL string `json:"issue_url"` // link to the issue in Jira
	Goal     string `json:"goal"`      // goal name, e.g. "resolution"
	// GoalTitle is how messages name the goal ("First response"): the
	// policy's title, not its internal name. Empty in rows written before
	// titles were carried: the renderer derives one from Goal.
	GoalTitle string `json:"goal_title,omitempty"`
	Cycle     int    `json:"cycle"` // reopen count: a reopened issue escalates afresh
	// Step is what the step is (StepID: trigger and rung, "breach+2h/management"):
	// the row's identity, stable when other steps are added or removed.
	Step  string `json:"step,omitempty"`
	Level int    `json:"level"` // 1-based position on the ladder, for the reader
	Rung  string `json:"rung"`  // rung name, e.g. "agent", "team lead", "management"
	// Target is where the rung's message goes. Channels may be named as
	// the policy names them ("#support"): Escalate maps them to ids.
	Target Target `json:"target"`
	// Earlier are the other places the step may already be in Slack: for
	// the agent rung, the targets of whoever held the issue between DueAt
	// and now (Target being who holds it now), from the issue's changelog.
	//
	// The decision: a step not sent yet goes to whoever owns the issue
	// now, so a pending row is re-pointed at the new Target when the issue
	// changes hands (Escalate); but a step that may already have been
	// posted (an attempt without an answer, or a row re-created after the
	// database was lost) is looked for in every one of these places, and
	// in Target's, and posted to Target only when none has it. Looking
	// only where it would go now missed a reminder sent to the previous
	// assignee's DM and posted it a second time.
	Earlier []Target `json:"earlier,omitempty"`
	// Groups are the Slack user group handles of the rung
	// (ladder.rungs.NAME.groups): a message to a channel mentions them, so
	// their members are notified as well as allowed to act.
	Groups []string `json:"groups,omitempty"`

	Summary  string `json:"summary"`
	Customer string `json:"customer,omitempty"`
	Plan     string `json:"plan,omitempty"`
	Priority string `json:"priority,omitempty"`

	Deadline time.Time `json:"deadline"`
	// Remaining is the goal's time left when the step was evaluated
	// (negative: overdue by that much). It is business time from the
	// policy's calendar, which is why it is passed in rather than
	// computed from Deadline and the wall clock.
	Remaining time.Duration `json:"remaining"`
	AsOf      time.Time     `json:"as_of"`  // when Remaining was evaluated
	Status    string        `json:"status"` // goal state at evaluation: "at risk", "breached", "paused", "met"
	// DueAt is when the step fell due. A step due before the outbox's
	// horizon (the database is younger, or was pruned past it) is looked
	// for in Slack before it is posted.
	DueAt time.Time `json:"due_at,omitzero"`
	// DataAsOf is set when Jira could not be read: the issue data is as of
	// this last successful poll (the message says so).
	DataAsOf time.Time `json:"data_as_of,omitzero"`
	// Skip records the step as cancelled with this reason instead of
	// sending it (the catch-up rule for steps a policy edit made due).
	Skip string `json:"-"`
}

// Target says where a rung's message goes. For the agent rung fill the
// Assignee fields and FallbackChannel; for the other rungs Channel (or
// User). Threads are matched by the channel id Slack answers with.
type Target struct {
	Channel           string `json:"channel,omitempty"`             // channel id
	User              string `json:"user,omitempty"`                // Slack user id to DM
	AssigneeAccountID string `json:"assignee_account_id,omitempty"` // Jira accountId
	AssigneeEmail     string `json:"assignee_email,omitempty"`
	AssigneeName      string `json:"assignee_name,omitempty"` // written out when the fallback is used
	FallbackChannel   string `json:"fallback_channel,omitempty"`
}

// samePlace reports whether t and u send to the same place: the same
// assignee (by Jira account), or the same target when neither names one.
func (t Target) samePlace(u Target) bool {
	if t.AssigneeAccountID != "" || u.AssigneeAccountID != "" {
		return t.AssigneeAccountID == u.AssigneeAccountID
	}
	return t == u
}

// Route is where a rung resolved to.
type Route struct {
	Channel  string // channel id or DM id to post to
	UserID   string // the Slack user, when the rung is a person
	Fallback bool   // the assignee has no Slack user: posted to the fallback channel instead
	Why      string // why the fallback was used, written into the message
}

// Status is the thread-wide state a message's status line shows. The
// parent message's line is rewritten as the thread moves on, so whoever
// opens it sees where the escalation stands without reading the thread.
type Status struct {
	MetAt     time.Time // the goal was met: no further escalation
	Level     int       // highest level sent so far in the thread
	Rung      string    // its rung name
	LevelAt   time.Time // when that level was sent
	ThisLevel int       // the level of the message being rendered
	// PagedLevel is the highest level that paged on-call (PagerDuty) so
	// far, PagedRung its rung name and PagedAt when: a step whose rung
	// only pages has no message of its own, so the thread says it here.
	PagedLevel int
	PagedRung  string
	PagedAt    time.Time
	// AckBy and ClaimBy are the Slack users who acknowledged or claimed
	// the issue from the thread (see Action).
	AckBy   string
	AckAt   time.Time
	ClaimBy string
	ClaimAt time.Time
}

// Report is a scheduled report to post as a file, with a short summary as
// the message that shares it; one row per (product, period).
type Report struct {
	Product string `json:"product"` // the policy's product: what the row is keyed by
	Project string `json:"project"` // first Jira project key of the product
	Period  string `json:"period"`  // "2026-10"
	Title   string `json:"title"`   // "October 2026"
	Summary string `json:"summary"` // the message text (mrkdwn)
	// FileName must be unique per product and period: an upload whose
	// outcome is unknown is looked up by it in the channel's history.
	FileName string `json:"file_name"`
	Content  []byte `json:"content"`
	// Channel as the policy names it ("#support-management") or its id.
	Channel string    `json:"channel"`
	DueAt   time.Time `json:"due_at,omitzero"`
}

// ErrInvalid is wrapped by the validation errors of Escalate and
// DeliverReport.
var ErrInvalid = errors.New("outbox: invalid delivery")

// Validate reports what is missing for the step to be deliverable.
func (e Escalation) Validate() error {
	var errs []error
	if e.IssueKey == "" {
		errs = append(errs, errors.New("issue key is empty"))
	}
	if e.Goal == "" {
		errs = append(errs, errors.New("goal is empty"))
	}
	if e.Level < 1 {
		errs = append(errs, fmt.Errorf("level %d is not >= 1", e.Level))
	}
	t := e.Target
	if t.Channel == "" && t.User == "" && t.AssigneeAccountID == "" && t.AssigneeEmail == "" && t.FallbackChannel == "" {
		errs = append(errs, errors.New("target names no channel, user or assignee"))
	}
	if (t.AssigneeAccountID != "" || t.AssigneeEmail != "") && t.Channel == "" && t.FallbackChannel == "" {
		errs = append(errs, errors.New("assignee target needs a fallback channel for assignees without a Slack account"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w %s/%s/%d/L%d: %w", ErrInvalid, e.IssueKey, e.Goal, e.Cycle, e.Level, err)
	}
	return nil
}

// Validate reports what is missing for the report to be deliverable.
func (f Report) Validate() error {
	var errs []error
	if f.Product == "" || f.Project == "" || f.Period == "" {
		errs = append(errs, errors.New("product, project or period is empty"))
	}
	if f.FileName == "" || len(f.Content) == 0 {
		errs = append(errs, errors.New("file name or content is empty"))
	}
	if f.Channel == "" {
		errs = append(errs, errors.New("no channel"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: report %s (%s) %s: %w", ErrInvalid, f.Product, f.Project, f.Period, err)
	}
	return nil
}

// Stored payloads: version 1 is an escalation (as every release wrote it);
// version 2 is an envelope with a kind, so a release that only knows
// version 1 refuses a report row (and leaves it blocked) instead of
// misreading it as an escalation.
const (
	payloadVersion  = 1
	envelopeVersion = 2
	kindReportField = "report"
)

type escalationPayload struct {
	V int `json:"v"`
	Escalation
}

type reportPayload struct {
	V      int    `json:"v"`
	Kind   string `json:"kind"`
	Report Report `json:"report"`
}

func encodeEscalation(e Escalation) ([]byte, error) {
	return json.Marshal(escalationPayload{V: payloadVersion, Escalation: e})
}

func decodeEscalation(b []byte) (Escalation, error) {
	var p escalationPayload
	if err := json.Unmarshal(b, &p); err != nil {
		return Escalation{}, fmt.Errorf("stored escalation is not valid JSON: %w", err)
	}
	if p.V != payloadVersion {
		return Escalation{}, fmt.Errorf("stored escalation has payload version %d, this build reads %d", p.V, payloadVersion)
	}
	return p.Escalation, nil
}

func encodeReport(f Report) ([]byte, error) {
	return json.Marshal(reportPayload{V: envelopeVersion, Kind: kindReportField, Report: f})
}

// decodeRow reads a stored payload: an escalation, or a report (file set).
func decodeRow(b []byte) (Escalation, *Report, error) {
	var head struct {
		V    int    `json:"v"`
		Kind string `json:"kind"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return Escalation{}, nil, fmt.Errorf("stored payload is not valid JSON: %w", err)
	}
	if head.V != envelopeVersion {
		e, err := decodeEscalation(b)
		return e, nil, err
	}
	if head.Kind != kindReportField {
		return Escalation{}, nil, fmt.Errorf("stored payload has kind %q, this build reads %q", head.Kind, kindReportField)
	}
	var p reportPayload
	if err := json.Unmarshal(b, &p); err != nil {
		return Escalation{}, nil, fmt.Errorf("stored report is not valid JSON: %w", err)
	}
	return Escalation{}, &p.Report, nil
}
