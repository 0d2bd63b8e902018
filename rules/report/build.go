package report

import (
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/slabot/slabot/rules"
)

// Build computes the report of period for policy p from issues, as of now.
//
// issues must hold every issue created in the period and in the previous
// period (credits count each month's issues in creation order), and every
// issue resolved or open in them; other issues are harmless. The figures are
// taken as of min(now, end of the period), so the report of a closed month
// built later gives the same numbers whatever happened since: the engine
// ignores later changes and comments, and Build leaves out worklogs started
// later. Each issue resolved in the period is also evaluated as of each of
// its resolutions, so a cycle that ended before a later reopen still counts.
func Build(p *rules.Policy, issues []rules.Issue, period Period, now time.Time, opts rules.Options) *Report {
	r := &Report{
		Product:    p.Product,
		PolicyFile: filepath.Base(p.File),
		Location:   p.Location,
		Period:     period,
		Previous:   period.Previous(),
		HasCredits: hasCredits(p),
		HasBilling: p.Billing.Calendar != nil,
		HasReview:  p.Review.MaxPerDay > 0,
	}
	r.Start, r.End = period.Bounds(p.Location)
	for _, g := range p.Goals {
		r.Goals = append(r.Goals, GoalInfo{Name: g.Name, Title: g.Title, HasTarget: hasTarget(g)})
	}
	r.ResponseGoal = responseGoal(p)

	cur := collect(p, issues, period, now, opts, r.ResponseGoal)
	prev := collect(p, issues, r.Previous, now, opts, r.ResponseGoal)
	r.AsOf = cur.asOf
	r.Complete = !cur.asOf.Before(cur.end)
	r.Issues = cur.rows

	var names []string
	for n := range cur.tallies {
		names = append(names, n)
	}
	for n := range prev.tallies {
		if cur.tallies[n] == nil {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	for _, n := range names {
		r.Customers = append(r.Customers, section(n, cur, prev, cur.tallies[n], prev.tallies[n]))
	}
	r.Total = section("All customers", cur, prev, cur.total, prev.total)
	r.Total.Plan = ""
	totalAllowance(&r.Total.Current, r.Customers, func(s *Section) *Figures { return &s.Current })
	totalAllowance(&r.Total.Previous, r.Customers, func(s *Section) *Figures { return &s.Previous })
	return r
}

// totalAllowance makes the total's allowance the sum of the customers'. The
// engine only has months in which a customer opened something, so the
// total gathered from it leaves out the plans of customers' quiet months,
// which each section does show (and a quarter has many of).
func totalAllowance(total *Figures, customers []Section, of func(*Section) *Figures) {
	byMonth := map[string]int{}
	for i := range customers {
		for _, cm := range of(&customers[i]).Credits {
			byMonth[cm.Month] += cm.Allowance
		}
	}
	total.Credit.Allowance = 0
	for i := range total.Credits {
		total.Credits[i].Allowance = byMonth[total.Credits[i].Month]
		total.Credit.Allowance += total.Credits[i].Allowance
	}
}

func section(name string, cur, prev *periodData, ct, pt *tally) Section {
	if ct == nil {
		ct = cur.newTally()
	}
	if pt == nil {
		pt = prev.newTally()
	}
	plan := ct.plan
	if plan == "" {
		plan = pt.plan
	}
	return Section{
		Customer:  name,
		Plan:      plan,
		Current:   cur.figures(ct),
		Previous:  prev.figures(pt),
		Breaches:  ct.breaches,
		Weeks:     ct.weeks,
		Histogram: ct.hist,
	}
}

func hasCredits(p *rules.Policy) bool {
	for _, pl := range p.Plans {
		if pl.CreditsPerMonth > 0 || pl.CreditsPerDay > 0 {
			return true
		}
	}
	return false
}

func hasTarget(g *rules.Goal) bool {
	for _, t := range g.Targets {
		if !t.None {
			return true
		}
	}
	return false
}

// responseGoal picks the goal the response-time histogram shows: the one a
// first agent comment stops, which is what customers call response time.
func responseGoal(p *rules.Policy) string {
	for _, g := range p.Goals {
		for _, c := range g.Stop {
			if c.Kind == rules.OnFirstAgentComment {
				return g.Name
			}
		}
	}
	if len(p.Goals) > 0 {
		return p.Goals[0].Name
	}
	return ""
}

// customerKey groups issues as the engine does for credits and the review
// rule (rules.Outcome.customerKey is unexported, so the rule is repeated
// here): the matched customer, else the reporter's e-mail domain, else the
// reporter's account. The engine's CustomerMonth.Customer uses the same key.
func customerKey(o *rules.Outcome) string {
	if o.Customer != nil {
		return o.Customer.Name
	}
	if d := emailDomain(o.Issue.Reporter.Email); d != "" {
		return d
	}
	return o.Issue.Reporter.AccountID
}

func emailDomain(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return ""
	}
	return strings.ToLower(email[at+1:])
}

// displayName turns an empty grouping key (no customer, no e-mail, no
// account) into something a reader can see.
func displayName(key string) string {
	if key == "" {
		return "(unknown reporter)"
	}
	return key
}

func person(u rules.User) string {
	if u.Email != "" {
		return strings.ToLower(u.Email)
	}
	if u.AccountID != "" {
		return u.AccountID
	}
	return u.DisplayName
}

// snapshot returns the issues as they stood at asOf, as far as the engine
// does not already see to it: issues created later are left out, and so are
// worklogs started later (the engine bills every worklog it is given).
func snapshot(issues []rules.Issue, asOf time.Time) []rules.Issue {
	out := make([]rules.Issue, 0, len(issues))
	for _, iss := range issues {
		if iss.Created.After(asOf) {
			continue
		}
		if len(iss.Worklogs) > 0 {
			var wl []rules.Worklog
			for _, w := range iss.Worklogs {
				if w.Started.Before(asOf) {
					wl = append(wl, w)
				}
			}
			iss.Worklogs = wl
		}
		out = append(out, iss)
	}
	return out
}

// resolutions lists the instants a resolution was set, from the changelog;
// without one in the changelog, the issue's resolution date.
func resolutions(iss *rules.Issue) []time.Time {
	var out []time.Time
	for _, ch := range iss.Changes {
		if ch.Field == rules.FieldResolution && ch.To != "" && ch.From == "" {
			out = append(out, ch.At)
		}
	}
	if len(out) == 0 && !iss.Resolved.IsZero() {
		out = append(out, iss.Resolved)
	}
	return out
}

// statusAt is the issue's Jira status at t, from the changelog.
func statusAt(iss *rules.Issue, t time.Time) string {
	st, seen := iss.Status, false
	for _, ch := range iss.Changes {
		if ch.Field != rules.FieldStatus {
			continue
		}
		if !seen {
			st, seen = ch.From, true
		}
		if ch.At.After(t) {
			break
		}
		st = ch.To
	}
	return st
}

// compareKeys orders issue keys by project, then by number: SAN-9 before
// SAN-10.
func compareKeys(a, b string) int {
	pa, na := splitKey(a)
	pb, nb := splitKey(b)
	if c := strings.Compare(pa, pb); c != 0 {
		return c
	}
	if na != nb {
		if na < nb {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

func splitKey(k string) (string, int) {
	i := strings.LastIndexByte(k, '-')
	if i < 0 {
		return k, -1
	}
	n, err := strconv.Atoi(k[i+1:])
	if err != nil {
		return k, -1
	}
	return k[:i], n
}
