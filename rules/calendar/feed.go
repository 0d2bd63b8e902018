package calendar

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/teambition/rrule-go"
)

// Feed is a holiday feed (iCalendar, RFC 5545) a calendar takes days off
// from: a public-holiday feed people already subscribe to. The feed's
// contents arrive from outside (a fetcher that refreshes and caches it, see
// package bot); until the first copy arrives the feed adds nothing and the
// calendar counts as depending on data it does not have (stale).
type Feed struct {
	Name   string // where the policy defines it, for messages
	Source string // https URL or file path
	// Dir is the policy directory a file Source lies in: the file is read
	// through os.Root there, so it cannot lead out (empty for a URL).
	Dir      string
	Location *time.Location // where the feed's floating and timed events are placed
	DaysOff  *regexp.Regexp // events whose summary, description or categories match are days off; nil: all
	Refresh  time.Duration  // how often the fetcher reloads it

	data atomic.Pointer[FeedData]
	mu   sync.Mutex
	cals []*Calendar // calendars whose index depends on this feed
}

// FeedData is one parsed copy of a feed.
type FeedData struct {
	Days    map[Date]FeedDay
	Years   []int // years with at least one day off, sorted
	Kept    int   // events taken as days off (an RRULE counts once)
	Dropped int   // events the DaysOff filter dropped (observances)
}

// FeedDay is a feed's day off: the whole day, or only Closed windows of it
// (a timed event, such as an afternoon closure).
type FeedDay struct {
	Name   string
	Closed []Window // nil: the whole day
}

// Data returns the copy in use, or nil before the first one.
func (f *Feed) Data() *FeedData { return f.data.Load() }

// Update publishes a new copy and makes every calendar using the feed
// rebuild its index on next use.
func (f *Feed) Update(d *FeedData) {
	f.data.Store(d)
	f.mu.Lock()
	cals := append([]*Calendar(nil), f.cals...)
	f.mu.Unlock()
	for _, c := range cals {
		c.reset()
	}
}

func (f *Feed) attach(c *Calendar) {
	f.mu.Lock()
	f.cals = append(f.cals, c)
	f.mu.Unlock()
}

// day returns the feed's entry for d.
func (f *Feed) day(d Date) (FeedDay, bool) {
	fd := f.data.Load()
	if fd == nil {
		return FeedDay{}, false
	}
	v, ok := fd.Days[d]
	return v, ok
}

// ParseICS reads an iCalendar feed into days off in loc, expanding
// recurring events (RRULE, minus EXDATE) over the years [from, to].
// All-day events (DTSTART;VALUE=DATE) are civil dates and stay on their
// dates whatever the zone; timed events are placed in loc, split at
// midnight, and close only the hours they cover. Events the keep filter
// does not match (observances in a public-holiday feed) are dropped.
func ParseICS(data []byte, keep *regexp.Regexp, loc *time.Location, from, to int) (*FeedData, error) {
	cal, err := ics.ParseCalendar(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("not an iCalendar feed: %w", err)
	}
	out := &FeedData{Days: map[Date]FeedDay{}}
	events := cal.Events()
	if len(events) == 0 && !bytes.Contains(data, []byte("BEGIN:VCALENDAR")) {
		return nil, fmt.Errorf("not an iCalendar feed: no VCALENDAR")
	}
	lo := time.Date(from, 1, 1, 0, 0, 0, 0, loc)
	hi := time.Date(to+1, 1, 1, 0, 0, 0, 0, loc)
	for _, ev := range events {
		name := propValue(ev.GetProperty(ics.ComponentPropertySummary))
		if keep != nil && !keep.MatchString(name+"\n"+propValue(ev.GetProperty(ics.ComponentPropertyDescription))+"\n"+allValues(ev.GetProperties(ics.ComponentPropertyCategories))) {
			out.Dropped++
			continue
		}
		start, allDay, err := icsTime(ev.GetProperty(ics.ComponentPropertyDtStart), loc)
		if err != nil {
			return nil, fmt.Errorf("event %q: DTSTART: %w", name, err)
		}
		length, err := icsLength(ev, start, allDay, loc)
		if err != nil {
			return nil, fmt.Errorf("event %q: %w", name, err)
		}
		starts := []time.Time{start}
		if rp := ev.GetProperty(ics.ComponentPropertyRrule); rp != nil {
			opt, err := rrule.StrToROptionInLocation(rp.Value, start.Location())
			if err != nil {
				return nil, fmt.Errorf("event %q: RRULE %q: %w", name, rp.Value, err)
			}
			opt.Dtstart = start
			rule, err := rrule.NewRRule(*opt)
			if err != nil {
				return nil, fmt.Errorf("event %q: RRULE %q: %w", name, rp.Value, err)
			}
			starts = rule.Between(lo.AddDate(0, 0, -1), hi.Add(-time.Nanosecond), true)
			excluded := map[time.Time]bool{}
			for _, xp := range ev.GetProperties(ics.ComponentPropertyExdate) {
				for _, v := range strings.Split(xp.Value, ",") {
					x := *xp
					x.Value = v
					if t, _, err := icsTime(&x, loc); err == nil {
						excluded[t] = true
					}
				}
			}
			kept := starts[:0]
			for _, s := range starts {
				if !excluded[s] {
					kept = append(kept, s)
				}
			}
			starts = kept
		}
		out.Kept++
		for _, s := range starts {
			out.add(name, s, length, allDay, loc)
		}
	}
	years := map[int]bool{}
	for d := range out.Days {
		years[d.Year] = true
	}
	for y := range years {
		out.Years = append(out.Years, y)
	}
	sort.Ints(out.Years)
	return out, nil
}

