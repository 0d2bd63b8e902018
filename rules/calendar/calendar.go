package calendar

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Date is a civil date, without a zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the civil date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate reads "2006-01-02".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse("2006-01-02", strings.TrimSpace(s))
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date (YYYY-MM-DD)", s)
	}
	return DateOf(t), nil
}

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// Before reports whether d is an earlier day than o.
func (d Date) Before(o Date) bool {
	if d.Year != o.Year {
		return d.Year < o.Year
	}
	if d.Month != o.Month {
		return d.Month < o.Month
	}
	return d.Day < o.Day
}

func (d Date) civil() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// Weekday is the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.civil().Weekday() }

// AddDays returns the date n days after d.
func (d Date) AddDays(n int) Date { return DateOf(d.civil().AddDate(0, 0, n)) }

// Window is an opening window of one day in minutes after local midnight:
// [Start, End), 0 <= Start < End <= 1440 (1440 is 24:00).
type Window struct{ Start, End int }

// ParseWindow reads "09:00-18:00", "08:00-24:00" or "8-22".
func ParseWindow(s string) (Window, error) {
	a, b, ok := strings.Cut(strings.ReplaceAll(s, " ", ""), "-")
	if !ok {
		return Window{}, fmt.Errorf("%q is not a window: write HH:MM-HH:MM", s)
	}
	start, err1 := parseClock(a)
	end, err2 := parseClock(b)
	if err := errors.Join(err1, err2); err != nil {
		return Window{}, fmt.Errorf("window %q: %w", s, err)
	}
	if end <= start {
		return Window{}, fmt.Errorf("window %q ends before it starts (a window never spans midnight: split it at 24:00)", s)
	}
	return Window{start, end}, nil
}

func parseClock(s string) (int, error) {
	h, m, hasMin := strings.Cut(s, ":")
	hh, err := strconv.Atoi(h)
	if err != nil || len(h) > 2 {
		return 0, fmt.Errorf("%q is not a time of day", s)
	}
	mm := 0
	if hasMin {
		mm, err = strconv.Atoi(m)
		if err != nil || len(m) != 2 || mm > 59 {
			return 0, fmt.Errorf("%q is not a time of day", s)
		}
	}
	v := hh*60 + mm
	if hh < 0 || v > 1440 {
		return 0, fmt.Errorf("%q is past 24:00", s)
	}
	return v, nil
}

func (w Window) String() string {
	return fmt.Sprintf("%02d:%02d-%02d:%02d", w.Start/60, w.Start%60, w.End/60, w.End%60)
}

// HolidayKind says how a holiday finds its days.
type HolidayKind int

// Holiday kinds.
const (
	HolidayFixed      HolidayKind = iota // every year on Month/Day
	HolidayNthWeekday                    // the N-th Weekday of Month; N = -1 is the last
	HolidayEaster                        // Western Easter Sunday + Offset days
	HolidayDates                         // the listed Dates
	HolidayRange                         // From..To inclusive
	HolidayComputed                      // Calc gives the day each year (a country set's rule)
)

// Holiday is a rule for days off. With Hours set it is a half-day: a day
// the week opens is narrowed to those windows (a closed day stays closed).
// Substitute says where the day off goes when the holiday falls on a day
// the week keeps closed.
type Holiday struct {
	Name string
	// Source is where the dates come from (a URL, or a document's name
	// and date), shown beside the day so a reader can check it.
	Source     string
	Kind       HolidayKind
	Month      time.Month
	Day        int
	Weekday    time.Weekday
	N          int
	Offset     int
	Dates      []Date
	From, To   Date
	Hours      []Window
	Substitute Substitute
	// Calc is the day of a HolidayComputed in a year; ok is false in years
	// the holiday is not kept.
	Calc func(year int) (d Date, ok bool)
}

// Substitute is what happens to a full-day holiday that falls on a day the
// week keeps closed (a weekend).
type Substitute int

// Substitute rules.
const (
	// SubstituteNone: the day off is lost (Slovenia, Turkey).
	SubstituteNone Substitute = iota
	// SubstituteNextWorkingDay: the next day that is open and not already a
	// holiday or another holiday's substitute (Russia's Labour Code art.
	// 112; the UK's substitute bank holidays: Christmas on a Saturday moves
	// to Monday, Boxing Day on the Sunday to Tuesday).
	SubstituteNextWorkingDay
	// SubstituteNearestWeekday: the open day before when there is one
	// (Saturday to Friday), else the next working day (Sunday to Monday),
	// as US federal holidays.
	SubstituteNearestWeekday
)

