package store

import (
	"context"
	"errors"
	"testing"

	"github.com/slabot/slabot/bot/store/storetest"
)

func TestIsWrite(t *testing.T) {
	for q, want := range map[string]bool{
		"SELECT 1":                             false,
		"  select x FROM t":                    false,
		"INSERT INTO t VALUES (1)":             true,
		"UPDATE t SET x = 1":                   true,
		"DELETE FROM t RETURNING id":           true,
		"WITH a AS (SELECT 1) SELECT * FROM a": false,
		"WITH a AS (SELECT 1) UPDATE t SET x = 1 WHERE id IN (SELECT * FROM a)": true,
		"SELECT 'UPDATE t' FROM t":        false,
		"PRAGMA wal_checkpoint(TRUNCATE)": true,
	} {
		if got := isWrite(q); got != want {
			t.Errorf("isWrite(%q) = %v; want %v", q, got, want)
		}
	}
}

// With a fence set, a write passes while the lease row carries the
// fence's token and is refused with ErrFenced once it does not (another
// process took the lease over); reads, and the lease's own statements
// (WithoutFence), are not held back. On SQLite SetFence does nothing.
func TestFence(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		ctx := context.Background()
		s, _ := openTemp(t)
		if _, err := s.Exec(ctx, nil, `INSERT INTO leases (name, owner, until, acquired_at, token) VALUES ('writer', 'a', 1, 1, 7)`); err != nil {
			t.Fatal(err)
		}
		s.SetFence("writer", 7)
		if err := s.SetCursor(ctx, t0, "SUP", "1"); err != nil {
			t.Fatalf("write with the lease's token: %v", err)
		}
		if _, err := s.Exec(WithoutFence(ctx), nil, `UPDATE leases SET token = 8, owner = 'b'`); err != nil {
			t.Fatal(err)
		}
		err := s.SetCursor(ctx, t0, "SUP", "2")
		tx, berr := s.Begin(ctx)
		if berr == nil {
			_ = tx.Rollback()
		}
		rs, qerr := s.Query(ctx, nil, `DELETE FROM cursors RETURNING name`)
		if qerr == nil {
			_ = rs.Close()
		}
		if s.Engine() == SQLite {
			if err != nil || berr != nil || qerr != nil {
				t.Fatalf("SQLite has no fence: %v, %v, %v", err, berr, qerr)
			}
			return
		}
		if !errors.Is(err, ErrFenced) || !errors.Is(berr, ErrFenced) || qerr == nil {
			t.Fatalf("after the takeover: write %v, begin %v, write query outside a transaction %v; want ErrFenced, ErrFenced, refused", err, berr, qerr)
		}
		if v, ok, err := s.Cursor(ctx, "SUP"); err != nil || !ok || v != "1" {
			t.Fatalf("read under the fence: %q %v %v", v, ok, err)
		}
		s.ClearFence()
		if err := s.SetCursor(ctx, t0, "SUP", "3"); err != nil {
			t.Fatalf("write without a fence: %v", err)
		}
	})
}
