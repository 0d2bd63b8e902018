package calendar

import (
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"
)

// mustLoc and ts stay here rather than coming from rules/rulestest: that
// package imports the rules engine, which imports calendar, so the calendar
// tests would depend on (and rebuild with) the engine above them for six
// lines of time parsing; calendar is a leaf and its tests stay one.
func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func ts(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("bad time %q: %v", s, err)
	}
	return v
}

func week(days []time.Weekday, ws ...Window) [7][]Window {
	var w [7][]Window
	for _, d := range days {
		w[d] = ws
	}
	return w
}

var (
	monFri  = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	allWeek = []time.Weekday{0, 1, 2, 3, 4, 5, 6}
)

func mustCal(t testing.TB, spec Spec) *Calendar {
	t.Helper()
	c, err := New(spec)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// DST: the days are built in the zone, so a 24/7 calendar counts real hours
// and an office day keeps its clock times across the change.
func TestCalendarDST(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	ny := mustLoc(t, "America/New_York")
	nonstop := mustCal(t, Spec{Name: "nonstop", Location: berlin, Week: week(allWeek, Window{0, 1440})})
	office := mustCal(t, Spec{Name: "office", Location: berlin, Week: week(allWeek, Window{9 * 60, 17 * 60})})
	night := mustCal(t, Spec{Name: "night", Location: ny, Week: week(allWeek, Window{60, 4 * 60})})
	cases := []struct {
		name  string
		cal   *Calendar
		from  string
		add   time.Duration
		want  string
		spent time.Duration // Between(from, want) must equal add; and the real elapsed
	}{
		{"spring forward: 24 business hours are 24 real hours", nonstop, "2025-03-29T12:00:00+01:00", 24 * time.Hour, "2025-03-30T13:00:00+02:00", 24 * time.Hour},
		{"fall back: 24 business hours are 24 real hours", nonstop, "2025-10-25T12:00:00+02:00", 24 * time.Hour, "2025-10-26T11:00:00+01:00", 24 * time.Hour},
		{"office hours keep their clock times over the change", office, "2025-03-28T16:00:00+01:00", 2 * time.Hour, "2025-03-29T10:00:00+01:00", 18 * time.Hour},
		{"office hours on the change day itself", office, "2025-03-30T16:00:00+02:00", 2 * time.Hour, "2025-03-31T10:00:00+02:00", 18 * time.Hour},
		{"a 01:00-04:00 window is 2 real hours on spring-forward day", night, "2025-03-09T01:00:00-05:00", 2 * time.Hour, "2025-03-09T04:00:00-04:00", 2 * time.Hour},
		{"and 4 real hours on fall-back day", night, "2025-11-02T01:00:00-04:00", 4 * time.Hour, "2025-11-02T04:00:00-05:00", 4 * time.Hour},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			from := ts(t, tc.from)
			got := tc.cal.Add(from, tc.add)
			if !got.Equal(ts(t, tc.want)) {
				t.Errorf("Add = %s, want %s", got.Format(time.RFC3339), tc.want)
			}
			if b := tc.cal.Between(from, got); b != tc.add {
				t.Errorf("Between = %s, want %s", b, tc.add)
			}
			if real := got.Sub(from); real != tc.spent {
				t.Errorf("real time %s, want %s", real, tc.spent)
			}
		})
	}
}

