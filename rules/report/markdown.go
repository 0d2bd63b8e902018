package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// WriteMarkdown renders the report as GitHub-flavoured Markdown: headings,
// pipe tables and no HTML, so it reads the same on GitHub, in a chat
// attachment or as plain text.
func (r *Report) WriteMarkdown(w io.Writer) error {
	bw := bufio.NewWriter(w)
	m := &mdWriter{w: bw}
	r.markdown(m)
	if m.err != nil {
		return fmt.Errorf("write markdown: %w", m.err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write markdown: %w", err)
	}
	return nil
}

type mdWriter struct {
	w   *bufio.Writer
	err error
}

func (m *mdWriter) line(format string, args ...any) {
	if m.err != nil {
		return
	}
	_, m.err = fmt.Fprintf(m.w, format+"\n", args...)
}

// table writes a pipe table; align holds "l" or "r" per column. With
// boldLast the last row (a total) is set in bold.
func (m *mdWriter) table(head []string, align string, rows [][]string, boldLast ...bool) {
	m.line("| %s |", strings.Join(mdCells(head), " | "))
	seps := make([]string, len(head))
	for i := range seps {
		seps[i] = "---"
		if i < len(align) && align[i] == 'r' {
			seps[i] = "--:"
		}
	}
	m.line("| %s |", strings.Join(seps, " | "))
	for i, row := range rows {
		cells := mdCells(row)
		if i == len(rows)-1 && len(boldLast) > 0 && boldLast[0] {
			for j, c := range cells {
				if c != "" && c != "-" {
					cells[j] = "**" + c + "**"
				}
			}
		}
		m.line("| %s |", strings.Join(cells, " | "))
	}
	m.line("")
}

func mdCells(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = mdEscape(c)
	}
	return out
}

