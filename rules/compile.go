package rules

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/robfig/cron/v3"

	"github.com/slabot/slabot/rules/calendar"
)

// compiler turns a decoded policyFile into a Policy, collecting every
// problem with its position instead of stopping at the first.
type compiler struct {
	file     string
	pos      positions
	problems Problems
	warnings Problems
	// calendars holds every calendar name the file defines, including those
	// that failed to compile, so a reference to them adds no second problem.
	calendarNames map[string]bool
}

// warning records something that loads but is probably not what the
// author meant; check prints warnings, they do not stop start-up.
func (c *compiler) warning(path, fix, format string, args ...any) {
	line, col := c.pos.at(path)
	c.warnings = append(c.warnings, Problem{File: c.file, Line: line, Column: col, Path: path,
		Message: fmt.Sprintf(format, c.boundArgs(args)...), Fix: fix})
}

func (c *compiler) problem(path, fix, format string, args ...any) {
	line, col := c.pos.at(path)
	c.problems = append(c.problems, Problem{File: c.file, Line: line, Column: col, Path: path,
		Message: fmt.Sprintf(format, c.boundArgs(args)...), Fix: fix})
}

func (c *compiler) compile(f *policyFile) *Policy {
	p := &Policy{
		File:           c.file,
		Product:        f.Product,
		Projects:       f.Projects,
		Calendars:      map[string]*calendar.Calendar{},
		calendarAt:     map[string]Problem{},
		priorityByJira: map[string]*Priority{},
		typeByJira:     map[string]*IssueType{},
		planByName:     map[string]*Plan{},
	}
	if strings.TrimSpace(f.Product) == "" {
		c.problem("product", "name the product, e.g. product: Botron Support", "product is missing")
	}
	if len(f.Projects) == 0 {
		c.problem("projects", "list the Jira project keys, e.g. projects: [BOT]", "no Jira projects")
	}
	projectKey := regexp.MustCompile(`^[A-Z][A-Z0-9_]{1,9}$`)
	for i, k := range f.Projects {
		if !projectKey.MatchString(k) {
			c.problem(fmt.Sprintf("projects[%d]", i), "Jira project keys are 2-10 upper-case letters, digits or _, starting with a letter", "%q is not a Jira project key", k)
		}
	}
	p.Location = c.location("timezone", f.Timezone, nil)
	c.calendars(p, f)
	c.priorities(p, f)
	c.types(p, f)
	c.plans(p, f)
	c.customers(p, f)
	p.Agents = Agents{Domains: lowerAll(f.Agents.Domains), Accounts: f.Agents.Accounts}
	c.goals(p, f)
	c.ladder(p, f)
	c.rules(p, f)
	c.report(p, f)
	c.digest(p, f)
	c.schedule(p, f)
	c.fields(p, f)
	// Labels are built once here: Evaluate runs for every issue every cycle.
	p.labels = map[string]string{}
	for _, code := range []string{FlagUnknownPriority, FlagUnknownType, FlagUnknownCustomer, FlagUnknownPlan, FlagPriorityNotAllowed,
		FlagMissingInfo, FlagOverQuota, FlagDailyCap, FlagUnregistered, FlagReview, FlagAfterHours} {
		p.labels[code] = p.LabelPrefix + code
	}
	for _, g := range p.Goals {
		g.breachedLabel = p.LabelPrefix + g.Name + "-breached"
		g.atRiskLabel = p.LabelPrefix + g.Name + "-at-risk"
	}
	return p
}

func (c *compiler) location(path, name string, fallback *time.Location) *time.Location {
	if name == "" {
		if fallback != nil {
			return fallback
		}
		c.problem(path, "set an IANA zone, e.g. timezone: Europe/Istanbul", "time zone is missing")
		return time.UTC
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		c.problem(path, "use an IANA zone name such as Europe/Moscow or Etc/GMT", "unknown time zone %q", name)
		return time.UTC
	}
	return loc
}

var weekdayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
	"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
	"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday,
}

// parseDays reads a week key: "mon", "mon-fri", "sat,sun", "daily".
func parseDays(key string) ([]time.Weekday, error) {
	k := strings.ToLower(strings.TrimSpace(key))
	if k == "daily" || k == "every_day" {
		return []time.Weekday{0, 1, 2, 3, 4, 5, 6}, nil
	}
	var out []time.Weekday
	for _, part := range strings.Split(k, ",") {
		part = strings.TrimSpace(part)
		if a, b, ok := strings.Cut(part, "-"); ok {
			from, ok1 := weekdayNames[a]
			to, ok2 := weekdayNames[b]
			if !ok1 || !ok2 {
				return nil, fmt.Errorf("%q is not a weekday range", part)
			}
			for d := from; ; d = (d + 1) % 7 {
				out = append(out, d)
				if d == to {
					break
				}
			}
			continue
		}
		d, ok := weekdayNames[part]
		if !ok {
			return nil, fmt.Errorf("%q is not a weekday", part)
		}
		out = append(out, d)
	}
	return out, nil
}

var monthNames = map[string]time.Month{}

func init() {
	for m := time.January; m <= time.December; m++ {
		n := strings.ToLower(m.String())
		monthNames[n] = m
		monthNames[n[:3]] = m
		monthNames[strconv.Itoa(int(m))] = m
	}
}

func (c *compiler) windows(path string, specs []string) []calendar.Window {
	var out []calendar.Window
	for i, s := range specs {
		w, err := calendar.ParseWindow(s)
		if err != nil {
			c.problem(fmt.Sprintf("%s[%d]", path, i), "write hours as HH:MM-HH:MM, e.g. 09:00-18:00 or 08:00-24:00", "%v", err)
			continue
		}
		out = append(out, w)
	}
	return out
}

