// Package pagerduty pages on-call people through PagerDuty's Events API v2
// (github.com/PagerDuty/go-pagerduty): it has the method bot/outbox's Pager
// interface asks for (the notice types are rules'; no import of bot/outbox).
// A trigger and a resolve carry the same dedup key, so PagerDuty keeps one
// alert per (issue, goal, cycle) however often an event is retried.
package pagerduty

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	pd "github.com/PagerDuty/go-pagerduty"

	"github.com/slabot/slabot/rules"
)

// Pager sends events; it keeps no state about them.
type Pager struct {
	client *pd.Client
	keys   map[string]string // environment variable name -> routing key
}

// New returns a pager posting to endpoint (empty: PagerDuty's
// https://events.pagerduty.com; a pdsim URL in tests and the demo). keys
// maps the environment variable names policies give (ladder.rungs.X.page)
// to the routing keys read from them; the keys are secrets and are never
// logged or stored.
func New(endpoint string, keys map[string]string, timeout time.Duration) *Pager {
	if timeout <= 0 {
		timeout = 20 * time.Second
	}
	opts := []pd.ClientOptions{}
	if endpoint != "" {
		opts = append(opts, pd.WithV2EventsAPIEndpoint(endpoint))
	}
	c := pd.NewClient("", opts...)
	c.HTTPClient = &http.Client{Timeout: timeout}
	return &Pager{client: c, keys: keys}
}

// Send triggers or resolves the page's alert.
func (p *Pager) Send(ctx context.Context, pg rules.Page) error {
	key := p.keys[pg.RoutingKey]
	if key == "" {
		return &Error{Code: "no_routing_key", Person: true,
			Err: fmt.Errorf("%s is not set: put the PagerDuty integration's routing key in it", pg.RoutingKey)}
	}
	ev := &pd.V2Event{RoutingKey: key, Action: pg.Action, DedupKey: pg.DedupKey, Client: "slabot"}
	if pg.Action == rules.PageTrigger {
		ev.Payload = &pd.V2Payload{Summary: clip(pg.Summary, 1024), Source: pg.Source, Severity: pg.Severity,
			Component: pg.Goal, Group: pg.Issue, Class: "sla"}
		if pg.Link != "" {
			ev.Links = []any{map[string]string{"href": pg.Link, "text": pg.Issue + " in Jira"}}
			ev.ClientURL = pg.Link
		}
	}
	_, err := p.client.ManageEventWithContext(ctx, ev)
	return classify(err)
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// Error is a failed event, classified for the outbox's retry policy
// (an error without NeedsPerson is retried with backoff).
type Error struct {
	Code   string
	Person bool // a person must fix it (a wrong routing key, a malformed event)
	Err    error
}

func (e *Error) Error() string     { return "pagerduty: " + e.Code + ": " + e.Err.Error() }
func (e *Error) Unwrap() error     { return e.Err }
func (e *Error) NeedsPerson() bool { return e.Person }
func (e *Error) ErrorCode() string { return "pagerduty_" + e.Code }

// RateLimitError is a 429: wait RetryAfter before the next event.
type RateLimitError struct {
	RetryAfter time.Duration
	Err        error
}

func (e *RateLimitError) Error() string          { return "pagerduty: rate limited: " + e.Err.Error() }
func (e *RateLimitError) Unwrap() error          { return e.Err }
func (e *RateLimitError) RetryIn() time.Duration { return e.RetryAfter }
func (e *RateLimitError) ErrorCode() string      { return "pagerduty_ratelimited" }

// classify maps go-pagerduty's errors: 400 (invalid event, unknown
// routing key) needs a person; 429 waits a minute (the events API sends
// no Retry-After); 5xx and network errors retry with backoff.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var api pd.APIError
	if errors.As(err, &api) {
		switch {
		case api.StatusCode == http.StatusTooManyRequests:
			return &RateLimitError{RetryAfter: time.Minute, Err: err}
		case api.StatusCode >= 400 && api.StatusCode < 500:
			return &Error{Code: fmt.Sprintf("http_%d", api.StatusCode), Person: true, Err: err}
		}
		return &Error{Code: fmt.Sprintf("http_%d", api.StatusCode), Err: err}
	}
	return &Error{Code: "unreachable", Err: err}
}
