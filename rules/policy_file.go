package rules

// This file is the policy file's schema: the YAML as people write it. Load
// decodes into these types strictly (every key must be known), then compile
// turns them into a Policy, checking every reference. The README's policy
// reference documents each key; keep the two in step.

type policyFile struct {
	Product          string                  `yaml:"product"`
	Projects         []string                `yaml:"projects"`
	Timezone         string                  `yaml:"timezone"`
	DefaultCalendar  string                  `yaml:"default_calendar"`
	Calendars        map[string]calendarFile `yaml:"calendars"`
	Priorities       []priorityFile          `yaml:"priorities"`
	Types            []typeFile              `yaml:"types"`
	Plans            []planFile              `yaml:"plans"`
	Customers        customersFile           `yaml:"customers"`
	Agents           agentsFile              `yaml:"agents"`
	Goals            []goalFile              `yaml:"goals"`
	Ladder           ladderFile              `yaml:"ladder"`
	Acknowledgement  acknowledgementFile     `yaml:"acknowledgement"`
	PriorityRule     priorityRuleFile        `yaml:"priority_rule"`
	Qualification    qualificationFile       `yaml:"qualification"`
	Review           reviewFile              `yaml:"review"`
	Billing          billingFile             `yaml:"billing"`
	Labels           labelsFile              `yaml:"labels"`
	InternalComments internalCommentsFile    `yaml:"internal_comments"`
	Report           reportFile              `yaml:"report"`
	Digest           *digestFile             `yaml:"digest"`
	Schedule         string                  `yaml:"schedule"`
}

type calendarFile struct {
	// File names a calendar file (a calendar or a holiday set shared by
	// several policies) this calendar starts from.
	File     string `yaml:"file"`
	Timezone string `yaml:"timezone"`
	// Country adds a country's nationwide holidays (rules/calendar's
	// CountryHolidays) to the holidays listed here.
	Country   string              `yaml:"country"`
	Week      map[string][]string `yaml:"week"`
	Holidays  []holidayFile       `yaml:"holidays"`
	Overrides []overrideFile      `yaml:"overrides"`
	Feeds     []feedFile          `yaml:"feeds"`
}

// feedFile is an iCalendar holiday feed: a URL (https, or http on
// loopback) or a file, the pattern that tells days off from observances,
// and how often to reload it.
type feedFile struct {
	URL     string `yaml:"url"`
	File    string `yaml:"file"`
	DaysOff string `yaml:"days_off"`
	Refresh string `yaml:"refresh"`
}

// holidayFile is one holiday rule. Exactly one of Date (annual "MM-DD" or a
// single "YYYY-MM-DD"), Dates, From/To, Weekday (with Month and Nth) or Easter
// says which days it covers.
type holidayFile struct {
	Name    string   `yaml:"name"`
	Date    string   `yaml:"date"`
	Dates   []string `yaml:"dates"`
	From    string   `yaml:"from"`
	To      string   `yaml:"to"`
	Month   string   `yaml:"month"`
	Weekday string   `yaml:"weekday"`
	Nth     string   `yaml:"nth"`
	Easter  *int     `yaml:"easter"`
	Hours   []string `yaml:"hours"`
	// Substitute: none (default), next_working_day or nearest_weekday.
	Substitute string `yaml:"substitute"`
	// Source says where the dates come from: a URL, or a document's name
	// and date (a decree, a published calendar). calendar --month and
	// explain show it beside the day.
	Source string `yaml:"source"`
}

type overrideFile struct {
	Date   string   `yaml:"date"`
	Name   string   `yaml:"name"`
	Hours  []string `yaml:"hours"`
	Source string   `yaml:"source"` // as holidayFile.Source
}

type priorityFile struct {
	Name  string   `yaml:"name"`
	Jira  []string `yaml:"jira"`
	Types []string `yaml:"types"`
}

type typeFile struct {
	Name string   `yaml:"name"`
	Jira []string `yaml:"jira"`
}

type planFile struct {
	Name    string      `yaml:"name"`
	Persons int         `yaml:"persons"`
	Credits creditsFile `yaml:"credits"`
}

type creditsFile struct {
	PerMonth int `yaml:"per_month"`
	PerDay   int `yaml:"per_day"`
}

type customersFile struct {
	Field       string         `yaml:"field"`
	PlanField   string         `yaml:"plan_field"`
	DefaultPlan string         `yaml:"default_plan"`
	Required    bool           `yaml:"required"`
	Directory   []customerFile `yaml:"directory"`
}

type customerFile struct {
	Name          string   `yaml:"name"`
	Plan          string   `yaml:"plan"`
	Organizations []string `yaml:"organizations"`
	Domains       []string `yaml:"domains"`
	FieldValues   []string `yaml:"field_values"`
	Contacts      []string `yaml:"contacts"`
}

type agentsFile struct {
	Domains  []string `yaml:"domains"`
	Accounts []string `yaml:"accounts"`
}

