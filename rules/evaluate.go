package rules

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// Options carries what the engine needs to know about the running bot.
type Options struct {
	// BotAccountID is the Jira account slabot writes as. Its comments are
	// never agent responses, and its earlier comments tell which one-time
	// comments were already posted.
	BotAccountID string
}

// Outcome is what one issue should look like and who must hear about it.
type Outcome struct {
	Issue *Issue

	Priority *Priority  // nil: the Jira priority is not in the policy
	Type     *IssueType // nil: the Jira type is not in the policy
	Customer *Customer  // nil: not matched
	Plan     *Plan      // nil: none
	// CustomerMatch says how the customer and plan were found.
	CustomerMatch string

	Goals []GoalStatus

	// Fields are the values the issue's SLA fields should hold, by field
	// name. A zero FieldValue clears the field.
	Fields map[string]FieldValue
	// Labels are the slabot-owned labels (policy prefix) the issue should
	// carry, sorted. Labels without the prefix are never slabot's business.
	Labels []string
	// Comments are one-time comments not yet posted.
	Comments []NewComment
	// SetPriority is the Jira priority the issue should be changed to
	// (priority rule in fix mode); empty for none.
	SetPriority string
	// Notices are the ladder steps due now for goals still running.
	Notices []Notice

	Flags   []Flag
	Missing []string // qualification items not supplied

	Credit        *CreditUse
	BillableHours float64 // support hours with the after-hours multiplier applied
	AfterHours    time.Duration
}

// NewComment is a comment slabot should post once. Key identifies it across
// runs: the body ends with a marker carrying it.
type NewComment struct {
	Key      string
	Body     string
	Internal bool
}

// Flag is a finding that needs a person's attention, with its reason.
type Flag struct {
	Code   string // also the label suffix
	Reason string
}

// Flag codes. The label is the policy's prefix followed by the code.
const (
	FlagUnknownPriority    = "unknown-priority"
	FlagUnknownType        = "unknown-type"
	FlagUnknownCustomer    = "unknown-customer"
	FlagUnknownPlan        = "unknown-plan"
	FlagPriorityNotAllowed = "priority-not-allowed"
	FlagMissingInfo        = "missing-info"
	FlagOverQuota          = "over-quota"
	FlagDailyCap           = "daily-cap"
	FlagUnregistered       = "unregistered-person"
	FlagReview             = "review"
	FlagAfterHours         = "after-hours"
)

// Evaluation is the engine's answer for a set of issues.
type Evaluation struct {
	Outcomes []Outcome
	// Months summarises credits and billed hours per customer and month.
	Months []CustomerMonth
}

// Outcome returns the outcome for key, or nil.
func (e *Evaluation) Outcome(key string) *Outcome {
	for i := range e.Outcomes {
		if e.Outcomes[i].Issue.Key == key {
			return &e.Outcomes[i]
		}
	}
	return nil
}

// Evaluate applies policy p to issues as of now. It is a pure function: the
// same inputs give the same outcome. Issues should include every open issue
// and every issue created this month (credits and the review rule count
// them); outcomes come back in the input order. An issue the policy cannot
// place (unknown priority, type or customer) gets a flag and a label, never
// a panic, and does not affect the others.
func Evaluate(p *Policy, issues []Issue, now time.Time, opts Options) *Evaluation {
	ev := &Evaluation{Outcomes: make([]Outcome, len(issues))}
	sc := &scratch{}
	// Customer keys are taken, and numbered, while each issue is at hand
	// (in cache): names[who[i]] is issue i's key.
	who := make([]int, len(issues))
	var names []string
	ids := map[string]int{}
	for i := range issues {
		o := &ev.Outcomes[i] // zero, as make left it
		o.Issue, o.Goals = &issues[i], sc.goals.take(len(p.Goals))[:0]
		p.evaluateIssue(o, now, opts, sc)
		k := o.customerKey()
		id, ok := ids[k]
		if !ok {
			id = len(names)
			names = append(names, k)
			ids[k] = id
		}
		who[i] = id
	}
	ev.Months = p.countCredits(ev.Outcomes, who, names, now, sc)
	for i := range ev.Outcomes {
		p.finish(&ev.Outcomes[i], sc)
	}
	return ev
}

