package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/slabot/slabot/bot/outbox"
	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/clock"
)

// Config wires a Worker.
type Config struct {
	Policies []*rules.Policy
	// Source and Writer reach Jira. Leave them nil and set Connect to
	// have Run open the connection itself, with retries, after the worker
	// is already serving (a daemon started during a Jira outage).
	Source IssueSource
	Writer IssueWriter
	// Connect opens the Jira connection (field ids, the bot's account).
	Connect func(ctx context.Context) (IssueSource, IssueWriter, string, error)
	// Escalator records due steps (bot/outbox); nothing is sent from a
	// cycle: delivery has its own loop.
	Escalator Escalator
	Cursors   CursorStore
	// Actions lists the clicks on ladder messages (Acknowledge, Claim,
	// Snooze; bot/outbox): each cycle turns them into held steps, the
	// acknowledgement comment and the assignee. Nil: no interactivity.
	Actions ActionSource
	// Relay carries the events a standby takes to the writer (relay.go);
	// nil: a standby keeps them in memory only.
	Relay TouchRelay
	// Pages records pages for rungs that page (bot/outbox); nil: no paging.
	Pages Pages
	// Digests records the per-period digests policies ask for; nil: none.
	Digests Digests
	// JiraURL is the site's base URL, for links to issues in messages.
	JiraURL string
	// PublicURL is where people reach the listener (SLABOT_PUBLIC_URL): the
	// messages link to the issue's page there; "" for no link.
	PublicURL string
	// Schedule is the cron spec of products whose policy names none
	// (default "@every 2m").
	Schedule string
	// Schedules overrides products' schedules (the demo's simulated tick).
	Schedules map[string]cron.Schedule
	// CatchUpGrace is the catch-up rule's margin: a step that a policy
	// edit added is skipped (recorded, not sent) for an issue whose
	// instant for it came more than this before the step was first seen.
	// Default 10 minutes.
	CatchUpGrace time.Duration
	// Reporter receives the monthly reports policies ask for (report.monthly);
	// nil turns scheduled reports off.
	Reporter Reporter
	// BotAccountID is the Jira account slabot writes as.
	BotAccountID string
	Logger       *slog.Logger
	Metrics      *Metrics
	// DryRun logs every change and escalation and makes none.
	DryRun bool
	// ResyncEvery is how often a product re-reads all its open issues
	// (catches deleted and moved issues). Default one hour.
	ResyncEvery time.Duration
	// Feeds keeps the policies' holiday feeds current (nil: feeds keep
	// whatever copy they have, or none).
	Feeds *FeedFetcher
	// WriteConcurrency is how many issues a cycle writes at once (default
	// DefaultWriteConcurrency); the Jira client bounds and paces the
	// writes in flight to the site as a whole.
	WriteConcurrency int
	// WriteBudget bounds how long a cycle spends writing to Jira (default
	// DefaultWriteBudget): the notices are handed over before any write,
	// and the writes not done when it runs out are retried next cycle, so
	// a Jira whose writes hang delays the writes only.
	WriteBudget time.Duration
	// Clock is the daemon's time (Run's cycles, refreshes and lease
	// checks; default the wall clock). A cycle's own now is its caller's.
	Clock clock.Clock
	// Keep is how long closed issues stay cached after their last update
	// (met goals still update Slack threads, and credits count the month).
	// Default 35 days, or ReportKeep for a product whose policy asks for a
	// monthly report.
	Keep time.Duration
}

// Worker runs product cycles. Cycles of different products may run side by
// side; one product never overlaps itself.
type Worker struct {
	cfg       Config
	log       *slog.Logger
	products  map[string]*product
	byProject map[string]*product // by Jira project key, upper case
	order     []string
	scheds    map[string]cron.Schedule

	mu      sync.Mutex           // guards the fields below
	conn    *jiraConn            // nil until connected
	connErr error                // the last failed connection attempt
	standby string               // why this process is not writing ("" when it is, or Run is not running)
	fence   func(time.Time) bool // while Run writes: whether the writer lease still holds (mayWrite)
}

// jiraConn is an open Jira connection.
type jiraConn struct {
	src     IssueSource
	wr      IssueWriter
	account string // the bot's Jira account
}

