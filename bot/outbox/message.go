package outbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/slabot/slabot/rules"
)

// samePlace reports whether t and u send to the same place: the same
// assignee (by Jira account), or the same recipient when neither names one.
func samePlace(t, u rules.Recipient) bool {
	if t.AssigneeAccountID != "" || u.AssigneeAccountID != "" {
		return t.AssigneeAccountID == u.AssigneeAccountID
	}
	return t == u
}

// ErrInvalid is wrapped by the validation errors of Escalate and
// DeliverReport.
var ErrInvalid = errors.New("outbox: invalid delivery")

// validateNotice reports what is missing for the step to be deliverable.
func validateNotice(e rules.Notice) error {
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
	t := e.Recipient
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

// validateReport reports what is missing for the report to be deliverable.
func validateReport(f rules.ReportDelivery) error {
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

// escalationV1 is a notice as stored: its JSON is what every release
// wrote (payload version 1), field for field, so rows written before the
// notice type moved to rules decode unchanged. Rung is stored as a message
// names it ("team lead"); Trigger is not stored, nor Skip (a skipped row
// is cancelled with the reason instead).
type escalationV1 struct {
	V         int           `json:"v"`
	IssueKey  string        `json:"issue_key"`
	IssueURL  string        `json:"issue_url"`
	Goal      string        `json:"goal"`
	GoalTitle string        `json:"goal_title,omitempty"`
	Cycle     int           `json:"cycle"`
	Step      string        `json:"step,omitempty"`
	Level     int           `json:"level"`
	Rung      string        `json:"rung"`
	Target    recipientV1   `json:"target"`
	Earlier   []recipientV1 `json:"earlier,omitempty"`
	Groups    []string      `json:"groups,omitempty"`
	Summary   string        `json:"summary"`
	Customer  string        `json:"customer,omitempty"`
	Plan      string        `json:"plan,omitempty"`
	Priority  string        `json:"priority,omitempty"`
	Deadline  time.Time     `json:"deadline"`
	Remaining time.Duration `json:"remaining"`
	AsOf      time.Time     `json:"as_of"`
	Status    string        `json:"status"`
	DueAt     time.Time     `json:"due_at,omitzero"`
	DataAsOf  time.Time     `json:"data_as_of,omitzero"`
	// Hold was added with the steps recorded ahead of their instant: a
	// field an earlier release ignores, and absent from its rows.
	Hold *holdV1 `json:"hold,omitempty"`
	// PageURL was added with the page on the listener (issue 25): the link
	// to the issue's page; absent from earlier rows, which link to Jira only.
	PageURL string `json:"page_url,omitempty"`
}

// holdV1 is a rules.Hold as stored.
type holdV1 struct {
	After time.Time `json:"after,omitzero"`
	Rule  string    `json:"rule"`
}

// recipientV1 is a rules.Recipient as stored ("target").
type recipientV1 struct {
	Channel           string `json:"channel,omitempty"`
	User              string `json:"user,omitempty"`
	AssigneeAccountID string `json:"assignee_account_id,omitempty"`
	AssigneeEmail     string `json:"assignee_email,omitempty"`
	AssigneeName      string `json:"assignee_name,omitempty"`
	FallbackChannel   string `json:"fallback_channel,omitempty"`
}

// reportV2 is a rules.ReportDelivery as stored in the version 2 envelope.
type reportV2 struct {
	Product  string    `json:"product"`
	Project  string    `json:"project"`
	Period   string    `json:"period"`
	Title    string    `json:"title"`
	Summary  string    `json:"summary"`
	FileName string    `json:"file_name"`
	Content  []byte    `json:"content"`
	Channel  string    `json:"channel"`
	DueAt    time.Time `json:"due_at,omitzero"`
}

type reportPayload struct {
	V      int      `json:"v"`
	Kind   string   `json:"kind"`
	Report reportV2 `json:"report"`
}

func encodeEscalation(e rules.Notice) ([]byte, error) {
	p := escalationV1{V: payloadVersion, IssueKey: e.IssueKey, IssueURL: e.IssueURL, Goal: e.Goal, GoalTitle: e.GoalTitle,
		Cycle: e.Cycle, Step: e.Step, Level: e.Level, Rung: rules.RungTitle(e.Rung), Target: recipientV1(e.Recipient),
		Groups: e.Groups, Summary: e.Summary, Customer: e.Customer, Plan: e.Plan, Priority: e.Priority,
		Deadline: e.Deadline, Remaining: e.Remaining, AsOf: e.AsOf, Status: e.Status, DueAt: e.DueAt, DataAsOf: e.DataAsOf, PageURL: e.PageURL}
	for _, t := range e.Earlier {
		p.Earlier = append(p.Earlier, recipientV1(t))
	}
	if e.Hold != nil {
		p.Hold = &holdV1{After: e.Hold.After, Rule: e.Hold.Rule}
	}
	return json.Marshal(p)
}

func decodeEscalation(b []byte) (rules.Notice, error) {
	var p escalationV1
	if err := json.Unmarshal(b, &p); err != nil {
		return rules.Notice{}, fmt.Errorf("stored escalation is not valid JSON: %w", err)
	}
	if p.V != payloadVersion {
		return rules.Notice{}, fmt.Errorf("stored escalation has payload version %d, this build reads %d", p.V, payloadVersion)
	}
	e := rules.Notice{IssueKey: p.IssueKey, IssueURL: p.IssueURL, Goal: p.Goal, GoalTitle: p.GoalTitle,
		Cycle: p.Cycle, Step: p.Step, Level: p.Level, Rung: rules.RungOfTitle(p.Rung), Recipient: rules.Recipient(p.Target),
		Groups: p.Groups, Summary: p.Summary, Customer: p.Customer, Plan: p.Plan, Priority: p.Priority,
		Deadline: p.Deadline, Remaining: p.Remaining, AsOf: p.AsOf, Status: p.Status, DueAt: p.DueAt, DataAsOf: p.DataAsOf, PageURL: p.PageURL}
	for _, t := range p.Earlier {
		e.Earlier = append(e.Earlier, rules.Recipient(t))
	}
	if p.Hold != nil {
		e.Hold = &rules.Hold{After: p.Hold.After, Rule: p.Hold.Rule}
	}
	return e, nil
}

func encodeReport(f rules.ReportDelivery) ([]byte, error) {
	return json.Marshal(reportPayload{V: envelopeVersion, Kind: kindReportField, Report: reportV2(f)})
}

// decodeRow reads a stored payload: an escalation, or a report (file set).
func decodeRow(b []byte) (rules.Notice, *rules.ReportDelivery, error) {
	var head struct {
		V    int    `json:"v"`
		Kind string `json:"kind"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return rules.Notice{}, nil, fmt.Errorf("stored payload is not valid JSON: %w", err)
	}
	if head.V != envelopeVersion {
		e, err := decodeEscalation(b)
		return e, nil, err
	}
	if head.Kind != kindReportField {
		return rules.Notice{}, nil, fmt.Errorf("stored payload has kind %q, this build reads %q", head.Kind, kindReportField)
	}
	var p reportPayload
	if err := json.Unmarshal(b, &p); err != nil {
		return rules.Notice{}, nil, fmt.Errorf("stored report is not valid JSON: %w", err)
	}
	r := rules.ReportDelivery(p.Report)
	return rules.Notice{}, &r, nil
}
