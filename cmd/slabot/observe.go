package main

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/robfig/cron/v3"

	"github.com/slabot/slabot/bot"
	"github.com/slabot/slabot/bot/store"
	"github.com/slabot/slabot/connectors/jira"
)

// connectorCollector exposes the connectors' own counters at scrape time:
// Jira requests by endpoint and status, and the outbox backlog.
type connectorCollector struct {
	jira  *jira.Client
	store *store.Store

	requests *prometheus.Desc
	skipped  *prometheus.Desc
	outbox   *prometheus.Desc
	oldest   *prometheus.Desc
}

func newConnectorCollector(j *jira.Client, s *store.Store) *connectorCollector {
	return &connectorCollector{jira: j, store: s,
		requests: prometheus.NewDesc("slabot_jira_requests_total", "Jira REST requests by method, endpoint and HTTP status (0: no response).", []string{"method", "endpoint", "status"}, nil),
		skipped: prometheus.NewDesc("slabot_jira_skipped_total", "Projects and issues polls left out, by reason (project_unavailable, issue_gone, issue_unreadable) and project.",
			[]string{"reason", "project"}, nil),
		outbox: prometheus.NewDesc("slabot_outbox_rows", "Outbox rows by state (pending and sending are the backlog; uncertain and blocked are subsets of it).", []string{"state"}, nil),
		oldest: prometheus.NewDesc("slabot_outbox_oldest_pending_seconds", "Age of the oldest escalation not yet sent.", nil, nil),
	}
}

func (c *connectorCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.requests
	ch <- c.skipped
	ch <- c.outbox
	ch <- c.oldest
}

func (c *connectorCollector) Collect(ch chan<- prometheus.Metric) {
	for k, n := range c.jira.RequestCounts() {
		ch <- prometheus.MustNewConstMetric(c.requests, prometheus.CounterValue, float64(n), k.Method, k.Endpoint, strconv.Itoa(k.Status))
	}
	for k, n := range c.jira.Skipped() {
		ch <- prometheus.MustNewConstMetric(c.skipped, prometheus.CounterValue, float64(n), k.Reason, k.Project)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if counts, err := c.store.Counts(ctx); err == nil {
		for state, n := range counts {
			ch <- prometheus.MustNewConstMetric(c.outbox, prometheus.GaugeValue, float64(n), state)
		}
	}
	if t, ok, err := c.store.OldestPending(ctx); err == nil {
		age := 0.0
		if ok {
			age = time.Since(t).Seconds()
		}
		ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, age)
	}
}

// healthHandler serves /healthz (the process is up), /readyz (no product
// missed three of its scheduled cycles) and /metrics.
func healthHandler(w *bot.Worker, reg *prometheus.Registry, scheds map[string]cron.Schedule, now func() time.Time) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(rw http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(rw, "ok")
	})
	mux.HandleFunc("GET /readyz", func(rw http.ResponseWriter, _ *http.Request) {
		ready, lines := readiness(w.Health(), scheds, now())
		if !ready {
			rw.WriteHeader(http.StatusServiceUnavailable)
		}
		fmt.Fprintln(rw, strings.Join(lines, "\n"))
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	return mux
}

// missedAllowed is how many scheduled cycles may pass after a product's
// last success before it is not ready.
const missedAllowed = 3

// readiness: ready when, for every product, fewer than three of its
// scheduled ticks passed since its last successful cycle. Counting ticks
// of the product's own schedule, rather than multiplying one interval,
// keeps a schedule such as "*/5 9-17 * * 1-5" ready over night and at
// weekends. A product missing from scheds has the default @every 2m.
func readiness(hs []bot.Health, scheds map[string]cron.Schedule, now time.Time) (bool, []string) {
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
	return " (last error: " + err.Error() + ")"
}
