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
	outbox   *prometheus.Desc
	oldest   *prometheus.Desc
}

func newConnectorCollector(j *jira.Client, s *store.Store) *connectorCollector {
	return &connectorCollector{jira: j, store: s,
		requests: prometheus.NewDesc("slabot_jira_requests_total", "Jira REST requests by method, endpoint and HTTP status (0: no response).", []string{"method", "endpoint", "status"}, nil),
		outbox:   prometheus.NewDesc("slabot_outbox_rows", "Outbox rows by state (pending and sending are the backlog; uncertain and blocked are subsets of it).", []string{"state"}, nil),
		oldest:   prometheus.NewDesc("slabot_outbox_oldest_pending_seconds", "Age of the oldest escalation not yet sent.", nil, nil),
	}
}

func (c *connectorCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.requests
	ch <- c.outbox
	ch <- c.oldest
}

func (c *connectorCollector) Collect(ch chan<- prometheus.Metric) {
	for k, n := range c.jira.RequestCounts() {
		ch <- prometheus.MustNewConstMetric(c.requests, prometheus.CounterValue, float64(n), k.Method, k.Endpoint, strconv.Itoa(k.Status))
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

// healthHandler serves /healthz (the process is up), /readyz (every
// product's last cycle succeeded within three of its intervals) and
// /metrics.
func healthHandler(w *bot.Worker, reg *prometheus.Registry, intervals map[string]time.Duration, now func() time.Time) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(rw http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(rw, "ok")
	})
	mux.HandleFunc("GET /readyz", func(rw http.ResponseWriter, _ *http.Request) {
		ready, lines := readiness(w.Health(), intervals, now())
		if !ready {
			rw.WriteHeader(http.StatusServiceUnavailable)
		}
		fmt.Fprintln(rw, strings.Join(lines, "\n"))
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	return mux
}

// readiness: ready when every product succeeded within three of its
// intervals (a product missing from intervals gets the default schedule's
// two minutes).
func readiness(hs []bot.Health, intervals map[string]time.Duration, now time.Time) (bool, []string) {
	ready := true
	var lines []string
	for _, h := range hs {
		interval, ok := intervals[h.Product]
		if !ok {
			interval = 2 * time.Minute
		}
		switch {
		case h.LastSuccess.IsZero():
			ready = false
			lines = append(lines, fmt.Sprintf("%s: no successful cycle yet%s", h.Product, errSuffix(h.LastError)))
		case now.Sub(h.LastSuccess) > 3*interval:
			ready = false
			lines = append(lines, fmt.Sprintf("%s: last success %s ago%s", h.Product, now.Sub(h.LastSuccess).Round(time.Second), errSuffix(h.LastError)))
		default:
			lines = append(lines, fmt.Sprintf("%s: ok, last success %s ago", h.Product, now.Sub(h.LastSuccess).Round(time.Second)))
		}
	}
	return ready, lines
}

func errSuffix(err error) string {
	if err == nil {
		return ""
	}
	return " (last error: " + err.Error() + ")"
}