func (c *compiler) calendars(p *Policy, f *policyFile) {
	names := sortedKeys(f.Calendars)
	c.calendarNames = map[string]bool{}
	for _, n := range names {
		c.calendarNames[n] = true
	}
	if len(names) == 0 {
		c.problem("calendars", "define at least one calendar with its week, e.g. calendars: {business: {week: {mon-fri: [\"09:00-18:00\"]}}}", "no calendars")
	}
	for _, name := range names {
		cf := f.Calendars[name]
		path := "calendars." + name
		before := len(c.problems)
		spec := c.calendarSpec(path, cf, p.Location)
		spec.Name = name
		if cf.File != "" {
			// A shared calendar or holiday set: its problems are placed in
			// its own file. The policy's own keys extend it: its week and
			// zone win, its holidays, overrides and feeds add.
			shared, ok := c.sharedCalendar(path+".file", cf.File, p.Location)
			if ok {
				if cf.Timezone == "" && shared.Location != nil {
					spec.Location = shared.Location
				}
				if len(cf.Week) == 0 {
					spec.Week = shared.Week
				}
				spec.Holidays = append(shared.Holidays, spec.Holidays...)
				spec.Overrides = append(shared.Overrides, spec.Overrides...)
				spec.Feeds = append(shared.Feeds, spec.Feeds...)
			}
		}
		if weekEmpty(spec.Week) && len(c.problems) == before {
			c.problem(path, "add a week, e.g. week: {mon-fri: [\"09:00-18:00\"]}, here or in the calendar file", "calendar %q has no week", name)
		}
		if len(c.problems) > before {
			continue // NewCalendar would only repeat what was said
		}
		cal, err := calendar.New(spec)
		if err != nil {
			c.problem(path, "give the calendar at least one opening window and disjoint windows per day", "%v", err)
			continue
		}
		p.Calendars[name] = cal
		line, col := c.pos.at(path)
		p.calendarAt[name] = Problem{File: c.file, Line: line, Column: col, Path: path}
	}
	switch {
	case f.DefaultCalendar != "":
		p.DefaultCalendar = c.calendarRef(p, "default_calendar", f.DefaultCalendar)
	case len(names) == 1:
		p.DefaultCalendar = p.Calendars[names[0]]
	case len(names) > 1:
		c.problem("default_calendar", "name the calendar goals use unless a target says otherwise, e.g. default_calendar: business", "several calendars and no default_calendar")
	}
}

// calendarSpec compiles one calendar's own keys (week, holidays, country,
// feeds, overrides) at path; fallback is the zone when it names none.
func (c *compiler) calendarSpec(path string, cf calendarFile, fallback *time.Location) calendar.Spec {
	spec := calendar.Spec{Location: c.location(join(path, "timezone"), cf.Timezone, fallback)}
	seen := map[time.Weekday]string{}
	for _, key := range sortedKeys(cf.Week) {
		kp := join(path, "week."+key)
		days, err := parseDays(key)
		if err != nil {
			c.problem(kp, "use mon..sun, a range such as mon-fri, a list such as sat,sun, or daily", "%v", err)
			continue
		}
		ws := c.windows(kp, cf.Week[key])
		sort.Slice(ws, func(i, j int) bool { return ws[i].Start < ws[j].Start })
		for i := 1; i < len(ws); i++ {
			if ws[i].Start < ws[i-1].End {
				c.problem(kp, "make the windows of one day disjoint, e.g. 09:00-12:00 and 13:00-18:00", "windows %s and %s overlap", ws[i-1], ws[i])
			}
		}
		for _, d := range days {
			if prev, dup := seen[d]; dup {
				c.problem(kp, "give each weekday its windows under one key", "%s is already set by %q", d, prev)
				continue
			}
			seen[d] = key
			spec.Week[d] = ws
		}
	}
	for i, hf := range cf.Holidays {
		if h, ok := c.holiday(fmt.Sprintf("%s[%d]", join(path, "holidays"), i), hf); ok {
			spec.Holidays = append(spec.Holidays, h)
		}
	}
	if cf.Country != "" {
		hs, err := calendar.CountryHolidays(strings.ToLower(cf.Country))
		if err != nil {
			c.problem(join(path, "country"), "use a two-letter country code of "+strings.Join(calendar.Countries(), ", ")+", or list the holidays yourself", "%v", err)
		}
		spec.Holidays = append(spec.Holidays, hs...)
	}
	for i, ff := range cf.Feeds {
		if f := c.feed(fmt.Sprintf("%s[%d]", join(path, "feeds"), i), ff, spec.Location); f != nil {
			spec.Feeds = append(spec.Feeds, f)
		}
	}
	for i, of := range cf.Overrides {
		op := fmt.Sprintf("%s[%d]", join(path, "overrides"), i)
		d, err := calendar.ParseDate(of.Date)
		if err != nil {
			c.problem(op+".date", "write the date as YYYY-MM-DD", "%v", err)
			continue
		}
		spec.Overrides = append(spec.Overrides, calendar.DayOverride{Date: d, Name: of.Name, Source: strings.TrimSpace(of.Source), Hours: c.windows(op+".hours", of.Hours)})
	}
	if cf.File != "" && path == "" {
		c.problem("file", "a calendar file cannot name another: copy what it needs", "nested calendar file %q", cf.File)
	}
	return spec
}

func weekEmpty(w [7][]calendar.Window) bool {
	for _, ws := range w {
		if len(ws) > 0 {
			return false
		}
	}
	return true
}

// sharedCalendar reads a calendar or holiday-set file named by a policy
// (inside the policy's directory, see localFile) and compiles it with its
// own file name and positions, so its problems point into it.
func (c *compiler) sharedCalendar(path, name string, fallback *time.Location) (calendar.Spec, bool) {
	rel, ok := c.localFile(path, name)
	if !ok {
		return calendar.Spec{}, false
	}
	full := filepath.Join(filepath.Dir(c.file), rel)
	data, err := c.readLocal(rel)
	var ps Problems
	switch {
	case errors.As(err, &ps):
		c.problems = append(c.problems, ps...)
		return calendar.Spec{}, false
	case err != nil:
		c.problem(path, "name a calendar file relative to this policy, e.g. file: calendars/turkey.yaml", "cannot read calendar file %q: %v", name, unwrapPath(err))
		return calendar.Spec{}, false
	}
	cf, cc, ps := decodeCalendarFile(full, data)
	if len(ps) > 0 {
		c.problems = append(c.problems, ps...)
		return calendar.Spec{}, false
	}
	spec := cc.calendarSpec("", cf, fallback)
	c.problems = append(c.problems, cc.problems...)
	return spec, len(cc.problems) == 0
}

