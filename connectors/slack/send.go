package slack

import (
	"context"
	"errors"
	"log/slog"
)

// maxRateLimitRetries bounds in-place retries of one post after 429s.
const maxRateLimitRetries = 3

// send delivers one claimed row: settle an uncertain earlier attempt by
// looking for its key in Slack, then post (as a reply when this channel
// already holds a parent of the thread) and record the channel and ts.
func (d *Dispatcher) send(ctx context.Context, rep *report, j job) {
	if j.file != nil {
		d.sendFile(ctx, rep, j)
		return
	}
	r, e, route := j.row, j.esc, j.route
	thread, err := d.store.Thread(ctx, r.Issue, r.Goal, r.Cycle)
	if err != nil {
		d.fail(ctx, rep, r, route, "", err, false)
		return
	}
	parentTS := parentIn(thread, route.Channel, r.Level)
	st := threadStatus(thread, r.Level)

	if r.Uncertain {
		where, whereThread := r.Channel, r.ThreadTS
		if where == "" { // the dispatcher died before it could say where it posted
			where, whereThread = route.Channel, parentTS
		}
		oldest := r.FirstAttemptAt
		if oldest.IsZero() {
			oldest = r.CreatedAt
		}
		if err := d.pacer.wait(ctx, where); err != nil {
			d.fail(ctx, rep, r, route, parentTS, err, false)
			return
		}
		ts, found, err := d.client.FindByKey(ctx, where, whereThread, r.Key, oldest.Add(-d.opt.ReconcileMargin))
		if err != nil {
			var rl *RateLimitError
			if errors.As(err, &rl) {
				d.pacer.hold(where, rl.RetryAfter)
			}
			// Still unknown: keep the row uncertain and look again later.
			d.failUncertain(ctx, rep, r, where, whereThread, err)
			return
		}
		if found {
			d.recordSent(ctx, rep, r, where, ts, whereThread)
			rep.add(func(x *Report) { x.Reconciled++ })
			d.log.Info("outbox: uncertain send found in Slack, recorded without reposting", "key", r.Key, "channel", where, "ts", ts)
			return
		}
		r.Uncertain = false // settled: Slack does not have it
	}
	if !r.MetAt.IsZero() || !st.MetAt.IsZero() {
		if err := d.store.MarkCancelled(context.WithoutCancel(ctx), d.opt.Clock.Now(), r.ID, d.opt.Owner, "goal met before sending"); err != nil {
			d.log.Error("outbox: could not cancel row", "key", r.Key, "err", err)
			return
		}
		rep.add(func(x *Report) { x.Cancelled++ })
		return
	}

	out := Render(e, route, st)
	out.Key = r.Key
	out.Extra = map[string]any{"issue": r.Issue, "goal": r.Goal, "cycle": r.Cycle, "level": r.Level}
	for try := 0; ; try++ {
		if err := d.pacer.wait(ctx, route.Channel); err != nil {
			d.fail(ctx, rep, r, route, parentTS, err, false)
			return
		}
		ch, ts, err := d.client.Post(ctx, route.Channel, parentTS, out)
		d.pacer.done(route.Channel)
		if err == nil {
			d.recordSent(ctx, rep, r, ch, ts, parentTS)
			return
		}
		var rl *RateLimitError
		var ae *APIError
		switch {
		case errors.As(err, &rl):
			rep.add(func(x *Report) { x.RateLimited++ })
			d.pacer.hold(route.Channel, rl.RetryAfter)
			if rl.RetryAfter <= d.opt.MaxRateLimitWait && try < maxRateLimitRetries {
				continue // pacer.wait sleeps out Retry-After
			}
			d.fail(ctx, rep, r, route, parentTS, err, false)
		case errors.As(err, &ae) && ae.Code == "thread_not_found" && parentTS != "":
			// The parent was deleted: start a new message instead.
			parentTS = ""
			if try < maxRateLimitRetries {
				continue
			}
			d.fail(ctx, rep, r, route, parentTS, err, false)
		default:
			d.fail(ctx, rep, r, route, parentTS, err, false)
		}
		return
	}
}

