package jirasim

import (
	"sync"
	"time"
)

// ManualClock is a clock that only moves when told to. Tests hand its Now
// to the simulator (and Advance to the client's sleep) so that Retry-After
// waits and scripted timelines take no real time.
type ManualClock struct {
	mu   sync.Mutex
	now  time.Time
	wall bool // following the wall clock (FollowWallClock)
}

// NewManualClock returns a clock stopped at t.
func NewManualClock(t time.Time) *ManualClock { return &ManualClock{now: t} }

// Now returns the clock's current instant.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.wall {
		return time.Now()
	}
	return c.now
}

// FollowWallClock makes the clock read the wall clock from now on (Advance
// and Set no longer apply): a scripted simulation can go live, for a
// process that runs on real time to talk to it.
func (c *ManualClock) FollowWallClock() {
	c.mu.Lock()
	c.wall = true
	c.mu.Unlock()
}

// Advance moves the clock forward by d.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Set moves the clock to t (backwards too: useful when scripting history).
func (c *ManualClock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}
