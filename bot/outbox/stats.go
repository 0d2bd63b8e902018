package outbox

import (
	"context"
	"database/sql"
	"time"
)

// Counts returns the number of rows per state, plus "uncertain" and
// "blocked" (rows not yet sent carrying that flag): the outbox backlog
// for metrics; and "ahead": the pending rows recorded ahead of their
// instant (not due yet, so no backlog).
func (o *Outbox) Counts(ctx context.Context) (map[string]int, error) {
	out := map[string]int{StatePending: 0, StateSending: 0, StateSent: 0, StateCancelled: 0, "uncertain": 0, "blocked": 0, "ahead": 0}
	rs, err := o.rows.db.Query(ctx, nil, `SELECT state, COUNT(*), SUM(uncertain), SUM(blocked),
		SUM(CASE WHEN state = 'pending' AND due_at > ? THEN 1 ELSE 0 END) FROM outbox GROUP BY state`, ms(o.opt.Clock.Now()))
	if err != nil {
		return nil, o.rows.db.Wrap("counts", err)
	}
	defer rs.Close()
	for rs.Next() {
		var state string
		var n, unc, blk, ahead int
		if err := rs.Scan(&state, &n, &unc, &blk, &ahead); err != nil {
			return nil, o.rows.db.Wrap("counts", err)
		}
		out[state] = n
		if state == StatePending || state == StateSending {
			out["uncertain"] += unc
			out["blocked"] += blk
			out["ahead"] += ahead
		}
	}
	return out, o.rows.db.Wrap("counts", rs.Err())
}

// OldestPending returns since when the oldest row due and not yet sent
// (pending or being sent) has waited: since it was recorded, or since its
// instant for a row recorded ahead of it; ok is false when the backlog is
// empty. A row whose instant has not come is no backlog. A growing age
// means Slack is not taking messages.
func (o *Outbox) OldestPending(ctx context.Context) (created time.Time, ok bool, err error) {
	var v sql.NullInt64
	row := o.rows.db.QueryRow(ctx, nil, `SELECT MIN(CASE WHEN due_at > created_at THEN due_at ELSE created_at END) FROM outbox
		WHERE state IN ('pending', 'sending') AND due_at <= ?`, ms(o.opt.Clock.Now()))
	if err := row.Scan(&v); err != nil {
		return time.Time{}, false, o.rows.db.Wrap("oldest pending", err)
	}
	if !v.Valid {
		return time.Time{}, false, nil
	}
	return time.UnixMilli(v.Int64).UTC(), true, nil
}

// Blocked returns up to limit rows not yet sent that are blocked (an error
// only a person can fix, or an uncertain send that could not be settled),
// oldest first: what `slabot check` and the logs show an operator.
func (o *Outbox) Blocked(ctx context.Context, limit int) ([]Row, error) {
	rs, err := o.rows.db.Query(ctx, nil, "SELECT "+rowColumns+` FROM outbox
		WHERE state IN ('pending', 'sending') AND blocked = 1 ORDER BY created_at, id LIMIT ?`, limit)
	if err != nil {
		return nil, o.rows.db.Wrap("blocked", err)
	}
	out, err := collect(rs)
	return out, o.rows.db.Wrap("blocked", err)
}

// Get returns the row with the given key (store.ErrNotFound if none).
func (o *Outbox) Get(ctx context.Context, key string) (Row, error) { return o.rows.get(ctx, key) }

// Thread returns every row of one (issue, goal, cycle), in ladder order.
func (o *Outbox) Thread(ctx context.Context, issue, goal string, cycle int) ([]Row, error) {
	return o.rows.thread(ctx, issue, goal, cycle)
}
