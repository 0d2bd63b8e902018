package report

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/slabot/slabot/rules"
)

// MonthlyDue is the scheduled delivery rule (policy key report.monthly):
// the report of the previous month falls due on the first working day of
// each month, at the first opening of the policy's default calendar at or
// after local midnight of the month's first day (in the policy's zone).
// For now it returns that previous month and the instant it falls due in
// now's month; the caller compares the instant with now.
//
// Sanarise (Europe/Istanbul, Mon-Fri 09:00-18:00): in November 2026 the
// October report is due Monday 2 November 09:00 +03; in August 2026, with
// 1 August a Saturday, Monday 3 August 09:00.
func MonthlyDue(p *rules.Policy, now time.Time) (Period, time.Time) {
	local := now.In(p.Location)
	cur := MonthPeriod(local.Year(), local.Month())
	start, _ := cur.Bounds(p.Location)
	due := start
	if p.DefaultCalendar != nil {
		due = p.DefaultCalendar.NextOpen(start)
	}
	return cur.Previous(), due
}

// Extension is the file name extension of a format: ".md", ".html", ".csv".
func (f Format) Extension() string {
	switch f {
	case Markdown:
		return ".md"
	case CSV:
		return ".csv"
	}
	return ".html"
}

// FileName is the name a delivered report file carries:
// "sla-report-SAN-2026-10.html". It is unique per project and period (the
// outbox reconciles an uncertain upload by it).
func FileName(project string, period Period, f Format) string {
	return "sla-report-" + project + "-" + period.String() + f.Extension()
}

// SharedFileName is FileName for a product that shares its first Jira
// project with another product: the product's name follows the project
// ("sla-report-SAN-sanarise-odoo-support-2026-10.html"), so each product's
// file has its own name and an uncertain upload is looked for by it, not
// mistaken for the other product's. Letters and digits are kept (lower
// case), every other run of characters is one dash.
func SharedFileName(project, product string, period Period, f Format) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(product) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
			continue
		}
		dash = true
	}
	return FileName(project+"-"+b.String(), period, f)
}

// Summary is the short message posted with the report file: the totals and
// each goal's share met, with the previous period for comparison (Slack
// mrkdwn, a few lines).
func (r *Report) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "*%s: SLA report for %s*\n", r.Product, r.Period.Title())
	cur, prev := r.Total.Current, r.Total.Previous
	fmt.Fprintf(&b, "Issues opened %d, resolved %d (%s: %d, %d).\n", cur.Opened, cur.Resolved, r.Previous.Title(), prev.Opened, prev.Resolved)
	var goals []string
	for _, g := range r.Goals {
		if !g.HasTarget {
			continue
		}
		var s Stats
		for _, gf := range cur.Goals {
			if gf.Goal == g.Name {
				s = gf.All
			}
		}
		if s.Settled() == 0 {
			goals = append(goals, fmt.Sprintf("%s: nothing settled", g.Title))
			continue
		}
		goals = append(goals, fmt.Sprintf("%s: %s met (%d of %d)", g.Title, fmtShare(s), s.Met, s.Settled()))
	}
	if len(goals) > 0 {
		b.WriteString(strings.Join(goals, "; ") + ".\n")
	}
	switch n := len(r.Total.Breaches); n {
	case 0:
		b.WriteString("No breaches.")
	case 1:
		b.WriteString("1 breach.")
	default:
		fmt.Fprintf(&b, "%d breaches.", n)
	}
	fmt.Fprintf(&b, " Per customer, breaches and credits in the attached report (%d customer(s)).", len(r.Customers))
	return b.String()
}
