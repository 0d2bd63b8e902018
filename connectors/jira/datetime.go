package jira

import (
	"sync/atomic"
	"time"
)

// jiraTime is the timestamp format of Jira's REST API, and the format
// datetime fields must be written in. This package is the only place that
// knows it.
const jiraTime = "2006-01-02T15:04:05.000-0700"

// What Jira keeps of an instant, as found in its own behaviour:
//
//   - created, updated, resolutiondate, comments, changelog entries and
//     worklogs carry milliseconds ("2026-11-10T10:00:00.123+0000").
//   - Datetime custom fields are always answered in that format, with a
//     milliseconds part, but what they keep depends on the field type and
//     how the value was set: for Forge datetime fields Jira's OpenAPI
//     description says "the milliseconds part is ignored" (whole seconds),
//     values set in the date-time picker are whole minutes, and a Date Time
//     Picker field written over REST keeps what it was sent. No metadata
//     tells which, so sites and fields differ.
//
// The client therefore learns it per field: a field keeps at least the
// finest unit any of its values has shown (a value with milliseconds proves
// milliseconds, one with seconds proves seconds); until one has, the field
// is taken to keep whole minutes. Each value read carries that precision
// (rules.FieldValue.Precision) and the engine compares at it, so a field
// that cuts slabot's deadline to the second or minute is not written again
// and again, while on a field that keeps milliseconds a deadline that moved
// by less than a minute is still written once the field has shown them.
//
// What was learned lives as long as the client and is not stored: a new
// process learns again, and that costs no write. Learning starts at the
// coarsest unit and only gets finer, so until a field's values prove
// seconds or milliseconds the engine compares its values at the minute,
// which judges equal everything the field already shows at any finer
// precision: a restart cannot make slabot rewrite a value the site kept
// (cmd/slabot TestRestartKeepsSteadyState: zero writes in the first cycle
// after a restart, on sites keeping milliseconds, seconds and minutes).
// What a restart costs is a correction of less than a minute to a field
// that keeps finer, on an issue read before any value of the field showed
// seconds; the first such value (in practice the first issues of the
// restart's full resync) ends that.
//
// Not storing it is also how a field whose type an admin changed is
// learned again. Jira cannot change a custom field's type in place: the
// admin creates a field of the new type under the name and deletes the old
// one, so it has a new id, which Connect resolves at start, with nothing
// learned. The learned unit never gets coarser within a process, which is
// safe for the same reason: the only finer unit a field is credited with
// is one its own values showed. Storing the unit would buy nothing (a
// restart writes nothing) and, keyed by the field's name, would credit the
// new field with the old one's milliseconds: every issue whose deadline is
// not a whole minute rewritten every cycle, for good.

// keptPrecision is the finest unit seen in a datetime field's values.
type keptPrecision struct{ finest atomic.Int64 }

func newKept() *keptPrecision {
	k := &keptPrecision{}
	k.finest.Store(int64(time.Minute))
	return k
}

// see records t and returns the field's precision after it.
func (k *keptPrecision) see(t time.Time) time.Duration {
	unit := time.Minute
	switch {
	case t.Nanosecond() != 0:
		unit = time.Millisecond
	case t.Second() != 0:
		unit = time.Second
	}
	for {
		cur := k.finest.Load()
		if int64(unit) >= cur {
			return time.Duration(cur)
		}
		if k.finest.CompareAndSwap(cur, int64(unit)) {
			return unit
		}
	}
}

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(jiraTime, s)
	if err != nil {
		// Some fields come without milliseconds or with an RFC 3339 offset.
		if t2, err2 := time.Parse(time.RFC3339Nano, s); err2 == nil {
			return t2, nil
		}
		return time.Time{}, err
	}
	return t, nil
}

func formatTime(t time.Time) string { return t.Format(jiraTime) }
