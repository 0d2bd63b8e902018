package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slabot/slabot/connectors/jira/jirasim"
)

// The demo is wired by newApp as `slabot run` is, dry run included: over
// the same two script days, `demo --dry-run` logs the steps it would
// record and records, writes and sends nothing, while the demo without it
// does all three (so the dry run's zeros are the flag's, not an idle
// script's).
func TestDemoDryRunChangesNothing(t *testing.T) {
	ctx := context.Background()
	const days = 2
	play := func(t *testing.T, dryRun bool) (rows, writes, slackCalls int, log string) {
		var buf lockedBuffer
		d, err := newDemoEnvSim(ctx, t.TempDir(), slog.New(slog.NewTextHandler(&buf, nil)), 15*time.Minute, jirasim.Options{}, dryRun)
		if err != nil {
			t.Fatal(err)
		}
		defer d.close()
		if err := d.play(ctx, demoScript(), demoStart, demoStart.Add(days*24*time.Hour), d.tick); err != nil {
			t.Fatal(err)
		}
		if d.failedCycles > 0 {
			t.Fatalf("%d failed cycles; the first: %v", d.failedCycles, d.firstFailure)
		}
		counts, err := d.outbox.Counts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range counts {
			rows += n
		}
		return rows, writeRequests(d.jsim), len(d.ssim.Calls()), buf.String()
	}

	rows, writes, calls, log := play(t, false)
	if rows == 0 || writes == 0 || calls == 0 {
		t.Fatalf("without --dry-run: %d outbox rows, %d Jira writes, %d Slack calls; the script's first %d days should make all three", rows, writes, calls, days)
	}
	if strings.Contains(log, "dry run:") {
		t.Errorf("a run that is not dry logged a dry run:\n%s", log)
	}

	rows, writes, calls, log = play(t, true)
	if rows != 0 || writes != 0 || calls != 0 {
		t.Errorf("--dry-run: %d outbox rows, %d Jira writes, %d Slack calls; want none", rows, writes, calls)
	}
	if !strings.Contains(log, "dry run: would record the ladder steps") {
		t.Errorf("--dry-run logged no step it would record:\n%s", log)
	}
}

// lockedBuffer is a log destination the process's goroutines may share.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
