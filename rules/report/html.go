package report

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"strings"
)

// htmlStyle is the whole stylesheet: inline, so the file travels alone (as
// an e-mail or chat attachment) and prints on A4 with one customer a page.
const htmlStyle = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: #1a202c; background: #fff; max-width: 1100px; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .5rem; border-bottom: 2px solid #2b6cb0; padding-bottom: .2rem; }
h3 { font-size: 1rem; margin: 1.2rem 0 .4rem; color: #2d3748; }
p.meta { color: #4a5568; margin: 0 0 1rem; }
table { border-collapse: collapse; width: 100%; margin: .25rem 0 1rem; }
th, td { border-bottom: 1px solid #e2e8f0; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f7fafc; font-weight: 600; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.total td { font-weight: 700; border-top: 2px solid #a0aec0; }
.bad { color: #c53030; }
.good { color: #276749; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; margin: .5rem 0 1rem; }
figure { margin: 0; }
figcaption { font-size: 12px; color: #4a5568; }
svg { max-width: 100%; height: auto; }
svg text { font-family: inherit; }
svg .ax { font-size: 10px; fill: #4a5568; }
svg .lg { font-size: 11px; fill: #1a202c; }
svg .val { font-size: 10px; fill: #1a202c; }
svg .na { font-size: 10px; fill: #a0aec0; }
ul.notes { color: #4a5568; font-size: 12px; }
@page { size: A4; margin: 14mm; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 9.5pt; }
  section.customer { break-before: page; }
  table, figure, tr { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  th { background: none; }
}
`

// WriteHTML renders the report as one self-contained HTML page: inline CSS,
// inline SVG charts (compliance by week, response-time distribution,
// credits used against the plan), no script and no external resource.
func (r *Report) WriteHTML(w io.Writer) error {
	bw := bufio.NewWriter(w)
	h := &htmlWriter{w: bw}
	r.html(h)
	if h.err != nil {
		return fmt.Errorf("write html: %w", h.err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write html: %w", err)
	}
	return nil
}

type htmlWriter struct {
	w   *bufio.Writer
	err error
}

func (h *htmlWriter) raw(s string) {
	if h.err == nil {
		_, h.err = h.w.WriteString(s)
	}
}

func (h *htmlWriter) f(format string, args ...any) {
	if h.err == nil {
		_, h.err = fmt.Fprintf(h.w, format, args...)
	}
}

var esc = html.EscapeString

// table writes a table; align holds "l" or "r" per column. A cell starting
// with "!" is a breach figure and is shown in red.
func (h *htmlWriter) table(head []string, align string, rows [][]string, totalLast bool) {
	h.raw("<table>\n<thead><tr>")
	for i, c := range head {
		h.f(`<th%s>%s</th>`, numClass(align, i), esc(c))
	}
	h.raw("</tr></thead>\n<tbody>\n")
	for ri, row := range rows {
		if totalLast && ri == len(rows)-1 {
			h.raw(`<tr class="total">`)
		} else {
			h.raw("<tr>")
		}
		for i, c := range row {
			h.f(`<td%s>%s</td>`, numClass(align, i), esc(c))
		}
		h.raw("</tr>\n")
	}
	h.raw("</tbody>\n</table>\n")
}

func numClass(align string, i int) string {
	if i < len(align) && align[i] == 'r' {
		return ` class="n"`
	}
	return ""
}

func (r *Report) html(h *htmlWriter) {
	title := fmt.Sprintf("%s: SLA report, %s", r.Product, r.Period.Title())
	h.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
	h.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
	h.f("<title>%s</title>\n<style>%s</style>\n</head>\n<body>\n", esc(title), htmlStyle)
	h.f("<header>\n<h1>%s</h1>\n", esc(title))
	h.f("<p class=\"meta\">Period %s to %s, %s; %s. Compared with %s. Policy %s.</p>\n</header>\n",
		esc(r.fmtTime(r.Start)), esc(r.fmtTime(r.End)), esc(r.zoneLabel()), esc(r.status()), esc(r.Previous.Title()), esc(r.PolicyFile))

	h.raw("<section class=\"summary\">\n<h2>Summary</h2>\n")
	if len(r.Customers) == 0 {
		h.raw("<p>No issues in this period.</p>\n")
	} else {
		head, align := r.summaryHead()
		var rows [][]string
		for i := range r.Customers {
			rows = append(rows, r.summaryRow(&r.Customers[i], false))
		}
		if len(r.Customers) != 1 {
			rows = append(rows, r.summaryRow(&r.Total, true))
		}
		h.table(head, align, rows, len(r.Customers) != 1)
	}
	if len(r.Customers) > 1 {
		h.raw("<div class=\"charts\">\n")
		r.figure(h, r.weekChart(&r.Total), "All customers: compliance by week")
		r.figure(h, r.histogramChart(&r.Total), "All customers: response-time distribution")
		if r.HasCredits {
			r.figure(h, r.creditChart("Credits used against the plan, per customer", r.totalCreditBars()), "Credits used against the plan, "+r.Period.Title())
		}
		h.raw("</div>\n")
	}
	h.raw("</section>\n")

	for i := range r.Customers {
		r.htmlCustomer(h, &r.Customers[i])
	}
	h.raw("<section class=\"notes\">\n<h2>How to read this report</h2>\n<ul class=\"notes\">\n")
	for _, s := range r.explanation() {
		h.f("<li>%s</li>\n", esc(s))
	}
	h.raw("</ul>\n</section>\n</body>\n</html>\n")
}

func (r *Report) figure(h *htmlWriter, svg, caption string) {
	h.f("<figure>%s<figcaption>%s</figcaption></figure>\n", svg, esc(caption))
}

func (r *Report) htmlCustomer(h *htmlWriter, s *Section) {
	h.f("<section class=\"customer\">\n<h2>%s</h2>\n", esc(s.Customer))
	plan := ""
	if s.Plan != "" {
		plan = "Plan " + s.Plan + ". "
	}
	h.f("<p>%sOpened %d issues (%s: %d), resolved %d (%s: %d).</p>\n", esc(plan),
		s.Current.Opened, esc(r.Previous.Title()), s.Previous.Opened, s.Current.Resolved, esc(r.Previous.Title()), s.Previous.Resolved)

	h.raw("<h3>Service levels</h3>\n")
	h.table(r.levelsHead(), "llrrrrrrrr", r.levelsRows(s), false)

	h.raw("<div class=\"charts\">\n")
	r.figure(h, r.weekChart(s), "Compliance by week")
	r.figure(h, r.histogramChart(s), "Response-time distribution")
	if r.HasCredits {
		r.figure(h, r.creditChart("Credits used against the plan, per month", r.customerCreditBars(s)), "Credits used against the plan")
	}
	h.raw("</div>\n")

	h.raw("<h3>Breaches</h3>\n")
	if len(s.Breaches) == 0 {
		h.raw("<p class=\"good\">No breaches.</p>\n")
	} else {
		h.table([]string{"Issue", "Summary", "Goal", "Priority", "Deadline", "Stopped", "Overdue (business)", "Overdue (wall)"}, "llllllrr", r.breachRows(s), false)
	}
	if r.HasCredits || r.HasBilling || r.HasReview {
		h.raw("<h3>Credits and hours</h3>\n")
		head, align, rows := r.creditTable(s)
		if len(rows) == 0 {
			h.raw("<p>No requests in this period.</p>\n")
		} else {
			h.table(head, align, rows, false)
		}
		if ps := s.Current.Credit.UnregisteredPersons; len(ps) > 0 {
			h.f("<p class=\"bad\">Requests from persons who are not registered: %s.</p>\n", esc(strings.Join(ps, ", ")))
		}
		if ds := s.Current.Credit.ReviewDays; len(ds) > 0 {
			h.f("<p class=\"bad\">Days over the review rule: %s.</p>\n", esc(strings.Join(ds, ", ")))
		}
	}
	h.f("<h3>Compared with %s</h3>\n", esc(r.Previous.Title()))
	var rows [][]string
	for _, c := range r.comparison(s) {
		rows = append(rows, c[:])
	}
	h.table([]string{"Figure", r.Previous.Title(), r.Period.Title(), "Change"}, "lrrr", rows, false)
	h.raw("</section>\n")
}
