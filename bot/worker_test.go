package bot

import (
	"context"
	"errors"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/rulestest"
)

// Small fakes of the worker's ports, recording what they were asked.

// fakeSource returns every issue on a resync (empty cursor) and, like
// Jira, only the issues changed since on an incremental poll (none here).
type fakeSource struct {
	mu      sync.Mutex
	issues  map[string]rules.Issue // by id
	cursors []string               // cursor of each call
	next    int
	err     error
}

func (s *fakeSource) Changed(_ context.Context, projects []string, cursor string, _ time.Time) ([]rules.Issue, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cursors = append(s.cursors, cursor)
	if s.err != nil {
		return nil, "", s.err
	}
	var out []rules.Issue
	for _, is := range s.issues {
		if cursor == "" && slices.Contains(projects, is.Project) {
			out = append(out, is)
		}
	}
	s.next++
	return out, "c" + string(rune('0'+s.next)), nil
}

type fakeWriter struct {
	mu    sync.Mutex
	got   []rules.Patch
	fails int // the next this many writes fail
}

func (w *fakeWriter) Write(_ context.Context, ch rules.Patch) (map[string]string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.got = append(w.got, ch)
	if w.fails > 0 {
		w.fails--
		return nil, errors.New("jira: 503")
	}
	return nil, nil
}

type fakeEscalator struct {
	mu  sync.Mutex
	got []rules.Notice
	met int
}

func (e *fakeEscalator) Escalate(_ context.Context, _ time.Time, x rules.Notice) (bool, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.got = append(e.got, x)
	return true, nil
}

func (e *fakeEscalator) Withdraw(context.Context, time.Time, []string, map[string]bool) (int, error) {
	return 0, nil
}

func (e *fakeEscalator) OpenThreads(context.Context, []string) (map[string]bool, error) {
	return nil, nil
}

func (e *fakeEscalator) GoalStopped(context.Context, time.Time, string, string, int, rules.Stop) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.met++
	return nil
}

type fakeCursors struct {
	mu sync.Mutex
	m  map[string]string
}

func (c *fakeCursors) Cursor(_ context.Context, name string) (string, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[name]
	return v, ok, nil
}

func (c *fakeCursors) SetCursor(_ context.Context, _ time.Time, name, value string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[name] = value
	return nil
}

type fakes struct {
	src *fakeSource
	wr  *fakeWriter
	esc *fakeEscalator
	cur *fakeCursors
}

