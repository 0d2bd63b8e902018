package outbox

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/slabot/slabot/bot/store"
	"github.com/slabot/slabot/rules"
)

// The ledger is the append-only history of each issue's notices, per goal
// cycle: recorded, held, snoozed, skipped, sent, blocked, cancelled, and
// the clicks (rules.LedgerEntry says what each means). It is written where
// those things happen: here in the outbox (a row stored, sent, blocked,
// cancelled; a click stored), and by the worker through Note for the steps
// it decided not to hand over (held, skipped, snoozed).
//
// The ledger is history, not the guarantee: an entry is appended after
// the fact it records is durable, and a failure to append is logged and
// never holds back a delivery. Entries are pruned with their thread's rows
// (Prune): once older than Options.Retention and no row of their goal
// cycle is left.

// goalMetReason is why the outbox cancels a step not sent when its goal
// stops (qCancelUnsent, send).
const goalMetReason = "goal met before sending"

const ledgerColumns = `issue, goal, cycle, step, level, event, at, due_at, rule, reason, by_user, by_name, by_at, until_at,
	click, channel, channel_name, dm_user, dm_name, fallback, ts, thread_ts, page`

// ledgerArgs are e's values in ledgerColumns order.
func ledgerArgs(e rules.LedgerEntry) []any {
	return []any{e.Issue, e.Goal, e.Cycle, e.Step, e.Level, string(e.Event), ms(e.At), ms(e.DueAt), e.Rule, truncate(e.Reason, 1000),
		e.By, e.ByName, ms(e.ByAt), ms(e.Until), e.Click, e.Channel, e.ChannelName, e.DMUser, e.DMName, e.Fallback, e.TS, e.ThreadTS, e.Page}
}

// qAppend inserts an entry; ?24 is its once key (NULL: append always).
var qAppend = `INSERT INTO ledger (` + ledgerColumns + `, once) VALUES (` + placeholders(24) + `) ON CONFLICT (once) DO NOTHING`

func placeholders(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		if i > 1 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "?%d", i)
	}
	return b.String()
}

// appendEntry stores e (once: at most one entry with that key; "" for
// none). Failures are logged: the ledger never holds back a delivery.
func (o *Outbox) appendEntry(ctx context.Context, e rules.LedgerEntry, once string) {
	if err := appendLedger(context.WithoutCancel(ctx), o.rows.db, e, once); err != nil {
		o.log.Warn("outbox: could not append to the ledger", "issue", e.Issue, "goal", e.Goal, "step", e.Step, "event", e.Event, "err", err)
	}
}

func appendLedger(ctx context.Context, db *store.Store, e rules.LedgerEntry, once string) error {
	var key any
	if once != "" {
		key = once
	}
	_, err := db.Exec(ctx, nil, qAppend, append(ledgerArgs(e), key)...)
	return db.Wrap("append to ledger", err)
}

// Note records what the worker decided about a step it did not hand over
// to be sent: held by an acknowledgement, skipped by a rule, or waiting
// for a snooze (rules.LedgerHeld, LedgerSkipped, LedgerSnoozed). The worker
// calls it at every cycle where the decision stands; the entry is stored
// once (per snooze, for a snooze), and only while it is true of the
// outbox: a held or skipped step has no row, or a row stored as not to be
// sent; a snoozed step has no row at all. A step already recorded or sent
// is never said to be held, skipped or snoozed after the fact.
func (o *Outbox) Note(ctx context.Context, now time.Time, e rules.LedgerEntry) error {
	if e.Issue == "" || e.Goal == "" || e.Step == "" {
		return fmt.Errorf("%w: ledger entry %+v lacks an issue, a goal or a step", ErrInvalid, e)
	}
	if e.At.IsZero() {
		e.At = now
	}
	key := Key(e.Issue, e.Goal, e.Cycle, e.Step)
	var once, unless string
	switch e.Event {
	case rules.LedgerHeld, rules.LedgerSkipped:
		once = key + "|" + string(e.Event)
		// Any row of the step other than one stored as not to be sent
		// (cancelled before any attempt, for a reason other than the goal
		// stopping) means the step went its ordinary way.
		unless = `state != 'cancelled' OR attempts > 0 OR last_error IN ('', '` + goalMetReason + `')`
	case rules.LedgerSnoozed:
		once = key + "|snoozed|" + fmt.Sprint(ms(e.Until))
		unless = `true`
	default:
		return fmt.Errorf("%w: the worker notes held, skipped or snoozed steps, not %q", ErrInvalid, e.Event)
	}
	q := `INSERT INTO ledger (` + ledgerColumns + `, once) SELECT ` + placeholders(24) + `
		WHERE NOT EXISTS (SELECT 1 FROM outbox WHERE kind IN ('escalation', 'page') AND issue = ?1 AND goal = ?2 AND cycle = ?3
			AND step IN (?4, 'trigger:' || ?4) AND (` + unless + `))
		ON CONFLICT (once) DO NOTHING`
	_, err := o.rows.db.Exec(ctx, nil, q, append(ledgerArgs(e), once)...)
	return o.rows.db.Wrap("note in ledger", err)
}