// evaluateIssue computes everything that depends on the issue alone. o
// arrives with its issue and an empty goal list with room for every goal.
func (p *Policy) evaluateIssue(o *Outcome, now time.Time, opts Options, sc *scratch) {
	iss := o.Issue
	p.matchCustomer(o, sc)
	o.Missing = p.missingInfo(iss)
	var qualifiedAt time.Time
	if p.Qualification.applies(p, iss) && len(o.Missing) == 0 {
		qualifiedAt = p.qualifiedAt(iss)
	} else if !p.Qualification.applies(p, iss) {
		qualifiedAt = iss.Created
	}
	tl := buildTimeline(iss, p, opts.BotAccountID, qualifiedAt, now, sc)

	// Current terms, as of now.
	jiraPrio := tl.valueAt(evPriority, tl.initialPrio, now)
	jiraType := tl.valueAt(evType, tl.initialType, now)
	o.Priority = p.priorityOf(jiraPrio)
	o.Type = p.typeOf(jiraType)
	if o.Priority == nil && len(p.Priorities) > 0 {
		o.flag(sc, FlagUnknownPriority, fmt.Sprintf("Jira priority %q is not mapped by the policy (%s)", jiraPrio, p.File))
	}
	if o.Type == nil && len(p.Types) > 0 {
		o.flag(sc, FlagUnknownType, fmt.Sprintf("Jira issue type %q is not mapped by the policy (%s)", jiraType, p.File))
	}
	effective := o.Priority
	if o.Priority != nil && o.Type != nil && !o.Priority.Allows(o.Type.Name) {
		effective = p.applyPriorityRule(o, jiraPrio, opts.BotAccountID, sc)
	}

	for _, g := range p.Goals {
		o.Goals = o.Goals[:len(o.Goals)+1]
		p.evaluateGoal(&o.Goals[len(o.Goals)-1], g, &tl, o, effective, now, sc)
	}
	p.billHours(o)
	p.settle(o, opts, sc)
}

func (o *Outcome) flag(sc *scratch, code, reason string) {
	if o.Flags == nil {
		// A flagged issue often collects a second flag (a misused priority,
		// then the review rule): room for two spares a reallocation. The
		// room is cut from the call's slab; a third flag reallocates.
		o.Flags = sc.flags.take(2)[:0]
	}
	o.Flags = append(o.Flags, Flag{Code: code, Reason: reason})
}

// HasFlag reports whether the outcome carries the flag code.
func (o *Outcome) HasFlag(code string) bool {
	for _, f := range o.Flags {
		if f.Code == code {
			return true
		}
	}
	return false
}

// applyPriorityRule handles a priority not listed for the issue's type and
// returns the priority goals should be measured against: in both modes the
// nearest allowed one (see measuredPriority). Fix mode changes Jira's
// priority to it; flag mode labels the issue and says so in a comment, for
// the team to correct.
func (p *Policy) applyPriorityRule(o *Outcome, jiraPrio, bot string, sc *scratch) *Priority {
	pr, t := o.Priority, o.Type
	switch p.PriorityRule.Mode {
	case PriorityRuleFlag:
		o.flag(sc, FlagPriorityNotAllowed, p.notAllowedReason(pr, t, sc))
		to := p.nearestAllowed(pr, t.Name)
		if to == nil {
			return pr
		}
		o.propose("priority-flag:"+pr.Name+">"+to.Name, p.PriorityRule.Internal, bot, func() string {
			return fmt.Sprintf("Priority %s does not apply to %s issues (priority %s applies only to %s issues). "+
				"Until the priority is corrected, the SLA is measured as priority %s.",
				jiraPrio, t.Name, pr.Name, strings.Join(p.typesFor(pr), ", "), to.Name)
		})
		return to
	case PriorityRuleFix:
		to := p.nearestAllowed(pr, t.Name)
		if to == nil {
			o.flag(sc, FlagPriorityNotAllowed, fmt.Sprintf("priority %s is not used for %s issues and no priority is allowed for that type", pr.Name, t.Name))
			return pr
		}
		o.SetPriority = to.Jira[0]
		o.propose("priority:"+pr.Name+">"+to.Name, p.PriorityRule.Internal, bot, func() string {
			return fmt.Sprintf("Priority changed from %s to %s: priority %s applies only to %s issues, not to %s.",
				jiraPrio, to.Jira[0], pr.Name, strings.Join(p.typesFor(pr), ", "), t.Name)
		})
		return to
	}
	return pr
}