// add records one occurrence: whole days for an all-day event, closed
// windows day by day (in loc) for a timed one.
func (fd *FeedData) add(name string, start time.Time, length time.Duration, allDay bool, loc *time.Location) {
	if allDay {
		days := max(1, int((length+12*time.Hour)/(24*time.Hour)))
		d := DateOf(start)
		for i := 0; i < days; i++ {
			fd.Days[d.AddDays(i)] = FeedDay{Name: name}
		}
		return
	}
	s, e := start.In(loc), start.Add(length).In(loc)
	for d := DateOf(s); ; d = d.AddDays(1) {
		dayStart := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
		next := time.Date(d.Year, d.Month, d.Day+1, 0, 0, 0, 0, loc)
		if !dayStart.Before(e) {
			return
		}
		a, b := 0, 1440
		if s.After(dayStart) {
			a = s.Hour()*60 + s.Minute()
		}
		if e.Before(next) {
			b = e.Hour()*60 + e.Minute()
		}
		prev, exists := fd.Days[d]
		switch {
		case a >= b || (exists && prev.Closed == nil):
			// nothing of this day, or already a whole day off
		case a == 0 && b == 1440:
			fd.Days[d] = FeedDay{Name: name}
		default:
			fd.Days[d] = FeedDay{Name: name, Closed: append(prev.Closed, Window{a, b})}
		}
	}
}

// icsTime reads a DTSTART/DTEND/EXDATE value: a date (all day), a UTC time
// (Z), a time with a TZID, or a floating time (taken in loc).
func icsTime(p *ics.IANAProperty, loc *time.Location) (time.Time, bool, error) {
	if p == nil {
		return time.Time{}, false, fmt.Errorf("missing")
	}
	v := strings.TrimSpace(p.Value)
	if len(v) == 8 {
		t, err := time.ParseInLocation("20060102", v, loc)
		return t, true, err
	}
	if strings.HasSuffix(v, "Z") {
		t, err := time.Parse("20060102T150405Z", v)
		return t, false, err
	}
	zone := loc
	if tz := p.ICalParameters["TZID"]; len(tz) == 1 {
		z, err := time.LoadLocation(strings.Trim(tz[0], `"`))
		if err != nil {
			return time.Time{}, false, fmt.Errorf("TZID %q is not an IANA zone", tz[0])
		}
		zone = z
	}
	t, err := time.ParseInLocation("20060102T150405", v, zone)
	return t, false, err
}

// icsLength is an event's duration from DTEND or DURATION; one day for an
// all-day event with neither, zero for a timed one.
func icsLength(ev *ics.VEvent, start time.Time, allDay bool, loc *time.Location) (time.Duration, error) {
	if p := ev.GetProperty(ics.ComponentPropertyDtEnd); p != nil {
		end, _, err := icsTime(p, loc)
		if err != nil {
			return 0, fmt.Errorf("DTEND: %w", err)
		}
		if allDay {
			// civil days: count dates, not hours (a DST day is 23h)
			return time.Duration(DateOf(end).civil().Sub(DateOf(start).civil())), nil
		}
		return end.Sub(start), nil
	}
	if allDay {
		return 24 * time.Hour, nil
	}
	return 0, nil
}

func propValue(p *ics.IANAProperty) string {
	if p == nil {
		return ""
	}
	return p.Value
}

func allValues(ps []*ics.IANAProperty) string {
	vs := make([]string, len(ps))
	for i, p := range ps {
		vs[i] = p.Value
	}
	return strings.Join(vs, ",")
}