var substituteNames = map[Substitute]string{SubstituteNone: "none",
	SubstituteNextWorkingDay: "next_working_day", SubstituteNearestWeekday: "nearest_weekday"}

func (s Substitute) String() string { return substituteNames[s] }

// ParseSubstitute reads "none", "next_working_day" or "nearest_weekday".
func ParseSubstitute(s string) (Substitute, error) {
	for k, v := range substituteNames {
		if v == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("%q is not a substitute rule (none, next_working_day or nearest_weekday)", s)
}

// Dated reports whether the holiday lists explicit years (dates or a
// range): data someone must keep typing in, year by year.
func (h Holiday) Dated() bool { return h.Kind == HolidayDates || h.Kind == HolidayRange }

// Matches reports whether the holiday falls on d.
func (h Holiday) Matches(d Date) bool {
	switch h.Kind {
	case HolidayFixed:
		return d.Month == h.Month && d.Day == h.Day
	case HolidayNthWeekday:
		if d.Month != h.Month || d.Weekday() != h.Weekday {
			return false
		}
		if h.N < 0 {
			return d.AddDays(7).Month != d.Month
		}
		return (d.Day-1)/7+1 == h.N
	case HolidayEaster:
		return easter(d.Year).AddDays(h.Offset) == d
	case HolidayDates:
		for _, x := range h.Dates {
			if x == d {
				return true
			}
		}
	case HolidayRange:
		return !d.Before(h.From) && !h.To.Before(d)
	case HolidayComputed:
		// An observed day may cross the new year (a Saturday 1 January is
		// observed on Friday 31 December in the US).
		for y := d.Year - 1; y <= d.Year+1; y++ {
			if x, ok := h.Calc(y); ok && x == d {
				return true
			}
		}
	}
	return false
}

// easter returns Western Easter Sunday (anonymous Gregorian algorithm).
func easter(y int) Date {
	a := y % 19
	b, c := y/100, y%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return Date{y, time.Month(month), day}
}

// DayOverride replaces the windows of one date: an extra working day, or
// special hours. Empty Hours means closed. Overrides win over holidays.
type DayOverride struct {
	Date   Date
	Hours  []Window
	Name   string
	Source string // where the day comes from (a URL, or a document's name and date)
}

// Note is what shaped a day's windows: the holiday, substitute day, feed
// event or override (Name), and where its dates come from (Source, empty
// when the entry names none). The zero Note is a day the week alone shapes.
type Note struct {
	Name   string
	Source string
}

// String is the name, followed by the source when there is one.
func (n Note) String() string {
	if n.Source == "" {
		return n.Name
	}
	return n.Name + "; source: " + n.Source
}

// Spec describes a calendar; New validates and indexes it.
type Spec struct {
	Name      string
	Location  *time.Location
	Week      [7][]Window // by time.Weekday
	Holidays  []Holiday
	Overrides []DayOverride
	// Feeds add days off from holiday feeds; they change when refreshed.
	Feeds []*Feed
}

// Calendar is business time in one zone. Arithmetic runs on an index of
// opening intervals (absolute instants, built day by day with time.Date in
// the zone, so DST days have their real length) with a prefix sum of
// business time: Add and Between are two binary searches whatever the
// duration. The index covers a span of years and grows on demand; it is
// immutable once published, so readers never lock.
type Calendar struct {
	spec    Spec
	nominal time.Duration
	// subs caches each year's substitute days (year -> map[Date]string);
	// hasSubs skips the lookup for calendars without substitute rules.
	subs    sync.Map
	hasSubs bool
	index   atomic.Pointer[workIndex]
	grow    sync.Mutex
	// builds counts index builds, so a test can hold growth to a few
	// rebuilds however far an answer lies.
	builds atomic.Int32
}

// workIndex is the opening intervals of the years [from, to] as Unix
// nanoseconds; cum[i] is the business time before interval i.
type workIndex struct {
	from, to int
	lo, hi   int64 // the instants the index covers: [lo, hi)
	starts   []int64
	ends     []int64
	cum      []int64
	// byDay[k] is the number of intervals starting at or before
	// lo + k*24h: at() jumps to an instant's day and steps over the few
	// intervals of that day instead of binary-searching years of them.
	byDay []int32
}

// dayNanos is the width of byDay's buckets (24 hours of elapsed time, not
// calendar days: only the bucket's first interval matters).
const dayNanos = int64(24 * time.Hour)

// Years the index may cover: Unix nanoseconds end in 2262.
const (
	minYear = 1900
	maxYear = 2260
)

// New validates spec and returns its calendar.
func New(spec Spec) (*Calendar, error) {
	if spec.Location == nil {
		return nil, fmt.Errorf("calendar %q has no time zone", spec.Name)
	}
	open := false
	for d, ws := range spec.Week {
		for i, w := range ws {
			if w.Start < 0 || w.End > 1440 || w.End <= w.Start {
				return nil, fmt.Errorf("calendar %q: %s window %s is not a window of one day", spec.Name, time.Weekday(d), w)
			}
			if i > 0 && w.Start < ws[i-1].End {
				return nil, fmt.Errorf("calendar %q: %s windows %s and %s overlap or are out of order", spec.Name, time.Weekday(d), ws[i-1], w)
			}
			open = true
		}
	}
	for _, o := range spec.Overrides {
		open = open || len(o.Hours) > 0
	}
	if !open {
		return nil, fmt.Errorf("calendar %q is never open", spec.Name)
	}
	c := &Calendar{spec: spec}
	for _, h := range spec.Holidays {
		c.hasSubs = c.hasSubs || h.Substitute != SubstituteNone
	}
	for _, f := range spec.Feeds {
		f.attach(c)
	}
	c.nominal = c.nominalDay()
	return c, nil
}

// Name is the calendar's name in the policy.
func (c *Calendar) Name() string { return c.spec.Name }

// DatedYears returns the years the calendar's dated holidays (explicit
// dates and ranges) and feeds have days off in, sorted; depends is false
// when the calendar has neither (its holidays are rules that hold every
// year, and it cannot go stale).
func (c *Calendar) DatedYears() (years []int, depends bool) {
	seen := map[int]bool{}
	for _, f := range c.spec.Feeds {
		depends = true
		if fd := f.Data(); fd != nil {
			for _, y := range fd.Years {
				seen[y] = true
			}
		}
	}
	for _, h := range c.spec.Holidays {
		switch h.Kind {
		case HolidayDates:
			depends = true
			for _, d := range h.Dates {
				seen[d.Year] = true
			}
		case HolidayRange:
			depends = true
			for y := h.From.Year; y <= h.To.Year; y++ {
				seen[y] = true
			}
		}
	}
	for y := range seen {
		years = append(years, y)
	}
	sort.Ints(years)
	return years, depends
}

// DatedSources lists the sources named by the calendar's dated holidays
// and overrides, the latest year's first, each once: where days of the
// next year are published too (the next decree, the next edition of the
// published calendar).
func (c *Calendar) DatedSources() []string {
	last := map[string]int{}
	note := func(src string, y int) {
		if src != "" && y > last[src] {
			last[src] = y
		}
	}
	for _, h := range c.spec.Holidays {
		switch h.Kind {
		case HolidayDates:
			for _, d := range h.Dates {
				note(h.Source, d.Year)
			}
		case HolidayRange:
			note(h.Source, h.To.Year)
		}
	}
	for _, o := range c.spec.Overrides {
		note(o.Source, o.Date.Year)
	}
	out := make([]string, 0, len(last))
	for src := range last {
		out = append(out, src)
	}
	sort.Slice(out, func(i, j int) bool {
		if last[out[i]] != last[out[j]] {
			return last[out[i]] > last[out[j]]
		}
		return out[i] < out[j]
	})
	return out
}

// Spec returns the calendar's description (shared: do not modify it).
func (c *Calendar) Spec() Spec { return c.spec }

// Location is the calendar's zone.
func (c *Calendar) Location() *time.Location { return c.spec.Location }

// Hours returns the windows of date d and the name of the holiday or
// override that shaped them. Precedence, whatever the order of the lists:
//  1. an override sets the day (only an override opens a closed day);
//  2. a full-day holiday, or a substitute day, closes it;
//  3. a half-day narrows a day the week opens to its hours (on a day the
//     week keeps closed it does nothing: a feast eve on a Saturday stays
//     a closed Saturday);
//  4. otherwise the week's windows.
func (c *Calendar) Hours(d Date) ([]Window, string) {
	ws, why := c.Day(d)
	return ws, why.Name
}

// Day is Hours with the whole note: what shaped the day and its source.
func (c *Calendar) Day(d Date) ([]Window, Note) {
	for _, o := range c.spec.Overrides {
		if o.Date == d {
			return o.Hours, Note{o.Name, o.Source}
		}
	}
	if why, closed := c.closure(d); closed {
		return nil, why
	}
	if why, ok := c.substitutes(d.Year)[d]; ok {
		return nil, why
	}
	return c.narrowed(d)
}

// closure returns the first full-day holiday (listed or from a feed) on d.
func (c *Calendar) closure(d Date) (Note, bool) {
	for i := range c.spec.Holidays {
		if h := &c.spec.Holidays[i]; len(h.Hours) == 0 && h.Matches(d) {
			return Note{h.Name, h.Source}, true
		}
	}
	for _, f := range c.spec.Feeds {
		if fd, ok := f.day(d); ok && fd.Closed == nil {
			return Note{Name: fd.Name}, true // no source: a feed's URL may carry its secret
		}
	}
	return Note{}, false
}

// reset drops the index and the substitutes (a feed changed): the next
// question rebuilds them from the new data.
func (c *Calendar) reset() {
	c.grow.Lock()
	defer c.grow.Unlock()
	c.subs.Clear()
	c.index.Store(nil)
}

// narrowed is the week's windows of d cut to every half-day on d.
func (c *Calendar) narrowed(d Date) ([]Window, Note) {
	ws := c.spec.Week[d.Weekday()]
	if len(ws) == 0 {
		return nil, Note{}
	}
	var why Note
	for i := range c.spec.Holidays {
		if h := &c.spec.Holidays[i]; len(h.Hours) > 0 && h.Matches(d) {
			ws = intersect(ws, h.Hours)
			if why.Name == "" {
				why = Note{h.Name, h.Source}
			}
		}
	}
	for _, f := range c.spec.Feeds {
		if fd, ok := f.day(d); ok {
			ws = subtract(ws, fd.Closed)
			if why.Name == "" {
				why = Note{Name: fd.Name}
			}
		}
	}
	return ws, why
}

// subtract returns the parts of a outside every window of b.
func subtract(a, b []Window) []Window {
	for _, y := range b {
		var out []Window
		for _, x := range a {
			if x.Start < y.Start {
				out = append(out, Window{x.Start, min(x.End, y.Start)})
			}
			if x.End > y.End {
				out = append(out, Window{max(x.Start, y.End), x.End})
			}
		}
		a = out
	}
	return a
}

// intersect returns the parts of a that lie inside b (both sorted, disjoint).
func intersect(a, b []Window) []Window {
	var out []Window
	for _, x := range a {
		for _, y := range b {
			if s, e := max(x.Start, y.Start), min(x.End, y.End); s < e {
				out = append(out, Window{s, e})
			}
		}
	}
	return out
}

// working reports whether d is a working day before substitutes: open by
// the week (or an override) and not closed by a full-day holiday.
func (c *Calendar) working(d Date) bool {
	for _, o := range c.spec.Overrides {
		if o.Date == d {
			return len(o.Hours) > 0
		}
	}
	if _, closed := c.closure(d); closed {
		return false
	}
	return len(c.spec.Week[d.Weekday()]) > 0
}

// substitutes returns the substitute days off that land in year y: those
// of the holidays of y, of the last weeks of y-1 (moving forward into y) and
// of the first week of y+1 (moving back into y). Computed once a year
// and cached; the map is never written after it is published.
func (c *Calendar) substitutes(y int) map[Date]Note {
	if !c.hasSubs {
		return nil
	}
	if m, ok := c.subs.Load(y); ok {
		return m.(map[Date]Note)
	}
	m := map[Date]Note{}
	taken := map[Date]bool{}
	last := Date{y + 1, time.January, 7}
	for d := (Date{y - 1, time.December, 1}); d.Before(last); d = d.AddDays(1) {
		if len(c.spec.Week[d.Weekday()]) > 0 {
			continue // the holiday is a day off where it falls
		}
		for i := range c.spec.Holidays {
			h := &c.spec.Holidays[i]
			if h.Substitute == SubstituteNone || len(h.Hours) > 0 || !h.Matches(d) {
				continue
			}
			sub := d.AddDays(1)
			if prev := d.AddDays(-1); h.Substitute == SubstituteNearestWeekday && c.working(prev) && !taken[prev] {
				sub = prev
			} else {
				for n := 0; n < 366 && (!c.working(sub) || taken[sub]); n++ {
					sub = sub.AddDays(1)
				}
			}
			taken[sub] = true
			if sub.Year == y {
				m[sub] = Note{h.Name + " (substitute day)", h.Source}
			}
		}
	}
	c.subs.Store(y, m)
	return m
}

// NominalDay is one regular business day: the most common non-zero daily
// opening length of the week (ties: the longest). It defines the "bd" unit.
func (c *Calendar) NominalDay() time.Duration { return c.nominal }

func (c *Calendar) nominalDay() time.Duration {
	count := map[int]int{}
	best, bestN := 0, 0
	for _, ws := range c.spec.Week {
		n := 0
		for _, w := range ws {
			n += w.End - w.Start
		}
		if n == 0 {
			continue
		}
		count[n]++
		if count[n] > bestN || (count[n] == bestN && n > best) {
			best, bestN = n, count[n]
		}
	}
	return time.Duration(best) * time.Minute
}

// Add returns the instant at which d of business time has passed after t.
// A result exactly at a closing time is that closing time. d <= 0 returns t.
func (c *Calendar) Add(t time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return t
	}
	ns := clampNanos(t)
	for {
		ix := c.covering(ns)
		i := ix.at(ns)
		target := ix.positionAt(i, ns) + int64(d)
		n := len(ix.starts)
		if n > 0 && target <= ix.through(n-1) {
			j := ix.reaching(max(i, 0), target)
			return time.Unix(0, ix.starts[j]+target-ix.cum[j]).In(c.spec.Location)
		}
		if ix.to >= maxYear {
			return time.Unix(0, ix.hi).In(c.spec.Location)
		}
		c.growForward(ix) // not enough business time indexed
	}
}

