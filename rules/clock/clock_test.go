package clock

import (
	"context"
	"testing"
	"time"
)

// Each case quotes the rule of clock.go it checks; none measures wall time.
func TestClocks(t *testing.T) {
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	sim := Simulated(func() time.Time { return at })
	if got := sim.Now(); !got.Equal(at) {
		t.Errorf("Simulated: Now asks it: got %s", got)
	}
	if err := sim.Sleep(context.Background(), time.Hour); err != nil || !sim.Now().Equal(at) {
		t.Errorf("Simulated: Sleep takes no time, since only the owner moves the simulated time on: %v, now %s", err, sim.Now())
	}
	done, cancel := context.WithCancel(context.Background())
	cancel()
	if err := sim.Sleep(done, time.Hour); err != context.Canceled {
		t.Errorf("Simulated: Sleep returns ctx's error: %v", err)
	}
	if err := (Wall{}).Sleep(done, time.Hour); err != context.Canceled {
		t.Errorf("Wall: waits d or until ctx is done, and returns ctx's error if it ended first: %v", err)
	}
	if err := (Wall{}).Sleep(context.Background(), 0); err != nil {
		t.Errorf("Wall: a wait of nothing returns at once: %v", err)
	}
	if _, ok := Or(nil).(Wall); !ok {
		t.Error("Or: the wall clock when c is nil")
	}
	if c := Or(sim); !c.Now().Equal(at) {
		t.Error("Or: c when set")
	}
}