// product is one policy's state between cycles.
type product struct {
	policy *rules.Policy
	// busy is held for the whole cycle: a tick that finds it held is
	// skipped, so a slow cycle never overlaps itself.
	busy sync.Mutex

	cache      map[string]*rules.Issue // by issue id
	keep       time.Duration           // how long closed issues stay cached (Config.Keep)
	lastResync time.Time
	lastFetch  time.Time            // the last successful poll: how fresh the cache is
	introduced map[string]time.Time // ladder step id -> when this database first saw it (catch-up rule); nil until loaded
	warned     map[string]bool      // issue+flag already logged
	reported   map[string]bool      // report periods handed over (or given up) by this process
	staleDay   string               // the policy-zone day stale calendars were last judged
	writeFrom  string               // the first issue whose write the last cycle's budget left undone ("" for none)
	handed     map[string]uint64    // step key -> fingerprint of the step last handed over ahead of its instant

	// touched are the issue keys a webhook said changed, waiting for
	// Refresh; touch wakes the refresh loop. refreshing is set while a
	// refresh holds busy: a cycle that finds it so waits for it (a
	// refresh is short) instead of being skipped.
	// wmu guards the cache and the cycle's Stats while writeAll's writes
	// run side by side.
	wmu sync.Mutex

	touchMu    sync.Mutex
	touched    map[string]bool
	touch      chan struct{}
	refreshing atomic.Bool

	mu          sync.Mutex // guards the fields below (read by /readyz)
	lastSuccess time.Time
	lastErr     error
	refused     map[refusalKey]refusal // fields Jira refuses, per project
	editRefused map[refusalKey]bool    // whole edits Jira refuses, by reason and project
}

// New returns a worker for cfg's policies.
func New(cfg Config) (*Worker, error) {
	if (cfg.Source == nil || cfg.Writer == nil) && cfg.Connect == nil || cfg.Escalator == nil || cfg.Cursors == nil {
		return nil, errors.New("bot: Source and Writer (or Connect), Escalator and Cursors are required")
	}
	if cfg.Schedule == "" {
		cfg.Schedule = "@every 2m"
	}
	if cfg.CatchUpGrace <= 0 {
		cfg.CatchUpGrace = 10 * time.Minute
	}
	if cfg.ResyncEvery == 0 {
		cfg.ResyncEvery = time.Hour
	}
	if cfg.WriteBudget <= 0 {
		cfg.WriteBudget = DefaultWriteBudget
	}
	if cfg.WriteConcurrency <= 0 {
		cfg.WriteConcurrency = DefaultWriteConcurrency
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cfg.Clock = clock.Or(cfg.Clock)
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics(nil)
	}
	w := &Worker{cfg: cfg, log: cfg.Logger, products: map[string]*product{}, byProject: map[string]*product{}, scheds: map[string]cron.Schedule{}}
	if cfg.Source != nil && cfg.Writer != nil {
		w.conn = &jiraConn{src: cfg.Source, wr: cfg.Writer, account: cfg.BotAccountID}
	}
	for _, p := range cfg.Policies {
		spec := cfg.Schedule
		if p.Schedule != "" {
			spec = p.Schedule
		}
		sched, err := cron.ParseStandard(spec)
		if s, ok := cfg.Schedules[p.Product]; ok {
			sched, err = s, nil
		}
		if err == nil && sched.Next(cfg.Clock.Now()).IsZero() {
			err = errors.New("it never fires")
		}
		if err != nil {
			return nil, fmt.Errorf("bot: schedule %q of %s: %w (use cron syntax or @every 2m)", spec, p.Product, err)
		}
		w.scheds[p.Product] = sched
		if len(p.Ladder.Pages) > 0 && cfg.Pages == nil {
			// A page-only rung would reach no one.
			return nil, fmt.Errorf("bot: %s's ladder pages (ladder.rungs.RUNG.page) but the worker has no Pages to record them in", p.Product)
		}
		if _, dup := w.products[p.Product]; dup {
			return nil, fmt.Errorf("bot: two policies for product %q", p.Product)
		}
		keep := cfg.Keep
		switch {
		case keep != 0:
		case p.Report.Monthly:
			keep = ReportKeep
		default:
			keep = DefaultKeep
		}
		pr := &product{policy: p, keep: keep, cache: map[string]*rules.Issue{}, warned: map[string]bool{}, reported: map[string]bool{},
			handed: map[string]uint64{}, touched: map[string]bool{}, touch: make(chan struct{}, 1)}
		w.products[p.Product] = pr
		for _, project := range p.Projects {
			w.byProject[strings.ToUpper(project)] = pr
		}
		w.order = append(w.order, p.Product)
	}
	return w, nil
}