// Between returns the business time in [a, b); 0 if b <= a.
func (c *Calendar) Between(a, b time.Time) time.Duration {
	if !b.After(a) {
		return 0
	}
	an, bn := clampNanos(a), clampNanos(b)
	c.covering(an)
	for {
		// Both positions must come from one index: a feed refresh may
		// replace it between the two calls.
		ix := c.covering(bn)
		if an >= ix.lo {
			return time.Duration(ix.position(bn) - ix.position(an))
		}
		c.covering(an)
	}
}

// IsOpen reports whether t falls inside an opening window.
func (c *Calendar) IsOpen(t time.Time) bool {
	ns := clampNanos(t)
	ix := c.covering(ns)
	i := ix.at(ns)
	return i >= 0 && ns < ix.ends[i]
}

// NextOpen returns t if the calendar is open at t, else the next opening.
func (c *Calendar) NextOpen(t time.Time) time.Time {
	if c.IsOpen(t) {
		return t
	}
	ns := clampNanos(t)
	for {
		ix := c.covering(ns)
		if i := ix.at(ns) + 1; i < len(ix.starts) {
			return time.Unix(0, ix.starts[i]).In(c.spec.Location)
		}
		if ix.to >= maxYear {
			return time.Unix(0, ix.hi).In(c.spec.Location)
		}
		c.growForward(ix)
	}
}