// Ledger returns the issue's ledger, oldest entry first, every goal cycle.
func (o *Outbox) Ledger(ctx context.Context, issueKey string) ([]rules.LedgerEntry, error) {
	return ReadLedger(ctx, o.rows.db, issueKey)
}

// ReadLedger is Outbox.Ledger on a store without an Outbox (explain,
// which sends nothing and must not set the outbox's horizon).
func ReadLedger(ctx context.Context, db *store.Store, issueKey string) ([]rules.LedgerEntry, error) {
	rs, err := db.Query(ctx, nil, `SELECT `+ledgerColumns+` FROM ledger WHERE issue = ? ORDER BY id`, issueKey)
	if err != nil {
		return nil, db.Wrap("read ledger", err)
	}
	defer rs.Close()
	var out []rules.LedgerEntry
	for rs.Next() {
		e, err := scanEntry(rs)
		if err != nil {
			return nil, db.Wrap("read ledger", err)
		}
		out = append(out, e)
	}
	return out, db.Wrap("read ledger", rs.Err())
}

func scanEntry(rs *sql.Rows) (rules.LedgerEntry, error) {
	var e rules.LedgerEntry
	var event string
	var at, due, byAt, until int64
	err := rs.Scan(&e.Issue, &e.Goal, &e.Cycle, &e.Step, &e.Level, &event, &at, &due, &e.Rule, &e.Reason, &e.By, &e.ByName, &byAt, &until,
		&e.Click, &e.Channel, &e.ChannelName, &e.DMUser, &e.DMName, &e.Fallback, &e.TS, &e.ThreadTS, &e.Page)
	e.Event = rules.LedgerEvent(event)
	e.At, e.DueAt, e.ByAt, e.Until = store.FromMS(at), store.FromMS(due), store.FromMS(byAt), store.FromMS(until)
	return e, err
}

// rowEntry is the ledger entry of event for row r, at now. A page row is
// entered under the ladder step that paged (its step less "trigger:"), a
// resolve under the goal cycle.
func rowEntry(r Row, event rules.LedgerEvent, now time.Time, reason string) rules.LedgerEntry {
	e := rules.LedgerEntry{Issue: r.Issue, Goal: r.Goal, Cycle: r.Cycle, Step: r.Step, Level: r.Level, Event: event, At: now,
		DueAt: r.DueAt, Reason: reason}
	if r.Kind == KindPage {
		e.Page, e.Level = true, 0
		if s, ok := strings.CutPrefix(r.Step, PageTrigger+":"); ok {
			e.Step = s
			if p, err := decodePage(r.Payload); err == nil {
				e.Level = p.Level
			}
		} else {
			e.Step = ""
		}
	}
	return e
}

// inLedger reports whether rows of kind k belong in the issue ledger:
// steps and pages (reports and digests are per product, not per issue;
// clicks are entered when they are stored).
func inLedger(k Kind) bool { return k == KindEscalation || k == KindPage }

// noteRecorded enters a row just stored: recorded, or cancelled when it
// was stored so (its goal had already stopped). A row stored as skipped is
// the worker's to enter (Note), with whose acknowledgement or which rule.
func (o *Outbox) noteRecorded(ctx context.Context, now time.Time, in intent) {
	if !inLedger(in.Kind) || in.Skip != "" {
		return
	}
	key := Key(in.Issue, in.Goal, in.Cycle, in.Step)
	var state string
	if err := o.rows.db.QueryRow(ctx, nil, `SELECT state FROM outbox WHERE kind = ? AND issue = ? AND goal = ? AND cycle = ? AND step = ?`,
		string(in.Kind), in.Issue, in.Goal, in.Cycle, in.Step).Scan(&state); err != nil {
		o.log.Warn("outbox: could not read a row just stored for the ledger", "key", key, "err", err)
		return
	}
	r := Row{Kind: in.Kind, Issue: in.Issue, Goal: in.Goal, Cycle: in.Cycle, Step: in.Step, Level: in.Level, Payload: in.Payload, DueAt: in.DueAt}
	e := rowEntry(r, rules.LedgerRecorded, now, "")
	if state == StateCancelled {
		e.Event, e.Reason = rules.LedgerCancelled, "the goal had already stopped when the step was recorded"
	}
	o.appendEntry(ctx, e, string(in.Kind)+"|"+key+"|"+string(e.Event))
}

