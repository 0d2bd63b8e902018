package rules

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slabot/slabot/rules/calendar"
)

// Duration is an amount of business time as written in a policy: "90m", "4h",
// "1h30m", "1bd", "2bd4h".
//
// The unit "bd" (business day) is one nominal working day of the calendar the
// duration is measured on (Calendar.NominalDay: the opening length of that
// calendar's usual weekday, 16h for Botron's 06:00-22:00). "1bd" therefore
// means "by the same clock time on the next business day" when the clock starts
// inside business hours, which is how support contracts use the phrase. Because
// the length depends on the calendar, a Duration is resolved against one with
// Resolve.
type Duration struct {
	Fixed time.Duration // minutes and hours
	Days  int           // business days
}

// ParseDuration reads a policy duration. Units: m (minutes), h (hours),
// bd (business days); several may be combined, largest first ("1bd4h30m").
// Zero and negative amounts are rejected: a target of nothing is "none".
func ParseDuration(s string) (Duration, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return Duration{}, fmt.Errorf("empty duration: write e.g. 90m, 4h or 1bd")
	}
	var d Duration
	rest := in
	lastRank := 4
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 {
			return Duration{}, fmt.Errorf("duration %q: expected a number at %q; write e.g. 90m, 4h or 1bd", in, rest)
		}
		if i > 6 {
			return Duration{}, fmt.Errorf("duration %q: number too large", in)
		}
		n, _ := strconv.Atoi(rest[:i])
		rest = rest[i:]
		var rank int
		switch {
		case strings.HasPrefix(rest, "bd"):
			rank, rest = 3, rest[2:]
			d.Days += n
		case strings.HasPrefix(rest, "h"):
			rank, rest = 2, rest[1:]
			d.Fixed += time.Duration(n) * time.Hour
		case strings.HasPrefix(rest, "m"):
			rank, rest = 1, rest[1:]
			d.Fixed += time.Duration(n) * time.Minute
		case rest == "":
			// "1440" is most likely minutes, but a target off by a factor
			// of 60 is worse than a refusal.
			return Duration{}, fmt.Errorf("duration %q has no unit: write %dm for minutes (or h for hours, bd for business days)", in, n)
		default:
			return Duration{}, fmt.Errorf("duration %q: unknown unit at %q; units are m, h and bd (business day)", in, rest)
		}
		if rank >= lastRank {
			return Duration{}, fmt.Errorf("duration %q: units out of order or repeated; write the largest first, e.g. 1bd4h30m", in)
		}
		lastRank = rank
	}
	if d.Fixed == 0 && d.Days == 0 {
		return Duration{}, fmt.Errorf("duration %q is zero; a goal without a target is written \"none\"", in)
	}
	return d, nil
}

// Resolve converts d to business time on c.
func (d Duration) Resolve(c *calendar.Calendar) time.Duration {
	return d.Fixed + time.Duration(d.Days)*c.NominalDay()
}

// IsZero reports whether d is the zero duration.
func (d Duration) IsZero() bool { return d.Fixed == 0 && d.Days == 0 }

// String writes d back in policy syntax.
func (d Duration) String() string {
	var b strings.Builder
	if d.Days > 0 {
		fmt.Fprintf(&b, "%dbd", d.Days)
	}
	h := int(d.Fixed / time.Hour)
	m := int((d.Fixed % time.Hour) / time.Minute)
	if h > 0 {
		fmt.Fprintf(&b, "%dh", h)
	}
	if m > 0 {
		fmt.Fprintf(&b, "%dm", m)
	}
	if b.Len() == 0 {
		return "0m"
	}
	return b.String()
}

// formatSpan prints business time the way people read it: "1h30m", "45m",
// "2h" (no seconds; rounded down to the minute).
func formatSpan(d time.Duration) string {
	neg := d < 0
	if neg {
		d = -d
	}
	d = d.Truncate(time.Minute)
	h := int(d / time.Hour)
	m := int((d % time.Hour) / time.Minute)
	var s string
	switch {
	case h > 0 && m > 0:
		s = fmt.Sprintf("%dh%02dm", h, m)
	case h > 0:
		s = fmt.Sprintf("%dh", h)
	default:
		s = fmt.Sprintf("%dm", m)
	}
	if neg {
		return "-" + s
	}
	return s
}
