package outbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/slabot/slabot/bot/store"

	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/clock"
)

// Options tune an Outbox. Zero values are production defaults.
type Options struct {
	// Owner names this process in row leases and the writer lease
	// (default host-pid-random).
	Owner string
	// Interval is the longest Run sleeps between passes (default 10s).
	// Run wakes earlier for the next due row (a step recorded ahead of its
	// instant, a retry) and at once when a row is recorded, so a step is
	// posted at its instant; the interval only bounds how long a row
	// written by another process (slabot once, say) waits.
	Interval time.Duration
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
	// Concurrency is how many channels are worked at once (default 20:
	// Batch / PerDestination, so a pass can work every destination it
	// claimed at once).
	Concurrency int
	// PerDestination is the most rows of one destination (a channel, a
	// person's DM) a pass claims (default 5): at Slack's message a second
	// per channel a pass then takes about five seconds whatever order the
	// rows arrived in, and every channel with due rows is worked in it.
	PerDestination int
	// Backoff spaces retries of transient failures.
	Backoff Backoff
	// BlockedRetry is the retry interval of blocked rows (default 10m).
	BlockedRetry time.Duration
	// UncertainLimit bounds how long a send whose outcome is unknown may
	// stay unsettled (its look-up failing) before it is blocked, so the
	// later steps of its ladder go ahead (default 30m). See doc.go.
	UncertainLimit time.Duration
	// ReconcileMargin widens the history search for an uncertain send
	// before its first attempt, for clock skew with Slack (default 10m).
	ReconcileMargin time.Duration
	// Retention is how long sent and cancelled rows (and delivered report
	// files) are kept (default 90 days).
	Retention time.Duration
	// Channels maps channel names as policies write them ("#support") to
	// Slack channel ids.
	Channels map[string]string
	// WriterLease turns on the single-writer lease with this time to
	// live: no row is sent unless this process holds it (see lease.go).
	// Zero: no lease (tests of the dispatcher alone).
	WriterLease time.Duration
	// Pager sends the page rows (rungs that page); nil: page rows block
	// with a message saying so.
	Pager Pager
	// Clock is the dispatcher's time and waits (pacing, Retry-After);
	// default the wall clock.
	Clock clock.Clock
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Metrics defaults to unregistered metrics.
	Metrics *Metrics
}

// Outbox is the delivery guarantee: durable rows, the dispatcher that
// sends them through a Sender, retries, pacing, reconciliation of
// uncertain sends, the writer lease and retention. Use one per process.
type Outbox struct {
	rows   rows
	sender Sender
	pacer  *pacer
	opt    Options
	log    *slog.Logger
	m      *Metrics
	passMu sync.Mutex // one pass at a time

	hmu     sync.Mutex
	horizon time.Time // steps due before it are looked for in Slack before posting

	lease writerLease
	beat  beat // the instant the file was last known current (continuity.go)

	// wake is signalled when a row is recorded or moved (notify): the
	// dispatch loop sleeps until the next due row or until then.
	wake chan struct{}
}

// horizonName is the store value holding the outbox's horizon.
const horizonName = "outbox:horizon"