// unwrapPath drops an *fs.PathError's operation and path (the problem
// names the file as the policy wrote it) and keeps the reason.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func (c *compiler) holiday(path string, hf holidayFile) (calendar.Holiday, bool) {
	h := calendar.Holiday{Name: hf.Name, Source: strings.TrimSpace(hf.Source)}
	if hf.Name == "" {
		c.problem(path+".name", "name the holiday, e.g. name: Christmas", "holiday without a name")
	}
	h.Hours = c.windows(path+".hours", hf.Hours)
	kinds := 0
	if hf.Date != "" {
		kinds++
		if d, err := calendar.ParseDate(hf.Date); err == nil {
			h.Kind, h.Dates = calendar.HolidayDates, []calendar.Date{d}
		} else if m, d, ok := parseMonthDay(hf.Date); ok {
			h.Kind, h.Month, h.Day = calendar.HolidayFixed, m, d
		} else {
			c.problem(path+".date", "write MM-DD for every year (12-25) or YYYY-MM-DD for one date", "%q is not a date", hf.Date)
			return h, false
		}
	}
	if len(hf.Dates) > 0 {
		kinds++
		h.Kind = calendar.HolidayDates
		for i, s := range hf.Dates {
			d, err := calendar.ParseDate(s)
			if err != nil {
				c.problem(fmt.Sprintf("%s.dates[%d]", path, i), "write dates as YYYY-MM-DD", "%v", err)
				return h, false
			}
			h.Dates = append(h.Dates, d)
		}
	}
	if hf.From != "" || hf.To != "" {
		kinds++
		from, err1 := calendar.ParseDate(hf.From)
		to, err2 := calendar.ParseDate(hf.To)
		if err1 != nil || err2 != nil {
			c.problem(path+".from", "give both ends as YYYY-MM-DD: from: 2026-01-01, to: 2026-01-08", "a date range needs valid from and to dates")
			return h, false
		}
		if to.Before(from) {
			c.problem(path+".to", "put the later date in to", "range ends (%s) before it starts (%s)", to, from)
			return h, false
		}
		h.Kind, h.From, h.To = calendar.HolidayRange, from, to
	}
	if hf.Weekday != "" {
		kinds++
		wd, ok := weekdayNames[strings.ToLower(hf.Weekday)]
		m, okm := monthNames[strings.ToLower(hf.Month)]
		if !ok || !okm {
			c.problem(path, "a weekday holiday needs weekday (e.g. thursday), month (e.g. november) and nth (1-5 or last)", "weekday %q / month %q not understood", hf.Weekday, hf.Month)
			return h, false
		}
		h.Kind, h.Weekday, h.Month = calendar.HolidayNthWeekday, wd, m
		switch n, err := strconv.Atoi(hf.Nth); {
		case hf.Nth == "last":
			h.N = -1
		case err == nil && n >= 1 && n <= 5:
			h.N = n
		default:
			c.problem(path+".nth", "nth is 1, 2, 3, 4, 5 or last (\"last Thursday of November\" is nth: last)", "nth %q not understood", hf.Nth)
			return h, false
		}
	}
	if hf.Easter != nil {
		kinds++
		h.Kind, h.Offset = calendar.HolidayEaster, *hf.Easter
	}
	if kinds != 1 {
		c.problem(path, "give exactly one of date, dates, from/to, weekday (with month and nth) or easter", "holiday %q must say which days it covers in exactly one way", hf.Name)
		return h, false
	}
	if hf.Substitute != "" {
		sub, err := calendar.ParseSubstitute(hf.Substitute)
		switch {
		case err != nil:
			c.problem(path+".substitute", "write substitute: next_working_day (Russia art. 112, UK bank holidays), nearest_weekday (US federal) or none", "%v", err)
			return h, false
		case len(h.Hours) > 0 && sub != calendar.SubstituteNone:
			c.problem(path+".substitute", "a half-day has no substitute: remove substitute or hours", "half-day %q cannot have a substitute day", hf.Name)
			return h, false
		}
		h.Substitute = sub
	}
	return h, true
}

// feed checks a holiday feed entry. The feed is read later (bot keeps it
// fresh and cached); a relative file is taken from the policy's directory.
func (c *compiler) feed(path string, ff feedFile, loc *time.Location) *calendar.Feed {
	f := &calendar.Feed{Name: c.file + ":" + path, Location: loc, Refresh: 24 * time.Hour}
	switch {
	case (ff.URL == "") == (ff.File == ""):
		c.problem(path, "give either url: https://... or file: holidays.ics", "a feed needs exactly one of url and file")
		return nil
	case ff.URL != "":
		u, err := url.Parse(ff.URL)
		if err != nil || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname()))) || u.Host == "" {
			c.problem(path+".url", "use an https URL (http only on localhost)", "%q is not an https URL", ff.URL)
			return nil
		}
		f.Source = ff.URL
	default:
		rel, ok := c.localFile(path+".file", ff.File)
		if !ok {
			return nil
		}
		f.Dir, f.Source = filepath.Dir(c.file), filepath.Join(filepath.Dir(c.file), rel)
	}
	if ff.DaysOff != "" {
		if !c.regexpFits(path+".days_off", ff.DaysOff) {
			return nil
		}
		re, err := regexp.Compile("(?i)" + ff.DaysOff)
		if err != nil {
			c.problem(path+".days_off", "write a regular expression matched against each event's summary, description and categories, e.g. \"public holiday|bank holiday\"", "%v", err)
			return nil
		}
		f.DaysOff = re
	}
	if ff.Refresh != "" {
		d, err := time.ParseDuration(ff.Refresh)
		if err != nil || d < time.Minute {
			c.problem(path+".refresh", "write a duration of a minute or more, e.g. 24h", "refresh %q is not a duration of a minute or more", ff.Refresh)
			return nil
		}
		f.Refresh = d
	}
	return f
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func parseMonthDay(s string) (time.Month, int, bool) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return 0, 0, false
	}
	m, err1 := strconv.Atoi(a)
	d, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || m < 1 || m > 12 || d < 1 || d > 31 {
		return 0, 0, false
	}
	if d > time.Date(2024, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day() {
		return 0, 0, false
	}
	return time.Month(m), d, true
}