// measuredPriority is the priority an issue of type typ raised as pr is
// measured against. With the priority rule on (fix or flag), a priority the
// type does not allow is measured as the nearest allowed one, in fix mode
// whether or not Jira holds it yet, in flag mode while it is flagged. The
// contracts commit to a priority's times only for its types: Sanarise lists
// "Applicable Types:" under each priority, and Hydra says "For other types
// of tickets, priorities are ignored by the Contractor".
func (p *Policy) measuredPriority(pr *Priority, typ *IssueType) *Priority {
	if p.PriorityRule.Mode == PriorityRuleOff || p.PriorityRule.Mode == "" || pr == nil || typ == nil || pr.Allows(typ.Name) {
		return pr
	}
	if to := p.nearestAllowed(pr, typ.Name); to != nil {
		return to
	}
	return pr
}

// nearestAllowed picks the priority a misused one is changed to: the
// closest less urgent priority allowed for the type, else the closest more
// urgent one. Downgrading first follows the contracts: a priority the type
// does not qualify for overstates the urgency.
func (p *Policy) nearestAllowed(pr *Priority, typ string) *Priority {
	for i := pr.Rank + 1; i < len(p.Priorities); i++ {
		if p.Priorities[i].Allows(typ) {
			return p.Priorities[i]
		}
	}
	for i := pr.Rank - 1; i >= 0; i-- {
		if p.Priorities[i].Allows(typ) {
			return p.Priorities[i]
		}
	}
	return nil
}

// notAllowedReason explains why priority pr is flagged for type t. The
// reason depends on the pair alone, so it is built once per pair and call.
func (p *Policy) notAllowedReason(pr *Priority, t *IssueType, sc *scratch) string {
	k := termPair{pr, t}
	if r, ok := sc.notAllowed[k]; ok {
		return r
	}
	r := fmt.Sprintf("priority %s is not used for %s issues (allowed: %s)", pr.Name, t.Name, strings.Join(p.allowedFor(t.Name), ", "))
	if sc.notAllowed == nil {
		sc.notAllowed = map[termPair]string{}
	}
	sc.notAllowed[k] = r
	return r
}

func (p *Policy) allowedFor(typ string) []string {
	var out []string
	for _, pr := range p.Priorities {
		if pr.Allows(typ) {
			out = append(out, pr.Name)
		}
	}
	return out
}

func (p *Policy) typesFor(pr *Priority) []string {
	if pr.Types == nil {
		return []string{"all"}
	}
	var out []string
	for _, t := range p.Types {
		if pr.Types[t.Name] {
			out = append(out, t.Name)
		}
	}
	return out
}

// matchTarget returns the first row of g matching the terms.
func (g *Goal) matchTarget(prio, plan, typ string) *Target {
	for i := range g.Targets {
		t := &g.Targets[i]
		if matchList(t.Priorities, prio) && matchList(t.Plans, plan) && matchList(t.Types, typ) {
			return t
		}
	}
	return nil
}