// growForward publishes an index reaching further into the future than ix.
// The span doubles each time: every growth rebuilds the index, so growing
// by a fixed step would cost the square of the distance to the answer (a
// calendar that is open only on a few listed dates would otherwise spend
// seconds finding that it never opens again).
func (c *Calendar) growForward(ix *workIndex) {
	c.extend(ix.from, min(maxYear, ix.to+max(2, ix.to-ix.from+1)))
}

var (
	minInstant = time.Date(minYear, 1, 2, 0, 0, 0, 0, time.UTC)
	maxInstant = time.Date(maxYear, 12, 30, 0, 0, 0, 0, time.UTC)
)

// clampNanos keeps t inside the years the index may cover.
func clampNanos(t time.Time) int64 {
	switch {
	case t.Before(minInstant):
		return minInstant.UnixNano()
	case t.After(maxInstant):
		return maxInstant.UnixNano()
	}
	return t.UnixNano()
}

// at returns the index of the last interval starting at or before ns, or -1.
func (ix *workIndex) at(ns int64) int {
	if ns < ix.lo || ns >= ix.hi {
		return sort.Search(len(ix.starts), func(i int) bool { return ix.starts[i] > ns }) - 1
	}
	i := int(ix.byDay[(uint64(ns)-uint64(ix.lo))/uint64(dayNanos)]) // intervals starting by the bucket's start
	for i < len(ix.starts) && ix.starts[i] <= ns {
		i++
	}
	return i - 1
}

