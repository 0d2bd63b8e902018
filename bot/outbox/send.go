package outbox

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/slabot/slabot/rules"
)

// maxRateLimitRetries bounds in-place retries of one post after 429s.
const maxRateLimitRetries = 3

// metGiveUp is how long after its goal was met a blocked uncertain row is
// still looked for.
const metGiveUp = 24 * time.Hour

// level labels a row in metrics: its ladder level, or "report".
func level(r Row) string {
	if r.Kind == KindReport {
		return "report"
	}
	return strconv.Itoa(r.Level)
}

// lookupSince is how far back a look-up for r searches: its first
// attempt, its creation or its due instant, whichever is earliest, less
// the margin for clock skew.
func (o *Outbox) lookupSince(r Row) time.Time {
	oldest := r.CreatedAt
	for _, t := range []time.Time{r.FirstAttemptAt, r.DueAt} {
		if !t.IsZero() && t.Before(oldest) {
			oldest = t
		}
	}
	return oldest.Add(-o.opt.ReconcileMargin)
}

// send delivers one claimed row: settle an uncertain earlier attempt by
// looking for its key in Slack, then post (as a reply when this channel
// already holds a parent of the thread) and record the channel and ts.
func (o *Outbox) send(ctx context.Context, rep *pass, j job, claimedAt time.Time) {
	if j.file != nil {
		o.sendFile(ctx, rep, j)
		return
	}
	r, e, route := j.row, j.esc, j.route
	thread, err := o.rows.thread(ctx, r.Issue, r.Goal, r.Cycle)
	if err != nil {
		o.fail(ctx, rep, r, route, "", err, false)
		return
	}
	parentTS := parentIn(thread, route.Channel, r)
	st := threadStatus(thread, r.Level)
	o.threadActions(ctx, r.Issue, r.Goal, r.Cycle, &st)
	o.threadPages(ctx, r.Issue, r.Goal, r.Cycle, &st)

	if r.Uncertain {
		for _, p := range lookIn(r, route, parentTS, j.earlier, thread) {
			if err := o.pacer.wait(ctx, p.channel); err != nil {
				o.fail(ctx, rep, r, route, parentTS, err, false)
				return
			}
			ts, found, err := o.sender.FindByKey(ctx, p.channel, p.thread, r.Key, o.lookupSince(r))
			if err != nil {
				if d, ok := retryIn(err); ok {
					o.pacer.hold(p.channel, d)
				}
				// Still unknown: keep the row uncertain and look again later
				// (blocked once that has gone on too long). Where an
				// attempt went stays recorded; the other places are
				// looked in again anyway.
				where, whereThread := r.Channel, r.ThreadTS
				if where == "" {
					where, whereThread = p.channel, p.thread
				}
				o.failUncertain(ctx, rep, r, where, whereThread, err)
				return
			}
			if found {
				o.recordSent(ctx, rep, r, p.channel, ts, p.thread)
				rep.add(func(x *Pass) { x.Reconciled++ })
				o.m.Steps.WithLabelValues(level(r), "reconciled").Inc()
				msg := "outbox: uncertain send found in Slack, recorded without reposting"
				if p.channel != route.Channel {
					msg = "outbox: uncertain send found where it went before the issue changed hands, recorded without reposting"
				}
				o.log.Info(msg, "key", r.Key, "channel", p.channel, "ts", ts)
				return
			}
		}
		r.Uncertain = false // settled: Slack does not have it
	}
	if !r.MetAt.IsZero() || !st.Stop.IsZero() {
		if err := o.rows.markCancelled(context.WithoutCancel(ctx), o.opt.Clock.Now(), r.ID, o.opt.Owner, goalMetReason); err != nil {
			o.log.Error("outbox: could not cancel row", "key", r.Key, "err", err)
			return
		}
		o.noteCancelled(ctx, o.opt.Clock.Now(), r.Issue, r.Goal, r.Cycle)
		rep.add(func(x *Pass) { x.Cancelled++ })
		return
	}
	if !o.stands(ctx, rep, r, e, st) {
		return
	}

	m := rules.Message{Key: r.Key, Notice: e, Route: route, Status: st,
		Extra: map[string]any{"issue": r.Issue, "goal": r.Goal, "cycle": r.Cycle, "level": r.Level, "step": r.Step}}
	for try := 0; ; try++ {
		if err := o.pacer.wait(ctx, route.Channel); err != nil {
			o.fail(ctx, rep, r, route, parentTS, err, false)
			return
		}
		// The channel's next post may start an interval after this one
		// starts (pacer): the checks and the post's round trip fall
		// within the interval instead of adding to it.
		o.pacer.done(route.Channel)
		// Re-checked before every attempt, retries included: the wait
		// above may have outlasted this process's leases.
		if !o.mayAttempt(ctx, claimedAt) {
			o.putBack(ctx, rep, []job{{row: r}}, o.opt.Clock.Now(), "lease nearly expired before sending")
			return
		}
		ch, ts, err := o.sender.Post(ctx, route.Channel, parentTS, m)
		if err == nil {
			o.recordSent(ctx, rep, r, ch, ts, parentTS)
			return
		}
		d, limited := retryIn(err)
		switch {
		case limited:
			rep.add(func(x *Pass) { x.RateLimited++ })
			o.pacer.hold(route.Channel, d)
			if d <= o.opt.MaxRateLimitWait && try < maxRateLimitRetries {
				continue // pacer.wait sleeps out Retry-After
			}
			o.fail(ctx, rep, r, route, parentTS, err, false)
		case isGone(err) && parentTS != "":
			// The parent was deleted: start a new message instead.
			parentTS = ""
			if try < maxRateLimitRetries {
				continue
			}
			o.fail(ctx, rep, r, route, parentTS, err, false)
		default:
			o.fail(ctx, rep, r, route, parentTS, err, false)
		}
		return
	}
}

