package rules

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/slabot/slabot/rules/calendar"
)

// Policy is one product's compiled contract: everything Evaluate needs,
// with every reference resolved. Build it with Load, LoadFile or LoadDir.
type Policy struct {
	File     string
	Product  string
	Projects []string
	// Location is the policy's own zone: calendar months and days for credits
	// and the review rule are counted in it.
	Location *time.Location

	Calendars       map[string]*calendar.Calendar
	DefaultCalendar *calendar.Calendar
	// Warnings are what loads but is probably a mistake (a target table
	// that leaves priorities without a row); check prints them.
	Warnings Problems
	// calendarAt is where each calendar is defined, for warnings found
	// after loading (stale dated holidays).
	calendarAt map[string]Problem

	// Priorities in the policy's order, most urgent first.
	Priorities []*Priority
	Types      []*IssueType
	Plans      []*Plan
	Customers  Customers
	Agents     Agents
	Goals      []*Goal
	Ladder     Ladder

	Acknowledgement Acknowledgement
	PriorityRule    PriorityRule
	// InternalComments restricts the internal comments (Acknowledgement,
	// PriorityRule and Qualification with Internal set) on projects outside
	// Jira Service Management, where the JSM internal-note property means
	// nothing and only a comment's visibility keeps it from the customer.
	InternalComments CommentRestriction
	Qualification    Qualification
	Review           Review
	Billing          Billing
	// LabelPrefix marks the labels slabot owns; labels without it are never
	// removed.
	LabelPrefix string
	// Report is the scheduled delivery of the monthly report.
	Report ReportSchedule
	// Digest is the scheduled "what is at risk now" message (nil: none).
	Digest *DigestSchedule
	// Schedule is the cron spec of this product's cycles ("*/5 * * * *",
	// "@every 2m"); empty leaves it to the worker's default
	// (SLABOT_SCHEDULE). The loader has checked that it parses.
	Schedule string

	labels         map[string]string // flag code -> label
	fields         []Field           // custom fields read or written, by name
	priorityByJira map[string]*Priority
	typeByJira     map[string]*IssueType
	planByName     map[string]*Plan
}

// Priority is a policy priority and the Jira priorities that map to it.
type Priority struct {
	Name string
	Jira []string
	Rank int // 0 is the most urgent
	// Types lists the policy issue types this priority may be used with;
	// nil means every type.
	Types map[string]bool
}

// Allows reports whether the priority may be used on issue type t.
func (p *Priority) Allows(t string) bool { return p.Types == nil || p.Types[t] }

// IssueType is a policy issue type and the Jira types that map to it.
type IssueType struct {
	Name string
	Jira []string
}

// Plan is a support plan: its credits and registered persons.
type Plan struct {
	Name            string
	Persons         int // 0: unlimited
	CreditsPerMonth int // 0: unlimited
	CreditsPerDay   int // 0: unlimited
}

// Customers is the customer directory and how an issue is matched to it.
type Customers struct {
	Field       string // Jira field naming the customer
	PlanField   string // Jira field naming the plan directly
	DefaultPlan *Plan
	Required    bool
	Directory   []*Customer
}

// Customer is one entry of the customer directory.
type Customer struct {
	Name          string
	Plan          *Plan
	Organizations []string
	Domains       []string
	FieldValues   []string
	// Contacts are the registered persons: e-mail addresses or Jira account ids.
	Contacts []string
}

// Agents says who counts as support staff. With neither list set, anybody
// who is not the reporter, not the bot and not a known customer is an agent.
type Agents struct {
	Domains  []string
	Accounts []string
}

// ConditionKind is what starts or stops a goal's clock.
type ConditionKind int

// The clock conditions a policy can name.
const (
	OnCreated           ConditionKind = iota // the issue was created
	OnFirstAgentComment                      // the first public comment by an agent
	OnResolutionSet                          // a resolution was set
	OnResolutionCleared                      // the resolution was cleared (reopen)
	OnQualified                              // the qualification checklist became complete
	OnEntered                                // the issue entered Status
	OnLeft                                   // the issue left Status
	OnCategory                               // the issue entered a status of category Status
)

