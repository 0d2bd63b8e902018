package outbox

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"

	"github.com/slabot/slabot/bot/store"
)

// The writer lease makes one process the writer of a database: only the
// holder runs cycles (Jira writes, comments) and sends rows. It is a row
// in the leases table with an expiry the holder pushes forward (Renew) at
// a third of its time to live. A second process finds it held and waits
// as a standby, trying again, and takes over once the first stops
// renewing (it released the lease on shutdown, or died and the lease ran
// out). The holder checks, before every send attempt, that the lease it
// last renewed has not run out (with a margin for clocks): a process that
// cannot renew (its database is locked, its host paused) stops sending
// before another can take over.
//
// The row carries a fencing token that grows by one at each takeover and
// stays at a renewal (Release expires the row rather than deleting it, so
// the token never goes back). On PostgreSQL, where the processes run on
// several machines, the holder hands its token to the store, which
// refuses every write of a holder another took over from (store.SetFence,
// ErrFenced), and checks it in the database before every send
// (confirm): a writer paused or partitioned past its lease can neither
// write nor post once another holds the lease.

// writerLeaseName is the lease row of the single writer.
const writerLeaseName = "writer"

type writerLease struct {
	db    *store.Store
	owner string
	ttl   time.Duration // 0: no lease, every process may write

	mu    sync.Mutex
	until time.Time // held until (our renewal), zero when not held
	token int64     // the fencing token of our holding, 0 when never held
}

// holds reports whether this process may write at now.
func (l *writerLease) holds(now time.Time) bool {
	if l.ttl == 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	// A tenth of the time to live is left for clock differences between
	// processes and the time a send takes.
	return now.Before(l.until.Add(-l.ttl / 10))
}

// Holder describes who holds the writer lease.
type Holder struct {
	Owner string
	Until time.Time
	// Token is the lease's fencing token: it grew by one at each
	// takeover, so a later holder has a larger one.
	Token int64
}

// Acquire takes or renews the writer lease at now. held reports whether
// this process holds it now; when not, holder says who does and until
// when. Without a lease (Options.WriterLease zero) it always holds.
func (o *Outbox) Acquire(ctx context.Context, now time.Time) (held bool, holder Holder, err error) {
	l := &o.lease
	if l.ttl == 0 {
		return true, Holder{Owner: l.owner}, nil
	}
	until := now.Add(l.ttl)
	ctx = store.WithoutFence(ctx) // taking the lease is how a process gets its token
	_, err = l.db.Exec(ctx, nil, `INSERT INTO leases (name, owner, until, acquired_at, token) VALUES (?1, ?2, ?3, ?4, 1)
		ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, until = excluded.until,
			acquired_at = CASE WHEN leases.owner = excluded.owner THEN leases.acquired_at ELSE excluded.acquired_at END,
			token = CASE WHEN leases.owner = excluded.owner THEN leases.token ELSE leases.token + 1 END
		WHERE leases.owner = excluded.owner OR leases.until <= ?4`,
		writerLeaseName, l.owner, ms(until), ms(now))
	if err != nil {
		return false, Holder{}, l.db.Wrap("writer lease", err)
	}
	var owner string
	var u, token int64
	if err := l.db.QueryRow(ctx, nil, `SELECT owner, until, token FROM leases WHERE name = ?`, writerLeaseName).Scan(&owner, &u, &token); err != nil {
		return false, Holder{}, l.db.Wrap("writer lease", err)
	}
	held = owner == l.owner
	l.mu.Lock()
	took := held && l.until.IsZero()
	if held {
		l.until, l.token = until, token
		// Every write from now on must come from this holding. A lease
		// lost keeps the fence: an old holder's writes are refused.
		l.db.SetFence(writerLeaseName, token)
	} else {
		l.until = time.Time{}
	}
	l.mu.Unlock()
	o.m.Writer.Set(map[bool]float64{true: 1, false: 0}[held])
	if held {
		// The writer beats at every renewal; taking the file over first
		// checks that it was current until now (continuity.go).
		if took {
			err = o.takeOver(ctx, now)
		} else {
			err = o.heartbeat(ctx, now, false)
		}
	}
	return held, Holder{Owner: owner, Until: store.FromMS(u), Token: token}, err
}

// Release gives the writer lease up (on shutdown), so a standby takes
// over at its next try instead of after the time to live.
func (o *Outbox) Release(ctx context.Context) error {
	l := &o.lease
	if l.ttl == 0 {
		return nil
	}
	l.mu.Lock()
	wasHeld := !l.until.IsZero()
	l.until = time.Time{}
	l.mu.Unlock()
	o.m.Writer.Set(0)
	var beatErr error
	if wasHeld { // current until now: a standby taking over at once is no gap
		beatErr = o.heartbeat(ctx, o.opt.Clock.Now(), true)
	}
	// Expired, not deleted: the next holder's token is one more than ours.
	_, err := l.db.Exec(store.WithoutFence(ctx), nil, `UPDATE leases SET until = 0 WHERE name = ? AND owner = ?`, writerLeaseName, l.owner)
	l.db.ClearFence()
	return errors.Join(beatErr, l.db.Wrap("writer lease", err))
}

// confirm reports whether this process still holds the writer lease in
// the database at now: the row names it, with its token, and has not run
// out (less the margin holds keeps). The dispatcher asks before every post
// on PostgreSQL, where another machine may have taken over while this one
// was paused or partitioned (its local view, holds, cannot tell). On
// SQLite, and without a lease, holds alone decides, as it always has.
func (l *writerLease) confirm(ctx context.Context, now time.Time) bool {
	if l.ttl == 0 || l.db.Engine() != store.Postgres {
		return l.holds(now)
	}
	if !l.holds(now) {
		return false
	}
	l.mu.Lock()
	token := l.token
	l.mu.Unlock()
	var ok bool
	err := l.db.QueryRow(store.WithoutFence(ctx), nil, `SELECT EXISTS (SELECT 1 FROM leases WHERE name = ? AND owner = ? AND token = ? AND until > ?)`,
		writerLeaseName, l.owner, token, ms(now.Add(l.ttl/10))).Scan(&ok)
	return err == nil && ok
}

// Token is the fencing token of this process's holding of the writer
// lease (0 when it never held it).
func (o *Outbox) Token() int64 {
	o.lease.mu.Lock()
	defer o.lease.mu.Unlock()
	return o.lease.token
}

// Holds reports whether this process holds the writer lease at now.
func (o *Outbox) Holds(now time.Time) bool { return o.lease.holds(now) }

// LeaseTTL is the writer lease's time to live (zero: no lease).
func (o *Outbox) LeaseTTL() time.Duration { return o.lease.ttl }

// LeaseHolder reads who holds db's writer lease at now, without taking
// it: held is false when nobody does (no row, or its time ran out).
// `slabot migrate` refuses to copy a database a slabot still writes to.
func LeaseHolder(ctx context.Context, db *store.Store, now time.Time) (h Holder, held bool, err error) {
	var u int64
	err = db.QueryRow(ctx, nil, `SELECT owner, until FROM leases WHERE name = ?`, writerLeaseName).Scan(&h.Owner, &u)
	if errors.Is(err, sql.ErrNoRows) {
		return Holder{}, false, nil
	}
	if err != nil {
		return Holder{}, false, db.Wrap("writer lease", err)
	}
	h.Until = store.FromMS(u)
	return h, now.Before(h.Until), nil
}
