package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/slabot/slabot/rules"
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
	// Pages records pages for rungs that page (bot/outbox); nil: no paging.
	Pages Pages
	// Digests records the per-period digests policies ask for; nil: none.
	Digests Digests
	// JiraURL is the site's base URL, for links to issues in messages.
	JiraURL string
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
	// Keep is how long closed issues stay cached after their last update
	// (met goals still update Slack threads, and credits count the month).
	// Default 35 days, or ReportKeep for a product whose policy asks for a
	// monthly report.
	Keep time.Duration
}

// Worker runs product cycles. Cycles of different products may run side by
// side; one product never overlaps itself.
type Worker struct {
	cfg      Config
	log      *slog.Logger
	products map[string]*product
	order    []string
	scheds   map[string]cron.Schedule

	mu      sync.Mutex // guards the fields below
	conn    *jiraConn  // nil until connected
	connErr error      // the last failed connection attempt
	standby string     // why this process is not writing ("" when it is, or Run is not running)
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
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics(nil)
	}
	w := &Worker{cfg: cfg, log: cfg.Logger, products: map[string]*product{}, scheds: map[string]cron.Schedule{}}
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
		if err == nil && sched.Next(time.Now()).IsZero() {
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
		w.products[p.Product] = &product{policy: p, keep: keep, cache: map[string]*rules.Issue{}, warned: map[string]bool{}, reported: map[string]bool{}}
		w.order = append(w.order, p.Product)
	}
	return w, nil
}

// Products lists the product names in policy order.
func (w *Worker) Products() []string { return w.order }

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
}

