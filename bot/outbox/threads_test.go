package outbox_test

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/slabot/slabot/bot/outbox"
	"github.com/slabot/slabot/bot/store/storetest"
	"github.com/slabot/slabot/rules"
)

// OpenThreads reads the threads of the given projects only: a product of
// two projects sees both, not a third project's nor one whose key starts
// with the same letters; a thread whose goal is recorded as stopped is
// not open.
func TestOpenThreadsOfTheProducts(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		e := newEnv(t, nil)
		ctx := context.Background()
		for _, issue := range []string{"BCFG-1", "BEXP-2", "BEXP-3", "BEXPX-4", "SAN-5"} {
			e.enqueue(esc(issue, 1, "team lead", rules.Recipient{Channel: "CLEAD"}))
		}
		if err := e.ob.GoalStopped(ctx, e.clock.Now(), "BEXP-3", "resolution", 1, rules.Stop{At: start, Outcome: rules.StateMet}); err != nil {
			t.Fatal(err)
		}
		open, err := e.ob.OpenThreads(ctx, []string{"BCFG", "BEXP"})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{outbox.ThreadKey("BCFG-1", "resolution", 1), outbox.ThreadKey("BEXP-2", "resolution", 1)}
		if got := slices.Sorted(maps.Keys(open)); !slices.Equal(got, want) {
			t.Fatalf("open threads %q; want %q", got, want)
		}
		if open, err := e.ob.OpenThreads(ctx, nil); err != nil || len(open) != 0 {
			t.Fatalf("no project: %v %v", open, err)
		}
	})
}
