package main

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/slabot/slabot/connectors/jira"
	"github.com/slabot/slabot/rules/clock"
)

// connectorCollector exposes the Jira client's own counters at scrape
// time: requests by endpoint and status.
type connectorCollector struct {
	jira     *jira.Client
	requests *prometheus.Desc
	skipped  *prometheus.Desc
	withheld *prometheus.Desc
}

func newConnectorCollector(j *jira.Client) *connectorCollector {
	return &connectorCollector{jira: j,
		requests: prometheus.NewDesc("slabot_jira_requests_total", "Jira REST requests by method, endpoint and HTTP status (0: no response).", []string{"method", "endpoint", "status"}, nil),
		skipped: prometheus.NewDesc("slabot_jira_skipped_total", "Projects and issues polls left out, by reason (project_unavailable, issue_gone, issue_unreadable) and project.",
			[]string{"reason", "project"}, nil),
		withheld: prometheus.NewDesc("slabot_jira_internal_comments_withheld_total",
			"Internal comments not posted because Jira refused to restrict them (outside Jira Service Management), by project: slabot never posts them unrestricted.",
			[]string{"project"}, nil),
	}
}

func (c *connectorCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.requests
	ch <- c.skipped
	ch <- c.withheld
}

func (c *connectorCollector) Collect(ch chan<- prometheus.Metric) {
	for k, n := range c.jira.RequestCounts() {
		ch <- prometheus.MustNewConstMetric(c.requests, prometheus.CounterValue, float64(n), k.Method, k.Endpoint, strconv.Itoa(k.Status))
	}
	for k, n := range c.jira.Skipped() {
		ch <- prometheus.MustNewConstMetric(c.skipped, prometheus.CounterValue, float64(n), k.Reason, k.Project)
	}
	for k, n := range c.jira.Withheld() {
		ch <- prometheus.MustNewConstMetric(c.withheld, prometheus.CounterValue, float64(n), k.Project)
	}
}

// healthHandler serves /healthz (the process is up), /readyz (ready: Slack
// verified, then the worker's bot.Worker.Ready: writing, connected, no
// product three cycles behind) and /metrics.
//
// With a webhook handler (SLABOT_JIRA_WEBHOOK_SECRET set) it also takes
// Jira's admin webhook at POST /jira/webhook. With a page (bot/view,
// behind its Guard) it serves the board at / and an issue's page at
// /issue/{key}.
func healthHandler(ready func(time.Time) (bool, []string), reg *prometheus.Registry, c clock.Clock, webhook, page http.Handler) http.Handler {
	mux := http.NewServeMux()
	if page != nil {
		mux.Handle("GET /{$}", page)
		mux.Handle("GET /issue/{key}", page)
	}
	if webhook != nil {
		mux.Handle("POST /jira/webhook", webhook)
	}
	mux.HandleFunc("GET /healthz", func(rw http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(rw, "ok")
	})
	mux.HandleFunc("GET /readyz", func(rw http.ResponseWriter, _ *http.Request) {
		ok, lines := ready(c.Now())
		if !ok {
			rw.WriteHeader(http.StatusServiceUnavailable)
		}
		fmt.Fprintln(rw, strings.Join(lines, "\n"))
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	return mux
}
