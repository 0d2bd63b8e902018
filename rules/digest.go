package rules

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// DigestSchedule asks for one message per period to a rung's channel
// listing the product's issues at risk and breached at that moment.
type DigestSchedule struct {
	Spec     string // as written, e.g. "0 8 * * 1-5"
	Rung     Rung
	Channel  string
	schedule cron.Schedule // in the policy's zone
}

type digestFile struct {
	// Schedule is a cron spec in the policy's time zone ("0 8 * * 1-5":
	// weekdays at 08:00 there).
	Schedule string `yaml:"schedule"`
	// Rung whose channel gets it (default team_lead).
	Rung string `yaml:"rung"`
}

func (c *compiler) digest(p *Policy, f *policyFile) {
	df := f.Digest
	if df == nil {
		return
	}
	d := &DigestSchedule{Spec: strings.TrimSpace(df.Schedule)}
	d.Rung, d.Channel = c.rungChannel(p, "digest.rung", df.Rung, RungTeamLead, "the digest")
	loc := p.Location
	if loc == nil {
		loc = time.UTC
	}
	sched, err := parseDigestSpec(d.Spec, loc)
	if err != nil {
		c.problem("digest.schedule", `write five cron fields in the policy's time zone, e.g. "0 8 * * 1-5" (weekdays at 08:00)`,
			"digest schedule %q: %v", df.Schedule, err)
		return
	}
	d.schedule = sched
	p.Digest = d
}

// NewDigest is a digest schedule for spec (five cron fields read in loc)
// posted to channel; for callers that build policies in code.
func NewDigest(spec string, rung Rung, channel string, loc *time.Location) (*DigestSchedule, error) {
	sched, err := parseDigestSpec(spec, loc)
	if err != nil {
		return nil, err
	}
	return &DigestSchedule{Spec: spec, Rung: rung, Channel: channel, schedule: sched}, nil
}

func parseDigestSpec(spec string, loc *time.Location) (cron.Schedule, error) {
	if spec == "" || strings.HasPrefix(spec, "@") || strings.Contains(spec, "TZ=") {
		return nil, fmt.Errorf("not five cron fields")
	}
	sched, err := cron.ParseStandard("CRON_TZ=" + loc.String() + " " + spec)
	if err != nil {
		return nil, err
	}
	if sched.Next(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).IsZero() {
		return nil, fmt.Errorf("never fires")
	}
	return sched, nil
}

// Period is the digest period now falls in: the latest scheduled instant
// at or before now, within the last eight days (ok false when none: a
// schedule firing less than weekly has no digest due now).
func (d *DigestSchedule) Period(now time.Time) (start time.Time, ok bool) {
	if d == nil || d.schedule == nil {
		return time.Time{}, false
	}
	for t := d.schedule.Next(now.Add(-8 * 24 * time.Hour)); !t.IsZero() && !t.After(now); t = d.schedule.Next(t) {
		start, ok = t, true
	}
	return start, ok
}