func matchList(list []string, v string) bool {
	if len(list) == 0 {
		return true
	}
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

func nameOf[T interface{ *Priority | *IssueType | *Plan }](v T) string {
	switch x := any(v).(type) {
	case *Priority:
		if x != nil {
			return x.Name
		}
	case *IssueType:
		if x != nil {
			return x.Name
		}
	case *Plan:
		if x != nil {
			return x.Name
		}
	}
	return ""
}

// evaluateGoal runs goal g's clock over the timeline and writes the status
// to gs, which must be zero, in place: a status is large and copying it
// around adds up.
func (p *Policy) evaluateGoal(gs *GoalStatus, g *Goal, tl *timeline, o *Outcome, effective *Priority, now time.Time, sc *scratch) {
	gs.Goal, gs.State, gs.Calendar = g, StateNotStarted, g.Calendar
	n, last := tl.lastCycle(g, sc)
	if n == 0 {
		return
	}
	cy := &last
	gs.Cycle = n
	gs.Start, gs.Stop, gs.Running, gs.Pauses = cy.start, cy.stop, cy.running, cy.pauses

	// A priority or type change re-targets the cycle from its start: the
	// terms in force when the cycle ends (or now) decide the target.
	at := now
	prio := effective
	typ := o.Type
	if !cy.stop.IsZero() {
		at = cy.stop
		prio = p.priorityOf(tl.valueAt(evPriority, tl.initialPrio, at))
		typ = p.typeOf(tl.valueAt(evType, tl.initialType, at))
		prio = p.measuredPriority(prio, typ)
	}
	gs.Priority, gs.Type, gs.Plan = nameOf(prio), nameOf(typ), nameOf(o.Plan)
	row := g.matchTarget(gs.Priority, gs.Plan, gs.Type)
	if row == nil {
		gs.State = StateUnknown
		return
	}
	gs.Row, gs.Calendar = row, row.Calendar
	if row.None {
		gs.State = StateNoTarget
		gs.Elapsed = measure(cy, row.Calendar, nil, nil, now)
		if !cy.stop.IsZero() {
			gs.State = StateMet
		}
		return
	}
	gs.Target = row.Target.Resolve(row.Calendar)

	// Thresholds: the target itself, the at-risk point, then ladder steps.
	var steps []Step
	if p.Ladder.Goals == nil || p.Ladder.Goals[g.Name] {
		steps = p.Ladder.Steps
	}
	var buf [8]time.Duration
	var atBuf [8]time.Time
	th := append(buf[:0], gs.Target)
	if g.AtRisk > 0 {
		th = append(th, time.Duration(float64(gs.Target)*g.AtRisk))
	}
	for _, s := range steps {
		switch {
		case s.Share > 0:
			th = append(th, time.Duration(float64(gs.Target)*s.Share))
		default:
			th = append(th, gs.Target+s.AfterBreach.Resolve(row.Calendar))
		}
	}
	fired := atBuf[:0]
	if len(th) > len(atBuf) {
		fired = make([]time.Time, len(th))
	} else {
		fired = atBuf[:len(th)]
	}
	gs.Elapsed = measure(cy, row.Calendar, th, fired, now)
	gs.Remaining = gs.Target - gs.Elapsed
	gs.Deadline = fired[0]
	if gs.Deadline.IsZero() {
		// stopped before the target: keep the deadline that was in force
		gs.Deadline = row.Calendar.Add(cy.stop, gs.Remaining)
	}
	// The clock stands still outside business hours, so "no time left" is a
	// breach only once the deadline instant has passed: a reply at 18:00 to a
	// deadline of 18:00 meets it, one at 19:00 does not.
	ref := now
	if !cy.stop.IsZero() {
		ref = cy.stop
	}
	breached := gs.Remaining < 0 || (gs.Remaining == 0 && ref.After(gs.Deadline))
	if breached {
		gs.BreachedAt = gs.Deadline
	}
	switch {
	case breached:
		gs.State = StateBreached
	case !cy.stop.IsZero():
		gs.State = StateMet
	case cy.pausedAt != "":
		gs.State = StatePaused
	default:
		gs.State = StateRunning
	}
	next := 1
	if g.AtRisk > 0 {
		gs.AtRisk = !breached && cy.stop.IsZero() && !fired[1].After(now)
		next = 2
	}
	if len(steps) > 0 {
		gs.Steps = sc.steps.take(len(steps))
		for i := range steps {
			t := fired[next+i]
			gs.Steps[i] = StepStatus{Step: &steps[i], At: t, Due: cy.stop.IsZero() && !t.IsZero() && !t.After(now)}
		}
	}
}

// settle turns the findings that depend on the issue alone into fields,
// comments and escalations. It runs right after the issue is evaluated,
// while its goals are still in cache, rather than in a second walk over
// all outcomes; nothing it writes depends on credits.
func (p *Policy) settle(o *Outcome, opts Options, sc *scratch) {
	iss := o.Issue
	if len(o.Missing) > 0 {
		o.propose("missing-info", p.Qualification.Internal, opts.BotAccountID, func() string { return p.missingInfoBody(iss, o.Missing) })
	}
	if p.Acknowledgement.Enabled {
		if gs := o.goal(p.Acknowledgement.Goal); gs != nil && (gs.State == StateRunning || gs.State == StatePaused) {
			o.propose("ack", p.Acknowledgement.Internal, opts.BotAccountID, func() string { return p.ackBody(iss, gs) })
		}
	}

	o.Fields = make(map[string]FieldValue, 2*len(o.Goals)+1)
	if n := dueSteps(o.Goals); n > 0 {
		o.Notices = sc.notices.take(n)[:0]
	}
	for i := range o.Goals {
		gs := &o.Goals[i]
		g := gs.Goal
		if g.DeadlineField != "" {
			var v FieldValue
			if !gs.Deadline.IsZero() {
				v = Datetime(gs.Deadline.In(gs.Calendar.Location()))
			}
			o.Fields[g.DeadlineField] = v
		}
		if g.StateField != "" {
			v := FieldValue{}
			if gs.State != StateNotStarted {
				v = Option(string(gs.State))
			}
			o.Fields[g.StateField] = v
		}
		for _, st := range gs.Steps {
			if st.Due {
				n := Notice{Goal: g.Name, Cycle: gs.Cycle, Level: st.Step.Level, Trigger: st.Step.At,
					Step: StepID(st.Step.At, st.Step.Rung), Rung: st.Step.Rung, DueAt: st.At}
				if st.Step.Rung == RungAgent {
					n.Recipient.FallbackChannel = st.Step.Channel // the assignee's DM first
				} else {
					n.Recipient.Channel = st.Step.Channel
				}
				o.Notices = append(o.Notices, n)
			}
		}
	}
	if p.Billing.Field != "" && p.Billing.Calendar != nil {
		o.Fields[p.Billing.Field] = Number(math.Round(o.BillableHours*100) / 100)
	}
}

// finish adds what needs every issue evaluated (credits): the flags that
// come after the credit flags, then the labels of all flags and goals.
func (p *Policy) finish(o *Outcome, sc *scratch) {
	if len(o.Missing) > 0 {
		o.flag(sc, FlagMissingInfo, "missing: "+strings.Join(o.Missing, "; "))
	}
	if o.AfterHours > 0 {
		o.flag(sc, FlagAfterHours, fmt.Sprintf("%s of logged work outside business hours is billed at %gx and needs both parties' verification",
			formatSpan(o.AfterHours), p.Billing.AfterHoursMultiplier))
	}
	labels := sc.labels.take(len(o.Flags) + len(o.Goals))[:0]
	for i := range o.Goals {
		gs := &o.Goals[i]
		switch {
		case gs.State == StateBreached:
			labels = append(labels, gs.Goal.breachedLabel)
		case gs.AtRisk:
			labels = append(labels, gs.Goal.atRiskLabel)
		}
	}
	for _, f := range o.Flags {
		labels = append(labels, p.label(f.Code))
	}
	sort.Strings(labels)
	o.Labels = compactStrings(labels)
}

// dueSteps counts the ladder steps due over all goals, so the escalations
// are allocated once.
func dueSteps(goals []GoalStatus) int {
	n := 0
	for i := range goals {
		for _, st := range goals[i].Steps {
			if st.Due {
				n++
			}
		}
	}
	return n
}

func (o *Outcome) goal(name string) *GoalStatus {
	for i := range o.Goals {
		if o.Goals[i].Goal.Name == name {
			return &o.Goals[i]
		}
	}
	return nil
}

// Goal returns the status of the named goal, or nil.
func (o *Outcome) Goal(name string) *GoalStatus { return o.goal(name) }

func compactStrings(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// commentMarker ends every comment slabot posts; it is how a restarted bot
// knows which one-time comments are already on the issue.
func commentMarker(key string) string { return "[slabot:" + key + "]" }

// propose adds a one-time comment unless the bot already posted it (its
// marker is in one of the bot's comments). The body is built only when it
// is needed.
func (o *Outcome) propose(key string, internal bool, bot string, body func() string) {
	marker := commentMarker(key)
	for i := range o.Issue.Comments {
		ex := &o.Issue.Comments[i]
		if (bot == "" || ex.Author.AccountID == bot) && strings.Contains(ex.Body, marker) {
			return
		}
	}
	o.Comments = append(o.Comments, NewComment{Key: key, Body: body() + "\n\n" + marker, Internal: internal})
}

func (p *Policy) ackBody(iss *Issue, gs *GoalStatus) string {
	loc := gs.Calendar.Location()
	return fmt.Sprintf("Thank you for contacting %s. Your request is registered as %s. "+
		"We will send a first response by %s (%s).",
		p.Product, iss.Key, gs.Deadline.In(loc).Format("Mon 2 Jan 2006 15:04"), zoneName(loc, gs.Deadline))
}

func zoneName(loc *time.Location, t time.Time) string {
	name, _ := t.In(loc).Zone()
	if loc.String() != name && loc.String() != "Local" {
		return loc.String() + ", " + name
	}
	return name
}

func (p *Policy) missingInfoBody(iss *Issue, missing []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "To help us resolve %s quickly, please add the following information:\n", iss.Key)
	for _, m := range missing {
		b.WriteString("* ")
		b.WriteString(m)
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n")
}
