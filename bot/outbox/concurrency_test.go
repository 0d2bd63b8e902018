package outbox

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/slabot/slabot/bot/store"
	"github.com/slabot/slabot/bot/store/storetest"
	"github.com/slabot/slabot/rules"
)

// Several processes on one database (each its own store, as replicas on
// one PostgreSQL are) claim due rows at once: every row is claimed by
// one of them, once, and a thread's later step only after its earlier
// one was sent. On SQLite the file's write lock serialises the claims; on
// PostgreSQL it is claimDue's row locks (FOR UPDATE SKIP LOCKED).
func TestConcurrentClaimsTakeEachRowOnce(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		ctx := context.Background()
		dsn := storetest.DSN(t)
		const workers, threads, steps = 4, 30, 3
		obs := make([]*Outbox, workers)
		for i := range obs {
			db, err := store.Open(ctx, dsn, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = db.Close() })
			if obs[i], err = Open(ctx, db, nil, Options{Clock: fixedClock(t0)}); err != nil {
				t.Fatal(err)
			}
		}
		for th := range threads {
			for lvl := 1; lvl <= steps; lvl++ {
				in := step(fmt.Sprintf("SUP-%d", th), lvl)
				in.DueAt = t0.Add(time.Duration(lvl) * time.Minute)
				in.Dest = fmt.Sprintf("C%d", th%5)
				mustEnqueue(t, obs[0].rows, t0, in)
			}
		}
		var mu sync.Mutex
		claims := map[string]int{}
		var errs []error
		var wg sync.WaitGroup
		for i, o := range obs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				owner := fmt.Sprintf("w%d", i)
				for idle := 0; idle < 20; {
					rs, err := o.rows.claimDue(ctx, t0, owner, time.Hour, 7, 3)
					if err != nil {
						mu.Lock()
						errs = append(errs, err)
						mu.Unlock()
						return
					}
					if len(rs) == 0 {
						idle++
						time.Sleep(time.Millisecond)
						continue
					}
					idle = 0
					for _, r := range rs {
						// The earlier steps of its thread were sent before
						// this one was claimed (sent is final: what is not
						// sent now was not sent then).
						var earlier int
						if err := o.rows.db.QueryRow(ctx, nil, `SELECT COUNT(*) FROM outbox WHERE issue = ? AND level < ? AND state != 'sent'`,
							r.Issue, r.Level).Scan(&earlier); err != nil || earlier > 0 {
							mu.Lock()
							errs = append(errs, fmt.Errorf("%s claimed by %s with %d earlier steps unsent (%v)", r.Key, owner, earlier, err))
							mu.Unlock()
						}
						mu.Lock()
						claims[r.Key]++
						mu.Unlock()
						if err := o.rows.markSent(ctx, t0, r.ID, "C", fmt.Sprintf("1.%d", r.ID), ""); err != nil {
							mu.Lock()
							errs = append(errs, err)
							mu.Unlock()
						}
					}
				}
			}()
		}
		wg.Wait()
		for _, err := range errs {
			t.Error(err)
		}
		if len(claims) != threads*steps {
			t.Errorf("%d rows claimed; want %d", len(claims), threads*steps)
		}
		for k, n := range claims {
			if n != 1 {
				t.Errorf("%s claimed %d times", k, n)
			}
		}
	})
}

// A goal's stop recorded by one process while another records the
// thread's next steps: every row of the thread ends up knowing the stop
// (met_at) and none is left to be sent. On PostgreSQL this is the
// thread lock between enqueue and markGoalMet (qThreadLockShared).
func TestStopWhileRecordingLeavesNoRowToSend(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		ctx := context.Background()
		dsn := storetest.DSN(t)
		var obs [2]*Outbox
		for i := range obs {
			db, err := store.Open(ctx, dsn, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = db.Close() })
			if obs[i], err = Open(ctx, db, nil, Options{Clock: fixedClock(t0)}); err != nil {
				t.Fatal(err)
			}
		}
		const threads, steps = 40, 6
		var wg sync.WaitGroup
		errs := make(chan error, 2*threads*steps)
		for th := range threads {
			// The thread has its first row (a stop of a thread without
			// rows is not recorded: the worker reports it again).
			issue := fmt.Sprintf("SUP-%d", th)
			mustEnqueue(t, obs[0].rows, t0, step(issue, 1))
			wg.Add(2)
			go func() {
				defer wg.Done()
				for lvl := 2; lvl <= steps; lvl++ {
					if _, err := obs[0].rows.enqueue(ctx, t0, step(issue, lvl)); err != nil {
						errs <- err
					}
				}
			}()
			go func() {
				defer wg.Done()
				if _, err := obs[1].rows.markGoalMet(ctx, t0.Add(time.Minute), issue, "resolution", 1, rules.Stop{}); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		rs, err := obs[0].rows.db.Query(ctx, nil, `SELECT key, state, met_at FROM outbox WHERE state != 'cancelled' OR met_at = 0`)
		if err != nil {
			t.Fatal(err)
		}
		defer rs.Close()
		for rs.Next() {
			var key, state string
			var met int64
			if err := rs.Scan(&key, &state, &met); err != nil {
				t.Fatal(err)
			}
			t.Errorf("%s is %s with met_at %d after its goal stopped", key, state, met)
		}
	})
}