// Open sets up the outbox on an open store.
func Open(ctx context.Context, db *store.Store, s Sender, opt Options) (*Outbox, error) {
	if opt.Owner == "" {
		opt.Owner = defaultOwner()
	}
	if opt.Interval <= 0 {
		opt.Interval = 10 * time.Second
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
	if opt.PerDestination <= 0 {
		opt.PerDestination = 5
	}
	if opt.Concurrency <= 0 {
		opt.Concurrency = max(1, opt.Batch/opt.PerDestination)
	}
	if opt.BlockedRetry <= 0 {
		opt.BlockedRetry = 10 * time.Minute
	}
	if opt.UncertainLimit <= 0 {
		opt.UncertainLimit = 30 * time.Minute
	}
	if opt.ReconcileMargin <= 0 {
		opt.ReconcileMargin = 10 * time.Minute
	}
	if opt.Retention <= 0 {
		opt.Retention = 90 * 24 * time.Hour
	}
	if opt.Clock == nil {
		opt.Clock = clock.Wall{}
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.Metrics == nil {
		opt.Metrics = NewMetrics(nil)
	}
	if where, moved, err := migratedTo(ctx, db); err != nil {
		return nil, err
	} else if moved {
		return nil, db.Fail("open outbox", store.ErrMigrated, fmt.Errorf("slabot migrate moved this outbox to %s: point SLABOT_DB there "+
			"(sending from this copy too would repeat what the new one sends)", where))
	}
	if err := db.Prepare(ctx, txQueries...); err != nil {
		return nil, err
	}
	o := &Outbox{rows: rows{db: db, known: newRecorded()}, sender: s, pacer: newPacer(opt.Clock, opt.PerChannelInterval), opt: opt,
		log: opt.Logger.With("component", "outbox", "owner", opt.Owner), m: opt.Metrics, wake: make(chan struct{}, 1)}
	o.lease = writerLease{db: db, owner: opt.Owner, ttl: opt.WriterLease}
	if err := db.QueryRow(ctx, nil, qLegacySteps[db.Engine()]).Scan(&o.rows.legacy); err != nil {
		return nil, db.Wrap("open outbox", err)
	}
	// A file without a horizon is new (or was lost and recreated): what
	// was posted before now is not in it, so steps due before now are
	// looked for in Slack before they are posted.
	v, ok, err := db.Cursor(ctx, horizonName)
	if err != nil {
		return nil, err
	}
	if ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("outbox: stored horizon %q is unreadable: %w", v, err)
		}
		o.horizon = time.UnixMilli(n).UTC()
	} else {
		now := opt.Clock.Now()
		if err := db.SetCursor(ctx, now, horizonName, strconv.FormatInt(now.UnixMilli(), 10)); err != nil {
			return nil, err
		}
		o.horizon = now.UTC().Truncate(time.Millisecond)
	}
	if o.lease.ttl == 0 {
		// Without a writer lease every process writes: opening is taking over.
		if err := o.takeOver(ctx, opt.Clock.Now()); err != nil {
			return nil, err
		}
	}
	if err := o.fillLedgerFromRows(ctx, opt.Clock.Now()); err != nil {
		o.log.Warn("outbox: could not fill the ledger from the rows written before it; retried at the next start", "err", err)
	}
	return o, nil
}

func defaultOwner() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}

// Owner is the name this outbox uses in leases.
func (o *Outbox) Owner() string { return o.opt.Owner }

// Horizon is the instant before which this file knows nothing of what was
// posted (its creation, or how far retention pruned it).
func (o *Outbox) Horizon() time.Time {
	o.hmu.Lock()
	defer o.hmu.Unlock()
	return o.horizon
}

// channel maps a channel as a policy names it to its id, when Channels
// knows it. A "#name" it does not know (a private channel nobody invited
// the bot to when slabot started, say) is stored as the name and resolved
// by the Sender at every attempt: the row waits, blocked with the
// Sender's reason, until a person fixes the channel, and then goes out.
func (o *Outbox) channel(name string) string {
	if id, ok := o.opt.Channels[name]; ok {
		return id
	}
	return name
}

// channelRoute is where a report or digest for channel goes: an id as it
// is, a "#name" through the Sender (Resolve).
func (o *Outbox) channelRoute(ctx context.Context, channel string) (rules.Route, error) {
	if !strings.HasPrefix(channel, "#") {
		return rules.Route{Channel: channel}, nil
	}
	return o.sender.Resolve(ctx, rules.Recipient{Channel: channel})
}