// mdEscape keeps text from issue summaries from breaking a table or turning
// into markup.
func mdEscape(s string) string {
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
	var b strings.Builder
	for _, c := range s {
		switch c {
		case '|', '\\', '*', '_', '`', '[', ']', '<', '>', '#':
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func (r *Report) markdown(m *mdWriter) {
	m.line("# %s: SLA report, %s", mdEscape(r.Product), r.Period.Title())
	m.line("")
	m.line("- Period: %s to %s, %s; %s", r.fmtTime(r.Start), r.fmtTime(r.End), r.zoneLabel(), r.status())
	m.line("- Compared with: %s", r.Previous.Title())
	m.line("- Policy: `%s`", r.PolicyFile)
	m.line("")
	m.line("## Summary")
	m.line("")
	r.mdSummary(m)
	if len(r.Customers) != 1 || r.Customers[0].Customer != r.Total.Customer {
		m.line("### Compliance by week")
		m.line("")
		r.mdWeeks(m, &r.Total)
		m.line("### Response times")
		m.line("")
		r.mdHistogram(m, &r.Total)
	}
	for i := range r.Customers {
		r.mdCustomer(m, &r.Customers[i])
	}
	m.line("## How to read this report")
	m.line("")
	for _, s := range r.explanation() {
		m.line("- %s", s)
	}
}

func (r *Report) summaryHead() ([]string, string) {
	head := []string{"Customer", "Plan", "Opened", "Resolved"}
	align := "llrr"
	for _, g := range r.Goals {
		if g.HasTarget {
			head = append(head, r.goalTitle(g.Name)+" met")
			align += "r"
		}
	}
	head = append(head, "Breaches")
	align += "r"
	if r.HasCredits {
		head = append(head, "Credits")
		align += "r"
	}
	if r.HasBilling {
		head = append(head, "Support hours")
		align += "r"
	}
	return head, align
}

func (r *Report) summaryRow(s *Section, total bool) []string {
	c := &s.Current
	row := []string{s.Customer, orDash(s.Plan), fmt.Sprint(c.Opened), fmt.Sprint(c.Resolved)}
	breaches := 0
	for i, g := range r.Goals {
		breaches += c.Goals[i].All.Breached
		if g.HasTarget {
			row = append(row, fmtShare(c.Goals[i].All))
		}
	}
	row = append(row, fmt.Sprint(breaches))
	if r.HasCredits {
		switch {
		case total || c.Credit.Allowance == 0 || len(c.Credits) != 1:
			row = append(row, fmt.Sprint(c.Credit.Charged))
		default:
			row = append(row, fmt.Sprintf("%d of %d", c.Credit.Charged, c.Credit.Allowance))
		}
	}
	if r.HasBilling {
		row = append(row, fmtHours(c.Credit.BillableHours))
	}
	return row
}

func (r *Report) mdSummary(m *mdWriter) {
	head, align := r.summaryHead()
	var rows [][]string
	for i := range r.Customers {
		rows = append(rows, r.summaryRow(&r.Customers[i], false))
	}
	if len(r.Customers) != 1 {
		rows = append(rows, r.summaryRow(&r.Total, true))
	}
	if len(r.Customers) == 0 {
		m.line("No issues in this period.")
		m.line("")
		return
	}
	m.table(head, align, rows, len(r.Customers) != 1)
}

func (r *Report) mdCustomer(m *mdWriter, s *Section) {
	m.line("## %s", mdEscape(s.Customer))
	m.line("")
	plan := ""
	if s.Plan != "" {
		plan = "Plan " + mdEscape(s.Plan) + ". "
	}
	m.line("%sOpened %d issues (%s: %d), resolved %d (%s: %d).", plan,
		s.Current.Opened, r.Previous.Title(), s.Previous.Opened, s.Current.Resolved, r.Previous.Title(), s.Previous.Resolved)
	m.line("")
	m.line("### Service levels")
	m.line("")
	m.table(r.levelsHead(), "llrrrrrrrr", r.levelsRows(s))
	m.line("### Breaches")
	m.line("")
	if len(s.Breaches) == 0 {
		m.line("No breaches.")
		m.line("")
	} else {
		m.table([]string{"Issue", "Summary", "Goal", "Priority", "Deadline", "Stopped", "Overdue (business)", "Overdue (wall)"}, "llllllrr", r.breachRows(s))
	}
	if r.HasCredits || r.HasBilling || r.HasReview {
		m.line("### Credits and hours")
		m.line("")
		head, align, rows := r.creditTable(s)
		if len(rows) == 0 {
			m.line("No requests in this period.")
			m.line("")
		} else {
			m.table(head, align, rows)
		}
		if ps := s.Current.Credit.UnregisteredPersons; len(ps) > 0 {
			m.line("Requests from persons who are not registered: %s.", mdEscape(strings.Join(ps, ", ")))
			m.line("")
		}
		if ds := s.Current.Credit.ReviewDays; len(ds) > 0 {
			m.line("Days over the review rule: %s.", strings.Join(ds, ", "))
			m.line("")
		}
	}
	m.line("### Compliance by week")
	m.line("")
	r.mdWeeks(m, s)
	m.line("### Response times")
	m.line("")
	r.mdHistogram(m, s)
	m.line("### Compared with %s", r.Previous.Title())
	m.line("")
	var rows [][]string
	for _, c := range r.comparison(s) {
		rows = append(rows, c[:])
	}
	m.table([]string{"Figure", r.Previous.Title(), r.Period.Title(), "Change"}, "lrrr", rows)
}

func (r *Report) levelsHead() []string {
	return []string{"Goal", "Priority", "Met", "Breached", "Share met", "Completed", "Median (business)", "P90 (business)", "Median (wall)", "P90 (wall)"}
}

func (r *Report) levelsRows(s *Section) [][]string {
	var rows [][]string
	for i, g := range r.Goals {
		gf := &s.Current.Goals[i]
		add := func(prio string, st Stats) {
			met, br, share := fmt.Sprint(st.Met), fmt.Sprint(st.Breached), fmtShare(st)
			if !g.HasTarget {
				met, br, share = "-", "-", "no target"
			}
			rows = append(rows, []string{r.goalTitle(g.Name), prio, met, br, share, fmt.Sprint(st.Business.N),
				fmtDist(st.Business.N, st.Business.Median), fmtDist(st.Business.N, st.Business.P90),
				fmtDist(st.Wall.N, st.Wall.Median), fmtDist(st.Wall.N, st.Wall.P90)})
		}
		add("all", gf.All)
		if len(gf.Priorities) > 1 {
			for _, st := range gf.Priorities {
				add(st.Priority, st)
			}
		}
	}
	return rows
}

func (r *Report) breachRows(s *Section) [][]string {
	var rows [][]string
	for _, b := range s.Breaches {
		stopped := r.fmtTime(b.Stopped)
		if b.Stopped.IsZero() {
			stopped = "still open"
		}
		rows = append(rows, []string{b.Key, b.Summary, r.goalTitle(b.Goal), orDash(b.Priority), r.fmtTime(b.Deadline), stopped, fmtDur(b.Overdue), fmtDur(b.OverdueWall)})
	}
	return rows
}

func (r *Report) creditTable(s *Section) ([]string, string, [][]string) {
	head := []string{"Month"}
	align := "l"
	if r.HasCredits {
		head = append(head, "Plan", "Requests", "Charged", "Allowance", "Daily-cap hits", "Over quota", "Unregistered persons")
		align += "lrrrrrr"
	} else {
		head = append(head, "Requests")
		align += "r"
	}
	if r.HasBilling {
		head = append(head, "Support hours", "of which after hours")
		align += "rr"
	}
	if r.HasReview {
		head = append(head, "Review days")
		align += "r"
	}
	var rows [][]string
	for _, cm := range s.Current.Credits {
		row := []string{cm.Month}
		if r.HasCredits {
			row = append(row, orDash(cm.Plan), fmt.Sprint(cm.Requests), fmt.Sprint(cm.Charged), allowance(cm.Allowance),
				fmt.Sprint(cm.DailyCapHits), fmt.Sprint(cm.OverQuota), fmt.Sprint(cm.Unregistered))
		} else {
			row = append(row, fmt.Sprint(cm.Requests))
		}
		if r.HasBilling {
			row = append(row, fmtHours(cm.BillableHours), fmtDur(cm.AfterHours))
		}
		if r.HasReview {
			row = append(row, fmt.Sprint(len(cm.ReviewDays)))
		}
		rows = append(rows, row)
	}
	return head, align, rows
}

func (r *Report) mdWeeks(m *mdWriter, s *Section) {
	head := []string{"Week"}
	align := "l"
	for _, g := range r.Goals {
		if g.HasTarget {
			head = append(head, r.goalTitle(g.Name))
			align += "r"
		}
	}
	if len(head) == 1 {
		m.line("The policy sets no targets.")
		m.line("")
		return
	}
	var rows [][]string
	for _, w := range s.Weeks {
		row := []string{r.weekLabel(w)}
		for _, wg := range w.Goals {
			row = append(row, weekCell(wg))
		}
		rows = append(rows, row)
	}
	m.table(head, align, rows)
}

func weekCell(wg WeekGoal) string {
	n := wg.Met + wg.Breached
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%d of %d met (%s)", wg.Met, n, fmtPercent(float64(wg.Met)/float64(n)))
}

func (r *Report) mdHistogram(m *mdWriter, s *Section) {
	m.line("%s, business time, clocks stopped in the period:", r.goalTitle(r.ResponseGoal))
	m.line("")
	var rows [][]string
	for _, b := range s.Histogram {
		rows = append(rows, []string{b.Label, fmt.Sprint(b.Count)})
	}
	m.table([]string{"Business time", "Issues"}, "lr", rows)
}
