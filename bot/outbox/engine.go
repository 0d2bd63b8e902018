package outbox

import (
	"context"
	"database/sql"

	"github.com/slabot/slabot/bot/store"
)

// The outbox's statements are written once for both engines (the store
// rebinds placeholders), except where SQLite and PostgreSQL lack a common
// form or where PostgreSQL, which runs several writers at once, needs a
// row lock that SQLite's single writer makes unnecessary. Those few are
// chosen here, by the store's engine.

// qLegacySteps: is there a row written before steps had an identity
// ("L<level>")? SQLite's GLOB; PostgreSQL's regular expression.
var qLegacySteps = map[store.Engine]string{
	store.SQLite:   `SELECT EXISTS (SELECT 1 FROM outbox WHERE kind = 'escalation' AND step GLOB 'L[0-9]*')`,
	store.Postgres: `SELECT EXISTS (SELECT 1 FROM outbox WHERE kind = 'escalation' AND step ~ '^L[0-9]')`,
}

// orderedJoin joins the project ranges to the rows in OpenThreads. On
// SQLite, CROSS JOIN keeps the left table outside
// (https://www.sqlite.org/optoverview.html#crossjoin); PostgreSQL takes
// no ON clause after CROSS JOIN and plans the join order itself.
var orderedJoin = map[store.Engine]string{
	store.SQLite:   "CROSS JOIN",
	store.Postgres: "JOIN",
}

// claimSet is what a claim sets on each row it takes (claimDue).
const claimSet = `UPDATE outbox SET
	uncertain        = CASE WHEN state = 'sending' THEN 1 ELSE uncertain END,
	state            = 'sending',
	owner            = ?1,
	lease_until      = ?2,
	attempts         = attempts + 1,
	first_attempt_at = CASE WHEN first_attempt_at = 0 THEN ?3 ELSE first_attempt_at END,
	updated_at       = ?3
`

// claimDueRow: a row is due (pending and its time has come, or being sent
// under an expired lease).
const claimDueRow = `((o.state = 'pending' AND o.next_attempt_at <= ?3) OR (o.state = 'sending' AND o.lease_until <= ?3))`

// claimPick chooses up to ?4 due rows, at most ?5 of one destination,
// none behind an earlier step of its thread still in flight.
const claimPick = `SELECT id FROM (
		SELECT o.id, o.next_attempt_at AS next_at,
			ROW_NUMBER() OVER (PARTITION BY o.dest ORDER BY o.next_attempt_at, o.id) AS nth
		FROM outbox o
		WHERE ` + claimDueRow + `
		  AND NOT EXISTS (
			SELECT 1 FROM outbox p
			WHERE p.kind = o.kind AND p.issue = o.issue AND p.goal = o.goal AND p.cycle = o.cycle AND p.id != o.id
			  AND (p.due_at < o.due_at OR (p.due_at = o.due_at AND p.level < o.level))
			  AND p.state IN ('pending', 'sending') AND p.blocked = 0)
	) AS due
	WHERE nth <= ?5
	ORDER BY next_at, id
	LIMIT ?4`

// qClaim is claimDue's statement. On SQLite one statement under the
// file's write lock: no other process can claim in between. On
// PostgreSQL, claims of several processes run at once, and an UPDATE
// whose row another claim changed meanwhile would take it again (READ
// COMMITTED re-checks only the row's own condition, not the subquery that
// picked it): the picked rows are locked first, FOR UPDATE SKIP LOCKED,
// which skips a row another claim holds and re-checks that a row still is
// due once its lock is granted (a row claimed and committed meanwhile is
// not), so each row goes to one claim.
var qClaim = map[store.Engine]string{
	store.SQLite: claimSet + `WHERE id IN (
	` + claimPick + `)
RETURNING ` + rowColumns,
	store.Postgres: `WITH pick AS (
	` + claimPick + `
), locked AS (
	SELECT o.id FROM outbox o WHERE o.id IN (SELECT id FROM pick) AND ` + claimDueRow + `
	FOR UPDATE OF o SKIP LOCKED
)
` + claimSet + `WHERE id IN (SELECT id FROM locked)
RETURNING ` + rowColumns,
}

// qSentRowFor is markSent's read of the row: on PostgreSQL it locks the
// row (FOR UPDATE), so two processes recording the same row cannot both
// find it unsent; SQLite's write lock, taken at BEGIN, does that.
var qSentRowFor = map[store.Engine]string{
	store.SQLite:   qSentRow,
	store.Postgres: qSentRow + " FOR UPDATE",
}

// qThreadLock serialises, on PostgreSQL, recording a thread's stop
// (markGoalMet: exclusive) with recording its new rows (enqueue: shared):
// enqueue reads whether the thread stopped and inserts accordingly, and
// under READ COMMITTED a stop committed between that read and the insert
// would leave a new row pending in a stopped thread. SQLite's write lock
// orders the two already. A transaction-level advisory lock keyed by the
// schema and the thread; released at commit.
const (
	qThreadLockShared    = `SELECT pg_advisory_xact_lock_shared(hashtext(current_schema() || ' ' || ?1))`
	qThreadLockExclusive = `SELECT pg_advisory_xact_lock(hashtext(current_schema() || ' ' || ?1))`
)

// threadLockKey names a thread's rows of one kind for qThreadLock*.
func threadLockKey(kind, issue, goal string, cycle int) string {
	return kind + "|" + ThreadKey(issue, goal, cycle)
}

// pgTx begins a transaction on PostgreSQL, for a statement that writes and
// returns rows (the store runs such a statement only in a transaction
// while the writer lease fences writes), and returns nil on SQLite, where
// the statement runs alone as it always has.
func (s rows) pgTx(ctx context.Context) (*sql.Tx, error) {
	if s.db.Engine() != store.Postgres {
		return nil, nil
	}
	return s.db.Begin(ctx)
}

// rollback ends tx if it was not committed (nil: nothing to end).
func rollback(tx *sql.Tx) {
	if tx != nil {
		_ = tx.Rollback()
	}
}
