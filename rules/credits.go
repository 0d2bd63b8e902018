package rules

import (
	"fmt"
	"slices"
	"sort"
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
// totals billed hours.
func (p *Policy) countCredits(outs []Outcome, now time.Time) []CustomerMonth {
	order := make([]int, 0, len(outs))
	for i := range outs {
		if !outs[i].Issue.Created.After(now) {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int {
		ia, ib := outs[a].Issue, outs[b].Issue
		if c := ia.Created.Compare(ib.Created); c != 0 {
			return c
		}
		return strings.Compare(ia.Key, ib.Key)
	})
	type monthKey struct {
		who   string
		month int // year*100 + month
	}
	type dayKey struct {
		who string
		day int // year*10000 + month*100 + day
	}
	months := map[monthKey]*CustomerMonth{}
	var monthOrder []monthKey
	dayCharged := map[dayKey]int{}
	dayCount := map[dayKey]int{}
	for _, i := range order {
		o := &outs[i]
		who := o.customerKey()
		y, m, d := o.Issue.Created.In(p.Location).Date()
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
		day := func() string { return fmt.Sprintf("%s-%02d", cm.Month, d) }
		dayCount[dk]++
		cm.BillableHours += o.BillableHours
		cm.AfterHours += o.AfterHours

		if p.Review.MaxPerDay > 0 && who != "" && dayCount[dk] > p.Review.MaxPerDay {
			o.flag(FlagReview, fmt.Sprintf("issue %d of %s on %s: more than %d a day calls for a review of SLA times and priorities",
				dayCount[dk], who, day(), p.Review.MaxPerDay))
			if n := len(cm.ReviewDays); n == 0 || cm.ReviewDays[n-1] != day() {
				cm.ReviewDays = append(cm.ReviewDays, day())
			}
		}
		if o.Customer == nil || o.Plan == nil {
			continue
		}
		pl := o.Plan
		use := &CreditUse{Month: cm.Month, Number: cm.Issues, DayNumber: dayCount[dk]}
		switch {
		case pl.CreditsPerDay > 0 && dayCharged[dk] >= pl.CreditsPerDay:
			use.DailyCap = true
			cm.DailyCapHits++
			o.flag(FlagDailyCap, fmt.Sprintf("%s already used %d credit(s) on %s; plan %s allows %d a day", who, dayCharged[dk], day(), pl.Name, pl.CreditsPerDay))
		case pl.CreditsPerMonth > 0 && cm.Charged >= pl.CreditsPerMonth:
			use.OverQuota = true
			cm.OverQuota++
			o.flag(FlagOverQuota, fmt.Sprintf("%s used all %d credit(s) of plan %s in %s (credits do not carry over)", who, pl.CreditsPerMonth, pl.Name, cm.Month))
		default:
			use.Charged = true
			cm.Charged++
			dayCharged[dk]++
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
