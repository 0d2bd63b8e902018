package outbox

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slabot/slabot/rules/clock"
)

// Metrics are the outbox's Prometheus metrics. Counters count events (a
// step recorded once is counted once, however often the worker offers
// it again); the backlog gauges are read from the file at scrape time by
// Collector.
type Metrics struct {
	// Steps counts rows by level ("report" for reports) and what happened:
	// recorded (a new row), skipped (recorded as cancelled by the catch-up
	// rule), sent, reconciled (found in Slack after an uncertain send),
	// failed (an attempt to retry), blocked.
	Steps *prometheus.CounterVec
	// Dispatch counts what passes did (sent, reply, reconciled, cancelled,
	// status_updated, rate_limited, uncertain, retried, blocked).
	Dispatch *prometheus.CounterVec
	// Errors counts sender errors by code.
	Errors *prometheus.CounterVec
	// Pruned counts rows deleted by retention.
	Pruned prometheus.Counter
	// Writer is 1 while this process holds the writer lease.
	Writer prometheus.Gauge
}

// NewMetrics creates the metrics and registers them with reg (nil: none).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Steps: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slabot_outbox_steps_total",
			Help: "Outbox rows by ladder level (report for reports) and event: recorded, skipped, sent, reconciled, failed, blocked.",
		}, []string{"level", "result"}),
		Dispatch: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slabot_slack_dispatch_total",
			Help: "Outbox rows handled by the dispatcher, by result (sent, reply, reconciled, cancelled, status_updated, rate_limited, uncertain, retried, blocked).",
		}, []string{"result"}),
		Errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slabot_slack_errors_total", Help: "Slack API errors by error code.",
		}, []string{"code"}),
		Pruned: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "slabot_outbox_pruned_total", Help: "Finished outbox rows deleted after the retention period.",
		}),
		Writer: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "slabot_writer_lease_held", Help: "1 while this process holds the database's writer lease (0: standby).",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.Steps, m.Dispatch, m.Errors, m.Pruned, m.Writer)
	}
	return m
}

func (m *Metrics) observe(r Pass) {
	for result, n := range map[string]int{"sent": r.Sent, "reply": r.Replies, "reconciled": r.Reconciled, "cancelled": r.Cancelled,
		"status_updated": r.Updated, "rate_limited": r.RateLimited, "uncertain": r.Uncertain, "retried": r.Retried, "blocked": r.Blocked} {
		if n > 0 {
			m.Dispatch.WithLabelValues(result).Add(float64(n))
		}
	}
	for code, n := range r.Errors {
		m.Errors.WithLabelValues(code).Add(float64(n))
	}
}

// Collector exposes the backlog at scrape time: rows by state (uncertain
// and blocked are subsets of the backlog), blocked rows by level, and the
// age of the oldest row not yet sent.
type Collector struct {
	o      *Outbox
	clock  clock.Clock
	rows   *prometheus.Desc
	oldest *prometheus.Desc
}

// NewCollector returns a collector for o; register it with the registry.
func NewCollector(o *Outbox) *Collector {
	return &Collector{o: o, clock: o.opt.Clock,
		rows:   prometheus.NewDesc("slabot_outbox_rows", "Outbox rows by state (pending and sending are the backlog; uncertain and blocked are subsets of it).", []string{"state"}, nil),
		oldest: prometheus.NewDesc("slabot_outbox_oldest_pending_seconds", "Seconds the oldest outbox row due and not yet sent has waited (a row recorded ahead of its instant counts from the instant).", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.rows
	ch <- c.oldest
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if counts, err := c.o.Counts(ctx); err == nil {
		for state, n := range counts {
			ch <- prometheus.MustNewConstMetric(c.rows, prometheus.GaugeValue, float64(n), state)
		}
	}
	if t, ok, err := c.o.OldestPending(ctx); err == nil {
		age := 0.0
		if ok {
			age = c.clock.Now().Sub(t).Seconds()
		}
		ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, age)
	}
}