type goalFile struct {
	Name          string          `yaml:"name"`
	Title         string          `yaml:"title"`
	Calendar      string          `yaml:"calendar"`
	Start         []conditionFile `yaml:"start"`
	Pause         []string        `yaml:"pause"`
	Stop          []conditionFile `yaml:"stop"`
	DeadlineField string          `yaml:"deadline_field"`
	StateField    string          `yaml:"state_field"`
	AtRisk        string          `yaml:"at_risk"`
	Targets       []targetFile    `yaml:"targets"`
}

// conditionFile is a clock condition: either a bare event name ("created",
// "first_agent_comment", "resolution_set", "resolution_cleared", "qualified")
// or a one-key mapping naming a status ("entered: Reopened", "left:
// Qualification", "category: done").
type conditionFile struct {
	Event    string `yaml:"event"`
	Entered  string `yaml:"entered"`
	Left     string `yaml:"left"`
	Category string `yaml:"category"`
}

// UnmarshalYAML accepts the bare-word form; the mapping form is decoded by
// field name.
func (c *conditionFile) UnmarshalYAML(b []byte) error {
	type plain conditionFile
	s := trimYAMLScalar(b)
	if s != "" && s[0] != '{' && !containsColon(s) {
		c.Event = s
		return nil
	}
	var p plain
	if err := decodeLoose(b, &p); err != nil {
		return err
	}
	*c = conditionFile(p)
	return nil
}

type targetFile struct {
	Priority stringList `yaml:"priority"`
	Plan     stringList `yaml:"plan"`
	Type     stringList `yaml:"type"`
	Target   string     `yaml:"target"`
	Calendar string     `yaml:"calendar"`
}

type ladderFile struct {
	Goals []string            `yaml:"goals"`
	Rungs map[string]rungFile `yaml:"rungs"`
	Steps []stepFile          `yaml:"steps"`
	// Acknowledge is what an Acknowledge click in Slack holds back.
	Acknowledge *acknowledgeRuleFile `yaml:"acknowledge"`
}

type rungFile struct {
	Channel string `yaml:"channel"`
	// Page names the environment variable holding a PagerDuty routing
	// key: the rung's steps also page (see Ladder.Pages).
	Page string `yaml:"page"`
	// Groups are Slack user group handles, without the @, whose members
	// may press the buttons on the product's ladder messages besides the
	// members of its ladder channels (see Ladder.Groups).
	Groups []string `yaml:"groups"`
}

type stepFile struct {
	At   string `yaml:"at"`
	Rung string `yaml:"rung"`
	// Repeat re-sends the step every so long (e.g. 30m) until the goal is
	// met or acknowledged; RepeatClock says whether that is wall-clock
	// time (wall, the default) or business time (business).
	Repeat      string `yaml:"repeat"`
	RepeatClock string `yaml:"repeat_clock"`
}

type acknowledgementFile struct {
	Enabled  bool   `yaml:"enabled"`
	Goal     string `yaml:"goal"`
	Internal bool   `yaml:"internal"`
}

type priorityRuleFile struct {
	Mode     string `yaml:"mode"`
	Internal bool   `yaml:"internal"`
}

type qualificationFile struct {
	Types    []string                `yaml:"types"`
	Items    []qualificationItemFile `yaml:"items"`
	Internal bool                    `yaml:"internal"`
}

type qualificationItemFile struct {
	Name        string `yaml:"name"`
	Field       string `yaml:"field"`
	Summary     string `yaml:"summary"`
	Description string `yaml:"description"`
}

type reviewFile struct {
	MaxPerDay int `yaml:"max_per_day"`
}

type billingFile struct {
	Calendar             string  `yaml:"calendar"`
	AfterHoursMultiplier float64 `yaml:"after_hours_multiplier"`
	Field                string  `yaml:"field"`
}

// reportFile asks for the monthly SLA report to be posted to a ladder
// rung's channel on the first working day of the month.
type reportFile struct {
	Monthly bool   `yaml:"monthly"`
	Rung    string `yaml:"rung"`
	Format  string `yaml:"format"`
}

// internalCommentsFile names who may read slabot's internal comments on a
// project outside Jira Service Management: a project role or a group.
type internalCommentsFile struct {
	Role  string `yaml:"role"`
	Group string `yaml:"group"`
}

type labelsFile struct {
	Prefix string `yaml:"prefix"`
}

// stringList accepts a single string or a list of strings, so a target row
// can say "priority: high" or "priority: [high, critical]".
type stringList []string

// UnmarshalYAML implements the one-or-many form.
func (l *stringList) UnmarshalYAML(b []byte) error {
	s := trimYAMLScalar(b)
	if s == "" {
		*l = nil
		return nil
	}
	if s[0] != '[' && s[0] != '-' {
		var one string
		if err := decodeLoose(b, &one); err != nil {
			return err
		}
		*l = stringList{one}
		return nil
	}
	var many []string
	if err := decodeLoose(b, &many); err != nil {
		return err
	}
	*l = many
	return nil
}
