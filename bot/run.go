package bot

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/slabot/slabot/bot/outbox"
	"github.com/slabot/slabot/rules/clock"
)

// Delivery is the dispatch side Run drives; bot/outbox's *Outbox is one.
type Delivery interface {
	// Run is the dispatch loop, until ctx ends.
	Run(ctx context.Context) error
	// Acquire takes or renews the database's writer lease.
	Acquire(ctx context.Context, now time.Time) (held bool, holder outbox.Holder, err error)
	// Release gives the writer lease up.
	Release(ctx context.Context) error
	// LeaseTTL is the writer lease's time to live (0: no lease).
	LeaseTTL() time.Duration
	// Holds reports whether this process holds the writer lease at now
	// (the lease it last renewed has not run out, with a margin).
	Holds(now time.Time) bool
}

// ErrLeaseLost is returned by Run when another process took the writer
// lease over (this one could not renew it in time): the caller should exit
// and be restarted, coming back as a standby.
var ErrLeaseLost = errors.New("bot: the database's writer lease was lost to another process")

// ErrCannotConnect wraps a Config.Connect error that retrying cannot fix
// (a configured field the site does not have ...): Run returns it.
var ErrCannotConnect = errors.New("bot: cannot connect to Jira")

// ShutdownGrace is how long Run lets running cycles finish on shutdown
// before cancelling them.
const ShutdownGrace = 30 * time.Second

// Run is the daemon's worker until ctx ends:
//
//  1. It takes the database's writer lease, or waits as a standby while
//     another process holds it (Ready says so), taking over when that one
//     stops: two processes on one database never both write.
//  2. It starts the dispatch loop (d.Run): delivery runs on its own loop
//     from here on, whatever Jira does.
//  3. It connects to Jira (Config.Connect), retrying with backoff while
//     Jira is unreachable, instead of exiting.
//  4. It runs every product at once and then on its schedule; a product
//     never overlaps itself, products run side by side.
//
// On shutdown running cycles may finish (up to ShutdownGrace) before they
// are cancelled, the dispatch loop stops, and the lease is released, so
// the caller can close the store when Run returns.
func (w *Worker) Run(ctx context.Context, d Delivery) error {
	if !w.waitForLease(ctx, d) {
		return nil
	}
	// Every Jira write checks the lease first: a writer that stalled past
	// its lease (a paused host, a database it cannot reach to renew)
	// writes nothing once a standby may have taken over.
	w.setFence(d.Holds)
	defer w.setFence(nil)
	defer func() {
		rel, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := d.Release(rel); err != nil {
			w.log.Warn("could not release the writer lease; a standby takes over when it runs out", "err", err)
		}
	}()

	// Cycles and the dispatch loop get their own context: a shutdown lets
	// a running cycle finish (bounded below) rather than cutting a write
	// in half.
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	var loops sync.WaitGroup
	defer loops.Wait()
	loops.Go(func() {
		if err := d.Run(work); err != nil {
			w.log.Error("dispatch loop stopped", "err", err)
		}
	})
	lost := make(chan struct{})
	if ttl := d.LeaseTTL(); ttl > 0 {
		loops.Go(func() { w.keepLease(work, d, ttl, lost) })
	}

	// Webhook touches are re-read as they come (Touch), each product's on
	// its own loop, never overlapping its cycles.
	for _, name := range w.order {
		loops.Go(func() { w.refreshLoop(work, w.products[name]) })
	}
	if w.cfg.Relay != nil { // and what standbys relayed (relay.go)
		loops.Go(func() { w.relayLoop(work) })
	}

	c := cron.New()
	var initial sync.WaitGroup
	fatal := make(chan error, 1)
	initial.Go(func() {
		// Connecting is no write: it stops at once on shutdown.
		if err := w.connect(ctx); err != nil || ctx.Err() != nil {
			fatal <- err
			return
		}
		for _, name := range w.order {
			c.Schedule(w.scheds[name], cron.FuncJob(func() {
				if _, err := w.Cycle(work, name, w.cfg.Clock.Now()); errors.Is(err, ErrBusy) {
					w.log.Warn("cycle skipped: the previous one is still running", "product", name)
				}
			}))
		}
		c.Start()
		// The first cycle runs at once, not one interval later.
		_ = w.CycleAll(work, w.cfg.Clock)
	})

	var err error
	select {
	case <-ctx.Done():
		w.log.Info("shutting down: waiting for running cycles")
	case <-lost:
		err = ErrLeaseLost
		w.log.Error("writer lease lost: stopping cycles and delivery")
	case err = <-fatal:
		if err == nil { // ctx ended while connecting
			break
		}
		w.log.Error("giving up connecting to Jira", "err", err)
	}
	w.stopCycles(c, &initial, cancelWork)
	cancelWork()
	return err
}

