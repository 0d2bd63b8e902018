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

// pg returns query as PostgreSQL takes it (rebind, computed once per
// statement), or ErrClosed.
func (s *Store) pg(query string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return "", ErrClosed
	}
	q, ok := s.rebound[query]
	if !ok {
		q = rebind(query)
		if s.rebound == nil {
			s.rebound = map[string]string{}
		}
		s.rebound[query] = q
	}
	return q, nil
}

// exec runs a statement that returns no rows, in tx when tx is not nil.
func (s *Store) exec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	if s.engine == Postgres {
		q, err := s.pg(query)
		if err != nil {
			return nil, err
		}
		if tx != nil {
			return tx.ExecContext(ctx, q, pgArgs(args)...)
		}
		return s.db.ExecContext(ctx, q, pgArgs(args)...)
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
		q, err := s.pg(query)
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
		q, err := s.pg(query)
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
// (database/sql's own error then would not say which store).
func (s *Store) begin(ctx context.Context) (*sql.Tx, error) {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	return s.db.BeginTx(ctx, nil)
}
