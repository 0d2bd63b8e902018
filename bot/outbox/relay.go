package outbox

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The events a standby relays to the writer (bot's TouchRelay): one named
// value per issue, "touch:KEY", so a burst about one issue is one row, and
// taking them is one statement that deletes what it returns.

// touchPrefix names a relayed touch.
const touchPrefix = "touch:"

// RelayTouch records that the issue changed, for the writer to re-read.
func (o *Outbox) RelayTouch(ctx context.Context, now time.Time, key string) error {
	return o.rows.db.SetCursor(ctx, now, touchPrefix+key, strconv.FormatInt(now.UnixMilli(), 10))
}

// TakeTouches returns the relayed issues, in key order, and forgets them.
func (o *Outbox) TakeTouches(ctx context.Context) ([]string, error) {
	rs, err := o.rows.db.Query(ctx, nil, `DELETE FROM cursors WHERE name >= ? AND name < ? RETURNING name`, touchPrefix, "touch;")
	if err != nil {
		return nil, o.rows.db.Wrap("take touches", err)
	}
	defer rs.Close()
	var keys []string
	for rs.Next() {
		var name string
		if err := rs.Scan(&name); err != nil {
			return nil, o.rows.db.Wrap("take touches", err)
		}
		keys = append(keys, strings.TrimPrefix(name, touchPrefix))
	}
	if err := rs.Err(); err != nil {
		return nil, o.rows.db.Wrap("take touches", err)
	}
	slices.Sort(keys)
	return keys, nil
}
