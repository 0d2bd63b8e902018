package bot

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/robfig/cron/v3"
)

// TestReadiness: ready while fewer than three of a product's scheduled
// ticks passed since its last success; otherwise each failing product says
// why. Ticks of the product's own schedule count, so office-hours schedules
// stay ready over night.
type authRefused struct{}

func (authRefused) Error() string {
	return "jira: authentication failed (401) for account bot@example.com"
}
func (authRefused) ErrorCode() string { return "jira_auth_refused" }

func TestReadiness(t *testing.T) {
	now := time.Date(2026, 11, 10, 12, 0, 0, 0, time.UTC) // a Tuesday
	office, err := cron.ParseStandard("*/5 9-17 * * 1-5")
	if err != nil {
		t.Fatal(err)
	}
	scheds := map[string]cron.Schedule{"B": cron.Every(2 * time.Minute), "C": cron.Every(time.Minute), "O": office}
	for _, tc := range []struct {
		name  string
		hs    []Health
		at    time.Time
		ready bool
		want  string
	}{
		{"all recent", []Health{{Product: "A", LastSuccess: now.Add(-time.Minute)}, {Product: "B", LastSuccess: now.Add(-5 * time.Minute)}}, now, true, "B: ok, last success 5m0s ago"},
		{"one stale", []Health{{Product: "A", LastSuccess: now.Add(-time.Minute)}, {Product: "B", LastSuccess: now.Add(-6 * time.Minute), LastError: errors.New("fetch HYD: 503")}}, now, false, "B: last success 6m0s ago, 3 or more scheduled cycles since (last error: error (see the log))"},
		{"never ran", []Health{{Product: "A"}}, now, false, "A: no successful cycle yet"},
		// "/readyz shows product, state and error class, not raw error
		// text": the account e-mail in the error's text stays in the log.
		{"class only", []Health{{Product: "A", LastError: fmt.Errorf("fetch: %w", authRefused{})}}, now, false,
			"A: no successful cycle yet (last error: jira_auth_refused)"},
		{"own schedule", []Health{{Product: "C", LastSuccess: now.Add(-3 * time.Minute)}}, now, false, "C: last success 3m0s ago"},
		// Friday 17:55 was the last tick of the week: Monday 08:00 is fine.
		{"office hours, weekend", []Health{{Product: "O", LastSuccess: time.Date(2026, 11, 13, 17, 55, 0, 0, time.UTC)}},
			time.Date(2026, 11, 16, 8, 0, 0, 0, time.UTC), true, "O: ok"},
		{"office hours, Monday", []Health{{Product: "O", LastSuccess: time.Date(2026, 11, 13, 17, 55, 0, 0, time.UTC)}},
			time.Date(2026, 11, 16, 9, 10, 0, 0, time.UTC), false, "O: last success"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ready, lines := readiness(tc.hs, scheds, tc.at)
			if ready != tc.ready {
				t.Errorf("ready = %v, want %v (%v)", ready, tc.ready, lines)
			}
			if !strings.Contains(strings.Join(lines, "\n"), tc.want) {
				t.Errorf("lines %q lack %q", lines, tc.want)
			}
		})
	}
}
