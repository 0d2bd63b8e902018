// Package calendar is business-time arithmetic: a time zone, per-weekday
// opening windows, holidays (fixed, nth or last weekday, Easter offsets,
// dated lists and ranges), half-days and day overrides.
//
// It is the leaf under package rules (as Alertmanager's timeinterval is
// under its config): it knows nothing of policies, goals or Jira, only how
// many business minutes lie between two instants and where a given amount
// of business time ends. Days are built with time.Date in the calendar's
// zone, so DST days have their real length and windows keep their wall
// clock times.
package calendar