// Products lists the product names in policy order.
func (w *Worker) Products() []string { return w.order }

// DefaultWriteBudget is how long a cycle may spend on Jira writes unless
// Config.WriteBudget says otherwise: two of the Jira client's 30-second
// request timeouts, so a hanging Jira costs a cycle at most a minute of
// writes, and a product on the default two-minute schedule still has
// room for its poll.
const DefaultWriteBudget = time.Minute

// DefaultWriteConcurrency is how many issues a cycle writes at once unless
// Config.WriteConcurrency says otherwise: connectors/jira's default writes
// in flight (jira.DefaultWriteConcurrency), so one product's first sync
// can use the site's whole allowance.
const DefaultWriteConcurrency = 4

// ErrBusy is returned when a product's previous cycle is still running.
var ErrBusy = errors.New("previous cycle still running")

// ErrNotConnected is returned by a cycle before Jira was ever reached.
var ErrNotConnected = errors.New("not connected to Jira yet")

// jira returns the open connection, or nil.
func (w *Worker) jira() *jiraConn {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.conn
}

// Stats is what one cycle did.
type Stats struct {
	Fetched     int // issues read from Jira
	Cached      int // issues evaluated
	Writes      int // change sets written (or logged in dry-run)
	WriteErrors int
	Escalations int // due steps handed to the escalator
	Upcoming    int // steps handed over ahead of their instant
	// WritesDeferred counts the issues with a change left unwritten
	// because the cycle's write budget ran out (written next cycle).
	WritesDeferred int
}

// Cycle runs one cycle of the named product as of now.
func (w *Worker) Cycle(ctx context.Context, name string, now time.Time) (Stats, error) {
	pr, ok := w.products[name]
	if !ok {
		return Stats{}, fmt.Errorf("bot: unknown product %q", name)
	}
	if !pr.busy.TryLock() {
		if !pr.refreshing.Load() {
			return Stats{}, ErrBusy
		}
		pr.busy.Lock() // a webhook's refresh: short, and not this cycle's own
	}
	defer pr.busy.Unlock()
	start := time.Now()
	st, err := w.cycle(ctx, pr, now)
	w.cfg.Metrics.CycleDuration.WithLabelValues(name).Observe(time.Since(start).Seconds())
	outcome := "ok"
	switch {
	case err != nil:
		outcome = "error"
	case st.WriteErrors > 0:
		outcome = "partial"
	}
	w.cfg.Metrics.Cycles.WithLabelValues(name, outcome).Inc()
	pr.mu.Lock()
	pr.lastErr = err
	if err == nil {
		pr.lastSuccess = now
		w.cfg.Metrics.LastSuccess.WithLabelValues(name).Set(float64(now.Unix()))
	}
	pr.mu.Unlock()
	attrs := []any{"product", name, "fetched", st.Fetched, "issues", st.Cached, "writes", st.Writes,
		"write_errors", st.WriteErrors, "writes_deferred", st.WritesDeferred, "escalations", st.Escalations, "upcoming", st.Upcoming, "took", time.Since(start).Round(time.Millisecond)}
	if err != nil {
		w.log.Error("cycle failed", append(attrs, "err", err)...)
	} else {
		// One line per product and cycle at info: what it fetched, wrote
		// and escalated (issue 25: "at log level info nothing is logged
		// per write or per cycle").
		w.log.Info("cycle done", attrs...)
	}
	return st, err
}

