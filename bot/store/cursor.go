package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Cursor returns the stored value of a named cursor (the bot uses one per
// product: the last Jira "updated" time it has fully processed). ok is
// false when it was never set, which means "start with a full sync".
func (s *Store) Cursor(ctx context.Context, name string) (value string, ok bool, err error) {
	err = s.queryRow(ctx, nil, "SELECT value FROM cursors WHERE name = ?", name).Scan(&value)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, s.wrap("read cursor", err)
	}
	return value, true, nil
}

// SetCursor stores a cursor value durably. Call it only after the work up
// to that point is itself durable (issues written back, intents enqueued),
// so a crash replays rather than skips.
func (s *Store) SetCursor(ctx context.Context, now time.Time, name, value string) error {
	_, err := s.exec(ctx, nil, `INSERT INTO cursors (name, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		name, value, ms(now))
	return s.wrap("write cursor", err)
}
