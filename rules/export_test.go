package rules

import (
	"time"

	"github.com/slabot/slabot/rules/calendar"
)

// RepeatDue exposes repeatDue to the external tests.
func RepeatDue(p *Policy, cal *calendar.Calendar, n Notice, cs []Click, now time.Time) (Notice, bool) {
	return repeatDue(p, cal, n, clicks(cs), now)
}
