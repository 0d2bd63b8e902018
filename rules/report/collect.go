package report

import (
	"slices"
	"strings"
	"time"

	"github.com/slabot/slabot/rules"
)

// periodData gathers one period's figures while the issues are walked once.
type periodData struct {
	p            *rules.Policy
	period       Period
	start, end   time.Time
	asOf         time.Time
	responseGoal string
	targetGoals  []int // indexes of the goals with a target, in policy order

	tallies map[string]*tally // by customer
	total   *tally
	rows    []IssueRow
}

// tally accumulates one section's figures.
type tally struct {
	plan     string
	planAt   time.Time
	opened   int
	resolved int
	goals    []goalTally
	credits  map[string]*CreditMonth
	breaches []Breach
	weeks    []Week
	hist     []Bucket
}

type goalTally struct {
	all    statTally
	byPrio map[string]*statTally
}

type statTally struct {
	met, breached  int
	business, wall []time.Duration
}

// histogramEdges are the response-time bars, in business time. They are
// fixed (not scaled to the data) so two reports compare bar by bar.
var histogramEdges = []struct {
	label string
	to    time.Duration
}{
	{"< 15m", 15 * time.Minute},
	{"15-30m", 30 * time.Minute},
	{"30m-1h", time.Hour},
	{"1-2h", 2 * time.Hour},
	{"2-4h", 4 * time.Hour},
	{"4-8h", 8 * time.Hour},
	{"8-16h", 16 * time.Hour},
	{"16-32h", 32 * time.Hour},
	{"32h+", 0},
}

func collect(p *rules.Policy, issues []rules.Issue, period Period, now time.Time, opts rules.Options, responseGoal string) *periodData {
	d := &periodData{p: p, period: period, responseGoal: responseGoal, tallies: map[string]*tally{}}
	d.start, d.end = period.Bounds(p.Location)
	d.asOf = now
	if d.end.Before(now) {
		d.asOf = d.end
	}
	for i, g := range p.Goals {
		if hasTarget(g) {
			d.targetGoals = append(d.targetGoals, i)
		}
	}
	d.total = d.newTally()
	if d.asOf.Before(d.start) {
		return d // the period has not begun
	}
	in := snapshot(issues, d.asOf)
	ev := rules.Evaluate(p, in, d.asOf, opts)
	for i := range ev.Outcomes {
		d.issue(&ev.Outcomes[i], opts)
	}
	d.credits(ev)
	slices.SortFunc(d.rows, func(a, b IssueRow) int { return compareKeys(a.Key, b.Key) })
	for _, t := range d.tallies {
		sortBreaches(t.breaches)
	}
	sortBreaches(d.total.breaches)
	return d
}

func sortBreaches(bs []Breach) {
	slices.SortStableFunc(bs, func(a, b Breach) int {
		if c := a.Deadline.Compare(b.Deadline); c != 0 {
			return c
		}
		if c := compareKeys(a.Key, b.Key); c != 0 {
			return c
		}
		return strings.Compare(a.Goal, b.Goal)
	})
}

// within reports whether t lies in the period and no later than asOf.
func (d *periodData) within(t time.Time) bool {
	return !t.IsZero() && !t.Before(d.start) && t.Before(d.end) && !t.After(d.asOf)
}

func (d *periodData) newTally() *tally {
	t := &tally{goals: make([]goalTally, len(d.p.Goals)), credits: map[string]*CreditMonth{}}
	for i := range t.goals {
		t.goals[i].byPrio = map[string]*statTally{}
	}
	for ws := weekStart(d.start); ws.Before(d.end); ws = time.Date(ws.Year(), ws.Month(), ws.Day()+7, 0, 0, 0, 0, ws.Location()) {
		w := Week{From: ws, To: time.Date(ws.Year(), ws.Month(), ws.Day()+7, 0, 0, 0, 0, ws.Location())}
		if w.From.Before(d.start) {
			w.From = d.start
		}
		if w.To.After(d.end) {
			w.To = d.end
		}
		for _, gi := range d.targetGoals {
			w.Goals = append(w.Goals, WeekGoal{Goal: d.p.Goals[gi].Name})
		}
		t.weeks = append(t.weeks, w)
	}
	var from time.Duration
	for _, e := range histogramEdges {
		t.hist = append(t.hist, Bucket{Label: e.label, From: from, To: e.to})
		from = e.to
	}
	return t
}

// weekStart is local midnight of the Monday of t's week, in t's zone.
func weekStart(t time.Time) time.Time {
	back := (int(t.Weekday()) + 6) % 7
	return time.Date(t.Year(), t.Month(), t.Day()-back, 0, 0, 0, 0, t.Location())
}

