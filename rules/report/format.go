package report

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Fixed number and time formats shared by the renderers, so the same report
// always renders to the same bytes.

// fmtDur shows a duration rounded to the minute: "45m", "1h 05m",
// "26h 00m". Business durations are never shown in days: a business day's
// length depends on the calendar, so hours avoid a second unit to explain.
func fmtDur(d time.Duration) string {
	neg := d < 0
	if neg {
		d = -d
	}
	m := int64(d.Round(time.Minute) / time.Minute)
	if m == 0 && d > 0 {
		// Issue 25: a 92 ms breach read "over by 0m", as if there were none.
		return "<1m"
	}
	s := fmt.Sprintf("%dm", m)
	if m >= 60 {
		s = fmt.Sprintf("%dh %02dm", m/60, m%60)
	}
	if neg && m > 0 {
		return "-" + s
	}
	return s
}

// fmtDist shows a distribution figure, or "-" without values.
func fmtDist(n int, d time.Duration) string {
	if n == 0 {
		return "-"
	}
	return fmtDur(d)
}

func fmtShare(s Stats) string {
	v, ok := s.Share()
	if !ok {
		return "-"
	}
	return fmtPercent(v)
}

func fmtPercent(v float64) string { return fmt.Sprintf("%.1f%%", 100*v) }

func fmtHours(h float64) string { return fmt.Sprintf("%.2f", h) }

// fmtTime shows an instant in the report's zone to the minute.
func (r *Report) fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(r.Location).Format("2006-01-02 15:04")
}

func (r *Report) fmtDate(t time.Time) string { return t.In(r.Location).Format("2006-01-02") }

// zoneLabel is the zone's name with its abbreviation at the period start:
// "Europe/Moscow (MSK)".
func (r *Report) zoneLabel() string {
	abbr, _ := r.Start.Zone()
	if abbr == r.Location.String() || strings.HasPrefix(abbr, "+") || strings.HasPrefix(abbr, "-") {
		_, off := r.Start.Zone()
		return fmt.Sprintf("%s (UTC%+03d:%02d)", r.Location, off/3600, abs(off%3600)/60)
	}
	return fmt.Sprintf("%s (%s)", r.Location, abbr)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// week is a week's label: its first and last day.
func (r *Report) weekLabel(w Week) string {
	last := w.To.Add(-time.Nanosecond)
	return r.fmtDate(w.From) + " to " + r.fmtDate(last)
}

func (r *Report) weekShort(w Week) string { return w.From.In(r.Location).Format("Jan 2") }

func deltaInt(prev, cur int) string {
	if cur == prev {
		return "0"
	}
	return fmt.Sprintf("%+d", cur-prev)
}

// status says whether the period is over.
func (r *Report) status() string {
	if r.Complete {
		return "complete"
	}
	return "in progress, figures as of " + r.fmtTime(r.AsOf)
}

func deltaShare(prev, cur Stats) string {
	p, okp := prev.Share()
	c, okc := cur.Share()
	if !okp || !okc {
		return "-"
	}
	return fmt.Sprintf("%+.1f pp", 100*(c-p))
}

func deltaDur(pn int, prev time.Duration, cn int, cur time.Duration) string {
	if pn == 0 || cn == 0 {
		return "-"
	}
	d := (cur - prev).Round(time.Minute)
	if d == 0 {
		return "0m"
	}
	if d > 0 {
		return "+" + fmtDur(d)
	}
	return fmtDur(d)
}

func deltaHours(prev, cur float64) string {
	d := cur - prev
	if math.Abs(d) < 0.005 {
		return "0.00"
	}
	return fmt.Sprintf("%+.2f", d)
}

// goalTitle is the goal's title, or its name without one.
func (r *Report) goalTitle(name string) string {
	for _, g := range r.Goals {
		if g.Name == name {
			if g.Title != "" {
				return g.Title
			}
			return g.Name
		}
	}
	return name
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func allowance(n int) string {
	if n == 0 {
		return "unlimited"
	}
	return fmt.Sprint(n)
}

// comparison is the rows of the "compared with the previous period" table:
// label, previous, current, change.
func (r *Report) comparison(s *Section) [][4]string {
	p, c := &s.Previous, &s.Current
	rows := [][4]string{
		{"Issues opened", fmt.Sprint(p.Opened), fmt.Sprint(c.Opened), deltaInt(p.Opened, c.Opened)},
		{"Issues resolved", fmt.Sprint(p.Resolved), fmt.Sprint(c.Resolved), deltaInt(p.Resolved, c.Resolved)},
	}
	for i, g := range r.Goals {
		pg, cg := p.Goals[i].All, c.Goals[i].All
		t := r.goalTitle(g.Name)
		if g.HasTarget {
			rows = append(rows, [4]string{t + ": share met", fmtShare(pg), fmtShare(cg), deltaShare(pg, cg)})
			rows = append(rows, [4]string{t + ": breaches", fmt.Sprint(pg.Breached), fmt.Sprint(cg.Breached), deltaInt(pg.Breached, cg.Breached)})
		}
		rows = append(rows, [4]string{t + ": median (business)", fmtDist(pg.Business.N, pg.Business.Median), fmtDist(cg.Business.N, cg.Business.Median),
			deltaDur(pg.Business.N, pg.Business.Median, cg.Business.N, cg.Business.Median)})
	}
	if r.HasCredits {
		rows = append(rows, [4]string{"Credits charged", fmt.Sprint(p.Credit.Charged), fmt.Sprint(c.Credit.Charged), deltaInt(p.Credit.Charged, c.Credit.Charged)})
		refusedP, refusedC := p.Credit.DailyCapHits+p.Credit.OverQuota, c.Credit.DailyCapHits+c.Credit.OverQuota
		rows = append(rows, [4]string{"Requests beyond the plan", fmt.Sprint(refusedP), fmt.Sprint(refusedC), deltaInt(refusedP, refusedC)})
	}
	if r.HasBilling {
		rows = append(rows, [4]string{"Support hours billed", fmtHours(p.Credit.BillableHours), fmtHours(c.Credit.BillableHours), deltaHours(p.Credit.BillableHours, c.Credit.BillableHours)})
	}
	if r.HasReview {
		rows = append(rows, [4]string{"Review-rule days", fmt.Sprint(len(p.Credit.ReviewDays)), fmt.Sprint(len(c.Credit.ReviewDays)), deltaInt(len(p.Credit.ReviewDays), len(c.Credit.ReviewDays))})
	}
	return rows
}

// explanation says how to read the figures; every format carries it, so a
// customer reading a printout knows what "met" means.
func (r *Report) explanation() []string {
	return []string{
		"Share met counts each goal's clock once, in the period its outcome was settled: met when it stopped within the target, breached when its deadline passed (whether it has stopped since or not).",
		"Times are over the clocks that stopped in the period: business time on the target's calendar with pauses left out, and wall-clock time from start to stop.",
		"Median and 90th percentile use the nearest-rank method: the value at rank ceil(p x n) of the n sorted times, always an observed time.",
		"Credits and review days are counted per calendar month in " + r.Location.String() + " by the day each issue was opened; support hours by the day the work was logged, with work outside business hours billed at the policy's multiplier.",
	}
}