// noteSent enters a recorded send: where it really went (a DM is named as
// the person's DM, not as the rung's channel), its ts and when.
func (o *Outbox) noteSent(ctx context.Context, now time.Time, r Row, ch, ts, threadTS string) {
	if !inLedger(r.Kind) {
		return
	}
	e := rowEntry(r, rules.LedgerSent, now, "")
	e.Channel, e.TS, e.ThreadTS = ch, ts, threadTS
	if r.Kind == KindEscalation {
		if esc, err := decodeEscalation(r.Payload); err == nil {
			t := esc.Target
			route := sentRoute(t, ch)
			e.Fallback = route.Fallback
			assignee := t.AssigneeAccountID != "" || t.AssigneeEmail != ""
			switch {
			case assignee && !route.Fallback && ch != t.Channel:
				e.DMName = t.AssigneeLabel()
			case t.User != "" && ch != t.Channel:
				e.DMUser = t.User
			default:
				e.ChannelName = o.channelName(ch)
			}
		}
		if r.Uncertain {
			e.Reason = "found in Slack by its key after an attempt whose outcome was unknown: recorded, not posted again"
		}
	}
	o.appendEntry(ctx, e, string(r.Kind)+"|"+r.Key+"|sent")
}

// noteBlocked enters a row that became blocked, with why.
func (o *Outbox) noteBlocked(ctx context.Context, now time.Time, r Row, why string) {
	if inLedger(r.Kind) {
		o.appendEntry(ctx, rowEntry(r, rules.LedgerBlocked, now, why), "")
	}
}

// noteCancelled enters the rows of a goal cycle that ended without being
// sent because the goal stopped (or were given up), once each. Rows stored
// as not to be sent (held, skipped) are the worker's to enter.
func (o *Outbox) noteCancelled(ctx context.Context, now time.Time, issue, goal string, cycle int) {
	rs, err := o.rows.db.Query(ctx, nil, "SELECT "+rowColumns+` FROM outbox
		WHERE kind IN ('escalation', 'page') AND issue = ? AND goal = ? AND cycle = ? AND state = 'cancelled'
		  AND (attempts > 0 OR last_error = ?) ORDER BY due_at, level, id`, issue, goal, cycle, goalMetReason)
	if err != nil {
		o.log.Warn("outbox: could not read cancelled rows for the ledger", "issue", issue, "goal", goal, "err", err)
		return
	}
	cancelled, err := collect(rs)
	if err != nil {
		o.log.Warn("outbox: could not read cancelled rows for the ledger", "issue", issue, "goal", goal, "err", err)
		return
	}
	for _, r := range cancelled {
		o.appendEntry(ctx, rowEntry(r, rules.LedgerCancelled, now, r.LastError), string(r.Kind)+"|"+r.Key+"|cancelled")
	}
}

// noteClick enters a click just stored.
func (o *Outbox) noteClick(ctx context.Context, a Action) {
	e := rules.LedgerEntry{Issue: a.Issue, Goal: a.Goal, Cycle: a.Cycle, Step: a.Step, Event: rules.LedgerClicked, At: a.At.UTC(),
		By: a.User, ByName: a.Name, Click: string(a.Kind)}
	if a.Kind == ActSnooze {
		e.Until = a.At.Add(a.Snooze).UTC()
		e.Reason = "asked for " + a.Snooze.String() + "; a snooze never runs past the deadline"
	}
	o.appendEntry(ctx, e, "")
}

// channelName is the channel as the policies name it ("#support") for an
// id in Options.Channels, else "".
func (o *Outbox) channelName(id string) string {
	for name, v := range o.opt.Channels {
		if v == id {
			return name
		}
	}
	if strings.HasPrefix(id, "#") {
		return id
	}
	return ""
}

