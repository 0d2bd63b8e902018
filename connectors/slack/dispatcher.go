package slack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// DispatcherOptions tune a Dispatcher. Zero values are production
// defaults.
type DispatcherOptions struct {
	// Owner names this dispatcher in row leases (default host-pid-random).
	Owner string
	// Lease is how long a claimed row is reserved (default 10m). A row
	// whose dispatcher died comes back after it, flagged uncertain.
	Lease time.Duration
	// Batch is the most rows claimed (and updates taken) per pass
	// (default 100). With one message per second per channel a pass
	// must fit in the lease; rows it cannot send in time are released.
	Batch int
	// PerChannelInterval spaces posts to one channel (default 1s; set a
	// negative value for none).
	PerChannelInterval time.Duration
	// MaxRateLimitWait is the longest Retry-After waited in place; longer
	// ones put the channel's rows back until then (default 30s).
	MaxRateLimitWait time.Duration
	// Concurrency is how many channels are worked at once (default 8).
	Concurrency int
	// Backoff spaces retries of transient failures.
	Backoff Backoff
	// BlockedRetry is the retry interval for errors a person must fix
	// (channel_not_found, not_in_channel, invalid_auth ...; default 10m).
	BlockedRetry time.Duration
	// ReconcileMargin widens the history search for an uncertain send
	// before its first attempt, for clock skew with Slack (default 10m).
	ReconcileMargin time.Duration
	// Directory maps Jira accountIds and e-mails to Slack user ids.
	Directory map[string]string
	// Clock defaults to the wall clock.
	Clock Clock
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Dispatcher delivers stored escalation steps to Slack. Use one per
// process; several processes may share a store (leases keep them apart).
type Dispatcher struct {
	client   *Client
	store    Store
	resolver *Resolver
	pacer    *pacer
	opt      DispatcherOptions
	log      *slog.Logger
	passMu   sync.Mutex // one pass at a time
}

// NewDispatcher wires a client and a store.
func NewDispatcher(c *Client, s Store, opt DispatcherOptions) *Dispatcher {
	if opt.Owner == "" {
		opt.Owner = defaultOwner()
	}
	if opt.Lease <= 0 {
		opt.Lease = 10 * time.Minute
	}
	if opt.Batch <= 0 {
		opt.Batch = 100
	}
	switch {
	case opt.PerChannelInterval == 0:
		opt.PerChannelInterval = time.Second
	case opt.PerChannelInterval < 0:
		opt.PerChannelInterval = 0
	}
	if opt.MaxRateLimitWait <= 0 {
		opt.MaxRateLimitWait = 30 * time.Second
	}
	if opt.Concurrency <= 0 {
		opt.Concurrency = 8
	}
	if opt.BlockedRetry <= 0 {
		opt.BlockedRetry = 10 * time.Minute
	}
	if opt.ReconcileMargin <= 0 {
		opt.ReconcileMargin = 10 * time.Minute
	}
	if opt.Clock == nil {
		opt.Clock = WallClock{}
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	return &Dispatcher{
		client:   c,
		store:    s,
		resolver: NewResolver(c, opt.Directory, time.Hour, opt.Clock.Now),
		pacer:    newPacer(opt.Clock, opt.PerChannelInterval),
		opt:      opt,
		log:      opt.Logger.With("component", "slack-dispatcher", "owner", opt.Owner),
	}
}

func defaultOwner() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}

// Owner is the lease owner name this dispatcher uses.
func (d *Dispatcher) Owner() string { return d.opt.Owner }

// Enqueue stores e as an intent, unique per (issue, goal, cycle, level):
// call it at every tick where the step is due; only the first call
// stores anything. Nothing is sent until a pass (RunOnce/Run) picks it up.
func (d *Dispatcher) Enqueue(ctx context.Context, now time.Time, e Escalation) (inserted bool, err error) {
	if err := e.Validate(); err != nil {
		return false, err
	}
	p, err := encodeEscalation(e)
	if err != nil {
		return false, err
	}
	return d.store.Enqueue(ctx, now, OutboxIntent{Issue: e.IssueKey, Goal: e.Goal, Cycle: e.Cycle, Level: e.Level, Payload: p})
}

// GoalMet records that the goal was met: unsent levels are cancelled (no
// ping), and parent messages already in Slack get their status line
// rewritten at the next pass.
func (d *Dispatcher) GoalMet(ctx context.Context, now time.Time, issueKey, goal string, cycle int) (cancelled int, err error) {
	return d.store.MarkGoalMet(ctx, now, issueKey, goal, cycle)
}

// Report counts what one pass did, for logs and metrics.
type Report struct {
	Claimed     int            // rows claimed
	Sent        int            // messages posted and recorded (Replies included)
	Replies     int            // of which thread replies
	Reconciled  int            // uncertain sends found in Slack and recorded without reposting
	Cancelled   int            // rows dropped because the goal was met and Slack had no message
	Updated     int            // parent status lines rewritten
	RateLimited int            // 429 answers
	Uncertain   int            // posts with no answer (to be reconciled)
	Retried     int            // rows put back for a later attempt
	Blocked     int            // rows failing on an error a person must fix
	Errors      map[string]int // by Slack error code
}

type report struct {
	mu sync.Mutex
	Report
}

func (r *report) add(f func(*Report)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f(&r.Report)
}

func (r *report) err(code string) {
	r.add(func(rep *Report) {
		if rep.Errors == nil {
			rep.Errors = map[string]int{}
		}
		rep.Errors[code]++
	})
}

// job is one unit of channel work: a claimed row to send, or a sent
// parent whose status line to rewrite.
type job struct {
	row    OutboxRow
	esc    Escalation
	file   *ReportFile // set for a report row (esc is then empty)
	route  Route
	update bool
}

// Run calls RunOnce every interval (immediately again after a full
// batch) until ctx is done.
func (d *Dispatcher) Run(ctx context.Context, interval time.Duration) error {
	for {
		rep, err := d.RunOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			d.log.Error("outbox pass failed", "err", err)
		}
		if rep.Claimed >= d.opt.Batch {
			continue
		}
		if err := d.opt.Clock.Sleep(ctx, interval); err != nil {
			return nil
		}
	}
}

