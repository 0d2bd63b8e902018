package jirasim

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// JQL functions the simulator knows: currentUser() (user fields), now()
// and the start and end of the current day, month and year (date fields),
// "startOfDay() ... endOfYear()" being among the functions date fields
// support (Atlassian, "JQL Functions supported by Date Fields"). They are
// computed in the searching user's time zone, like date literals.
// start/endOfX take an optional increment "(+/-)nn(y|M|w|d|h|m)"; without
// a unit it counts the function's own period, without a sign it adds
// (startOfDay(-1) is the start of yesterday, startOfDay("+1M") a month
// ahead); it moves the start (or end) of the current period. endOfX is
// the period's last millisecond.
//
// The messages for a function Jira does not know, a wrong number of
// arguments and a function on a field it cannot serve are those Jira's
// own functional tests assert (TestJqlSystemFunctions, package
// com.atlassian.jira.webtests.ztests.navigator.jql, in a public copy of
// Jira's source): "Unable to find JQL function 'echo(HSP)'.", "Function
// 'now' expected '0' arguments but received '1'.", "A date for the field
// 'created' provided by the function 'currentUser' is not valid.", "A
// value provided by the function 'now' is invalid for the field
// 'assignee'.", "A value provided by the function 'currentUser' is
// invalid for the field 'status'.".
//
// startOfWeek() and endOfWeek() are refused as not simulated: Jira counts
// the week from the first day of the user's locale
// (Calendar.getFirstDayOfWeek() in the same tests), which the simulated
// accounts do not have.

var dateFunctions = map[string]bool{"now": true, "startofday": true, "endofday": true, "startofmonth": true,
	"endofmonth": true, "startofyear": true, "endofyear": true}

func isDateField(field string, custom *field) bool {
	if custom != nil {
		return custom.Type == FieldDatetime
	}
	return field == "created" || field == "updated" || field == "resolved"
}

// checkFunction refuses a function operand Jira would not run on field.
func (p *jqlParser) checkFunction(field string, custom *field, v value) error {
	if v.fn == "" {
		return nil
	}
	user := custom == nil && (field == "assignee" || field == "reporter")
	date := isDateField(field, custom)
	switch {
	case v.fn == "startofweek" || v.fn == "endofweek":
		return jqlError(fmt.Sprintf("jirasim: %s() is not simulated (the week starts on the first day of the user's locale).", v.fnName))
	case v.fn != "currentuser" && !dateFunctions[v.fn]:
		return jqlError(fmt.Sprintf("Unable to find JQL function '%s(%s)'.", v.fnName, strings.Join(v.args, ", ")))
	case v.fn == "currentuser" && len(v.args) > 0, v.fn == "now" && len(v.args) > 0:
		return jqlError(fmt.Sprintf("Function '%s' expected '0' arguments but received '%d'.", v.fnName, len(v.args)))
	case len(v.args) > 1:
		return jqlError(fmt.Sprintf("Function '%s' expected between '0' and '1' arguments but received '%d'.", v.fnName, len(v.args)))
	case v.fn == "currentuser" && date:
		return jqlError(fmt.Sprintf("A date for the field '%s' provided by the function '%s' is not valid.", field, v.fnName))
	case v.fn != "currentuser" && user:
		return jqlError(fmt.Sprintf("A value provided by the function '%s' is invalid for the field '%s'.", v.fnName, field))
	case v.fn == "currentuser" && !user, v.fn != "currentuser" && !date:
		return jqlError(fmt.Sprintf("A value provided by the function '%s' is invalid for the field '%s'.", v.fnName, field))
	}
	return nil
}

var periodIncrement = regexp.MustCompile(`^([+-]?)(\d+)([yMwdhm]?)$`)

// dateFunction evaluates now() or a start/end-of-period function.
func (p *jqlParser) dateFunction(v value) (time.Time, error) {
	now := p.now.In(p.loc)
	if v.fn == "now" {
		return p.now, nil
	}
	end := strings.HasPrefix(v.fn, "endof")
	period := strings.TrimPrefix(strings.TrimPrefix(v.fn, "startof"), "endof")
	var start time.Time
	var natural string
	switch period {
	case "day":
		start, natural = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, p.loc), "d"
	case "month":
		start, natural = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, p.loc), "M"
	case "year":
		start, natural = time.Date(now.Year(), 1, 1, 0, 0, 0, 0, p.loc), "y"
	default:
		return time.Time{}, jqlError(fmt.Sprintf("Unable to find JQL function '%s()'.", v.fnName))
	}
	t := start
	if end {
		t = shiftDate(start, 1, natural).Add(-time.Millisecond)
	}
	if len(v.args) == 1 {
		m := periodIncrement.FindStringSubmatch(v.args[0])
		if m == nil {
			return time.Time{}, jqlError(fmt.Sprintf("jirasim: '%s' is not an increment (+/-)nn(y|M|w|d|h|m) of function '%s'.", v.args[0], v.fnName))
		}
		n, _ := strconv.Atoi(m[2])
		if m[1] == "-" {
			n = -n
		}
		unit := m[3]
		if unit == "" {
			unit = natural
		}
		t = shiftDate(t, n, unit)
	}
	return t, nil
}

// shiftDate moves t by n units on the calendar of t's zone.
func shiftDate(t time.Time, n int, unit string) time.Time {
	switch unit {
	case "y":
		return t.AddDate(n, 0, 0)
	case "M":
		return t.AddDate(0, n, 0)
	case "w":
		return t.AddDate(0, 0, 7*n)
	case "d":
		return t.AddDate(0, 0, n)
	case "h":
		return t.Add(time.Duration(n) * time.Hour)
	}
	return t.Add(time.Duration(n) * time.Minute)
}
