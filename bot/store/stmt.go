package store

import (
	"context"
	"database/sql"
	"errors"
)

// Prepared statements are kept for the life of a SQLite Store. Why: SQLite
// parses and plans a statement every time it is prepared, and the
// dispatcher runs the same dozen statements for every row it sends;
// parsing was most of the CPU a pass spent in the store (and several times
// that under the race detector, which instruments the C-to-Go
// translation). A kept statement is planned once per connection; SQLite
// re-prepares it by itself when another process changes the schema.

// stmt returns the prepared statement for query, preparing it on first
// use. Inside a transaction (tx not nil) a statement not prepared yet is
// prepared on the transaction only: the store has one connection, which
// the transaction holds, so preparing on the pool would wait forever.
// Statements run in transactions are prepared at Open for that reason.
func (s *Store) stmt(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	// s.mu is never held while waiting for the connection: a goroutine in
	// a transaction holds it and may itself need s.mu.
	s.mu.Lock()
	closed, st := s.closed, s.stmts[query]
	s.mu.Unlock()
	switch {
	case closed:
		return nil, ErrClosed
	case st != nil && tx != nil:
		return tx.StmtContext(ctx, st), nil
	case st != nil:
		return st, nil
	case tx != nil:
		return tx.PrepareContext(ctx, query)
	}
	st, err := s.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		_ = st.Close()
		return nil, ErrClosed
	}
	if have := s.stmts[query]; have != nil { // prepared meanwhile by another goroutine
		_ = st.Close()
		return have, nil
	}
	if s.stmts == nil {
		s.stmts = map[string]*sql.Stmt{}
	}
	s.stmts[query] = st
	return st, nil
}

// pgStmt is a statement as PostgreSQL takes it.
type pgStmt struct {
	q     string // rebound
	write bool   // isWrite: checked against the fence
}

// pg returns query as PostgreSQL takes it (rebind, computed once per
// statement), or ErrClosed.
func (s *Store) pg(query string) (pgStmt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return pgStmt{}, ErrClosed
	}
	st, ok := s.rebound[query]
	if !ok {
		st = pgStmt{q: rebind(query), write: isWrite(query)}
		if s.rebound == nil {
			s.rebound = map[string]pgStmt{}
		}
		s.rebound[query] = st
	}
	return st, nil
}

// errFencedQuery: a statement that writes and returns rows cannot run
// outside a transaction while a fence is set (its check and the write
// must be one transaction, and the rows outlive the call).
var errFencedQuery = errors.New("store: a write that returns rows must run in a transaction (Begin) while the writer lease fences writes")

// pgExec runs a statement on PostgreSQL. A write outside a transaction
// while a fence is set runs in one of its own, after the fence check.
func (s *Store) pgExec(ctx context.Context, tx *sql.Tx, query string, args []any) (sql.Result, error) {
	st, err := s.pg(query)
	if err != nil {
		return nil, err
	}
	if tx != nil {
		return tx.ExecContext(ctx, st.q, pgArgs(args)...)
	}
	f := s.fenceFor(ctx)
	if f == nil || !st.write {
		return s.db.ExecContext(ctx, st.q, pgArgs(args)...)
	}
	ftx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer ftx.Rollback() //nolint:errcheck // no-op after Commit
	if err := checkFence(ctx, ftx, f); err != nil {
		return nil, err
	}
	res, err := ftx.ExecContext(ctx, st.q, pgArgs(args)...)
	if err != nil {
		return nil, err
	}
	return res, ftx.Commit()
}

// pgQuery prepares a statement that returns rows on PostgreSQL.
func (s *Store) pgQuery(ctx context.Context, tx *sql.Tx, query string) (string, error) {
	st, err := s.pg(query)
	if err != nil {
		return "", err
	}
	if tx == nil && st.write && s.fenceFor(ctx) != nil {
		return "", errFencedQuery
	}
	return st.q, nil
}

// exec runs a statement that returns no rows, in tx when tx is not nil.
func (s *Store) exec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	if s.engine == Postgres {
		return s.pgExec(ctx, tx, query, args)
	}
	st, err := s.stmt(ctx, tx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// query runs a statement that returns rows, in tx when tx is not nil.
func (s *Store) query(ctx context.Context, tx *sql.Tx, query string, args ...any) (*sql.Rows, error) {
	if s.engine == Postgres {
		q, err := s.pgQuery(ctx, tx, query)
		if err != nil {
			return nil, err
		}
		if tx != nil {
			return tx.QueryContext(ctx, q, pgArgs(args)...)
		}
		return s.db.QueryContext(ctx, q, pgArgs(args)...)
	}
	st, err := s.stmt(ctx, tx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// queryRow runs a statement that returns at most one row. A failure to
// prepare surfaces from Scan, as it does with sql.DB.QueryRowContext.
func (s *Store) queryRow(ctx context.Context, tx *sql.Tx, query string, args ...any) interface{ Scan(...any) error } {
	if s.engine == Postgres {
		q, err := s.pgQuery(ctx, tx, query)
		if err != nil {
			return errScanner{err}
		}
		if tx != nil {
			return tx.QueryRowContext(ctx, q, pgArgs(args)...)
		}
		return s.db.QueryRowContext(ctx, q, pgArgs(args)...)
	}
	st, err := s.stmt(ctx, tx, query)
	if err != nil {
		return errScanner{err}
	}
	return st.QueryRowContext(ctx, args...)
}

type errScanner struct{ err error }

func (e errScanner) Scan(...any) error { return e.err }

// closeStmts releases the kept statements; later calls get ErrClosed.
// The statements are closed after s.mu is released: Stmt.Close waits for
// calls in flight on it, and such a call may be waiting for the connection
// held by a transaction that itself needs s.mu for its next statement.
func (s *Store) closeStmts() error {
	s.mu.Lock()
	s.closed = true
	stmts := s.stmts
	s.stmts = nil
	s.mu.Unlock()
	var errs []error
	for _, st := range stmts {
		errs = append(errs, st.Close())
	}
	return errors.Join(errs...)
}

// begin starts a transaction, or returns ErrClosed once Close was called
// (database/sql's own error then would not say which store). While a fence
// is set (PostgreSQL) the transaction starts with its check: every write
// in it is the lease holder's.
func (s *Store) begin(ctx context.Context) (*sql.Tx, error) {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	if f := s.fenceFor(ctx); f != nil {
		if err := checkFence(ctx, tx, f); err != nil {
			_ = tx.Rollback()
			return nil, err
		}
	}
	return tx, nil
}
