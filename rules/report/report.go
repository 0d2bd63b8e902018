package report

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/slabot/slabot/rules"
)

// Report is one product's SLA and credit report for one period, with the
// previous period's figures for comparison. Every instant is absolute;
// renderers show them in Location, the policy's zone.
type Report struct {
	Product    string
	PolicyFile string // base name of the policy file
	Location   *time.Location

	Period   Period
	Previous Period
	// Start and End bound the period: [Start, End) in Location.
	Start, End time.Time
	// AsOf is the instant the figures are taken at: the period's end, or
	// the time of the build while the period is still running.
	AsOf     time.Time
	Complete bool // AsOf is the period's end

	Goals []GoalInfo
	// ResponseGoal is the goal whose times make the response-time
	// histogram: the first goal stopped by the first agent comment, else
	// the first goal.
	ResponseGoal string

	HasCredits bool // the policy has plans with credits
	HasBilling bool // the policy bills support hours
	HasReview  bool // the policy has a review rule

	// Total covers every customer together; its credit figures are sums.
	Total Section
	// Customers are sorted by name.
	Customers []Section
	// Issues are every issue the period touched (opened, resolved, or with
	// a goal settled or completed in it), sorted by key.
	Issues []IssueRow
}

// GoalInfo names one of the policy's goals, in policy order.
type GoalInfo struct {
	Name      string
	Title     string
	HasTarget bool // some row sets a target (else only times are reported)
}

// Section is one customer's part of the report, or the total.
//
// Customers are grouped as the engine groups them for credits and the
// review rule: the matched directory customer, else the reporter's e-mail
// domain, else the reporter's account id.
type Section struct {
	Customer string
	Plan     string // the plan of the customer's latest issue; empty for none

	Current  Figures
	Previous Figures

	// Breaches are the current period's breached goal cycles, by deadline.
	Breaches []Breach
	// Weeks is compliance per calendar week (Monday to Sunday in the
	// policy's zone, clipped to the period).
	Weeks []Week
	// Histogram counts the completed ResponseGoal cycles by business time.
	Histogram []Bucket
}

// Figures are the numbers of one period for one section.
type Figures struct {
	Opened   int // issues created in the period
	Resolved int // issues resolved (resolution set) in the period
	Goals    []GoalFigures

	// Credits is one entry per month of the period.
	Credits []CreditMonth
	Credit  CreditMonth // the months summed (Month empty)
}

// GoalFigures are one goal's figures, for all priorities and per priority
// (in the policy's order, unmapped priorities last).
type GoalFigures struct {
	Goal       string
	All        Stats
	Priorities []Stats
}

// Stats are the figures of one goal (and priority).
//
// A cycle with a target counts towards the share met exactly once, in the
// period where its outcome was settled: met when its clock stopped in time,
// breached at the instant its deadline passed (whether the clock has
// stopped since or not). So an issue left unanswered over the month end
// counts as a breach in the month its deadline passed, and a breach is
// never counted in two periods. The times are over the cycles completed
// (clock stopped) in the period, with or without a target.
type Stats struct {
	Priority string // policy priority; "" in All
	Met      int
	Breached int
	// Business is business time on the target's calendar, pauses excluded
	// (rules.GoalStatus.Elapsed); Wall is stop minus start, pauses included.
	Business Dist
	Wall     Dist
}

// Settled is the number of cycles with a target settled in the period.
func (s Stats) Settled() int { return s.Met + s.Breached }

// Share is the share of settled cycles that met their target, and false
// when none settled.
func (s Stats) Share() (float64, bool) {
	if s.Settled() == 0 {
		return 0, false
	}
	return float64(s.Met) / float64(s.Settled()), true
}

// Breach is one goal cycle that missed its target.
type Breach struct {
	Key      string
	Summary  string
	Customer string
	Goal     string
	Priority string
	Cycle    int
	Deadline time.Time // when the target was reached
	// Stopped is when the clock stopped; zero if it was still going at AsOf.
	Stopped time.Time
	// Overdue is the business time past the target, and OverdueWall the
	// wall time past the deadline, at Stopped (or AsOf while still going).
	Overdue     time.Duration
	OverdueWall time.Duration
}

