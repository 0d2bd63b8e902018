package outbox

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Steps recorded ahead of their instant.
//
// The worker hands over every ladder step it can foresee (rules:
// Outcome.Upcoming), not only the ones due at the moment of its cycle: a
// row recorded ahead is pending with its next attempt at its due instant,
// so the dispatcher, which wakes for the earliest due row (Run), posts it
// at its instant whatever the product's poll schedule. The row's key is
// what the step is, as for a step recorded when due, so the cycle after
// the instant finds the row and adds nothing.
//
// What the worker foresaw can change before the instant: each cycle
// hands the upcoming steps over again, and a row still ahead (pending,
// never possibly posted, its instant not come) takes the new instant,
// target and content (a priority change, a reassignment); one the cycle
// no longer lists (the clock paused or stopped, the step left the ladder)
// is withdrawn: cancelled with withdrawnPrefix in last_error, and taken
// up again, with a new instant, when a later cycle hands the step over
// once more (the clock resumed). Just before sending, the dispatcher
// checks what it can know without Jira: the goal met (GoalMet), an
// acknowledgement that holds the step (Escalation.Hold), a snooze (see
// stands in send.go).

// withdrawnPrefix starts the last_error of a row withdrawn ahead of its
// instant. Only such a cancelled row is taken up again by a later hand-over
// (a row cancelled for any other reason stays cancelled).
const withdrawnPrefix = "withdrawn: "

// withdrawnReason is why a row ahead was withdrawn.
const withdrawnReason = withdrawnPrefix + "no longer due at its instant (the goal's clock paused or stopped, or the step left the ladder) before it was sent; recorded again if it falls due"

// reschedule brings a row recorded ahead (pending, its instant after now,
// never possibly posted), or withdrawn, up to date with in: its due
// instant, next attempt, payload, and the skip reason, if any (a step held
// back is cancelled with it). changed reports whether the row changed.
func (s rows) reschedule(ctx context.Context, now time.Time, in intent, key string) (changed bool, err error) {
	next := in.NotBefore
	if next.IsZero() || next.Before(now) {
		next = now
	}
	res, err := s.db.Exec(ctx, nil, `UPDATE outbox SET
		payload = ?1, due_at = ?2, next_attempt_at = ?3,
		state = CASE WHEN ?4 != '' THEN 'cancelled' ELSE 'pending' END,
		last_error = ?4, updated_at = ?5
	WHERE key = ?6 AND kind = ?7 AND met_at = 0 AND uncertain = 0 AND attempts = 0
	  AND ((state = 'pending' AND due_at > ?5) OR (state = 'cancelled' AND last_error LIKE 'withdrawn: %'))
	  AND (payload != ?1 OR due_at != ?2 OR next_attempt_at != ?3 OR state != 'pending' OR ?4 != '')`,
		in.Payload, ms(in.DueAt), ms(next), in.Skip, ms(now), key, string(in.Kind))
	if err != nil {
		return false, s.db.Wrap("reschedule", err)
	}
	n, err := res.RowsAffected()
	return n == 1, s.db.Wrap("reschedule", err)
}

