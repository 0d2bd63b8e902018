package main

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/slabot/slabot/rules"

	"github.com/slabot/slabot/rules/calendar"
)

// runCalendar answers "when is the deadline?" and "when are we open this
// month?" for one calendar of a policy, so a support manager can check the
// engine against the contract by hand.
func runCalendar(args []string, stdout, stderr io.Writer) int {
	f := newVerbFlags("calendar", "[--policies PATH] [--product KEY] [--calendar NAME] (--from RFC3339 --add DURATION | --month YYYY-MM)", stdout, stderr)
	policyPath := f.policiesFlag()
	product := f.String("product", "", "product or project key, when PATH holds several policies")
	name := f.String("calendar", "", "calendar name (default: the policy's default calendar)")
	from := f.String("from", "", "start instant, RFC 3339 (with --add)")
	add := f.String("add", "", "business time to add, e.g. 90m, 4h, 1bd")
	month := f.String("month", "", "list the working windows and holidays of YYYY-MM")
	if _, code, ok := f.parse(args, 0, 0); !ok {
		return code
	}
	if (*month == "") == (*add == "") {
		return f.usageError("give either --from with --add, or --month")
	}
	policies, err := loadPolicies(*policyPath)
	if errors.Is(err, errNoPath) {
		return f.usageError("%v", err)
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitProblem
	}
	p, err := pickPolicy(policies, *product, *policyPath)
	if err != nil {
		return f.usageError("%v", err)
	}
	cal := p.DefaultCalendar
	if *name != "" {
		cal = p.Calendars[*name]
		if cal == nil {
			fmt.Fprintf(stderr, "slabot calendar: %s has no calendar %q\n", p.File, *name)
			return 1
		}
	}
	if *month != "" {
		return printMonth(stdout, stderr, cal, *month)
	}
	start, err := time.Parse(time.RFC3339, *from)
	if err != nil {
		fmt.Fprintf(stderr, "slabot calendar: --from: %v (write e.g. 2026-11-20T17:30:00+03:00)\n", err)
		return 2
	}
	d, err := rules.ParseDuration(*add)
	if err != nil {
		fmt.Fprintf(stderr, "slabot calendar: --add: %v\n", err)
		return 2
	}
	fmt.Fprintln(stdout, cal.Add(start, d.Resolve(cal)).Format(time.RFC3339))
	return 0
}

func printMonth(stdout, stderr io.Writer, cal *calendar.Calendar, month string) int {
	first, err := time.ParseInLocation("2006-01", month, cal.Location())
	if err != nil {
		fmt.Fprintf(stderr, "slabot calendar: --month: %v (write YYYY-MM)\n", err)
		return 2
	}
	fmt.Fprintf(stdout, "calendar %s, %s (%s)\n", cal.Name(), first.Format("January 2006"), cal.Location())
	for d := calendar.DateOf(first); d.Month == first.Month(); d = d.AddDays(1) {
		ws, why := cal.Hours(d)
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
		if why != "" {
			line += "  (" + why + ")"
		}
		fmt.Fprintln(stdout, line)
	}
	fmt.Fprintf(stdout, "working time: %s\n", cal.Between(first, first.AddDate(0, 1, 0)))
	return 0
}