// Escalate records a step, unique per (issue, goal, cycle, step): call it
// at every tick where the step is due or foreseen; only the first call
// stores anything, and inserted says so. Nothing is sent until a pass
// picks it up. A step due before the horizon is looked for in Slack by its
// key before it is posted.
//
// A step whose DueAt is after now is recorded ahead of its instant: its
// first attempt is at DueAt, and the dispatch loop wakes for it then (see
// ahead.go). Handing it over again while it is still ahead updates its
// instant and content, or, with Skip, cancels it; a row withdrawn
// (Withdraw) is taken up again.
//
// When the issue changed hands since the step fell due (e.Earlier is set),
// a row still pending is re-pointed at e.Recipient: a reminder not sent yet
// goes to whoever owns the issue now (see rules.Notice.Earlier).
func (o *Outbox) Escalate(ctx context.Context, now time.Time, e rules.Notice) (inserted bool, err error) {
	e.Recipient = o.targetIDs(e.Recipient)
	for i := range e.Earlier {
		e.Earlier[i] = o.targetIDs(e.Earlier[i])
	}
	if e.Step == "" {
		e.Step = "L" + strconv.Itoa(e.Level)
	}
	if err := validateNotice(e); err != nil {
		return false, err
	}
	p, err := encodeEscalation(e)
	if err != nil {
		return false, err
	}
	in := intent{Kind: KindEscalation, Issue: e.IssueKey, Goal: e.Goal, Cycle: e.Cycle, Step: e.Step, Level: e.Level,
		Payload: p, DueAt: e.DueAt, Skip: e.Skip, Dest: destOf(e.Recipient)}
	if e.DueAt.After(now) {
		in.NotBefore = e.DueAt
	}
	in.Uncertain = !e.DueAt.IsZero() && e.DueAt.Before(o.Horizon())
	inserted, err = o.rows.enqueue(ctx, now, in)
	key := rules.NoticeKey(e.IssueKey, e.Goal, e.Cycle, e.Step)
	// A row once claimed has attempts > 0 for good: reschedule, which
	// moves only rows never attempted, would find nothing to do.
	if err == nil && !inserted && !o.rows.known.claimed(recordedKey(KindEscalation, key)) {
		var moved bool
		if moved, err = o.rows.reschedule(ctx, now, in, key); moved {
			o.notify()
			if e.Skip != "" {
				o.log.Info("outbox: step recorded ahead cancelled before its instant", "key", key, "reason", e.Skip)
			}
			return false, err
		}
	}
	if err == nil && !inserted && len(e.Earlier) > 0 {
		var moved bool
		if moved, err = o.rows.retarget(ctx, now, in, e.Recipient, e.Earlier); moved {
			o.log.Info("outbox: the issue changed hands before its step was sent: it goes to the new assignee",
				"key", key, "assignee", e.Recipient.AssigneeLabel())
		}
	}
	if inserted {
		o.notify()
		result := "recorded"
		if e.Skip != "" {
			result = "skipped"
		}
		o.m.Steps.WithLabelValues(strconv.Itoa(e.Level), result).Inc()
		if e.Skip != "" {
			o.log.Info("outbox: step recorded as skipped", "key", key, "reason", e.Skip)
		}
	}
	return inserted, err
}

// targetIDs maps the channels of t as a policy names them to their ids.
func (o *Outbox) targetIDs(t rules.Recipient) rules.Recipient {
	t.Channel = o.channel(t.Channel)
	t.FallbackChannel = o.channel(t.FallbackChannel)
	return t
}

// GoalStopped records that the goal's cycle stopped, and how (stop: the
// clock's instant and met or breached, from rules): unsent steps are
// cancelled (no ping), and parent messages already in Slack get their
// status line rewritten at the next pass, saying the outcome and the
// instant the goal stopped. Only the first call for a cycle counts.
func (o *Outbox) GoalStopped(ctx context.Context, now time.Time, issueKey, goal string, cycle int, stop rules.Stop) error {
	thread := ThreadKey(issueKey, goal, cycle)
	if o.rows.known.isStopped(thread) {
		return nil // recorded: the worker tells every cycle while the issue is cached
	}
	if stop.IsZero() {
		stop = rules.Stop{At: now, Outcome: rules.StateMet}
	}
	n, err := o.rows.markGoalMet(ctx, now, issueKey, goal, cycle, stop)
	if n > 0 {
		o.noteCancelled(ctx, now, issueKey, goal, cycle)
	}
	return err
}

// DeliverReport records a report to post, once per (product, period): two
// products on one Jira project each get theirs. Rows the previous release
// keyed by project were given their product by schema version 6.
func (o *Outbox) DeliverReport(ctx context.Context, now time.Time, r rules.ReportDelivery) error {
	r.Channel = o.channel(r.Channel)
	if err := validateReport(r); err != nil {
		return err
	}
	p, err := encodeReport(r)
	if err != nil {
		return err
	}
	_, err = o.rows.enqueue(ctx, now, intent{Kind: KindReport, Issue: r.Product, Goal: r.Period, Step: "report", Level: 1,
		Payload: p, DueAt: r.DueAt, Uncertain: !r.DueAt.IsZero() && r.DueAt.Before(o.Horizon()), Dest: o.channel(r.Channel)})
	return err
}

// migratedName is the store value `slabot migrate` leaves in the database
// it copied from: where the outbox went, and when.
const migratedName = "outbox:migrated_to"

// MarkMigrated records in db that its outbox was copied to where at now:
// Open refuses it from then on, so no slabot sends from both.
func MarkMigrated(ctx context.Context, db *store.Store, now time.Time, where string) error {
	return db.SetCursor(ctx, now, migratedName, where+" at "+now.UTC().Format(time.RFC3339))
}

// migratedTo says where db's outbox was moved, if it was.
func migratedTo(ctx context.Context, db *store.Store) (string, bool, error) {
	return db.Cursor(ctx, migratedName)
}
