package store

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Sentinel errors callers branch on with errors.Is. Every error returned by
// this package wraps one of them or carries the engine's message and the
// file path (the URL without its password), so a log line alone says what
// to fix.
var (
	// ErrCorrupt: the file is not a SQLite database or fails its integrity
	// check. The file is left untouched; restore it from a backup or move
	// it away deliberately.
	ErrCorrupt = errors.New("store: database file is corrupt")
	// ErrLocked: another process holds a lock on the file for longer than
	// the busy timeout (a second slabot on the same file, a backup tool,
	// an sqlite3 shell with an open transaction); on PostgreSQL, a lock
	// not granted within the lock timeout, a deadlock or a serialization
	// failure (the transaction was rolled back and may be tried again).
	ErrLocked = errors.New("store: database file is locked")
	// ErrSchemaTooNew: the file was migrated by a newer slabot. Running an
	// older binary against it could misread rows, so it is refused.
	ErrSchemaTooNew = errors.New("store: database schema is newer than this build")
	// ErrNotFound: no row with that key or id.
	ErrNotFound = errors.New("store: not found")
	// ErrLeaseLost: the row is no longer claimed by this owner (the lease
	// expired and another dispatcher took it, or it was already recorded).
	ErrLeaseLost = errors.New("store: lease lost")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("store: closed")
	// ErrMigrated: `slabot migrate` copied this database's outbox to
	// another; sending from this one too would repeat what that one sends.
	ErrMigrated = errors.New("store: database migrated elsewhere")
)

// Error describes a failed store operation: what was attempted, on which
// file, and the underlying cause. Is reports the sentinel that classifies it.
type Error struct {
	Op   string // e.g. "open", "claim", "mark sent"
	Path string // the file, or the URL without its password
	Kind error  // one of the sentinels above, or nil for anything else
	Err  error

	engine Engine
	secret string // scrubbed from the message: a driver's text may quote it
}

func (e *Error) Error() string {
	hint := ""
	switch {
	case e.Kind == ErrCorrupt && e.engine == Postgres:
		hint = " (PostgreSQL reports damaged data: restore a backup; slabot never recreates it silently)"
	case e.Kind == ErrCorrupt:
		hint = " (the file was left as it is: restore a backup or move it away; slabot never recreates it silently)"
	case e.Kind == ErrLocked && e.engine == Postgres:
		hint = " (another session holds a lock longer than the lock timeout: a long transaction in psql, a migration of another slabot?)"
	case e.Kind == ErrLocked:
		hint = " (another process holds the database lock: is a second slabot or an sqlite3 shell using this file?)"
	case e.Kind == ErrSchemaTooNew:
		hint = " (upgrade slabot, or point it at another database)"
	}
	msg := fmt.Sprintf("store: %s %s: %v%s", e.Op, e.Path, e.Err, hint)
	if e.secret != "" {
		msg = strings.ReplaceAll(msg, e.secret, "xxxxx")
	}
	return msg
}

func (e *Error) Unwrap() []error {
	if e.Kind == nil {
		return []error{e.Err}
	}
	return []error{e.Kind, e.Err}
}

// wrap classifies err by its SQLite result code and adds context.
func (s *Store) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var se *Error
	if errors.As(err, &se) {
		return err
	}
	return &Error{Op: op, Path: s.path, Kind: classify(err), Err: err, engine: s.engine, secret: s.secret}
}

// PostgreSQL's error codes that map onto the sentinels
// (https://www.postgresql.org/docs/current/errcodes-appendix.html).
var pgKinds = map[string]error{
	"55P03": ErrLocked,  // lock_not_available: lock_timeout ran out
	"40P01": ErrLocked,  // deadlock_detected
	"40001": ErrLocked,  // serialization_failure
	"XX001": ErrCorrupt, // data_corrupted
	"XX002": ErrCorrupt, // index_corrupted
}

func classify(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		if k := pgKinds[pe.Code]; k != nil {
			return k
		}
	}
	var le *sqlite.Error
	if errors.As(err, &le) {
		switch le.Code() & 0xff { // primary result code
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return ErrLocked
		case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
			return ErrCorrupt
		}
	}
	for _, k := range []error{ErrCorrupt, ErrLocked, ErrSchemaTooNew, ErrNotFound, ErrLeaseLost, ErrClosed, ErrFenced} {
		if errors.Is(err, k) {
			return k
		}
	}
	return nil
}
