package store

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"
)

// Store is one open database: a SQLite file or a PostgreSQL database. It
// is safe for concurrent use by several goroutines, and several processes
// may open the same database (SQLite's file locks serialise writers;
// PostgreSQL's row locks and the outbox's statements keep concurrent
// writers apart). Which process may act on the database is bot/outbox's
// writer lease, not the store's business.
type Store struct {
	db     *sql.DB
	engine Engine
	path   string // the file, or the URL without its password (Redact)
	secret string // the PostgreSQL password: scrubbed from every error

	mu      sync.Mutex // guards stmts, rebound and closed
	stmts   map[string]*sql.Stmt
	rebound map[string]pgStmt // PostgreSQL: statement as written -> as sent (rebind)
	fence   *fence            // PostgreSQL: the writer lease's token every write checks (SetFence)
	closed  bool
}

// Options tune Open. The zero value is the production setting.
type Options struct {
	// BusyTimeout is how long a statement waits for another process's lock
	// before failing with ErrLocked (SQLite's busy timeout, PostgreSQL's
	// lock_timeout). Default 5s.
	BusyTimeout time.Duration
	// SkipIntegrityCheck skips PRAGMA quick_check at open (SQLite). The
	// check reads the whole file; the outbox is small, so it is on by
	// default. PostgreSQL checks its own pages.
	SkipIntegrityCheck bool
	// Synchronous is SQLite's synchronous setting: "FULL" (default) makes a
	// committed claim or send record survive power loss, which is what
	// keeps a crash from turning into a duplicate; "NORMAL" survives a
	// process crash only. PostgreSQL commits durably (synchronous_commit
	// as the server sets it).
	Synchronous string
	// PasswordFile, for PostgreSQL, is a file holding the password (its
	// first line; a Kubernetes or Docker secret). A URL that carries a
	// password too is refused: which one counts would be a guess. Without
	// either, the password comes from PGPASSWORD or ~/.pgpass, as libpq's.
	PasswordFile string
	// MaxConns bounds PostgreSQL connections (default 8). SQLite always
	// uses one.
	MaxConns int
}

// Open opens the database dsn names: a postgres:// or postgresql:// URL
// opens PostgreSQL, anything else is a SQLite file path (created if
// absent). It checks the database and applies pending schema migrations.
// A SQLite file that is not a database, or fails its integrity check,
// yields ErrCorrupt and is not modified; a database another process keeps
// locked yields ErrLocked. Errors never carry a password.
func Open(ctx context.Context, dsn string, opt Options) (*Store, error) {
	if opt.BusyTimeout <= 0 {
		opt.BusyTimeout = 5 * time.Second
	}
	if IsURL(dsn) {
		return openPostgres(ctx, dsn, opt)
	}
	return openSQLite(ctx, dsn, opt)
}

// Path is the database file the store was opened on, or its URL without
// the password.
func (s *Store) Path() string { return s.path }

// Close releases the database. Rows claimed and not yet recorded stay
// claimed until their lease expires, like after a crash. Calls on a closed
// store return ErrClosed.
func (s *Store) Close() error {
	return s.wrap("close", errors.Join(s.closeStmts(), s.db.Close()))
}

// ms converts a time to the stored form: Unix milliseconds, 0 for zero.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// fromMS is the inverse of ms, in UTC.
func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}
