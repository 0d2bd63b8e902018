package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slabot/slabot/bot/store/storetest"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// openTemp opens a fresh database on t's engine (storetest.Run).
func openTemp(t *testing.T) (*Store, string) {
	t.Helper()
	path := storetest.DSN(t)
	s, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, path
}

func TestOpenMigratesAndReopens(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		ctx := context.Background()
		s, path := openTemp(t)
		v, err := s.Version(ctx)
		if err != nil || v != SchemaVersion() {
			t.Fatalf("version = %d, %v; want %d", v, err, SchemaVersion())
		}
		if s.Engine() == SQLite {
			var mode string
			if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
				t.Fatalf("journal_mode = %q, %v; want wal", mode, err)
			}
		}
		if err := s.SetCursor(ctx, t0, "SUP", "2026-03-02T09:00"); err != nil {
			t.Fatal(err)
		}
		_ = s.Close()

		s2, err := Open(ctx, path, Options{})
		if err != nil {
			t.Fatalf("reopen: %v", err)
		}
		defer s2.Close()
		c, ok, err := s2.Cursor(ctx, "SUP")
		if err != nil || !ok || c != "2026-03-02T09:00" {
			t.Fatalf("cursor after reopen = %q %v %v", c, ok, err)
		}
		var n int
		if err := s2.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations").Scan(&n); err != nil || n != len(migrations) {
			t.Fatalf("schema_migrations rows = %d, %v", n, err)
		}
	})
}

func TestCursorUnset(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		s, _ := openTemp(t)
		_, ok, err := s.Cursor(context.Background(), "nope")
		if err != nil || ok {
			t.Fatalf("unset cursor: ok=%v err=%v", ok, err)
		}
	})
}

