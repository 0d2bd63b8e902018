package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// "writes to deleted or moved issues are dropped from the cache at once":
// an open issue deleted in Jira costs one failed write (its 404), not one
// per cycle until the hourly resync.
func TestWriteToDeletedIssueDropsItFromTheCache(t *testing.T) {
	t.Parallel() // its own simulators, database and clock; no environment
	ctx := context.Background()
	d := newTestDemo(t, ctx)
	// Never resync during the test: only the 404 can drop the issue.
	d.stop()
	d.resyncEvery = 1000 * time.Hour
	if err := d.start(ctx); err != nil {
		t.Fatal(err)
	}
	tick := 30 * time.Minute
	mid := utc("2026-11-03T14:30:00Z")
	first, _ := splitScript(demoScript(), mid)
	if err := d.play(ctx, first, demoStart, mid, tick); err != nil {
		t.Fatal(err)
	}
	// A high-priority incident opened half an hour ago: its clocks run on,
	// so slabot wants to write its SLA state again soon.
	victim := d.keys["hyd-holiday"]
	if victim == "" {
		t.Fatal("the script did not open hyd-holiday")
	}
	if err := d.jsim.DeleteIssue(victim); err != nil {
		t.Fatal(err)
	}
	d.jsim.ResetRequests()
	if err := d.play(ctx, nil, mid.Add(tick), mid.Add(3*24*time.Hour), tick); err != nil {
		t.Fatal(err)
	}
	writes := 0
	for _, r := range d.jsim.Requests() {
		if r.Method != http.MethodGet && strings.Contains(r.Path, "/issue/"+victim) {
			writes++
			if r.Status != http.StatusNotFound {
				t.Errorf("%s %s answered %d after the deletion", r.Method, r.Path, r.Status)
			}
		}
	}
	if writes != 1 {
		t.Errorf("%d writes to the deleted %s over three days, want exactly 1 (the 404 that drops it)", writes, victim)
	}
}
