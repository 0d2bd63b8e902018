package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"time"

	"github.com/slabot/slabot/rules"
)

// What the catch-up rule (rules.CatchUp) reads: when this database first
// saw each step of a product's ladder. Steps seen on the very first run of
// a database count as always known: a new installation (or a lost
// database, which the outbox covers by looking in Slack) escalates
// everything due.

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