// place is a channel (and thread) a step may be in.
type place struct{ channel, thread string }

// lookIn lists, each channel once, where an uncertain step may be in
// Slack: where its earlier attempt went (recorded on the row), where it
// would go now, and where it would have gone for each earlier holder of
// the issue (see rules.Notice.Earlier). In a channel holding a parent of
// the thread the step would have been that parent's reply.
func lookIn(r Row, route rules.Route, parentTS string, earlier []rules.Route, thread []Row) []place {
	var out []place
	add := func(ch, th string) {
		if ch != "" && !slices.ContainsFunc(out, func(p place) bool { return p.channel == ch }) {
			out = append(out, place{ch, th})
		}
	}
	add(r.Channel, r.ThreadTS)
	add(route.Channel, parentTS)
	for _, e := range earlier {
		add(e.Channel, parentIn(thread, e.Channel, r))
	}
	return out
}

// recordSent writes channel+ts. It must not be skipped because the
// caller's context ended: the message exists.
func (o *Outbox) recordSent(ctx context.Context, rep *pass, r Row, ch, ts, threadTS string) {
	if err := o.rows.markSent(context.WithoutCancel(ctx), o.opt.Clock.Now(), r.ID, ch, ts, threadTS); err != nil {
		// The row stays claimed; after the lease it comes back uncertain
		// and is found by its metadata, so this does not duplicate.
		o.log.Error("outbox: message posted but not recorded; it will be reconciled after the lease", "key", r.Key, "channel", ch, "ts", ts, "err", err)
		rep.err("store")
		return
	}
	o.m.Steps.WithLabelValues(level(r), "sent").Inc()
	rep.add(func(x *Pass) {
		x.Sent++
		if threadTS != "" {
			x.Replies++
		}
	})
}

