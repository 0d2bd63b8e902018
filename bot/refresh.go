package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/slabot/slabot/rules"
)

// IssueReader reads one issue as Jira holds it now (GET /issue/{key}, not
// the search index, which lags): the webhook path's re-read. connectors/
// jira's Client is one. An issue that is gone answers with an error that
// says IssueGone (ErrIssueGone).
type IssueReader interface {
	IssueByKey(ctx context.Context, key string) (rules.Issue, error)
}

// TouchDelay is how long the refresh loop waits after the first touch
// before re-reading, so that the events one change makes, which Jira sends
// within moments of each other (a comment's comment_created and
// jira:issue_updated), cost one refresh. Touches that come while a
// refresh runs are taken by one more refresh right after it, so a longer
// burst costs two, not one per event.
const TouchDelay = 20 * time.Millisecond

// Touch says the issue with key changed (a Jira webhook): the product
// watching its project re-reads it soon, together with the other issues
// touched meanwhile (Refresh). It reports whether a product watches the
// project.
func (w *Worker) Touch(key string) bool {
	pr := w.productOf(key)
	if pr == nil {
		return false
	}
	pr.touchMu.Lock()
	pr.touched[key] = true
	pr.touchMu.Unlock()
	select {
	case pr.touch <- struct{}{}:
	default: // a wake-up is already pending
	}
	return true
}

// productOf is the product watching the issue's project, nil for none.
func (w *Worker) productOf(key string) *product {
	project, _, _ := strings.Cut(key, "-")
	return w.byProject[strings.ToUpper(project)]
}

// watches reports whether a product watches the issue's project.
func (w *Worker) watches(key string) bool { return w.productOf(key) != nil }

// refreshLoop re-reads the issues touched for one product until ctx ends.
func (w *Worker) refreshLoop(ctx context.Context, pr *product) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-pr.touch:
		}
		if err := w.cfg.Clock.Sleep(ctx, TouchDelay); err != nil {
			return
		}
		w.refreshTouched(ctx, pr, w.cfg.Clock.Now())
	}
}

// RefreshTouched re-reads, for every product, the issues touched since the
// last refresh (Touch), as of now: what the daemon's refresh loops do a
// moment after each touch (TouchDelay), for a caller that drives time
// itself (tests, the demo's simulated clock).
func (w *Worker) RefreshTouched(ctx context.Context, now time.Time) {
	for _, name := range w.order {
		w.refreshTouched(ctx, w.products[name], now)
	}
}

func (w *Worker) refreshTouched(ctx context.Context, pr *product, now time.Time) {
	keys := pr.takeTouched()
	if len(keys) == 0 {
		return
	}
	if _, err := w.Refresh(ctx, pr.policy.Product, keys, now); err != nil && ctx.Err() == nil {
		w.log.Warn("refresh after a Jira webhook failed; the next poll catches the change", "product", pr.policy.Product,
			"issues", len(keys), "err", err)
	}
}

// takeTouched empties the product's touched set, in key order.
func (pr *product) takeTouched() []string {
	pr.touchMu.Lock()
	defer pr.touchMu.Unlock()
	keys := make([]string, 0, len(pr.touched))
	for k := range pr.touched {
		keys = append(keys, k)
	}
	clear(pr.touched)
	slices.Sort(keys)
	return keys
}

// Refresh re-reads the issues with keys (each with a consistent GET) into
// the product's cache and settles the product as a cycle does, as of now:
// evaluate, hand the notices over, write. It never overlaps the product's
// own cycle: it waits for a running one, and a cycle that starts during
// it waits for it. An issue Jira no longer has (or that moved out of the
// product's projects) leaves the cache; one that cannot be read is left
// for the next poll.
func (w *Worker) Refresh(ctx context.Context, name string, keys []string, now time.Time) (Stats, error) {
	pr, ok := w.products[name]
	if !ok {
		return Stats{}, fmt.Errorf("bot: unknown product %q", name)
	}
	pr.busy.Lock()
	pr.refreshing.Store(true)
	defer func() {
		pr.refreshing.Store(false)
		pr.busy.Unlock()
	}()
	var st Stats
	jc := w.jira()
	if jc == nil {
		return st, ErrNotConnected
	}
	rd, ok := jc.src.(IssueReader)
	if !ok {
		return st, errors.New("bot: the Jira connection cannot read single issues")
	}
	p := pr.policy
	var failed []error
	for _, key := range keys {
		iss, err := rd.IssueByKey(ctx, key)
		switch {
		case isIssueGone(err):
			pr.dropKey(key)
			continue
		case err != nil:
			failed = append(failed, fmt.Errorf("%s: %w", key, err))
			continue
		}
		st.Fetched++
		if !slices.ContainsFunc(p.Projects, func(pj string) bool { return strings.EqualFold(pj, iss.Project) }) {
			pr.dropKey(key)
			delete(pr.cache, iss.ID)
			continue
		}
		pr.cache[iss.ID] = &iss
	}
	if st.Fetched == 0 && len(failed) > 0 {
		return st, errors.Join(failed...)
	}
	if err := w.settle(ctx, jc, pr, now, time.Time{}, true, &st); err != nil {
		return st, err
	}
	w.log.Debug("refreshed after a Jira webhook", "product", p.Product, "issues", len(keys), "fetched", st.Fetched,
		"writes", st.Writes, "escalations", st.Escalations)
	return st, errors.Join(failed...)
}

// dropKey removes the cached issue with key, if any.
func (pr *product) dropKey(key string) {
	for id, iss := range pr.cache {
		if iss.Key == key {
			delete(pr.cache, id)
		}
	}
}
