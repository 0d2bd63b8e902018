package outbox

import (
	"hash/fnv"
	"time"
)

// Backoff spaces out retries of one row: Base doubled per attempt, capped
// at Max, with ±20% jitter so rows that failed together (a Slack outage)
// do not come back together. The jitter is derived from the row key and
// attempt number, not a random source, so tests are reproducible.
type Backoff struct {
	Base time.Duration // default 2s
	Max  time.Duration // default 5m
}

func (b Backoff) delay(key string, attempt int) time.Duration {
	base, max := b.Base, b.Max
	if base <= 0 {
		base = 2 * time.Second
	}
	if max <= 0 {
		max = 5 * time.Minute
	}
	d := base
	for i := 1; i < attempt && d < max; i++ {
		d *= 2
	}
	d = min(d, max)
	h := fnv.New32a()
	_, _ = h.Write([]byte(key))
	_, _ = h.Write([]byte{byte(attempt)})
	frac := float64(h.Sum32()%401)/1000 - 0.2 // -0.2 .. +0.2
	return d + time.Duration(float64(d)*frac)
}