func newFakeWorker(t *testing.T, dry bool, issues ...rules.Issue) (*Worker, *rules.Policy, fakes) {
	t.Helper()
	p := rptPolicy(t, "sanarise")
	f := fakes{src: &fakeSource{issues: map[string]rules.Issue{}}, wr: &fakeWriter{}, esc: &fakeEscalator{}, cur: &fakeCursors{m: map[string]string{}}}
	for _, is := range issues {
		f.src.issues[is.ID] = is
	}
	w, err := New(Config{Policies: []*rules.Policy{p}, Source: f.src, Writer: f.wr, Escalator: f.esc, Cursors: f.cur,
		DryRun: dry, ResyncEvery: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return w, p, f
}

var created = time.Date(2026, 11, 10, 7, 0, 0, 0, time.UTC) // Tuesday 10:00 Istanbul

// sanIssue is a Sanarise customer's bug, open since created, under Jira's
// id (the fake source's map key) apart from its key.
func sanIssue(id, key string) rules.Issue {
	return rulestest.Issue(key, "High", "Bug", created, rulestest.ID(id),
		rulestest.Reporter("mehmet@client.com.tr"), rulestest.Summary("Invoice totals wrong", ""))
}

func cachedKeys(w *Worker, product string, now time.Time) []string {
	_, ev := w.Outcomes(product, now)
	var out []string
	for _, o := range ev.Outcomes {
		out = append(out, o.Issue.Key)
	}
	sort.Strings(out)
	return out
}

// "Cursor per product stored durably; periodic full resync catches
// deletions and moved issues." The first cycle resyncs (empty cursor) and
// stores the cursor; the next polls from it; the resync an hour later
// drops the issue Jira no longer returns.
func TestWorkerCursorAndResyncEviction(t *testing.T) {
	ctx := context.Background()
	w, p, f := newFakeWorker(t, false, sanIssue("1", "SAN-1"), sanIssue("2", "SAN-2"))
	now := created.Add(10 * time.Minute)
	if _, err := w.Cycle(ctx, p.Product, now); err != nil {
		t.Fatal(err)
	}
	if got := f.cur.m["jira:SAN"]; got != "c1" {
		t.Fatalf("stored cursor %q after the first cycle", got)
	}
	delete(f.src.issues, "1") // deleted in Jira
	if _, err := w.Cycle(ctx, p.Product, now.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got := cachedKeys(w, p.Product, now); !slices.Equal(got, []string{"SAN-1", "SAN-2"}) {
		t.Fatalf("an incremental poll evicted: %v", got)
	}
	if _, err := w.Cycle(ctx, p.Product, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := cachedKeys(w, p.Product, now); !slices.Equal(got, []string{"SAN-2"}) {
		t.Fatalf("after the resync the cache holds %v; want SAN-2 only", got)
	}
	if want := []string{"", "c1", ""}; !slices.Equal(f.src.cursors, want) {
		t.Fatalf("cursors polled from %q; want %q (resync, incremental, resync)", f.src.cursors, want)
	}
}

// "A failed write is logged and left for the next cycle": the same change
// comes up again and is written; then the steady state writes nothing.
func TestWorkerFailedWriteRetried(t *testing.T) {
	ctx := context.Background()
	w, p, f := newFakeWorker(t, false, sanIssue("1", "SAN-1"))
	f.wr.fails = 1
	now := created.Add(10 * time.Minute)
	st, err := w.Cycle(ctx, p.Product, now)
	if err != nil || st.WriteErrors != 1 {
		t.Fatalf("first cycle %+v, %v", st, err)
	}
	st, err = w.Cycle(ctx, p.Product, now.Add(2*time.Minute))
	if err != nil || st.Writes != 1 || st.WriteErrors != 0 {
		t.Fatalf("retry cycle %+v, %v", st, err)
	}
	if len(f.wr.got) != 2 || f.wr.got[0].Key != f.wr.got[1].Key || len(f.wr.got[1].Fields) == 0 {
		t.Fatalf("writes %+v", f.wr.got)
	}
	if st, _ := w.Cycle(ctx, p.Product, now.Add(4*time.Minute)); st.Writes != 0 {
		t.Fatalf("steady state wrote %d change sets", st.Writes)
	}
}

// Dry run: the worker polls and evaluates, and neither writes to Jira nor
// records a step.
func TestWorkerDryRun(t *testing.T) {
	ctx := context.Background()
	w, p, f := newFakeWorker(t, true, sanIssue("1", "SAN-1"))
	for _, d := range []time.Duration{10 * time.Minute, 48 * time.Hour} {
		st, err := w.Cycle(ctx, p.Product, created.Add(d))
		if err != nil || st.Writes == 0 {
			t.Fatalf("dry cycle %+v, %v: want changes found", st, err)
		}
	}
	if len(f.wr.got) != 0 || len(f.esc.got) != 0 {
		t.Fatalf("dry run wrote %d changes, recorded %d steps", len(f.wr.got), len(f.esc.got))
	}
}

// "Jira being down delays polling only": with the poll failing, the cached
// issue is still evaluated as of now; its breach is recorded on time, the
// step says the data is as of the last successful poll, and nothing is
// written to Jira until it is back.
func TestWorkerJiraDownStillEscalates(t *testing.T) {
	ctx := context.Background()
	w, p, f := newFakeWorker(t, false, sanIssue("1", "SAN-1"))
	polled := created.Add(10 * time.Minute)
	if _, err := w.Cycle(ctx, p.Product, polled); err != nil {
		t.Fatal(err)
	}
	writes := len(f.wr.got)
	ahead := len(f.esc.got) // the steps foreseen at the poll, handed over ahead of their instants
	f.src.err = errors.New("jira: 503")
	later := created.Add(72 * time.Hour)
	if _, err := w.Cycle(ctx, p.Product, later); err == nil {
		t.Fatal("a failed poll reported no error")
	}
	if len(f.wr.got) != writes {
		t.Fatal("wrote to Jira while it could not be read")
	}
	if len(f.esc.got) == ahead {
		t.Fatal("no step recorded while Jira was down")
	}
	for _, x := range f.esc.got[ahead:] {
		if !x.DataAsOf.Equal(polled) || x.Step == "" || x.DueAt.After(later) {
			t.Errorf("step %s: data as of %v (want %v), due %v", x.Step, x.DataAsOf, polled, x.DueAt)
		}
	}
	// Before any successful poll there is nothing to evaluate: the error
	// is all a cycle has.
	w2, _, f2 := newFakeWorker(t, false, sanIssue("1", "SAN-1"))
	f2.src.err = errors.New("jira: 503")
	if _, err := w2.Cycle(ctx, p.Product, later); err == nil || len(f2.esc.got) != 0 {
		t.Fatalf("first cycle with Jira down: %v, %d steps", err, len(f2.esc.got))
	}
}

// "Exactly one writer at a time (a lease ... checked by every write)": a
// writer whose lease no longer holds (it stalled past it; a standby may
// write now) withholds its Jira writes, and writes them once it holds the
// lease again.
func TestWorkerWritesOnlyUnderTheLease(t *testing.T) {
	ctx := context.Background()
	w, p, f := newFakeWorker(t, false, sanIssue("1", "SAN-1"))
	holds := false
	w.setFence(func(time.Time) bool { return holds })
	now := created.Add(10 * time.Minute)
	st, err := w.Cycle(ctx, p.Product, now)
	if err != nil || len(f.wr.got) != 0 || st.WritesDeferred != 1 {
		t.Fatalf("without the lease: %+v %v, %d writes", st, err, len(f.wr.got))
	}
	holds = true
	if _, err := w.Cycle(ctx, p.Product, now.Add(time.Minute)); err != nil || len(f.wr.got) != 1 {
		t.Fatalf("with the lease again: %v, %d writes", err, len(f.wr.got))
	}
}
