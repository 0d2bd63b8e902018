package slack

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/slabot/slabot/rules/clock"
)

// Slack's clock, as seen from this host. A look-up for a message whose
// post was never answered searches Slack's history from an instant this
// host computed (the step's due instant, less a margin); Slack filters by
// its own timestamps. With Slack's clock 30 minutes behind this host's, a
// search "since 10 minutes before the step" in this host's time starts
// 20 minutes after the message was stamped, and a step that is in Slack is
// posted again. So the client measures the difference from Slack's own
// clock and turns every instant it hands Slack into Slack's time.
//
// Two measures, both Slack's own: the Date header of every answer (RFC
// 9110 §6.6.1: an origin server with a clock sends it; one-second
// resolution) and the ts of every message it posts (Slack's time of the
// message, microseconds). Either is compared with the midpoint of the
// request on this host's clock, so the error is at most half the round
// trip plus the resolution. A ts measure is preferred while it is recent.

// SkewWarnBound is how far Slack's clock may be from this host's before
// `slabot check` warns and slabot_slack_clock_skew_seconds shows it as a
// problem: a host more than a minute off is not synchronised (NTP), which
// also moves every instant slabot computes from "now". The look-ups
// tolerate any measured skew; the bound is ours, not Slack's.
const SkewWarnBound = time.Minute

// tsFresh is how long a ts-based measure is preferred over a Date one.
const tsFresh = time.Hour

// skewMeter keeps the latest measures of Slack's clock minus this host's.
type skewMeter struct {
	clock clock.Clock

	mu       sync.Mutex
	fromDate time.Duration
	dateOK   bool
	fromTS   time.Duration
	tsAt     time.Time
	probed   bool // auth.test was asked to measure (slackTime): once
}

// observeDate records a Date header's measure of a request made between
// sent and got (this host's clock).
func (m *skewMeter) observeDate(header string, sent, got time.Time) {
	at, err := http.ParseTime(header)
	if err != nil {
		return
	}
	// The header truncates to the second: its instant is on average half
	// a second before the moment it names.
	skew := at.Add(500 * time.Millisecond).Sub(midpoint(sent, got))
	m.mu.Lock()
	m.fromDate, m.dateOK = skew, true
	m.mu.Unlock()
}

// observeTS records a posted message's ts, stamped by Slack between sent
// and got.
func (m *skewMeter) observeTS(ts string, sent, got time.Time) {
	at, ok := parseTS(ts)
	if !ok {
		return
	}
	m.mu.Lock()
	m.fromTS, m.tsAt = at.Sub(midpoint(sent, got)), got
	m.mu.Unlock()
}

// skew is the best measure: a recent ts one, else a Date one.
func (m *skewMeter) skew() (time.Duration, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.tsAt.IsZero() && m.clock.Now().Sub(m.tsAt) < tsFresh {
		return m.fromTS, true
	}
	return m.fromDate, m.dateOK
}

// probe reports whether this is the first call: auth.test is asked to
// measure once, not before every look-up while Slack sends no Date.
func (m *skewMeter) probe() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	first := !m.probed
	m.probed = true
	return first
}

func midpoint(a, b time.Time) time.Time { return a.Add(b.Sub(a) / 2) }

// parseTS reads a Slack ts ("seconds.microseconds").
func parseTS(ts string) (time.Time, bool) {
	sec, frac, _ := strings.Cut(ts, ".")
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil || s <= 0 {
		return time.Time{}, false
	}
	us := int64(0)
	if frac != "" {
		frac = (frac + "000000")[:6]
		if us, err = strconv.ParseInt(frac, 10, 64); err != nil {
			return time.Time{}, false
		}
	}
	return time.Unix(s, us*1000).UTC(), true
}

// dateTransport measures every answer's Date header.
type dateTransport struct {
	base  http.RoundTripper
	meter *skewMeter
}

func (t dateTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	sent := t.meter.clock.Now()
	resp, err := t.base.RoundTrip(r)
	if err == nil {
		if d := resp.Header.Get("Date"); d != "" {
			t.meter.observeDate(d, sent, t.meter.clock.Now())
		}
	}
	return resp, err
}

// ClockSkew is Slack's clock minus this host's, as last measured (false
// before any answer from Slack): positive when Slack is ahead.
func (c *Client) ClockSkew() (time.Duration, bool) { return c.skew.skew() }

// slackTime turns an instant of this host's clock into Slack's, measuring
// first (auth.test) when nothing has been measured yet.
func (c *Client) slackTime(ctx context.Context, t time.Time) time.Time {
	if _, ok := c.skew.skew(); !ok && c.skew.probe() {
		// Its Date header is the measure; an error leaves the instant as
		// it is, and every later answer measures anyway: asked once.
		_, _ = c.api.AuthTestContext(ctx)
	}
	if d, ok := c.skew.skew(); ok {
		return t.Add(d)
	}
	return t
}
