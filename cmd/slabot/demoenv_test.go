package main

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/slabot/slabot/connectors/jira/jirasim"
)

// newTestDemo starts the demo environment for a test (simulated Jira and
// Slack over real HTTP, the shipped policies, an outbox database in the
// test's temporary directory), closes it when the test ends and then fails
// the test if a product's cycle failed. cycleAll counts a failed cycle and
// goes on, as the demo must; a test that did not look would pass over a
// broken worker. A test that injects failures on purpose (an outage) builds
// its environment with newDemoEnvWith and counts them itself.
func newTestDemo(t *testing.T, ctx context.Context, tweaks ...func(*jirasim.Seed)) *demoEnv {
	t.Helper()
	return newTestDemoWith(t, ctx, jirasim.Options{}, tweaks...)
}

// newTestDemoSite is newTestDemo on the demo's own site (demoSite: search
// lag and rate limits), for the tests of the demo's fortnight.
func newTestDemoSite(t *testing.T, ctx context.Context, tweaks ...func(*jirasim.Seed)) *demoEnv {
	t.Helper()
	return newTestDemoWith(t, ctx, demoSite(), tweaks...)
}

// newTestDemoWith is newTestDemo over a Jira site with the given options.
func newTestDemoWith(t *testing.T, ctx context.Context, simOpts jirasim.Options, tweaks ...func(*jirasim.Seed)) *demoEnv {
	t.Helper()
	d, err := newDemoEnvWith(ctx, t.TempDir(), slog.New(slog.NewTextHandler(io.Discard, nil)), simOpts, tweaks...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		d.close()
		if d.failedCycles > 0 {
			t.Errorf("%d product cycle(s) failed; the first: %v", d.failedCycles, d.firstFailure)
		}
	})
	return d
}

// sitePrecisions are the datetime precisions a Jira site's fields keep:
// milliseconds as sent, or cut to seconds or minutes (issue 10).
var sitePrecisions = []struct {
	name string
	keep time.Duration
}{
	{"fields keep milliseconds", 0},
	{"fields keep seconds", time.Second},
	{"fields keep minutes", time.Minute},
}