// Condition is one start or stop condition of a goal.
type Condition struct {
	Kind   ConditionKind
	Status string // for OnEntered, OnLeft (status name) and OnCategory (category key)
}

// Goal is a named clock: first response, resolution, or any other.
type Goal struct {
	Name     string
	Title    string
	Calendar *calendar.Calendar // default for targets without their own
	Start    []Condition
	Stop     []Condition
	// Pause lists the statuses in which the clock stands still (matched
	// case-insensitively, as Jira does).
	Pause         []string
	DeadlineField string
	StateField    string
	// AtRisk is the share of the target after which the goal is labelled at
	// risk; 0 disables the label.
	AtRisk  float64
	Targets []Target

	breachedLabel, atRiskLabel string
}

// Target is one row of a goal's target table. The first row whose
// priority, plan and type lists all match (an empty list matches anything)
// applies.
type Target struct {
	Row        int
	Priorities []string
	Plans      []string
	Types      []string
	Target     Duration
	None       bool // the contract sets no target for these issues
	Calendar   *calendar.Calendar
}

// Rung is a level of the escalation ladder.
type Rung string

// The three rungs, in order.
const (
	RungAgent      Rung = "agent"
	RungTeamLead   Rung = "team_lead"
	RungManagement Rung = "management"
)

// Rungs are the ladder's rungs from the bottom up: agent, team_lead,
// management (the order steps climb and lists of rungs are shown in).
func Rungs() []Rung { return []Rung{RungAgent, RungTeamLead, RungManagement} }

func rungRank(r Rung) int {
	switch r {
	case RungAgent:
		return 0
	case RungTeamLead:
		return 1
	case RungManagement:
		return 2
	}
	return -1
}

// Ladder is the escalation ladder: steps that fire at a share of a goal's
// target, at breach, or a business-time duration after breach.
type Ladder struct {
	Goals    map[string]bool // nil: every goal
	Steps    []Step
	Channels map[Rung]string
	// Ack is what an acknowledgement holds back (see Held).
	Ack AckRule
	// Pages maps a rung to the environment variable holding the PagerDuty
	// routing key its steps page with (the key is a secret: the policy
	// names only where it is): besides posting, or instead of posting when
	// the rung has no channel (PagesOnly).
	Pages map[Rung]string
	// Groups maps a rung to Slack user group handles (without the @):
	// their members may act on the product's ladder messages (Acknowledge,
	// Claim, Snooze) as the members of the ladder channels may, so a lead
	// who is in @support-leads but not in the channel can still act. The
	// grant is per product, not per rung, as channel membership is: the
	// rung says who the group is (the people that rung escalates to).
	Groups map[Rung][]string
}

// GroupHandles lists every user group handle of the ladder once, in rung
// order (agent, team_lead, management), as the policy writes them.
func (l Ladder) GroupHandles() []string {
	var out []string
	for _, r := range Rungs() {
		for _, h := range l.Groups[r] {
			if !slices.Contains(out, h) {
				out = append(out, h)
			}
		}
	}
	return out
}

// PagesOnly reports whether the rung's steps page and post nothing to
// Slack: a rung with page and no channel (an on-call rung for the night,
// say). Its steps have no Slack message, DM or thread reply.
func (l Ladder) PagesOnly(r Rung) bool {
	return l.Channels[r] == "" && l.Pages[r] != ""
}

// Step is one ladder step. Level counts from 1.
type Step struct {
	Level       int
	At          string  // as written: "75%", "breach", "breach+2h"
	Share       float64 // > 0: fires at Share x target
	AfterBreach Duration
	Rung        Rung
	Channel     string // "" when the rung only pages (Ladder.PagesOnly)
	// Repeat re-sends the step every Repeat until the goal is met or
	// acknowledged (0: once): wall-clock time, or with RepeatBusiness
	// business time in the calendar of the issue's target (a reminder every
	// 2 business hours is quiet at night and over the weekend).
	Repeat         time.Duration
	RepeatBusiness bool
}

