package slack

import (
	"context"
	"time"
)

// The outbox types below are aliases of unnamed struct types, identical
// field for field to bot/store's Intent, Row and Failure. Go treats such
// types as the same type, so *store.Store satisfies Store without this
// package importing bot/store (the layout forbids it) and without an
// adapter. A compile-time assertion in the tests keeps them in step.

// OutboxIntent is an escalation step to store (see bot/store.Intent).
type OutboxIntent = struct {
	Issue     string
	Goal      string
	Cycle     int
	Level     int
	Payload   []byte
	NotBefore time.Time
}

// OutboxRow is a stored step (see bot/store.Row).
type OutboxRow = struct {
	ID        int64
	Key       string
	Issue     string
	Goal      string
	Cycle     int
	Level     int
	Payload   []byte
	State     string
	Attempts  int
	Uncertain bool
	Blocked   bool
	Owner     string
	Channel   string
	TS        string
	ThreadTS  string
	LastError string

	CreatedAt      time.Time
	FirstAttemptAt time.Time
	NextAttemptAt  time.Time
	LeaseUntil     time.Time
	SentAt         time.Time
	MetAt          time.Time

	UpdateGen int64
	ShownGen  int64
}

// OutboxFailure describes an attempt that did not end in a recorded send
// (see bot/store.Failure).
type OutboxFailure = struct {
	Next      time.Time
	Error     string
	Uncertain bool
	Blocked   bool
	Channel   string
	ThreadTS  string
}

// stateSent is bot/store's state of a delivered row.
const stateSent = "sent"

// Store is what the Dispatcher needs from the durable outbox. bot/store's
// *Store implements it; its doc comments give the exact semantics.
type Store interface {
	Enqueue(ctx context.Context, now time.Time, in OutboxIntent) (inserted bool, err error)
	ClaimDue(ctx context.Context, now time.Time, owner string, lease time.Duration, limit int) ([]OutboxRow, error)
	MarkSent(ctx context.Context, now time.Time, id int64, channel, ts, threadTS string) error
	MarkFailed(ctx context.Context, now time.Time, id int64, owner string, f OutboxFailure) error
	MarkCancelled(ctx context.Context, now time.Time, id int64, owner, reason string) error
	MarkGoalMet(ctx context.Context, now time.Time, issue, goal string, cycle int) (cancelled int, err error)
	Thread(ctx context.Context, issue, goal string, cycle int) ([]OutboxRow, error)
	DueUpdates(ctx context.Context, now time.Time, limit int) ([]OutboxRow, error)
	MarkUpdated(ctx context.Context, now time.Time, id int64, gen int64) error
	DeferUpdate(ctx context.Context, now time.Time, id int64, next time.Time, reason string) error
}
