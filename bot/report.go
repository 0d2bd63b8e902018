package bot

import (
	"bytes"
	"context"
	"slices"
	"time"

	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/report"
)

// ReportWindow is how long after it falls due a monthly report is still
// delivered: a slabot that was down on the first working day catches up,
// one started weeks later does not post stale reports.
const ReportWindow = 7 * 24 * time.Hour

// DefaultKeep is how long closed issues stay cached by default: the
// current month's credits and the Slack threads of recently met goals.
const DefaultKeep = 35 * 24 * time.Hour

// ReportKeep is the default cache span of a product with a monthly report:
// the whole previous month (31 days) until the report's window closes,
// even when the first working day comes late (New Year's holidays run to
// 8 January in Russia): 31 + 8 + 7 = 46 days, with two weeks to spare for
// longer closures.
const ReportKeep = 62 * 24 * time.Hour

// monthlyReport hands the previous month's report to the Reporter once it
// is due (report.MonthlyDue: the first opening of the default calendar in
// the month) and for ReportWindow after. The Reporter is idempotent; the
// worker also remembers what it handed over so it renders the report once
// per process, not every cycle.
//
// The report is built from the cache, which holds every open issue and
// the closed ones updated within the product's keep (ReportKeep by
// default). That covers the previous month completely only while now is
// within keep of its first day, so past that (with a shorter Config.Keep)
// the delivery is skipped with a warning (write the report with `slabot
// report`, which reads Jira). The previous month's own comparison figures
// (the month before it) come from the same cache and may be partial.
func (w *Worker) monthlyReport(ctx context.Context, pr *product, issues []rules.Issue, now time.Time, account string) {
	p := pr.policy
	if w.cfg.Reporter == nil || !p.Report.Monthly || len(p.Projects) == 0 {
		return
	}
	period, due := report.MonthlyDue(p, now)
	key := period.String()
	if now.Before(due) || !now.Before(due.Add(ReportWindow)) || pr.reported[key] {
		return
	}
	log := w.log.With("product", p.Product, "period", key, "channel", p.Report.Channel)
	if start, _ := period.Bounds(p.Location); now.Sub(start) > pr.keep {
		pr.reported[key] = true
		log.Warn("monthly report not delivered: the issue cache no longer covers the whole month; write it with slabot report",
			"due", due, "keep", pr.keep)
		return
	}
	r := report.Build(p, issues, period, now, rules.Options{BotAccountID: account})
	format := report.Format(p.Report.Format)
	var buf bytes.Buffer
	if err := r.Write(&buf, format); err != nil {
		pr.reported[key] = true // the same data would fail again
		log.Error("monthly report could not be rendered", "err", err)
		return
	}
	d := rules.ReportDelivery{
		Product: p.Product, Project: p.Projects[0], Period: key, Title: period.Title(), Channel: p.Report.Channel,
		FileName: report.FileName(p.Projects[0], period, format), Content: buf.Bytes(), Summary: r.Summary(), DueAt: due,
	}
	if w.sharesProject(p) {
		d.FileName = report.SharedFileName(p.Projects[0], p.Product, period, format)
	}
	if w.cfg.DryRun {
		pr.reported[key] = true
		log.Info("dry run: would post the monthly report", "file", d.FileName, "bytes", len(d.Content))
		return
	}
	if err := w.cfg.Reporter.DeliverReport(ctx, now, d); err != nil {
		log.Warn("monthly report not handed over; retrying next cycle", "err", err)
		return
	}
	pr.reported[key] = true
	log.Info("monthly report handed over for delivery", "file", d.FileName, "bytes", len(d.Content), "issues", len(r.Issues))
}

// sharesProject reports whether another product of this worker names p's
// first project (the report's file is then named after the product too).
func (w *Worker) sharesProject(p *rules.Policy) bool {
	for _, q := range w.cfg.Policies {
		if q != p && slices.Contains(q.Projects, p.Projects[0]) {
			return true
		}
	}
	return false
}
