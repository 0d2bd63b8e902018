package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Moving a database to another engine (`slabot migrate`): the tables that
// carry slabot's state, row for row, into an empty database of the same
// schema version. The outbox keeps its ids (a thread's order and its
// parent message are read by id), the ledger its order, and the named
// values (cursors, the outbox's horizon and the instant it was last known
// current) come along, so the copy sends nothing the original sent: an
// outbox opened on it knows every row, and treats what was due while
// neither was current as uncertain (bot/outbox continuity.go). The writer
// lease is not copied: it belongs to the processes of the old database.

// copiedTables are the tables moved, in order, with the identity column
// PostgreSQL must be told about after ids were given explicitly.
var copiedTables = []struct{ name, identity string }{
	{"outbox", "id"},
	{"ledger", "id"},
	{"cursors", ""},
}

// CopyResult counts the rows moved, by table.
type CopyResult map[string]int

// Copy moves every row of the state tables of src into dst in one
// transaction of dst: all or nothing. Both must be at the same schema
// version (Open migrates both to this release's), and dst must hold none
// of those rows. src is only read.
func Copy(ctx context.Context, src, dst *Store) (CopyResult, error) {
	sv, err := src.Version(ctx)
	if err != nil {
		return nil, err
	}
	dv, err := dst.Version(ctx)
	if err != nil {
		return nil, err
	}
	if sv != dv {
		return nil, dst.Fail("copy", nil, fmt.Errorf("schema versions differ: %s is at %d, %s at %d", src.path, sv, dst.path, dv))
	}
	for _, t := range copiedTables {
		var n int
		if err := dst.queryRow(ctx, nil, "SELECT COUNT(*) FROM "+t.name).Scan(&n); err != nil {
			return nil, dst.wrap("copy", err)
		}
		if n > 0 {
			return nil, dst.Fail("copy", nil, fmt.Errorf("%s already holds %d %s rows: slabot migrate copies into an empty database only", dst.path, n, t.name))
		}
	}
	tx, err := dst.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, dst.wrap("copy", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	res := CopyResult{}
	for _, t := range copiedTables {
		n, err := copyTable(ctx, src, dst, tx, t.name)
		if err != nil {
			return nil, err
		}
		res[t.name] = n
		if t.identity != "" && dst.engine == Postgres && n > 0 {
			// The next id PostgreSQL gives must follow the copied ones.
			q := fmt.Sprintf("SELECT setval(pg_get_serial_sequence('%s', '%s'), (SELECT MAX(%s) FROM %s))", t.name, t.identity, t.identity, t.name)
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return nil, dst.wrap("copy", err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, dst.wrap("copy", err)
	}
	return res, nil
}

// copyTable inserts every row of table from src into dst within tx, the
// columns as src names them (both schemas have the same).
func copyTable(ctx context.Context, src, dst *Store, tx *sql.Tx, table string) (int, error) {
	rows, err := src.db.QueryContext(ctx, "SELECT * FROM "+table)
	if err != nil {
		return 0, src.wrap("copy "+table, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, src.wrap("copy "+table, err)
	}
	ph := make([]string, len(cols))
	for i := range cols {
		ph[i] = "?"
	}
	insert := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES (" + strings.Join(ph, ", ") + ")"
	if dst.engine == Postgres {
		insert = rebind(insert)
	}
	stmt, err := tx.PrepareContext(ctx, insert)
	if err != nil {
		return 0, dst.wrap("copy "+table, err)
	}
	defer stmt.Close()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, src.wrap("copy "+table, err)
		}
		args := vals
		if dst.engine == Postgres {
			args = pgArgs(vals)
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return n, dst.wrap("copy "+table, fmt.Errorf("row %d: %w", n+1, err))
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, src.wrap("copy "+table, err)
	}
	return n, nil
}
