package rules

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// CreditUse is how an issue was charged against its customer's credits.
type CreditUse struct {
	Month     string // "2026-11", in the policy's zone
	Number    int    // the issue's position among the customer's issues that month
	Charged   bool   // consumed a credit
	DailyCap  bool   // not charged: the day's credits were used up
	OverQuota bool   // not charged: the month's credits were used up
	DayNumber int    // the issue's position among the customer's issues that day
}

// CustomerMonth totals one customer's month.
type CustomerMonth struct {
	Customer      string
	Plan          string
	Month         string
	Issues        int
	Charged       int
	Allowance     int // credits a month; 0 for unlimited
	DailyCapHits  int
	OverQuota     int
	ReviewDays    []string // days with more issues than the review rule allows
	BillableHours float64
	AfterHours    time.Duration
}

// countCredits charges every issue of a known customer, in creation order
// (ties by key), against its plan: per calendar month and day in the
// policy's zone, no carry-over, at most CreditsPerDay a day. An issue turned
// away by the daily cap or the monthly allowance consumes nothing. The same
// issues always give the same charges. It also applies the review rule and
// totals billed hours. names[who[i]] is outs[i].customerKey(): customers
// are told apart by number, which hashes faster than their names.
func (p *Policy) countCredits(outs []Outcome, who []int, names []string, now time.Time, sc *scratch) []CustomerMonth {
	// Sorting compact entries rather than indexes into outs keeps the
	// comparisons in cache, and entries without pointers are moved without
	// write barriers and never scanned by the garbage collector. An entry
	// holds the creation instant as Unix seconds and nanoseconds, which
	// order instants as time.Time.Compare does unless both carry a
	// monotonic clock reading (then Compare compares the readings, and so
	// does the sort), and its calendar date in the policy's zone, worked out
	// here in input order rather than in the charging loop. Ties go to the
	// key, then to the index, which makes the order total: an unstable sort
	// then gives what a stable sort by creation and key would.
	type entry struct {
		sec        int64
		year       int
		i          int
		nsec       int32
		month, day uint8
	}
	order := make([]entry, 0, len(outs))
	exact := false
	for i := range outs {
		if c := outs[i].Issue.Created; !c.After(now) {
			y, m, d := c.In(p.Location).Date()
			order = append(order, entry{sec: c.Unix(), nsec: int32(c.Nanosecond()), i: i, year: y, month: uint8(m), day: uint8(d)})
			exact = exact || hasMonotonic(c)
		}
	}
	slices.SortFunc(order, func(a, b entry) int {
		if exact {
			if c := outs[a.i].Issue.Created.Compare(outs[b.i].Issue.Created); c != 0 {
				return c
			}
		} else {
			if c := cmp.Compare(a.sec, b.sec); c != 0 {
				return c
			}
			if c := cmp.Compare(a.nsec, b.nsec); c != 0 {
				return c
			}
		}
		if c := strings.Compare(outs[a.i].Issue.Key, outs[b.i].Issue.Key); c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i)
	})
	type monthKey struct {
		who   int // index in names
		month int // year*100 + month
	}
	type dayKey struct {
		who int
		day int // year*10000 + month*100 + day
	}
	// dayTally counts one customer's day; name is its "2026-11-05", built
	// when a flag first needs it.
	type dayTally struct {
		count, charged int
		name           string
	}
	months := map[monthKey]*CustomerMonth{}
	var monthOrder []monthKey
	days := map[dayKey]*dayTally{}
	for _, e := range order {
		o, id := &outs[e.i], who[e.i]
		who := names[id]
		y, m, d := e.year, time.Month(e.month), int(e.day)
		mk := monthKey{id, y*100 + int(m)}
		cm := months[mk]
		if cm == nil {
			cm = &CustomerMonth{Customer: who, Month: fmt.Sprintf("%04d-%02d", y, int(m))}
			if o.Plan != nil {
				cm.Plan, cm.Allowance = o.Plan.Name, o.Plan.CreditsPerMonth
			}
			months[mk] = cm
			monthOrder = append(monthOrder, mk)
		}
		cm.Issues++
		dk := dayKey{id, mk.month*100 + d}
		dt := days[dk]
		if dt == nil {
			dt = &dayTally{}
			days[dk] = dt
		}
		day := func() string {
			if dt.name == "" {
				dt.name = cm.Month + "-" + twoDigits(d)
			}
			return dt.name
		}
		dt.count++
		cm.BillableHours += o.BillableHours
		cm.AfterHours += o.AfterHours

		if p.Review.MaxPerDay > 0 && who != "" && dt.count > p.Review.MaxPerDay {
			// Many issues get this flag: concatenation is much cheaper than
			// fmt and gives the same text.
			o.flag(sc, FlagReview, "issue "+strconv.Itoa(dt.count)+" of "+who+" on "+day()+
				": more than "+strconv.Itoa(p.Review.MaxPerDay)+" a day calls for a review of SLA times and priorities")
			if n := len(cm.ReviewDays); n == 0 || cm.ReviewDays[n-1] != day() {
				cm.ReviewDays = append(cm.ReviewDays, day())
			}
		}
		if o.Customer == nil || o.Plan == nil {
			continue
		}
		pl := o.Plan
		use := &sc.credits.take(1)[0]
		*use = CreditUse{Month: cm.Month, Number: cm.Issues, DayNumber: dt.count}
		switch {
		case pl.CreditsPerDay > 0 && dt.charged >= pl.CreditsPerDay:
			use.DailyCap = true
			cm.DailyCapHits++
			o.flag(sc, FlagDailyCap, fmt.Sprintf("%s already used %d credit(s) on %s; plan %s allows %d a day", who, dt.charged, day(), pl.Name, pl.CreditsPerDay))
		case pl.CreditsPerMonth > 0 && cm.Charged >= pl.CreditsPerMonth:
			use.OverQuota = true
			cm.OverQuota++
			o.flag(sc, FlagOverQuota, fmt.Sprintf("%s used all %d credit(s) of plan %s in %s (credits do not carry over)", who, pl.CreditsPerMonth, pl.Name, cm.Month))
		default:
			use.Charged = true
			cm.Charged++
			dt.charged++
		}
		o.Credit = use
	}
	out := make([]CustomerMonth, 0, len(monthOrder))
	for _, mk := range monthOrder {
		out = append(out, *months[mk])
	}
	sort.SliceStable(out, func(a, b int) bool {
		if out[a].Month != out[b].Month {
			return out[a].Month < out[b].Month
		}
		return out[a].Customer < out[b].Customer
	})
	return out
}