// Holidays of every kind, half-days, extra working days and several windows
// a day.
func TestCalendarHolidaysAndOverrides(t *testing.T) {
	utc := time.UTC
	d := func(s string) Date { v, _ := ParseDate(s); return v }
	cal := mustCal(t, Spec{Name: "office", Location: utc,
		Week: week(monFri, Window{9 * 60, 12 * 60}, Window{13 * 60, 18 * 60}),
		Holidays: []Holiday{
			{Name: "Christmas Eve", Kind: HolidayFixed, Month: 12, Day: 24, Hours: []Window{{9 * 60, 13 * 60}}},
			{Name: "Christmas", Kind: HolidayFixed, Month: 12, Day: 25},
			{Name: "Good Friday", Kind: HolidayEaster, Offset: -2},
			{Name: "Easter Monday", Kind: HolidayEaster, Offset: 1},
			{Name: "Labor Day", Kind: HolidayNthWeekday, Month: 9, Weekday: time.Monday, N: 1},
			{Name: "Thanksgiving", Kind: HolidayNthWeekday, Month: 11, Weekday: time.Thursday, N: -1},
			// Hydra: "Off on ... bank holidays (official Russian bank holidays)": Jan 1-8.
			{Name: "New Year holidays", Kind: HolidayRange, From: d("2026-01-01"), To: d("2026-01-08")},
			{Name: "Bridge", Kind: HolidayDates, Dates: []Date{d("2026-05-15")}},
		},
		Overrides: []DayOverride{{Date: d("2026-11-28"), Name: "Working Saturday", Hours: []Window{{10 * 60, 14 * 60}}}},
	})
	cases := []struct {
		date  string
		hours string
		name  string
	}{
		{"2026-11-16", "09:00-12:00 13:00-18:00", ""},
		// The half-day narrows the day: work ends at 13:00, and the lunch
		// break 12:00-13:00 stays a break.
		{"2026-12-24", "09:00-12:00", "Christmas Eve"},
		{"2026-12-25", "", "Christmas"},
		{"2025-04-18", "", "Good Friday"},
		{"2025-04-21", "", "Easter Monday"},
		{"2026-04-03", "", "Good Friday"},
		{"2026-09-07", "", "Labor Day"},
		{"2026-09-14", "09:00-12:00 13:00-18:00", ""},
		{"2029-11-29", "", "Thanksgiving"},
		{"2029-11-22", "09:00-12:00 13:00-18:00", ""},
		{"2026-01-05", "", "New Year holidays"},
		{"2026-01-09", "09:00-12:00 13:00-18:00", ""},
		{"2026-05-15", "", "Bridge"},
		{"2026-11-28", "10:00-14:00", "Working Saturday"},
		{"2026-11-29", "", ""},
	}
	for _, tc := range cases {
		ws, name := cal.Hours(d(tc.date))
		var parts []string
		for _, w := range ws {
			parts = append(parts, w.String())
		}
		if got := strings.Join(parts, " "); got != tc.hours || name != tc.name {
			t.Errorf("%s: %q (%s), want %q (%s)", tc.date, got, name, tc.hours, tc.name)
		}
	}
	adds := []struct {
		why, from string
		add       time.Duration
		want      string
	}{
		{"lunch break is skipped", "2026-11-16T11:00:00Z", 2 * time.Hour, "2026-11-16T14:00:00Z"},
		{"deadline exactly at the morning's close stays there", "2026-11-16T09:00:00Z", 3 * time.Hour, "2026-11-16T12:00:00Z"},
		{"deadline exactly at closing time stays there", "2026-11-16T09:00:00Z", 8 * time.Hour, "2026-11-16T18:00:00Z"},
		{"half-day, then Christmas and the weekend", "2026-12-24T11:00:00Z", 2 * time.Hour, "2026-12-28T10:00:00Z"},
		{"the working Saturday counts", "2026-11-27T17:00:00Z", 3 * time.Hour, "2026-11-28T12:00:00Z"},
		{"from a closed instant, counting starts at the opening", "2026-11-22T03:00:00Z", time.Minute, "2026-11-23T09:01:00Z"},
	}
	for _, tc := range adds {
		if got := cal.Add(ts(t, tc.from), tc.add); !got.Equal(ts(t, tc.want)) {
			t.Errorf("%s: Add(%s, %s) = %s, want %s", tc.why, tc.from, tc.add, got.Format(time.RFC3339), tc.want)
		}
	}
	if !cal.IsOpen(ts(t, "2026-11-16T09:00:00Z")) || cal.IsOpen(ts(t, "2026-11-16T12:00:00Z")) || cal.IsOpen(ts(t, "2026-11-16T18:00:00Z")) {
		t.Error("IsOpen must treat windows as [start, end)")
	}
	if got := cal.NextOpen(ts(t, "2026-11-16T12:30:00Z")); !got.Equal(ts(t, "2026-11-16T13:00:00Z")) {
		t.Errorf("NextOpen over lunch = %s", got)
	}
	if got := cal.NextOpen(ts(t, "2026-12-24T15:00:00Z")); !got.Equal(ts(t, "2026-12-28T09:00:00Z")) {
		t.Errorf("NextOpen after the half-day = %s", got)
	}
}

