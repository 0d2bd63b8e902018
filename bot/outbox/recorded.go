package outbox

import "sync"

// recorded is the set of rows this process knows to be in the outbox
// table: it inserted them, or its insert met them there (ON CONFLICT). The
// worker hands every due step over again at every cycle, and the insert
// that finds its row already there is most of what a quiet cycle costs the
// store; a key in the set skips it.
//
// The set is only a shortcut for "already inserted": the table stays the
// truth. A key is added only after the table answered for it, and a row
// never leaves the table except by Prune, which forgets the keys it
// deletes. Everything else a later hand-over may do to an existing row
// (reschedule a step ahead, take a withdrawn one up again, re-point it at
// a new assignee) is an update that still runs: withdrawing or cancelling
// a row keeps it in the table, so its key stays true. Two processes on one
// file: a key this one learnt stays true while the row exists; a row
// another process pruned (a finished thread past the retention) is not
// inserted again from here, which is what the insert of a step already
// recorded is for.
type recorded struct {
	mu   sync.Mutex
	keys map[string]struct{}
}

func newRecorded() *recorded { return &recorded{keys: map[string]struct{}{}} }

// recordedKey names a row in the set: its kind and its key.
func recordedKey(kind Kind, key string) string { return string(kind) + "\x00" + key }

func (r *recorded) has(k string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.keys[k]
	return ok
}

func (r *recorded) add(k string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.keys[k] = struct{}{}
}

func (r *recorded) forget(k string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.keys, k)
}
