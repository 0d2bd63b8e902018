package rules

import (
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"time"

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

// policyKeys are the top-level keys only a policy has. A YAML file with
// none of them is a calendar file: one calendar (or a holiday set) at the
// top level, or a calendars: map. Such files may sit in the policies
// directory next to the policies that use them (a Kubernetes ConfigMap
// mounts one flat directory): loading the directory checks them and does
// not take them for broken policies.
var policyKeys = []string{"product", "projects", "goals"}

// topKeys lists the top-level keys of a parsed YAML document.
func topKeys(file *ast.File) map[string]bool {
	keys := map[string]bool{}
	if m, ok := firstBody(file).(*ast.MappingNode); ok {
		for _, mv := range m.Values {
			keys[mv.Key.String()] = true
		}
	} else if mv, ok := firstBody(file).(*ast.MappingValueNode); ok {
		keys[mv.Key.String()] = true
	}
	return keys
}

// IsCalendarFile reports whether data is a calendar file rather than a
// policy: a mapping with none of a policy's own keys (product, projects,
// goals). Anything else, unparsable YAML included, is a policy, so its
// problems are reported as a policy's.
func IsCalendarFile(data []byte) (ok bool) {
	defer func() {
		if recover() != nil { // goccy's parser panics on a few inputs: Load reports those
			ok = false
		}
	}()
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		return false
	}
	keys := topKeys(file)
	if len(keys) == 0 {
		return false
	}
	for _, k := range policyKeys {
		if keys[k] {
			return false
		}
	}
	return true
}

// LoadCalendarFile compiles a file of calendars without a policy, so a
// support manager can try a calendar before any policy uses it: either one
// calendar at the top level (the file a policy names with file:, named
// after the file) or a calendars: map with an optional timezone and
// default_calendar. It returns the calendars by name and the default one.
func LoadCalendarFile(path string) (map[string]*calendar.Calendar, *calendar.Calendar, error) {
	data, err := readFileBounded(path)
	var ps Problems
	switch {
	case errors.As(err, &ps):
		return nil, nil, ps
	case err != nil:
		return nil, nil, fmt.Errorf("read calendar: %w", err)
	}
	return compileCalendarFile(path, data, true)
}

// compileCalendarFile is LoadCalendarFile over data read from path. alone says
// the calendar is to be used on its own (slabot calendar), so a holiday
// set without a week is a problem; checked as a file that policies include,
// a holiday set needs no week.
func compileCalendarFile(path string, data []byte, alone bool) (map[string]*calendar.Calendar, *calendar.Calendar, error) {
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, nil, Problems{yamlProblem(path, err)}
	}
	keys := topKeys(file)
	switch {
	case !IsCalendarFile(data):
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
	var zone *time.Location
	if !alone {
		zone = time.UTC // an included file takes the zone of the policy that includes it
	}
	spec := c.calendarSpec("", cf, zone)
	spec.Name = name
	if weekEmpty(spec.Week) && len(c.problems) == 0 {
		if !alone {
			return nil, nil, nil // a holiday set for policies to include: its holidays compiled above
		}
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
