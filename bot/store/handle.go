package store

import (
	"context"
	"database/sql"
	"time"
)

// The handle below is what bot/outbox builds its rows on: the store owns
// the database, its connections, the kept prepared statements, the
// translation of placeholders for PostgreSQL (rebind) and the error
// classification; the outbox owns what its rows mean. Exported rather than
// duplicated so that one package decides how slabot talks to a database.
// Statements are written with SQLite's placeholders (? and ?N).

// Exec runs a statement that returns no rows, in tx when tx is not nil.
func (s *Store) Exec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	return s.exec(ctx, tx, query, args...)
}

// Query runs a statement that returns rows, in tx when tx is not nil.
func (s *Store) Query(ctx context.Context, tx *sql.Tx, query string, args ...any) (*sql.Rows, error) {
	return s.query(ctx, tx, query, args...)
}

// QueryRow runs a statement that returns at most one row; errors surface
// from Scan.
func (s *Store) QueryRow(ctx context.Context, tx *sql.Tx, query string, args ...any) interface{ Scan(...any) error } {
	return s.queryRow(ctx, tx, query, args...)
}

// Begin starts a write transaction. On SQLite the write lock is taken up
// front, so transactions of every process are serialised. On PostgreSQL
// it is READ COMMITTED, each statement seeing what committed before it:
// a caller that reads a row to decide a write locks it (FOR UPDATE) or
// writes conditionally (UPDATE ... WHERE what it read still holds).
func (s *Store) Begin(ctx context.Context) (*sql.Tx, error) { return s.begin(ctx) }

// Prepare keeps statements a caller will run inside transactions: the
// store's one SQLite connection is held by the transaction, so they cannot
// be prepared on demand there. On PostgreSQL it does nothing: statements
// are sent with their arguments in one round trip (see openPostgres).
func (s *Store) Prepare(ctx context.Context, queries ...string) error {
	if s.engine == Postgres {
		return nil
	}
	for _, q := range queries {
		if _, err := s.stmt(ctx, nil, q); err != nil {
			return s.wrap("prepare", err)
		}
	}
	return nil
}

// Wrap classifies err (ErrLocked, ErrCorrupt, ...) and names op and the
// file, like the store's own errors.
func (s *Store) Wrap(op string, err error) error { return s.wrap(op, err) }

// Fail returns an error of kind (one of the sentinels) for op on this file.
func (s *Store) Fail(op string, kind, err error) error {
	return &Error{Op: op, Path: s.path, Kind: kind, Err: err, engine: s.engine, secret: s.secret}
}

// MS converts a time to the stored form: Unix milliseconds, 0 for zero.
func MS(t time.Time) int64 { return ms(t) }

// FromMS is the inverse of MS, in UTC.
func FromMS(v int64) time.Time { return fromMS(v) }