// A file that is not a database must be refused and left byte-for-byte as
// it was: recreating it would silently drop the outbox.
func TestOpenRefusesGarbageFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "slabot.db")
	garbage := bytes.Repeat([]byte("this is not sqlite\n"), 300)
	if err := os.WriteFile(path, garbage, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), path, Options{})
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("err = %v; want ErrCorrupt", err)
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "never recreates") {
		t.Errorf("error should name the file and say it was kept: %v", err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(after, garbage) {
		t.Fatal("corrupt file was modified")
	}
}

// A real database with damaged pages is caught by the integrity check at
// open, not later in the middle of a dispatch.
func TestOpenRefusesDamagedDatabase(t *testing.T) {
	ctx := context.Background()
	s, path := openTemp(t)
	for i := range 400 {
		if err := s.SetCursor(ctx, t0, fmt.Sprintf("SUP-%c%s-%d", rune('A'+i%26), strings.Repeat("x", i%50), i),
			string(bytes.Repeat([]byte{'a' + byte(i%26)}, 200))); err != nil {
			t.Fatal(err)
		}
	}
	// Fold the WAL back into the main file so the damage below hits data.
	if _, err := s.db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 8*4096 {
		t.Fatalf("database unexpectedly small: %d bytes", len(b))
	}
	for i := 4096 + 100; i < len(b)-4096; i += 7 { // scribble over every page but the header page
		b[i] ^= 0x5a
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Open(ctx, path, Options{})
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("err = %v; want ErrCorrupt", err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(after, b) {
		t.Fatal("damaged file was modified")
	}
}

// Another process holding the write lock (here: a second connection with an
// open exclusive transaction) makes Open fail with ErrLocked after the busy
// timeout, instead of hanging or touching the file.
func TestOpenLockedDatabase(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		ctx := context.Background()
		path := storetest.DSN(t)
		lock := []string{"CREATE TABLE unrelated (x)", "BEGIN EXCLUSIVE", "INSERT INTO unrelated VALUES (1)"}
		if storetest.IsPostgres(t) {
			// A session holding the migrations table (a migration of
			// another slabot, a long transaction in psql).
			s, err := Open(ctx, path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			_ = s.Close()
			lock = []string{"BEGIN", "LOCK TABLE schema_migrations IN ACCESS EXCLUSIVE MODE"}
		}
		conn := rawConn(t, path)
		for _, q := range lock {
			if _, err := conn.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		_, err := Open(ctx, path, Options{BusyTimeout: 50 * time.Millisecond})
		if !errors.Is(err, ErrLocked) {
			t.Fatalf("err = %v; want ErrLocked", err)
		}
		if !strings.Contains(err.Error(), "another") {
			t.Errorf("error should say what to look for: %v", err)
		}
		if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
			t.Fatal(err)
		}
		s, err := Open(ctx, path, Options{})
		if err != nil {
			t.Fatalf("open after unlock: %v", err)
		}
		_ = s.Close()
	})
}

// rawConn is one connection to dsn outside the store (another process).
func rawConn(t *testing.T, dsn string) *sql.Conn {
	t.Helper()
	db := rawDB(t, dsn)
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// rawDB opens dsn with the engine's driver and nothing of the store's.
func rawDB(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	driver := "sqlite"
	if IsURL(dsn) {
		driver = "pgx"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// Writes through an open store while another connection holds the lock
// fail with ErrLocked too (the store stays usable afterwards).
func TestWriteWhileLocked(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		ctx := context.Background()
		s, path := openTemp(t)
		_ = s.Close()
		s, err := Open(ctx, path, Options{BusyTimeout: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		conn := rawConn(t, path)
		lock := []string{"BEGIN IMMEDIATE"}
		if storetest.IsPostgres(t) {
			lock = []string{"BEGIN", "LOCK TABLE cursors IN EXCLUSIVE MODE"}
		}
		for _, q := range lock {
			if _, err := conn.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		err = s.SetCursor(ctx, t0, "SUP", "x")
		if !errors.Is(err, ErrLocked) {
			t.Fatalf("enqueue under lock: %v; want ErrLocked", err)
		}
		_, _ = conn.ExecContext(ctx, "ROLLBACK")
		if err := s.SetCursor(ctx, t0, "SUP", "x"); err != nil {
			t.Fatalf("enqueue after unlock: %v", err)
		}
	})
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		ctx := context.Background()
		s, path := openTemp(t)
		if _, err := s.db.ExecContext(ctx, "INSERT INTO schema_migrations (version, name) VALUES (999, 'from the future')"); err != nil {
			t.Fatal(err)
		}
		_ = s.Close()
		_, err := Open(ctx, path, Options{})
		if !errors.Is(err, ErrSchemaTooNew) {
			t.Fatalf("err = %v; want ErrSchemaTooNew", err)
		}
	})
}

func TestOpenMissingDirectory(t *testing.T) {
	_, err := Open(context.Background(), filepath.Join(t.TempDir(), "no", "such", "dir", "x.db"), Options{})
	if err == nil {
		t.Fatal("want an error for a missing directory")
	}
}

// A closed store says so instead of failing with a driver message.
func TestClosedStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		s, _ := openTemp(t)
		if _, ok, err := s.Cursor(context.Background(), "SUP"); err != nil || ok {
			t.Fatalf("cursor before close: %v %v", ok, err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if err := s.SetCursor(context.Background(), t0, "SUP", "x"); !errors.Is(err, ErrClosed) {
			t.Fatalf("write after close: %v; want ErrClosed", err)
		}
		if _, _, err := s.Cursor(context.Background(), "SUP"); !errors.Is(err, ErrClosed) {
			t.Fatalf("read after close: %v; want ErrClosed", err)
		}
		// The calls that open a transaction say so too.
		if _, err := s.Begin(context.Background()); !errors.Is(err, ErrClosed) {
			t.Fatalf("begin after close: %v; want ErrClosed", err)
		}
	})
}

// A file written by the first release (schema 1: rows keyed by level,
// reports as "report:PROJ") is migrated in place: rows keep their key
// (it is in their Slack message's metadata), escalations get the step
// "L<level>" for the outbox to adopt, reports become kind report.
func TestMigrateFromVersion1(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		ctx := context.Background()
		path := storetest.DSN(t)
		db := rawDB(t, path)
		payload := []byte("{}")
		for _, q := range []string{
			`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT '')`,
			stepsOf(path)[0].sql,
			`INSERT INTO schema_migrations (version, name) VALUES (1, 'outbox and cursors')`,
			`INSERT INTO outbox (key, issue, goal, cycle, level, payload, state, created_at, updated_at, next_attempt_at, channel, ts)
			VALUES ('SUP-1|resolution|1|2', 'SUP-1', 'resolution', 1, 2, ?, 'sent', 1000, 1000, 1000, 'C1', '1.1')`,
			`INSERT INTO outbox (key, issue, goal, cycle, level, payload, state, created_at, updated_at, next_attempt_at)
			VALUES ('report:SUP|2026-10|0|1', 'report:SUP', '2026-10', 0, 1, ?, 'pending', 2000, 2000, 2000)`,
		} {
			var args []any
			if strings.Contains(q, "?") {
				args = []any{payload}
			}
			if err := rawExec(db, path, q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		_ = db.Close()
		s, err := Open(ctx, path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		rows, err := s.Query(ctx, nil, `SELECT key, kind, issue, goal, step, level, state, due_at, channel, ts FROM outbox ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []string
		for rows.Next() {
			var key, kind, issue, goal, step, state, ch, ts string
			var level int
			var due int64
			if err := rows.Scan(&key, &kind, &issue, &goal, &step, &level, &state, &due, &ch, &ts); err != nil {
				t.Fatal(err)
			}
			got = append(got, fmt.Sprintf("%s %s %s %s %s %d %s %d %s %s", key, kind, issue, goal, step, level, state, due, ch, ts))
		}
		want := []string{
			"SUP-1|resolution|1|2 escalation SUP-1 resolution L2 2 sent 1000 C1 1.1",
			"report:SUP|2026-10|0|1 report SUP 2026-10 report 1 pending 2000  ",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("migrated rows\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if v, _ := s.Version(ctx); v != SchemaVersion() {
			t.Fatalf("version %d", v)
		}
	})
}

// A file written by a release before schema 4 keyed report rows by
// Jira project. Version 6 gives each the product its payload names (two
// products on one project each get their own row from then on), leaves
// a row whose payload names none as it was, and keeps every key.
func TestMigrateReportRowsToProduct(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		ctx := context.Background()
		path := storetest.DSN(t)
		db := rawDB(t, path)
		qs := []string{`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT '')`}
		for _, m := range stepsOf(path)[:3] {
			qs = append(qs, m.sql, fmt.Sprintf(`INSERT INTO schema_migrations (version, name) VALUES (%d, '%s')`, m.version, m.name))
		}
		for _, q := range qs {
			if err := rawExec(db, path, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		insert := `INSERT INTO outbox (key, kind, issue, goal, cycle, step, level, payload, state, created_at, updated_at, next_attempt_at)
		VALUES (?, 'report', ?, '2026-10', 0, 'report', 1, ?, 'sent', 1000, 1000, 1000)`
		for _, r := range [][3]string{
			{"report|SAN|2026-10", "SAN", `{"v":2,"kind":"report","report":{"product":"Sanarise Odoo Support","project":"SAN","period":"2026-10"}}`},
			{"report|HYD|2026-10", "HYD", `not json`},
			{"report|B2B|2026-10", "B2B", `{"v":2,"kind":"report","report":{"product":"","project":"B2B"}}`},
		} {
			if err := rawExec(db, path, insert, r[0], r[1], []byte(r[2])); err != nil {
				t.Fatalf("%s: %v", insert, err)
			}
		}
		_ = db.Close()
		s, err := Open(ctx, path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		rows, err := s.Query(ctx, nil, `SELECT key, issue FROM outbox ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []string
		for rows.Next() {
			var key, issue string
			if err := rows.Scan(&key, &issue); err != nil {
				t.Fatal(err)
			}
			got = append(got, key+" "+issue)
		}
		want := []string{"report|SAN|2026-10 Sanarise Odoo Support", "report|HYD|2026-10 HYD", "report|B2B|2026-10 B2B"}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("migrated rows\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		var n int
		if err := s.QueryRow(ctx, nil, `SELECT COUNT(*) FROM ledger`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("ledger after the upgrade: %d rows, %v", n, err)
		}
	})
}

// stepsOf is the migration list of dsn's engine.
func stepsOf(dsn string) []migration {
	if IsURL(dsn) {
		return pgMigrations
	}
	return migrations
}

// rawExec runs q (SQLite placeholders) on db outside the store.
func rawExec(db *sql.DB, dsn, q string, args ...any) error {
	if IsURL(dsn) && len(args) > 0 {
		q = rebind(q)
	}
	_, err := db.ExecContext(context.Background(), q, args...)
	return err
}
