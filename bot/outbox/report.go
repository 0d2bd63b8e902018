package outbox

import (
	"context"
	"errors"
)

// errShareNotLanded: an uncertain upload's share is not in the channel
// yet, which does not yet mean it was never shared.
var errShareNotLanded = errors.New("the report's file is not shared in the channel yet (Slack shares uploads asynchronously): looking again before uploading it again")

// sendFile delivers a claimed report row: settle an uncertain earlier
// upload by looking for the file name in the channel's history, then
// upload and share the file with the summary, and record the share's ts.
//
// Slack's files.completeUploadExternal takes no message metadata, so a
// report is reconciled by its file name (unique per product and period)
// rather than by the row's key. An upload that failed before the share
// step never reached the channel and is simply retried.
func (o *Outbox) sendFile(ctx context.Context, rep *pass, j job) {
	r, f, route := j.row, j.file, j.route
	if r.Uncertain {
		where := r.Channel
		if where == "" {
			where = route.Channel
		}
		if err := o.pacer.wait(ctx, where); err != nil {
			o.fail(ctx, rep, r, route, "", err, false)
			return
		}
		ts, found, err := o.sender.FindFile(ctx, where, f.FileName, o.lookupSince(r))
		if err != nil {
			if d, ok := retryIn(err); ok {
				o.pacer.hold(where, d)
			}
			o.failUncertain(ctx, rep, r, where, "", err)
			return
		}
		if found {
			o.recordSent(ctx, rep, r, where, ts, "")
			rep.add(func(x *Pass) { x.Reconciled++ })
			o.log.Info("outbox: uncertain report upload found in Slack, recorded without uploading again", "key", r.Key, "channel", where, "ts", ts)
			return
		}
		// Slack shares a completed upload asynchronously (after its scans
		// of the file; how long that takes is not documented): a share not
		// in the channel yet may still land. Keep looking until the
		// uncertain limit since the first attempt, then upload again.
		if since := r.FirstAttemptAt; !since.IsZero() && o.opt.Clock.Now().Sub(since) < o.opt.UncertainLimit {
			o.failUncertain(ctx, rep, r, where, "", errShareNotLanded)
			return
		}
		r.Uncertain = false
	}
	if err := o.pacer.wait(ctx, route.Channel); err != nil {
		o.fail(ctx, rep, r, route, "", err, false)
		return
	}
	if !o.lease.confirm(ctx, o.opt.Clock.Now()) {
		o.putBack(ctx, rep, []job{j}, o.opt.Clock.Now(), "writer lease lost before uploading")
		return
	}
	ch, ts, err := o.sender.Upload(ctx, route.Channel, *f)
	o.pacer.done(route.Channel)
	if err != nil {
		if d, ok := retryIn(err); ok {
			rep.add(func(x *Pass) { x.RateLimited++ })
			o.pacer.hold(route.Channel, d)
		}
		o.fail(ctx, rep, r, route, "", err, false)
		return
	}
	o.recordSent(ctx, rep, r, ch, ts, "")
}
