package outbox

import (
	"context"
	"sync"
	"time"

	"github.com/slabot/slabot/rules"
)

// Pass counts what one dispatch pass did, for logs and metrics.
type Pass struct {
	Claimed     int            // rows claimed
	Sent        int            // messages posted and recorded (Replies included)
	Replies     int            // of which thread replies
	Reconciled  int            // uncertain sends found in Slack and recorded without reposting
	Cancelled   int            // rows dropped because the goal was met and Slack had no message
	Updated     int            // parent status lines rewritten
	RateLimited int            // 429 answers
	Uncertain   int            // posts with no answer (to be reconciled)
	Retried     int            // rows put back for a later attempt
	Blocked     int            // rows blocked: an error a person must fix, or an unsettled uncertain send
	Errors      map[string]int // by error code
	Standby     bool           // another process holds the writer lease: nothing was sent
}

type pass struct {
	mu sync.Mutex
	Pass
}

func (r *pass) add(f func(*Pass)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f(&r.Pass)
}

func (r *pass) err(code string) {
	r.add(func(p *Pass) {
		if p.Errors == nil {
			p.Errors = map[string]int{}
		}
		p.Errors[code]++
	})
}

// job is one unit of channel work: a claimed row to send, or a sent
// parent whose status line to rewrite.
type job struct {
	row    Row
	esc    rules.Notice
	file   *rules.ReportDelivery // set for a report row (esc is then empty)
	route  rules.Route
	update bool
	// earlier are the routes of esc.Earlier, resolved for an uncertain
	// row only: where else to look for it before posting.
	earlier []rules.Route
}

// Run makes passes until ctx is done: after each it sleeps until the next
// due row (a step recorded ahead of its instant, a retry, a lease running
// out; at most Options.Interval), or until a row is recorded, so a step is
// posted at its instant rather than at a fixed tick. A full batch is
// followed at once by another pass. It prunes rows older than the
// retention once an hour. It needs only the store and the sender: Jira's
// health does not enter into it.
func (o *Outbox) Run(ctx context.Context) error {
	var lastPrune time.Time
	for {
		rep, err := o.RunOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			o.log.Error("outbox pass failed", "err", err)
		}
		now := o.opt.Clock.Now()
		if now.Sub(lastPrune) >= time.Hour && !rep.Standby {
			lastPrune = now
			if n, err := o.Prune(ctx, now); err != nil {
				o.log.Error("outbox: pruning failed", "err", err)
			} else if n > 0 {
				o.log.Info("outbox: pruned rows past retention", "rows", n, "retention", o.opt.Retention)
			}
		}
		if rep.Claimed >= o.opt.Batch {
			continue
		}
		next := now.Add(o.opt.Interval)
		if !rep.Standby {
			next = o.nextWake(ctx, now)
		}
		if err := o.sleepUntil(ctx, next); err != nil {
			return nil
		}
	}
}