// customerKey groups issues "from one client": the matched customer, or
// else the reporter's e-mail domain or account.
func (o *Outcome) customerKey() string {
	if o.Customer != nil {
		return o.Customer.Name
	}
	if d := emailDomain(o.Issue.Reporter.Email); d != "" {
		return d
	}
	return o.Issue.Reporter.AccountID
}

// billHours totals the issue's worklogs: time inside the billing calendar's
// hours counts once, time outside counts AfterHoursMultiplier times.
func (p *Policy) billHours(o *Outcome) {
	b := &p.Billing
	if b.Calendar == nil {
		return
	}
	var inHours, afterHours time.Duration
	for _, w := range o.Issue.Worklogs {
		in := b.Calendar.Between(w.Started, w.Started.Add(w.Spent))
		inHours += in
		afterHours += w.Spent - in
	}
	o.AfterHours = afterHours
	o.BillableHours = inHours.Hours() + afterHours.Hours()*b.AfterHoursMultiplier
}

// twoDigits formats a day of the month as %02d does, without fmt or an
// allocation.
func twoDigits(d int) string {
	if d < 0 || d > 99 {
		return fmt.Sprintf("%02d", d)
	}
	return pairs[2*d : 2*d+2]
}

const pairs = "00010203040506070809" + "10111213141516171819" + "20212223242526272829" +
	"30313233343536373839" + "40414243444546474849" + "50515253545556575859" +
	"60616263646566676869" + "70717273747576777879" + "80818283848586878889" +
	"90919293949596979899"