// Windows touching across midnight are one stretch: a 24/7 calendar built
// from 00:00-24:00 days has no seam at midnight.
func TestCalendarMidnightSeam(t *testing.T) {
	cal := mustCal(t, Spec{Name: "x", Location: time.UTC, Week: week(allWeek, Window{0, 1440})})
	from := ts(t, "2026-11-16T23:00:00Z")
	if got := cal.Add(from, time.Hour); !got.Equal(ts(t, "2026-11-17T00:00:00Z")) {
		t.Errorf("Add to midnight = %s", got)
	}
	if !cal.IsOpen(ts(t, "2026-11-17T00:00:00Z")) {
		t.Error("midnight is open on a 24/7 calendar")
	}
}

// Add and Between are inverses, far apart instants included (the index
// grows on demand), and Add never lands on a closed instant except at a
// closing time.
func TestCalendarAddBetweenInverse(t *testing.T) {
	cal := benchCalendar(t)
	rng := rand.New(rand.NewPCG(7, 11))
	base := ts(t, "2024-01-01T00:00:00Z")
	for i := 0; i < 5000; i++ {
		from := base.Add(time.Duration(rng.Int64N(int64(20 * 365 * 24 * time.Hour))))
		d := time.Duration(1+rng.Int64N(int64(400*time.Hour))) / time.Minute * time.Minute
		if d == 0 {
			continue
		}
		got := cal.Add(from, d)
		if b := cal.Between(from, got); b != d {
			t.Fatalf("Between(%s, Add(%s)) = %s, want %s", from, d, b, d)
		}
		if !cal.IsOpen(got) && !cal.IsOpen(got.Add(-time.Nanosecond)) {
			t.Fatalf("Add(%s, %s) = %s lands inside a closed stretch", from, d, got)
		}
		if n := cal.NextOpen(from); n.Before(from) || (!cal.IsOpen(n)) {
			t.Fatalf("NextOpen(%s) = %s", from, n)
		}
	}
	// A long target far from the first index.
	if got := cal.Add(ts(t, "1990-06-01T10:00:00Z"), 100000*time.Hour); got.Year() < 2030 {
		t.Errorf("100000 business hours from 1990 end in %d", got.Year())
	}
}

// reaching (Add's galloping search) finds the same interval as a binary
// search over the whole index, for every start interval and for targets
// on, just before and just after each interval's end.
func TestReachingMatchesBinarySearch(t *testing.T) {
	cal := benchCalendar(t)
	ix := cal.covering(ts(t, "2025-06-01T00:00:00Z").UnixNano())
	n := len(ix.starts)
	rng := rand.New(rand.NewPCG(3, 5))
	for k := 0; k < 20000; k++ {
		from := rng.IntN(n)
		end := from + rng.IntN(n-from)
		for _, target := range []int64{ix.through(end) - 1, ix.through(end), ix.through(end) + 1} {
			if target <= ix.cum[from] || target > ix.through(n-1) {
				continue
			}
			want := sort.Search(n, func(j int) bool { return ix.through(j) >= target })
			if got := ix.reaching(from, target); got != want {
				t.Fatalf("reaching(%d, %d) = %d, want %d", from, target, got, want)
			}
		}
	}
}