// Acknowledgement is the automatic reply carrying the issue number and the
// first-response deadline.
type Acknowledgement struct {
	Enabled  bool
	Goal     string
	Internal bool
}

// CommentRestriction is the project role or the group (exactly one is
// set) that may read a restricted comment.
type CommentRestriction struct {
	Role  string
	Group string
}

// DefaultInternalRole is the project role internal comments are
// restricted to when the policy names none; `slabot setup` creates it.
const DefaultInternalRole = "Support Agents"

// String names the restriction as Jira's UI does ("role X", "group Y").
func (r CommentRestriction) String() string {
	if r.Group != "" {
		return "group " + strconv.Quote(r.Group)
	}
	return "role " + strconv.Quote(r.Role)
}

// WritesInternalComments reports whether the policy may post an internal
// comment (so the restriction must be usable on its projects): the note
// an Acknowledge click in Slack leaves (ladder.acknowledge.comment,
// internal by default), or an internal acknowledgement, priority or
// missing-information comment.
func (p *Policy) WritesInternalComments() bool {
	return p.Ladder.Ack.Internal || (p.Acknowledgement.Enabled && p.Acknowledgement.Internal) ||
		(p.PriorityRule.Mode != PriorityRuleOff && p.PriorityRule.Internal) ||
		(len(p.Qualification.Items) > 0 && p.Qualification.Internal)
}

// PriorityRuleMode is what happens to a priority not allowed for the type.
type PriorityRuleMode string

// Priority rule modes.
const (
	PriorityRuleOff  PriorityRuleMode = "off"
	PriorityRuleFlag PriorityRuleMode = "flag" // label and comment
	PriorityRuleFix  PriorityRuleMode = "fix"  // change the priority, and say why
)

// PriorityRule enforces the priorities' Types lists.
type PriorityRule struct {
	Mode     PriorityRuleMode
	Internal bool
}

// Qualification is the checklist of information an issue must carry.
type Qualification struct {
	Types    map[string]bool // nil: every type
	Items    []QualificationItem
	Internal bool
}

// QualificationItem is one piece of required information. It is present
// when the field is non-empty, or the summary or description match.
type QualificationItem struct {
	Name        string
	Field       string
	Summary     *regexp.Regexp
	Description *regexp.Regexp
}

// Review flags a customer opening more than MaxPerDay issues in one day.
type Review struct {
	MaxPerDay int // 0: off
}

// Billing counts support hours from worklogs; time logged outside the
// calendar's hours counts AfterHoursMultiplier times.
type Billing struct {
	Calendar             *calendar.Calendar // nil: billing off
	AfterHoursMultiplier float64
	Field                string
}

// ReportSchedule asks for the previous month's SLA report on the first
// working day of each month (the first opening of the default calendar),
// posted as a file to the channel of a ladder rung.
type ReportSchedule struct {
	Monthly bool
	Rung    Rung   // default management
	Channel string // the rung's channel
	Format  string // "md", "html" (default) or "csv": rules/report's format names
}

// priorityOf maps a Jira priority name to the policy's priority, or nil.
// Jira names are matched case-insensitively; the exact spelling is tried
// first so the common case does not allocate.
func (p *Policy) priorityOf(jira string) *Priority {
	if pr, ok := p.priorityByJira[jira]; ok {
		return pr
	}
	return p.priorityByJira[strings.ToLower(jira)]
}

// typeOf maps a Jira issue type name to the policy's type, or nil.
func (p *Policy) typeOf(jira string) *IssueType {
	if t, ok := p.typeByJira[jira]; ok {
		return t
	}
	return p.typeByJira[strings.ToLower(jira)]
}

// label returns the label for a flag code, with the policy's prefix.
func (p *Policy) label(code string) string {
	if l, ok := p.labels[code]; ok {
		return l
	}
	return p.LabelPrefix + code
}

// Feeds lists the holiday feeds of p's calendars, for the fetcher that
// keeps them current.
func (p *Policy) Feeds() []*calendar.Feed {
	var out []*calendar.Feed
	for _, name := range sortedKeys(p.Calendars) {
		out = append(out, p.Calendars[name].Spec().Feeds...)
	}
	return out
}