// fail records a failed attempt with the right retry policy. Posts
// without an answer go to failUncertain; decodeErr marks payloads this
// build cannot read, which only a person can sort out.
func (o *Outbox) fail(ctx context.Context, rep *pass, r Row, route rules.Route, threadTS string, err error, decodeErr bool) {
	now := o.opt.Clock.Now()
	if isUncertain(err) {
		o.failUncertain(ctx, rep, r, route.Channel, threadTS, err)
		return
	}
	// r.Uncertain is still set when this attempt failed before it could
	// settle an earlier uncertain one (send clears it once Slack was
	// searched): the earlier outcome is still unknown.
	f := failure{Error: err.Error(), Uncertain: r.Uncertain, Blocked: r.Uncertain && r.Blocked, Channel: r.Channel, ThreadTS: r.ThreadTS}
	code := errorCode(err)
	lvl := slog.LevelWarn
	switch {
	case decodeErr || Classify(err) == NeedsPerson:
		f.Blocked = true
		f.Next = now.Add(o.opt.BlockedRetry)
		lvl = slog.LevelError
		rep.add(func(x *Pass) { x.Blocked++ })
		o.m.Steps.WithLabelValues(level(r), "blocked").Inc()
		if decodeErr {
			code = "undecodable"
		}
	default:
		if d, ok := retryIn(err); ok {
			f.Next = now.Add(d)
		} else {
			f.Next = now.Add(o.opt.Backoff.delay(r.Key, r.Attempts))
		}
		o.m.Steps.WithLabelValues(level(r), "failed").Inc()
	}
	if ctx.Err() != nil && !f.Blocked {
		f.Next = now // shutting down: due again at the next start
	}
	rep.err(code)
	rep.add(func(x *Pass) { x.Retried++ })
	o.log.Log(ctx, lvl, "outbox: not delivered; will retry", "key", r.Key, "channel", route.Channel,
		"code", code, "attempt", r.Attempts, "next", f.Next, "err", err)
	if err := o.rows.markFailed(context.WithoutCancel(ctx), now, r.ID, o.opt.Owner, f); err != nil {
		o.log.Error("outbox: could not record failure", "key", r.Key, "err", err)
		return
	}
	o.noteFailure(ctx, now, r, f)
}

// failUncertain records an attempt whose outcome is unknown, with where it
// went, so the next attempt looks there before posting.
//
// No ladder waits forever on it: once the row has been unsettled for
// UncertainLimit since its first attempt, it is blocked. A blocked row
// does not hold back the later steps of its thread, and it keeps being
// looked for (every BlockedRetry) and posted once Slack says it is not
// there. The trade-off: while the look-up fails, the later steps go out
// without knowing whether this one did, and one may end up next to a
// repeat of it; a possible repeat of a lower level is better than a
// ladder that stays silent for hours.
func (o *Outbox) failUncertain(ctx context.Context, rep *pass, r Row, ch, threadTS string, err error) {
	now := o.opt.Clock.Now()
	// A blocked row whose goal was met a day ago is given up: nobody needs
	// the ping any more, and the look-up would go on forever.
	if r.Blocked && !r.MetAt.IsZero() && now.Sub(r.MetAt) >= metGiveUp {
		if cerr := o.rows.markCancelled(context.WithoutCancel(ctx), now, r.ID, o.opt.Owner,
			"goal met and the look-up still fails: given up, it may or may not be in Slack ("+err.Error()+")"); cerr != nil {
			o.log.Error("outbox: could not give up a blocked row", "key", r.Key, "err", cerr)
			return
		}
		o.noteCancelled(ctx, now, r.Issue, r.Goal, r.Cycle)
		rep.add(func(x *Pass) { x.Cancelled++ })
		o.log.Warn("outbox: gave up an uncertain send whose goal was met a day ago", "key", r.Key, "err", err)
		return
	}
	f := failure{Error: err.Error(), Uncertain: true, Channel: ch, ThreadTS: threadTS,
		Next: now.Add(o.opt.Backoff.delay(r.Key, r.Attempts))}
	since := r.FirstAttemptAt
	if since.IsZero() {
		since = r.CreatedAt
	}
	if now.Sub(since) >= o.opt.UncertainLimit {
		f.Blocked = true
		f.Next = now.Add(o.opt.BlockedRetry)
		f.Error = "uncertain send not settled for " + now.Sub(since).Round(time.Second).String() +
			": later steps go ahead; still looking for it (" + err.Error() + ")"
		if !r.Blocked {
			rep.add(func(x *Pass) { x.Blocked++ })
			o.m.Steps.WithLabelValues(level(r), "blocked").Inc()
			o.log.Error("outbox: send outcome unknown and the look-up keeps failing: blocked so the ladder goes on", "key", r.Key,
				"channel", ch, "attempt", r.Attempts, "since", since, "err", err)
		}
	}
	if ctx.Err() != nil && !f.Blocked {
		f.Next = now
	}
	rep.err(errorCode(err))
	rep.add(func(x *Pass) { x.Uncertain++; x.Retried++ })
	if !f.Blocked {
		o.log.Warn("outbox: outcome of a post unknown; will look for it before posting again", "key", r.Key,
			"channel", ch, "attempt", r.Attempts, "err", err)
	}
	if err := o.rows.markFailed(context.WithoutCancel(ctx), now, r.ID, o.opt.Owner, f); err != nil {
		o.log.Error("outbox: could not record failure", "key", r.Key, "err", err)
		return
	}
	o.noteFailure(ctx, now, r, f)
}

