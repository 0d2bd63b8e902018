// Package store opens slabot's one SQLite file (modernc.org/sqlite, no
// cgo, WAL mode), checks it, migrates its schema forward and keeps the
// per-product Jira cursors and other small named values. bot/outbox keeps
// its rows in the same file through the handle exported here (Exec, Query,
// Begin ...): one package decides how slabot talks to SQLite, another what
// the outbox's rows mean.
//
// Open refuses, with ErrCorrupt or ErrLocked, a database it cannot trust or
// cannot lock, rather than starting again from an empty file: an outbox
// silently reset would resend or lose escalations.
//
// The package imports nothing of slabot's.
package store
