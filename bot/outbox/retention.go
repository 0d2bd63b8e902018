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
	tx, err := o.rows.pgTx(ctx) // see claimDue
	if err != nil {
		return 0, o.rows.db.Wrap("prune", err)
	}
	defer rollback(tx)
	rs, err := o.rows.db.Query(ctx, tx, `DELETE FROM outbox
		WHERE state IN ('sent', 'cancelled') AND updated_at < ?1 AND update_gen <= shown_gen
		  AND (kind = 'report' OR met_at > 0)
		RETURNING kind, key, issue, goal, cycle`, ms(cut))
	if err != nil {
		return 0, o.rows.db.Wrap("prune", err)
	}
	type pruned struct {
		kind, key, issue, goal string
		cycle                  int
	}
	var gone []pruned
	// forget drops the deleted rows from what this process knows, once
	// the deletion is durable: a step handed over again after its row is
	// gone is inserted again, and its thread's stop is recorded again.
	// (On SQLite the DELETE committed by itself, whatever happens next.)
	forget := func() int {
		for _, p := range gone {
			o.rows.known.forget(recordedKey(Kind(p.kind), p.key))
			o.rows.known.forgetThread(ThreadKey(p.issue, p.goal, p.cycle))
		}
		if len(gone) > 0 {
			o.m.Pruned.Add(float64(len(gone)))
		}
		return len(gone)
	}
	for rs.Next() {
		var p pruned
		if err = rs.Scan(&p.kind, &p.key, &p.issue, &p.goal, &p.cycle); err != nil {
			break
		}
		gone = append(gone, p)
	}
	if cerr := rs.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = rs.Err()
	}
	if err == nil && tx != nil {
		err = tx.Commit()
	}
	if err != nil {
		n := 0
		if tx == nil {
			n = forget()
		}
		return n, o.rows.db.Wrap("prune", err)
	}
	n := forget()
	// The ledger follows: a thread's history goes with its last row.
	_, err = o.pruneLedger(ctx, cut)
	return n, err
}
