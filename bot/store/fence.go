package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// Fencing. A process that holds the writer lease (bot/outbox) may still be
// acting after another took it over: paused, or partitioned from the
// database past the lease's time to live. On PostgreSQL, where replicas on
// several machines share one database, the store refuses its writes then:
// the lease row carries a token that grows at each takeover, the holder
// sets the token it was given (SetFence), and every write checks, in its
// transaction, that the row still carries it. The check locks the row
// (FOR SHARE), so a takeover, which updates the row, waits for writes in
// flight and every write after it fails: no write of the old holder lands
// after the new one took over. SQLite has one writer at a time on one
// host, and the lease's local expiry check is kept as it is there.

// ErrFenced: the write came from a process whose writer lease another
// process took over since (its fencing token is not the lease's).
var ErrFenced = errors.New("store: fenced: another process took the writer lease over")

type fence struct {
	lease string
	token int64
}

// SetFence makes every later write on PostgreSQL check that the lease row
// named lease (in the leases table) still carries token. A no-op on SQLite.
func (s *Store) SetFence(lease string, token int64) {
	if s.engine != Postgres {
		return
	}
	s.mu.Lock()
	s.fence = &fence{lease: lease, token: token}
	s.mu.Unlock()
}

// ClearFence ends the checks (the lease was given up on shutdown).
func (s *Store) ClearFence() {
	s.mu.Lock()
	s.fence = nil
	s.mu.Unlock()
}

type unfencedKey struct{}

// WithoutFence marks ctx's statements as exempt from the fence: the
// lease's own statements, which are how a process takes a new token.
func WithoutFence(ctx context.Context) context.Context {
	return context.WithValue(ctx, unfencedKey{}, true)
}

// fenceFor returns the fence ctx's statements must pass, or nil.
func (s *Store) fenceFor(ctx context.Context) *fence {
	if s.engine != Postgres || ctx.Value(unfencedKey{}) != nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fence
}

// checkFence verifies, inside tx, that f's lease row carries f's token,
// and locks the row until tx ends.
func checkFence(ctx context.Context, tx *sql.Tx, f *fence) error {
	var token int64
	err := tx.QueryRowContext(ctx, `SELECT token FROM leases WHERE name = $1 FOR SHARE`, f.lease).Scan(&token)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: lease %q is gone", ErrFenced, f.lease)
	}
	if err != nil {
		return err
	}
	if token != f.token {
		return fmt.Errorf("%w: lease %q is at token %d, this process holds %d", ErrFenced, f.lease, token, f.token)
	}
	return nil
}

// isWrite reports whether a statement may change rows: anything but a
// SELECT (a WITH is a write when one of its parts is).
func isWrite(q string) bool {
	f := strings.Fields(strings.ToUpper(stripLiterals(q)))
	if len(f) == 0 {
		return false
	}
	switch f[0] {
	case "SELECT":
		return false
	case "WITH":
		for _, w := range f {
			switch strings.TrimLeft(w, "(") {
			case "INSERT", "UPDATE", "DELETE":
				return true
			}
		}
		return false
	}
	return true
}

// stripLiterals blanks string literals and quoted identifiers, so keywords
// inside them are not read as the statement's.
func stripLiterals(q string) string {
	b := []byte(q)
	for i := 0; i < len(b); i++ {
		if c := b[i]; c == '\'' || c == '"' {
			for i++; i < len(b) && b[i] != c; i++ {
				b[i] = ' '
			}
		}
	}
	return string(b)
}