func (d *periodData) tally(key string) *tally {
	name := displayName(key)
	t := d.tallies[name]
	if t == nil {
		t = d.newTally()
		d.tallies[name] = t
	}
	return t
}

// cycles returns goal gi's cycles worth looking at on one issue: the one in
// force at asOf, and the ones in force at each resolution in the period
// (which a later reopen would hide), by cycle number.
func cycles(at []*rules.Outcome, gi int) []*rules.GoalStatus {
	seen := map[int]bool{}
	var out []*rules.GoalStatus
	for _, o := range at {
		gs := &o.Goals[gi]
		if gs.Cycle == 0 || seen[gs.Cycle] {
			continue
		}
		seen[gs.Cycle] = true
		out = append(out, gs)
	}
	slices.SortFunc(out, func(a, b *rules.GoalStatus) int { return a.Cycle - b.Cycle })
	return out
}

// issue adds one evaluated issue to the period's figures.
func (d *periodData) issue(o *rules.Outcome, opts rules.Options) {
	iss := o.Issue
	key := customerKey(o)
	name := displayName(key)
	opened := d.within(iss.Created)
	row := IssueRow{
		Key: iss.Key, Summary: iss.Summary, Customer: name,
		Status: statusAt(iss, d.asOf), Created: iss.Created, Opened: opened,
		Credit: o.Credit, Unregistered: o.HasFlag(rules.FlagUnregistered), Review: o.HasFlag(rules.FlagReview),
		BillableHours: o.BillableHours, AfterHours: o.AfterHours,
	}
	if o.Plan != nil {
		row.Plan = o.Plan.Name
	}
	if o.Priority != nil {
		row.Priority = o.Priority.Name
	}
	if o.Type != nil {
		row.Type = o.Type.Name
	}
	for _, f := range o.Flags {
		row.Flags = append(row.Flags, f.Code)
	}
	slices.Sort(row.Flags)
	row.Flags = slices.Compact(row.Flags)

	at := []*rules.Outcome{o}
	for _, r := range resolutions(iss) {
		if !d.within(r) {
			continue
		}
		row.Closed, row.Resolved = true, r
		if r.Equal(d.asOf) {
			continue
		}
		ev := rules.Evaluate(d.p, []rules.Issue{*iss}, r, opts)
		at = append(at, &ev.Outcomes[0])
	}

	// Everything below lands in the customer's section and in the total.
	var ts []*tally
	touch := func() []*tally {
		if ts == nil {
			ts = []*tally{d.tally(key), d.total}
		}
		return ts
	}
	if opened || row.Closed {
		touch()
	}
	if opened {
		for _, t := range ts {
			t.opened++
		}
	}
	if row.Closed {
		for _, t := range ts {
			t.resolved++
		}
	}

	for gi, g := range d.p.Goals {
		gr := GoalRow{Goal: g.Name}
		var last *rules.GoalStatus
		counted := ""
		for _, gs := range cycles(at, gi) {
			c, completed := d.settle(gs)
			if c == "" && !completed {
				continue
			}
			for _, t := range touch() {
				d.add(t, gi, gs, c, completed, iss, name)
			}
			gr.Cycles++
			last, counted = gs, c
		}
		if last == nil {
			last = &o.Goals[gi]
		}
		d.fillGoalRow(&gr, last, counted)
		row.Goals = append(row.Goals, gr)
	}

	hours := d.hours(iss, opts)
	if len(hours) > 0 {
		touch()
	}
	if ts == nil {
		return // the period did not touch this issue
	}
	for _, h := range hours {
		row.PeriodHours += h.BillableHours
		row.PeriodAfterHours += h.AfterHours
		for _, t := range ts {
			cm := t.month(h.Month)
			cm.BillableHours += h.BillableHours
			cm.AfterHours += h.AfterHours
		}
	}
	if o.Plan != nil && opened && !iss.Created.Before(ts[0].planAt) {
		ts[0].plan, ts[0].planAt = o.Plan.Name, iss.Created
	}
	if opened && row.Unregistered {
		month := MonthPeriod(iss.Created.In(d.p.Location).Year(), iss.Created.In(d.p.Location).Month()).String()
		for _, t := range ts {
			cm := t.month(month)
			cm.Unregistered++
			cm.UnregisteredPersons = append(cm.UnregisteredPersons, person(iss.Reporter))
		}
	}
	d.rows = append(d.rows, row)
}

