package jira

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Response is the HTTP response behind a result, for callers that care
// about headers or how many attempts a call took.
type Response struct {
	*http.Response
	Attempts int
}

// op describes one logical API call.
type op struct {
	method     string
	path       string // relative to the base URL, query included
	endpoint   string // route template, for metrics and errors
	body       any
	out        any
	idempotent bool   // retried on 5xx and network errors
	issue      string // issue key of writes, for per-issue rate limits
	write      bool
}

// gates remember until when a scope must not be called, from 429s: the
// endpoint+method for burst limits, one issue for per-issue write limits,
// everything for quota limits. Other calls wait for the gate instead of
// hammering a limit that is known to be exhausted. Each gate keeps the
// RateLimit-Reason that closed it, so a call refused locally reports the
// same reason (and advice) as the 429 behind it.
type gates struct {
	mu    sync.Mutex
	until map[string]gate
}

type gate struct {
	until  time.Time
	reason string
}

func (g *gates) set(key string, t time.Time, reason string) {
	g.mu.Lock()
	if t.After(g.until[key].until) {
		g.until[key] = gate{until: t, reason: reason}
	}
	g.mu.Unlock()
}

// wait returns how long the longest of the gates on keys stays closed, and
// the reason it was closed for.
func (g *gates) wait(now time.Time, keys ...string) (time.Duration, string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	var d time.Duration
	reason := ""
	for _, k := range keys {
		if gt, ok := g.until[k]; ok {
			if w := gt.until.Sub(now); w > d {
				d, reason = w, gt.reason
			} else if w <= 0 {
				delete(g.until, k)
			}
		}
	}
	return d, reason
}

func gateKeys(o op) []string {
	keys := []string{"quota", "ep:" + o.method + " " + o.endpoint}
	if o.write && o.issue != "" {
		keys = append(keys, "issue:"+o.issue)
	}
	return keys
}

const maxRateLimitRetries = 5

// call performs o with the retry policy: rate limits are waited out
// (bounded) for every method, since a 429 was not applied; 5xx and network
// errors are retried with exponential backoff and jitter only for
// idempotent calls; a write with an unknown outcome is never retried here.
func (c *Client) call(ctx context.Context, o op) (*Response, error) {
	if o.write {
		if err := c.pace.acquire(ctx); err != nil {
			return nil, fmt.Errorf("jira: %s %s: %w", o.method, o.endpoint, err)
		}
		defer c.pace.release()
	}
	retries, limited := 0, 0
	for attempt := 1; ; attempt++ {
		if d, reason := c.gates.wait(c.cfg.Clock.Now(), gateKeys(o)...); d > 0 {
			if err := c.waitOut(ctx, o, d, reason); err != nil {
				return nil, err
			}
		}
		resp, status, apiErr, err := c.once(ctx, o)
		c.metrics.add(c.cfg.OnRequest, o, status)
		if err == nil && apiErr == nil {
			if o.write {
				c.pace.succeeded()
			}
			return &Response{Response: resp, Attempts: attempt}, nil
		}
		r := &Response{Response: resp, Attempts: attempt}
		if err != nil { // no HTTP answer
			var re *RedirectError
			if errors.As(err, &re) {
				return r, err
			}
			if ctxErr := ctx.Err(); ctxErr != nil {
				return r, fmt.Errorf("jira: %s %s: %w", o.method, o.endpoint, ctxErr)
			}
			if !o.idempotent {
				return r, &UncertainWriteError{Method: o.method, Endpoint: o.endpoint, Issue: o.issue, Err: err}
			}
			if retries < c.cfg.MaxRetries {
				retries++
				if err := c.backoff(ctx, o, retries, 0, err.Error()); err != nil {
					return r, err
				}
				continue
			}
			return r, fmt.Errorf("jira: %s %s failed after %d attempts: %w", o.method, o.endpoint, attempt, err)
		}
		switch {
		case status == http.StatusTooManyRequests:
			wait := retryAfter(resp.Header, c.cfg.Clock.Now())
			reason := resp.Header.Get("RateLimit-Reason")
			rl := &RateLimitError{Method: o.method, Endpoint: o.endpoint, Issue: o.issue, Reason: reason, RetryAfter: wait}
			if wait <= 0 {
				wait = backoffDelay(limited+1, c.jitter())
			}
			until := c.cfg.Clock.Now().Add(wait)
			switch {
			case reason == ReasonPerIssueWrite && o.issue != "":
				c.gates.set("issue:"+o.issue, until, reason)
			case strings.Contains(reason, "quota"):
				c.gates.set("quota", until, reason)
			default:
				c.gates.set("ep:"+o.method+" "+o.endpoint, until, reason)
				if o.write {
					c.pace.limited() // the burst limit: fewer writes at once
				}
			}
			limited++
			if limited > maxRateLimitRetries || wait > c.cfg.MaxRateLimitWait || !fits(ctx, c.cfg.Clock.Now(), wait) {
				return r, rl
			}
			c.cfg.Logger.LogAttrs(ctx, slogInfo, "jira rate limited; waiting", attrs(o, status, wait, reason)...)
			continue // the gate makes the next attempt wait
		case status >= 500:
			if !o.idempotent {
				return r, &UncertainWriteError{Method: o.method, Endpoint: o.endpoint, Issue: o.issue, Err: apiErr}
			}
			if retries < c.cfg.MaxRetries {
				retries++
				if err := c.backoff(ctx, o, retries, retryAfter(resp.Header, c.cfg.Clock.Now()), apiErr.Error()); err != nil {
					return r, err
				}
				continue
			}
			return r, fmt.Errorf("%w (gave up after %d attempts)", apiErr, attempt)
		}
		return r, c.classify(o, apiErr)
	}
}

