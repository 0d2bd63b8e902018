// Package clock is slabot's one notion of "now" and of waiting: the
// dispatcher's pacing and Retry-After waits, the Jira client's backoff,
// the Slack caches and buttons, the worker's cycles and /readyz all read
// a Clock, so the demo and the tests run the whole process on a simulated
// one. It is a leaf (it imports nothing of slabot's) that every package
// may import; rules itself never reads a clock: now is a parameter there.
package clock

import (
	"context"
	"time"
)

// Clock tells the time and waits.
type Clock interface {
	Now() time.Time
	// Sleep waits d or until ctx is done, and returns ctx's error if it
	// ended first.
	Sleep(ctx context.Context, d time.Duration) error
}

// Wall is the real clock.
type Wall struct{}

// Now returns time.Now().
func (Wall) Now() time.Time { return time.Now() }

// Sleep waits d in wall time or until ctx is done.
func (Wall) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Simulated is a clock read from a simulation that its owner steps (the
// demo's, a test's): Now asks it, and Sleep takes no time, since only the
// owner moves the simulated time on. A wait that must pass on the
// simulated clock (a rate-limited site's Retry-After) needs a Clock whose
// Sleep advances it.
type Simulated func() time.Time

// Now reads the simulation.
func (s Simulated) Now() time.Time { return s() }

// Sleep returns at once: ctx's error, or nil.
func (Simulated) Sleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

// Or is c, or the wall clock when c is nil (an option left unset).
func Or(c Clock) Clock {
	if c == nil {
		return Wall{}
	}
	return c
}