// RunOnce makes one pass: it rewrites stale parent status lines, claims
// due rows and sends them, channel by channel, concurrently across
// channels. Failures of single rows are recorded on the rows and counted
// in the Pass; the error is for the store being unusable. With the writer
// lease on, a process that does not hold it sends nothing.
func (o *Outbox) RunOnce(ctx context.Context) (Pass, error) {
	o.passMu.Lock()
	defer o.passMu.Unlock()
	now := o.opt.Clock.Now()
	rep := &pass{}
	defer func() { o.m.observe(rep.Pass) }()
	if !o.lease.holds(now) {
		rep.Standby = true
		return rep.Pass, nil
	}
	o.pacer.prune(now)
	if o.lease.ttl == 0 {
		if err := o.heartbeat(ctx, now, false); err != nil {
			return rep.Pass, err
		}
	}

	ups, err := o.rows.dueUpdates(ctx, now, o.opt.Batch)
	if err != nil {
		return rep.Pass, err
	}
	rows, err := o.rows.claimDue(ctx, now, o.opt.Owner, o.opt.Lease, o.opt.Batch, o.opt.PerDestination)
	if err != nil {
		return rep.Pass, err
	}
	rep.Claimed = len(rows)

	queues := map[string][]job{}
	var order []string
	push := func(ch string, j job) {
		if _, ok := queues[ch]; !ok {
			order = append(order, ch)
		}
		queues[ch] = append(queues[ch], j)
	}
	for _, r := range rows {
		switch r.Kind {
		case KindPage:
			o.sendPage(ctx, rep, r)
			continue
		case KindDigest:
			o.sendDigest(ctx, rep, r, now)
			continue
		}
		e, file, err := decodeRow(r.Payload)
		if err != nil {
			o.fail(ctx, rep, r, rules.Route{}, "", err, true)
			continue
		}
		if file != nil {
			route, err := o.channelRoute(ctx, file.Channel)
			if err != nil {
				o.fail(ctx, rep, r, rules.Route{Channel: file.Channel}, "", err, false)
				continue
			}
			push(route.Channel, job{row: r, file: file, route: route})
			continue
		}
		route, err := o.sender.Resolve(ctx, e.Recipient)
		var earlier []rules.Route
		for i := 0; err == nil && r.Uncertain && i < len(e.Earlier); i++ {
			var er rules.Route
			if er, err = o.sender.Resolve(ctx, e.Earlier[i]); err == nil {
				earlier = append(earlier, er)
			}
		}
		if err != nil {
			o.fail(ctx, rep, r, rules.Route{}, "", err, false)
			continue
		}
		push(route.Channel, job{row: r, esc: e, route: route, earlier: earlier})
	}
	for _, u := range ups {
		push(u.Channel, job{row: u, update: true})
	}

	sem := make(chan struct{}, o.opt.Concurrency)
	var wg sync.WaitGroup
	for _, ch := range order {
		wg.Add(1)
		sem <- struct{}{}
		go func(ch string, jobs []job) {
			defer wg.Done()
			defer func() { <-sem }()
			o.work(ctx, rep, now, ch, jobs)
		}(ch, queues[ch])
	}
	wg.Wait()
	return rep.Pass, nil
}

// work runs one channel's jobs in order. If the channel is held back by a
// long Retry-After, the rest are put back until then.
func (o *Outbox) work(ctx context.Context, rep *pass, claimedAt time.Time, ch string, jobs []job) {
	for i, j := range jobs {
		if wait := o.pacer.readyAt(ch).Sub(o.opt.Clock.Now()); wait > o.opt.MaxRateLimitWait || ctx.Err() != nil {
			o.putBack(ctx, rep, jobs[i:], o.pacer.readyAt(ch), "channel held back by a rate limit")
			return
		}
		if j.update {
			o.update(ctx, rep, j)
			continue
		}
		if !o.mayAttempt(ctx, claimedAt) {
			o.putBack(ctx, rep, jobs[i:], o.opt.Clock.Now(), "lease nearly expired before sending")
			return
		}
		o.send(ctx, rep, j, claimedAt)
	}
}

// mayAttempt is checked before every attempt to post, retries included:
// the row's lease must still have a tenth of its time left (after it,
// another dispatcher may have the row), and this process must still hold
// the writer lease (another process may have taken over; on PostgreSQL
// asked of the database, with the fencing token: confirm).
func (o *Outbox) mayAttempt(ctx context.Context, claimedAt time.Time) bool {
	now := o.opt.Clock.Now()
	return !now.After(claimedAt.Add(o.opt.Lease*9/10)) && o.lease.confirm(ctx, now)
}

// putBack releases claimed rows untouched (updates are simply left due).
func (o *Outbox) putBack(ctx context.Context, rep *pass, jobs []job, next time.Time, why string) {
	bg := context.WithoutCancel(ctx)
	for _, j := range jobs {
		if j.update {
			continue
		}
		r := j.row
		err := o.rows.markFailed(bg, o.opt.Clock.Now(), r.ID, o.opt.Owner, failure{
			Next: next, Error: why, Uncertain: r.Uncertain, Blocked: r.Blocked, Channel: r.Channel, ThreadTS: r.ThreadTS})
		if err != nil {
			o.log.Error("outbox: could not release row", "key", r.Key, "err", err)
		}
		rep.add(func(x *Pass) { x.Retried++ })
	}
}
