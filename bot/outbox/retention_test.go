package outbox

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/slabot/slabot/bot/store"
	"github.com/slabot/slabot/bot/store/storetest"

	"github.com/slabot/slabot/rules"
)

// A simulated year: every day an issue escalates (three steps, payloads
// as large as real ones), its goal is met the next day, a monthly report
// (64 KB) is sent each month, and the outbox is pruned as Run prunes it
// (retention 90 days). The table keeps at most 91 days of rows and the
// file stays under 1 MB (measured: 279 rows, 652 KB); without
// pruning it would hold the whole year and keep growing. A row kept costs
// about 1 KB: BenchmarkOutboxYear runs 30 issues a day (90 steps) and
// reports the file size (measured: 8,283 rows kept, 8.2 MB).
func TestRetentionBoundsTheFileOverAYear(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		rows, size := simulateYear(t, 1)
		t.Logf("after 365 days: %d rows, file %d KB", rows, size>>10)
		if max := 92*3 + 4; rows > max {
			t.Fatalf("%d rows kept after a year; want at most %d (90 days)", rows, max)
		}
		if bound := int64(1 << 20); !storetest.IsPostgres(t) && size > bound {
			t.Fatalf("database file %d bytes after a year; want at most %d", size, bound)
		}
	})
}

// BenchmarkOutboxYear simulates a busy site's year (30 issues, 90 steps a
// day) and reports the database file's size at the end.
func BenchmarkOutboxYear(b *testing.B) {
	for range b.N {
		rows, size := simulateYear(b, 30)
		b.ReportMetric(float64(size)/(1<<20), "MB-file")
		b.ReportMetric(float64(rows), "rows-kept")
	}
}

func simulateYear(t testing.TB, issuesPerDay int) (rows int, size int64) {
	ctx := context.Background()
	path := storetest.DSN(t)
	db, err := store.Open(ctx, path, store.Options{Synchronous: "OFF"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	o, err := Open(ctx, db, nil, Options{Clock: fixedClock(t0)})
	if err != nil {
		t.Fatal(err)
	}
	const steps = 3
	report := []byte(strings.Repeat("<tr><td>SUP-1</td><td>met</td></tr>\n", 64*1024/36))
	for day := range 365 {
		now := t0.Add(time.Duration(day) * 24 * time.Hour)
		for i := range issuesPerDay {
			issue := fmt.Sprintf("SUP-%d", day*issuesPerDay+i)
			for lvl := 1; lvl <= steps; lvl++ {
				p, err := encodeEscalation(rules.Notice{IssueKey: issue, IssueURL: "https://acme.atlassian.net/browse/" + issue,
					Goal: "resolution", Cycle: 1, Step: fmt.Sprintf("s%d", lvl), Level: lvl, Rung: rules.RungTeamLead,
					Recipient: rules.Recipient{Channel: "C1"}, Summary: strings.Repeat("Checkout fails for EU customers ", 8),
					Customer: "Acme Corporation", Plan: "Gold", Priority: "High", Deadline: now, AsOf: now, Status: "breached", DueAt: now})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := o.rows.enqueue(ctx, now, intent{Kind: KindEscalation, Issue: issue, Goal: "resolution", Cycle: 1,
					Step: fmt.Sprintf("s%d", lvl), Level: lvl, Payload: p, DueAt: now}); err != nil {
					t.Fatal(err)
				}
			}
		}
		if day%30 == 0 {
			if _, err := o.rows.enqueue(ctx, now, intent{Kind: KindReport, Issue: "SUP", Goal: fmt.Sprintf("m%d", day), Step: "report",
				Level: 1, Payload: report}); err != nil {
				t.Fatal(err)
			}
		}
		for {
			rs, err := o.rows.claimDue(ctx, now, "w", time.Minute, 500, 500)
			if err != nil {
				t.Fatal(err)
			}
			if len(rs) == 0 {
				break
			}
			for _, r := range rs {
				if err := o.rows.markSent(ctx, now, r.ID, "C1", fmt.Sprintf("%d.%06d", now.Unix(), r.ID), ""); err != nil {
					t.Fatal(err)
				}
			}
		}
		// Yesterday's goals are met; the parents' status lines updated.
		for i := range issuesPerDay {
			issue := fmt.Sprintf("SUP-%d", (day-1)*issuesPerDay+i)
			if _, err := o.rows.markGoalMet(ctx, now, issue, "resolution", 1, rules.Stop{}); err != nil {
				t.Fatal(err)
			}
		}
		ups, err := o.rows.dueUpdates(ctx, now, 10000)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range ups {
			if err := o.rows.markUpdated(ctx, now, u.ID, u.UpdateGen); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := o.Prune(ctx, now); err != nil {
			t.Fatal(err)
		}
	}
	c, err := o.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	kept := c[StateSent] + c[StateCancelled] + c[StatePending]
	if db.Engine() == store.Postgres {
		// The tables' size on the server, after VACUUM made the deleted
		// rows' space reusable (autovacuum's work; it returns no space
		// to the file system, so the bound below is SQLite's).
		if _, err := db.Exec(ctx, nil, "VACUUM outbox, ledger"); err != nil {
			t.Fatal(err)
		}
		var n int64
		if err := db.QueryRow(ctx, nil, "SELECT pg_total_relation_size('outbox') + pg_total_relation_size('ledger')").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return kept, n
	}
	// Fold the WAL into the file and let SQLite reuse the freed pages.
	if _, err := db.Exec(ctx, nil, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return kept, fi.Size()
}