func (c *compiler) calendarRef(p *Policy, path, name string) *calendar.Calendar {
	if cal, ok := p.Calendars[name]; ok {
		return cal
	}
	if !c.calendarNames[name] {
		c.problem(path, "use one of the calendars defined under calendars: "+strings.Join(sortedKeys(c.calendarNames), ", "), "unknown calendar %q", name)
	}
	return nil
}

func (c *compiler) priorities(p *Policy, f *policyFile) {
	seen := map[string]bool{}
	for i, pf := range f.Priorities {
		path := fmt.Sprintf("priorities[%d]", i)
		if pf.Name == "" {
			c.problem(path, "name the priority, e.g. name: critical", "priority without a name")
			continue
		}
		if seen[pf.Name] {
			c.problem(path+".name", "give each priority a unique name", "priority %q defined twice", pf.Name)
			continue
		}
		seen[pf.Name] = true
		pr := &Priority{Name: pf.Name, Jira: pf.Jira, Rank: i}
		if len(pf.Jira) == 0 {
			c.problem(path+".jira", "list the Jira priority names that mean this priority, e.g. jira: [Highest]", "priority %q maps no Jira priority", pf.Name)
		}
		mapJira(c, path, "priority", pf.Jira, pr, p.priorityByJira, func(o *Priority) string { return o.Name })
		p.Priorities = append(p.Priorities, pr)
	}
}

func (c *compiler) types(p *Policy, f *policyFile) {
	seen := map[string]bool{}
	for i, tf := range f.Types {
		path := fmt.Sprintf("types[%d]", i)
		if tf.Name == "" || seen[tf.Name] {
			c.problem(path+".name", "give each type a unique name", "type name %q missing or repeated", tf.Name)
			continue
		}
		seen[tf.Name] = true
		t := &IssueType{Name: tf.Name, Jira: tf.Jira}
		if len(tf.Jira) == 0 {
			c.problem(path+".jira", "list the Jira issue types that mean this type", "type %q maps no Jira issue type", tf.Name)
		}
		mapJira(c, path, "issue type", tf.Jira, t, p.typeByJira, func(o *IssueType) string { return o.Name })
		p.Types = append(p.Types, t)
	}
	// Priority type lists can only be checked once the types are known.
	for i, pf := range f.Priorities {
		pr := p.priority(pf.Name)
		if pr == nil || len(pf.Types) == 0 {
			continue
		}
		pr.Types = map[string]bool{}
		for j, tn := range pf.Types {
			if !seen[tn] {
				c.problem(fmt.Sprintf("priorities[%d].types[%d]", i, j), "use a type defined under types: "+strings.Join(typeNames(p), ", "), "unknown type %q", tn)
				continue
			}
			pr.Types[tn] = true
		}
	}
}

func (c *compiler) plans(p *Policy, f *policyFile) {
	for i, pf := range f.Plans {
		path := fmt.Sprintf("plans[%d]", i)
		if pf.Name == "" || p.planByName[pf.Name] != nil {
			c.problem(path+".name", "give each plan a unique name", "plan name %q missing or repeated", pf.Name)
			continue
		}
		if pf.Persons < 0 || pf.Credits.PerMonth < 0 || pf.Credits.PerDay < 0 {
			c.problem(path, "use 0 for unlimited and positive numbers otherwise", "plan %q has a negative limit", pf.Name)
		}
		pl := &Plan{Name: pf.Name, Persons: pf.Persons, CreditsPerMonth: pf.Credits.PerMonth, CreditsPerDay: pf.Credits.PerDay}
		p.planByName[pf.Name] = pl
		p.Plans = append(p.Plans, pl)
	}
}

func (c *compiler) planRef(p *Policy, path, name string) *Plan {
	if pl, ok := p.planByName[name]; ok {
		return pl
	}
	c.problem(path, "use a plan defined under plans: "+strings.Join(planNames(p), ", "), "unknown plan %q", name)
	return nil
}

func (c *compiler) customers(p *Policy, f *policyFile) {
	cf := f.Customers
	p.Customers = Customers{Field: cf.Field, PlanField: cf.PlanField, Required: cf.Required}
	if cf.DefaultPlan != "" {
		p.Customers.DefaultPlan = c.planRef(p, "customers.default_plan", cf.DefaultPlan)
	}
	names := map[string]bool{}
	for i, cu := range cf.Directory {
		path := fmt.Sprintf("customers.directory[%d]", i)
		if cu.Name == "" || names[cu.Name] {
			c.problem(path+".name", "give each customer a unique name", "customer name %q missing or repeated", cu.Name)
			continue
		}
		names[cu.Name] = true
		cust := &Customer{Name: cu.Name, Organizations: cu.Organizations, Domains: lowerAll(cu.Domains),
			FieldValues: cu.FieldValues, Contacts: lowerAll(cu.Contacts)}
		if cu.Plan != "" {
			cust.Plan = c.planRef(p, path+".plan", cu.Plan)
		} else if len(p.Plans) > 0 && p.Customers.DefaultPlan == nil {
			c.problem(path, "give the customer a plan: "+strings.Join(planNames(p), ", "), "customer %q has no plan", cu.Name)
		}
		if len(cu.Organizations)+len(cu.Domains)+len(cu.FieldValues)+len(cu.Contacts) == 0 {
			c.problem(path, "add organizations, domains, field_values or contacts so issues can be matched to the customer", "customer %q can never be matched", cu.Name)
		}
		plan := cust.Plan
		if plan == nil {
			plan = p.Customers.DefaultPlan
		}
		if plan != nil && plan.Persons > 0 && len(cu.Contacts) > plan.Persons {
			c.problem(path+".contacts", fmt.Sprintf("list at most %d registered persons, or move the customer to a larger plan", plan.Persons),
				"customer %q lists %d contacts but plan %q allows %d registered person(s)", cu.Name, len(cu.Contacts), plan.Name, plan.Persons)
		}
		if len(cu.FieldValues) > 0 && cf.Field == "" {
			c.problem(path+".field_values", "name the Jira field under customers.field", "field_values given but customers.field is not set")
		}
		p.Customers.Directory = append(p.Customers.Directory, cust)
	}
}

