package store

import (
	"context"
	"fmt"
)

// migration is one forward-only schema step. Steps are never edited once
// released: a new column or index is a new step, so every file can be
// brought up to date from whatever version it is at.
type migration struct {
	version int
	name    string
	sql     string
}

var migrations = []migration{
	{1, "outbox and cursors", `
CREATE TABLE outbox (
	id               INTEGER PRIMARY KEY,
	key              TEXT    NOT NULL UNIQUE,
	issue            TEXT    NOT NULL,
	goal             TEXT    NOT NULL,
	cycle            INTEGER NOT NULL,
	level            INTEGER NOT NULL,
	payload          BLOB    NOT NULL,
	state            TEXT    NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'cancelled')),
	attempts         INTEGER NOT NULL DEFAULT 0,
	uncertain        INTEGER NOT NULL DEFAULT 0,
	blocked          INTEGER NOT NULL DEFAULT 0,
	owner            TEXT    NOT NULL DEFAULT '',
	lease_until      INTEGER NOT NULL DEFAULT 0,
	channel          TEXT    NOT NULL DEFAULT '',
	ts               TEXT    NOT NULL DEFAULT '',
	thread_ts        TEXT    NOT NULL DEFAULT '',
	last_error       TEXT    NOT NULL DEFAULT '',
	created_at       INTEGER NOT NULL,
	updated_at       INTEGER NOT NULL,
	first_attempt_at INTEGER NOT NULL DEFAULT 0,
	next_attempt_at  INTEGER NOT NULL,
	sent_at          INTEGER NOT NULL DEFAULT 0,
	met_at           INTEGER NOT NULL DEFAULT 0,
	update_gen       INTEGER NOT NULL DEFAULT 0,
	shown_gen        INTEGER NOT NULL DEFAULT 0,
	update_next_at   INTEGER NOT NULL DEFAULT 0,
	UNIQUE (issue, goal, cycle, level)
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX outbox_updates ON outbox (state, update_next_at) WHERE update_gen > shown_gen;
CREATE TABLE cursors (
	name       TEXT PRIMARY KEY,
	value      TEXT    NOT NULL,
	updated_at INTEGER NOT NULL
);
`},
	// Version 2 gives a step an identity that survives policy edits (what
	// the step is: its trigger and rung, not its position on the ladder),
	// a kind (escalation or report) instead of keys such as "report:PROJ",
	// the instant the step fell due (ladder order and look-ups before a
	// first post), and the single-writer lease. The table is rebuilt
	// because (issue, goal, cycle, level) is no longer unique. Rows of
	// version 1 keep their key (it is in their Slack message's metadata)
	// and get the step "L<level>", which the outbox adopts on the first
	// enqueue of the same level.
	{2, "step identity, kinds, writer lease", `
CREATE TABLE outbox2 (
	id               INTEGER PRIMARY KEY,
	key              TEXT    NOT NULL UNIQUE,
	kind             TEXT    NOT NULL CHECK (kind IN ('escalation', 'report')),
	issue            TEXT    NOT NULL,
	goal             TEXT    NOT NULL,
	cycle            INTEGER NOT NULL,
	step             TEXT    NOT NULL,
	level            INTEGER NOT NULL,
	payload          BLOB    NOT NULL,
	state            TEXT    NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'cancelled')),
	attempts         INTEGER NOT NULL DEFAULT 0,
	uncertain        INTEGER NOT NULL DEFAULT 0,
	blocked          INTEGER NOT NULL DEFAULT 0,
	owner            TEXT    NOT NULL DEFAULT '',
	lease_until      INTEGER NOT NULL DEFAULT 0,
	channel          TEXT    NOT NULL DEFAULT '',
	ts               TEXT    NOT NULL DEFAULT '',
	thread_ts        TEXT    NOT NULL DEFAULT '',
	last_error       TEXT    NOT NULL DEFAULT '',
	created_at       INTEGER NOT NULL,
	updated_at       INTEGER NOT NULL,
	due_at           INTEGER NOT NULL DEFAULT 0,
	first_attempt_at INTEGER NOT NULL DEFAULT 0,
	next_attempt_at  INTEGER NOT NULL,
	sent_at          INTEGER NOT NULL DEFAULT 0,
	met_at           INTEGER NOT NULL DEFAULT 0,
	update_gen       INTEGER NOT NULL DEFAULT 0,
	shown_gen        INTEGER NOT NULL DEFAULT 0,
	update_next_at   INTEGER NOT NULL DEFAULT 0,
	UNIQUE (kind, issue, goal, cycle, step)
);
INSERT INTO outbox2 (id, key, kind, issue, goal, cycle, step, level, payload, state, attempts, uncertain, blocked,
	owner, lease_until, channel, ts, thread_ts, last_error, created_at, updated_at, due_at, first_attempt_at,
	next_attempt_at, sent_at, met_at, update_gen, shown_gen, update_next_at)
SELECT id, key,
	CASE WHEN issue LIKE 'report:%' THEN 'report' ELSE 'escalation' END,
	CASE WHEN issue LIKE 'report:%' THEN substr(issue, 8) ELSE issue END,
	goal, cycle,
	CASE WHEN issue LIKE 'report:%' THEN 'report' ELSE 'L' || level END,
	level, payload, state, attempts, uncertain, blocked, owner, lease_until, channel, ts, thread_ts, last_error,
	created_at, updated_at, created_at, first_attempt_at, next_attempt_at, sent_at, met_at, update_gen, shown_gen,
	update_next_at
FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox2 RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX outbox_updates ON outbox (state, update_next_at) WHERE update_gen > shown_gen;
CREATE INDEX outbox_thread ON outbox (issue, goal, cycle);
CREATE INDEX outbox_prune ON outbox (state, updated_at);
CREATE TABLE leases (
	name        TEXT PRIMARY KEY,
	owner       TEXT    NOT NULL,
	until       INTEGER NOT NULL,
	acquired_at INTEGER NOT NULL
);
`},
	// Version 3 admits the rows of the Slack cockpit: clicks on ladder
	// messages (action), per-period digests (digest) and pages (page).
	// SQLite cannot alter a CHECK constraint, so the table is rebuilt with
	// every row and index as it was.
	{3, "action, digest and page rows", `
CREATE TABLE outbox3 (
	id               INTEGER PRIMARY KEY,
	key              TEXT    NOT NULL UNIQUE,
	kind             TEXT    NOT NULL CHECK (kind IN ('escalation', 'report', 'action', 'digest', 'page')),
	issue            TEXT    NOT NULL,
	goal             TEXT    NOT NULL,
	cycle            INTEGER NOT NULL,
	step             TEXT    NOT NULL,
	level            INTEGER NOT NULL,
	payload          BLOB    NOT NULL,
	state            TEXT    NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'cancelled')),
	attempts         INTEGER NOT NULL DEFAULT 0,
	uncertain        INTEGER NOT NULL DEFAULT 0,
	blocked          INTEGER NOT NULL DEFAULT 0,
	owner            TEXT    NOT NULL DEFAULT '',
	lease_until      INTEGER NOT NULL DEFAULT 0,
	channel          TEXT    NOT NULL DEFAULT '',
	ts               TEXT    NOT NULL DEFAULT '',
	thread_ts        TEXT    NOT NULL DEFAULT '',
	last_error       TEXT    NOT NULL DEFAULT '',
	created_at       INTEGER NOT NULL,
	updated_at       INTEGER NOT NULL,
	due_at           INTEGER NOT NULL DEFAULT 0,
	first_attempt_at INTEGER NOT NULL DEFAULT 0,
	next_attempt_at  INTEGER NOT NULL,
	sent_at          INTEGER NOT NULL DEFAULT 0,
	met_at           INTEGER NOT NULL DEFAULT 0,
	update_gen       INTEGER NOT NULL DEFAULT 0,
	shown_gen        INTEGER NOT NULL DEFAULT 0,
	update_next_at   INTEGER NOT NULL DEFAULT 0,
	UNIQUE (kind, issue, goal, cycle, step)
);
INSERT INTO outbox3 (id, key, kind, issue, goal, cycle, step, level, payload, state, attempts, uncertain, blocked,
	owner, lease_until, channel, ts, thread_ts, last_error, created_at, updated_at, due_at, first_attempt_at,
	next_attempt_at, sent_at, met_at, update_gen, shown_gen, update_next_at)
SELECT id, key, kind, issue, goal, cycle, step, level, payload, state, attempts, uncertain, blocked,
	owner, lease_until, channel, ts, thread_ts, last_error, created_at, updated_at, due_at, first_attempt_at,
	next_attempt_at, sent_at, met_at, update_gen, shown_gen, update_next_at
FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox3 RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX outbox_updates ON outbox (state, update_next_at) WHERE update_gen > shown_gen;
CREATE INDEX outbox_thread ON outbox (issue, goal, cycle);
CREATE INDEX outbox_prune ON outbox (state, updated_at);
`},
	// Version 4 records how a goal's cycle stopped, beside met_at (when
	// the outbox learned of it, which the delivery rules go by): the
	// instant the clock stopped, whether that met or breached the target
	// and by how much business time it was over, so a thread's parent says "breached" for a goal answered
	// late and shows the answer's time. Rows of earlier versions have
	// neither (0 and ''): their stop reads as it always did, "met" at
	// met_at.
	{4, "stop instant and outcome", `
ALTER TABLE outbox ADD COLUMN stopped_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN stop_outcome TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN stop_over_ms INTEGER NOT NULL DEFAULT 0;
`},
	// Version 5 adds the ledger: per issue and goal cycle, the append-only
	// history of its notices (recorded, held, snoozed, skipped, sent,
	// blocked, cancelled) and the clicks on them, which bot/outbox writes
	// and explain reads. once, when set, makes an entry that the worker
	// would otherwise append at every cycle (a snooze, a held step) appear
	// once; NULLs are distinct, so other entries append freely.
	{5, "ledger", `
CREATE TABLE ledger (
	id           INTEGER PRIMARY KEY,
	issue        TEXT    NOT NULL,
	goal         TEXT    NOT NULL,
	cycle        INTEGER NOT NULL,
	step         TEXT    NOT NULL,
	level        INTEGER NOT NULL DEFAULT 0,
	event        TEXT    NOT NULL,
	at           INTEGER NOT NULL,
	due_at       INTEGER NOT NULL DEFAULT 0,
	rule         TEXT    NOT NULL DEFAULT '',
	reason       TEXT    NOT NULL DEFAULT '',
	by_user      TEXT    NOT NULL DEFAULT '',
	by_name      TEXT    NOT NULL DEFAULT '',
	by_at        INTEGER NOT NULL DEFAULT 0,
	until_at     INTEGER NOT NULL DEFAULT 0,
	click        TEXT    NOT NULL DEFAULT '',
	channel      TEXT    NOT NULL DEFAULT '',
	channel_name TEXT    NOT NULL DEFAULT '',
	dm_user      TEXT    NOT NULL DEFAULT '',
	dm_name      TEXT    NOT NULL DEFAULT '',
	fallback     INTEGER NOT NULL DEFAULT 0,
	ts           TEXT    NOT NULL DEFAULT '',
	thread_ts    TEXT    NOT NULL DEFAULT '',
	page         INTEGER NOT NULL DEFAULT 0,
	once         TEXT    UNIQUE
);
CREATE INDEX ledger_thread ON ledger (issue, goal, cycle, id);
`},
	// Version 6 keys report rows by product, not by Jira project: two
	// products on one project each get their report. A row the previous
	// release wrote (issue = the project) takes the product its payload
	// names, so the same report is not posted again after the upgrade. Its
	// key stays as it was (a report is looked up in Slack by its file
	// name, not by its key). A row whose payload names no product keeps
	// its project; no release since reports had a kind wrote one. OR
	// IGNORE: should two rows of one period name the same product (its
	// first project changed in between), one takes the product and the
	// other keeps its project; either keeps the period from a re-post.
	{6, "report rows keyed by product", `
UPDATE OR IGNORE outbox SET issue = json_extract(CAST(payload AS TEXT), '$.report.product')
WHERE kind = 'report' AND json_valid(CAST(payload AS TEXT))
  AND json_type(CAST(payload AS TEXT), '$.report.product') = 'text'
  AND json_extract(CAST(payload AS TEXT), '$.report.product') != '';
`},
	// Version 7 gives each row its destination (dest: the channel as the
	// policy names it, or the person an agent step goes to), so a pass
	// claims a few rows of every destination with due rows instead of the
	// first hundred, which may all be one channel's (at a message a second
	// per channel, every other channel would wait for it). Rows written
	// before have '' and share one destination: they still go out, a few
	// per pass.
	{7, "row destination", `
ALTER TABLE outbox ADD COLUMN dest TEXT NOT NULL DEFAULT '';
`},
	// Version 8 gives the writer lease a fencing token: a number that
	// grows by one at each takeover (a renewal keeps it), so a write can
	// say which holder it comes from and the store refuse one from a
	// holder another took over from (store.SetFence). Rows of earlier
	// versions start at 0; the next takeover makes it 1.
	{8, "writer lease fencing token", `
ALTER TABLE leases ADD COLUMN token INTEGER NOT NULL DEFAULT 0;
`},
}

