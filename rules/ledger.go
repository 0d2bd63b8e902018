package rules

import (
	"fmt"
	"strings"
	"time"
)

// The ledger is the history of an issue's notices: for each ladder step of
// each goal cycle, what happened to it (recorded, held, snoozed, skipped,
// sent, blocked, cancelled), and the clicks on its messages. bot/outbox
// keeps it (it is where these things happen); explain and the page read
// it. The computation says when a step is due; only the ledger says
// whether it was sent, so nothing that shows a step calls it sent from the
// computation alone.

// LedgerEvent is what happened to a notice.
type LedgerEvent string

// Ledger events.
const (
	// LedgerRecorded: stored in the outbox, to be sent when due.
	LedgerRecorded LedgerEvent = "recorded"
	// LedgerHeld: not sent, held back by an acknowledgement (By, ByAt:
	// who acknowledged and when; Reason: the policy's rule).
	LedgerHeld LedgerEvent = "held"
	// LedgerSnoozed: not recorded yet, waiting for a snooze (By) to end
	// (Until, never past the deadline).
	LedgerSnoozed LedgerEvent = "snoozed"
	// LedgerSkipped: not sent, by a rule (Rule, e.g. RuleCatchUp; Reason).
	LedgerSkipped LedgerEvent = "skipped"
	// LedgerSent: delivered (Channel, TS; DMName when it went to a
	// person's DM; Page when it went to on-call).
	LedgerSent LedgerEvent = "sent"
	// LedgerBlocked: cannot be delivered until a person fixes something
	// (Reason); later steps go ahead, and it is still retried.
	LedgerBlocked LedgerEvent = "blocked"
	// LedgerCancelled: never sent: the goal stopped before it was (Reason).
	LedgerCancelled LedgerEvent = "cancelled"
	// LedgerClicked: a button on one of the step's messages (Click, By).
	LedgerClicked LedgerEvent = "clicked"
)

// Rules a step can be skipped by (LedgerEntry.Rule).
const (
	// RuleCatchUp: a step a policy edit added is not sent for an issue
	// that was already past its instant when the step was first seen.
	RuleCatchUp = "catch-up"
	// RuleAcknowledgement: the goal cycle was acknowledged and the
	// policy's acknowledgement rule holds the step back.
	RuleAcknowledgement = "acknowledgement"
)

// LedgerEntry is one thing that happened to one notice, or one click.
// Times are UTC.
type LedgerEntry struct {
	Issue string `json:"issue"`
	Goal  string `json:"goal"`
	Cycle int    `json:"cycle"`
	// Step is the ladder step (StepID, "75%/agent"); a repeat is
	// "75%/agent#2"; a click names the step of the message clicked; ""
	// for what concerns the whole goal cycle (an on-call alert resolved).
	Step  string      `json:"step"`
	Level int         `json:"level,omitempty"`
	Event LedgerEvent `json:"event"`
	// At is when it happened (for a click, when it was pressed).
	At time.Time `json:"at"`
	// DueAt is the step's due instant as it was recorded.
	DueAt time.Time `json:"due_at,omitzero"`

	Rule   string `json:"rule,omitempty"`   // skipped, held: which rule
	Reason string `json:"reason,omitempty"` // in words: why held, skipped, blocked, cancelled
	// By is the Slack user who acknowledged (held), snoozed or clicked;
	// ByName how Slack names them; ByAt when they acknowledged (held).
	By     string    `json:"by,omitempty"`
	ByName string    `json:"by_name,omitempty"`
	ByAt   time.Time `json:"by_at,omitzero"`
	Until  time.Time `json:"until,omitzero"`  // snoozed until; a snooze click: until when it asked
	Click  string    `json:"click,omitempty"` // acknowledge, claim or snooze

	// Where a sent notice went: Channel is the id Slack answered with
	// (a DM's conversation, or a channel), ChannelName the channel as the
	// policy names it when it was one. DMName is the person whose DM it
	// went to (DMUser their Slack user), Fallback that the assignee had no
	// Slack user and the fallback channel got it instead.
	Channel     string `json:"channel,omitempty"`
	ChannelName string `json:"channel_name,omitempty"`
	DMUser      string `json:"dm_user,omitempty"`
	DMName      string `json:"dm_name,omitempty"`
	Fallback    bool   `json:"fallback,omitempty"`
	TS          string `json:"ts,omitempty"`
	ThreadTS    string `json:"thread_ts,omitempty"`
	// Page: the entry is about the step's page to on-call (PagerDuty), not
	// a Slack message; TS is then the alert's dedup key and action.
	Page bool `json:"page,omitempty"`
}

