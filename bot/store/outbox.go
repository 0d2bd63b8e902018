package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Row states.
const (
	StatePending   = "pending"   // waiting for its next attempt
	StateSending   = "sending"   // claimed by a dispatcher under a lease
	StateSent      = "sent"      // delivered: Channel and TS are set
	StateCancelled = "cancelled" // superseded (goal met) before it was sent
)

// Intent is one escalation step to deliver: unique per (Issue, Goal, Cycle,
// Level). Payload is opaque to the store (the sender's encoded message).
// NotBefore delays the first attempt; zero means as soon as possible.
//
// It is an alias of an unnamed struct type so that a package declaring the
// identical struct satisfies the same interface without importing store.
type Intent = struct {
	Issue     string
	Goal      string
	Cycle     int
	Level     int
	Payload   []byte
	NotBefore time.Time
}

// Row is an outbox row as the dispatcher sees it. Times are UTC, zero when
// unset. See Intent for why it is an alias.
type Row = struct {
	ID        int64
	Key       string // Key(Issue, Goal, Cycle, Level): travels with the Slack message as metadata
	Issue     string
	Goal      string
	Cycle     int
	Level     int
	Payload   []byte
	State     string
	Attempts  int    // how many times the row was claimed
	Uncertain bool   // an earlier attempt may have reached Slack: look before posting again
	Blocked   bool   // the last attempt failed with an error only a person can fix
	Owner     string // lease holder while State is "sending"
	Channel   string // where it was sent, or last attempted
	TS        string // the message's ts once sent
	ThreadTS  string // the parent's ts when the message is a thread reply
	LastError string

	CreatedAt      time.Time
	FirstAttemptAt time.Time
	NextAttemptAt  time.Time
	LeaseUntil     time.Time
	SentAt         time.Time
	MetAt          time.Time // the goal was met (for every row of the thread)

	// UpdateGen > ShownGen means this sent parent message shows a stale
	// status line and needs a chat.update.
	UpdateGen int64
	ShownGen  int64
}

// Failure records an attempt that did not end in a recorded send.
type Failure = struct {
	Next      time.Time // when the row becomes due again
	Error     string    // for the row's last_error and logs
	Uncertain bool      // the message may have been posted
	Blocked   bool      // needs a person (channel_not_found, invalid_auth, ...): lets later levels go ahead
	Channel   string    // where the attempt went, if known (reconciliation looks there)
	ThreadTS  string
}

// Key is the outbox key of one escalation step. It is stable across
// releases: it is written into Slack message metadata and searched for when
// reconciling uncertain sends.
func Key(issue, goal string, cycle, level int) string {
	return fmt.Sprintf("%s|%s|%d|%d", issue, goal, cycle, level)
}

const rowColumns = `id, key, issue, goal, cycle, level, payload, state, attempts, uncertain, blocked,
	owner, channel, ts, thread_ts, last_error, created_at, first_attempt_at, next_attempt_at,
	lease_until, sent_at, met_at, update_gen, shown_gen`

type scanner interface{ Scan(dest ...any) error }

func scanRow(sc scanner) (Row, error) {
	var r Row
	var created, first, next, lease, sent, met int64
	err := sc.Scan(&r.ID, &r.Key, &r.Issue, &r.Goal, &r.Cycle, &r.Level, &r.Payload, &r.State,
		&r.Attempts, &r.Uncertain, &r.Blocked, &r.Owner, &r.Channel, &r.TS, &r.ThreadTS, &r.LastError,
		&created, &first, &next, &lease, &sent, &met, &r.UpdateGen, &r.ShownGen)
	r.CreatedAt, r.FirstAttemptAt, r.NextAttemptAt = fromMS(created), fromMS(first), fromMS(next)
	r.LeaseUntil, r.SentAt, r.MetAt = fromMS(lease), fromMS(sent), fromMS(met)
	return r, err
}