// Cycle runs one cycle of the named product as of now.
func (w *Worker) Cycle(ctx context.Context, name string, now time.Time) (Stats, error) {
	pr, ok := w.products[name]
	if !ok {
		return Stats{}, fmt.Errorf("bot: unknown product %q", name)
	}
	if !pr.busy.TryLock() {
		return Stats{}, ErrBusy
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
		"write_errors", st.WriteErrors, "escalations", st.Escalations, "took", time.Since(start).Round(time.Millisecond)}
	if err != nil {
		w.log.Error("cycle failed", append(attrs, "err", err)...)
	} else {
		w.log.Debug("cycle done", attrs...)
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
	if err := w.loadIntroduced(ctx, pr, now); err != nil {
		return st, err
	}
	issues := make([]rules.Issue, 0, len(pr.cache))
	for _, iss := range pr.cache {
		issues = append(issues, *iss)
	}
	sort.Slice(issues, func(i, j int) bool { return issues[i].Key < issues[j].Key })
	st.Cached = len(issues)
	ev := rules.Evaluate(p, issues, now, rules.Options{BotAccountID: jc.account})
	w.gaugeStates(p.Product, ev)
	acts := w.loadActions(ctx, p)
	known := &emails{cache: pr.cache}

	for i := range ev.Outcomes {
		o := &ev.Outcomes[i]
		if ctx.Err() != nil {
			return st, ctx.Err()
		}
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
		cs := acts[o.Issue.Key]
		w.ackComments(p, o, cs, jc.account)
		if fetchErr == nil {
			w.write(ctx, jc, pr, o, now, &st)
			w.claims(ctx, jc, pr, o.Issue, cs, now)
		}
		if err := w.escalate(ctx, pr, o, cs, known, now, stale, &st); err != nil {
			return st, err
		}
	}
	w.digest(ctx, p, ev, acts, now)
	if fetchErr != nil {
		return st, fetchErr
	}
	w.monthlyReport(ctx, pr, issues, now, jc.account)
	return st, nil
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
func (w *Worker) write(ctx context.Context, jc *jiraConn, pr *product, o *rules.Outcome, now time.Time, st *Stats) {
	p := pr.policy
	ch := p.Patch(o)
	if ch.Empty() {
		return
	}
	st.Writes++
	if w.cfg.DryRun {
		w.log.Info("dry run: would change issue", "product", p.Product, "issue", ch.Key, "change", describeChange(ch))
		return
	}
	ch = pr.withoutRefused(ch, o.Issue.Project, now, w.cfg.ResyncEvery)
	if ch.Empty() {
		return
	}
	refused, err := jc.wr.Write(ctx, ch)
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
	if iss := pr.cache[o.Issue.ID]; iss != nil {
		applyToCache(iss, ch, jc.account, now)
	}
}

// escalate records due ladder steps and tells the escalator about goals
// that stopped after a step fired (so threads are updated, pending steps
// cancelled). stale, when set, is the last successful poll the cache
// reflects (Jira could not be read this cycle).
//
// Clicks on the thread (cs) shape it: a step the acknowledgement rule
// holds back is recorded as skipped; a step falling due while the cycle
// is snoozed waits until the snooze ends (never past the deadline).
//
// The agent rung goes to the current assignee; when the issue changed
// hands since the step fell due, the step also names the people who held
// it since (rules.Notice.Earlier, e-mails from known), so the outbox can
// look in their DMs for a message that may already be there.
func (w *Worker) escalate(ctx context.Context, pr *product, o *rules.Outcome, cs clicks, known *emails, now, stale time.Time, st *Stats) error {
	p := pr.policy
	iss := o.Issue
	for _, e := range o.Notices {
		gs := o.Goal(e.Goal)
		step := e.Step
		// The notice as rules made it, with the issue's details added.
		esc := e
		esc.IssueKey, esc.IssueURL, esc.GoalTitle = iss.Key, w.issueURL(iss.Key), gs.Goal.Title
		esc.Summary, esc.Customer, esc.Plan, esc.Priority = iss.Summary, customerName(o), planName(o), iss.Priority
		esc.Deadline, esc.Remaining, esc.AsOf, esc.Status, esc.DataAsOf = gs.Deadline, gs.Remaining, now, rules.WordAtRisk, stale
		esc.Skip, esc.Groups = w.catchUp(pr, step, e.DueAt), p.Ladder.Groups[e.Rung]
		if gs.Remaining <= 0 {
			esc.Status = rules.WordBreached
		}
		if until := cs.snoozedUntil(e.Goal, e.Cycle, gs.Deadline); now.Before(until) && e.DueAt.Before(until) {
			w.noteSnoozed(ctx, now, esc, cs, until)
			continue
		}
		caughtUp := esc.Skip != ""
		if esc.Skip == "" {
			esc.Skip = held(p, e, cs)
		}
		if e.Rung == rules.RungAgent {
			fallback := e.Recipient.FallbackChannel
			esc.Recipient = agentTarget(fallback, iss.Assignee)
			esc.Earlier = earlierTargets(iss, e.DueAt, fallback, known)
		}
		st.Escalations++
		pageOnly := p.Ladder.PagesOnly(e.Rung)
		if w.cfg.DryRun {
			if pageOnly {
				w.log.Info("dry run: would page (the rung only pages)", "product", p.Product, "issue", iss.Key, "goal", e.Goal, "step", step, "level", e.Level)
			} else {
				w.log.Info("dry run: would escalate", "product", p.Product, "issue", iss.Key, "goal", e.Goal, "step", step, "level", e.Level,
					"channel", e.Recipient.Channel+e.Recipient.FallbackChannel)
			}
			continue
		}
		w.noteNotSent(ctx, now, p, esc, caughtUp, cs)
		paged, err := w.page(ctx, p, esc, now)
		if err != nil {
			return fmt.Errorf("page %s %s %s: %w", iss.Key, e.Goal, step, err)
		}
		if pageOnly {
			// The page row is the step's only record: no Slack message, so
			// no thread, no repeat (the loader refuses one) and nothing
			// for GoalStopped to update; the resolve below still closes the
			// alert. A held-back or caught-up step leaves no row at all.
			if paged {
				w.cfg.Metrics.Escalations.WithLabelValues(p.Product, strconv.Itoa(e.Level), "recorded").Inc()
			}
			continue
		}
		inserted, err := w.cfg.Escalator.Escalate(ctx, now, esc)
		if err != nil {
			w.cfg.Metrics.Escalations.WithLabelValues(p.Product, strconv.Itoa(e.Level), "error").Inc()
			return fmt.Errorf("escalate %s %s %s: %w", iss.Key, e.Goal, step, err)
		}
		if inserted {
			w.cfg.Metrics.Escalations.WithLabelValues(p.Product, strconv.Itoa(e.Level), "recorded").Inc()
		}
		if rep, ok := repeatDue(p, goalCalendar(p, o, e.Goal), esc, cs, now); ok {
			if e.Rung == rules.RungAgent {
				rep.Earlier = earlierTargets(iss, rep.DueAt, e.Recipient.FallbackChannel, known)
			}
			if _, err := w.cfg.Escalator.Escalate(ctx, now, rep); err != nil {
				return fmt.Errorf("escalate %s %s %s: %w", iss.Key, e.Goal, rep.Step, err)
			}
		}
	}
	for i := range o.Goals {
		gs := &o.Goals[i]
		if !gs.Stopped() || !stepFiredBeforeStop(gs) || w.cfg.DryRun {
			continue
		}
		if err := w.cfg.Escalator.GoalStopped(ctx, now, iss.Key, gs.Goal.Name, gs.Cycle, gs.Stopping()); err != nil {
			return fmt.Errorf("goal stopped %s %s: %w", iss.Key, gs.Goal.Name, err)
		}
		if w.cfg.Pages != nil {
			if err := w.cfg.Pages.ResolvePages(ctx, now, iss.Key, gs.Goal.Name, gs.Cycle); err != nil {
				return fmt.Errorf("resolve pages %s %s: %w", iss.Key, gs.Goal.Name, err)
			}
		}
	}
	return nil
}

func (w *Worker) issueURL(key string) string {
	if w.cfg.JiraURL == "" {
		return ""
	}
	return strings.TrimSuffix(w.cfg.JiraURL, "/") + "/browse/" + key
}

// stepFiredBeforeStop reports whether any ladder step of the stopped cycle
// fell due before the clock stopped: only then can a Slack thread exist.
func stepFiredBeforeStop(gs *rules.GoalStatus) bool {
	for _, s := range gs.Steps {
		if !s.At.IsZero() && !s.At.After(gs.Stop) {
			return true
		}
	}
	return false
}

func customerName(o *rules.Outcome) string {
	if o.Customer != nil {
		return o.Customer.Name
	}
	return ""
}

func planName(o *rules.Outcome) string {
	if o.Plan != nil {
		return o.Plan.Name
	}
	return ""
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
	issues := make([]rules.Issue, 0, len(pr.cache))
	for _, iss := range pr.cache {
		issues = append(issues, *iss)
	}
	sort.Slice(issues, func(i, j int) bool { return issues[i].Key < issues[j].Key })
	account := w.cfg.BotAccountID
	if jc := w.jira(); jc != nil {
		account = jc.account
	}
	return pr.policy, rules.Evaluate(pr.policy, issues, now, rules.Options{BotAccountID: account})
}
