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

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// sqliteMagic is the first 16 bytes of every SQLite 3 database file.
var sqliteMagic = []byte("SQLite format 3\x00")

// openSQLite opens (creating if absent) the SQLite file at path.
func openSQLite(ctx context.Context, path string, opt Options) (*Store, error) {
	s := &Store{path: path, engine: SQLite}
	if path == "" {
		return nil, &Error{Op: "open", Path: path, Err: errors.New("empty database path")}
	}
	if strings.ContainsAny(path, "?#") {
		return nil, &Error{Op: "open", Path: path, Err: errors.New("database path must not contain '?' or '#'")}
	}
	if err := checkHeader(path); err != nil {
		return nil, s.wrap("open", err)
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
