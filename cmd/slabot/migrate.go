package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/slabot/slabot/bot/outbox"
	"github.com/slabot/slabot/bot/store"
)

// runMigrate is `slabot migrate --from SRC --to DST`: it copies the outbox,
// its ledger and the named values (cursors, the horizon) from one database
// to another, typically a SQLite file to PostgreSQL (README "SQLite or
// PostgreSQL"), without sending anything: the new database knows every row
// the old one sent. It refuses while a slabot holds the old database's
// writer lease (stop it first), refuses a destination that holds rows, and
// marks the old database as migrated, so a slabot started on it again
// refuses to send. Passwords come from the URLs, PGPASSWORD or ~/.pgpass,
// or SLABOT_DB_PASSWORD_FILE for a URL without one; none is ever printed.
func runMigrate(args []string, stdout, stderr io.Writer) int {
	f := newVerbFlags("migrate", "--from SLABOT_DB_OF_NOW --to NEW_SLABOT_DB  (a SQLite file or a postgres:// URL each)", stdout, stderr)
	from := f.String("from", "", "the database slabot uses now: a SQLite file or a postgres:// URL")
	to := f.String("to", "", "the database to move to: a postgres:// URL (or a SQLite file), empty or new")
	if _, code, ok := f.parse(args, 0, 0); !ok {
		return code
	}
	switch {
	case *from == "" || *to == "":
		return f.usageError("give both --from and --to")
	case *from == *to:
		return f.usageError("--from and --to name the same database")
	}
	if !store.IsURL(*from) {
		if _, err := os.Stat(*from); err != nil {
			return f.usageError("--from %s: %v", *from, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	passwordFile := os.Getenv("SLABOT_DB_PASSWORD_FILE")
	open := func(dsn string) (*store.Store, error) {
		o := store.Options{}
		if store.IsURL(dsn) && !store.HasPassword(dsn) {
			o.PasswordFile = passwordFile
		}
		return store.Open(ctx, dsn, o)
	}
	src, err := open(*from)
	if err != nil {
		fmt.Fprintln(stderr, "slabot migrate:", err)
		return exitProblem
	}
	defer src.Close()
	now := time.Now()
	if where, moved, err := src.Cursor(ctx, "outbox:migrated_to"); err != nil || moved {
		fmt.Fprintln(stderr, "slabot migrate:", errors.Join(err, fmt.Errorf("%s was already migrated to %s", src.Path(), where)))
		return exitProblem
	}
	if h, held, err := outbox.LeaseHolder(ctx, src, now); err != nil || held {
		fmt.Fprintln(stderr, "slabot migrate:", errors.Join(err, fmt.Errorf("a slabot (%s) writes to %s, its lease runs to %s: stop it, then migrate",
			h.Owner, src.Path(), h.Until.Format(time.RFC3339))))
		return exitProblem
	}
	dst, err := open(*to)
	if err != nil {
		fmt.Fprintln(stderr, "slabot migrate:", err)
		return exitProblem
	}
	defer dst.Close()
	n, err := store.Copy(ctx, src, dst)
	if err != nil {
		fmt.Fprintln(stderr, "slabot migrate:", err)
		return exitProblem
	}
	if err := outbox.MarkMigrated(ctx, src, now, dst.Path()); err != nil {
		fmt.Fprintln(stderr, "slabot migrate: copied, but could not mark the old database as migrated (do not start slabot on it again):", err)
		return exitProblem
	}
	fmt.Fprintf(stdout, "copied %d outbox rows, %d ledger entries and %d named values from %s to %s\n",
		n["outbox"], n["ledger"], n["cursors"], src.Path(), dst.Path())
	fmt.Fprintf(stdout, "next: set SLABOT_DB to the new database and start slabot; %s is marked as migrated and refuses to send\n", src.Path())
	return exitOK
}