// RunOnce makes one pass: it rewrites stale parent status lines, claims
// due rows and sends them, channel by channel, concurrently across
// channels. Failures of single rows are recorded on the rows and counted
// in the Report; the error is for the store being unusable.
func (d *Dispatcher) RunOnce(ctx context.Context) (Report, error) {
	d.passMu.Lock()
	defer d.passMu.Unlock()
	now := d.opt.Clock.Now()
	d.pacer.prune(now)
	rep := &report{}

	ups, err := d.store.DueUpdates(ctx, now, d.opt.Batch)
	if err != nil {
		return rep.Report, err
	}
	rows, err := d.store.ClaimDue(ctx, now, d.opt.Owner, d.opt.Lease, d.opt.Batch)
	if err != nil {
		return rep.Report, err
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
		e, file, err := decodeRow(r.Payload)
		if err != nil {
			d.fail(ctx, rep, r, Route{}, "", err, true)
			continue
		}
		if file != nil {
			push(file.Channel, job{row: r, file: file, route: Route{Channel: file.Channel}})
			continue
		}
		route, err := d.resolver.Resolve(ctx, e.Target)
		if err != nil {
			d.fail(ctx, rep, r, Route{}, "", err, false)
			continue
		}
		push(route.Channel, job{row: r, esc: e, route: route})
	}
	for _, u := range ups {
		push(u.Channel, job{row: u, update: true})
	}

	sem := make(chan struct{}, d.opt.Concurrency)
	var wg sync.WaitGroup
	for _, ch := range order {
		wg.Add(1)
		sem <- struct{}{}
		go func(ch string, jobs []job) {
			defer wg.Done()
			defer func() { <-sem }()
			d.work(ctx, rep, now, ch, jobs)
		}(ch, queues[ch])
	}
	wg.Wait()
	return rep.Report, nil
}

// work runs one channel's jobs in order. If the channel is held back by a
// long Retry-After, the rest are put back until then.
func (d *Dispatcher) work(ctx context.Context, rep *report, claimedAt time.Time, ch string, jobs []job) {
	for i, j := range jobs {
		if wait := d.pacer.readyAt(ch).Sub(d.opt.Clock.Now()); wait > d.opt.MaxRateLimitWait || ctx.Err() != nil {
			d.putBack(ctx, rep, jobs[i:], d.pacer.readyAt(ch), "channel held back by a rate limit")
			return
		}
		if j.update {
			d.update(ctx, rep, j)
			continue
		}
		// A row must not be posted after its lease ran out: another
		// dispatcher may have it by now.
		if d.opt.Clock.Now().After(claimedAt.Add(d.opt.Lease * 9 / 10)) {
			d.putBack(ctx, rep, jobs[i:], d.opt.Clock.Now(), "lease nearly expired before sending")
			return
		}
		d.send(ctx, rep, j)
	}
}

// putBack releases claimed rows untouched (updates are simply left due).
func (d *Dispatcher) putBack(ctx context.Context, rep *report, jobs []job, next time.Time, why string) {
	bg := context.WithoutCancel(ctx)
	for _, j := range jobs {
		if j.update {
			continue
		}
		r := j.row
		err := d.store.MarkFailed(bg, d.opt.Clock.Now(), r.ID, d.opt.Owner, OutboxFailure{
			Next: next, Error: why, Uncertain: r.Uncertain, Channel: r.Channel, ThreadTS: r.ThreadTS})
		if err != nil {
			d.log.Error("outbox: could not release row", "key", r.Key, "err", err)
		}
		rep.add(func(x *Report) { x.Retried++ })
	}
}
