package rules

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/slabot/slabot/rules/calendar"
)

// ErrPolicyFile is returned by LoadCalendarFile for a whole policy (a file
// with product:): load it with LoadFile instead.
var ErrPolicyFile = errors.New("a policy file, not a calendar file")

// calendarsFile is a policy cut down to its calendars.
type calendarsFile struct {
	Timezone        string                  `yaml:"timezone"`
	DefaultCalendar string                  `yaml:"default_calendar"`
	Calendars       map[string]calendarFile `yaml:"calendars"`
}

// LoadCalendarFile compiles a file of calendars without a policy, so a
// support manager can try a calendar before any policy uses it: either one
// calendar at the top level (the file a policy names with file:, named
// after the file) or a calendars: map with an optional timezone and
// default_calendar. It returns the calendars by name and the default one.
func LoadCalendarFile(path string) (map[string]*calendar.Calendar, *calendar.Calendar, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("read calendar: %w", err)
	}
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, nil, Problems{yamlProblem(path, err)}
	}
	keys := map[string]bool{}
	if m, ok := firstBody(file).(*ast.MappingNode); ok {
		for _, mv := range m.Values {
			keys[mv.Key.String()] = true
		}
	} else if mv, ok := firstBody(file).(*ast.MappingValueNode); ok {
		keys[mv.Key.String()] = true
	}
	switch {
	case keys["product"] || keys["goals"]:
		return nil, nil, ErrPolicyFile
	case keys["calendars"]:
		pos := positions{}
		var ps Problems
		walkSchema(path, firstBody(file), reflect.TypeOf(calendarsFile{}), "", pos, &ps)
		if len(ps) > 0 {
			return nil, nil, ps
		}
		var f calendarsFile
		if err := decodeLoose(data, &f); err != nil {
			return nil, nil, Problems{yamlProblem(path, err)}
		}
		c := &compiler{file: path, pos: pos}
		p := &Policy{Calendars: map[string]*calendar.Calendar{}, calendarAt: map[string]Problem{}}
		if f.Timezone != "" {
			p.Location = c.location("timezone", f.Timezone, nil)
		}
		c.calendars(p, &policyFile{Timezone: f.Timezone, DefaultCalendar: f.DefaultCalendar, Calendars: f.Calendars})
		if len(c.problems) > 0 {
			sort.SliceStable(c.problems, func(i, j int) bool { return c.problems[i].Line < c.problems[j].Line })
			return nil, nil, c.problems
		}
		return p.Calendars, p.DefaultCalendar, nil
	}
	cf, c, ps := decodeCalendarFile(path, data)
	if len(ps) > 0 {
		return nil, nil, ps
	}
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	spec := c.calendarSpec("", cf, nil)
	spec.Name = name
	if weekEmpty(spec.Week) && len(c.problems) == 0 {
		c.problem("", "a holiday set needs a week to be tried alone: add week: {mon-fri: [\"09:00-18:00\"]}", "calendar file %q has no week", name)
	}
	if len(c.problems) > 0 {
		return nil, nil, c.problems
	}
	cal, err := calendar.New(spec)
	if err != nil {
		return nil, nil, Problems{{File: path, Line: 1, Column: 1, Message: err.Error(), Fix: "give the calendar at least one opening window"}}
	}
	return map[string]*calendar.Calendar{name: cal}, cal, nil
}