// at (the day-bucket lookup) finds the same interval as a binary search,
// at random instants and on every interval's edges, in a zone with DST
// (a bucket is 24 elapsed hours, not a calendar day) and with two windows
// a day.
func TestAtMatchesBinarySearch(t *testing.T) {
	cal := mustCal(t, Spec{Name: "split", Location: mustLoc(t, "Europe/London"),
		Week: week(monFri, Window{8 * 60, 12 * 60}, Window{13 * 60, 24 * 60})})
	ix := cal.covering(ts(t, "2026-03-29T00:30:00Z").UnixNano())
	want := func(ns int64) int {
		return sort.Search(len(ix.starts), func(i int) bool { return ix.starts[i] > ns }) - 1
	}
	var probes []int64
	for i := range ix.starts {
		probes = append(probes, ix.starts[i]-1, ix.starts[i], ix.ends[i]-1, ix.ends[i])
	}
	rng := rand.New(rand.NewPCG(9, 1))
	for k := 0; k < 20000; k++ {
		probes = append(probes, ix.lo+rng.Int64N(ix.hi-ix.lo))
	}
	probes = append(probes, ix.lo, ix.hi-1, ix.lo-1, ix.hi)
	for _, ns := range probes {
		if got, w := ix.at(ns), want(ns); got != w {
			t.Fatalf("at(%s) = %d, want %d", time.Unix(0, ns).UTC(), got, w)
		}
	}
}

func TestCalendarValidation(t *testing.T) {
	cases := []struct {
		spec Spec
		want string
	}{
		{Spec{Name: "a"}, "no time zone"},
		{Spec{Name: "b", Location: time.UTC}, "never open"},
		{Spec{Name: "c", Location: time.UTC, Week: week(monFri, Window{9 * 60, 13 * 60}, Window{12 * 60, 18 * 60})}, "overlap"},
	}
	for _, tc := range cases {
		if _, err := New(tc.spec); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want %q", tc.spec.Name, err, tc.want)
		}
	}
	for _, s := range []string{"18:00-09:00", "9-25", "09:60-10:00", "nine-ten", "09:00"} {
		if _, err := ParseWindow(s); err == nil {
			t.Errorf("ParseWindow(%q) accepted", s)
		}
	}
	if w, err := ParseWindow("8-24"); err != nil || w != (Window{480, 1440}) {
		t.Errorf("ParseWindow(8-24) = %v, %v", w, err)
	}
}

// benchCalendar is the benchmark calendar: Mon-Fri 09:00-18:00 UTC,
// holidays Jan 1, Mar 8, May 1, Dec 25 and the 4th Thursday of November.
func benchCalendar(t testing.TB) *Calendar {
	return mustCal(t, Spec{Name: "bench", Location: time.UTC,
		Week: week(monFri, Window{9 * 60, 18 * 60}),
		Holidays: []Holiday{
			{Name: "New Year", Kind: HolidayFixed, Month: 1, Day: 1},
			{Name: "Women's Day", Kind: HolidayFixed, Month: 3, Day: 8},
			{Name: "Labour Day", Kind: HolidayFixed, Month: 5, Day: 1},
			{Name: "Christmas", Kind: HolidayFixed, Month: 12, Day: 25},
			{Name: "Thanksgiving", Kind: HolidayNthWeekday, Month: 11, Weekday: time.Thursday, N: 4},
		}})
}

func benchStarts() []time.Time {
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	starts := make([]time.Time, 100000)
	for i := range starts {
		starts[i] = base.Add(time.Duration(i) * 631 * time.Second)
	}
	return starts
}

func benchAdd(b *testing.B, d time.Duration) {
	cal := benchCalendar(b)
	starts := benchStarts()
	cal.Add(starts[len(starts)-1], d) // build the index outside the timer
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		cal.Add(starts[i%len(starts)], d)
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "adds/s")
}

func BenchmarkCalendarAdd8h(b *testing.B)   { benchAdd(b, 8*time.Hour) }
func BenchmarkCalendarAdd200h(b *testing.B) { benchAdd(b, 200*time.Hour) }

func BenchmarkCalendarBetween(b *testing.B) {
	cal := benchCalendar(b)
	starts := benchStarts()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		a := starts[i%len(starts)]
		cal.Between(a, a.Add(72*time.Hour))
		i++
	}
}

