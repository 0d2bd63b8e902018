package main

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slabot/slabot/connectors/slack"
)

// A dispatch pass's report adds up in the counters, Slack error codes
// included.
func TestSlackMetricsCountReports(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := newSlackMetrics(reg)
	m.observe(slack.Report{Sent: 3, Replies: 1, Blocked: 2, Errors: map[string]int{"not_in_channel": 2}})
	m.observe(slack.Report{Sent: 1, RateLimited: 1, Errors: map[string]int{"not_in_channel": 1, "invalid_auth": 1}})
	var nilMetrics *slackMetrics
	nilMetrics.observe(slack.Report{Sent: 1}) // not counted, no panic

	got := map[string]float64{}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, mt := range mf.GetMetric() {
			key := mf.GetName()
			for _, l := range mt.GetLabel() {
				key += " " + l.GetValue()
			}
			got[key] = mt.GetCounter().GetValue()
		}
	}
	want := map[string]float64{
		"slabot_slack_dispatch_total sent": 4, "slabot_slack_dispatch_total reply": 1, "slabot_slack_dispatch_total blocked": 2,
		"slabot_slack_dispatch_total rate_limited": 1,
		"slabot_slack_errors_total not_in_channel": 3, "slabot_slack_errors_total invalid_auth": 1,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v (all: %v)", k, got[k], v, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("series %v, want exactly %v", got, want)
	}
}
