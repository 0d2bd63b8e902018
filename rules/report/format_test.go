package report

import (
	"testing"
	"time"
)

// Issue 25: "a 92 ms breach shown as 'over by 0m'": a duration too short
// to round to a minute is "<1m", never "0m"; none at all stays "0m".
func TestFmtDurUnderAMinute(t *testing.T) {
	for d, want := range map[time.Duration]string{
		92 * time.Millisecond:  "<1m",
		-92 * time.Millisecond: "<1m",
		29 * time.Second:       "<1m",
		0:                      "0m",
		30 * time.Second:       "1m",
		65 * time.Minute:       "1h 05m",
		-2 * time.Hour:         "-2h 00m",
	} {
		if got := fmtDur(d); got != want {
			t.Errorf("fmtDur(%v) = %q, want %q", d, got, want)
		}
	}
}
