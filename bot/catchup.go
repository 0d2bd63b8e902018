package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"time"

	"github.com/slabot/slabot/rules"
)

// The catch-up rule. A step's outbox key is what the step is (trigger and
// rung), so editing a policy never sends a step again. But a step that an
// edit adds (a new "50%" step) is at once due for every issue already past
// its instant, some of them breached and escalated to management long ago:
// pinging their agents now would be noise. So the worker remembers, per
// product and in the database, when it first saw each step of the ladder;
// a step whose instant for an issue came more than Config.CatchUpGrace
// before it was first seen is recorded as skipped (a cancelled row with the
// reason) and not sent. Steps seen on the very first run of a database
// count as always known: a new installation (or a lost database, which the
// outbox covers by looking in Slack) escalates everything due.

// ladderName is the stored value with a product's known ladder steps.
func ladderName(product string) string { return "ladder:" + product }

// loadIntroduced reads (once per process) when each ladder step of the
// product was first seen, recording the steps new to this database as
// introduced now.
func (w *Worker) loadIntroduced(ctx context.Context, pr *product, now time.Time) error {
	if pr.introduced != nil {
		return nil
	}
	name := ladderName(pr.policy.Product)
	v, known, err := w.cfg.Cursors.Cursor(ctx, name)
	if err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	seen := map[string]int64{} // step id -> Unix ms first seen; 0: since the first run
	if known {
		if err := json.Unmarshal([]byte(v), &seen); err != nil {
			w.log.Warn("stored ladder steps unreadable: treating every step as known", "product", pr.policy.Product, "err", err)
			known, seen = false, map[string]int64{}
		}
	}
	next := map[string]int64{}
	intro := map[string]time.Time{}
	for _, s := range pr.policy.Ladder.Steps {
		id := rules.StepID(s.At, s.Rung)
		t, ok := seen[id]
		if !ok && known {
			t = now.UnixMilli()
			w.log.Info("new ladder step: issues already past its instant will not be pinged for it (catch-up rule)",
				"product", pr.policy.Product, "step", id, "grace", w.cfg.CatchUpGrace)
		}
		next[id] = t
		if t != 0 {
			intro[id] = time.UnixMilli(t).UTC()
		}
	}
	if !known || !maps.Equal(seen, next) {
		if w.cfg.DryRun {
			w.log.Info("dry run: would record the ladder steps", "product", pr.policy.Product)
		} else {
			b, _ := json.Marshal(next)
			if err := w.cfg.Cursors.SetCursor(ctx, now, name, string(b)); err != nil {
				return fmt.Errorf("save %s: %w", name, err)
			}
		}
	}
	pr.introduced = intro
	return nil
}

// catchUp returns why a step due at at is skipped, or "".
func (w *Worker) catchUp(pr *product, step string, at time.Time) string {
	t := pr.introduced[step]
	if t.IsZero() || !at.Before(t.Add(-w.cfg.CatchUpGrace)) {
		return ""
	}
	return fmt.Sprintf("catch-up rule: step %s was added to the policy (first seen %s) after its instant for this issue (%s)",
		step, t.Format(time.RFC3339), at.UTC().Format(time.RFC3339))
}