func collect(rows *sql.Rows) ([]Row, error) {
	defer rows.Close()
	var out []Row
	for rows.Next() {
		r, err := scanRow(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Enqueue stores an intent unless one with the same (issue, goal, cycle,
// level) exists; inserted reports which. This is what makes re-evaluating
// every issue at every tick safe: the same step is never queued twice. An
// intent for a thread whose goal is already met is stored as cancelled, so
// the record exists but nothing is sent.
func (s *Store) Enqueue(ctx context.Context, now time.Time, in Intent) (inserted bool, err error) {
	if in.Issue == "" || in.Goal == "" || in.Level < 1 {
		return false, &Error{Op: "enqueue", Path: s.path, Err: fmt.Errorf("intent needs an issue, a goal and a level >= 1 (got %q, %q, %d)", in.Issue, in.Goal, in.Level)}
	}
	next := in.NotBefore
	if next.IsZero() || next.Before(now) {
		next = now
	}
	if in.Payload == nil {
		in.Payload = []byte{}
	}
	res, err := s.exec(ctx, nil, `
INSERT INTO outbox (key, issue, goal, cycle, level, payload, state, created_at, updated_at, next_attempt_at, met_at)
SELECT ?1, ?2, ?3, ?4, ?5, ?6,
       CASE WHEN m.met > 0 THEN 'cancelled' ELSE 'pending' END, ?7, ?7, ?8, m.met
FROM (SELECT COALESCE(MAX(met_at), 0) AS met FROM outbox WHERE issue = ?2 AND goal = ?3 AND cycle = ?4) AS m
WHERE true
ON CONFLICT DO NOTHING`,
		Key(in.Issue, in.Goal, in.Cycle, in.Level), in.Issue, in.Goal, in.Cycle, in.Level, in.Payload,
		ms(now), ms(next))
	if err != nil {
		return false, s.wrap("enqueue", err)
	}
	n, err := res.RowsAffected()
	return n == 1, s.wrap("enqueue", err)
}

// ClaimDue leases up to limit rows that are due at now to owner until
// now+lease and returns them in state "sending". A row is due when it is
// pending and its next attempt time has come, or when it is still
// "sending" under an expired lease: its dispatcher died between claiming
// and recording, so the row comes back marked Uncertain.
//
// A level is held back while a lower level of the same thread is still
// pending or sending (unless that one is Blocked on an error a person must
// fix), so the ladder is climbed in order and a reply can find its parent.
func (s *Store) ClaimDue(ctx context.Context, now time.Time, owner string, lease time.Duration, limit int) ([]Row, error) {
	if owner == "" || lease <= 0 || limit <= 0 {
		return nil, &Error{Op: "claim", Path: s.path, Err: errors.New("claim needs an owner, a positive lease and a positive limit")}
	}
	rows, err := s.query(ctx, nil, `
UPDATE outbox SET
	uncertain        = CASE WHEN state = 'sending' THEN 1 ELSE uncertain END,
	state            = 'sending',
	owner            = ?1,
	lease_until      = ?2,
	attempts         = attempts + 1,
	first_attempt_at = CASE WHEN first_attempt_at = 0 THEN ?3 ELSE first_attempt_at END,
	updated_at       = ?3
WHERE id IN (
	SELECT o.id FROM outbox o
	WHERE ((o.state = 'pending' AND o.next_attempt_at <= ?3) OR (o.state = 'sending' AND o.lease_until <= ?3))
	  AND NOT EXISTS (
		SELECT 1 FROM outbox p
		WHERE p.issue = o.issue AND p.goal = o.goal AND p.cycle = o.cycle AND p.level < o.level
		  AND p.state IN ('pending', 'sending') AND p.blocked = 0)
	ORDER BY o.next_attempt_at, o.id
	LIMIT ?4)
RETURNING `+rowColumns, owner, ms(now.Add(lease)), ms(now), limit)
	if err != nil {
		return nil, s.wrap("claim", err)
	}
	out, err := collect(rows)
	return out, s.wrap("claim", err)
}

// Statements run inside a transaction. They are prepared when the store
// opens (see txQueries): the store's one connection is taken by the
// transaction, so they could not be prepared on demand for the cache.
const (
	qSentRow  = "SELECT " + rowColumns + " FROM outbox WHERE id = ?"
	qMarkSent = `UPDATE outbox SET state = 'sent', channel = ?, ts = ?, thread_ts = ?,
		sent_at = ?, updated_at = ?, owner = '', lease_until = 0, uncertain = 0, blocked = 0, last_error = '',
		update_gen = CASE WHEN met_at > 0 AND ? = '' THEN update_gen + 1 ELSE update_gen END
		WHERE id = ?`
	qFlagParents = `UPDATE outbox SET update_gen = update_gen + 1, updated_at = ?
		WHERE issue = ? AND goal = ? AND cycle = ? AND id != ? AND state = 'sent' AND thread_ts = ''`
	qGoalMet = `UPDATE outbox SET met_at = ?, updated_at = ?,
		update_gen = CASE WHEN state = 'sent' AND thread_ts = '' THEN update_gen + 1 ELSE update_gen END
		WHERE issue = ? AND goal = ? AND cycle = ? AND met_at = 0`
	qCancelUnsent = `UPDATE outbox SET state = 'cancelled', last_error = 'goal met before sending', updated_at = ?
		WHERE issue = ? AND goal = ? AND cycle = ? AND state = 'pending' AND uncertain = 0`
)

var txQueries = []string{qSentRow, qMarkSent, qFlagParents, qGoalMet, qCancelUnsent}

// MarkSent records that the row's message is in Slack at channel/ts (a
// thread reply when threadTS is set). It succeeds whether or not the lease
// is still held: the message exists, and that is the fact to keep. It marks
// every other parent message of the thread (and this one, if the goal is
// already met) for a status-line update. Recording the same ts twice is a
// no-op; recording a different ts for a sent row is an error.
func (s *Store) MarkSent(ctx context.Context, now time.Time, id int64, channel, ts, threadTS string) error {
	if channel == "" || ts == "" {
		return &Error{Op: "mark sent", Path: s.path, Err: errors.New("channel and ts are required")}
	}
	tx, err := s.begin(ctx)
	if err != nil {
		return s.wrap("mark sent", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	r, err := scanRow(s.queryRow(ctx, tx, qSentRow, id))
	if errors.Is(err, sql.ErrNoRows) {
		return &Error{Op: "mark sent", Path: s.path, Kind: ErrNotFound, Err: fmt.Errorf("row %d", id)}
	}
	if err != nil {
		return s.wrap("mark sent", err)
	}
	if r.State == StateSent {
		if r.Channel == channel && r.TS == ts {
			return nil
		}
		return &Error{Op: "mark sent", Path: s.path, Kind: ErrLeaseLost,
			Err: fmt.Errorf("row %s already sent as %s/%s, now %s/%s: a duplicate message exists", r.Key, r.Channel, r.TS, channel, ts)}
	}
	if _, err := s.exec(ctx, tx, qMarkSent, channel, ts, threadTS, ms(now), ms(now), threadTS, id); err != nil {
		return s.wrap("mark sent", err)
	}
	if _, err := s.exec(ctx, tx, qFlagParents,
		ms(now), r.Issue, r.Goal, r.Cycle, id); err != nil {
		return s.wrap("mark sent", err)
	}
	return s.wrap("mark sent", tx.Commit())
}

// MarkFailed returns a claimed row to "pending" until f.Next. A row whose
// goal was met meanwhile is cancelled instead, unless the attempt may have
// reached Slack (f.Uncertain): then it stays pending so the dispatcher can
// look for it and record it. ErrLeaseLost means owner no longer holds it.
func (s *Store) MarkFailed(ctx context.Context, now time.Time, id int64, owner string, f Failure) error {
	res, err := s.exec(ctx, nil, `UPDATE outbox SET
		state = CASE WHEN met_at > 0 AND ?1 = 0 THEN 'cancelled' ELSE 'pending' END,
		uncertain = ?1, blocked = ?2, next_attempt_at = ?3, last_error = ?4,
		channel = CASE WHEN ?5 != '' THEN ?5 ELSE channel END,
		thread_ts = CASE WHEN ?5 != '' THEN ?6 ELSE thread_ts END,
		owner = '', lease_until = 0, updated_at = ?7
		WHERE id = ?8 AND state = 'sending' AND owner = ?9`,
		f.Uncertain, f.Blocked, ms(f.Next), truncate(f.Error, 1000), f.Channel, f.ThreadTS, ms(now), id, owner)
	return s.checkLease("mark failed", res, err, id)
}

// MarkCancelled ends a claimed row without sending it: its goal was met
// and the dispatcher made sure (by looking in Slack) it was never posted.
func (s *Store) MarkCancelled(ctx context.Context, now time.Time, id int64, owner, reason string) error {
	res, err := s.exec(ctx, nil, `UPDATE outbox SET state = 'cancelled', uncertain = 0, last_error = ?,
		owner = '', lease_until = 0, updated_at = ? WHERE id = ? AND state = 'sending' AND owner = ?`,
		truncate(reason, 1000), ms(now), id, owner)
	return s.checkLease("mark cancelled", res, err, id)
}

func (s *Store) checkLease(op string, res sql.Result, err error, id int64) error {
	if err != nil {
		return s.wrap(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return s.wrap(op, err)
	}
	if n == 0 {
		return &Error{Op: op, Path: s.path, Kind: ErrLeaseLost, Err: fmt.Errorf("row %d is not claimed by this dispatcher", id)}
	}
	return nil
}

// MarkGoalMet records that the thread's goal was met at now. Rows not yet
// sent are cancelled, except ones whose earlier attempt may have reached
// Slack (they stay for reconciliation) and ones being sent right now (the
// dispatcher settles them). Sent parent messages are marked for a
// status-line update. It returns how many rows it cancelled; calling it
// again is harmless.
func (s *Store) MarkGoalMet(ctx context.Context, now time.Time, issue, goal string, cycle int) (cancelled int, err error) {
	tx, err := s.begin(ctx)
	if err != nil {
		return 0, s.wrap("mark goal met", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	res, err := s.exec(ctx, tx, qGoalMet, ms(now), ms(now), issue, goal, cycle)
	if err != nil {
		return 0, s.wrap("mark goal met", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return 0, s.wrap("mark goal met", tx.Commit())
	}
	res, err = s.exec(ctx, tx, qCancelUnsent, ms(now), issue, goal, cycle)
	if err != nil {
		return 0, s.wrap("mark goal met", err)
	}
	n, _ := res.RowsAffected()
	return int(n), s.wrap("mark goal met", tx.Commit())
}

// Thread returns every row of one (issue, goal, cycle), lowest level first.
func (s *Store) Thread(ctx context.Context, issue, goal string, cycle int) ([]Row, error) {
	rows, err := s.query(ctx, nil, "SELECT "+rowColumns+` FROM outbox
		WHERE issue = ? AND goal = ? AND cycle = ? ORDER BY level, id`, issue, goal, cycle)
	if err != nil {
		return nil, s.wrap("thread", err)
	}
	out, err := collect(rows)
	return out, s.wrap("thread", err)
}

// Get returns the row with the given key.
func (s *Store) Get(ctx context.Context, key string) (Row, error) {
	r, err := scanRow(s.queryRow(ctx, nil, "SELECT "+rowColumns+" FROM outbox WHERE key = ?", key))
	if errors.Is(err, sql.ErrNoRows) {
		return r, &Error{Op: "get", Path: s.path, Kind: ErrNotFound, Err: fmt.Errorf("no outbox row %q", key)}
	}
	return r, s.wrap("get", err)
}

// DueUpdates returns sent parent messages whose status line is stale and
// whose next update attempt is due.
func (s *Store) DueUpdates(ctx context.Context, now time.Time, limit int) ([]Row, error) {
	rows, err := s.query(ctx, nil, "SELECT "+rowColumns+` FROM outbox
		WHERE state = 'sent' AND update_gen > shown_gen AND update_next_at <= ?
		ORDER BY update_next_at, id LIMIT ?`, ms(now), limit)
	if err != nil {
		return nil, s.wrap("due updates", err)
	}
	out, err := collect(rows)
	return out, s.wrap("due updates", err)
}

// MarkUpdated records that the parent now shows the status of generation
// gen (the UpdateGen read before rendering). A bump that happened while
// the update was in flight keeps the row due.
func (s *Store) MarkUpdated(ctx context.Context, now time.Time, id int64, gen int64) error {
	_, err := s.exec(ctx, nil, `UPDATE outbox SET shown_gen = MAX(shown_gen, ?), update_next_at = 0,
		last_error = '', updated_at = ? WHERE id = ?`, gen, ms(now), id)
	return s.wrap("mark updated", err)
}

// DeferUpdate postpones a failed status-line update until next.
func (s *Store) DeferUpdate(ctx context.Context, now time.Time, id int64, next time.Time, reason string) error {
	_, err := s.exec(ctx, nil, `UPDATE outbox SET update_next_at = ?, last_error = ?, updated_at = ? WHERE id = ?`,
		ms(next), truncate(reason, 1000), ms(now), id)
	return s.wrap("defer update", err)
}

// Counts returns the number of rows per state, plus "uncertain" and
// "blocked" (rows not yet sent carrying that flag): the outbox backlog
// for metrics.
func (s *Store) Counts(ctx context.Context) (map[string]int, error) {
	out := map[string]int{StatePending: 0, StateSending: 0, StateSent: 0, StateCancelled: 0, "uncertain": 0, "blocked": 0}
	rows, err := s.query(ctx, nil, `SELECT state, COUNT(*), SUM(uncertain), SUM(blocked) FROM outbox GROUP BY state`)
	if err != nil {
		return nil, s.wrap("counts", err)
	}
	defer rows.Close()
	for rows.Next() {
		var state string
		var n, unc, blk int
		if err := rows.Scan(&state, &n, &unc, &blk); err != nil {
			return nil, s.wrap("counts", err)
		}
		out[state] = n
		if state == StatePending || state == StateSending {
			out["uncertain"] += unc
			out["blocked"] += blk
		}
	}
	return out, s.wrap("counts", rows.Err())
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
