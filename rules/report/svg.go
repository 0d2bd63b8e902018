package report

import (
	"fmt"
	"html"
	"strings"
)

// The charts are inline SVG written by hand: no script, no external font or
// image, fixed coordinates with one decimal, so the HTML is one
// self-contained, deterministic file that prints as crisply as it shows.

// palette colours goals (and series) in policy order; chosen to stay
// distinct in greyscale print too.
var palette = []string{"#2b6cb0", "#dd6b20", "#2f855a", "#6b46c1"}

const (
	chartW, chartH                  = 520, 220
	padL, padR, padT, padB          = 44, 12, 36, 44
	plotW, plotH                    = chartW - padL - padR, chartH - padT - padB
	colorRefused, colorGrid, colorT = "#e53e3e", "#e2e8f0", "#4a5568"
)

type svgWriter struct{ b strings.Builder }

func (s *svgWriter) f(format string, args ...any) { fmt.Fprintf(&s.b, format, args...) }

func (s *svgWriter) open(title string) {
	s.f(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="%s">`, chartW, chartH, chartW, chartH, html.EscapeString(title))
	s.f(`<title>%s</title>`, html.EscapeString(title))
}

func (s *svgWriter) text(x, y float64, anchor, class, body string) {
	s.f(`<text x="%.1f" y="%.1f" text-anchor="%s" class="%s">%s</text>`, x, y, anchor, class, html.EscapeString(body))
}

func (s *svgWriter) rect(x, y, w, h float64, fill, title string) {
	s.f(`<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s</title></rect>`, x, y, w, h, fill, html.EscapeString(title))
}

// yAxis draws horizontal grid lines at the given values of a 0..top scale.
func (s *svgWriter) yAxis(top float64, ticks []float64, label func(float64) string) {
	for _, v := range ticks {
		y := padT + plotH - v/top*plotH
		s.f(`<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="%s"/>`, padL, y, padL+plotW, y, colorGrid)
		s.text(padL-6, y+4, "end", "ax", label(v))
	}
}

func (s *svgWriter) legend(names []string, colors []string) {
	x := float64(padL)
	for i, n := range names {
		s.rect(x, 8, 10, 10, colors[i], n)
		s.text(x+14, 17, "start", "lg", n)
		x += 22 + 7*float64(len(n))
	}
}

func (s *svgWriter) close() string {
	s.f(`</svg>`)
	return s.b.String()
}

// weekChart is compliance by week: per week, one bar per goal with a
// target, as tall as the share met, labelled "met/settled".
func (r *Report) weekChart(sec *Section) string {
	var s svgWriter
	s.open("Compliance by week: share of goals met")
	var names, colors []string
	for i, g := range r.Goals {
		if g.HasTarget {
			names = append(names, r.goalTitle(g.Name))
			colors = append(colors, palette[i%len(palette)])
		}
	}
	s.legend(names, colors)
	s.yAxis(1, []float64{0, 0.5, 1}, func(v float64) string { return fmt.Sprintf("%.0f%%", 100*v) })
	n := max(1, len(sec.Weeks))
	group := float64(plotW) / float64(n)
	bar := group * 0.7 / float64(max(1, len(names)))
	for wi, w := range sec.Weeks {
		x0 := padL + group*float64(wi) + group*0.15
		for gi, wg := range w.Goals {
			x := x0 + bar*float64(gi)
			settled := wg.Met + wg.Breached
			if settled == 0 {
				s.text(x+bar/2, padT+plotH-3, "middle", "na", "-")
				continue
			}
			share := float64(wg.Met) / float64(settled)
			h := max(share*plotH, 2) // a week with none met still shows a red sliver
			fill := colors[gi]
			if wg.Met == 0 {
				fill = colorRefused
			}
			s.rect(x, padT+plotH-h, bar-1, h, fill, fmt.Sprintf("%s, week of %s: %d of %d met", names[gi], r.fmtDate(w.From), wg.Met, settled))
			s.text(x+bar/2, padT+plotH-h-3, "middle", "val", fmt.Sprintf("%d/%d", wg.Met, settled))
		}
		s.text(padL+group*(float64(wi)+0.5), padT+plotH+16, "middle", "ax", r.weekShort(w))
	}
	s.text(padL+plotW/2, chartH-6, "middle", "ax", "week starting (Monday, "+r.Location.String()+")")
	return s.close()
}

// histogramChart is the response-time distribution: completed response
// clocks per business-time bucket.
func (r *Report) histogramChart(sec *Section) string {
	var s svgWriter
	title := r.goalTitle(r.ResponseGoal) + " times (business), clocks stopped in the period"
	s.open(title)
	s.text(padL, 17, "start", "lg", title)
	top := 1
	for _, b := range sec.Histogram {
		top = max(top, b.Count)
	}
	ticks := []float64{0, float64(top)}
	if top >= 2 {
		ticks = []float64{0, float64(top) / 2, float64(top)}
	}
	s.yAxis(float64(top), ticks, func(v float64) string {
		if v != float64(int(v)) {
			return ""
		}
		return fmt.Sprintf("%.0f", v)
	})
	n := max(1, len(sec.Histogram))
	slot := float64(plotW) / float64(n)
	for i, b := range sec.Histogram {
		x := padL + slot*float64(i) + slot*0.1
		h := float64(b.Count) / float64(top) * plotH
		if b.Count > 0 {
			s.rect(x, padT+plotH-h, slot*0.8, h, palette[0], fmt.Sprintf("%s: %d", b.Label, b.Count))
			s.text(x+slot*0.4, padT+plotH-h-3, "middle", "val", fmt.Sprint(b.Count))
		}
		s.text(x+slot*0.4, padT+plotH+16, "middle", "ax", b.Label)
	}
	s.text(padL+plotW/2, chartH-6, "middle", "ax", "business time to "+strings.ToLower(r.goalTitle(r.ResponseGoal)))
	return s.close()
}

// creditBar is one bar of the credits chart.
type creditBar struct {
	label     string
	charged   int
	refused   int // daily-cap hits and over quota: requests the plan did not cover
	allowance int // 0: unlimited
}

// creditChart is credits used against the plan: charged requests, the
// requests the plan did not cover stacked on top, and the allowance as a
// dashed line.
func (r *Report) creditChart(title string, bars []creditBar) string {
	var s svgWriter
	s.open(title)
	s.legend([]string{"charged", "beyond the plan", "allowance"}, []string{palette[0], colorRefused, colorT})
	top := 1
	for _, b := range bars {
		top = max(top, b.charged+b.refused, b.allowance)
	}
	ticks := []float64{0, float64(top)}
	if top%2 == 0 {
		ticks = []float64{0, float64(top) / 2, float64(top)}
	}
	s.yAxis(float64(top), ticks, func(v float64) string { return fmt.Sprintf("%.0f", v) })
	n := max(1, len(bars))
	slot := float64(plotW) / float64(n)
	w := min(slot*0.6, 60)
	for i, b := range bars {
		x := padL + slot*float64(i) + (slot-w)/2
		hc := float64(b.charged) / float64(top) * plotH
		hr := float64(b.refused) / float64(top) * plotH
		if b.charged > 0 {
			s.rect(x, padT+plotH-hc, w, hc, palette[0], fmt.Sprintf("%s: %d charged", b.label, b.charged))
		}
		if b.refused > 0 {
			s.rect(x, padT+plotH-hc-hr, w, hr, colorRefused, fmt.Sprintf("%s: %d beyond the plan", b.label, b.refused))
		}
		label := fmt.Sprintf("%d", b.charged)
		if b.allowance > 0 {
			y := padT + plotH - float64(b.allowance)/float64(top)*plotH
			s.f(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2" stroke-dasharray="4 3"/>`, x-6, y, x+w+6, y, colorT)
			label = fmt.Sprintf("%d of %d", b.charged, b.allowance)
		}
		s.text(x+w/2, padT+plotH-hc-hr-4, "middle", "val", label)
		s.text(x+w/2, padT+plotH+16, "middle", "ax", b.label)
	}
	return s.close()
}

func (r *Report) customerCreditBars(sec *Section) []creditBar {
	var bars []creditBar
	for _, cm := range sec.Current.Credits {
		bars = append(bars, creditBar{label: cm.Month, charged: cm.Charged, refused: cm.DailyCapHits + cm.OverQuota, allowance: cm.Allowance})
	}
	return bars
}

func (r *Report) totalCreditBars() []creditBar {
	var bars []creditBar
	for _, sec := range r.Customers {
		c := sec.Current.Credit
		if c.Requests == 0 {
			continue
		}
		bars = append(bars, creditBar{label: sec.Customer, charged: c.Charged, refused: c.DailyCapHits + c.OverQuota, allowance: c.Allowance})
	}
	return bars
}
