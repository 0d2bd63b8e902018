package bot

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slabot/slabot/rules"
)

// refusingWriter is a Jira that refuses every edit of an issue for a
// reason naming no field, and takes its comments (connectors/jira's
// Apply: an *EditRefusedError inside a *PartialWriteError).
type refusingWriter struct {
	mu  sync.Mutex
	got []rules.Patch
}

type editRefusedErr struct{ posted []string }

func (e editRefusedErr) Error() string {
	return "jira: 403 you may not edit this issue. Fix: grant Edit issues"
}
func (e editRefusedErr) PostedComments() []string { return e.posted }
func (e editRefusedErr) RefusalKey() string {
	return "403 You do not have permission to edit this issue."
}

func (w *refusingWriter) Write(_ context.Context, ch rules.Patch) (map[string]string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.got = append(w.got, ch)
	var keys []string
	for _, c := range ch.Comments {
		keys = append(keys, c.Key)
	}
	if len(ch.Fields)+len(ch.AddLabels)+len(ch.RemoveLabels) == 0 && ch.Priority == "" {
		return nil, nil
	}
	return nil, editRefusedErr{posted: keys}
}

// Issue 22: "A test where Jira refuses every edit of an issue: its
// acknowledgement comment is posted once." The first cycle's edit is
// refused and the acknowledgement posted; later cycles try the edit again
// but never the acknowledgement; the refusal is shown on /readyz.
func TestAcknowledgementPostedOnceWhenEveryEditIsRefused(t *testing.T) {
	ctx := context.Background()
	p := rptPolicy(t, "sanarise")
	rw := &refusingWriter{}
	src := &fakeSource{issues: map[string]rules.Issue{"1": sanIssue("1", "SAN-1")}}
	w, err := New(Config{Policies: []*rules.Policy{p}, Source: src, Writer: rw, Escalator: &fakeEscalator{},
		Cursors: &fakeCursors{m: map[string]string{}}, ResyncEvery: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	now := created.Add(10 * time.Minute)
	for i := range 4 {
		if _, err := w.Cycle(ctx, p.Product, now.Add(time.Duration(i)*2*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	acks, edits := 0, 0
	for _, ch := range rw.got {
		for _, c := range ch.Comments {
			if c.Key == "ack" {
				acks++
			}
		}
		if len(ch.Fields) > 0 {
			edits++
		}
	}
	if acks != 1 {
		t.Errorf("the acknowledgement was in %d writes, want 1", acks)
	}
	if edits < 2 {
		t.Errorf("the refused edit was tried %d times, want it tried again each cycle", edits)
	}
	ok, lines := w.Ready(now.Add(8 * time.Minute))
	if !strings.Contains(strings.Join(lines, "\n"), "Jira refuses edits of issues in project SAN") {
		t.Errorf("readyz (%v): %q, want the refused edits named", ok, lines)
	}
}
