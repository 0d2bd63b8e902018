package main

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/slabot/slabot/connectors/slack"
)

// slackMetrics turns the dispatcher's per-pass reports into Prometheus
// counters: what reached Slack, and every Slack error by code, so an
// uninvited bot (not_in_channel) or a revoked token (invalid_auth) shows on
// a dashboard and not only in the log.
type slackMetrics struct {
	results *prometheus.CounterVec
	errors  *prometheus.CounterVec
}

func newSlackMetrics(reg prometheus.Registerer) *slackMetrics {
	m := &slackMetrics{
		results: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slabot_slack_dispatch_total",
			Help: "Outbox rows handled by the Slack dispatcher, by result (sent, reply, reconciled, cancelled, status_updated, rate_limited, uncertain, retried, blocked).",
		}, []string{"result"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slabot_slack_errors_total", Help: "Slack API errors by error code.",
		}, []string{"code"}),
	}
	reg.MustRegister(m.results, m.errors)
	return m
}

func (m *slackMetrics) observe(r slack.Report) {
	if m == nil {
		return
	}
	for result, n := range map[string]int{"sent": r.Sent, "reply": r.Replies, "reconciled": r.Reconciled, "cancelled": r.Cancelled,
		"status_updated": r.Updated, "rate_limited": r.RateLimited, "uncertain": r.Uncertain, "retried": r.Retried, "blocked": r.Blocked} {
		if n > 0 {
			m.results.WithLabelValues(result).Add(float64(n))
		}
	}
	for code, n := range r.Errors {
		m.errors.WithLabelValues(code).Add(float64(n))
	}
}
