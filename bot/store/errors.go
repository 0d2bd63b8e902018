package store

import (
	"errors"
	"fmt"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Sentinel errors callers branch on with errors.Is. Every error returned by
// this package wraps one of them or carries the SQLite message and the file
// path, so a log line alone says what to fix.
var (
	// ErrCorrupt: the file is not a SQLite database or fails its integrity
	// check. The file is left untouched; restore it from a backup or move
	// it away deliberately.
	ErrCorrupt = errors.New("store: database file is corrupt")
	// ErrLocked: another process holds a lock on the file for longer than
	// the busy timeout (a second slabot on the same file, a backup tool,
	// an sqlite3 shell with an open transaction).
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
)

// Error describes a failed store operation: what was attempted, on which
// file, and the underlying cause. Is reports the sentinel that classifies it.
type Error struct {
	Op   string // e.g. "open", "claim", "mark sent"
	Path string
	Kind error // one of the sentinels above, or nil for anything else
	Err  error
}

func (e *Error) Error() string {
	hint := ""
	switch e.Kind {
	case ErrCorrupt:
		hint = " (the file was left as it is: restore a backup or move it away; slabot never recreates it silently)"
	case ErrLocked:
		hint = " (another process holds the database lock: is a second slabot or an sqlite3 shell using this file?)"
	case ErrSchemaTooNew:
		hint = " (upgrade slabot, or point it at another file)"
	}
	return fmt.Sprintf("store: %s %s: %v%s", e.Op, e.Path, e.Err, hint)
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
	return &Error{Op: op, Path: s.path, Kind: classify(err), Err: err}
}

func classify(err error) error {
	var le *sqlite.Error
	if errors.As(err, &le) {
		switch le.Code() & 0xff { // primary result code
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return ErrLocked
		case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
			return ErrCorrupt
		}
	}
	for _, k := range []error{ErrCorrupt, ErrLocked, ErrSchemaTooNew, ErrNotFound, ErrLeaseLost, ErrClosed} {
		if errors.Is(err, k) {
			return k
		}
	}
	return nil
}