var eventConditions = map[string]ConditionKind{
	"created":             OnCreated,
	"first_agent_comment": OnFirstAgentComment,
	"resolution_set":      OnResolutionSet,
	"resolution_cleared":  OnResolutionCleared,
	"qualified":           OnQualified,
}

func (c *compiler) conditions(path string, in []conditionFile) []Condition {
	var out []Condition
	for i, cf := range in {
		cp := fmt.Sprintf("%s[%d]", path, i)
		set := 0
		var cond Condition
		if cf.Event != "" {
			set++
			k, ok := eventConditions[cf.Event]
			if !ok {
				c.problem(cp, "use created, first_agent_comment, resolution_set, resolution_cleared, qualified, or a mapping entered: STATUS, left: STATUS, category: new|indeterminate|done", "unknown condition %q", cf.Event)
				continue
			}
			cond.Kind = k
		}
		if cf.Entered != "" {
			set++
			cond = Condition{Kind: OnEntered, Status: cf.Entered}
		}
		if cf.Left != "" {
			set++
			cond = Condition{Kind: OnLeft, Status: cf.Left}
		}
		if cf.Category != "" {
			set++
			cond = Condition{Kind: OnCategory, Status: cf.Category}
			if cf.Category != CategoryNew && cf.Category != CategoryInProgress && cf.Category != CategoryDone {
				c.problem(cp+".category", "status categories are new, indeterminate and done", "unknown status category %q", cf.Category)
			}
		}
		if set != 1 {
			c.problem(cp, "write one condition per list entry", "a condition needs exactly one of: an event name, entered, left, category")
			continue
		}
		out = append(out, cond)
	}
	return out
}

func (c *compiler) goals(p *Policy, f *policyFile) {
	if len(f.Goals) == 0 {
		c.problem("goals", "define at least one goal, e.g. first_response", "no goals")
	}
	names := map[string]bool{}
	for i, gf := range f.Goals {
		path := fmt.Sprintf("goals[%d]", i)
		if gf.Name == "" || names[gf.Name] || !labelSafe(gf.Name) {
			c.problem(path+".name", "give each goal a unique name of letters, digits, - and _, e.g. first_response", "goal name %q missing, repeated or not usable in a label", gf.Name)
			continue
		}
		names[gf.Name] = true
		g := &Goal{Name: gf.Name, Title: gf.Title, DeadlineField: gf.DeadlineField, StateField: gf.StateField}
		if g.Title == "" {
			g.Title = strings.ReplaceAll(gf.Name, "_", " ")
		}
		g.Calendar = p.DefaultCalendar
		if gf.Calendar != "" {
			g.Calendar = c.calendarRef(p, path+".calendar", gf.Calendar)
		}
		g.Start = c.conditions(path+".start", gf.Start)
		g.Stop = c.conditions(path+".stop", gf.Stop)
		if len(gf.Start) == 0 {
			c.problem(path+".start", "say when the clock starts, e.g. start: [created]", "goal %q never starts", gf.Name)
		}
		if len(gf.Stop) == 0 {
			c.problem(path+".stop", "say when the clock stops, e.g. stop: [first_agent_comment]", "goal %q never stops", gf.Name)
		}
		for _, s := range g.Start {
			for _, t := range g.Stop {
				if s == t {
					c.problem(path+".stop", "a condition cannot both start and stop the same clock", "goal %q starts and stops on the same condition", gf.Name)
				}
			}
		}
		g.Pause = gf.Pause
		if gf.AtRisk != "" {
			share, err := parseShare(gf.AtRisk)
			if err != nil {
				c.problem(path+".at_risk", "write a share of the target between 1% and 99%, e.g. at_risk: 75%", "%v", err)
			}
			g.AtRisk = share
		}
		mode := PriorityRuleMode(f.PriorityRule.Mode)
		c.targets(p, g, path, gf.Targets, mode == PriorityRuleFix || mode == PriorityRuleFlag)
		p.Goals = append(p.Goals, g)
	}
}

