package outbox

import "sync"

// recorded is what this process knows of the rows in the outbox table:
// the keys it inserted, or whose insert met the row already there (ON
// CONFLICT), and of those the ones it has seen claimed for sending. The
// worker hands every due step over again at every cycle; the insert that
// finds its row, and the update that would bring a row ahead of its
// instant up to date, are most of what a quiet cycle costs the store. A
// key in the set skips the insert; a claimed one skips the update too.
//
// The set is only a shortcut: the table stays the truth. A key is added
// only after the table answered for it, and each fact kept only ever
// becomes true, never false, while the row exists: a row is in the table
// until Prune deletes it (Prune forgets the keys it deletes; withdrawing or
// cancelling a row keeps it), and a claimed row has attempts > 0 for good,
// which no update of a step ahead (reschedule) accepts. Everything else a
// hand-over does to an existing row still runs: taking a withdrawn row up
// again, moving a row ahead, re-pointing a pending one at a new assignee.
// A thread recorded as stopped stays so while one of its rows exists: its
// rows keep met_at, and Prune forgets the thread with its rows.
//
// Two processes on one file: what this one learnt stays true while the
// row exists; a row another process claimed is still updated from here
// (the update finds it claimed and changes nothing); a row another process
// pruned (a finished thread past the retention) is not inserted again from
// here, which is what the insert of a step already recorded is for.
type recorded struct {
	mu sync.Mutex
	// rows maps recordedKey to whether the row was seen claimed.
	rows map[string]bool
	// stopped holds the threads (ThreadKey) whose goal the table records as
	// stopped: a row of the thread has met_at set. Every later row of the
	// thread is inserted with it (enqueue copies it), so GoalStopped, which
	// only marks rows without it, has nothing left to do for the thread.
	stopped map[string]bool
}

func newRecorded() *recorded { return &recorded{rows: map[string]bool{}, stopped: map[string]bool{}} }

// recordedKey names a row in the set: its kind and its key.
func recordedKey(kind Kind, key string) string { return string(kind) + "\x00" + key }

// has reports whether the row is known to be in the table.
func (r *recorded) has(k string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.rows[k]
	return ok
}

// claimed reports whether the row is known to have been claimed.
func (r *recorded) claimed(k string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rows[k]
}

// add notes that the row is in the table.
func (r *recorded) add(k string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.rows[k]; !ok {
		r.rows[k] = false
	}
}

// claim notes that the row was claimed (and so is in the table).
func (r *recorded) claim(k string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rows[k] = true
}

// forget drops a row deleted from the table.
func (r *recorded) forget(k string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.rows, k)
}

// isStopped reports whether the thread is known to be recorded as stopped.
func (r *recorded) isStopped(thread string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stopped[thread]
}

// stop notes that the thread is recorded as stopped.
func (r *recorded) stop(thread string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stopped[thread] = true
}

// forgetThread drops a thread some of whose rows were deleted: whether
// one with met_at is left is the table's to say.
func (r *recorded) forgetThread(thread string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.stopped, thread)
}