// Ledger is an issue's ledger as explain reads it. Available is false
// when no ledger could be read (offline, no database): Why says why, and
// nothing is said about what was sent.
type Ledger struct {
	Available bool          `json:"available"`
	Why       string        `json:"why,omitempty"`
	Entries   []LedgerEntry `json:"entries,omitempty"`
}

// Destination says where a sent notice went, naming the real place: the
// person's DM when it went to a DM, not the rung's channel.
func (e LedgerEntry) Destination() string {
	switch {
	case e.Page:
		return "on-call (PagerDuty " + e.TS + ")"
	case e.DMName != "" || e.DMUser != "":
		who := e.DMName
		if who == "" {
			who = "Slack user " + e.DMUser
		} else if e.DMUser != "" {
			who += ", Slack user " + e.DMUser
		}
		return fmt.Sprintf("the DM of %s (conversation %s)", who, e.Channel)
	case e.ChannelName != "" && e.ChannelName != e.Channel:
		s := e.ChannelName + " (" + e.Channel + ")"
		if e.Fallback {
			s += ", the fallback channel: the assignee has no Slack user"
		}
		return s
	case e.Fallback:
		return e.Channel + ", the fallback channel: the assignee has no Slack user"
	}
	return e.Channel
}

// StepRecord is one ladder step of a goal cycle as explain shows it: when
// the computation says it is due, beside what the ledger says happened.
type StepRecord struct {
	Level   int    `json:"level"`
	Step    string `json:"step"` // StepID
	Trigger string `json:"trigger"`
	Rung    string `json:"rung"`
	Reaches string `json:"reaches"` // the rung's channel and paging, as the policy says
	// DueAt is the step's instant from the computation (zero: never, the
	// clock stopped first); Due that it has come.
	DueAt time.Time `json:"due_at,omitzero"`
	Due   bool      `json:"due"`
	// Outcome is the step's latest event in the ledger, its repeats aside
	// ("" when the ledger holds nothing for it, or is not available).
	Outcome LedgerEvent `json:"outcome,omitempty"`
	// SentAt is when its first message was sent (zero: never).
	SentAt  time.Time     `json:"sent_at,omitzero"`
	Entries []LedgerEntry `json:"ledger,omitempty"`
}

// StepRecords pairs each ladder step of the goal with the ledger's
// entries for it in this goal cycle (repeats "STEP#k" included). The
// entries not belonging to any step of the ladder (a step since removed
// from the policy, a resolved alert, clicks) are returned as other.
func (gs *GoalStatus) StepRecords(l *Ladder, lg []LedgerEntry) (steps []StepRecord, other []LedgerEntry) {
	byStep := map[string]int{}
	for _, st := range gs.Steps {
		id := StepID(st.Step.At, st.Step.Rung)
		byStep[id] = len(steps)
		steps = append(steps, StepRecord{Level: st.Step.Level, Step: id, Trigger: st.Step.At, Rung: string(st.Step.Rung),
			Reaches: l.Reaches(*st.Step), DueAt: st.At, Due: st.Due})
	}
	for _, e := range lg {
		if e.Goal != gs.Goal.Name || e.Cycle != gs.Cycle {
			continue
		}
		base, _, _ := strings.Cut(e.Step, "#")
		i, ok := byStep[base]
		if !ok || e.Event == LedgerClicked {
			other = append(other, e)
			continue
		}
		r := &steps[i]
		r.Entries = append(r.Entries, e)
		if base != e.Step {
			continue // a repeat: its own history, shown with the step
		}
		r.Outcome = e.Event
		if e.Event == LedgerSent && r.SentAt.IsZero() {
			r.SentAt = e.At
		}
	}
	return steps, other
}
