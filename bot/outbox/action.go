package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/slabot/slabot/rules"
)

// KindAction rows are the clicks of team leads on ladder messages
// (Acknowledge, Claim, Snooze). They are facts, not deliveries: stored
// once per key in state "sent" (the dispatcher never claims them) and
// read by the worker, which turns them into what the issue and the ladder
// should look like (a held step, a Jira comment, an assignee). Applying
// them that way, as desired state reconciled every cycle, is what makes a
// click applied once across a crash: nothing about the click is "in
// flight" except the row.
const KindAction Kind = "action"

const kindActionField = "action"

// actionV2 is a rules.Click as stored in the version 2 envelope.
type actionV2 struct {
	Kind      rules.ClickKind `json:"kind"`
	Issue     string          `json:"issue"`
	Goal      string          `json:"goal"`
	Cycle     int             `json:"cycle"`
	Step      string          `json:"step"`
	User      string          `json:"user"`
	Name      string          `json:"name,omitempty"`
	Email     string          `json:"email,omitempty"`
	Account   string          `json:"account,omitempty"`
	Channel   string          `json:"channel"`
	MessageTS string          `json:"message_ts"`
	ActionTS  string          `json:"action_ts"`
	At        time.Time       `json:"at"`
	Snooze    time.Duration   `json:"snooze,omitempty"`
}

type actionPayload struct {
	V      int      `json:"v"`
	Kind   string   `json:"kind"`
	Action actionV2 `json:"action"`
}

// RecordAction stores a click once; inserted is false when the same fact
// is already stored (a double click, a redelivered envelope), and prior
// is then the stored one (whose click counts). An acknowledgement or a
// claim marks the thread's parent messages for a status-line update.
func (o *Outbox) RecordAction(ctx context.Context, now time.Time, a rules.Click) (inserted bool, prior rules.Click, err error) {
	if a.Issue == "" || a.Goal == "" || a.User == "" || a.Kind == "" || (a.Kind == rules.ClickSnooze && (a.Snooze <= 0 || a.ActionTS == "")) {
		return false, rules.Click{}, fmt.Errorf("%w: action %+v lacks an issue, goal, user, kind or snooze", ErrInvalid, a)
	}
	p, err := json.Marshal(actionPayload{V: envelopeVersion, Kind: kindActionField, Action: actionV2(a)})
	if err != nil {
		return false, rules.Click{}, err
	}
	key := rules.ClickKey(a)
	tx, err := o.rows.db.Begin(ctx)
	if err != nil {
		return false, rules.Click{}, o.rows.db.Wrap("record action", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	res, err := o.rows.db.Exec(ctx, tx, `
INSERT INTO outbox (key, kind, issue, goal, cycle, step, level, payload, state, uncertain, last_error, created_at, updated_at,
	due_at, next_attempt_at, met_at, channel, ts, sent_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, 'sent', 0, '', ?8, ?8, ?8, ?8, 0, ?9, ?10, ?8)
ON CONFLICT DO NOTHING`, key, string(KindAction), a.Issue, a.Goal, a.Cycle, rules.ClickStep(a), p, ms(now), a.Channel, a.MessageTS)
	if err != nil {
		return false, rules.Click{}, o.rows.db.Wrap("record action", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var stored []byte
		if err := o.rows.db.QueryRow(ctx, tx, `SELECT payload FROM outbox WHERE key = ?`, key).Scan(&stored); err != nil {
			return false, rules.Click{}, o.rows.db.Wrap("record action", err)
		}
		prior, err := decodeAction(stored)
		return false, prior, err
	}
	if a.Kind != rules.ClickSnooze {
		if _, err := o.rows.db.Exec(ctx, tx, `UPDATE outbox SET update_gen = update_gen + 1, updated_at = ?
			WHERE kind = 'escalation' AND issue = ? AND goal = ? AND cycle = ? AND state = 'sent' AND thread_ts = ''`,
			ms(now), a.Issue, a.Goal, a.Cycle); err != nil {
			return false, rules.Click{}, o.rows.db.Wrap("record action", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return false, rules.Click{}, o.rows.db.Wrap("record action", err)
	}
	o.noteClick(ctx, a)
	return true, a, nil
}

func decodeAction(b []byte) (rules.Click, error) {
	var p actionPayload
	if err := json.Unmarshal(b, &p); err != nil {
		return rules.Click{}, fmt.Errorf("stored action is not valid JSON: %w", err)
	}
	if p.V != envelopeVersion || p.Kind != kindActionField {
		return rules.Click{}, fmt.Errorf("stored payload is %q v%d, not an action", p.Kind, p.V)
	}
	return rules.Click(p.Action), nil
}

// Actions returns the stored clicks on issues of the given Jira projects
// (all when none are given), oldest first.
func (o *Outbox) Actions(ctx context.Context, projects ...string) ([]rules.Click, error) {
	rs, err := o.rows.db.Query(ctx, nil, `SELECT payload FROM outbox WHERE kind = 'action' ORDER BY id`)
	if err != nil {
		return nil, o.rows.db.Wrap("actions", err)
	}
	defer rs.Close()
	var out []rules.Click
	var errs []error
	for rs.Next() {
		var b []byte
		if err := rs.Scan(&b); err != nil {
			return nil, o.rows.db.Wrap("actions", err)
		}
		a, err := decodeAction(b)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if len(projects) == 0 || inProjects(a.Issue, projects) {
			out = append(out, a)
		}
	}
	if err := rs.Err(); err != nil {
		return nil, o.rows.db.Wrap("actions", err)
	}
	return out, errors.Join(errs...)
}

func inProjects(issue string, projects []string) bool {
	p, _, _ := strings.Cut(issue, "-")
	for _, x := range projects {
		if strings.EqualFold(p, x) {
			return true
		}
	}
	return false
}

// threadActions is what the status line says about clicks: who
// acknowledged and who claimed the thread's issue.
func (o *Outbox) threadActions(ctx context.Context, issue, goal string, cycle int, st *rules.ThreadStatus) {
	rs, err := o.rows.db.Query(ctx, nil, `SELECT payload FROM outbox WHERE kind = 'action' AND issue = ? AND goal = ? AND cycle = ? AND step IN ('acknowledge', 'claim')`,
		issue, goal, cycle)
	if err != nil {
		return
	}
	defer rs.Close()
	for rs.Next() {
		var b []byte
		if rs.Scan(&b) != nil {
			continue
		}
		a, err := decodeAction(b)
		if err != nil {
			continue
		}
		switch a.Kind {
		case rules.ClickAcknowledge:
			st.AckBy, st.AckAt = a.User, a.At
		case rules.ClickClaim:
			st.ClaimBy, st.ClaimAt = a.User, a.At
		}
	}
}
