package bot

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// Issue 25: "at log level info nothing is logged per write or per cycle,
// and a first sync shows no progress". At info a cycle logs one line per
// issue written (what changed) and one line with its counts; a steady
// quiet cycle then logs that one line and nothing else.
func TestWorkerLogsWritesAndCyclesAtInfo(t *testing.T) {
	ctx := context.Background()
	w, p, _ := newFakeWorker(t, false, sanIssue("1", "SAN-1"), sanIssue("2", "SAN-2"), sanIssue("3", "SAN-3"))
	var logs bytes.Buffer
	w.log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	now := created.Add(10 * time.Minute)
	if _, err := w.Cycle(ctx, p.Product, now); err != nil {
		t.Fatal(err)
	}
	first := logs.String()
	for _, key := range []string{"SAN-1", "SAN-2", "SAN-3"} {
		found := false
		for _, l := range strings.Split(first, "\n") {
			found = found || strings.Contains(l, `msg="issue written"`) && strings.Contains(l, "issue="+key) && strings.Contains(l, "change=")
		}
		if !found {
			t.Errorf("no info line for the write of %s:\n%s", key, first)
		}
	}
	if n := strings.Count(first, `msg="cycle done"`); n != 1 || !strings.Contains(first, "writes=3") {
		t.Errorf("%d cycle lines, want one with writes=3:\n%s", n, first)
	}
	logs.Reset()
	if _, err := w.Cycle(ctx, p.Product, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	quiet := strings.TrimSpace(logs.String())
	if strings.Count(quiet, "\n") != 0 || !strings.Contains(quiet, `msg="cycle done"`) || !strings.Contains(quiet, "writes=0") {
		t.Errorf("a quiet cycle logs more than its one line:\n%s", quiet)
	}
}

// A long write pass logs n of N with the rate and the time left.
func TestProgressRate(t *testing.T) {
	for _, tc := range []struct {
		done, total int
		elapsed     time.Duration
		rate        float64
		left        time.Duration
	}{
		{250, 1000, 10 * time.Second, 25, 30 * time.Second},
		{1, 3, 3 * time.Second, 0.3, 6 * time.Second},
		{0, 1000, 10 * time.Second, 0, 0},
		{1000, 1000, 40 * time.Second, 25, 0},
	} {
		rate, left := progressRate(tc.done, tc.total, tc.elapsed)
		if rate != tc.rate || left != tc.left {
			t.Errorf("progressRate(%d, %d, %v) = %v/s, %v left; want %v/s, %v", tc.done, tc.total, tc.elapsed, rate, left, tc.rate, tc.left)
		}
	}
	var logs bytes.Buffer
	start := time.Date(2026, 11, 10, 7, 0, 0, 0, time.UTC)
	pg := newWriteProgress(slog.New(slog.NewTextHandler(&logs, nil)), "Sanarise", 300, start)
	for i := 1; i <= 300; i++ {
		pg.step(start.Add(time.Duration(i) * 100 * time.Millisecond)) // 10 a second: a line at 100 and 200 done
	}
	out := logs.String()
	if n := strings.Count(out, `msg="writing issues"`); n != 2 || !strings.Contains(out, "done=100 of=300 per_second=10 left=20s") ||
		!strings.Contains(out, "done=200 of=300 per_second=10 left=10s") {
		t.Errorf("progress lines:\n%s", out)
	}
}