// once sends one request. It returns either a transport error (no HTTP
// answer), or the response with apiErr set for non-2xx answers.
func (c *Client) once(ctx context.Context, o op) (*http.Response, int, *APIError, error) {
	actx, cancel := context.WithTimeout(ctx, c.cfg.RequestTimeout)
	defer cancel()
	req, err := c.jc.NewRequestWithContext(actx, o.method, o.path, o.body)
	if err != nil {
		return nil, 0, nil, fmt.Errorf("build request: %s", c.redact(err.Error()))
	}
	resp, err := c.jc.Do(req, nil) // the body is decoded below, streaming
	if resp == nil || resp.Response == nil {
		if err == nil {
			err = errors.New("no response")
		}
		var re *RedirectError
		if errors.As(err, &re) {
			return nil, 0, nil, re
		}
		return nil, 0, nil, errors.New(c.redact(err.Error()))
	}
	hr := resp.Response
	if hr.StatusCode >= 200 && hr.StatusCode < 300 {
		if o.out == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(hr.Body, 1<<20))
			hr.Body.Close()
			return hr, hr.StatusCode, nil, nil
		}
		err := decodeBody(hr.Body, o.out)
		hr.Body.Close()
		if err != nil {
			return hr, hr.StatusCode, &APIError{Method: o.method, Endpoint: o.endpoint, Status: hr.StatusCode,
				Messages: []string{"unexpected response body: " + c.redact(err.Error())}}, nil
		}
		return hr, hr.StatusCode, nil, nil
	}
	body, _ := io.ReadAll(io.LimitReader(hr.Body, 64<<10))
	hr.Body.Close()
	return hr, hr.StatusCode, c.parseError(o, hr, body), nil
}

