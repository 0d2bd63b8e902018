package calendar

import (
	"os"
	"regexp"
	"testing"
	"time"
)

// "ICS import ... with a filter for which events are days off (feeds mix
// observances and holidays), recurring events (RRULE) expanded, all-day and
// timed events, time zones" (issue 13). The feed is shaped like Google's
// public "Holidays in United Kingdom" feed (VTIMEZONE, all-day events,
// "Public holiday" vs "Observance" descriptions) plus a company's own
// events (a timed half-day with a TZID, a UTC multi-day shutdown).
func TestParseICS(t *testing.T) {
	data, err := os.ReadFile("testdata/uk-holidays.ics")
	if err != nil {
		t.Fatal(err)
	}
	london := mustLoc(t, "Europe/London")
	fd, err := ParseICS(data, regexp.MustCompile("(?i)public holiday|bank holiday"), london, 2026, 2029)
	if err != nil {
		t.Fatal(err)
	}
	if fd.Dropped != 2 {
		t.Errorf("%d events dropped, want the 2 observances (Mother's Day, All Saints' Day)", fd.Dropped)
	}
	if want := []int{2026, 2027, 2029}; len(fd.Years) != 3 || fd.Years[0] != want[0] || fd.Years[1] != want[1] || fd.Years[2] != want[2] {
		t.Errorf("years %v, want %v (2028's New Year is an EXDATE)", fd.Years, want)
	}
	feed := &Feed{Name: "uk", Source: "testdata/uk-holidays.ics", Location: london}
	cal := mustCal(t, Spec{Name: "uk", Location: london, Week: week(monFri, Window{9 * 60, 17 * 60}), Feeds: []*Feed{feed}})
	d := func(s string) Date { v, _ := ParseDate(s); return v }
	if ws, _ := cal.Hours(d("2027-12-27")); len(ws) == 0 {
		t.Fatal("before the first copy arrives the feed adds nothing")
	}
	before := cal.Add(time.Date(2027, 12, 24, 16, 0, 0, 0, london), 2*time.Hour)
	feed.Update(fd)
	cases := []struct{ why, date, hours, name string }{
		{"all-day: Christmas Day's substitute", "2027-12-27", "", "Christmas Day (substitute day)"},
		{"all-day: Boxing Day's substitute", "2027-12-28", "", "Boxing Day (substitute day)"},
		{"a plain working day", "2027-12-29", "09:00-17:00", ""},
		{"Easter Monday (described 'Public holiday in England...')", "2027-03-29", "", "Easter Monday"},
		{"an observance the filter drops (All Saints' Day, a Monday)", "2027-11-01", "09:00-17:00", ""},
		{"RRULE yearly, expanded", "2029-01-01", "", "New Year's Day"},
		{"RRULE yearly, 2027", "2027-01-01", "", "New Year's Day"},
		{"timed event with TZID closes only its hours", "2027-12-24", "09:00-13:00", "Christmas Eve: office closes at 13:00"},
		{"UTC multi-day event placed in London (BST): Friday", "2027-08-27", "", "Summer shutdown"},
		{"UTC multi-day event placed in London (BST): Monday", "2027-08-30", "", "Summer shutdown"},
		{"the day after the shutdown", "2027-08-31", "09:00-17:00", ""},
	}
	for _, tc := range cases {
		ws, name := cal.Hours(d(tc.date))
		if got := hoursString(ws); got != tc.hours || name != tc.name {
			t.Errorf("%s: %s is %q (%s), want %q (%s)", tc.why, tc.date, got, name, tc.hours, tc.name)
		}
	}
	// The index was built before the update; the update resets it.
	after := cal.Add(time.Date(2027, 12, 24, 12, 0, 0, 0, london), 2*time.Hour)
	if want := time.Date(2027, 12, 29, 10, 0, 0, 0, london); !after.Equal(want) {
		t.Errorf("Fri 24 Dec 12:00 + 2h after the feed = %s, want %s (before the feed it was %s)", after, want, before)
	}
	if years, depends := cal.DatedYears(); !depends || len(years) != 3 {
		t.Errorf("DatedYears = %v, %v: a feed is dated data", years, depends)
	}
	for _, bad := range []string{"", "<html>Service unavailable</html>", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:x\r\nDESCRIPTION:Public holiday\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"} {
		if _, err := ParseICS([]byte(bad), nil, london, 2026, 2029); err == nil {
			t.Errorf("%q parsed without an error", bad)
		}
	}
}
