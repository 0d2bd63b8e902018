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
// totals billed hours. who[i] is outs[i].customerKey().
func (p *Policy) countCredits(outs []Outcome, who []string, now time.Time) []CustomerMonth {
	// Sorting compact entries rather than indexes into outs keeps the
	// comparisons in cache. The index breaks the remaining ties, which makes
	// the order total: an unstable sort then gives what a stable sort by
	// creation and key would.
	type entry struct {
		created time.Time
		key     string
		i       int
	}
	order := make([]entry, 0, len(outs))
	for i := range outs {
		if iss := outs[i].Issue; !iss.Created.After(now) {
			order = append(order, entry{iss.Created, iss.Key, i})
		}
	}
	slices.SortFunc(order, func(a, b entry) int {
		if c := a.created.Compare(b.created); c != 0 {
			return c
		}
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i)
	})
	type monthKey struct {
		who   string
		month int // year*100 + month
	}
	type dayKey struct {
		who string
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
		o, who := &outs[e.i], who[e.i]
		y, m, d := e.created.In(p.Location).Date()
		mk := monthKey{who, y*100 + int(m)}
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
		dk := dayKey{who, mk.month*100 + d}
		dt := days[dk]
		if dt == nil {
			dt = &dayTally{}
			days[dk] = dt
		}
		day := func() string {
			if dt.name == "" {
				dt.name = fmt.Sprintf("%s-%02d", cm.Month, d)
			}
			return dt.name
		}
		dt.count++
		cm.BillableHours += o.BillableHours
		cm.AfterHours += o.AfterHours

		if p.Review.MaxPerDay > 0 && who != "" && dt.count > p.Review.MaxPerDay {
			// Many issues get this flag: concatenation is much cheaper than
			// fmt and gives the same text.
			o.flag(FlagReview, "issue "+strconv.Itoa(dt.count)+" of "+who+" on "+day()+
				": more than "+strconv.Itoa(p.Review.MaxPerDay)+" a day calls for a review of SLA times and priorities")
			if n := len(cm.ReviewDays); n == 0 || cm.ReviewDays[n-1] != day() {
				cm.ReviewDays = append(cm.ReviewDays, day())
			}
		}
		if o.Customer == nil || o.Plan == nil {
			continue
		}
		pl := o.Plan
		use := &CreditUse{Month: cm.Month, Number: cm.Issues, DayNumber: dt.count}
		switch {
		case pl.CreditsPerDay > 0 && dt.charged >= pl.CreditsPerDay:
			use.DailyCap = true
			cm.DailyCapHits++
			o.flag(FlagDailyCap, fmt.Sprintf("%s already used %d credit(s) on %s; plan %s allows %d a day", who, dt.charged, day(), pl.Name, pl.CreditsPerDay))
		case pl.CreditsPerMonth > 0 && cm.Charged >= pl.CreditsPerMonth:
			use.OverQuota = true
			cm.OverQuota++
			o.flag(FlagOverQuota, fmt.Sprintf("%s used all %d credit(s) of plan %s in %s (credits do not carry over)", who, pl.CreditsPerMonth, pl.Name, cm.Month))
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
