package outbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/slabot/slabot/bot/store"

	"github.com/slabot/slabot/rules"
)

// Kind says what a row delivers.
type Kind string

// Row kinds.
const (
	KindEscalation Kind = "escalation" // one ladder step of an (issue, goal, cycle)
	KindReport     Kind = "report"     // a product's scheduled report of one period
)

// Row states.
const (
	StatePending   = "pending"   // waiting for its next attempt
	StateSending   = "sending"   // claimed by a dispatcher under a lease
	StateSent      = "sent"      // delivered: Channel and TS are set
	StateCancelled = "cancelled" // superseded (goal met) or skipped before it was sent
)

// Row is one stored delivery. Times are UTC, zero when unset.
type Row struct {
	ID    int64
	Key   string // travels with the Slack message as metadata; see rules.NoticeKey
	Kind  Kind
	Issue string // the issue key; a report's or a digest's product
	Goal  string // the goal's name; a report's period
	Cycle int
	// Step is what the step is on the ladder: its trigger and rung
	// ("75%/agent", "breach+2h/management"), "report" for a report, or
	// "L<level>" for a row written before steps had an identity.
	Step      string
	Level     int // the step's position on the ladder when it was recorded (display, and ties in ladder order)
	Payload   []byte
	State     string
	Attempts  int    // how many times the row was claimed
	Uncertain bool   // an earlier attempt may have reached Slack (or the file cannot tell): look before posting
	Blocked   bool   // needs a person, or an uncertain send could not be settled in time: later steps go ahead
	Owner     string // lease holder while State is "sending"
	Channel   string // where it was sent, or last attempted
	TS        string // the message's ts once sent
	ThreadTS  string // the parent's ts when the message is a thread reply
	LastError string

	CreatedAt      time.Time
	DueAt          time.Time // when the step fell due (zero: unknown)
	FirstAttemptAt time.Time
	NextAttemptAt  time.Time
	LeaseUntil     time.Time
	SentAt         time.Time
	MetAt          time.Time // when the outbox learned the goal stopped (for every row of the thread)
	// Stop is how the goal stopped (set with MetAt): the clock's instant
	// and met or breached. A row written before stops were recorded reads
	// as it always did: met, at MetAt.
	Stop rules.Stop

	// UpdateGen > ShownGen means this sent parent message shows a stale
	// status line and needs a chat.update.
	UpdateGen int64
	ShownGen  int64
}

// intent is a row to insert.
type intent struct {
	Kind      Kind
	Issue     string
	Goal      string
	Cycle     int
	Step      string
	Level     int
	Payload   []byte
	DueAt     time.Time
	NotBefore time.Time // first attempt not before; zero: at once
	Uncertain bool      // look in Slack before the first post
	Skip      string    // record the row as cancelled with this reason
	// Dest is where the row goes, as far as it is known when recorded
	// (destOf): a pass claims a few rows of each destination.
	Dest string
}

// failure records an attempt that did not end in a recorded send.
type failure struct {
	Next      time.Time // when the row becomes due again
	Error     string    // for the row's last_error and logs
	Uncertain bool      // the message may have been posted
	Blocked   bool      // later steps go ahead without it
	Channel   string    // where the attempt went, if known (reconciliation looks there)
	ThreadTS  string
}

// ReportKey is the key of a product's report of one period. Rows written
// before reports were keyed by product keep their "report|PROJECT|PERIOD".
func ReportKey(product, period string) string { return "report|" + product + "|" + period }

// rows is the outbox table on the store's handle.
type rows struct {
	db *store.Store
	// legacy is set when the file holds rows written before steps had an
	// identity ("L<level>"): only then does enqueue look for one to adopt.
	legacy bool
	// known holds what this process knows of the table's rows: enqueue
	// does not insert them again, Escalate does not update a claimed one
	// (see recorded.go).
	known *recorded
}

const rowColumns = `id, key, kind, issue, goal, cycle, step, level, payload, state, attempts, uncertain, blocked,
	owner, channel, ts, thread_ts, last_error, created_at, due_at, first_attempt_at, next_attempt_at,
	lease_until, sent_at, met_at, update_gen, shown_gen, stopped_at, stop_outcome, stop_over_ms`

type scanner interface{ Scan(dest ...any) error }