// cycle polls Jira, evaluates the cache as of now, writes the differences
// and records due steps. When the poll fails (Jira down or rate-limited)
// the cached issues are still evaluated as of now and their due steps
// recorded, marked as based on the last successful poll, so a breach
// during an outage is escalated on time; only the writes wait for Jira.
func (w *Worker) cycle(ctx context.Context, pr *product, now time.Time) (Stats, error) {
	var st Stats
	p := pr.policy
	if w.cfg.Feeds != nil {
		// Before judging staleness: a feed's first copy comes from the
		// cache, then the network. A failure keeps the copy in use.
		feeds := p.Feeds()
		w.cfg.Feeds.LoadCached(feeds, now)
		_ = w.cfg.Feeds.Refresh(ctx, feeds, now) // logged and counted by the fetcher
	}
	w.judgeCalendars(pr, now)
	jc := w.jira()
	if jc == nil {
		return st, ErrNotConnected
	}
	fetchErr := w.fetch(ctx, jc, pr, now, &st)
	if fetchErr != nil && (ctx.Err() != nil || pr.lastFetch.IsZero()) {
		return st, fetchErr
	}
	var stale time.Time
	if fetchErr == nil {
		pr.lastFetch = now
	} else {
		stale = pr.lastFetch
		w.log.Warn("Jira poll failed: evaluating the cached issues as of now", "product", p.Product,
			"data_as_of", stale, "err", fetchErr)
	}
	if err := w.settle(ctx, jc, pr, now, stale, fetchErr == nil, &st); err != nil {
		return st, err
	}
	if fetchErr != nil {
		return st, fetchErr
	}
	return st, nil
}

// settle evaluates the product's cache as of now and acts on it: the
// notices handed over first, then the writes within the write budget
// (writes, only when the cache reflects Jira: not after a failed poll),
// then the monthly report. stale, when set, is the last successful poll
// the cache reflects. A poll's cycle and a webhook's refresh (Refresh)
// both end here, so an issue changed either way goes the same path.
func (w *Worker) settle(ctx context.Context, jc *jiraConn, pr *product, now, stale time.Time, writes bool, st *Stats) error {
	p := pr.policy
	if err := w.loadIntroduced(ctx, pr, now); err != nil {
		return err
	}
	issues := pr.sortedIssues()
	st.Cached = len(issues)
	ev := rules.Evaluate(p, issues, now, rules.Options{BotAccountID: jc.account})
	w.gaugeStates(p.Product, ev)
	acts := w.loadActions(ctx, p)
	for i := range ev.Outcomes {
		o := &ev.Outcomes[i]
		for _, f := range o.Flags {
			if f.Code == rules.FlagUnknownPriority || f.Code == rules.FlagUnknownType || f.Code == rules.FlagUnknownCustomer || f.Code == rules.FlagUnknownPlan {
				// Once per issue and finding per process: the label stays on
				// the issue, the log should not repeat it every two minutes.
				if k := o.Issue.Key + " " + f.Code; !pr.warned[k] {
					pr.warned[k] = true
					w.log.Warn("issue not placed by the policy", "product", p.Product, "issue", o.Issue.Key, "flag", f.Code, "reason", f.Reason)
				}
			}
		}
	}

	// The notices first, all of them, before any write: a step is handed
	// over (and posted by the dispatcher at its instant) whatever Jira's
	// writes are doing. Every ladder decision is rules'.
	in := rules.PlanInput{Now: now, Clicks: acts, Introduced: pr.introduced, CatchUpGrace: w.cfg.CatchUpGrace, JiraURL: w.cfg.JiraURL, PublicURL: w.cfg.PublicURL, DataAsOf: stale}
	if err := w.handOverPlan(ctx, pr, rules.PlanLadder(p, ev, in), now, st); err != nil {
		return err
	}
	w.digest(ctx, p, ev, in)

	// Then the writes, within the write budget: what is left when it runs
	// out comes up again next cycle (the cache still holds Jira's values).
	if !writes {
		return nil
	}
	w.writeAll(ctx, jc, pr, ev, acts, now, st)
	w.monthlyReport(ctx, pr, issues, now, jc.account)
	return nil
}

