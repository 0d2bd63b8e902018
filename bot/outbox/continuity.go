package outbox

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// A database that was not continuously current. The outbox's guarantee
// rests on the file saying what was posted; a file restored from a backup,
// copied, or migrated says so only up to the moment it was taken, and the
// process that kept running after that moment may have posted steps the
// file lists as pending, or does not list at all. (The fault audit: a copy
// taken at +120 s and restored at +330 s re-posted 72 of the 72 steps sent
// in between.)
//
// So the writer beats: it records the instant it last knew the file
// current ("outbox:current") at every renewal of its lease (a third of
// the lease's time to live), or every pass without a lease, and on release.
// A writer that takes the file over (Acquire, or Open without a lease)
// compares that instant with now. A gap longer than a takeover explains
// (continuityBound) means the file was not current in between: either no
// slabot ran (then nothing was posted and the look-ups below find nothing)
// or one ran on another copy. Either way every step due before now that
// the file does not record as sent is looked for in Slack before it is
// posted: the unsent rows are marked uncertain and the horizon moves to
// now, so steps the file does not hold, handed over again by the worker,
// are looked for too. Over-looking costs look-ups; under-looking costs
// duplicate pings.
//
// A copy restored sooner than continuityBound after it was taken is
// indistinguishable from a restart; the bound is about a minute with the
// default lease (30 s) and interval (10 s).

// currentName is the store value holding the instant the file was last
// known current (Unix ms).
const currentName = "outbox:current"

// beat is the writer's heartbeat state.
type beat struct {
	mu   sync.Mutex
	last time.Time // last written
}

// continuityBound is the longest gap between the last beat and a takeover
// that a restart or a takeover by a standby explains: the lease's time to
// live (the standby waits it out) plus a renewal period and a pass, twice
// for slack.
func (o *Outbox) continuityBound() time.Duration {
	return 2*max(o.lease.ttl, o.opt.Interval) + o.opt.Interval
}

// heartbeat records that the file is current at now, at most every third
// of the lease (or every interval without one) unless force.
func (o *Outbox) heartbeat(ctx context.Context, now time.Time, force bool) error {
	every := o.opt.Interval
	if o.lease.ttl > 0 {
		every = o.lease.ttl / 3
	}
	o.beat.mu.Lock()
	defer o.beat.mu.Unlock()
	if !force && !o.beat.last.IsZero() && now.Sub(o.beat.last) < every {
		return nil
	}
	if err := o.rows.db.SetCursor(ctx, now, currentName, strconv.FormatInt(now.UnixMilli(), 10)); err != nil {
		return err
	}
	o.beat.last = now
	return nil
}

// takeOver is called when this process becomes the file's writer: after a
// gap the last beat does not explain, everything due and not recorded as
// sent is looked for in Slack before posting (see above). A file without a
// beat (new, or written by a release before this one) starts beating.
func (o *Outbox) takeOver(ctx context.Context, now time.Time) error {
	v, ok, err := o.rows.db.Cursor(ctx, currentName)
	if err != nil {
		return err
	}
	if ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("outbox: stored %s %q is unreadable: %w", currentName, v, err)
		}
		last := time.UnixMilli(n).UTC()
		if gap := now.Sub(last); gap > o.continuityBound() {
			marked, err := o.rows.markUncertainDue(ctx, now)
			if err != nil {
				return err
			}
			if err := o.moveHorizon(ctx, now); err != nil {
				return err
			}
			o.log.Warn("outbox: the database was not known current for a while (restored or copied, or no slabot ran): "+
				"steps due before now that it does not record as sent are looked for in Slack before they are posted",
				"last_current", last, "gap", gap.Round(time.Second).String(), "rows_marked_uncertain", marked)
		}
	}
	return o.heartbeat(ctx, now, true)
}

// moveHorizon makes steps due before at uncertain when handed over.
func (o *Outbox) moveHorizon(ctx context.Context, at time.Time) error {
	at = at.UTC().Truncate(time.Millisecond)
	o.hmu.Lock()
	defer o.hmu.Unlock()
	if !at.After(o.horizon) {
		return nil
	}
	if err := o.rows.db.SetCursor(ctx, at, horizonName, strconv.FormatInt(at.UnixMilli(), 10)); err != nil {
		return err
	}
	o.horizon = at
	return nil
}

// markUncertainDue flags every row not recorded as sent (pending, or
// claimed by a process that is gone) whose instant has come as uncertain:
// the dispatcher looks for it in Slack before posting it. Pages and
// clicks are not Slack posts of ours to look for.
func (s rows) markUncertainDue(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.db.Exec(ctx, nil, `UPDATE outbox SET uncertain = 1, updated_at = ?
		WHERE state IN ('pending', 'sending') AND uncertain = 0 AND kind IN ('escalation', 'report', 'digest')
		AND (CASE WHEN due_at > 0 THEN due_at ELSE created_at END) < ?`, ms(now), ms(now))
	if err != nil {
		return 0, s.db.Wrap("mark uncertain", err)
	}
	n, err := res.RowsAffected()
	return n, s.db.Wrap("mark uncertain", err)
}
