package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/slabot/slabot/bot"

	"github.com/slabot/slabot/rules"

	"github.com/slabot/slabot/rules/calendar"
)

// runCalendar answers "when is the deadline?", "how much business time
// lies between these two instants?" and "when are we open this month?" for
// one calendar of a policy, or of a calendar file alone, so a support
// manager can check the engine against the contract by hand.
func runCalendar(args []string, stdout, stderr io.Writer) int {
	f := newVerbFlags("calendar", "[PATH | --policies PATH] [--product KEY] [--calendar NAME] (--from TIME --add DURATION | --from TIME --to TIME | --month YYYY-MM)  (TIME: now, RFC 3339, or a local time in the calendar's zone)  (PATH: a policy, a directory of them, or a calendar file)", stdout, stderr)
	policyPath := f.policiesFlag()
	product := f.String("product", "", "product or project key, when PATH holds several policies")
	name := f.String("calendar", "", "calendar name (default: the policy's default calendar)")
	from := f.String("from", "", "start: now, RFC 3339, or a local time YYYY-MM-DDTHH:MM read in the calendar's zone (with --add or --to)")
	add := f.String("add", "", "business time to add, e.g. 90m, 4h, 1bd")
	to := f.String("to", "", "end, written as --from: print the business time between --from and --to")
	month := f.String("month", "", "list the working windows and holidays of YYYY-MM")
	pos, code, ok := f.parse(args, 0, 1)
	if !ok {
		return code
	}
	if len(pos) == 1 { // slabot calendar uk-holidays.yaml --month 2027-12
		*policyPath = pos[0]
	}
	modes := 0
	for _, m := range []string{*month, *add, *to} {
		if m != "" {
			modes++
		}
	}
	if modes != 1 {
		return f.usageError("give either --from with --add, --from with --to, or --month")
	}
	cals, def, where, err := loadCalendars(*policyPath, *product)
	var usage usageErr
	switch {
	case errors.Is(err, errNoPath), errors.As(err, &usage):
		return f.usageError("%v", err)
	case err != nil:
		fmt.Fprintln(stderr, err)
		return exitProblem
	}
	cal := def
	if *name != "" {
		cal = cals[*name]
		if cal == nil {
			fmt.Fprintf(stderr, "slabot calendar: %s has no calendar %q\n", where, *name)
			return 1
		}
	}
	if cal == nil {
		return f.usageError("%s has several calendars and no default_calendar: choose one with --calendar", where)
	}
	if *month != "" {
		return printMonth(stdout, stderr, cal, *month)
	}
	now := time.Now()
	start, err := parseInstant(*from, cal.Location(), now)
	if err != nil {
		fmt.Fprintf(stderr, "slabot calendar: --from: %v (write e.g. now, 2026-11-20T17:30 or 2026-11-20T17:30:00+03:00)\n", err)
		return 2
	}
	if *to != "" {
		end, err := parseInstant(*to, cal.Location(), now)
		if err != nil {
			fmt.Fprintf(stderr, "slabot calendar: --to: %v (write e.g. now, 2026-11-23T10:00 or 2026-11-23T10:00:00+03:00)\n", err)
			return 2
		}
		if end.Before(start) {
			fmt.Fprintln(stderr, "slabot calendar: --to is before --from")
			return 2
		}
		fmt.Fprintln(stdout, cal.Between(start, end))
		return 0
	}
	d, err := rules.ParseDuration(*add)
	if err != nil {
		fmt.Fprintf(stderr, "slabot calendar: --add: %v\n", err)
		return 2
	}
	fmt.Fprintln(stdout, cal.Add(start, d.Resolve(cal)).Format(time.RFC3339))
	return 0
}

// usageErr is a wrong choice on the command line (which policy).
type usageErr struct{ error }

// loadCalendars returns the calendars of the policy PATH names (choosing
// one by product when it holds several) or of a calendar file, with their
// holiday feeds loaded, and where they come from for messages.
func loadCalendars(path, product string) (map[string]*calendar.Calendar, *calendar.Calendar, string, error) {
	if st, err := os.Stat(path); err == nil && !st.IsDir() {
		cals, def, err := rules.LoadCalendarFile(path)
		if err == nil {
			for _, c := range cals {
				loadCalendarFeeds(c.Spec().Feeds)
			}
			return cals, def, path, nil
		}
		if !errors.Is(err, rules.ErrPolicyFile) {
			return nil, nil, path, err
		}
	}
	policies, err := loadPolicies(path)
	if err != nil {
		return nil, nil, path, err
	}
	p, err := pickPolicy(policies, product, path)
	if err != nil {
		return nil, nil, path, usageErr{err}
	}
	loadCalendarFeeds(p.Feeds())
	return p.Calendars, p.DefaultCalendar, p.File, nil
}

// loadCalendarFeeds gives feeds their cached copy, then a fresh one; a
// failure leaves the cached copy (the calendar verb is a look, not a check).
func loadCalendarFeeds(feeds []*calendar.Feed) {
	if len(feeds) == 0 {
		return
	}
	ff := &bot.FeedFetcher{CacheDir: feedCacheDir()}
	now := time.Now()
	ff.LoadCached(feeds, now)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_ = ff.Refresh(ctx, feeds, now)
}

func printMonth(stdout, stderr io.Writer, cal *calendar.Calendar, month string) int {
	first, err := time.ParseInLocation("2006-01", month, cal.Location())
	if err != nil {
		fmt.Fprintf(stderr, "slabot calendar: --month: %v (write YYYY-MM)\n", err)
		return 2
	}
	fmt.Fprintf(stdout, "calendar %s, %s (%s)\n", cal.Name(), first.Format("January 2006"), cal.Location())
	for d := calendar.DateOf(first); d.Month == first.Month(); d = d.AddDays(1) {
		ws, why := cal.Day(d)
		line := fmt.Sprintf("%s %s ", d, d.Weekday().String()[:3])
		if len(ws) == 0 {
			line += "closed"
		}
		for i, w := range ws {
			if i > 0 {
				line += ", "
			}
			line += w.String()
		}
		if why.Name != "" {
			line += "  (" + why.String() + ")"
		}
		fmt.Fprintln(stdout, line)
	}
	fmt.Fprintf(stdout, "working time: %s\n", cal.Between(first, first.AddDate(0, 1, 0)))
	return 0
}
