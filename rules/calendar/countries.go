package calendar

import (
	"fmt"
	"sort"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/at"
	"github.com/rickar/cal/v2/be"
	"github.com/rickar/cal/v2/ch"
	"github.com/rickar/cal/v2/cz"
	"github.com/rickar/cal/v2/de"
	"github.com/rickar/cal/v2/dk"
	"github.com/rickar/cal/v2/es"
	"github.com/rickar/cal/v2/fi"
	"github.com/rickar/cal/v2/fr"
	"github.com/rickar/cal/v2/gb"
	"github.com/rickar/cal/v2/ie"
	"github.com/rickar/cal/v2/it"
	"github.com/rickar/cal/v2/nl"
	"github.com/rickar/cal/v2/no"
	"github.com/rickar/cal/v2/pl"
	"github.com/rickar/cal/v2/pt"
	"github.com/rickar/cal/v2/ru"
	"github.com/rickar/cal/v2/se"
	"github.com/rickar/cal/v2/si"
	"github.com/rickar/cal/v2/us"
)

// Country holiday sets come from github.com/rickar/cal/v2 (v2.1.26), which
// keeps each country's rules, Easter offsets and weekend substitutions
// ("observed" days: the UK's Christmas on a Saturday is off on Monday,
// Boxing Day on the Sunday on Tuesday). What is taken and what is added:
//   - every holiday of the country's nationwide list (regional lists are
//     not offered), on its observed day; days rickar types as "other"
//     (Sweden's midsummer eve, Finland's, ...) are not days off and are left
//     out;
//   - ru: rickar's list has only the single days of the Labour Code and
//     moves Jan 1 and Jan 7 off a weekend, which art. 112 forbids (the
//     January holidays move only by decree). The set is Jan 1-8 without
//     substitutes plus Feb 23, Mar 8, May 1, May 9, Jun 12 and Nov 4 with
//     the next-working-day substitute of art. 112; the yearly decree's
//     transfers and working Saturdays stay dated entries of the policy;
//   - tr is not in rickar: Turkey's lunar feasts are typed in per year.
//   - us: ThanksgivingDay is the 4th Thursday of November, right for the
//     US; a contract saying "last Thursday" needs its own weekday rule.
var countrySets = map[string][]*cal.Holiday{
	"at": at.Holidays, "be": be.Holidays, "ch": ch.Holidays, "cz": cz.Holidays, "de": de.Holidays,
	"dk": dk.Holidays, "es": es.Holidays, "fi": fi.Holidays, "fr": fr.Holidays, "gb": gb.Holidays,
	"ie": ie.Holidays, "it": it.Holidays, "nl": nl.Holidays, "no": no.Holidays, "pl": pl.Holidays,
	"pt": pt.Holidays, "se": se.Holidays, "si": si.Holidays, "us": us.Holidays,
}

// Countries lists the country codes CountryHolidays knows.
func Countries() []string {
	codes := []string{"ru"}
	for c := range countrySets {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	return codes
}

// CountryHolidays returns the nationwide days off of a country (ISO 3166
// alpha-2, lower case) as full-day holidays.
func CountryHolidays(code string) ([]Holiday, error) {
	if code == "ru" {
		return russia(), nil
	}
	set, ok := countrySets[code]
	if !ok {
		return nil, fmt.Errorf("no holiday set for country %q (known: %v)", code, Countries())
	}
	var out []Holiday
	for _, h := range set {
		if h.Type == cal.ObservanceOther {
			continue
		}
		out = append(out, Holiday{Name: h.Name, Kind: HolidayComputed, Calc: observed(h)})
	}
	return out, nil
}

// observed is the day off of h in a year, if it is kept that year.
func observed(h *cal.Holiday) func(year int) (Date, bool) {
	return func(year int) (Date, bool) {
		_, obs := h.Calc(year)
		if obs.IsZero() {
			return Date{}, false
		}
		return DateOf(obs), true
	}
}

// russia is the Labour Code's art. 112 list (see the comment on countrySets).
func russia() []Holiday {
	var hs []Holiday
	for day := 1; day <= 8; day++ {
		name := "New Year holidays"
		if day == 7 {
			name = ru.OrthodoxChristmas.Name
		}
		hs = append(hs, Holiday{Name: name, Kind: HolidayFixed, Month: time.January, Day: day})
	}
	for _, h := range []*cal.Holiday{ru.MilitaryDay, ru.WomensDay, ru.LabourDay, ru.VictoryDay, ru.RussiasDay, ru.UnionDay} {
		hs = append(hs, Holiday{Name: h.Name, Kind: HolidayFixed, Month: h.Month, Day: h.Day, Substitute: SubstituteNextWorkingDay})
	}
	return hs
}