// SchemaVersion is the schema version this build writes.
func SchemaVersion() int { return migrations[len(migrations)-1].version }

// steps are the migrations of the store's engine: pgMigrations pairs each
// SQLite step with a PostgreSQL one of the same version and meaning.
func (s *Store) steps() []migration {
	if s.engine == Postgres {
		return pgMigrations
	}
	return migrations
}

// migrate applies the missing steps, each in its own transaction together
// with its schema_migrations row, so a crash mid-way leaves a database at
// a well-defined version.
func (s *Store) migrate(ctx context.Context) error {
	if err := s.createMigrationsTable(ctx); err != nil {
		return s.wrap("migrate", err)
	}
	current, err := s.Version(ctx)
	if err != nil {
		return err
	}
	if current > SchemaVersion() {
		return &Error{Op: "migrate", Path: s.path, Kind: ErrSchemaTooNew, engine: s.engine, secret: s.secret,
			Err: fmt.Errorf("database is at schema version %d, this build knows up to %d", current, SchemaVersion())}
	}
	for _, m := range s.steps() {
		if m.version <= current {
			continue
		}
		if err := s.apply(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// pgMigrationLock is the statement that serialises migrations of one
// PostgreSQL schema across processes (a transaction-level advisory lock
// keyed by the schema's name): two replicas starting at once must not
// both create the tables. SQLite's write lock does this for a file.
const pgMigrationLock = `SELECT pg_advisory_xact_lock(hashtext('slabot migrate ' || current_schema()))`

func (s *Store) createMigrationsTable(ctx context.Context) error {
	if s.engine != Postgres {
		_, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
	)`)
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	if _, err := tx.ExecContext(ctx, pgMigrationLock); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    BIGINT PRIMARY KEY,
		name       TEXT   NOT NULL,
		applied_at TEXT   NOT NULL DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
	)`); err != nil {
		return err
	}
	return tx.Commit()
}

func (s *Store) apply(ctx context.Context, m migration) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.wrap("migrate", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	if s.engine == Postgres {
		if _, err := tx.ExecContext(ctx, pgMigrationLock); err != nil {
			return s.wrap("migrate", err)
		}
	}
	// Re-check inside the write lock: another process may have migrated
	// the database between our read and now.
	var have int
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&have); err != nil {
		return s.wrap("migrate", err)
	}
	if have >= m.version {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return s.wrap(fmt.Sprintf("migrate to v%d (%s)", m.version, m.name), err)
	}
	if _, err := s.exec(ctx, tx, "INSERT INTO schema_migrations (version, name) VALUES (?, ?)", m.version, m.name); err != nil {
		return s.wrap("migrate", err)
	}
	return s.wrap("migrate", tx.Commit())
}

// Version is the schema version the database is at.
func (s *Store) Version(ctx context.Context) (int, error) {
	var v int
	err := s.db.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v)
	return v, s.wrap("schema version", err)
}
