package jira

import (
	"context"
	"sync"
)

// DefaultWriteConcurrency is how many writes the client has in flight to
// the site at most, unless Config.WriteConcurrency says otherwise. A
// first sync writes every issue once (a PUT each: bulk edit cannot carry
// per-issue deadlines), so the time it takes is the number of issues times
// the round trip divided by this. Jira Cloud does not publish its burst
// limits ("the number of requests each endpoint can receive before being
// rate limited is dynamic", Atlassian, Rate limiting), so four is our
// choice: a fourth of the time one at a time takes, at any round trip,
// and few enough that a site's burst limit is rarely met; where it is,
// writePace halves the writes in flight at each burst 429 and grows them
// back one at a time.
const DefaultWriteConcurrency = 4

// writePace bounds the writes in flight and adapts to Jira's burst
// limits, additive increase and multiplicative decrease: a write answered
// 429 for the burst limit (RateLimit-Reason jira-burst-based, or no
// reason) halves the limit, and each run of as many successful writes as
// the limit raises it by one, up to max. A per-issue write limit (the
// issue's gate) or the quota (everything's gate) leaves it alone: they are
// not about how many writes run at once.
type writePace struct {
	mu       sync.Mutex
	limit    int
	max      int
	inFlight int
	ok       int
	wake     chan struct{} // closed whenever a slot frees or the limit grows
}

func newWritePace(max int) *writePace {
	if max <= 0 {
		max = DefaultWriteConcurrency
	}
	return &writePace{limit: max, max: max, wake: make(chan struct{})}
}

// acquire waits for a slot, or for ctx.
func (p *writePace) acquire(ctx context.Context) error {
	for {
		p.mu.Lock()
		if p.inFlight < p.limit {
			p.inFlight++
			p.mu.Unlock()
			return nil
		}
		w := p.wake
		p.mu.Unlock()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-w:
		}
	}
}

// release frees a slot.
func (p *writePace) release() {
	p.mu.Lock()
	p.inFlight--
	p.broadcast()
	p.mu.Unlock()
}

// limited halves the limit after a burst 429 on a write.
func (p *writePace) limited() {
	p.mu.Lock()
	p.limit = max(1, p.limit/2)
	p.ok = 0
	p.mu.Unlock()
}

// succeeded counts a write Jira took; a run of limit of them raises it.
func (p *writePace) succeeded() {
	p.mu.Lock()
	if p.ok++; p.ok >= p.limit && p.limit < p.max {
		p.limit++
		p.ok = 0
		p.broadcast()
	}
	p.mu.Unlock()
}

// Limit is how many writes may be in flight now.
func (p *writePace) Limit() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.limit
}

// broadcast wakes the waiters. Caller holds mu.
func (p *writePace) broadcast() {
	close(p.wake)
	p.wake = make(chan struct{})
}