// A calendar open only on a few listed dates never opens again after the
// last one. Finding that out must not rebuild the index once per step: the
// index doubles, so the rebuilds stay logarithmic in the distance (growing
// two years at a time took 180 rebuilds and seconds from 1901).
func TestCalendarSparseGrowsGeometrically(t *testing.T) {
	d := func(s string) Date { v, _ := ParseDate(s); return v }
	sparse := func() *Calendar {
		return mustCal(t, Spec{Name: "sparse", Location: time.UTC,
			Overrides: []DayOverride{{Date: d("1901-06-03"), Hours: []Window{{600, 840}}}}})
	}
	from := ts(t, "1901-07-01T00:00:00Z")
	never := time.Date(maxYear+1, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		op   func(c *Calendar) time.Time
	}{
		{"NextOpen", func(c *Calendar) time.Time { return c.NextOpen(from) }},
		{"Add", func(c *Calendar) time.Time { return c.Add(from, time.Hour) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := sparse()
			if got := tc.op(c); !got.Equal(never) {
				t.Errorf("got %s, want the end of the indexable years %s", got, never)
			}
			if n := c.builds.Load(); n > 12 {
				t.Errorf("%d index builds, want a logarithmic number (at most 12)", n)
			}
		})
	}
}

func hoursString(ws []Window) string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = w.String()
	}
	return strings.Join(parts, " ")
}

// Precedence, stated once: "a closure beats a half-day whatever the order; a
// half-day only narrows a day that is open by the week's windows; only an
// explicit override opens a closed day" (issue 13).
func TestCalendarPrecedence(t *testing.T) {
	d := func(s string) Date { v, _ := ParseDate(s); return v }
	eve := []Window{{9 * 60, 13 * 60}}
	cal := mustCal(t, Spec{Name: "tr", Location: mustLoc(t, "Europe/Istanbul"),
		Week: week(monFri, Window{9 * 60, 18 * 60}),
		Holidays: []Holiday{
			// listed before the closure of the same date on purpose
			{Name: "Sacrifice Feast eve 2029 (half-day)", Kind: HolidayDates, Dates: []Date{d("2029-04-23")}, Hours: eve},
			{Name: "National Sovereignty and Children's Day", Kind: HolidayFixed, Month: 4, Day: 23},
			{Name: "Sacrifice Feast eve 2027 (half-day)", Kind: HolidayDates, Dates: []Date{d("2027-05-15")}, Hours: eve},
			{Name: "Republic Day eve (half-day)", Kind: HolidayFixed, Month: 10, Day: 28, Hours: eve},
			{Name: "Late start", Kind: HolidayDates, Dates: []Date{d("2026-10-28")}, Hours: []Window{{11 * 60, 18 * 60}}},
		},
		Overrides: []DayOverride{{Date: d("2028-10-21"), Name: "Working Saturday", Hours: eve}},
	})
	cases := []struct{ rule, date, hours, name string }{
		{"a closure beats a half-day listed before it", "2029-04-23", "", "National Sovereignty and Children's Day"},
		{"a feast eve on a Saturday stays closed (sanarise 2027-05-15)", "2027-05-15", "", ""},
		{"the yearly 10-28 eve on a Saturday stays closed (2028-10-28)", "2028-10-28", "", ""},
		{"the eve on a weekday ends at 13:00", "2027-10-28", "09:00-13:00", "Republic Day eve (half-day)"},
		{"two half-days on one day: both narrow it", "2026-10-28", "11:00-13:00", "Republic Day eve (half-day)"},
		{"only an override opens a closed day", "2028-10-21", "09:00-13:00", "Working Saturday"},
	}
	for _, tc := range cases {
		ws, name := cal.Hours(d(tc.date))
		if got := hoursString(ws); got != tc.hours || name != tc.name {
			t.Errorf("%s: %s is %q (%s), want %q (%s)", tc.rule, tc.date, got, name, tc.hours, tc.name)
		}
	}
	// "Fri 2028-10-27 17:00 + 4h comes out Sat 12:00 instead of Mon 12:00"
	ist := mustLoc(t, "Europe/Istanbul")
	if got, want := cal.Add(time.Date(2028, 10, 27, 17, 0, 0, 0, ist), 4*time.Hour), time.Date(2028, 10, 30, 12, 0, 0, 0, ist); !got.Equal(want) {
		t.Errorf("Fri 2028-10-27 17:00 + 4h = %s, want %s", got, want)
	}
}