// Week is one calendar week's compliance, per goal with a target (in the
// order of Report.Goals, goals without target skipped).
type Week struct {
	From, To time.Time // [From, To), clipped to the period
	Goals    []WeekGoal
}

// WeekGoal is one goal's settled cycles in one week.
type WeekGoal struct {
	Goal     string
	Met      int
	Breached int
}

// Bucket is one bar of the response-time histogram: completed cycles whose
// business time is in [From, To); To is 0 for the open last bucket.
type Bucket struct {
	Label    string
	From, To time.Duration
	Count    int
}

// CreditMonth is one customer's credits and billed hours in one month. The
// credits are the engine's count (rules.CustomerMonth: issues by creation in
// the policy's zone); the hours bill the worklogs started in the month,
// whatever month their issue was opened in.
type CreditMonth struct {
	Month        string
	Plan         string
	Requests     int // issues created
	Charged      int
	Allowance    int // credits a month; 0 is unlimited
	DailyCapHits int
	OverQuota    int
	// Unregistered counts issues from reporters who are not registered
	// persons; UnregisteredPersons lists those reporters, sorted.
	Unregistered        int
	UnregisteredPersons []string
	ReviewDays          []string
	BillableHours       float64
	AfterHours          time.Duration
}

// IssueRow is everything the report computed for one issue: the CSV row.
type IssueRow struct {
	Key      string
	Summary  string
	Customer string
	Plan     string
	Priority string // policy priority at AsOf; "" when unmapped
	Type     string // policy type at AsOf; "" when unmapped
	Status   string // Jira status at AsOf

	Created  time.Time
	Resolved time.Time // last resolution in the period; zero for none
	Opened   bool      // created in the period
	Closed   bool      // resolved in the period

	Goals []GoalRow // one per policy goal, in policy order

	Credit       *rules.CreditUse // nil: not charged against a plan
	Unregistered bool
	Review       bool
	// BillableHours and AfterHours bill every worklog started before AsOf
	// (the issue's Jira field as of AsOf); PeriodHours and PeriodAfterHours
	// only those started in the period.
	BillableHours    float64
	AfterHours       time.Duration
	PeriodHours      float64
	PeriodAfterHours time.Duration
	Flags            []string // flag codes, sorted
}

// GoalRow is one goal on one issue: the last cycle the period settled or
// completed, else the cycle in progress at AsOf.
type GoalRow struct {
	Goal     string
	Cycle    int // 0: the clock never started
	Cycles   int // cycles settled or completed in the period
	State    rules.GoalState
	Counted  string // "met", "breached" or "" (not settled in the period)
	Priority string
	Target   time.Duration // 0 when the row sets none
	Start    time.Time
	Stop     time.Time
	Deadline time.Time
	Business time.Duration
	Wall     time.Duration // Stop - Start, or AsOf - Start while running
	Overdue  time.Duration // business time past the target; 0 if within
	// OverdueWall is the wall time past the deadline (to Stop, or AsOf
	// while running), as the breach tables show it; 0 if within.
	OverdueWall time.Duration
}

// ErrNoCustomer is returned (wrapped) by Only for a customer the report
// does not know.
var ErrNoCustomer = errors.New("no such customer in the report")

// Only returns a copy of the report restricted to one customer, for the
// customer's own meeting: its section becomes the total, and the issue rows
// are its own. The name is matched case-insensitively.
func (r *Report) Only(customer string) (*Report, error) {
	for _, s := range r.Customers {
		if !strings.EqualFold(s.Customer, customer) {
			continue
		}
		out := *r
		out.Customers = []Section{s}
		out.Total = s
		out.Issues = nil
		for _, row := range r.Issues {
			if row.Customer == s.Customer {
				out.Issues = append(out.Issues, row)
			}
		}
		return &out, nil
	}
	names := make([]string, len(r.Customers))
	for i, s := range r.Customers {
		names[i] = s.Customer
	}
	return nil, fmt.Errorf("customer %q (known: %s): %w", customer, strings.Join(names, ", "), ErrNoCustomer)
}
