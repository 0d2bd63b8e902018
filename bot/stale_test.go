package bot

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/rulestest"
)

// "slabot check warns, and a metric counts, when a calendar depends on
// dated entries or a feed and has none for the current or next year; the
// daemon logs it once a day" (issue 13). Hydra's decree days are dated
// through 2026 (the 2027 decree could not be read): in December 2026 its
// calendar misses 2027; Sanarise's feasts run through 2030 and are
// current.
func TestStaleCalendarsGaugedAndLoggedDaily(t *testing.T) {
	hydra, sanarise := rptPolicy(t, "hydra"), rptPolicy(t, "sanarise")
	var logs bytes.Buffer
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	w, err := New(Config{Policies: []*rules.Policy{hydra, sanarise}, Source: rptSource{}, Writer: rptNop{}, Escalator: rptNop{},
		Cursors: rptNop{}, Metrics: m, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	cycle := func(at string) {
		t.Helper()
		now := rulestest.RFC3339(t, at)
		for _, p := range w.Products() {
			if _, err := w.Cycle(context.Background(), p, now); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, at := range []string{"2026-12-02T09:00:00Z", "2026-12-02T09:02:00Z", "2026-12-02T20:59:00Z"} {
		cycle(at) // 20:59 UTC is still 2 December in Moscow
	}
	if n := strings.Count(logs.String(), "calendar data is stale"); n != 1 {
		t.Fatalf("%d stale-data log lines on one day, want 1:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "product=\"Hydra Billing Support\" calendar=business missing_years=[2027]") {
		t.Errorf("the log line does not name Hydra's calendar and 2027:\n%s", logs.String())
	}
	if got := gaugeValue(t, reg, hydra.Product, "business"); got != 1 {
		t.Errorf("hydra business gauge %v, want 1 (2027)", got)
	}
	if got := gaugeValue(t, reg, sanarise.Product, "business"); got != 0 {
		t.Errorf("sanarise business gauge %v, want 0", got)
	}
	cycle("2026-12-02T21:01:00Z") // 3 December in Moscow: said again
	if n := strings.Count(logs.String(), "calendar data is stale"); n != 2 {
		t.Errorf("%d stale-data log lines over two days, want 2", n)
	}
}

// gaugeValue reads slabot_calendar_stale_years for one calendar as a
// scrape would.
func gaugeValue(t *testing.T, reg *prometheus.Registry, product, calendar string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "slabot_calendar_stale_years" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["product"] == product && labels["calendar"] == calendar {
				return m.GetGauge().GetValue()
			}
		}
	}
	t.Fatalf("no slabot_calendar_stale_years{product=%q, calendar=%q}", product, calendar)
	return 0
}