// Substitute days: "When a weekend day and a non-working holiday coincide,
// the day off is transferred to the next working day after the holiday"
// (Labour Code of the Russian Federation, art. 112, part 2); "If a bank
// holiday is on a weekend, a 'substitute' weekday becomes a bank holiday,
// normally the following Monday" (gov.uk/bank-holidays); US federal
// holidays on a Saturday are observed on the Friday, on a Sunday on the
// Monday (5 U.S.C. 6103(b)).
func TestCalendarSubstitutes(t *testing.T) {
	d := func(s string) Date { v, _ := ParseDate(s); return v }
	next, nearest := SubstituteNextWorkingDay, SubstituteNearestWeekday
	ru := mustCal(t, Spec{Name: "ru", Location: mustLoc(t, "Europe/Moscow"), Week: week(monFri, Window{10 * 60, 19 * 60}),
		Holidays: []Holiday{
			{Name: "New Year holidays", Kind: HolidayRange, From: d("2027-01-01"), To: d("2027-01-08")}, // no substitute: moved by decree
			{Name: "Spring and Labour Day", Kind: HolidayFixed, Month: 5, Day: 1, Substitute: next},
			{Name: "Victory Day", Kind: HolidayFixed, Month: 5, Day: 9, Substitute: next},
			{Name: "Russia Day", Kind: HolidayFixed, Month: 6, Day: 12, Substitute: next},
		}})
	uk := mustCal(t, Spec{Name: "uk", Location: mustLoc(t, "Europe/London"), Week: week(monFri, Window{9 * 60, 17 * 60}),
		Holidays: []Holiday{
			{Name: "Christmas Day", Kind: HolidayFixed, Month: 12, Day: 25, Substitute: next},
			{Name: "Boxing Day", Kind: HolidayFixed, Month: 12, Day: 26, Substitute: next},
		}})
	us := mustCal(t, Spec{Name: "us", Location: mustLoc(t, "America/New_York"), Week: week(monFri, Window{9 * 60, 17 * 60}),
		Holidays: []Holiday{
			{Name: "Independence Day", Kind: HolidayFixed, Month: 7, Day: 4, Substitute: nearest},
			{Name: "New Year's Day", Kind: HolidayFixed, Month: 1, Day: 1, Substitute: nearest},
		}})
	cases := []struct {
		law  string
		cal  *Calendar
		date string
		off  bool
		name string
	}{
		{"art. 112: May 1 2027 is a Saturday", ru, "2027-05-03", true, "Spring and Labour Day (substitute day)"},
		{"art. 112: May 9 2027 is a Sunday", ru, "2027-05-10", true, "Victory Day (substitute day)"},
		{"art. 112: June 12 2027 is a Saturday", ru, "2027-06-14", true, "Russia Day (substitute day)"},
		{"art. 112 excludes Jan 1-8: Jan 2-3 2027 move only by decree", ru, "2027-01-11", false, ""},
		{"a weekday holiday has no substitute (May 1 2026 is a Friday)", ru, "2026-05-04", false, ""},
		{"UK 2027: Christmas Day on Saturday -> Monday 27", uk, "2027-12-27", true, "Christmas Day (substitute day)"},
		{"UK 2027: Boxing Day on Sunday -> Tuesday 28 (Monday is taken)", uk, "2027-12-28", true, "Boxing Day (substitute day)"},
		{"UK 2027: Wednesday 29 is a working day", uk, "2027-12-29", false, ""},
		{"UK 2026: Boxing Day on Saturday -> Monday 28", uk, "2026-12-28", true, "Boxing Day (substitute day)"},
		{"US: July 4 2026 is a Saturday -> Friday 3", us, "2026-07-03", true, "Independence Day (substitute day)"},
		{"US: New Year 2028 is a Saturday -> Friday Dec 31 2027", us, "2027-12-31", true, "New Year's Day (substitute day)"},
		{"US: July 4 2027 is a Sunday -> Monday 5", us, "2027-07-05", true, "Independence Day (substitute day)"},
	}
	for _, tc := range cases {
		ws, name := tc.cal.Hours(d(tc.date))
		if (len(ws) == 0) != tc.off || name != tc.name {
			t.Errorf("%s: %s is %q (%s), want off=%v (%s)", tc.law, tc.date, hoursString(ws), name, tc.off, tc.name)
		}
	}
}

