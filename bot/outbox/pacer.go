package outbox

import (
	"context"
	"sync"
	"time"

	"github.com/slabot/slabot/rules/clock"
)

// pacer keeps the starts of posts to one channel about Interval apart
// (Slack's Rate limits page: chat.postMessage "generally allows posting
// one message per second per channel"; "Short bursts >1 allowed"), so a
// post's own
// round trip falls within the interval rather than adding to it, and
// holds a channel back for a 429's Retry-After. It lives as long as the Dispatcher, so the spacing
// holds across passes.
type pacer struct {
	clock    clock.Clock
	interval time.Duration

	mu   sync.Mutex
	next map[string]time.Time // earliest time of the next call per channel
}

func newPacer(c clock.Clock, interval time.Duration) *pacer {
	return &pacer{clock: c, interval: interval, next: map[string]time.Time{}}
}

// wait blocks until channel may be called. It sleeps once for the
// computed time and trusts the clock: a clock whose Sleep returns early
// (a demo's frozen clock) must not turn this into a busy loop.
func (p *pacer) wait(ctx context.Context, channel string) error {
	p.mu.Lock()
	n := p.next[channel]
	p.mu.Unlock()
	if d := n.Sub(p.clock.Now()); d > 0 {
		return p.clock.Sleep(ctx, d)
	}
	return ctx.Err()
}

// done records the start of a call to channel: the next one starts
// Interval later.
func (p *pacer) done(channel string) { p.hold(channel, p.interval) }

// hold keeps channel quiet for d from now.
func (p *pacer) hold(channel string, d time.Duration) {
	t := p.clock.Now().Add(d)
	p.mu.Lock()
	defer p.mu.Unlock()
	if t.After(p.next[channel]) {
		p.next[channel] = t
	}
}

// readyAt is when channel may next be called.
func (p *pacer) readyAt(channel string) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.next[channel]
}

// prune forgets channels whose hold has passed, so the map does not grow
// with every DM ever opened.
func (p *pacer) prune(now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for ch, t := range p.next {
		if t.Before(now) {
			delete(p.next, ch)
		}
	}
}