// Withdraw cancels the rows recorded ahead of their instant for issues of
// the given Jira projects that the latest evaluation no longer foresees:
// standing holds the keys (Key) of every step it handed over, due or
// upcoming, and of every page trigger (PageStep); any other row of those
// projects still ahead at now (pending, its instant after now, never
// possibly posted or paged) is withdrawn. It returns
// how many rows it withdrew.
func (o *Outbox) Withdraw(ctx context.Context, now time.Time, projects []string, standing map[string]bool) (int, error) {
	rs, err := o.rows.db.Query(ctx, nil, `SELECT id, key, issue FROM outbox
		WHERE (kind = 'escalation' OR (kind = 'page' AND step LIKE 'trigger:%')) AND state = 'pending' AND uncertain = 0 AND attempts = 0 AND due_at > ?`, ms(now))
	if err != nil {
		return 0, o.rows.db.Wrap("withdraw", err)
	}
	type ahead struct {
		id         int64
		key, issue string
	}
	var gone []ahead
	for rs.Next() {
		var a ahead
		if err := rs.Scan(&a.id, &a.key, &a.issue); err != nil {
			rs.Close()
			return 0, o.rows.db.Wrap("withdraw", err)
		}
		project, _, _ := strings.Cut(a.issue, "-")
		if slices.Contains(projects, project) && !standing[a.key] {
			gone = append(gone, a)
		}
	}
	if err := rs.Close(); err != nil {
		return 0, o.rows.db.Wrap("withdraw", err)
	}
	if err := rs.Err(); err != nil {
		return 0, o.rows.db.Wrap("withdraw", err)
	}
	n := 0
	for _, a := range gone {
		res, err := o.rows.db.Exec(ctx, nil, `UPDATE outbox SET state = 'cancelled', last_error = ?, updated_at = ?
			WHERE id = ? AND state = 'pending' AND uncertain = 0 AND attempts = 0 AND due_at > ?`,
			withdrawnReason, ms(now), a.id, ms(now))
		if err != nil {
			return n, o.rows.db.Wrap("withdraw", err)
		}
		if k, _ := res.RowsAffected(); k == 1 {
			n++
			o.log.Info("outbox: step recorded ahead withdrawn before its instant", "key", a.key, "reason", withdrawnReason)
		}
	}
	return n, nil
}

// ThreadKey names one thread: an (issue, goal, cycle).
func ThreadKey(issue, goal string, cycle int) string {
	return fmt.Sprintf("%s|%s|%d", issue, goal, cycle)
}

// OpenThreads lists the threads (ThreadKey) of the given Jira projects'
// issues that hold a step not cancelled and whose goal is not recorded as
// met (GoalMet). A step recorded ahead can be sent at its instant after
// the goal stopped and before a cycle saw the stop (an answer between two
// polls): such a thread has a message although no step fell due before
// the stop, and the worker tells GoalMet about it all the same.
func (o *Outbox) OpenThreads(ctx context.Context, projects []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(projects) == 0 {
		return out, nil
	}
	// The issue keys of a project are the range [PROJECT-, PROJECT.): for
	// each (CROSS JOIN keeps the ranges outside on SQLite; orderedJoin), the index on (kind,
	// issue, ...) reads that project's rows only, where a scan read every
	// row at every product's cycle.
	ranges := make([]string, len(projects))
	args := make([]any, 0, 2*len(projects))
	for i, p := range projects {
		ranges[i] = "(?, ?)"
		args = append(args, p+"-", p+".")
	}
	rs, err := o.rows.db.Query(ctx, nil, `SELECT DISTINCT o.issue, o.goal, o.cycle FROM (VALUES `+strings.Join(ranges, ", ")+`) AS r
		`+orderedJoin[o.rows.db.Engine()]+` outbox o ON o.kind = 'escalation' AND o.issue >= r.column1 AND o.issue < r.column2
		WHERE o.met_at = 0 AND o.state IN ('pending', 'sending', 'sent')`, args...)
	if err != nil {
		return nil, o.rows.db.Wrap("open threads", err)
	}
	defer rs.Close()
	for rs.Next() {
		var issue, goal string
		var cycle int
		if err := rs.Scan(&issue, &goal, &cycle); err != nil {
			return nil, o.rows.db.Wrap("open threads", err)
		}
		out[ThreadKey(issue, goal, cycle)] = true
	}
	return out, o.rows.db.Wrap("open threads", rs.Err())
}

// minWake is the shortest the dispatcher sleeps between passes when a row
// is due but could not be taken (its thread's earlier step is in flight
// elsewhere, say): it keeps a pass that finds nothing to do from spinning.
const minWake = 100 * time.Millisecond

