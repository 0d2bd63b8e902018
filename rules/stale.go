package rules

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// StaleCalendar is a calendar that depends on dated holidays (lunar feasts,
// decree days typed in year by year) or a holiday feed and has none for a year that matters
// now. It is a warning, not a problem: the calendar still works, but its
// deadlines in that year ignore the holidays nobody typed in.
type StaleCalendar struct {
	Calendar string
	Missing  []int // years without dated entries: this year and/or the next
	Covered  []int // years that have them
	Problem        // where the calendar is defined, and what to do
}

// StaleCalendars lists the calendars of p whose dated holidays stop before
// the year of now or the next one (in p's zone). A calendar without dated
// holidays is never stale: its rules hold every year.
func (p *Policy) StaleCalendars(now time.Time) []StaleCalendar {
	year := now.In(p.Location).Year()
	var out []StaleCalendar
	names := make([]string, 0, len(p.Calendars))
	for n := range p.Calendars {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		covered, depends := p.Calendars[name].DatedYears()
		if !depends {
			continue
		}
		var missing []int
		for _, y := range []int{year, year + 1} {
			if !slices.Contains(covered, y) {
				missing = append(missing, y)
			}
		}
		if len(missing) == 0 {
			continue
		}
		pr := p.calendarAt[name]
		if len(covered) == 0 {
			pr.Message = fmt.Sprintf("no dated holidays or feed days off at all, none for %s (a feed not loaded yet?)", yearList(missing))
		} else {
			pr.Message = fmt.Sprintf("dated holidays cover %s, none for %s", yearList(covered), yearList(missing))
		}
		pr.Fix = fmt.Sprintf("add the dated days off of %s (lunar feasts, the year's decree) from the source the file cites", yearList(missing))
		if srcs := p.Calendars[name].DatedSources(); len(srcs) > 0 {
			if len(srcs) > 3 {
				srcs = srcs[:3]
			}
			pr.Fix = fmt.Sprintf("add the dated days off of %s (lunar feasts, the year's decree) with their source; the days listed so far come from: %s", yearList(missing), strings.Join(srcs, "; "))
		}
		out = append(out, StaleCalendar{Calendar: name, Missing: missing, Covered: covered, Problem: pr})
	}
	return out
}

// yearList writes 2025, 2026, 2027 as "2025-2027" and gaps with commas.
func yearList(ys []int) string {
	s := ""
	for i := 0; i < len(ys); {
		j := i
		for j+1 < len(ys) && ys[j+1] == ys[j]+1 {
			j++
		}
		if s != "" {
			s += ", "
		}
		if j > i {
			s += fmt.Sprintf("%d-%d", ys[i], ys[j])
		} else {
			s += fmt.Sprint(ys[i])
		}
		i = j + 1
	}
	return s
}
