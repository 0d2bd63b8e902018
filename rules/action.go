package rules

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// envName is an environment variable name as policies may give one.
var envName = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)

// HoldKind says how long an acknowledgement holds the ladder back.
type HoldKind string

// Hold kinds.
const (
	// HoldUntilBreach (the default): the steps that fall due before the
	// goal's deadline (the "75%" reminders) are held back; the steps at and
	// after breach fire as usual.
	HoldUntilBreach HoldKind = "until_breach"
	// HoldUntilMet: every later step of the cycle is held back (management
	// steps too unless the rule says they fire).
	HoldUntilMet HoldKind = "until_met"
	// HoldFor: steps falling due within a wall-clock span after the click
	// are held back; later ones fire.
	HoldFor HoldKind = "for"
)

// AckRule is the policy's rule for what an Acknowledge click in Slack
// holds back of the ladder of that goal's cycle. A held step is recorded
// as skipped (never posted later), so an acknowledged issue does not ping
// the channel for the reminders it made pointless.
type AckRule struct {
	Hold HoldKind
	// For is the span of HoldFor, wall time (not business time): "I am on
	// it for the next two hours" means two hours of the clock.
	For time.Duration
	// Management says whether steps to the management rung fire despite
	// an acknowledgement (true, the default: an acknowledged issue that
	// still breaches reaches management) or are held like the others.
	Management bool
	// Internal makes the acknowledgement comment in Jira internal (the
	// default: customers do not see who clicked what in Slack).
	Internal bool
}

type acknowledgeRuleFile struct {
	// Hold: until_breach (default), until_met, or a duration such as 2h.
	Hold string `yaml:"hold"`
	// Management: fire (default) or hold.
	Management string `yaml:"management"`
	// Comment: internal (default) or public.
	Comment string `yaml:"comment"`
}

func (c *compiler) ackRule(f *acknowledgeRuleFile) AckRule {
	r := AckRule{Hold: HoldUntilBreach, Management: true, Internal: true}
	if f == nil {
		return r
	}
	const path = "ladder.acknowledge"
	switch h := strings.TrimSpace(f.Hold); h {
	case "", string(HoldUntilBreach):
	case string(HoldUntilMet):
		r.Hold = HoldUntilMet
	default:
		d, err := time.ParseDuration(h)
		if err != nil || d <= 0 {
			c.problem(path+".hold", "write until_breach, until_met, or a wall-clock duration such as 2h", "%q is not a hold", f.Hold)
			break
		}
		r.Hold, r.For = HoldFor, d
	}
	switch f.Management {
	case "", "fire":
	case "hold":
		r.Management = false
	default:
		c.problem(path+".management", "write fire or hold", "%q is not fire or hold", f.Management)
	}
	switch f.Comment {
	case "", "internal":
	case "public":
		r.Internal = false
	default:
		c.problem(path+".comment", "write internal or public", "%q is not internal or public", f.Comment)
	}
	return r
}

// Held reports whether a ladder step falling due at the instant at is
// held back by an acknowledgement made at ackAt.
//
// The rule, as README's "Acknowledge" section states it: a management
// step fires unless the rule says management: hold; otherwise until_breach
// holds the steps before the deadline (a share of the target), until_met
// holds every step, and a duration holds the steps due before ackAt plus
// that duration.
func (r AckRule) Held(s Step, at, ackAt time.Time) bool {
	after, holds := r.HeldAfter(s, at)
	return holds && !ackAt.IsZero() && ackAt.After(after)
}

// HeldAfter is Held for an acknowledgement not made yet: the step falling
// due at at is held back by any acknowledgement of its goal cycle made
// after the instant after (zero: any acknowledgement), and never when
// holds is false. A step recorded ahead of its instant carries it, so the
// dispatcher can tell, just before sending, whether a click since holds it.
func (r AckRule) HeldAfter(s Step, at time.Time) (after time.Time, holds bool) {
	if s.Rung == RungManagement && r.Management {
		return time.Time{}, false
	}
	switch r.Hold {
	case HoldUntilMet:
		return time.Time{}, true
	case HoldFor:
		// at < ackAt + For, i.e. ackAt > at - For
		return at.Add(-r.For), true
	}
	return time.Time{}, s.Share > 0
}

// Describe says the rule in one sentence, for the click's reply.
func (r AckRule) Describe() string {
	var s string
	switch r.Hold {
	case HoldUntilMet:
		s = "reminders are held back until the goal is met"
	case HoldFor:
		s = fmt.Sprintf("reminders due in the next %s are held back", r.For)
	default:
		s = "reminders before the deadline are held back; the breach steps still fire"
	}
	if r.Management {
		s += "; management is still told if the goal breaches"
	}
	return s
}

// SnoozeUntil is when a snooze clicked at clickAt for d ends: never past
// the goal's deadline, so a snooze cannot hide a breach.
func SnoozeUntil(clickAt time.Time, d time.Duration, deadline time.Time) time.Time {
	until := clickAt.Add(d)
	if !deadline.IsZero() && deadline.Before(until) {
		return deadline
	}
	return until
}

// ProposeComment adds a one-time comment to the outcome unless the bot
// already posted one with the same key: the write path posts it with the
// same guarantees as the policy's own comments (retried until it is on
// the issue, never twice, found again after a restart by its marker).
func (o *Outcome) ProposeComment(key string, internal bool, bot, body string) {
	o.propose(key, internal, bot, func() string { return body })
}
