package bot

import (
	"context"
	"time"
)

// Replicas: only the writer (the holder of the database's writer lease)
// reads and writes Jira, but any replica may be the one a Jira webhook or
// a Slack click reaches (a Service routes webhooks to every ready pod;
// Slack spreads Socket Mode events over the app's connections). A click
// is stored by whoever takes it (Clicks). An event a standby takes ("this
// issue changed") is relayed through the database to the writer, which
// re-reads the issue as if the event had reached it: nothing a standby
// hears is lost with the standby, and nothing is applied twice (the
// writer applies it, once).

// TouchRelay carries the issues a standby heard of to the writer
// (bot/outbox keeps them as named values in the database).
type TouchRelay interface {
	// RelayTouch records durably that the issue changed.
	RelayTouch(ctx context.Context, now time.Time, key string) error
	// TakeTouches returns the relayed issues and forgets them.
	TakeTouches(ctx context.Context) ([]string, error)
}

// RelayEvery is how often the writer takes the touches standbys relayed:
// an event that reached a standby reaches the fields about this much later
// than one that reached the writer.
const RelayEvery = time.Second

// Take is Touch for an event from outside (a Jira webhook, a Slack
// click): on a standby with a relay it is recorded in the database for the
// writer, and an error means it was not (the webhook answers 5xx so Jira
// sends it again). It reports whether a product watches the issue.
func (w *Worker) Take(ctx context.Context, key string) (watched bool, err error) {
	if !w.watches(key) {
		return false, nil
	}
	w.mu.Lock()
	standby := w.standby != ""
	w.mu.Unlock()
	if standby && w.cfg.Relay != nil {
		return true, w.cfg.Relay.RelayTouch(ctx, w.cfg.Clock.Now(), key)
	}
	return w.Touch(key), nil
}

// relayLoop takes, while this process writes, what standbys relayed.
func (w *Worker) relayLoop(ctx context.Context) {
	for {
		if err := w.cfg.Clock.Sleep(ctx, RelayEvery); err != nil {
			return
		}
		keys, err := w.cfg.Relay.TakeTouches(ctx)
		if err != nil {
			if ctx.Err() == nil {
				w.log.Warn("could not take the events standbys relayed; the next poll catches their changes", "err", err)
			}
			continue
		}
		for _, k := range keys {
			w.Touch(k)
		}
	}
}
