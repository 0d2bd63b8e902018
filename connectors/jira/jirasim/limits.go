package jirasim

import (
	"math"
	"net/http"
	"strconv"
	"time"
)

// Rate-limit reasons as Jira Cloud sends them in RateLimit-Reason.
const (
	ReasonBurst         = "jira-burst-based"
	ReasonQuotaTenant   = "jira-quota-tenant-based"
	ReasonQuotaGlobal   = "jira-quota-global-based"
	ReasonPerIssueWrite = "jira-per-issue-on-write"
)

// Limits configure rate limiting. Zero values disable each part.
type Limits struct {
	// Burst and PerSecond size a token bucket per endpoint and method
	// (Cloud's burst limit scope: one tenant, one endpoint, one method).
	Burst     int
	PerSecond float64
	// IssueWrites are sliding windows on writes to one issue.
	IssueWrites []Window
}

// Window allows N events per Per.
type Window struct {
	N   int
	Per time.Duration
}

// CloudLimits returns limits shaped like Jira Cloud's: a modest burst
// bucket per endpoint and the documented per-issue write limits (20 writes
// per 2 s and 100 per 30 s on one issue).
func CloudLimits() Limits {
	return Limits{Burst: 100, PerSecond: 10, IssueWrites: []Window{{20, 2 * time.Second}, {100, 30 * time.Second}}}
}

type bucket struct {
	tokens float64
	at     time.Time
}

type rateState struct {
	limits  Limits
	buckets map[string]*bucket
	writes  map[int64][]time.Time
	retryAt map[string]time.Time
	early   int
	limited int
}

func (r *rateState) init(l Limits) {
	r.limits = l
	r.buckets = map[string]*bucket{}
	r.writes = map[int64][]time.Time{}
	r.retryAt = map[string]time.Time{}
}

// SetLimits replaces the rate limits (and resets their state).
func (s *Server) SetLimits(l Limits) {
	s.mu.Lock()
	s.rl.init(l)
	s.mu.Unlock()
}

// EarlyRetries counts requests that arrived at a rate-limited endpoint or
// issue before the Retry-After of a previous 429 had passed: a well-behaved
// client keeps this at zero.
func (s *Server) EarlyRetries() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rl.early
}

// RateLimited counts the 429 answers given.
func (s *Server) RateLimited() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rl.limited
}

// allow applies the endpoint bucket and, for writes, the per-issue windows;
// on refusal it writes the 429. Caller holds mu.
func (r *rateState) allow(s *Server, c *call) bool {
	now := s.now()
	if s.opts.LimitsNow != nil {
		now = s.opts.LimitsNow()
	}
	key := c.route.Method + " " + c.route.Path
	if r.limits.Burst > 0 && r.limits.PerSecond > 0 {
		if wait, early := r.tooEarly(key, now); early {
			r.early++
			r.refuse(c, key, ReasonBurst, now, wait)
			return false
		}
		b := r.buckets[key]
		if b == nil {
			b = &bucket{tokens: float64(r.limits.Burst), at: now}
			r.buckets[key] = b
		}
		if el := now.Sub(b.at).Seconds(); el > 0 {
			b.tokens = math.Min(float64(r.limits.Burst), b.tokens+el*r.limits.PerSecond)
		}
		b.at = now
		if b.tokens < 1 {
			wait := time.Duration(math.Ceil((1-b.tokens)/r.limits.PerSecond*1e9)) * time.Nanosecond
			r.refuse(c, key, ReasonBurst, now, wait)
			return false
		}
		b.tokens--
	}
	if c.route.Write && len(r.limits.IssueWrites) > 0 {
		is := s.issueRef(c.r.PathValue("issueIdOrKey"))
		if is == nil {
			return true // the handler answers 404
		}
		ikey := "issue:" + is.idString()
		if wait, early := r.tooEarly(ikey, now); early {
			r.early++
			r.refuse(c, ikey, ReasonPerIssueWrite, now, wait)
			return false
		}
		ws := r.writes[is.id]
		var wait time.Duration
		for _, w := range r.limits.IssueWrites {
			n, oldest := 0, time.Time{}
			for i := len(ws) - 1; i >= 0 && now.Sub(ws[i]) < w.Per; i-- {
				n++
				oldest = ws[i]
			}
			if n >= w.N {
				wait = max(wait, oldest.Add(w.Per).Sub(now))
			}
		}
		if wait > 0 {
			r.refuse(c, ikey, ReasonPerIssueWrite, now, wait)
			return false
		}
		// Keep only what the longest window needs.
		longest := time.Duration(0)
		for _, w := range r.limits.IssueWrites {
			longest = max(longest, w.Per)
		}
		i := 0
		for i < len(ws) && now.Sub(ws[i]) >= longest {
			i++
		}
		r.writes[is.id] = append(ws[i:], now)
	}
	return true
}

func (r *rateState) tooEarly(key string, now time.Time) (time.Duration, bool) {
	at, ok := r.retryAt[key]
	if !ok {
		return 0, false
	}
	if now.Before(at) {
		return at.Sub(now), true
	}
	delete(r.retryAt, key)
	return 0, false
}

// refuse answers 429 with Retry-After in whole seconds (rounded up, at
// least 1) and remembers when the retry becomes legitimate.
func (r *rateState) refuse(c *call, key, reason string, now time.Time, wait time.Duration) {
	secs := int(math.Ceil(wait.Seconds()))
	if secs < 1 {
		secs = 1
	}
	at := now.Add(time.Duration(secs) * time.Second)
	if prev, ok := r.retryAt[key]; !ok || at.After(prev) {
		r.retryAt[key] = at
	}
	r.limited++
	c.header.Set("Retry-After", strconv.Itoa(secs))
	c.header.Set("RateLimit-Reason", reason)
	c.header.Set("X-RateLimit-Reset", at.UTC().Format("2006-01-02T15:04Z"))
	c.fail(http.StatusTooManyRequests, "Rate limit exceeded.")
}