// pruneLedger deletes entries older than cut whose goal cycle has no row
// left in the outbox: the ledger lives as long as its thread's rows.
func (o *Outbox) pruneLedger(ctx context.Context, cut time.Time) (int64, error) {
	res, err := o.rows.db.Exec(ctx, nil, `DELETE FROM ledger WHERE at < ? AND NOT EXISTS (
		SELECT 1 FROM outbox WHERE outbox.kind IN ('escalation', 'page') AND outbox.issue = ledger.issue
		  AND outbox.goal = ledger.goal AND outbox.cycle = ledger.cycle)`, ms(cut))
	if err != nil {
		return 0, o.rows.db.Wrap("prune ledger", err)
	}
	n, err := res.RowsAffected()
	return n, o.rows.db.Wrap("prune ledger", err)
}

// noteFailure enters what a failed attempt recorded: the row became
// blocked (a person must fix something), or it was cancelled because its
// goal stopped meanwhile (markFailed cancels instead of retrying then).
func (o *Outbox) noteFailure(ctx context.Context, now time.Time, r Row, f failure) {
	if f.Blocked && !r.Blocked {
		o.noteBlocked(ctx, now, r, f.Error)
	}
	if !f.Uncertain {
		o.noteCancelled(ctx, now, r.Issue, r.Goal, r.Cycle)
	}
}

// ledgerFromRowsName is the store value saying the ledger was filled from
// the rows a release without a ledger wrote.
const ledgerFromRowsName = "outbox:ledger-from-rows"

// fillLedgerFromRows gives the steps and clicks stored before the ledger
// existed their history, once per file, from what their rows say:
// recorded at creation; then sent (when, where, ts), cancelled or blocked
// (with the row's reason), or held or skipped when the row was stored not
// to be sent (the previous release's reasons name which rule). Without it
// explain would call a step the previous release sent "not sent". The
// entries carry the keys the live ones use, so nothing is entered twice.
func (o *Outbox) fillLedgerFromRows(ctx context.Context, now time.Time) error {
	db := o.rows.db
	if _, done, err := db.Cursor(ctx, ledgerFromRowsName); err != nil || done {
		return err
	}
	rs, err := db.Query(ctx, nil, "SELECT "+rowColumns+` FROM outbox WHERE kind IN ('escalation', 'page', 'action') ORDER BY id`)
	if err != nil {
		return db.Wrap("fill ledger", err)
	}
	old, err := collect(rs)
	if err != nil {
		return db.Wrap("fill ledger", err)
	}
	for _, r := range old {
		if r.Kind == KindAction {
			if a, err := decodeAction(r.Payload); err == nil {
				o.noteClick(ctx, a)
			}
			continue
		}
		notSent := r.State == StateCancelled && r.Attempts == 0 && r.LastError != "" && r.LastError != goalMetReason
		if !notSent {
			o.appendEntry(ctx, rowEntry(r, rules.LedgerRecorded, r.CreatedAt, ""), string(r.Kind)+"|"+r.Key+"|recorded")
		}
		switch {
		case r.State == StateSent:
			o.noteSent(ctx, r.SentAt, r, r.Channel, r.TS, r.ThreadTS)
		case notSent:
			e := rowEntry(r, rules.LedgerSkipped, r.CreatedAt, r.LastError)
			switch {
			case strings.HasPrefix(r.LastError, "held back:"):
				e.Event, e.Rule = rules.LedgerHeld, rules.RuleAcknowledgement
			case strings.HasPrefix(r.LastError, "catch-up rule:"):
				e.Rule = rules.RuleCatchUp
			}
			o.appendEntry(ctx, e, Key(e.Issue, e.Goal, e.Cycle, e.Step)+"|"+string(e.Event))
		case r.State == StateCancelled:
			at := r.MetAt // the goal stopped then; a row given up later says so in its reason
			if at.IsZero() {
				at = r.CreatedAt
			}
			o.appendEntry(ctx, rowEntry(r, rules.LedgerCancelled, at, r.LastError), string(r.Kind)+"|"+r.Key+"|cancelled")
		case r.Blocked:
			o.appendEntry(ctx, rowEntry(r, rules.LedgerBlocked, r.FirstAttemptAt, r.LastError), "")
		}
	}
	if len(old) > 0 {
		o.log.Info("outbox: ledger filled from the rows written before it existed", "rows", len(old))
	}
	return db.SetCursor(ctx, now, ledgerFromRowsName, "1")
}