// update rewrites a sent parent's status line.
func (o *Outbox) update(ctx context.Context, rep *pass, j job) {
	r := j.row
	now := o.opt.Clock.Now()
	bg := context.WithoutCancel(ctx)
	e, err := decodeEscalation(r.Payload)
	if err != nil {
		o.log.Error("outbox: cannot re-render parent message", "key", r.Key, "err", err)
		_ = o.rows.markUpdated(bg, now, r.ID, r.UpdateGen)
		return
	}
	thread, err := o.rows.thread(ctx, r.Issue, r.Goal, r.Cycle)
	if err != nil {
		_ = o.rows.deferUpdate(bg, now, r.ID, now.Add(o.opt.Backoff.delay(r.Key, 1)), err.Error())
		return
	}
	if err := o.pacer.wait(ctx, r.Channel); err != nil {
		return
	}
	if !o.lease.confirm(ctx, o.opt.Clock.Now()) {
		return
	}
	st := threadStatus(thread, r.Level)
	o.threadActions(ctx, r.Issue, r.Goal, r.Cycle, &st)
	o.threadPages(ctx, r.Issue, r.Goal, r.Cycle, &st)
	err = o.sender.Update(ctx, r.Channel, r.TS, rules.Message{Notice: e, Route: sentRoute(e.Recipient, r.Channel), Status: st})
	o.pacer.done(r.Channel)
	now = o.opt.Clock.Now()
	d, limited := retryIn(err)
	switch {
	case err == nil:
		if err := o.rows.markUpdated(bg, now, r.ID, r.UpdateGen); err != nil {
			o.log.Error("outbox: could not record status update", "key", r.Key, "err", err)
			return
		}
		rep.add(func(x *Pass) { x.Updated++ })
	case limited:
		rep.add(func(x *Pass) { x.RateLimited++ })
		o.pacer.hold(r.Channel, d)
		_ = o.rows.deferUpdate(bg, now, r.ID, now.Add(d), err.Error())
	case isGone(err) || Classify(err) == NeedsPerson:
		// Deleted message, archived channel ...: nothing left to update.
		rep.err(errorCode(err))
		o.log.Warn("outbox: parent message cannot be updated; giving up on its status line", "key", r.Key,
			"channel", r.Channel, "ts", r.TS, "err", err)
		_ = o.rows.markUpdated(bg, now, r.ID, r.UpdateGen)
	default:
		rep.err(errorCode(err))
		_ = o.rows.deferUpdate(bg, now, r.ID, now.Add(o.opt.Backoff.delay(r.Key, 2)), err.Error())
	}
}

// parentIn returns the ts of the thread's parent message in channel (the
// earliest step sent there as a top-level message before r), if any.
func parentIn(thread []Row, channel string, r Row) string {
	for _, t := range thread {
		if t.ID == r.ID {
			break
		}
		if t.State == StateSent && t.Channel == channel && t.ThreadTS == "" {
			return t.TS
		}
	}
	return ""
}

