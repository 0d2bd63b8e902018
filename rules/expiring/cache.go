// Package expiring is the one time-limited memory of slabot: what a slow
// or rate-limited service answered (a channel's id, the workspace's user
// groups, a channel's members, "no Slack user has this e-mail"), trusted
// until the answer may have changed. It is a leaf (it imports nothing of
// slabot's), so the connectors and bot share it, and it never reads the
// clock: every call is given now, as rules' functions are.
package expiring

import (
	"math"
	"sync"
	"time"
)

// Forever keeps an answer for the life of the process (one that cannot
// change, or whose change the caller notices by itself).
const Forever = time.Duration(math.MaxInt64)

// Cache maps keys to values, each trusted for the time to live it was put
// with. The zero value is empty and ready; it is safe for concurrent use.
// Nothing is evicted: the keys are the few channels, groups and people a
// deployment's policies name.
type Cache[K comparable, V any] struct {
	mu      sync.Mutex
	entries map[K]entry[V]
}

type entry[V any] struct {
	value V
	at    time.Time     // when it was put
	ttl   time.Duration // how long after at it is fresh
}

// fresh: at most ttl after it was put. A clock that stepped back counts
// as no time passed.
func (e entry[V]) fresh(now time.Time) bool {
	return e.ttl > 0 && now.Sub(e.at) <= e.ttl
}

// Put remembers v under k as of now, trusted for ttl (ttl <= 0: not
// trusted at all, only Last returns it).
func (c *Cache[K, V]) Put(k K, v V, now time.Time, ttl time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[K]entry[V]{}
	}
	c.entries[k] = entry[V]{value: v, at: now, ttl: ttl}
}

// Get returns the value under k while it is fresh at now: at most its
// time to live after it was put.
func (c *Cache[K, V]) Get(k K, now time.Time) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if !ok || !e.fresh(now) {
		var zero V
		return zero, false
	}
	return e.value, true
}

// Last returns the value last put under k, however old: a caller whose
// service does not answer for a moment may go on with it.
func (c *Cache[K, V]) Last(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	return e.value, ok
}
