package outbox_test

import (
	"errors"
	"testing"

	"github.com/slabot/slabot/bot/outbox"
)

func TestValidate(t *testing.T) {
	ok := esc("SUP-1", 1, "agent", outbox.Target{AssigneeEmail: "a@example.com", FallbackChannel: "C1"})
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, e := range map[string]outbox.Escalation{
		"no target":    esc("SUP-1", 1, "agent", outbox.Target{}),
		"no fallback":  esc("SUP-1", 1, "agent", outbox.Target{AssigneeEmail: "a@example.com"}),
		"level 0":      esc("SUP-1", 0, "agent", outbox.Target{Channel: "C1"}),
		"no issue key": esc("", 1, "agent", outbox.Target{Channel: "C1"}),
	} {
		if err := e.Validate(); !errors.Is(err, outbox.ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
