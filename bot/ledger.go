package bot

import (
	"context"
	"time"

	"github.com/slabot/slabot/rules"
)

// LedgerNotes enters in the ledger (bot/outbox) the steps the worker
// decided not to hand over for sending: held by an acknowledgement,
// skipped by the catch-up rule, waiting for a snooze. bot/outbox's Outbox
// is one; an Escalator that is not records no such entries. The entry is
// offered at every cycle where the decision stands: the ledger keeps one.
type LedgerNotes interface {
	Note(ctx context.Context, now time.Time, e rules.LedgerEntry) error
}

// note hands e to the Escalator's ledger, if it keeps one. A failure is
// logged: the ledger is history and never stops a cycle.
func (w *Worker) note(ctx context.Context, now time.Time, e rules.LedgerEntry) {
	n, ok := w.cfg.Escalator.(LedgerNotes)
	if !ok || w.cfg.DryRun {
		return
	}
	if err := n.Note(ctx, now, e); err != nil {
		w.log.Warn("could not enter a step in the ledger", "issue", e.Issue, "goal", e.Goal, "step", e.Step, "event", e.Event, "err", err)
	}
}
