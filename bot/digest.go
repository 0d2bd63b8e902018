package bot

import (
	"context"
	"time"

	"github.com/slabot/slabot/rules"
)

// Digests records the per-period digests (bot/outbox).
type Digests interface {
	DeliverDigest(ctx context.Context, now time.Time, d rules.Digest) (inserted bool, err error)
}

// digest hands over the product's digest of the current period
// (rules.PlanDigest). The outbox keeps one per (product, period), so every
// cycle of the period may call this and a restart does not post it again.
func (w *Worker) digest(ctx context.Context, p *rules.Policy, ev *rules.Evaluation, in rules.PlanInput) {
	if w.cfg.Digests == nil || w.cfg.DryRun {
		return
	}
	d, ok := rules.PlanDigest(p, ev, in)
	if !ok {
		return
	}
	if _, err := w.cfg.Digests.DeliverDigest(ctx, in.Now, d); err != nil {
		w.log.Warn("digest not recorded; retrying next cycle", "product", p.Product, "period", d.Period, "err", err)
	}
}
