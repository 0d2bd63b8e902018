package outbox_test

import (
	"errors"
	"testing"

	"github.com/slabot/slabot/bot/outbox"
	"github.com/slabot/slabot/rules"
)

func TestValidate(t *testing.T) {
	ok := esc("SUP-1", 1, "agent", rules.Recipient{AssigneeEmail: "a@example.com", FallbackChannel: "C1"})
	if err := outbox.ValidateNotice(ok); err != nil {
		t.Fatal(err)
	}
	for name, e := range map[string]rules.Notice{
		"no target":    esc("SUP-1", 1, "agent", rules.Recipient{}),
		"no fallback":  esc("SUP-1", 1, "agent", rules.Recipient{AssigneeEmail: "a@example.com"}),
		"level 0":      esc("SUP-1", 0, "agent", rules.Recipient{Channel: "C1"}),
		"no issue key": esc("", 1, "agent", rules.Recipient{Channel: "C1"}),
	} {
		if err := outbox.ValidateNotice(e); !errors.Is(err, outbox.ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