// writeAll writes every outcome's patch (and applies the claims made in
// Slack), Config.WriteConcurrency issues at a time (the Jira client paces
// the writes in flight to the site's burst limits), until the cycle's
// write budget (Config.WriteBudget) is spent;
// the outcomes not reached are counted in Stats.WritesDeferred and come
// up again next cycle, which starts with the first of them (issue key
// order, wrapping around), so a Jira that answers slowly still sees
// every issue's writes in turn.
func (w *Worker) writeAll(ctx context.Context, jc *jiraConn, pr *product, ev *rules.Evaluation, acts map[string][]rules.Click, now time.Time, st *Stats) {
	wctx, cancel := context.WithTimeout(ctx, w.cfg.WriteBudget)
	defer cancel()
	n := len(ev.Outcomes)
	first := sort.Search(n, func(i int) bool { return ev.Outcomes[i].Issue.Key >= pr.writeFrom })
	pr.writeFrom = ""
	slots := make(chan struct{}, w.cfg.WriteConcurrency)
	var running sync.WaitGroup
	type pending struct {
		o  *rules.Outcome
		cs []rules.Click
		ch rules.Patch
	}
	var todo []pending
	for k := range n {
		o := &ev.Outcomes[(first+k)%n]
		cs := acts[o.Issue.Key]
		pr.policy.ProposeAckComments(o, cs, jc.account)
		ch := pr.policy.Patch(o)
		if ch.Empty() && !hasClaim(cs) {
			continue
		}
		todo = append(todo, pending{o, cs, ch})
	}
	var progress *writeProgress
	if len(todo) >= ProgressMin && !w.cfg.DryRun {
		progress = newWriteProgress(w.log, pr.policy.Product, len(todo), time.Now())
		w.log.Info("writing issues", "product", pr.policy.Product, "done", 0, "of", len(todo))
	}
	for _, td := range todo {
		o, cs, ch := td.o, td.cs, td.ch
		if wctx.Err() == nil {
			select {
			case slots <- struct{}{}:
				if wctx.Err() != nil {
					<-slots
				}
			case <-wctx.Done():
			}
		}
		if wctx.Err() != nil {
			if !ch.Empty() {
				pr.wmu.Lock()
				if st.WritesDeferred == 0 {
					pr.writeFrom = o.Issue.Key
				}
				st.WritesDeferred++
				pr.wmu.Unlock()
			}
			continue
		}
		// One goroutine per issue: its write, then its claims, so an issue
		// has one writer; the issues go side by side, as many as slots.
		running.Go(func() {
			defer func() { <-slots }()
			w.write(wctx, jc, pr, o, ch, now, st)
			w.claims(wctx, jc, pr, o.Issue, cs, now)
			progress.step(time.Now())
		})
	}
	running.Wait()
	if st.WritesDeferred > 0 && ctx.Err() == nil {
		w.log.Warn("write budget spent: the remaining issue writes wait for the next cycle", "product", pr.policy.Product,
			"budget", w.cfg.WriteBudget, "deferred", st.WritesDeferred, "written", st.Writes, "write_errors", st.WriteErrors)
	}
}

// fetch brings the cache up to date: incrementally from each project's
// cursor, or with a full resync on the first cycle and every ResyncEvery.
func (w *Worker) fetch(ctx context.Context, jc *jiraConn, pr *product, now time.Time, st *Stats) error {
	p := pr.policy
	resync := pr.lastResync.IsZero() || now.Sub(pr.lastResync) >= w.cfg.ResyncEvery
	since := now.Add(-pr.keep)
	fresh := map[string]*rules.Issue{}
	// One cursor and one poll for all the product's projects: a quiet
	// product costs one search per cycle however many projects it runs.
	cursorName := "jira:" + strings.Join(p.Projects, ",")
	cursor := ""
	if !resync {
		c, _, err := w.cfg.Cursors.Cursor(ctx, cursorName)
		if err != nil {
			return fmt.Errorf("read cursor %s: %w", cursorName, err)
		}
		cursor = c
	}
	issues, next, err := jc.src.Changed(ctx, p.Projects, cursor, since)
	if err != nil {
		return fmt.Errorf("fetch %s: %w", strings.Join(p.Projects, ", "), err)
	}
	st.Fetched += len(issues)
	for i := range issues {
		iss := issues[i]
		if resync {
			fresh[iss.ID] = &iss
		} else {
			pr.cache[iss.ID] = &iss
		}
	}
	if err := w.cfg.Cursors.SetCursor(ctx, now, cursorName, next); err != nil {
		return fmt.Errorf("save cursor %s: %w", cursorName, err)
	}
	if resync {
		// Issues deleted or moved to another project vanish here.
		pr.cache = fresh
		pr.lastResync = now
	}
	for id, iss := range pr.cache {
		if iss.StatusCategory == rules.CategoryDone && iss.Updated.Before(since) {
			delete(pr.cache, id)
		}
	}
	return nil
}

