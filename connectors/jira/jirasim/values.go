package jirasim

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// jiraTime is the timestamp format of Jira's REST API (and the only datetime
// format edits accept).
const jiraTime = "2006-01-02T15:04:05.000-0700"

// keepDatetime is what a datetime custom field keeps of t: milliseconds,
// or whole seconds or minutes when the site is configured so.
func (s *Server) keepDatetime(t time.Time) time.Time {
	if p := s.opts.DatetimePrecision; p > 0 {
		return t.Truncate(p)
	}
	return stamp(t)
}

// coerceSeedValue converts a Go or fixture value into the stored form, for
// an issue whose field uses context fc (nil: none, so the field cannot
// hold a value there).
func (s *Server) coerceSeedValue(f *field, fc *fieldContext, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if fc == nil {
		return nil, fmt.Errorf("field %q has no context covering the issue's project and type", f.Name)
	}
	switch f.Type {
	case FieldDatetime:
		switch x := v.(type) {
		case time.Time:
			return s.keepDatetime(x), nil
		case string:
			for _, layout := range []string{time.RFC3339Nano, jiraTime} {
				if t, err := time.Parse(layout, x); err == nil {
					return s.keepDatetime(t), nil
				}
			}
			return nil, fmt.Errorf("field %q: %q is not an RFC 3339 time", f.Name, x)
		}
	case FieldSelect:
		if x, ok := v.(string); ok {
			if fc.option(x, "") == nil {
				return nil, fmt.Errorf("field %q: %q is not one of its options", f.Name, x)
			}
			return x, nil
		}
	case FieldText:
		if x, ok := v.(string); ok {
			return x, nil
		}
	case FieldNumber:
		switch x := v.(type) {
		case float64:
			return x, nil
		case int:
			return float64(x), nil
		case int64:
			return float64(x), nil
		case json.Number:
			return x.Float64()
		case string:
			return strconv.ParseFloat(x, 64)
		}
	case FieldOrganizations:
		switch x := v.(type) {
		case []string:
			return append([]string(nil), x...), nil
		case []any:
			out := make([]string, 0, len(x))
			for _, e := range x {
				s, ok := e.(string)
				if !ok {
					return nil, fmt.Errorf("field %q: organizations must be names", f.Name)
				}
				out = append(out, s)
			}
			return out, nil
		}
	}
	return nil, fmt.Errorf("field %q (%s): unsupported value %T", f.Name, f.Type, v)
}

// displayValue is how a stored custom field value appears in changelog
// items and in JQL comparisons.
func (s *Server) displayValue(f *field, v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case time.Time:
		return x.In(s.loc).Format(jiraTime)
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case []string:
		return labelsString(x)
	}
	return fmt.Sprint(v)
}

// editValue parses a value from an edit request's "fields" object for an
// issue whose field uses context fc (a select value must be one of its
// options). It returns the error message Jira puts in the "errors" map.
func (s *Server) editValue(f *field, fc *fieldContext, raw json.RawMessage) (any, string) {
	if string(raw) == "null" {
		return nil, ""
	}
	switch f.Type {
	case FieldDatetime:
		var x string
		if json.Unmarshal(raw, &x) != nil {
			return nil, "Operation value must be a string"
		}
		t, ok := parseDatetimeInput(x)
		if !ok {
			return nil, fmt.Sprintf("Invalid date format. Please enter the date in the format \"yyyy-MM-dd'T'HH:mm:ss.SSSZ\". (%s)", x)
		}
		return s.keepDatetime(t), ""
	case FieldSelect:
		var x struct {
			Value string `json:"value"`
			ID    string `json:"id"`
		}
		if json.Unmarshal(raw, &x) != nil {
			return nil, "Specify a valid 'id' or 'name' for " + f.Name
		}
		if o := fc.option(x.Value, x.ID); o != nil {
			return o.value, ""
		}
		return nil, fmt.Sprintf("Option value '%s' is not valid", x.Value+x.ID)
	case FieldText:
		var x string
		if json.Unmarshal(raw, &x) != nil {
			return nil, "Operation value must be a string"
		}
		if x == "" {
			return nil, ""
		}
		return x, ""
	case FieldNumber:
		var x float64
		if json.Unmarshal(raw, &x) != nil {
			return nil, "Operation value must be a number"
		}
		return x, ""
	case FieldOrganizations:
		var xs []struct {
			ID   json.Number `json:"id"`
			Name string      `json:"name"`
		}
		if json.Unmarshal(raw, &xs) != nil {
			return nil, "Organizations must be a list of ids"
		}
		out := []string{}
		for _, x := range xs {
			out = append(out, x.Name)
		}
		return out, ""
	}
	return nil, "unsupported field"
}

func equalValue(a, b any) bool {
	switch x := a.(type) {
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y)
	case []string:
		y, ok := b.([]string)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
		return true
	}
	return a == b
}

// datetimeInputs are the forms Jira Cloud accepts for a datetime written
// through the REST API: ISO 8601 with a zone, milliseconds optional, the
// offset with or without a colon (or Z). A local time without a zone, a
// date alone or a space instead of the T are refused.
var datetimeInputs = []string{
	jiraTime,                             // 2026-11-10T10:00:00.123+0000, what Jira itself sends
	"2006-01-02T15:04:05.999999999-0700", // any fraction
	"2006-01-02T15:04:05-0700",           // no fraction
	time.RFC3339Nano,                     // 2026-11-10T10:00:00.123+01:00 or ...Z
}

func parseDatetimeInput(x string) (time.Time, bool) {
	for _, layout := range datetimeInputs {
		if t, err := time.Parse(layout, x); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
