package main

import (
	"fmt"
	"strings"
	"time"
)

// localLayouts are the wall-clock forms --from and --to accept without an
// offset: a support manager reads a contract's hours in the calendar's
// zone, so that is the zone they are read in.
var localLayouts = []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"}

// parseInstant reads a calendar verb's --from or --to: "now", an RFC 3339
// instant (its own offset wins), or a local time read in loc. A local
// time that a DST change skips or repeats is read as time.ParseInLocation
// reads it; write the offset to choose.
func parseInstant(s string, loc *time.Location, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "now") {
		return now.In(loc), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, l := range localLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is neither now, an RFC 3339 instant nor a local time YYYY-MM-DDTHH:MM[:SS] (read in %s)", s, loc)
}