// settle says how the period counts one cycle: "met" if its clock stopped
// within the target in the period, "breached" if its deadline passed in the
// period (stopped since or not), "" otherwise; and whether the clock stopped
// in the period (which puts its times in the period's distributions).
func (d *periodData) settle(gs *rules.GoalStatus) (counted string, completed bool) {
	completed = gs.Stopped() && d.within(gs.Stop)
	if gs.Row == nil || gs.Row.None {
		return "", completed
	}
	switch {
	case gs.State == rules.StateMet && d.within(gs.Stop):
		counted = rules.WordMet
	case gs.State == rules.StateBreached && d.within(gs.BreachedAt):
		counted = rules.WordBreached
	}
	return counted, completed
}

func (d *periodData) add(t *tally, gi int, gs *rules.GoalStatus, counted string, completed bool, iss *rules.Issue, customer string) {
	gt := &t.goals[gi]
	prio := gs.Priority
	if prio == "" {
		prio = unknownPriority
	}
	st := gt.byPrio[prio]
	if st == nil {
		st = &statTally{}
		gt.byPrio[prio] = st
	}
	for _, s := range []*statTally{&gt.all, st} {
		switch counted {
		case rules.WordMet:
			s.met++
		case rules.WordBreached:
			s.breached++
		}
		if completed {
			s.business = append(s.business, gs.Elapsed)
			s.wall = append(s.wall, gs.Stop.Sub(gs.Start))
		}
	}
	if counted != "" {
		at := gs.Stop
		if counted == rules.WordBreached {
			at = gs.BreachedAt
		}
		for wi := range t.weeks {
			w := &t.weeks[wi]
			if at.Before(w.From) || !at.Before(w.To) {
				continue
			}
			for j := range w.Goals {
				if w.Goals[j].Goal == gs.Goal.Name {
					if counted == rules.WordMet {
						w.Goals[j].Met++
					} else {
						w.Goals[j].Breached++
					}
				}
			}
		}
	}
	if completed && gs.Goal.Name == d.responseGoal {
		for bi := range t.hist {
			b := &t.hist[bi]
			if gs.Elapsed >= b.From && (b.To == 0 || gs.Elapsed < b.To) {
				b.Count++
				break
			}
		}
	}
	if counted == rules.WordBreached {
		b := Breach{Key: iss.Key, Summary: iss.Summary, Customer: customer, Goal: gs.Goal.Name,
			Priority: gs.Priority, Cycle: gs.Cycle, Deadline: gs.BreachedAt, Overdue: max(0, -gs.Remaining)}
		end := d.asOf
		if gs.Stopped() {
			b.Stopped, end = gs.Stop, gs.Stop
		}
		b.OverdueWall = max(0, end.Sub(gs.BreachedAt))
		t.breaches = append(t.breaches, b)
	}
}

const unknownPriority = "(unknown)"

func (d *periodData) fillGoalRow(gr *GoalRow, gs *rules.GoalStatus, counted string) {
	gr.Cycle, gr.State, gr.Counted, gr.Priority = gs.Cycle, gs.State, counted, gs.Priority
	if gs.Cycle == 0 {
		return
	}
	if gs.Row != nil && !gs.Row.None {
		gr.Target = gs.Target
		gr.Deadline = gs.Deadline
		gr.Overdue = max(0, -gs.Remaining)
	}
	gr.Start, gr.Stop, gr.Business = gs.Start, gs.Stop, gs.Elapsed
	end := d.asOf
	if gs.Stopped() {
		end = gs.Stop
	}
	gr.Wall = end.Sub(gs.Start)
	if !gs.BreachedAt.IsZero() && gs.Row != nil && !gs.Row.None {
		gr.OverdueWall = max(0, end.Sub(gs.BreachedAt))
	}
}

func (t *tally) month(m string) *CreditMonth {
	cm := t.credits[m]
	if cm == nil {
		cm = &CreditMonth{Month: m}
		t.credits[m] = cm
	}
	return cm
}

// credits copies the engine's per-customer months of the period into the
// sections.
func (d *periodData) credits(ev *rules.Evaluation) {
	inPeriod := map[string]bool{}
	for _, m := range d.period.Months() {
		inPeriod[m] = true
	}
	for _, em := range ev.Months {
		if !inPeriod[em.Month] {
			continue
		}
		for _, t := range []*tally{d.tally(em.Customer), d.total} {
			cm := t.month(em.Month)
			if t != d.total {
				cm.Plan = em.Plan
			}
			cm.Requests += em.Issues
			cm.Charged += em.Charged
			cm.Allowance += em.Allowance
			cm.DailyCapHits += em.DailyCapHits
			cm.OverQuota += em.OverQuota
			if t != d.total {
				cm.ReviewDays = append(cm.ReviewDays, em.ReviewDays...)
			} else {
				for _, day := range em.ReviewDays {
					cm.ReviewDays = append(cm.ReviewDays, displayName(em.Customer)+" "+day)
				}
			}
		}
	}
}