// write reconciles one issue and writes the difference. A failed write is
// logged and left for the next cycle: the cache still holds Jira's values,
// so the same difference comes up again.
//
// writeAll runs several at once: the state they share (the cache, st) is
// changed under pr.wmu, and Jira is called without it.
func (w *Worker) write(ctx context.Context, jc *jiraConn, pr *product, o *rules.Outcome, ch rules.Patch, now time.Time, st *Stats) {
	p := pr.policy
	if ch.Empty() {
		return
	}
	pr.wmu.Lock()
	st.Writes++
	pr.wmu.Unlock()
	if w.cfg.DryRun {
		w.log.Info("dry run: would change issue", "product", p.Product, "issue", ch.Key, "change", describeChange(ch))
		return
	}
	ch = pr.withoutRefused(ch, o.Issue.Project, now, w.cfg.ResyncEvery)
	if ch.Empty() {
		return
	}
	if !w.mayWrite(w.cfg.Clock.Now()) {
		pr.wmu.Lock()
		st.WritesDeferred++ // the writer that holds the lease writes it
		pr.wmu.Unlock()
		w.log.Warn("writer lease not held: Jira write withheld (another slabot may write now)", "product", p.Product, "issue", ch.Key)
		return
	}
	refused, err := jc.wr.Write(ctx, ch)
	pr.wmu.Lock()
	defer pr.wmu.Unlock()
	if len(refused) > 0 {
		w.noteRefused(pr, o.Issue.Project, ch.Key, refused, now)
		ch = withoutFields(ch, refused)
	}
	if err != nil {
		if isIssueGone(err) {
			delete(pr.cache, o.Issue.ID)
			w.log.Info("issue gone (deleted or moved away); dropped from the cache", "product", p.Product, "issue", ch.Key, "err", err)
			return
		}
		// Comments Jira took before the write failed (its edit refused, a
		// later comment failing) are on the issue: the cache learns them,
		// so they are never proposed, nor posted, again.
		if posted := postedComments(err); len(posted) > 0 {
			if iss := pr.cache[o.Issue.ID]; iss != nil {
				applyToCache(iss, onlyComments(ch, posted), jc.account, now)
			}
		}
		st.WriteErrors++
		w.cfg.Metrics.Writes.WithLabelValues(p.Product, "error").Inc()
		if key, ok := editRefusal(err); ok {
			w.noteEditRefused(pr, o.Issue.Project, ch.Key, key, err)
			return
		}
		w.log.Warn("issue write failed; retrying next cycle", "product", p.Product, "issue", ch.Key, "err", err)
		return
	}
	w.cfg.Metrics.Writes.WithLabelValues(p.Product, "ok").Inc()
	w.log.Info("issue written", "product", p.Product, "issue", ch.Key, "change", describeChange(ch))
	if iss := pr.cache[o.Issue.ID]; iss != nil {
		applyToCache(iss, ch, jc.account, now)
	}
}

