package slack

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Escalation is one step of the ladder as the bot hands it over. It is
// stored (JSON) in the outbox and rendered when it is sent, so the message
// reflects how the rung resolved at that moment.
type Escalation struct {
	IssueKey string `json:"issue_key"`
	IssueURL string `json:"issue_url"` // link to the issue in Jira
	Goal     string `json:"goal"`      // goal name, e.g. "resolution"
	Cycle    int    `json:"cycle"`     // reopen count: a reopened issue escalates afresh
	Level    int    `json:"level"`     // 1-based rung index
	Rung     string `json:"rung"`      // rung name, e.g. "agent", "team lead", "management"
	Target   Target `json:"target"`

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
}

// Target says where a rung's message goes. For the agent rung fill the
// Assignee fields and FallbackChannel; for the other rungs Channel (or
// User). Channels are best given as ids (C0123...): threads are matched by
// the channel id Slack answers with.
type Target struct {
	Channel           string `json:"channel,omitempty"`             // channel id or #name
	User              string `json:"user,omitempty"`                // Slack user id to DM
	AssigneeAccountID string `json:"assignee_account_id,omitempty"` // Jira accountId
	AssigneeEmail     string `json:"assignee_email,omitempty"`
	AssigneeName      string `json:"assignee_name,omitempty"` // written out when the fallback is used
	FallbackChannel   string `json:"fallback_channel,omitempty"`
}

// payloadVersion guards the stored JSON: a row written by a future
// release with a different shape is refused, not misread.
const payloadVersion = 1

type payload struct {
	V int `json:"v"`
	Escalation
}

// ErrInvalidEscalation is wrapped by Validate's errors.
var ErrInvalidEscalation = errors.New("slack: invalid escalation")

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
	for _, ch := range []string{t.Channel, t.FallbackChannel} {
		if strings.HasPrefix(ch, "#") {
			errs = append(errs, fmt.Errorf("channel %q is a name: give the channel id (C0123...), which reconciling through conversations.history needs", ch))
		}
	}
	if (t.AssigneeAccountID != "" || t.AssigneeEmail != "") && t.Channel == "" && t.FallbackChannel == "" {
		errs = append(errs, errors.New("assignee target needs a fallback channel for assignees without a Slack account"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w %s/%s/%d/L%d: %w", ErrInvalidEscalation, e.IssueKey, e.Goal, e.Cycle, e.Level, err)
	}
	return nil
}

func encodeEscalation(e Escalation) ([]byte, error) {
	return json.Marshal(payload{V: payloadVersion, Escalation: e})
}

func decodeEscalation(b []byte) (Escalation, error) {
	var p payload
	if err := json.Unmarshal(b, &p); err != nil {
		return Escalation{}, fmt.Errorf("stored escalation is not valid JSON: %w", err)
	}
	if p.V != payloadVersion {
		return Escalation{}, fmt.Errorf("stored escalation has payload version %d, this build reads %d", p.V, payloadVersion)
	}
	return p.Escalation, nil
}