// threadStatus summarises the thread for a status line.
func threadStatus(thread []Row, thisLevel int) rules.ThreadStatus {
	st := rules.ThreadStatus{ThisLevel: thisLevel}
	for _, t := range thread {
		if !t.Stop.IsZero() {
			st.Stop = t.Stop
		}
		if t.State == StateSent && t.Level > st.Level {
			st.Level, st.LevelAt = t.Level, t.SentAt
			if e, err := decodeEscalation(t.Payload); err == nil {
				st.Rung = e.Rung
			}
		}
	}
	return st
}

// sentRoute reconstructs, for re-rendering, whether a sent message went to
// the fallback channel instead of the assignee.
func sentRoute(t rules.Recipient, channel string) rules.Route {
	r := rules.Route{Channel: channel}
	if (t.AssigneeAccountID != "" || t.AssigneeEmail != "") && channel != "" &&
		(channel == t.FallbackChannel || (t.FallbackChannel == "" && channel == t.Channel)) {
		r.Fallback = true
		r.Why = "No direct message could be sent to the assignee " + t.AssigneeLabel() + ": posted here instead."
	}
	return r
}

// stands checks, just before a step is posted, the clicks made since it
// was recorded (it may have been recorded ahead of its instant, before
// anyone could click): an acknowledgement that holds it back (e.Hold)
// cancels it with the reason, as the worker records a held step; a snooze
// of the goal cycle that its instant falls in puts it back until the
// snooze ends (never past the deadline: rules.SnoozeUntil). It reports
// whether the step goes out now.
func (o *Outbox) stands(ctx context.Context, rep *pass, r Row, e rules.Notice, st rules.ThreadStatus) bool {
	now := o.opt.Clock.Now()
	bg := context.WithoutCancel(ctx)
	if h := e.Hold; h != nil && !st.AckAt.IsZero() && st.AckAt.After(h.After) {
		reason := "held back: acknowledged in Slack by <@" + st.AckBy + "> at " + st.AckAt.UTC().Format(time.RFC3339) + " (" + h.Rule + ")"
		if err := o.rows.markCancelled(bg, now, r.ID, o.opt.Owner, reason); err != nil {
			o.log.Error("outbox: could not cancel row", "key", r.Key, "err", err)
			return false
		}
		o.log.Info("outbox: step held back by an acknowledgement made after it was recorded", "key", r.Key, "reason", reason)
		held := rowEntry(r, rules.LedgerHeld, now, h.Rule)
		held.Rule, held.By, held.ByAt = rules.RuleAcknowledgement, st.AckBy, st.AckAt
		o.appendEntry(ctx, held, rules.NoticeKey(held.Issue, held.Goal, held.Cycle, held.Step)+"|"+string(rules.LedgerHeld))
		o.m.Steps.WithLabelValues(level(r), "skipped").Inc()
		rep.add(func(x *Pass) { x.Cancelled++ })
		return false
	}
	if a, ok := o.threadSnooze(ctx, r.Issue, r.Goal, r.Cycle); ok {
		due := r.DueAt
		if due.IsZero() {
			due = r.CreatedAt
		}
		if until := rules.SnoozeUntil(a.At, a.Snooze, e.Deadline); now.Before(until) && due.Before(until) {
			o.putBack(ctx, rep, []job{{row: r}}, until, "snoozed in Slack by <@"+a.User+"> until "+until.UTC().Format(time.RFC3339))
			sn := rowEntry(r, rules.LedgerSnoozed, now, "snoozed for "+a.Snooze.String())
			sn.By, sn.ByName, sn.ByAt, sn.Until = a.User, a.Name, a.At, until
			o.appendEntry(ctx, sn, rules.NoticeKey(sn.Issue, sn.Goal, sn.Cycle, sn.Step)+"|snoozed|"+fmt.Sprint(ms(a.At)))
			return false
		}
	}
	return true
}