// handOverPlan hands the cycle's ladder plan (rules.PlanLadder) to the
// outbox: the ledger entries of the steps not sent, the pages, every
// notice (due, or ahead of its instant), the goals that stopped, and the
// withdrawal of steps recorded ahead that the plan no longer foresees. A
// dry run logs the due steps and records nothing.
func (w *Worker) handOverPlan(ctx context.Context, pr *product, pl rules.LadderPlan, now time.Time, st *Stats) error {
	p := pr.policy
	st.Escalations += pl.Due
	st.Upcoming += pl.Ahead
	if w.cfg.DryRun {
		for _, pg := range pl.Pages {
			if pg.DueAt.After(now) {
				continue
			}
			w.log.Info("dry run: would page", "product", p.Product, "issue", pg.Issue, "goal", pg.Goal, "step", pg.Step, "level", pg.Level, "only", pg.Only)
		}
		for _, n := range pl.Notices {
			if !n.DueAt.After(now) {
				w.log.Info("dry run: would escalate", "product", p.Product, "issue", n.IssueKey, "goal", n.Goal, "step", n.Step, "level", n.Level,
					"channel", n.Recipient.Channel+n.Recipient.FallbackChannel, "skip", n.Skip)
			}
		}
		return nil
	}
	open, err := w.cfg.Escalator.OpenThreads(ctx, p.Projects)
	if err != nil {
		return fmt.Errorf("read open threads: %w", err)
	}
	for _, e := range pl.Ledger {
		w.note(ctx, now, e)
	}
	standing := map[string]bool{}
	for _, pg := range pl.Pages {
		if w.cfg.Pages == nil {
			break
		}
		standing[rules.NoticeKey(pg.Issue, pg.Goal, pg.Cycle, outbox.PageStep(pg.Step))] = true
		inserted, err := w.cfg.Pages.TriggerPage(ctx, now, pg)
		if err != nil {
			return fmt.Errorf("page %s %s %s: %w", pg.Issue, pg.Goal, pg.Step, err)
		}
		if pg.Only && inserted {
			// The page row is the step's only record.
			w.cfg.Metrics.Escalations.WithLabelValues(p.Product, strconv.Itoa(pg.Level), "recorded").Inc()
		}
	}
	for _, n := range pl.Notices {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err := w.handOver(ctx, pr, now, n, standing); err != nil {
			return err
		}
	}
	for _, s := range pl.Stops {
		if !s.Fired && !open[outbox.ThreadKey(s.Issue, s.Goal, s.Cycle)] {
			continue
		}
		if err := w.cfg.Escalator.GoalStopped(ctx, now, s.Issue, s.Goal, s.Cycle, s.Stop); err != nil {
			return fmt.Errorf("goal stopped %s %s: %w", s.Issue, s.Goal, err)
		}
		if w.cfg.Pages != nil {
			if err := w.cfg.Pages.ResolvePages(ctx, now, s.Issue, s.Goal, s.Cycle); err != nil {
				return fmt.Errorf("resolve pages %s %s: %w", s.Issue, s.Goal, err)
			}
		}
	}
	if _, err := w.cfg.Escalator.Withdraw(ctx, now, p.Projects, standing); err != nil {
		return fmt.Errorf("withdraw steps no longer foreseen: %w", err)
	}
	for k := range pr.handed {
		if !standing[k] {
			delete(pr.handed, k)
		}
	}
	return nil
}

// handOver records one step (due, or ahead of its instant) and notes its
// key in standing. A step ahead of its instant is handed over again only
// when it changed since this process last handed it over (pr.handed): a
// quiet product's cycles cost the outbox nothing for the steps they
// foresee.
func (w *Worker) handOver(ctx context.Context, pr *product, now time.Time, esc rules.Notice, standing map[string]bool) error {
	key := rules.NoticeKey(esc.IssueKey, esc.Goal, esc.Cycle, esc.Step)
	standing[key] = true
	var print uint64
	if esc.DueAt.After(now) {
		h := fnv.New64a()
		b, _ := json.Marshal(esc)
		h.Write(b)
		h.Write([]byte(esc.Skip))
		if print = h.Sum64(); pr.handed[key] == print {
			return nil
		}
	}
	inserted, err := w.cfg.Escalator.Escalate(ctx, now, esc)
	if err != nil {
		w.cfg.Metrics.Escalations.WithLabelValues(pr.policy.Product, strconv.Itoa(esc.Level), "error").Inc()
		return fmt.Errorf("escalate %s %s %s: %w", esc.IssueKey, esc.Goal, esc.Step, err)
	}
	if print != 0 {
		pr.handed[key] = print
	} else {
		delete(pr.handed, key)
	}
	if inserted {
		w.cfg.Metrics.Escalations.WithLabelValues(pr.policy.Product, strconv.Itoa(esc.Level), "recorded").Inc()
	}
	return nil
}

