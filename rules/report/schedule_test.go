package report

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slabot/slabot/rules"
)

// Sanarise: "Aylık Geri Bildirim Toplantıları ... Geçen ayın performansını
// ve destek etkileşimlerini gözden geçiririz." (Monthly feedback meetings:
// we review last month's performance.) The previous month's report falls
// due at the first opening of the default calendar in the new month.
func TestMonthlyDue(t *testing.T) {
	const ist = "Europe/Istanbul"
	cases := []struct {
		name   string
		policy string
		now    time.Time
		period string
		due    time.Time
	}{
		{"monday the 2nd", "sanarise", at(t, ist, "2026-11-15 12:00"), "2026-10", at(t, ist, "2026-11-02 09:00")},
		{"before the opening", "sanarise", at(t, ist, "2026-11-02 08:59"), "2026-10", at(t, ist, "2026-11-02 09:00")},
		// 22:00 UTC on 31 October is already 1 November in Istanbul.
		{"month in the policy's zone", "sanarise", utc(t, "2026-10-31T22:00:00Z"), "2026-10", at(t, ist, "2026-11-02 09:00")},
		{"1 August 2026 is a Saturday", "sanarise", at(t, ist, "2026-08-20 10:00"), "2026-07", at(t, ist, "2026-08-03 09:00")},
		// "Emek ve Dayanışma Günü" 1 May 2026 (a Friday) is a holiday.
		{"Labour Day", "sanarise", at(t, ist, "2026-05-04 09:00"), "2026-04", at(t, ist, "2026-05-04 09:00")},
		{"year boundary, New Year a Friday", "sanarise", at(t, ist, "2027-01-02 10:00"), "2026-12", at(t, ist, "2027-01-04 09:00")},
		{"Botron 06:00 GMT", "botron", utc(t, "2026-12-01T05:00:00Z"), "2026-11", utc(t, "2026-12-01T06:00:00Z")},
		{"Hydra 10:00 Moscow", "hydra", utc(t, "2026-11-30T22:00:00Z"), "2026-11", at(t, "Europe/Moscow", "2026-12-01 10:00")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			period, due := MonthlyDue(seed(t, tc.policy), tc.now)
			if period.String() != tc.period || !due.Equal(tc.due) {
				t.Errorf("MonthlyDue(%s) = %s due %s, want %s due %s", tc.now, period, due, tc.period, tc.due)
			}
		})
	}
}

func TestFileNameAndSummary(t *testing.T) {
	if got := FileName("SAN", MonthPeriod(2026, 10), HTML); got != "sla-report-SAN-2026-10.html" {
		t.Errorf("file name %q", got)
	}
	// Two products on one project: each file is named after its product
	// too (an uncertain upload is looked for by its name).
	for product, want := range map[string]string{
		"Sanarise Odoo Support":   "sla-report-SAN-sanarise-odoo-support-2026-10.csv",
		"  Şirket / Destek 24x7 ": "sla-report-SAN-şirket-destek-24x7-2026-10.csv",
	} {
		if got := SharedFileName("SAN", product, MonthPeriod(2026, 10), CSV); got != want {
			t.Errorf("SharedFileName(%q) = %q, want %q", product, got, want)
		}
	}
	p := seed(t, "sanarise")
	r := Build(p, nil, MonthPeriod(2026, 10), at(t, "Europe/Istanbul", "2026-11-02 09:00"), rules.Options{})
	s := r.Summary()
	for _, want := range []string{"*Sanarise Odoo Support: SLA report for October 2026*", "Issues opened 0, resolved 0 (September 2026: 0, 0).", "No breaches."} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q:\n%s", want, s)
		}
	}
}

// The summary's shares are the report's own figures.
func TestSummaryQuotesTheReport(t *testing.T) {
	r := hydraReport(t)
	s := r.Summary()
	for _, g := range r.Total.Current.Goals {
		if g.All.Settled() == 0 {
			continue
		}
		want := fmtShare(g.All) + " met (" + itoa(g.All.Met) + " of " + itoa(g.All.Settled()) + ")"
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %s's %q:\n%s", g.Goal, want, s)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