func (c *Client) parseError(o op, hr *http.Response, body []byte) *APIError {
	e := &APIError{Method: o.method, Endpoint: o.endpoint, Status: hr.StatusCode}
	var ec struct {
		ErrorMessages []string          `json:"errorMessages"`
		Errors        map[string]string `json:"errors"`
		Message       string            `json:"message"`
	}
	if json.Unmarshal(body, &ec) == nil {
		e.Messages, e.Fields = ec.ErrorMessages, ec.Errors
		if ec.Message != "" {
			e.Messages = append(e.Messages, ec.Message)
		}
	} else if t := strings.TrimSpace(string(body)); t != "" {
		if len(t) > 300 {
			t = t[:300] + "…"
		}
		e.Messages = []string{t}
	}
	for i, m := range e.Messages {
		e.Messages[i] = c.redact(m)
	}
	for k, v := range e.Fields {
		e.Fields[k] = c.redact(v)
	}
	return e
}

// classify turns a non-retryable answer into the typed error the bot
// branches on.
func (c *Client) classify(o op, e *APIError) error {
	what := o.method + " " + o.endpoint
	if o.issue != "" {
		what = "access " + o.issue
		if o.write {
			what = "edit " + o.issue
		}
	}
	switch e.Status {
	case http.StatusUnauthorized:
		return &AuthError{Email: c.cfg.Email, Err: e}
	case http.StatusForbidden:
		return &PermissionError{Action: what, Err: e}
	case http.StatusNotFound:
		res := o.endpoint
		if o.issue != "" {
			res = "issue " + o.issue
		}
		return &NotFoundError{Resource: res, Err: e}
	case http.StatusBadRequest:
		var sf []ScreenField
		for _, id := range sortedKeys(e.Fields) {
			if strings.Contains(e.Fields[id], "not on the appropriate screen") {
				c.mu.RLock()
				f, ok := c.byID[id]
				c.mu.RUnlock()
				name := id
				if ok {
					name = f.Name
				}
				sf = append(sf, ScreenField{Name: name, ID: id})
			}
		}
		if len(sf) > 0 {
			return &ScreenError{Issue: o.issue, Fields: sf, Err: e}
		}
	}
	return e
}

// retryAfter reads Retry-After (seconds or an HTTP date).
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return t.Sub(now)
	}
	return 0
}

func fits(ctx context.Context, now time.Time, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	// Deadlines are wall-clock; compare the remaining budget, not instants
	// of the (possibly injected) client clock.
	_ = now
	return !ok || time.Until(dl) > d
}

func (c *Client) jitter() float64 {
	if c.cfg.Jitter != nil {
		return c.cfg.Jitter()
	}
	return rand.Float64()
}

// backoffDelay is exponential (250 ms doubling, capped at 10 s) with equal
// jitter: half fixed, half random, so retries from many workers spread.
func backoffDelay(n int, j float64) time.Duration {
	d := 250 * time.Millisecond << min(n-1, 6)
	d = min(d, 10*time.Second)
	return d/2 + time.Duration(j*float64(d/2))
}

func (c *Client) backoff(ctx context.Context, o op, n int, hint time.Duration, why string) error {
	d := max(backoffDelay(n, c.jitter()), hint)
	c.cfg.Logger.LogAttrs(ctx, slogInfo, "jira call failed; retrying", append(attrs(o, 0, d, ""), slogString("error", why))...)
	if err := c.cfg.Clock.Sleep(ctx, d); err != nil {
		return fmt.Errorf("jira: %s %s: %w", o.method, o.endpoint, err)
	}
	return nil
}

// waitOut sleeps until a gate opens, unless that would outlast the limits.
func (c *Client) waitOut(ctx context.Context, o op, d time.Duration, reason string) error {
	if d > c.cfg.MaxRateLimitWait || !fits(ctx, c.cfg.Clock.Now(), d) {
		return &RateLimitError{Method: o.method, Endpoint: o.endpoint, Issue: o.issue, Reason: reason, RetryAfter: d}
	}
	if err := c.cfg.Clock.Sleep(ctx, d); err != nil {
		return fmt.Errorf("jira: %s %s: %w", o.method, o.endpoint, err)
	}
	return nil
}