// recordSent writes channel+ts. It must not be skipped because the
// caller's context ended: the message exists.
func (d *Dispatcher) recordSent(ctx context.Context, rep *report, r OutboxRow, ch, ts, threadTS string) {
	if err := d.store.MarkSent(context.WithoutCancel(ctx), d.opt.Clock.Now(), r.ID, ch, ts, threadTS); err != nil {
		// The row stays claimed; after the lease it comes back uncertain
		// and is found by its metadata, so this does not duplicate.
		d.log.Error("outbox: message posted but not recorded; it will be reconciled after the lease", "key", r.Key, "channel", ch, "ts", ts, "err", err)
		rep.err("store")
		return
	}
	rep.add(func(x *Report) {
		x.Sent++
		if threadTS != "" {
			x.Replies++
		}
	})
}

// fail records a failed attempt with the right retry policy. Posts
// without an answer go to failUncertain; decodeErr marks payloads this
// build cannot read, which only a person can sort out.
func (d *Dispatcher) fail(ctx context.Context, rep *report, r OutboxRow, route Route, threadTS string, err error, decodeErr bool) {
	now := d.opt.Clock.Now()
	var ue *UncertainError
	if errors.As(err, &ue) && (ue.Method == "chat.postMessage" || ue.Method == "files.completeUploadExternal") {
		d.failUncertain(ctx, rep, r, route.Channel, threadTS, err)
		return
	}
	// r.Uncertain is still set when this attempt failed before it could
	// settle an earlier uncertain one (send clears it once Slack was
	// searched): the earlier outcome is still unknown.
	f := OutboxFailure{Error: err.Error(), Uncertain: r.Uncertain, Channel: r.Channel, ThreadTS: r.ThreadTS}
	code := errorCode(err)
	level := slog.LevelWarn
	var ae *APIError
	var rl *RateLimitError
	switch {
	case decodeErr || (errors.As(err, &ae) && ae.NeedsPerson()):
		f.Blocked = true
		f.Next = now.Add(d.opt.BlockedRetry)
		level = slog.LevelError
		rep.add(func(x *Report) { x.Blocked++ })
		if decodeErr {
			code = "undecodable"
		}
	case errors.As(err, &rl):
		f.Next = now.Add(rl.RetryAfter)
	default:
		f.Next = now.Add(d.opt.Backoff.delay(r.Key, r.Attempts))
	}
	if ctx.Err() != nil && !f.Blocked {
		f.Next = now // shutting down: due again at the next start
	}
	rep.err(code)
	rep.add(func(x *Report) { x.Retried++ })
	d.log.Log(ctx, level, "outbox: escalation not delivered; will retry", "key", r.Key, "channel", route.Channel,
		"code", code, "attempt", r.Attempts, "next", f.Next, "err", err)
	if err := d.store.MarkFailed(context.WithoutCancel(ctx), now, r.ID, d.opt.Owner, f); err != nil {
		d.log.Error("outbox: could not record failure", "key", r.Key, "err", err)
	}
}

// failUncertain records an attempt whose outcome is unknown, with where it
// went, so the next attempt looks there before posting.
func (d *Dispatcher) failUncertain(ctx context.Context, rep *report, r OutboxRow, ch, threadTS string, err error) {
	now := d.opt.Clock.Now()
	f := OutboxFailure{Error: err.Error(), Uncertain: true, Channel: ch, ThreadTS: threadTS,
		Next: now.Add(d.opt.Backoff.delay(r.Key, r.Attempts))}
	if ctx.Err() != nil {
		f.Next = now
	}
	rep.err(errorCode(err))
	rep.add(func(x *Report) { x.Uncertain++; x.Retried++ })
	d.log.Warn("outbox: outcome of a post unknown; will look for it before posting again", "key", r.Key,
		"channel", ch, "attempt", r.Attempts, "err", err)
	if err := d.store.MarkFailed(context.WithoutCancel(ctx), now, r.ID, d.opt.Owner, f); err != nil {
		d.log.Error("outbox: could not record failure", "key", r.Key, "err", err)
	}
}