// stopCycles stops the schedule and waits for running cycles, cancelling
// them after ShutdownGrace.
func (w *Worker) stopCycles(c *cron.Cron, initial *sync.WaitGroup, cancel context.CancelFunc) {
	all := make(chan struct{})
	go func() {
		initial.Wait() // the schedule is started (or never will be) once this returns
		<-c.Stop().Done()
		close(all)
	}()
	select {
	case <-all:
	case <-time.After(ShutdownGrace):
		w.log.Warn("cycles still running after the shutdown grace: cancelling them", "grace", ShutdownGrace)
		cancel()
		select {
		case <-all:
		case <-time.After(5 * time.Second):
			w.log.Error("cycles did not stop within 5s of being cancelled: exiting anyway")
		}
	}
}

// standbyUnreadable starts the standby line of a process that could not
// read the lease: not ready (Ready).
const standbyUnreadable = "cannot read the writer lease: "

// waitForLease takes the writer lease, waiting as a standby while another
// process holds it. It returns false when ctx ended first.
func (w *Worker) waitForLease(ctx context.Context, d Delivery) bool {
	ttl := d.LeaseTTL()
	every := max(ttl/3, time.Second)
	lastHolder := ""
	for {
		held, h, err := d.Acquire(ctx, w.cfg.Clock.Now())
		switch {
		case held:
			w.setStandby("")
			if lastHolder != "" {
				w.log.Info("writer lease taken over: this process now writes", "previous", lastHolder)
			}
			return true
		case err != nil:
			w.setStandby(standbyUnreadable + err.Error())
			w.log.Warn("cannot read the writer lease; retrying", "err", err)
		default:
			w.setStandby(fmt.Sprintf("standby: another slabot (%s) writes to this database, its lease runs to %s",
				h.Owner, h.Until.Format(time.RFC3339)))
			if h.Owner != lastHolder {
				w.log.Warn("another slabot writes to this database: waiting as a standby", "holder", h.Owner, "until", h.Until)
				lastHolder = h.Owner
			}
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(every):
		}
	}
}

// keepLease renews the writer lease at a third of its time to live and
// closes lost when another process holds it.
func (w *Worker) keepLease(ctx context.Context, d Delivery, ttl time.Duration, lost chan<- struct{}) {
	t := time.NewTicker(max(ttl/3, time.Second))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		held, h, err := d.Acquire(ctx, w.cfg.Clock.Now())
		switch {
		case err != nil:
			// Not renewed: the outbox stops sending by itself when the
			// lease it last renewed runs out.
			w.log.Warn("could not renew the writer lease; retrying", "err", err)
		case !held:
			w.log.Error("another process holds the writer lease", "holder", h.Owner, "until", h.Until)
			close(lost)
			return
		}
	}
}

// connect opens the Jira connection, retrying with backoff (1s doubling
// to 1m) while Jira is unreachable. It returns nil once connected, or when
// ctx ended first, and an ErrCannotConnect error retrying cannot fix.
func (w *Worker) connect(ctx context.Context) error {
	if w.jira() != nil {
		return nil
	}
	delay := time.Second
	for {
		src, wr, account, err := w.cfg.Connect(ctx)
		if err == nil {
			w.mu.Lock()
			w.conn, w.connErr = &jiraConn{src: src, wr: wr, account: account}, nil
			w.mu.Unlock()
			w.log.Info("connected to Jira")
			return nil
		}
		if ctx.Err() != nil {
			return nil
		}
		w.mu.Lock()
		w.connErr = err
		w.mu.Unlock()
		if errors.Is(err, ErrCannotConnect) {
			return err
		}
		w.log.Warn("Jira not reachable; retrying (delivery of recorded steps goes on)", "retry_in", delay, "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(delay):
		}
		delay = min(2*delay, time.Minute)
	}
}

func (w *Worker) setFence(holds func(time.Time) bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.fence = holds
}

// mayWrite reports whether a Jira write may go out at now: always outside
// Run (slabot once holds the lease for its cycles), and while the lease
// holds inside it.
func (w *Worker) mayWrite(now time.Time) bool {
	w.mu.Lock()
	fence := w.fence
	w.mu.Unlock()
	return fence == nil || fence(now)
}

func (w *Worker) setStandby(why string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.standby = why
}

// CycleAll runs one cycle of every product side by side, each as of c's
// time when it starts, and reports the failures (`slabot once`, and the
// daemon's first cycle).
func (w *Worker) CycleAll(ctx context.Context, c clock.Clock) error {
	if !w.connectOnce(ctx) {
		return ErrNotConnected
	}
	errs := make(chan error, len(w.order))
	for _, name := range w.order {
		go func() {
			_, err := w.Cycle(ctx, name, c.Now())
			if err != nil {
				err = fmt.Errorf("%s: %w", name, err)
			}
			errs <- err
		}()
	}
	var all []error
	for range w.order {
		if err := <-errs; err != nil {
			all = append(all, err)
		}
	}
	return errors.Join(all...)
}

// connectOnce connects without retrying (for `slabot once`).
func (w *Worker) connectOnce(ctx context.Context) bool {
	if w.jira() != nil {
		return true
	}
	src, wr, account, err := w.cfg.Connect(ctx)
	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil {
		w.connErr = err
		w.log.Error("cannot connect to Jira", "err", err)
		return false
	}
	w.conn, w.connErr = &jiraConn{src: src, wr: wr, account: account}, nil
	return true
}
