package outbox

import (
	"context"
	"time"
)

// Prune deletes rows that are finished and were last touched more than
// Options.Retention before now, so the file stays bounded: reports sent
// (with their file content) or given up, and the rows of escalation
// threads whose goal was met. Rows of a thread whose goal still runs are
// kept however old: the worker re-records a running goal's due steps
// every cycle, and the row is what says the step was sent. Parent
// messages still waiting for a status update are kept too.
func (o *Outbox) Prune(ctx context.Context, now time.Time) (int, error) {
	cut := now.Add(-o.opt.Retention)
	rs, err := o.rows.db.Query(ctx, nil, `DELETE FROM outbox
		WHERE state IN ('sent', 'cancelled') AND updated_at < ?1 AND update_gen <= shown_gen
		  AND (kind = 'report' OR met_at > 0)
		RETURNING kind, key, issue, goal, cycle`, ms(cut))
	if err != nil {
		return 0, o.rows.db.Wrap("prune", err)
	}
	n := 0
	for rs.Next() {
		var kind, key, issue, goal string
		var cycle int
		if err := rs.Scan(&kind, &key, &issue, &goal, &cycle); err != nil {
			rs.Close()
			return n, o.rows.db.Wrap("prune", err)
		}
		// A step handed over again after its row is gone is inserted again,
		// and its thread's stop is recorded again.
		o.rows.known.forget(recordedKey(Kind(kind), key))
		o.rows.known.forgetThread(ThreadKey(issue, goal, cycle))
		n++
	}
	err = rs.Close()
	if err == nil {
		err = rs.Err()
	}
	if n > 0 {
		o.m.Pruned.Add(float64(n))
	}
	if err != nil {
		return n, o.rows.db.Wrap("prune", err)
	}
	// The ledger follows: a thread's history goes with its last row.
	_, err = o.pruneLedger(ctx, cut)
	return n, err
}
