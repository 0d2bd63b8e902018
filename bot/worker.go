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

	"github.com/slabot/slabot/rules"
)

// Config wires a Worker.
type Config struct {
	Policies  []*rules.Policy
	Source    IssueSource
	Writer    IssueWriter
	Escalator Escalator
	Cursors   CursorStore
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
	warned     map[string]bool // issue+flag already logged
	reported   map[string]bool // report periods handed over (or given up) by this process

	mu          sync.Mutex // guards the fields below (read by /readyz)
	lastSuccess time.Time
	lastErr     error
}

// New returns a worker for cfg's policies.
func New(cfg Config) (*Worker, error) {
	if cfg.Source == nil || cfg.Writer == nil || cfg.Escalator == nil || cfg.Cursors == nil {
		return nil, errors.New("bot: Source, Writer, Escalator and Cursors are required")
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
	w := &Worker{cfg: cfg, log: cfg.Logger, products: map[string]*product{}}
	for _, p := range cfg.Policies {
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

func (w *Worker) cycle(ctx context.Context, pr *product, now time.Time) (Stats, error) {
	var st Stats
	p := pr.policy
	if err := w.fetch(ctx, pr, now, &st); err != nil {
		return st, err
	}
	issues := make([]rules.Issue, 0, len(pr.cache))
	for _, iss := range pr.cache {
		issues = append(issues, *iss)
	}
	sort.Slice(issues, func(i, j int) bool { return issues[i].Key < issues[j].Key })
	st.Cached = len(issues)
	ev := rules.Evaluate(p, issues, now, rules.Options{BotAccountID: w.cfg.BotAccountID})
	w.gaugeStates(p.Product, ev)

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
		w.write(ctx, pr, o, now, &st)
		if err := w.escalate(ctx, p, o, now, &st); err != nil {
			return st, err
		}
	}
	w.monthlyReport(ctx, pr, issues, now)
	if w.cfg.DryRun {
		return st, nil
	}
	if err := w.cfg.Escalator.Dispatch(ctx, now); err != nil {
		return st, fmt.Errorf("dispatch: %w", err)
	}
	return st, nil
}

// fetch brings the cache up to date: incrementally from each project's
// cursor, or with a full resync on the first cycle and every ResyncEvery.
func (w *Worker) fetch(ctx context.Context, pr *product, now time.Time, st *Stats) error {
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
	issues, next, err := w.cfg.Source.Changed(ctx, p.Projects, cursor, since)
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
func (w *Worker) write(ctx context.Context, pr *product, o *rules.Outcome, now time.Time, st *Stats) {
	p := pr.policy
	ch := Reconcile(p, o)
	if ch.Empty() {
		return
	}
	st.Writes++
	if w.cfg.DryRun {
		w.log.Info("dry run: would change issue", "product", p.Product, "issue", ch.Key, "change", describeChange(ch))
		return
	}
	if err := w.cfg.Writer.Apply(ctx, ch); err != nil {
		if errors.Is(err, ErrIssueGone) {
			delete(pr.cache, o.Issue.ID)
			w.log.Info("issue gone (deleted or moved away); dropped from the cache", "product", p.Product, "issue", ch.Key, "err", err)
			return
		}
		st.WriteErrors++
		w.cfg.Metrics.Writes.WithLabelValues(p.Product, "error").Inc()
		w.log.Warn("issue write failed; retrying next cycle", "product", p.Product, "issue", ch.Key, "err", err)
		return
	}
	w.cfg.Metrics.Writes.WithLabelValues(p.Product, "ok").Inc()
	if iss := pr.cache[o.Issue.ID]; iss != nil {
		applyToCache(iss, ch, w.cfg.BotAccountID, now)
	}
}

// escalate hands due ladder steps to the escalator and tells it about goals
// that stopped after a step fired (so threads are updated, pending steps
// cancelled).
func (w *Worker) escalate(ctx context.Context, p *rules.Policy, o *rules.Outcome, now time.Time, st *Stats) error {
	iss := o.Issue
	for _, e := range o.Escalations {
		gs := o.Goal(e.Goal)
		esc := Escalation{
			Product: p.Product, IssueKey: iss.Key, Summary: iss.Summary, Customer: customerName(o), Plan: planName(o),
			Priority: iss.Priority, Goal: e.Goal, GoalName: gs.Goal.Title, Cycle: e.Cycle, Level: e.Level,
			Rung: e.Rung, Channel: e.Channel, Assignee: iss.Assignee, Deadline: gs.Deadline, Remaining: gs.Remaining, DueAt: e.At,
		}
		st.Escalations++
		if w.cfg.DryRun {
			w.log.Info("dry run: would escalate", "product", p.Product, "issue", iss.Key, "goal", e.Goal, "level", e.Level, "rung", e.Rung, "channel", e.Channel)
			continue
		}
		if err := w.cfg.Escalator.Escalate(ctx, now, esc); err != nil {
			w.cfg.Metrics.Escalations.WithLabelValues(p.Product, strconv.Itoa(e.Level), "error").Inc()
			return fmt.Errorf("escalate %s %s level %d: %w", iss.Key, e.Goal, e.Level, err)
		}
		w.cfg.Metrics.Escalations.WithLabelValues(p.Product, strconv.Itoa(e.Level), "recorded").Inc()
	}
	for i := range o.Goals {
		gs := &o.Goals[i]
		if !gs.Stopped() || !stepFiredBeforeStop(gs) || w.cfg.DryRun {
			continue
		}
		if err := w.cfg.Escalator.GoalMet(ctx, now, iss.Key, gs.Goal.Name, gs.Cycle); err != nil {
			return fmt.Errorf("goal met %s %s: %w", iss.Key, gs.Goal.Name, err)
		}
	}
	return nil
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

func (w *Worker) gaugeStates(product string, ev *rules.Evaluation) {
	counts := map[rules.GoalState]int{}
	for i := range ev.Outcomes {
		o := &ev.Outcomes[i]
		if o.Issue.StatusCategory == rules.CategoryDone {
			continue
		}
		state := rules.StateNoTarget
		for _, g := range o.Goals {
			if g.State != rules.StateNoTarget && g.State != rules.StateNotStarted && !g.Stopped() {
				state = g.State
				break
			}
		}
		counts[state]++
	}
	for _, s := range []rules.GoalState{rules.StateRunning, rules.StatePaused, rules.StateBreached, rules.StateNoTarget, rules.StateUnknown} {
		w.cfg.Metrics.Issues.WithLabelValues(product, string(s)).Set(float64(counts[s]))
	}
}

func describeChange(ch Change) string {
	s := ""
	for _, n := range sortedFieldNames(ch.Fields) {
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

// Health is a product's last cycle, for /readyz.
type Health struct {
	Product     string
	LastSuccess time.Time
	LastError   error
}

// Health reports every product's last cycle.
func (w *Worker) Health() []Health {
	out := make([]Health, 0, len(w.order))
	for _, name := range w.order {
		pr := w.products[name]
		pr.mu.Lock()
		out = append(out, Health{Product: name, LastSuccess: pr.lastSuccess, LastError: pr.lastErr})
		pr.mu.Unlock()
	}
	return out
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
	return pr.policy, rules.Evaluate(pr.policy, issues, now, rules.Options{BotAccountID: w.cfg.BotAccountID})
}
