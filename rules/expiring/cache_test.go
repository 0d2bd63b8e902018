package expiring

import (
	"testing"
	"time"
)

// Each row quotes the rule of cache.go it checks.
func TestCache(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		rule    string
		ttl     time.Duration
		at      time.Duration // after the Put
		want    bool          // Get finds it
		wantOld bool          // Last finds it
	}{
		{"fresh: at most ttl after it was put (just put)", time.Minute, 0, true, true},
		{"fresh: at most ttl after it was put (at ttl exactly)", time.Minute, time.Minute, true, true},
		{"fresh: at most ttl after it was put (a nanosecond past)", time.Minute, time.Minute + time.Nanosecond, false, true},
		{"a clock that stepped back counts as no time passed", time.Minute, -time.Hour, true, true},
		{"ttl <= 0: not trusted at all, only Last returns it", 0, 0, false, true},
		{"ttl <= 0: not trusted at all, even on a clock that stepped back", -time.Second, -time.Hour, false, true},
		{"Forever keeps an answer for the life of the process", Forever, 200 * 365 * 24 * time.Hour, true, true},
	}
	for _, c := range cases {
		var cache Cache[string, int]
		cache.Put("k", 7, t0, c.ttl)
		v, ok := cache.Get("k", t0.Add(c.at))
		if ok != c.want || (ok && v != 7) {
			t.Errorf("%s: Get = %d, %v; want found %v", c.rule, v, ok, c.want)
		}
		if v, ok := cache.Last("k"); ok != c.wantOld || v != 7 {
			t.Errorf("%s: Last = %d, %v", c.rule, v, ok)
		}
	}
}

// The zero value is empty and ready; a key never put is found by neither
// Get nor Last, and a new Put replaces the old value and its time to live.
func TestCacheKeys(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	var c Cache[string, string]
	if _, ok := c.Get("x", t0); ok {
		t.Error("empty cache found a value")
	}
	if _, ok := c.Last("x"); ok {
		t.Error("empty cache has a last value")
	}
	c.Put("a", "one", t0, time.Hour)
	c.Put("b", "two", t0, time.Minute)
	if _, ok := c.Get("b", t0.Add(2*time.Minute)); ok {
		t.Error("b outlived its minute")
	}
	if v, ok := c.Get("a", t0.Add(2*time.Minute)); !ok || v != "one" {
		t.Errorf("a = %q, %v: keys keep their own time to live", v, ok)
	}
	c.Put("a", "uno", t0.Add(2*time.Minute), 0)
	if _, ok := c.Get("a", t0.Add(2*time.Minute)); ok {
		t.Error("a Put with no time to live left the old one trusted")
	}
	if v, _ := c.Last("a"); v != "uno" {
		t.Errorf("Last(a) = %q, want the newest value", v)
	}
}