func scanRow(sc scanner) (Row, error) {
	var r Row
	var kind string
	var created, due, first, next, lease, sent, met, stopped, over int64
	var outcome string
	err := sc.Scan(&r.ID, &r.Key, &kind, &r.Issue, &r.Goal, &r.Cycle, &r.Step, &r.Level, &r.Payload, &r.State,
		&r.Attempts, &r.Uncertain, &r.Blocked, &r.Owner, &r.Channel, &r.TS, &r.ThreadTS, &r.LastError,
		&created, &due, &first, &next, &lease, &sent, &met, &r.UpdateGen, &r.ShownGen, &stopped, &outcome, &over)
	r.Kind = Kind(kind)
	r.CreatedAt, r.DueAt, r.FirstAttemptAt, r.NextAttemptAt = store.FromMS(created), store.FromMS(due), store.FromMS(first), store.FromMS(next)
	r.LeaseUntil, r.SentAt, r.MetAt = store.FromMS(lease), store.FromMS(sent), store.FromMS(met)
	r.Stop = storedStop(r.MetAt, stopped, outcome, over)
	return r, err
}

func collect(rs *sql.Rows) ([]Row, error) {
	defer rs.Close()
	var out []Row
	for rs.Next() {
		r, err := scanRow(rs)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rs.Err()
}

var ms = store.MS

// enqueue stores an intent unless one with the same (kind, issue, goal,
// cycle, step) exists; inserted reports which. This is what makes
// re-evaluating every issue at every tick safe: the same step is never
// queued twice. An intent for a thread whose goal is already met is stored
// as cancelled, so the record exists but nothing is sent.
//
// A row written before steps had an identity ("L<level>") is adopted by
// the first intent of the same level, so upgrading does not send again
// what the previous release sent.
func (s rows) enqueue(ctx context.Context, now time.Time, in intent) (inserted bool, err error) {
	if in.Issue == "" || in.Goal == "" || in.Step == "" || in.Level < 1 {
		return false, s.db.Fail("enqueue", nil, fmt.Errorf("a row needs an issue, a goal, a step and a level >= 1 (got %q, %q, %q, %d)", in.Issue, in.Goal, in.Step, in.Level))
	}
	next := in.NotBefore
	if next.IsZero() || next.Before(now) {
		next = now
	}
	if in.Payload == nil {
		in.Payload = []byte{}
	}
	key := rules.NoticeKey(in.Issue, in.Goal, in.Cycle, in.Step)
	switch in.Kind {
	case KindReport:
		key = ReportKey(in.Issue, in.Goal)
	case KindDigest:
		key = DigestKey(in.Issue, in.Goal)
	}
	known := recordedKey(in.Kind, key)
	if s.known.has(known) {
		return false, nil
	}
	if in.Kind == KindEscalation && s.legacy {
		if _, err := s.db.Exec(ctx, nil, `UPDATE outbox SET step = ?1 WHERE kind = 'escalation' AND issue = ?2 AND goal = ?3 AND cycle = ?4
			AND step = 'L' || ?5 AND NOT EXISTS (SELECT 1 FROM outbox WHERE kind = 'escalation' AND issue = ?2 AND goal = ?3 AND cycle = ?4 AND step = ?1)`,
			in.Step, in.Issue, in.Goal, in.Cycle, in.Level); err != nil {
			return false, s.db.Wrap("enqueue", err)
		}
	}
	// On PostgreSQL the insert runs under the thread's shared lock
	// (qThreadLockShared); on SQLite it is one statement under the write
	// lock.
	var tx *sql.Tx
	if s.db.Engine() == store.Postgres {
		if tx, err = s.db.Begin(ctx); err != nil {
			return false, s.db.Wrap("enqueue", err)
		}
		defer tx.Rollback() //nolint:errcheck // no-op after Commit
		if _, err := s.db.Exec(ctx, tx, qThreadLockShared, threadLockKey(string(in.Kind), in.Issue, in.Goal, in.Cycle)); err != nil {
			return false, s.db.Wrap("enqueue", err)
		}
	}
	res, err := s.db.Exec(ctx, tx, `
INSERT INTO outbox (key, kind, issue, goal, cycle, step, level, payload, state, uncertain, last_error, created_at, updated_at, due_at, next_attempt_at, met_at,
	stopped_at, stop_outcome, stop_over_ms, dest)
SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,
       CASE WHEN m.met > 0 OR ?12 != '' THEN 'cancelled' ELSE 'pending' END, ?9, ?12, ?10, ?10, ?13, ?11, m.met, m.stopped, m.outcome, m.over, ?14
FROM (SELECT COALESCE(MAX(met_at), 0) AS met, COALESCE(MAX(stopped_at), 0) AS stopped, COALESCE(MAX(stop_outcome), '') AS outcome,
		COALESCE(MAX(stop_over_ms), 0) AS over
	FROM outbox WHERE kind = ?2 AND issue = ?3 AND goal = ?4 AND cycle = ?5) AS m
WHERE true
ON CONFLICT DO NOTHING`,
		key, string(in.Kind), in.Issue, in.Goal, in.Cycle, in.Step, in.Level, in.Payload, in.Uncertain,
		ms(now), ms(next), in.Skip, ms(in.DueAt), in.Dest)
	if err != nil {
		return false, s.db.Wrap("enqueue", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, s.db.Wrap("enqueue", err)
	}
	if tx != nil {
		if err := tx.Commit(); err != nil {
			return false, s.db.Wrap("enqueue", err)
		}
	}
	// Inserted or already there: either way the row is in the table now.
	s.known.add(known)
	return n == 1, nil
}

// retarget points the pending escalation row of in at t and adds earlier
// to the places it may have gone (rules.Notice.Earlier), when that changes
// anything; moved reports whether it did. A row being sent, sent or
// cancelled is left as it is: its message exists, is on its way, or will
// never be. The update is conditional on the payload read, so a
// dispatcher claiming the row in between wins.
func (s rows) retarget(ctx context.Context, now time.Time, in intent, t rules.Recipient, earlier []rules.Recipient) (moved bool, err error) {
	var id int64
	var payload []byte
	err = s.db.QueryRow(ctx, nil, `SELECT id, payload FROM outbox WHERE kind = 'escalation' AND issue = ? AND goal = ? AND cycle = ? AND step = ? AND state = 'pending'`,
		in.Issue, in.Goal, in.Cycle, in.Step).Scan(&id, &payload)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, s.db.Wrap("retarget", err)
	}
	e, err := decodeEscalation(payload)
	if err != nil {
		return false, nil // the dispatcher blocks it and says why
	}
	was := e.Recipient
	all := append([]rules.Recipient(nil), e.Earlier...)
	for _, x := range earlier {
		if i := slices.IndexFunc(all, func(u rules.Recipient) bool { return samePlace(x, u) }); i >= 0 {
			all[i] = x // the newer description (an e-mail learned since)
		} else {
			all = append(all, x)
		}
	}
	all = slices.DeleteFunc(all, func(u rules.Recipient) bool { return samePlace(t, u) })
	if was == t && slices.Equal(all, e.Earlier) {
		return false, nil
	}
	e.Recipient, e.Earlier = t, all
	p, err := encodeEscalation(e)
	if err != nil {
		return false, s.db.Fail("retarget", nil, err)
	}
	res, err := s.db.Exec(ctx, nil, `UPDATE outbox SET payload = ?, updated_at = ? WHERE id = ? AND state = 'pending' AND payload = ?`,
		p, ms(now), id, payload)
	if err != nil {
		return false, s.db.Wrap("retarget", err)
	}
	n, err := res.RowsAffected()
	return n == 1 && !samePlace(was, t), s.db.Wrap("retarget", err)
}

// claimDue leases up to limit rows that are due at now to owner until
// now+lease and returns them in state "sending". A row is due when it is
// pending and its next attempt time has come, or when it is still
// "sending" under an expired lease: its dispatcher died between claiming
// and recording, so the row comes back marked Uncertain.
//
// A step is held back while an earlier step of the same thread (earlier
// due instant; the lower level on a tie) is still pending or sending,
// unless that one is Blocked, so the ladder is climbed in order and a
// reply can find its parent.
//
// At most perDest rows of one destination (dest) are claimed: a pass
// takes a few rows of every destination with due rows, so a hundred
// steps for one channel, which take a hundred seconds at Slack's pace,
// do not hold up the other channels' steps behind them.
func (s rows) claimDue(ctx context.Context, now time.Time, owner string, lease time.Duration, limit, perDest int) ([]Row, error) {
	if owner == "" || lease <= 0 || limit <= 0 || perDest <= 0 {
		return nil, s.db.Fail("claim", nil, errors.New("claim needs an owner, a positive lease and a positive limit"))
	}
	// On PostgreSQL the claim is a transaction of its own, which the
	// writer lease's fence checks first (store.SetFence).
	tx, err := s.pgTx(ctx)
	if err != nil {
		return nil, s.db.Wrap("claim", err)
	}
	defer rollback(tx)
	rs, err := s.db.Query(ctx, tx, qClaim[s.db.Engine()], owner, ms(now.Add(lease)), ms(now), limit, perDest)
	if err != nil {
		return nil, s.db.Wrap("claim", err)
	}
	out, err := collect(rs)
	if tx != nil {
		if err == nil {
			err = tx.Commit()
		}
		if err != nil { // rolled back: nothing was claimed
			return nil, s.db.Wrap("claim", err)
		}
	}
	// On SQLite the statement committed by itself: what it returned is
	// claimed, even when reading the rest failed.
	for _, r := range out {
		s.known.claim(recordedKey(r.Kind, r.Key))
	}
	return out, s.db.Wrap("claim", err)
}

// Statements run inside a transaction; they are prepared when the outbox
// is opened (store.Prepare).
const (
	qSentRow  = "SELECT " + rowColumns + " FROM outbox WHERE id = ?"
	qMarkSent = `UPDATE outbox SET state = 'sent', channel = ?, ts = ?, thread_ts = ?,
		sent_at = ?, updated_at = ?, owner = '', lease_until = 0, uncertain = 0, blocked = 0, last_error = '',
		update_gen = CASE WHEN met_at > 0 AND ? = '' THEN update_gen + 1 ELSE update_gen END
		WHERE id = ?`
	qFlagParents = `UPDATE outbox SET update_gen = update_gen + 1, updated_at = ?
		WHERE kind = 'escalation' AND issue = ? AND goal = ? AND cycle = ? AND id != ? AND state = 'sent' AND thread_ts = ''`
	qGoalMet = `UPDATE outbox SET met_at = ?, updated_at = ?, stopped_at = ?, stop_outcome = ?, stop_over_ms = ?,
		update_gen = CASE WHEN state = 'sent' AND thread_ts = '' THEN update_gen + 1 ELSE update_gen END
		WHERE kind = 'escalation' AND issue = ? AND goal = ? AND cycle = ? AND met_at = 0`
	qThreadStopped = `SELECT EXISTS (SELECT 1 FROM outbox
		WHERE kind = 'escalation' AND issue = ? AND goal = ? AND cycle = ? AND met_at > 0)`
	qCancelUnsent = `UPDATE outbox SET state = 'cancelled', last_error = 'goal stopped before sending', updated_at = ?
		WHERE kind = 'escalation' AND issue = ? AND goal = ? AND cycle = ? AND state = 'pending' AND uncertain = 0`
)

var txQueries = []string{qSentRow, qMarkSent, qFlagParents, qGoalMet, qThreadStopped, qCancelUnsent}

// markSent records that the row's message is in Slack at channel/ts (a
// thread reply when threadTS is set). It succeeds whether or not the lease
// is still held: the message exists, and that is the fact to keep. It marks
// every other parent message of the thread (and this one, if the goal is
// already met) for a status-line update; so does the sent trigger of a
// step that only pages (shownInThread). Recording the same ts twice is a
// no-op; recording a different ts for a sent row is an error.
func (s rows) markSent(ctx context.Context, now time.Time, id int64, channel, ts, threadTS string) error {
	if channel == "" || ts == "" {
		return s.db.Fail("mark sent", nil, errors.New("channel and ts are required"))
	}
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return s.db.Wrap("mark sent", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	r, err := scanRow(s.db.QueryRow(ctx, tx, qSentRowFor[s.db.Engine()], id))
	if errors.Is(err, sql.ErrNoRows) {
		return s.db.Fail("mark sent", store.ErrNotFound, fmt.Errorf("row %d", id))
	}
	if err != nil {
		return s.db.Wrap("mark sent", err)
	}
	if r.State == StateSent {
		if r.Channel == channel && r.TS == ts {
			return nil
		}
		return s.db.Fail("mark sent", store.ErrLeaseLost,
			fmt.Errorf("row %s already sent as %s/%s, now %s/%s: a duplicate message exists", r.Key, r.Channel, r.TS, channel, ts))
	}
	if _, err := s.db.Exec(ctx, tx, qMarkSent, channel, ts, threadTS, ms(now), ms(now), threadTS, id); err != nil {
		return s.db.Wrap("mark sent", err)
	}
	if r.Kind == KindEscalation || shownInThread(r) {
		if _, err := s.db.Exec(ctx, tx, qFlagParents, ms(now), r.Issue, r.Goal, r.Cycle, id); err != nil {
			return s.db.Wrap("mark sent", err)
		}
	}
	return s.db.Wrap("mark sent", tx.Commit())
}

// markFailed returns a claimed row to "pending" until f.Next. A row whose
// goal was met meanwhile is cancelled instead, unless the attempt may have
// reached Slack (f.Uncertain): then it stays pending so the dispatcher can
// look for it and record it. ErrLeaseLost means owner no longer holds it.
func (s rows) markFailed(ctx context.Context, now time.Time, id int64, owner string, f failure) error {
	res, err := s.db.Exec(ctx, nil, `UPDATE outbox SET
		state = CASE WHEN met_at > 0 AND ?1 = 0 THEN 'cancelled' ELSE 'pending' END,
		uncertain = ?1, blocked = ?2, next_attempt_at = ?3, last_error = ?4,
		channel = CASE WHEN ?5 != '' THEN ?5 ELSE channel END,
		thread_ts = CASE WHEN ?5 != '' THEN ?6 ELSE thread_ts END,
		owner = '', lease_until = 0, updated_at = ?7
		WHERE id = ?8 AND state = 'sending' AND owner = ?9`,
		f.Uncertain, f.Blocked, ms(f.Next), truncate(f.Error, 1000), f.Channel, f.ThreadTS, ms(now), id, owner)
	return s.checkLease("mark failed", res, err, id)
}

// markCancelled ends a claimed row without sending it: its goal was met
// and the dispatcher made sure (by looking in Slack) it was never posted.
func (s rows) markCancelled(ctx context.Context, now time.Time, id int64, owner, reason string) error {
	res, err := s.db.Exec(ctx, nil, `UPDATE outbox SET state = 'cancelled', uncertain = 0, last_error = ?,
		owner = '', lease_until = 0, updated_at = ? WHERE id = ? AND state = 'sending' AND owner = ?`,
		truncate(reason, 1000), ms(now), id, owner)
	return s.checkLease("mark cancelled", res, err, id)
}

func (s rows) checkLease(op string, res sql.Result, err error, id int64) error {
	if err != nil {
		return s.db.Wrap(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return s.db.Wrap(op, err)
	}
	if n == 0 {
		return s.db.Fail(op, store.ErrLeaseLost, fmt.Errorf("row %d is not claimed by this dispatcher", id))
	}
	return nil
}

// markGoalMet records that the thread's goal was met at now. Rows not yet
// sent are cancelled, except ones whose earlier attempt may have reached
// Slack (they stay for reconciliation) and ones being sent right now (the
// dispatcher settles them). Sent parent messages are marked for a
// status-line update. It returns how many rows it cancelled; calling it
// again is harmless.
func (s rows) markGoalMet(ctx context.Context, now time.Time, issue, goal string, cycle int, stop rules.Stop) (cancelled int, err error) {
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return 0, s.db.Wrap("mark goal met", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	if s.db.Engine() == store.Postgres {
		if _, err := s.db.Exec(ctx, tx, qThreadLockExclusive, threadLockKey(string(KindEscalation), issue, goal, cycle)); err != nil {
			return 0, s.db.Wrap("mark goal met", err)
		}
	}
	res, err := s.db.Exec(ctx, tx, qGoalMet, ms(now), ms(now), ms(stop.At), string(stop.Outcome), stop.Over.Milliseconds(), issue, goal, cycle)
	if err != nil {
		return 0, s.db.Wrap("mark goal met", err)
	}
	thread := ThreadKey(issue, goal, cycle)
	if n, _ := res.RowsAffected(); n == 0 {
		// Nothing to mark: the stop is recorded already, or the thread has
		// no row yet (then a later call must mark the rows to come).
		var recorded bool
		if err := s.db.QueryRow(ctx, tx, qThreadStopped, issue, goal, cycle).Scan(&recorded); err != nil {
			return 0, s.db.Wrap("mark goal met", err)
		}
		if err := tx.Commit(); err != nil {
			return 0, s.db.Wrap("mark goal met", err)
		}
		if recorded {
			s.known.stop(thread)
		}
		return 0, nil
	}
	res, err = s.db.Exec(ctx, tx, qCancelUnsent, ms(now), issue, goal, cycle)
	if err != nil {
		return 0, s.db.Wrap("mark goal met", err)
	}
	n, _ := res.RowsAffected()
	if err := tx.Commit(); err != nil {
		return 0, s.db.Wrap("mark goal met", err)
	}
	s.known.stop(thread)
	return int(n), nil
}

// storedStop is how a row says its goal stopped: the recorded instant and
// outcome, or, for a row written before they were recorded, "met" at
// met_at, as that release showed it.
func storedStop(met time.Time, stopped int64, outcome string, overMS int64) rules.Stop {
	if met.IsZero() {
		return rules.Stop{}
	}
	st := rules.Stop{At: store.FromMS(stopped), Outcome: rules.GoalState(outcome), Over: time.Duration(overMS) * time.Millisecond}
	if st.At.IsZero() {
		st.At = met
	}
	if st.Outcome == "" {
		st.Outcome = rules.StateMet
	}
	return st
}

// thread returns every escalation row of one (issue, goal, cycle), in
// ladder order.
func (s rows) thread(ctx context.Context, issue, goal string, cycle int) ([]Row, error) {
	rs, err := s.db.Query(ctx, nil, "SELECT "+rowColumns+` FROM outbox
		WHERE kind = 'escalation' AND issue = ? AND goal = ? AND cycle = ? ORDER BY due_at, level, id`, issue, goal, cycle)
	if err != nil {
		return nil, s.db.Wrap("thread", err)
	}
	out, err := collect(rs)
	return out, s.db.Wrap("thread", err)
}

// get returns the row with the given key.
func (s rows) get(ctx context.Context, key string) (Row, error) {
	r, err := scanRow(s.db.QueryRow(ctx, nil, "SELECT "+rowColumns+" FROM outbox WHERE key = ?", key))
	if errors.Is(err, sql.ErrNoRows) {
		return r, s.db.Fail("get", store.ErrNotFound, fmt.Errorf("no outbox row %q", key))
	}
	return r, s.db.Wrap("get", err)
}

// dueUpdates returns sent parent messages whose status line is stale and
// whose next update attempt is due.
func (s rows) dueUpdates(ctx context.Context, now time.Time, limit int) ([]Row, error) {
	rs, err := s.db.Query(ctx, nil, "SELECT "+rowColumns+` FROM outbox
		WHERE state = 'sent' AND update_gen > shown_gen AND update_next_at <= ?
		ORDER BY update_next_at, id LIMIT ?`, ms(now), limit)
	if err != nil {
		return nil, s.db.Wrap("due updates", err)
	}
	out, err := collect(rs)
	return out, s.db.Wrap("due updates", err)
}

// markUpdated records that the parent now shows the status of generation
// gen (the UpdateGen read before rendering). A bump that happened while
// the update was in flight keeps the row due.
func (s rows) markUpdated(ctx context.Context, now time.Time, id int64, gen int64) error {
	_, err := s.db.Exec(ctx, nil, `UPDATE outbox SET shown_gen = CASE WHEN shown_gen > ?1 THEN shown_gen ELSE ?1 END, update_next_at = 0,
		last_error = '', updated_at = ?2 WHERE id = ?3`, gen, ms(now), id)
	return s.db.Wrap("mark updated", err)
}

// deferUpdate postpones a failed status-line update until next.
func (s rows) deferUpdate(ctx context.Context, now time.Time, id int64, next time.Time, reason string) error {
	_, err := s.db.Exec(ctx, nil, `UPDATE outbox SET update_next_at = ?, last_error = ?, updated_at = ? WHERE id = ?`,
		ms(next), truncate(reason, 1000), ms(now), id)
	return s.db.Wrap("defer update", err)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// destOf is the destination an escalation is claimed under (intent.Dest):
// the rung's channel or user, else the person the agent rung goes to,
// else its fallback channel. It is a fairness key, not the route (the
// route is resolved when the row is sent).
func destOf(t rules.Recipient) string {
	switch {
	case t.Channel != "":
		return t.Channel
	case t.User != "":
		return "user:" + t.User
	case t.AssigneeAccountID != "":
		return "assignee:" + t.AssigneeAccountID
	case t.AssigneeEmail != "":
		return "assignee:" + t.AssigneeEmail
	}
	return t.FallbackChannel
}