// figures turns a tally into the report's figures.
func (d *periodData) figures(t *tally) Figures {
	f := Figures{Opened: t.opened, Resolved: t.resolved}
	for gi, g := range d.p.Goals {
		gt := &t.goals[gi]
		gf := GoalFigures{Goal: g.Name, All: gt.all.stats("")}
		for _, pr := range d.p.Priorities {
			if st := gt.byPrio[pr.Name]; st != nil {
				gf.Priorities = append(gf.Priorities, st.stats(pr.Name))
			}
		}
		if st := gt.byPrio[unknownPriority]; st != nil {
			gf.Priorities = append(gf.Priorities, st.stats(unknownPriority))
		}
		f.Goals = append(f.Goals, gf)
	}
	// Every month of the period that has begun gets a line once the
	// customer has one, so "credits used vs plan" shows the quiet months.
	if len(t.credits) > 0 {
		for _, m := range d.period.Months() {
			mp, _ := ParsePeriod(m)
			if ms, _ := mp.Bounds(d.p.Location); ms.After(d.asOf) {
				continue
			}
			if t.credits[m] == nil {
				cm := t.month(m)
				cm.Plan = t.plan
				if pl := d.p.Plan(t.plan); pl != nil && t != d.total {
					cm.Allowance = pl.CreditsPerMonth
				}
			}
		}
	}
	months := make([]string, 0, len(t.credits))
	for m := range t.credits {
		months = append(months, m)
	}
	slices.Sort(months)
	for _, m := range months {
		cm := *t.credits[m]
		slices.Sort(cm.UnregisteredPersons)
		cm.UnregisteredPersons = slices.Compact(cm.UnregisteredPersons)
		slices.Sort(cm.ReviewDays)
		f.Credits = append(f.Credits, cm)
		s := &f.Credit
		s.Requests += cm.Requests
		s.Charged += cm.Charged
		s.Allowance += cm.Allowance
		s.DailyCapHits += cm.DailyCapHits
		s.OverQuota += cm.OverQuota
		s.Unregistered += cm.Unregistered
		s.UnregisteredPersons = append(s.UnregisteredPersons, cm.UnregisteredPersons...)
		s.ReviewDays = append(s.ReviewDays, cm.ReviewDays...)
		s.BillableHours += cm.BillableHours
		s.AfterHours += cm.AfterHours
		if s.Plan == "" {
			s.Plan = cm.Plan
		}
	}
	slices.Sort(f.Credit.UnregisteredPersons)
	f.Credit.UnregisteredPersons = slices.Compact(f.Credit.UnregisteredPersons)
	slices.Sort(f.Credit.ReviewDays)
	return f
}

func (s *statTally) stats(prio string) Stats {
	return Stats{Priority: prio, Met: s.met, Breached: s.breached, Business: newDist(s.business), Wall: newDist(s.wall)}
}

// hours bills the issue's worklogs started in the period, per month of
// their start in the policy's zone. The engine totals an issue's worklogs
// under the month the issue was created (rules.CustomerMonth), which would
// drop work logged on an older issue from every monthly report; so each
// month's worklogs are billed here by evaluating a copy of the issue that
// carries only them, which keeps the engine the only place that knows the
// after-hours rule.
func (d *periodData) hours(iss *rules.Issue, opts rules.Options) []CreditMonth {
	if d.p.Billing.Calendar == nil || len(iss.Worklogs) == 0 {
		return nil
	}
	byMonth := map[string][]rules.Worklog{}
	for _, w := range iss.Worklogs {
		if !d.within(w.Started) || w.Started.Equal(d.asOf) {
			continue
		}
		l := w.Started.In(d.p.Location)
		m := MonthPeriod(l.Year(), l.Month()).String()
		byMonth[m] = append(byMonth[m], w)
	}
	var out []CreditMonth
	for _, m := range d.period.Months() {
		wl := byMonth[m]
		if len(wl) == 0 {
			continue
		}
		cp := *iss
		cp.Worklogs = wl
		ev := rules.Evaluate(d.p, []rules.Issue{cp}, d.asOf, opts)
		o := &ev.Outcomes[0]
		out = append(out, CreditMonth{Month: m, BillableHours: o.BillableHours, AfterHours: o.AfterHours})
	}
	return out
}