// Country sets from github.com/rickar/cal/v2. "If a bank holiday is on a
// weekend, a 'substitute' weekday becomes a bank holiday, normally the
// following Monday" (gov.uk/bank-holidays): 2027's Christmas Day is a
// Saturday and Boxing Day a Sunday, so Monday 27 and Tuesday 28 are off.
// Russia's set follows art. 112 (May 3, May 10, Jun 14 2027), not rickar's
// weekend rule for Jan 1 and Jan 7. Slovenia's matches B2Bee's typed list.
func TestCountryHolidays(t *testing.T) {
	d := func(s string) Date { v, _ := ParseDate(s); return v }
	country := func(code string) *Calendar {
		hs, err := CountryHolidays(code)
		if err != nil {
			t.Fatal(err)
		}
		return mustCal(t, Spec{Name: code, Location: time.UTC, Week: week(monFri, Window{9 * 60, 17 * 60}), Holidays: hs})
	}
	gb, ru, si, us := country("gb"), country("ru"), country("si"), country("us")
	cases := []struct {
		law  string
		cal  *Calendar
		date string
		off  bool
	}{
		{"gb: Christmas Day 2027 (Sat) observed Monday 27", gb, "2027-12-27", true},
		{"gb: Boxing Day 2027 (Sun) observed Tuesday 28", gb, "2027-12-28", true},
		{"gb: Wednesday 29 Dec 2027 works", gb, "2027-12-29", false},
		{"gb: Easter Monday 2027", gb, "2027-03-29", true},
		{"gb: early May bank holiday 2027 (first Monday)", gb, "2027-05-03", true},
		{"ru art. 112: May 1 2027 (Sat) -> Monday 3", ru, "2027-05-03", true},
		{"ru art. 112: May 9 2027 (Sun) -> Monday 10", ru, "2027-05-10", true},
		{"ru art. 112: Jun 12 2027 (Sat) -> Monday 14", ru, "2027-06-14", true},
		{"ru: Jan 1-8 are all holidays (Jan 5 2027)", ru, "2027-01-05", true},
		{"ru: January holidays move only by decree (Jan 11 2027 works)", ru, "2027-01-11", false},
		{"si: Prešeren Day 2027 (Mon 8 Feb)", si, "2027-02-08", true},
		{"si: Easter Monday 2027", si, "2027-03-29", true},
		{"si: no substitute days (Jan 1-2 2028 are Sat-Sun, Jan 3 works)", si, "2028-01-03", false},
		{"us: New Year 2028 (Sat) observed Friday 31 Dec 2027", us, "2027-12-31", true},
		{"us: Thanksgiving 2029 is the 4th Thursday (22 Nov)", us, "2029-11-22", true},
	}
	for _, tc := range cases {
		ws, name := tc.cal.Hours(d(tc.date))
		if (len(ws) == 0) != tc.off {
			t.Errorf("%s: %s is %q (%s), want off=%v", tc.law, tc.date, hoursString(ws), name, tc.off)
		}
	}
	if _, err := CountryHolidays("tr"); err == nil || !strings.Contains(err.Error(), "gb") {
		t.Errorf("tr: %v, want an error listing the known countries", err)
	}
}
