package store

import (
	"context"
	"database/sql"
	"time"
)

// OldestPending returns when the oldest escalation not yet sent (pending or
// being sent) was recorded; ok is false when the backlog is empty. It feeds
// the outbox-age metric: a growing age means Slack is not taking messages.
func (s *Store) OldestPending(ctx context.Context) (created time.Time, ok bool, err error) {
	var ms sql.NullInt64
	row := s.queryRow(ctx, nil, `SELECT MIN(created_at) FROM outbox WHERE state IN ('pending', 'sending')`)
	if err := row.Scan(&ms); err != nil {
		return time.Time{}, false, s.wrap("oldest pending", err)
	}
	if !ms.Valid {
		return time.Time{}, false, nil
	}
	return fromMS(ms.Int64), true, nil
}
