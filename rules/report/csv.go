package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"time"
)

// WriteCSV renders one row per issue with every figure the report computed
// for it, for spreadsheets: instants in RFC 3339 in the policy's zone,
// durations in whole minutes (rounded), hours with two decimals (as the
// engine writes the Jira billing field), booleans as true/false. Goal
// columns repeat per policy goal, prefixed with the goal's name.
func (r *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	head := []string{"product", "period", "key", "summary", "customer", "plan", "priority", "type", "status",
		"created", "resolved", "opened_in_period", "resolved_in_period"}
	for _, g := range r.Goals {
		for _, c := range []string{"cycle", "cycles_in_period", "state", "counted", "priority", "target_min", "start", "stop", "deadline",
			"business_min", "wall_min", "overdue_min", "overdue_wall_min"} {
			head = append(head, g.Name+"_"+c)
		}
	}
	head = append(head, "credit_month", "credit_number", "credit_day_number", "credit_charged", "credit_daily_cap", "credit_over_quota",
		"unregistered_person", "review", "billable_hours_total", "after_hours_total_min", "billable_hours_period", "after_hours_period_min", "flags")
	if err := cw.Write(head); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	for _, row := range r.Issues {
		rec := []string{r.Product, r.Period.String(), row.Key, row.Summary, row.Customer, row.Plan, row.Priority, row.Type, row.Status,
			r.csvTime(row.Created), r.csvTime(row.Resolved), csvBool(row.Opened), csvBool(row.Closed)}
		for _, g := range row.Goals {
			target := ""
			if g.Target > 0 {
				target = csvMin(g.Target)
			}
			started := g.Cycle > 0
			rec = append(rec, fmt.Sprint(g.Cycle), fmt.Sprint(g.Cycles), string(g.State), g.Counted, g.Priority, target,
				r.csvTime(g.Start), r.csvTime(g.Stop), r.csvTime(g.Deadline),
				csvMinIf(started, g.Business), csvMinIf(started, g.Wall), csvMinIf(started && g.Target > 0, g.Overdue),
				csvMinIf(started && g.Target > 0, g.OverdueWall))
		}
		c := row.Credit
		if c != nil {
			rec = append(rec, c.Month, fmt.Sprint(c.Number), fmt.Sprint(c.DayNumber), csvBool(c.Charged), csvBool(c.DailyCap), csvBool(c.OverQuota))
		} else {
			rec = append(rec, "", "", "", "", "", "")
		}
		rec = append(rec, csvBool(row.Unregistered), csvBool(row.Review),
			fmtHours(row.BillableHours), csvMin(row.AfterHours), fmtHours(row.PeriodHours), csvMin(row.PeriodAfterHours),
			strings.Join(row.Flags, " "))
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

func (r *Report) csvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(r.Location).Format(time.RFC3339)
}

func csvBool(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func csvMin(d time.Duration) string { return fmt.Sprint(int64(d.Round(time.Minute) / time.Minute)) }

func csvMinIf(ok bool, d time.Duration) string {
	if !ok {
		return ""
	}
	return csvMin(d)
}