func (c *compiler) ladder(p *Policy, f *policyFile) {
	lf := f.Ladder
	if len(lf.Steps) == 0 && len(lf.Rungs) == 0 && len(lf.Goals) == 0 {
		return
	}
	l := Ladder{Channels: map[Rung]string{}}
	defined := map[Rung]bool{} // rungs the file names, a channel or not (each problem is reported once)
	for _, name := range sortedKeys(lf.Rungs) {
		r := Rung(name)
		if rungRank(r) < 0 {
			c.problem("ladder.rungs."+name, "rungs are agent, team_lead and management", "unknown rung %q", name)
			continue
		}
		defined[r] = true
		rf := lf.Rungs[name]
		switch {
		case rf.Channel == "" && rf.Page == "":
			c.problem("ladder.rungs."+name, "name the Slack channel, e.g. channel: \"#support-leads\", or the environment variable of a PagerDuty routing key to page instead, e.g. page: SLABOT_PAGERDUTY_KEY",
				"rung %q has neither a channel nor page: its steps would reach no one", name)
		case rf.Channel != "":
			l.Channels[r] = rf.Channel
		}
		if pg := rf.Page; pg != "" {
			if !envName.MatchString(pg) {
				c.problem("ladder.rungs."+name+".page", "name the environment variable that holds the PagerDuty routing key, e.g. page: SLABOT_PAGERDUTY_KEY", "%q is not an environment variable name", pg)
			}
			if l.Pages == nil {
				l.Pages = map[Rung]string{}
			}
			l.Pages[r] = pg
		}
		if hs := c.groupHandles("ladder.rungs."+name+".groups", lf.Rungs[name].Groups); len(hs) > 0 {
			if l.Groups == nil {
				l.Groups = map[Rung][]string{}
			}
			l.Groups[r] = hs
		}
	}
	c.warnSharedPages(&l)
	if len(lf.Goals) > 0 {
		l.Goals = map[string]bool{}
		for i, gn := range lf.Goals {
			if p.goal(gn) == nil {
				c.problem(fmt.Sprintf("ladder.goals[%d]", i), "use a goal defined under goals", "unknown goal %q", gn)
			}
			l.Goals[gn] = true
		}
	}
	var prev *Step
	prevRung := -1
	for i, sf := range lf.Steps {
		path := fmt.Sprintf("ladder.steps[%d]", i)
		s := Step{Level: i + 1, At: sf.At, Rung: Rung(sf.Rung)}
		at := strings.ReplaceAll(sf.At, " ", "")
		switch {
		case strings.HasSuffix(at, "%"):
			share, err := parseShare(at)
			if err != nil {
				c.problem(path+".at", "write a share of the target such as 75%, or breach, or breach+2h", "%v", err)
				continue
			}
			s.Share = share
		case at == "breach":
		case strings.HasPrefix(at, "breach+"):
			d, err := ParseDuration(strings.TrimPrefix(at, "breach+"))
			if err != nil {
				c.problem(path+".at", "write breach+DURATION, e.g. breach+2h", "%v", err)
				continue
			}
			s.AfterBreach = d
		default:
			c.problem(path+".at", "write a share of the target such as 75%, or breach, or breach+2h", "%q is not a ladder point", sf.At)
			continue
		}
		if r := strings.TrimSpace(sf.Repeat); r != "" {
			d, err := time.ParseDuration(r)
			if err != nil || d < 5*time.Minute {
				c.problem(path+".repeat", "write a duration of at least 5m, e.g. repeat: 30m", "%q is not a repeat interval", sf.Repeat)
			} else {
				s.Repeat = d
			}
		}
		switch clock := strings.TrimSpace(sf.RepeatClock); {
		case clock == "" || clock == "wall":
		case clock != "business":
			c.problem(path+".repeat_clock", "write wall (wall-clock time, the default) or business (the target's business hours)", "%q is not a repeat clock", sf.RepeatClock)
		case strings.TrimSpace(sf.Repeat) == "":
			c.problem(path+".repeat_clock", "add repeat: DURATION to the step, or remove repeat_clock", "repeat_clock without repeat")
		default:
			s.RepeatBusiness = true
		}
		rank := rungRank(s.Rung)
		if rank < 0 {
			c.problem(path+".rung", "rungs are agent, team_lead and management", "unknown rung %q", sf.Rung)
			continue
		}
		s.Channel = l.Channels[s.Rung]
		if !defined[s.Rung] {
			c.problem(path+".rung", fmt.Sprintf("add ladder.rungs.%s.channel (or .page)", s.Rung), "rung %q has no channel", s.Rung)
		}
		// A page-only rung pages once per step: PagerDuty notifies the
		// on-call person again by its own escalation policy until someone
		// acknowledges, and there is no thread to repeat into.
		if s.Repeat > 0 && l.PagesOnly(s.Rung) {
			c.problem(path+".repeat", fmt.Sprintf("remove repeat (PagerDuty re-notifies until the alert is acknowledged), or give ladder.rungs.%s a channel to repeat in", s.Rung),
				"rung %q only pages: its step cannot repeat", s.Rung)
		}
		if (prev != nil && !stepAfter(s, *prev, p.Calendars)) || rank < prevRung {
			c.problem(path, "order steps by when they fire (75%, then breach, then breach+2h) and climb agent -> team_lead -> management", "ladder steps out of order: %s (%s) comes after a later or higher step", sf.At, sf.Rung)
		}
		prev, prevRung = &s, rank
		l.Steps = append(l.Steps, s)
	}
	l.Ack = c.ackRule(lf.Acknowledge)
	p.Ladder = l
}

// groupHandle is a Slack user group handle as a policy writes it: what
// follows the @ of a mention (lower-case letters, digits, '.', '-', '_').
// Slack keeps handles lower-case, so an upper-case letter is a typo here,
// not a different group.
var groupHandle = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

// groupID is what a user group id looks like (S0614TZR7): pasted from a
// mention's <!subteam^ID> instead of the handle.
var groupID = regexp.MustCompile(`^S[A-Z0-9]{6,}$`)

// groupHandles checks a rung's user group handles: written without the @,
// each once. Whether the group exists is Slack's to say (slabot check).
func (c *compiler) groupHandles(key string, hs []string) []string {
	var out []string
	for i, h := range hs {
		path := fmt.Sprintf("%s[%d]", key, i)
		switch {
		case strings.HasPrefix(h, "@"):
			c.problem(path, fmt.Sprintf("write the handle without the @: %q", strings.TrimPrefix(h, "@")), "%q: a group is named by its handle alone", h)
		case strings.HasPrefix(h, "<!subteam^") || groupID.MatchString(h):
			c.problem(path, "write the group's handle (what follows the @ in a mention, e.g. support-leads), not its id", "%q looks like a user group id, not a handle", h)
		case !groupHandle.MatchString(h):
			c.problem(path, "write the group's handle as Slack shows it after the @: lower-case letters, digits, '.', '-' and '_', e.g. support-leads", "%q is not a Slack user group handle", h)
		case slices.Contains(out, h):
			c.problem(path, "list each group once", "group %q is listed twice", h)
		default:
			out = append(out, h)
		}
	}
	return out
}

