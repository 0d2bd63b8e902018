package outbox

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/slabot/slabot/bot/store"
	"github.com/slabot/slabot/rules"
)

// The ledger is the history of each issue's notices, per goal cycle:
// recorded, held, snoozed, skipped, sent, blocked, cancelled, and the
// clicks (rules.LedgerEntry says what each means).
//
// Two facts are the outbox rows themselves: a step is recorded when its
// row is stored, and sent when the row records channel and ts, in the
// transaction that makes it so. Ledger reads those from the rows rather
// than writing them a second time: with a second commit per step on the
// delivery path the 30-day soak test (cmd/slabot TestSoak30Days) took
// 100 s against 72 s before the ledger; read from the rows, 202 s against
// 201 s run side by side (a loaded machine; one run each). The
// rest has no row, or is a transition a row forgets, and is appended to
// the ledger table where it happens: here in the outbox (a row blocked or
// cancelled, a click stored), and by the worker through Note for the steps
// it decided not to hand over (held, skipped, snoozed).
//
// The ledger is history, not the guarantee: an entry is appended after
// the fact it records is durable, and a failure to append is logged and
// never holds back a delivery. Entries are pruned with their thread's rows
// (Prune): once older than Options.Retention and no row of their goal
// cycle is left.

// goalMetReason is why the outbox cancels a step not sent when its goal
// stops (qCancelUnsent, send).
const goalMetReason = "goal stopped before sending"

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
// for a snooze (rules.LedgerHeld, LedgerSkipped, LedgerSnoozed); and a
// click bot.Clicks refused (rules.LedgerClicked with the reason). The worker
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
	key := rules.NoticeKey(e.Issue, e.Goal, e.Cycle, e.Step)
	var once, unless string
	switch e.Event {
	case rules.LedgerHeld, rules.LedgerSkipped:
		once = key + "|" + string(e.Event)
		// Any row of the step other than one stored as not to be sent
		// (cancelled before any attempt, for a reason other than the goal
		// stopping) means the step went its ordinary way.
		unless = `state != 'cancelled' OR attempts > 0 OR last_error IN ('', '` + goalMetReason + `')`
	case rules.LedgerSnoozed:
		// Once per snooze click: the end it is held to may move (a
		// paused goal's projected deadline caps it).
		at := e.ByAt
		if at.IsZero() {
			at = e.Until
		}
		once = key + "|snoozed|" + fmt.Sprint(ms(at))
		unless = `true`
	case rules.LedgerClicked:
		// A click that was refused (Reason says why): it is stored nowhere
		// else, and "why was my Acknowledge ignored?" needs it. Once per
		// press: a redelivered envelope carries the same instant.
		if e.Reason == "" || e.Click == "" {
			return fmt.Errorf("%w: a click is noted only when refused, with the reason", ErrInvalid)
		}
		once = key + "|refused|" + e.Click + "|" + e.By + "|" + fmt.Sprint(ms(e.At))
		unless = `false`
	default:
		return fmt.Errorf("%w: the worker notes held, skipped or snoozed steps and refused clicks, not %q", ErrInvalid, e.Event)
	}
	q := `INSERT INTO ledger (` + ledgerColumns + `, once) SELECT ` + placeholders(24) + `
		WHERE NOT EXISTS (SELECT 1 FROM outbox WHERE kind IN ('escalation', 'page') AND issue = ?1 AND goal = ?2 AND cycle = ?3
			AND step IN (?4, 'trigger:' || ?4) AND (` + unless + `))
		ON CONFLICT (once) DO NOTHING`
	_, err := o.rows.db.Exec(ctx, nil, q, append(ledgerArgs(e), once)...)
	return o.rows.db.Wrap("note in ledger", err)
}

// Ledger returns the issue's ledger, every goal cycle, in the order things
// happened.
func (o *Outbox) Ledger(ctx context.Context, issueKey string) ([]rules.LedgerEntry, error) {
	return ReadLedger(ctx, o.rows.db, issueKey, o.opt.Channels)
}

// ReadLedger is Outbox.Ledger on a store without an Outbox (explain,
// which sends nothing and must not set the outbox's horizon). channels
// maps channel names as policies write them to ids (Options.Channels), to
// name the channels steps went to.
func ReadLedger(ctx context.Context, db *store.Store, issueKey string, channels map[string]string) ([]rules.LedgerEntry, error) {
	rs, err := db.Query(ctx, nil, "SELECT "+rowColumns+` FROM outbox WHERE issue = ? AND kind IN ('escalation', 'page') ORDER BY id`, issueKey)
	if err != nil {
		return nil, db.Wrap("read ledger", err)
	}
	stepRows, err := collect(rs)
	if err != nil {
		return nil, db.Wrap("read ledger", err)
	}
	// The rows' facts first: at one instant, a step is recorded before
	// anything else happens to it.
	var out []rules.LedgerEntry
	for _, r := range stepRows {
		out = append(out, rowFacts(r, channels)...)
	}
	rs, err = db.Query(ctx, nil, `SELECT `+ledgerColumns+` FROM ledger WHERE issue = ? ORDER BY id`, issueKey)
	if err != nil {
		return nil, db.Wrap("read ledger", err)
	}
	defer rs.Close()
	for rs.Next() {
		e, err := scanEntry(rs)
		if err != nil {
			return nil, db.Wrap("read ledger", err)
		}
		out = append(out, e)
	}
	if err := rs.Err(); err != nil {
		return nil, db.Wrap("read ledger", err)
	}
	slices.SortStableFunc(out, func(a, b rules.LedgerEntry) int { return a.At.Compare(b.At) })
	return out, nil
}

