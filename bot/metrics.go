package bot

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the worker's Prometheus metrics. The outbox has its own
// (bot/outbox.Metrics); the Jira client's request counts are collected by
// cmd/slabot.
type Metrics struct {
	CycleDuration *prometheus.HistogramVec
	Cycles        *prometheus.CounterVec
	Writes        *prometheus.CounterVec
	Issues        *prometheus.GaugeVec
	Escalations   *prometheus.CounterVec
	LastSuccess   *prometheus.GaugeVec
	// StaleCalendars counts, per calendar, the years (this one and the
	// next) its dated holidays do not cover: deadlines in them ignore the
	// lunar feasts or decree days nobody typed in yet.
	StaleCalendars *prometheus.GaugeVec
	// FeedRefreshes counts holiday feed reloads by result (ok, failed).
	FeedRefreshes *prometheus.CounterVec
	// FieldRefusals counts the fields Jira refused to set on an issue (not
	// on the edit screen, option missing, wrong type); the rest of the
	// issue's write went through.
	FieldRefusals *prometheus.CounterVec
	// Clicks counts presses of the Slack buttons by product, action and
	// result (recorded, repeated: the same fact already stored, refused:
	// not a member of the ladder's channels or groups, error: not stored,
	// the person is asked to try again). A support manager sees whether
	// the buttons are used and whether the wrong people are pressing them.
	Clicks *prometheus.CounterVec
}

// NewMetrics creates the metrics and registers them with reg (nil: none).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		CycleDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "slabot_cycle_duration_seconds", Help: "Duration of one product cycle.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120},
		}, []string{"product"}),
		Cycles: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slabot_cycles_total", Help: "Product cycles by outcome (ok, partial: some writes failed, error).",
		}, []string{"product", "outcome"}),
		Writes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slabot_issue_writes_total", Help: "Issue change sets written to Jira, by result.",
		}, []string{"product", "result"}),
		Issues: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "slabot_open_issues", Help: "Open issues by state: the first goal still running (running, paused, breached), else the first stopped one (met, breached), else no_target.",
		}, []string{"product", "state"}),
		Escalations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slabot_escalations_total", Help: "Ladder steps newly recorded in the outbox (a step offered again is not counted), by level and result.",
		}, []string{"product", "level", "result"}),
		LastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "slabot_last_success_timestamp_seconds", Help: "When the product's last cycle succeeded.",
		}, []string{"product"}),
		StaleCalendars: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "slabot_calendar_stale_years", Help: "Years (this and next) a calendar's dated holidays do not cover; 0 when current.",
		}, []string{"product", "calendar"}),
		FeedRefreshes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slabot_feed_refresh_total", Help: "Holiday feed reloads by result (ok, failed: the last good copy stays).",
		}, []string{"feed", "result"}),
		FieldRefusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slabot_field_refusals_total", Help: "Fields Jira refused to set on an issue (not on the edit screen, option missing, wrong type), by policy field name; the issue's other fields, labels and comments were written.",
		}, []string{"product", "field"}),
		Clicks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slabot_clicks_total", Help: "Presses of the Slack buttons, by product, action (acknowledge, claim, snooze) and result (recorded, repeated, refused, error).",
		}, []string{"product", "action", "result"}),
	}
	if reg != nil {
		reg.MustRegister(m.CycleDuration, m.Cycles, m.Writes, m.Issues, m.Escalations, m.LastSuccess, m.StaleCalendars, m.FeedRefreshes, m.FieldRefusals, m.Clicks)
	}
	return m
}
