package outbox

import (
	"context"
	"testing"
	"time"
)

// stepClock is a clock whose Sleep moves it and records the sleep.
type stepClock struct {
	t     time.Time
	slept []time.Duration
}

func (c *stepClock) Now() time.Time { return c.t }
func (c *stepClock) Sleep(_ context.Context, d time.Duration) error {
	c.slept = append(c.slept, d)
	c.t = c.t.Add(d)
	return nil
}

// Slack's Rate limits page: chat.postMessage "generally allows posting one
// message per second per channel". The pacer spaces the starts of posts:
// a post marked at its start (done) lets the next start a second later,
// however long the first one's round trip took, so the round trip is not
// added to every message; a 429's Retry-After holds the channel longer;
// other channels are not held.
func TestPacerSpacesStarts(t *testing.T) {
	c := &stepClock{t: time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)}
	p := newPacer(c, time.Second)
	ctx := context.Background()
	start := c.t
	p.done("C1")                          // the first post starts
	c.t = c.t.Add(300 * time.Millisecond) // its round trip
	if err := p.wait(ctx, "C1"); err != nil || !c.t.Equal(start.Add(time.Second)) {
		t.Fatalf("the next post starts at +%v (slept %v), want +1s", c.t.Sub(start), c.slept)
	}
	if err := p.wait(ctx, "C2"); err != nil || len(c.slept) != 1 {
		t.Errorf("another channel waited: %v", c.slept)
	}
	p.done("C1")
	p.hold("C1", 30*time.Second) // a 429 with Retry-After: 30
	at := c.t
	if err := p.wait(ctx, "C1"); err != nil || !c.t.Equal(at.Add(30*time.Second)) {
		t.Errorf("after a Retry-After of 30s the next post starts at +%v", c.t.Sub(at))
	}
}