// update rewrites a sent parent's status line.
func (d *Dispatcher) update(ctx context.Context, rep *report, j job) {
	r := j.row
	now := d.opt.Clock.Now()
	bg := context.WithoutCancel(ctx)
	e, err := decodeEscalation(r.Payload)
	if err != nil {
		d.log.Error("outbox: cannot re-render parent message", "key", r.Key, "err", err)
		_ = d.store.MarkUpdated(bg, now, r.ID, r.UpdateGen)
		return
	}
	thread, err := d.store.Thread(ctx, r.Issue, r.Goal, r.Cycle)
	if err != nil {
		_ = d.store.DeferUpdate(bg, now, r.ID, now.Add(d.opt.Backoff.delay(r.Key, 1)), err.Error())
		return
	}
	if err := d.pacer.wait(ctx, r.Channel); err != nil {
		return
	}
	err = d.client.Update(ctx, r.Channel, r.TS, Render(e, sentRoute(e.Target, r.Channel), threadStatus(thread, r.Level)))
	d.pacer.done(r.Channel)
	now = d.opt.Clock.Now()
	var rl *RateLimitError
	var ae *APIError
	switch {
	case err == nil:
		if err := d.store.MarkUpdated(bg, now, r.ID, r.UpdateGen); err != nil {
			d.log.Error("outbox: could not record status update", "key", r.Key, "err", err)
			return
		}
		rep.add(func(x *Report) { x.Updated++ })
	case errors.As(err, &rl):
		rep.add(func(x *Report) { x.RateLimited++ })
		d.pacer.hold(r.Channel, rl.RetryAfter)
		_ = d.store.DeferUpdate(bg, now, r.ID, now.Add(rl.RetryAfter), err.Error())
	case errors.As(err, &ae) && (ae.Code == "message_not_found" || ae.Code == "cant_update_message" || ae.NeedsPerson()):
		// Deleted message, archived channel ...: nothing left to update.
		rep.err(ae.Code)
		d.log.Warn("outbox: parent message cannot be updated; giving up on its status line", "key", r.Key,
			"channel", r.Channel, "ts", r.TS, "err", err)
		_ = d.store.MarkUpdated(bg, now, r.ID, r.UpdateGen)
	default:
		rep.err(errorCode(err))
		_ = d.store.DeferUpdate(bg, now, r.ID, now.Add(d.opt.Backoff.delay(r.Key, 2)), err.Error())
	}
}

// parentIn returns the ts of the thread's parent message in channel (the
// lowest level sent there as a top-level message), if any.
func parentIn(thread []OutboxRow, channel string, below int) string {
	for _, t := range thread {
		if t.State == stateSent && t.Channel == channel && t.ThreadTS == "" && t.Level < below {
			return t.TS
		}
	}
	return ""
}

// threadStatus summarises the thread for a status line.
func threadStatus(thread []OutboxRow, thisLevel int) Status {
	st := Status{ThisLevel: thisLevel}
	for _, t := range thread {
		if !t.MetAt.IsZero() {
			st.MetAt = t.MetAt
		}
		if t.State == stateSent && t.Level > st.Level {
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
func sentRoute(t Target, channel string) Route {
	r := Route{Channel: channel}
	if (t.AssigneeAccountID != "" || t.AssigneeEmail != "") && channel != "" &&
		(channel == t.FallbackChannel || (t.FallbackChannel == "" && channel == t.Channel)) {
		r.Fallback = true
		r.Why = "No direct message could be sent to the assignee " + assigneeName(t) + ": posted here instead."
	}
	return r
}