// position is the business time from the index's start to ns.
func (ix *workIndex) position(ns int64) int64 { return ix.positionAt(ix.at(ns), ns) }

// positionAt is position(ns) for i = ix.at(ns).
func (ix *workIndex) positionAt(i int, ns int64) int64 {
	if i < 0 {
		return 0
	}
	if ns < ix.ends[i] {
		return ix.cum[i] + ns - ix.starts[i]
	}
	return ix.through(i)
}

// through is the business time from the index's start to the end of
// interval i.
func (ix *workIndex) through(i int) int64 { return ix.cum[i] + ix.ends[i] - ix.starts[i] }

// reaching returns the first interval j >= from whose end reaches the
// business-time position target (through(j) >= target; the caller makes
// sure one exists). Add's answer usually lies a few intervals after its
// start, so the search gallops forward from there (1, 2, 4... intervals)
// and halves only the last stride: a few steps instead of a binary search
// over years of intervals.
func (ix *workIndex) reaching(from int, target int64) int {
	lo, hi := from-1, from // through(lo) < target, unless lo is before from
	for step := 1; ix.through(hi) < target; step *= 2 {
		lo, hi = hi, min(hi+step, len(ix.starts)-1)
	}
	for hi-lo > 1 {
		mid := int(uint(lo+hi) >> 1)
		if ix.through(mid) >= target {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}

// covering returns an index that covers ns, growing it if needed. Positions
// from one index are only comparable with positions from the same or a later
// index that starts at the same year, which covering guarantees by growing
// backwards only when rebuilding from scratch is needed anyway.
func (c *Calendar) covering(ns int64) *workIndex {
	if ix := c.index.Load(); ix != nil && ns >= ix.lo && ns < ix.hi {
		return ix
	}
	y := time.Unix(0, ns).In(c.spec.Location).Year()
	from, to := y-1, y+1
	if ix := c.index.Load(); ix != nil {
		from, to = min(from, ix.from), max(to, ix.to)
	}
	return c.extend(max(minYear, from), min(maxYear, to))
}

// extend publishes an index covering at least the years [from, to].
func (c *Calendar) extend(from, to int) *workIndex {
	c.grow.Lock()
	defer c.grow.Unlock()
	if ix := c.index.Load(); ix != nil {
		if ix.from <= from && ix.to >= to {
			return ix
		}
		from, to = min(from, ix.from), max(to, ix.to)
	}
	ix := c.build(from, to)
	c.builds.Add(1)
	c.index.Store(ix)
	return ix
}

// build indexes the opening intervals of the years [from, to]. Touching
// windows (Monday 00:00-24:00 and Tuesday 00:00-...) merge into one stretch.
func (c *Calendar) build(from, to int) *workIndex {
	loc := c.spec.Location
	ix := &workIndex{from: from, to: to,
		lo: time.Date(from, 1, 1, 0, 0, 0, 0, loc).UnixNano(),
		hi: time.Date(to+1, 1, 1, 0, 0, 0, 0, loc).UnixNano()}
	days := (to - from + 1) * 366
	ix.starts = make([]int64, 0, days)
	ix.ends = make([]int64, 0, days)
	ix.cum = make([]int64, 0, days)
	var total int64
	for d := (Date{from, time.January, 1}); d.Year <= to; d = d.AddDays(1) {
		ws, _ := c.Hours(d)
		for _, w := range ws {
			s := time.Date(d.Year, d.Month, d.Day, w.Start/60, w.Start%60, 0, 0, loc).UnixNano()
			e := time.Date(d.Year, d.Month, d.Day, w.End/60, w.End%60, 0, 0, loc).UnixNano()
			if e <= s {
				continue // a window swallowed by a DST gap
			}
			if n := len(ix.ends); n > 0 && s <= ix.ends[n-1] {
				if e > ix.ends[n-1] {
					total += e - ix.ends[n-1]
					ix.ends[n-1] = e
				}
				continue
			}
			ix.starts = append(ix.starts, s)
			ix.ends = append(ix.ends, e)
			ix.cum = append(ix.cum, total)
			total += e - s
		}
	}
	// hi-lo can exceed int64 (1900 to 2260 is 360 years of nanoseconds):
	// the span is counted in uint64.
	ix.byDay = make([]int32, (uint64(ix.hi)-uint64(ix.lo))/uint64(dayNanos)+1)
	i := 0
	for k := range ix.byDay {
		for at := ix.lo + int64(k)*dayNanos; i < len(ix.starts) && ix.starts[i] <= at; i++ {
		}
		ix.byDay[k] = int32(i)
	}
	return ix
}