// stepAfter reports whether step s fires strictly after step prev for every
// target: shares before breach, breach, then breach plus a duration. A
// breach+DURATION step is resolved on the row's calendar when it fires, so
// "breach+20h" after "breach+1bd" is out of order wherever a business day
// is 20 hours or more: the order must hold on every calendar of the policy.
func stepAfter(s, prev Step, cals map[string]*calendar.Calendar) bool {
	kind := func(x Step) int {
		switch {
		case x.Share > 0:
			return 0
		case x.AfterBreach.IsZero():
			return 1
		}
		return 2
	}
	k, pk := kind(s), kind(prev)
	switch {
	case k != pk:
		return k > pk
	case k == 0:
		return s.Share > prev.Share
	case k == 1:
		return false
	}
	if s.AfterBreach.Days >= prev.AfterBreach.Days && s.AfterBreach.Fixed > prev.AfterBreach.Fixed ||
		s.AfterBreach.Days > prev.AfterBreach.Days && s.AfterBreach.Fixed >= prev.AfterBreach.Fixed {
		return true // later whatever a business day is
	}
	if len(cals) == 0 {
		return false
	}
	for _, c := range cals {
		if c != nil && s.AfterBreach.Resolve(c) <= prev.AfterBreach.Resolve(c) {
			return false
		}
	}
	return true
}

func (c *compiler) rules(p *Policy, f *policyFile) {
	ic := f.InternalComments
	switch {
	case ic.Role != "" && ic.Group != "":
		c.problem("internal_comments", "name a role or a group, not both", "both role %q and group %q", ic.Role, ic.Group)
	case ic.Group != "":
		p.InternalComments = CommentRestriction{Group: ic.Group}
	case ic.Role != "":
		p.InternalComments = CommentRestriction{Role: ic.Role}
	default:
		p.InternalComments = CommentRestriction{Role: DefaultInternalRole}
	}
	ack := f.Acknowledgement
	p.Acknowledgement = Acknowledgement{Enabled: ack.Enabled, Goal: ack.Goal, Internal: ack.Internal}
	if ack.Enabled {
		if ack.Goal == "" && len(p.Goals) > 0 {
			p.Acknowledgement.Goal = p.Goals[0].Name
		} else if ack.Goal != "" && p.goal(ack.Goal) == nil {
			c.problem("acknowledgement.goal", "name the first-response goal whose deadline the reply states", "unknown goal %q", ack.Goal)
		}
	}

	mode := PriorityRuleMode(f.PriorityRule.Mode)
	if mode == "" {
		mode = PriorityRuleOff
	}
	switch mode {
	case PriorityRuleOff, PriorityRuleFlag, PriorityRuleFix:
	default:
		c.problem("priority_rule.mode", "use off, flag (label and comment) or fix (change the priority and say why)", "unknown mode %q", f.PriorityRule.Mode)
	}
	p.PriorityRule = PriorityRule{Mode: mode, Internal: f.PriorityRule.Internal}
	if mode != PriorityRuleOff {
		restricted := false
		for _, pr := range p.Priorities {
			restricted = restricted || pr.Types != nil
		}
		if !restricted {
			c.problem("priority_rule.mode", "list the allowed types under each priority's types, or set mode: off", "priority_rule is on but no priority lists its types")
		}
	}

	q := f.Qualification
	p.Qualification.Internal = q.Internal
	if len(q.Types) > 0 {
		p.Qualification.Types = map[string]bool{}
		for i, tn := range q.Types {
			if p.issueType(tn) == nil {
				c.problem(fmt.Sprintf("qualification.types[%d]", i), "use a type defined under types", "unknown type %q", tn)
			}
			p.Qualification.Types[tn] = true
		}
	}
	for i, it := range q.Items {
		path := fmt.Sprintf("qualification.items[%d]", i)
		item := QualificationItem{Name: it.Name, Field: it.Field}
		if it.Name == "" {
			c.problem(path+".name", "name the information, e.g. name: Steps to reproduce", "item without a name")
		}
		if it.Field == "" && it.Summary == "" && it.Description == "" {
			c.problem(path, "say where it is found: field, summary (regular expression) or description (regular expression)", "item %q can never be found", it.Name)
		}
		item.Summary = c.regexp(path+".summary", it.Summary)
		item.Description = c.regexp(path+".description", it.Description)
		p.Qualification.Items = append(p.Qualification.Items, item)
	}

	if f.Review.MaxPerDay < 0 {
		c.problem("review.max_per_day", "use a positive number, or 0 to turn the review rule off", "negative max_per_day")
	}
	p.Review = Review{MaxPerDay: f.Review.MaxPerDay}

	b := f.Billing
	if b.Calendar != "" || b.AfterHoursMultiplier != 0 || b.Field != "" {
		p.Billing = Billing{AfterHoursMultiplier: b.AfterHoursMultiplier, Field: b.Field, Calendar: p.DefaultCalendar}
		if b.Calendar != "" {
			p.Billing.Calendar = c.calendarRef(p, "billing.calendar", b.Calendar)
		}
		if p.Billing.AfterHoursMultiplier == 0 {
			p.Billing.AfterHoursMultiplier = 1
		}
		if p.Billing.AfterHoursMultiplier < 1 {
			c.problem("billing.after_hours_multiplier", "after-hours work costs at least the normal rate: use 1 or more (2 for double rate)", "multiplier %v below 1", b.AfterHoursMultiplier)
		}
	}

	p.LabelPrefix = f.Labels.Prefix
	if p.LabelPrefix == "" {
		p.LabelPrefix = "sla-"
	}
	if !labelSafe(strings.TrimSuffix(p.LabelPrefix, "-")) {
		c.problem("labels.prefix", "Jira labels cannot contain spaces; use letters, digits, - and _", "prefix %q is not usable in a label", p.LabelPrefix)
	}
}

// schedule checks the product's own cron spec: the standard five fields
// or a descriptor (@hourly, @every 2m), as the worker's scheduler
// (robfig/cron) reads them.
func (c *compiler) schedule(p *Policy, f *policyFile) {
	spec := strings.TrimSpace(f.Schedule)
	if spec == "" {
		return
	}
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		c.problem("schedule", `write five cron fields ("*/5 * * * *") or "@every 2m"`, "schedule %q does not parse: %v", f.Schedule, err)
		return
	}
	// A spec such as "0 0 31 2 *" parses but never fires: the product would
	// run once at start and never again. (A fixed instant, not the clock:
	// such a spec matches no date in any year.)
	if sched.Next(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).IsZero() {
		c.problem("schedule", "name a minute, hour, day and month that exist", "schedule %q never fires", f.Schedule)
		return
	}
	p.Schedule = spec
}

