// Package store is slabot's durable state: the escalation outbox and the
// per-product Jira cursors, kept in one SQLite file (modernc.org/sqlite, no
// cgo) in WAL mode.
//
// The outbox exists because Slack has no idempotency key. An escalation step
// is written here as an intent, unique per (issue, goal, cycle, level),
// before anything is sent; a dispatcher claims due rows under a lease, posts
// them and records the channel and ts it got back. A row is never deleted
// before it is sent or superseded (the goal was met first: it is cancelled,
// not sent). A dispatcher that dies between claiming and recording leaves
// the row claimed; once the lease expires the row is claimed again and
// flagged Uncertain, telling the sender to look for the message in Slack
// before posting it a second time.
//
// The package imports nothing of slabot's. Its row types are type aliases
// of plain struct types so that a consumer (connectors/slack) can declare
// an interface with the very same types without importing this package.
//
// Open refuses, with ErrCorrupt or ErrLocked, a database it cannot trust or
// cannot lock, rather than starting again from an empty file: an outbox
// silently reset would resend or lose escalations.
package store
