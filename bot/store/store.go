package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// Store is one open SQLite file. It is safe for concurrent use by several
// goroutines, and several processes may open the same file (SQLite's own
// locking serialises writers). Which process may act on the file is
// bot/outbox's writer lease, not the store's business.
type Store struct {
	db   *sql.DB
	path string

	mu     sync.Mutex // guards stmts and closed
	stmts  map[string]*sql.Stmt
	closed bool
}

// Options tune Open. The zero value is the production setting.
type Options struct {
	// BusyTimeout is how long a statement waits for another process's lock
	// before failing with ErrLocked. Default 5s.
	BusyTimeout time.Duration
	// SkipIntegrityCheck skips PRAGMA quick_check at open. The check reads
	// the whole file; the outbox is small, so it is on by default.
	SkipIntegrityCheck bool
	// Synchronous is SQLite's synchronous setting: "FULL" (default) makes a
	// committed claim or send record survive power loss, which is what
	// keeps a crash from turning into a duplicate; "NORMAL" survives a
	// process crash only.
	Synchronous string
}

// sqliteMagic is the first 16 bytes of every SQLite 3 database file.
var sqliteMagic = []byte("SQLite format 3\x00")

// Open opens (creating if absent) the database at path, checks it, and
// applies pending schema migrations. A file that is not a SQLite database,
// or fails its integrity check, yields ErrCorrupt and is not modified; a
// file another process keeps locked yields ErrLocked.
func Open(ctx context.Context, path string, opt Options) (*Store, error) {
	s := &Store{path: path}
	if path == "" {
		return nil, &Error{Op: "open", Path: path, Err: errors.New("empty database path")}
	}
	if strings.ContainsAny(path, "?#") {
		return nil, &Error{Op: "open", Path: path, Err: errors.New("database path must not contain '?' or '#'")}
	}
	if err := checkHeader(path); err != nil {
		return nil, s.wrap("open", err)
	}
	if opt.BusyTimeout <= 0 {
		opt.BusyTimeout = 5 * time.Second
	}
	if opt.Synchronous == "" {
		opt.Synchronous = "FULL"
	}
	// _txlock=immediate: every transaction takes the write lock up front,
	// so two processes never deadlock upgrading a read lock (SQLite would
	// answer SQLITE_BUSY at once, without waiting out the busy timeout).
	dsn := fmt.Sprintf("%s?_txlock=immediate&_busy_timeout=%d&_foreign_keys=1&_synchronous=%s",
		path, opt.BusyTimeout.Milliseconds(), opt.Synchronous)
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, s.wrap("open", err)
	}
	// One connection: writes are serialised in Go rather than by SQLite's
	// busy-sleep loop, and the file's lock is only ever contended by other
	// processes, which is what the busy timeout is for.
	db.SetMaxOpenConns(1)
	s.db = db
	if err := s.init(ctx, opt); err != nil {
		_ = db.Close()
		return nil, err
	}
	return s, nil
}

// checkHeader refuses a non-empty file that does not start with the SQLite
// magic string before the driver sees it: SQLite would answer "file is not
// a database" anyway, but only at the first query, and some pragmas would
// first try to write to it.
func checkHeader(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	head := make([]byte, len(sqliteMagic))
	n, err := io.ReadFull(f, head)
	if n == 0 && (err == io.EOF || err == nil) {
		return nil // empty file: SQLite treats it as a new database
	}
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return err
	}
	if !bytes.Equal(head[:n], sqliteMagic) || n < len(sqliteMagic) {
		return fmt.Errorf("%w: not a SQLite 3 database (bad header)", ErrCorrupt)
	}
	return nil
}

func (s *Store) init(ctx context.Context, opt Options) error {
	// The journal mode is a property of the file; switching to WAL needs
	// the write lock, so a locked file fails here with ErrLocked.
	var mode string
	if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode=WAL").Scan(&mode); err != nil {
		return s.wrap("open", err)
	}
	if !strings.EqualFold(mode, "wal") {
		return s.wrap("open", fmt.Errorf("could not switch to WAL journal mode (got %q)", mode))
	}
	if !opt.SkipIntegrityCheck {
		if err := s.quickCheck(ctx); err != nil {
			return err
		}
	}
	return s.migrate(ctx)
}

func (s *Store) quickCheck(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, "PRAGMA quick_check")
	if err != nil {
		return s.wrap("integrity check", err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return s.wrap("integrity check", err)
		}
		if line != "ok" && len(problems) < 5 {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return s.wrap("integrity check", err)
	}
	if len(problems) > 0 {
		return &Error{Op: "integrity check", Path: s.path, Kind: ErrCorrupt,
			Err: errors.New(strings.Join(problems, "; "))}
	}
	return nil
}

// Path is the database file the store was opened on.
func (s *Store) Path() string { return s.path }

// Close releases the file. Rows claimed and not yet recorded stay claimed
// until their lease expires, like after a crash. Calls on a closed store
// return ErrClosed.
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