// storedNotToSend reports whether r was stored as a step not to be sent
// (held or skipped: cancelled before any attempt, with its reason).
func storedNotToSend(r Row) bool {
	return r.State == StateCancelled && r.Attempts == 0 && r.LastError != "" && r.LastError != goalMetReason
}

// rowFacts are the entries a step's row is itself the record of: recorded
// when it was stored (or cancelled then, its goal having stopped), sent
// when it records channel and ts. A row stored not to be sent has none:
// the worker's note says why (held, skipped).
func rowFacts(r Row, channels map[string]string) []rules.LedgerEntry {
	if storedNotToSend(r) {
		return nil
	}
	e := rowEntry(r, rules.LedgerRecorded, r.CreatedAt, "")
	if r.State == StateCancelled && r.Attempts == 0 && r.LastError == "" {
		e.Event, e.Reason = rules.LedgerCancelled, "the goal had already stopped when the step was recorded"
		return []rules.LedgerEntry{e}
	}
	out := []rules.LedgerEntry{e}
	if r.State == StateSent {
		out = append(out, sentEntry(r, channels))
	}
	return out
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
		if s, ok := strings.CutPrefix(r.Step, rules.PageTrigger+":"); ok {
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

// sentEntry is the sent entry of a sent row: where it really went (a DM
// is named as the person's DM, not as the rung's channel), its ts and when.
func sentEntry(r Row, channels map[string]string) rules.LedgerEntry {
	e := rowEntry(r, rules.LedgerSent, r.SentAt, "")
	e.Channel, e.TS, e.ThreadTS = r.Channel, r.TS, r.ThreadTS
	if r.Kind != KindEscalation {
		return e
	}
	esc, err := decodeEscalation(r.Payload)
	if err != nil {
		return e
	}
	t := esc.Recipient
	route := sentRoute(t, r.Channel)
	e.Fallback = route.Fallback
	assignee := t.AssigneeAccountID != "" || t.AssigneeEmail != ""
	switch {
	case assignee && !route.Fallback && r.Channel != t.Channel:
		e.DMName = t.AssigneeLabel()
	case t.User != "" && r.Channel != t.Channel:
		e.DMUser = t.User
	default:
		e.ChannelName = channelName(channels, r.Channel)
	}
	return e
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
		why := r.LastError
		if why != goalMetReason && !strings.HasPrefix(why, "goal met") {
			why = goalMetReason + "; the last attempt had failed: " + why
		}
		o.appendEntry(ctx, rowEntry(r, rules.LedgerCancelled, now, why), string(r.Kind)+"|"+r.Key+"|cancelled")
	}
}

// noteClick enters a click just stored.
func (o *Outbox) noteClick(ctx context.Context, a rules.Click) {
	e := rules.LedgerEntry{Issue: a.Issue, Goal: a.Goal, Cycle: a.Cycle, Step: a.Step, Event: rules.LedgerClicked, At: a.At.UTC(),
		By: a.User, ByName: a.Name, Click: string(a.Kind)}
	if a.Kind == rules.ClickSnooze {
		e.Until = a.At.Add(a.Snooze).UTC()
		e.Reason = "asked for " + a.Snooze.String() + "; a snooze never runs past the deadline"
	}
	o.appendEntry(ctx, e, "")
}

// channelName is the channel as the policies name it ("#support") for an
// id in channels (Options.Channels), else "".
func channelName(channels map[string]string, id string) string {
	for name, v := range channels {
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
// existed the history their rows hold but do not say at read time (their
// recorded and sent are read from them, rowFacts), once per file: held or
// skipped when the row was stored not to be sent (the previous release's
// reasons name which rule), cancelled or blocked with the row's reason, and
// the clicks. The entries carry the keys the live ones use, so nothing is
// entered twice.
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
		switch {
		case r.State == StateSent:
			// recorded and sent: the row says so (rowFacts)
		case storedNotToSend(r):
			e := rowEntry(r, rules.LedgerSkipped, r.CreatedAt, r.LastError)
			switch {
			case strings.HasPrefix(r.LastError, "held back:"):
				e.Event, e.Rule = rules.LedgerHeld, rules.RuleAcknowledgement
			case strings.HasPrefix(r.LastError, "catch-up rule:"):
				e.Rule = rules.RuleCatchUp
			}
			o.appendEntry(ctx, e, rules.NoticeKey(e.Issue, e.Goal, e.Cycle, e.Step)+"|"+string(e.Event))
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
