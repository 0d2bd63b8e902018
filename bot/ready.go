package bot

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Health is a product's last cycle, for /readyz.
type Health struct {
	Product     string
	LastSuccess time.Time
	LastError   error
	// Degraded lists what works only in part: fields Jira refuses in a
	// project. The product stays ready (its cycles run and write the
	// rest); a person must change Jira.
	Degraded []string
}

// Health reports every product's last cycle.
func (w *Worker) Health() []Health {
	out := make([]Health, 0, len(w.order))
	for _, name := range w.order {
		pr := w.products[name]
		pr.mu.Lock()
		h := Health{Product: name, LastSuccess: pr.lastSuccess, LastError: pr.lastErr}
		pr.mu.Unlock()
		h.Degraded = pr.degraded()
		out = append(out, h)
	}
	return out
}

// missedAllowed is how many scheduled cycles may pass after a product's
// last success before it is not ready.
const missedAllowed = 3

// Ready says whether the worker is doing its job at now, with one line per
// finding. A standby (another process holds the writer lease) is ready:
// its job is to take the events that reach it (relay.go) and to take over
// when the writer stops, and a rolling update of replicas waits for new
// pods to be ready, which they are only as standbys; its line says so.
// Standby is false when the lease could not even be read (the database
// is unreachable). The writer is not ready before it reached Jira, nor
// while a product has missed three of its scheduled cycles (Jira down or
// rate-limited for that long; delivery of recorded steps goes on
// meanwhile).
func (w *Worker) Ready(now time.Time) (bool, []string) {
	w.mu.Lock()
	standby, conn, connErr := w.standby, w.conn, w.connErr
	w.mu.Unlock()
	if standby != "" {
		return !strings.HasPrefix(standby, standbyUnreadable), []string{standby}
	}
	if conn == nil {
		return false, []string{"connecting to Jira" + errSuffix(connErr)}
	}
	return readiness(w.Health(), w.scheds, now)
}

// readiness: ready when, for every product, fewer than three of its
// scheduled ticks passed since its last successful cycle. Counting ticks
// of the product's own schedule, rather than multiplying one interval,
// keeps a schedule such as "*/5 9-17 * * 1-5" ready over night and at
// weekends. A product missing from scheds has the default @every 2m.
func readiness(hs []Health, scheds map[string]cron.Schedule, now time.Time) (bool, []string) {
	ready := true
	var lines []string
	for _, h := range hs {
		sched, ok := scheds[h.Product]
		if !ok {
			sched = cron.Every(2 * time.Minute)
		}
		ago := now.Sub(h.LastSuccess).Round(time.Second)
		switch {
		case h.LastSuccess.IsZero():
			ready = false
			lines = append(lines, fmt.Sprintf("%s: no successful cycle yet%s", h.Product, errSuffix(h.LastError)))
		case missedTicks(sched, h.LastSuccess, now, missedAllowed) >= missedAllowed:
			ready = false
			lines = append(lines, fmt.Sprintf("%s: last success %s ago, %d or more scheduled cycles since%s", h.Product, ago, missedAllowed, errSuffix(h.LastError)))
		case len(h.Degraded) > 0:
			// Still ready: restarting slabot cannot fix a Jira screen or
			// option, and the product's cycles go on writing everything
			// else. The line (and slabot_field_refusals_total) is for a
			// person.
			for _, d := range h.Degraded {
				lines = append(lines, fmt.Sprintf("%s: degraded, last success %s ago: %s", h.Product, ago, d))
			}
		default:
			lines = append(lines, fmt.Sprintf("%s: ok, last success %s ago", h.Product, ago))
		}
	}
	return ready, lines
}

// missedTicks counts the schedule's ticks in (since, now], up to limit.
func missedTicks(sched cron.Schedule, since, now time.Time, limit int) int {
	n := 0
	for t := sched.Next(since); n < limit && !t.IsZero() && !t.After(now); t = sched.Next(t) {
		n++
	}
	return n
}

func errSuffix(err error) string {
	if err == nil {
		return ""
	}
	return " (last error: " + errClass(err) + ")"
}

// errClass names an error's class for /readyz, which anyone who can reach
// the port reads: the kind of failure (the connectors' ErrorCode, a
// timeout, no answer), never the error's text, which may name the Jira
// account or a URL. The log has the whole error.
func errClass(err error) string {
	var coded interface{ ErrorCode() string }
	var ne net.Error
	switch {
	case errors.As(err, &coded):
		return coded.ErrorCode()
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.As(err, &ne):
		return "unreachable"
	}
	return "error (see the log)"
}
