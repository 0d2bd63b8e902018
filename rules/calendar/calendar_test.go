package calendar

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

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
		{"2026-12-24", "09:00-13:00", "Christmas Eve"},
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
		{"half-day, then Christmas and the weekend", "2026-12-24T12:00:00Z", 2 * time.Hour, "2026-12-28T10:00:00Z"},
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