// judgeCalendars sets the stale-calendar gauge and logs each stale
// calendar once a day (in the policy's zone): the data goes stale with the
// turn of the year, not with a policy edit, so a long-running daemon must
// keep saying it.
func (w *Worker) judgeCalendars(pr *product, now time.Time) {
	p := pr.policy
	day := now.In(p.Location).Format(time.DateOnly)
	if pr.staleDay == day {
		return
	}
	pr.staleDay = day
	stale := map[string]rules.StaleCalendar{}
	for _, st := range p.StaleCalendars(now) {
		stale[st.Calendar] = st
	}
	for name := range p.Calendars {
		st := stale[name]
		w.cfg.Metrics.StaleCalendars.WithLabelValues(p.Product, name).Set(float64(len(st.Missing)))
		if len(st.Missing) > 0 {
			w.log.Warn("calendar data is stale", "product", p.Product, "calendar", name, "missing_years", st.Missing,
				"where", st.Problem.String())
		}
	}
}

// gaugeStates sets the open issues by state: the first goal still running
// (running, paused, breached), else the first stopped one (met, or
// breached when it stopped late), else no target.
func (w *Worker) gaugeStates(product string, ev *rules.Evaluation) {
	counts := map[rules.GoalState]int{}
	for i := range ev.Outcomes {
		o := &ev.Outcomes[i]
		if o.Issue.StatusCategory == rules.CategoryDone {
			continue
		}
		state, stopped := rules.StateNoTarget, rules.StateNoTarget
		for _, g := range o.Goals {
			if g.State == rules.StateNoTarget || g.State == rules.StateNotStarted {
				continue
			}
			if !g.Stopped() {
				state = g.State
				break
			}
			if stopped == rules.StateNoTarget {
				stopped = g.State
			}
		}
		if state == rules.StateNoTarget {
			state = stopped
		}
		counts[state]++
	}
	for _, s := range []rules.GoalState{rules.StateRunning, rules.StatePaused, rules.StateBreached, rules.StateMet, rules.StateNoTarget, rules.StateUnknown} {
		w.cfg.Metrics.Issues.WithLabelValues(product, string(s)).Set(float64(counts[s]))
	}
}

func describeChange(ch rules.Patch) string {
	s := ""
	for _, n := range ch.FieldNames() {
		s += fmt.Sprintf("%s=%q ", n, ch.Fields[n].String())
	}
	if ch.Priority != "" {
		s += "priority=" + ch.Priority + " "
	}
	for _, l := range ch.AddLabels {
		s += "+" + l + " "
	}
	for _, l := range ch.RemoveLabels {
		s += "-" + l + " "
	}
	for _, c := range ch.Comments {
		s += "comment:" + c.Key + " "
	}
	return s
}

// Outcomes evaluates the product's cached issues as of now, for explain and
// the demo's tables. It does not fetch.
func (w *Worker) Outcomes(name string, now time.Time) (*rules.Policy, *rules.Evaluation) {
	pr := w.products[name]
	pr.busy.Lock()
	defer pr.busy.Unlock()
	issues := pr.sortedIssues()
	account := w.cfg.BotAccountID
	if jc := w.jira(); jc != nil {
		account = jc.account
	}
	return pr.policy, rules.Evaluate(pr.policy, issues, now, rules.Options{BotAccountID: account})
}

// sortedIssues copies the cached issues, in key order, for an evaluation.
// It sorts pointers and copies each issue once: sorting the values moved
// every issue (a large struct with pointers inside: write barriers at each
// move) about log2(n) times, which made a steady cycle over 100,000
// issues cost 13.1 us per issue against 8.9 at 10,000; sorting pointers,
// 9.6 (BenchmarkSteadyCycle with SLABOT_BENCH_OPEN).
func (pr *product) sortedIssues() []rules.Issue {
	ptrs := make([]*rules.Issue, 0, len(pr.cache))
	for _, iss := range pr.cache {
		ptrs = append(ptrs, iss)
	}
	slices.SortFunc(ptrs, func(a, b *rules.Issue) int { return strings.Compare(a.Key, b.Key) })
	issues := make([]rules.Issue, len(ptrs))
	for i, iss := range ptrs {
		issues[i] = *iss
	}
	return issues
}