// rungChannel resolves the rung a policy names at key (def when it names
// none) to that rung's ladder channel, for a message (what) posted there
// on a schedule; an unknown rung or one without a channel is a problem and
// gives no channel.
func (c *compiler) rungChannel(p *Policy, key, named string, def Rung, what string) (Rung, string) {
	r := def
	if named != "" {
		r = Rung(named)
	}
	switch {
	case rungRank(r) < 0:
		c.problem(key, "rungs are agent, team_lead and management", "unknown rung %q", named)
	case p.Ladder.PagesOnly(r):
		c.problem(key, fmt.Sprintf("name a rung that has a channel, or add ladder.rungs.%s.channel (it then posts and pages)", r),
			"rung %q only pages (no Slack channel): it cannot take %s", r, what)
	case p.Ladder.Channels[r] == "":
		c.problem(key, fmt.Sprintf("add ladder.rungs.%s.channel, or name a rung that has a channel", r),
			"rung %q has no channel to post %s to", r, what)
	default:
		return r, p.Ladder.Channels[r]
	}
	return r, ""
}

func (c *compiler) report(p *Policy, f *policyFile) {
	rf := f.Report
	if !rf.Monthly && rf.Rung == "" && rf.Format == "" {
		return
	}
	s := ReportSchedule{Monthly: rf.Monthly, Format: "html"}
	s.Rung, s.Channel = c.rungChannel(p, "report.rung", rf.Rung, RungManagement, "the report")
	switch strings.ToLower(strings.TrimSpace(rf.Format)) {
	case "":
	case "html":
		s.Format = "html"
	case "md", "markdown":
		s.Format = "md"
	case "csv":
		s.Format = "csv"
	default:
		c.problem("report.format", "use md, html or csv", "unknown report format %q", rf.Format)
	}
	p.Report = s
}

func (c *compiler) regexp(path, expr string) *regexp.Regexp {
	if expr == "" || !c.regexpFits(path, expr) {
		return nil
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		c.problem(path, "write a Go (RE2) regular expression; (?i) makes it case-insensitive", "bad regular expression: %v", err)
		return nil
	}
	return re
}

// regexpFits refuses a regular expression longer than MaxRegexpChars.
func (c *compiler) regexpFits(path, expr string) bool {
	if n := utf8.RuneCountInString(expr); n > MaxRegexpChars {
		c.problem(path, fmt.Sprintf("shorten it to at most %d characters (match a distinctive part, or split the item in two)", MaxRegexpChars),
			"the regular expression is %d characters long, over the limit of %d", n, MaxRegexpChars)
		return false
	}
	return true
}

func parseShare(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "%"), 64)
	if err != nil || !strings.HasSuffix(strings.TrimSpace(s), "%") {
		return 0, fmt.Errorf("%q is not a percentage", s)
	}
	if !(v > 0 && v < 100) { // also rejects NaN, which ParseFloat accepts
		return 0, fmt.Errorf("%q must be between 0%% and 100%% of the target", s)
	}
	return v / 100, nil
}

func labelSafe(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

func lowerAll(in []string) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = strings.ToLower(strings.TrimSpace(s))
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func priorityNames(p *Policy) []string {
	var out []string
	for _, pr := range p.Priorities {
		out = append(out, pr.Name)
	}
	return out
}

func typeNames(p *Policy) []string {
	var out []string
	for _, t := range p.Types {
		out = append(out, t.Name)
	}
	return out
}

func planNames(p *Policy) []string {
	var out []string
	for _, pl := range p.Plans {
		out = append(out, pl.Name)
	}
	return out
}

func (p *Policy) priority(name string) *Priority {
	for _, pr := range p.Priorities {
		if pr.Name == name {
			return pr
		}
	}
	return nil
}

func (p *Policy) issueType(name string) *IssueType {
	for _, t := range p.Types {
		if t.Name == name {
			return t
		}
	}
	return nil
}

func (p *Policy) goal(name string) *Goal {
	for _, g := range p.Goals {
		if g.Name == name {
			return g
		}
	}
	return nil
}

// Plan returns the plan named name, or nil.
func (p *Policy) Plan(name string) *Plan { return p.planByName[name] }

// mapJira indexes the Jira names of one policy term (a priority or an issue
// type), case-insensitively, reporting a Jira name already mapped to another
// term. The exact spelling is indexed too so lookups rarely allocate.
func mapJira[T any](c *compiler, path, what string, names []string, term T, index map[string]T, name func(T) string) {
	for j, jn := range names {
		k := strings.ToLower(jn)
		if other, dup := index[k]; dup {
			c.problem(fmt.Sprintf("%s.jira[%d]", path, j), "map each Jira "+what+" to one policy term",
				"Jira %s %q already maps to %q", what, jn, name(other))
			continue
		}
		index[k] = term
		index[jn] = term
	}
}

// warnSharedPages warns of rungs that page one routing key. Every page of
// a goal cycle carries one dedup key and PagerDuty deduplicates within the
// service the routing key belongs to, so the later rung's trigger merges
// into the alert the earlier rung opened: PagerDuty notifies no one new,
// and the escalation the ladder promises does not happen there.
func (c *compiler) warnSharedPages(l *Ladder) {
	first := map[string]Rung{}
	for _, r := range Rungs() {
		key := l.Pages[r]
		if key == "" {
			continue
		}
		if earlier, ok := first[key]; ok {
			c.warning("ladder.rungs."+string(r)+".page",
				fmt.Sprintf("give %s the routing key of another PagerDuty service (or escalate within the service's own escalation policy and page from %s only)", r, earlier),
				"rungs %s and %s page the same routing key %s: PagerDuty merges %s's page into the alert %s's opened, so it notifies no one new", earlier, r, key, r, earlier)
			continue
		}
		first[key] = r
	}
}
