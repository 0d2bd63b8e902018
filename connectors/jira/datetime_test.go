package jira

import (
	"testing"
	"time"
)

// A field keeps at least the finest unit any of its values has shown;
// until one shows seconds or milliseconds it is taken to keep minutes.
func TestKeptPrecisionLearnsFromValues(t *testing.T) {
	base := time.Date(2026, 11, 10, 10, 0, 0, 0, time.UTC)
	k := newKept()
	for _, step := range []struct {
		value time.Time
		want  time.Duration
	}{
		{base, time.Minute},
		{base.Add(3 * time.Minute), time.Minute},
		{base.Add(42 * time.Second), time.Second},
		{base, time.Second},
		{base.Add(123 * time.Millisecond), time.Millisecond},
		{base.Add(time.Minute), time.Millisecond},
	} {
		if got := k.see(step.value); got != step.want {
			t.Errorf("after %s: precision %v, want %v", step.value.Format(time.RFC3339Nano), got, step.want)
		}
	}
}

func TestDatetimeRoundTripKeepsMilliseconds(t *testing.T) {
	at := time.Date(2026, 11, 10, 10, 0, 0, 123_000_000, time.FixedZone("", 3*3600))
	s := formatTime(at)
	if s != "2026-11-10T10:00:00.123+0300" {
		t.Fatalf("formatted %q", s)
	}
	back, err := parseTime(s)
	if err != nil || !back.Equal(at) {
		t.Errorf("parsed back %v, %v", back, err)
	}
}