// nextWake is when the dispatcher should make its next pass: NextDue, at
// the latest now+Interval, and not before now+minWake.
func (o *Outbox) nextWake(ctx context.Context, now time.Time) time.Time {
	latest := now.Add(o.opt.Interval)
	t, ok := o.NextDue(ctx)
	switch {
	case !ok || t.After(latest):
		return latest
	case t.Before(now.Add(minWake)):
		return now.Add(minWake)
	}
	return t
}

// NextDue is when a pass next has something to do: the earliest next
// attempt of a pending row that a pass could claim (one held back behind
// an earlier step of its thread waits for that step instead), the end of
// a lease of a row whose dispatcher may have died, or a stale parent's
// next status-line update. ok is false when nothing waits. Run sleeps
// until then; a simulation on a stepped clock (the demo) steps to it.
func (o *Outbox) NextDue(ctx context.Context) (at time.Time, ok bool) {
	var next sql.NullInt64 // NULL: nothing waits; 0 (a status line never tried): due now
	err := o.rows.db.QueryRow(ctx, nil, `SELECT MIN(t) FROM (
	SELECT o.next_attempt_at AS t FROM outbox o
	WHERE o.state = 'pending' AND o.kind != 'action' AND NOT EXISTS (
		SELECT 1 FROM outbox p
		WHERE p.kind = o.kind AND p.issue = o.issue AND p.goal = o.goal AND p.cycle = o.cycle AND p.id != o.id
		  AND (p.due_at < o.due_at OR (p.due_at = o.due_at AND p.level < o.level))
		  AND p.state IN ('pending', 'sending') AND p.blocked = 0)
	UNION ALL SELECT lease_until FROM outbox WHERE state = 'sending'
	UNION ALL SELECT update_next_at FROM outbox WHERE state = 'sent' AND update_gen > shown_gen) AS waits`).Scan(&next)
	if err != nil || !next.Valid {
		return time.Time{}, false
	}
	return time.UnixMilli(next.Int64).UTC(), true
}

// notify wakes the dispatch loop: a row was recorded or moved, and may be
// due before the loop's next planned pass.
func (o *Outbox) notify() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// sleepUntil waits until the clock reaches t, or a row is recorded
// (notify), or ctx ends (its error then).
func (o *Outbox) sleepUntil(ctx context.Context, t time.Time) error {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-o.wake:
			cancel()
		case <-wctx.Done():
		}
	}()
	_ = o.opt.Clock.Sleep(wctx, t.Sub(o.opt.Clock.Now()))
	return ctx.Err()
}

// DeliverDue makes passes until no row is due now: every due level of
// every thread goes out in ladder order (a later step waits for the
// earlier one of its thread, so one pass sends one level per thread), as
// `slabot once` needs before it exits. Rows whose next attempt is later
// (a retry after a failure, a step recorded ahead) stay for a later run.
// At most maxPasses passes are made.
func (o *Outbox) DeliverDue(ctx context.Context, maxPasses int) (Pass, error) {
	var sum Pass
	for range maxPasses {
		rep, err := o.RunOnce(ctx)
		sum.add(rep)
		if err != nil || ctx.Err() != nil || rep.Standby || rep.Claimed == 0 && rep.Updated == 0 {
			return sum, err
		}
	}
	return sum, nil
}

// add sums another pass into p.
func (p *Pass) add(q Pass) {
	p.Claimed += q.Claimed
	p.Sent += q.Sent
	p.Replies += q.Replies
	p.Reconciled += q.Reconciled
	p.Cancelled += q.Cancelled
	p.Updated += q.Updated
	p.RateLimited += q.RateLimited
	p.Uncertain += q.Uncertain
	p.Retried += q.Retried
	p.Blocked += q.Blocked
	p.Standby = p.Standby || q.Standby
	for k, v := range q.Errors {
		if p.Errors == nil {
			p.Errors = map[string]int{}
		}
		p.Errors[k] += v
	}
}
