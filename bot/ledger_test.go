package bot

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/slabot/slabot/rules"
)

// notingEscalator is a fakeEscalator that keeps a ledger (LedgerNotes),
// as bot/outbox's Outbox does.
type notingEscalator struct {
	fakeEscalator
	nmu   sync.Mutex
	notes []rules.LedgerEntry
}

func (e *notingEscalator) Note(_ context.Context, _ time.Time, n rules.LedgerEntry) error {
	e.nmu.Lock()
	defer e.nmu.Unlock()
	e.notes = append(e.notes, n)
	return nil
}

type fixedClicks []rules.Click

func (c fixedClicks) Actions(context.Context, ...string) ([]rules.Click, error) { return c, nil }

// The worker enters in the ledger the steps it does not hand over, and
// why. Sanarise: "acknowledge: {hold: until_breach ...}" ("reminders
// before the deadline are held back"); a snooze holds reminders back
// "never past the deadline"; the catch-up rule skips a step a policy edit
// added for issues already past its instant. SAN high: first response 2h,
// the 75% reminder due Tuesday 11:30 Istanbul.
func TestWorkerNotesHeldSnoozedAndSkippedSteps(t *testing.T) {
	at75 := created.Add(90 * time.Minute)
	now := created.Add(105 * time.Minute) // 11:45, the deadline is 12:00
	ack := rules.Click{Kind: rules.ClickAcknowledge, Issue: "SAN-1", Goal: "first_response", Cycle: 1, Step: "75%/agent",
		User: "U0LEAD", Name: "Mehmet Öz", At: created.Add(10 * time.Minute)}
	snooze := rules.Click{Kind: rules.ClickSnooze, Issue: "SAN-2", Goal: "first_response", Cycle: 1, Step: "75%/agent",
		User: "U0LEAD", Name: "Mehmet Öz", At: created.Add(60 * time.Minute), Snooze: 2 * time.Hour, ActionTS: "1.2"}
	cases := []struct {
		name    string
		issue   string
		ladder  string // the stored ladder steps (catch-up rule); "" for a first run
		event   rules.LedgerEvent
		rule    string
		by      string
		until   time.Time
		handled bool // the step still goes to the escalator (as a skipped row)
	}{
		{"held by the acknowledgement", "SAN-1", "", rules.LedgerHeld, rules.RuleAcknowledgement, "U0LEAD", time.Time{}, true},
		{"snoozed, never past the deadline", "SAN-2", "", rules.LedgerSnoozed, "", "U0LEAD", created.Add(2 * time.Hour), false},
		{"skipped by the catch-up rule", "SAN-3", `{"breach/team_lead":0,"breach+2h/management":0}`, rules.LedgerSkipped, rules.RuleCatchUp, "", time.Time{}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := rptPolicy(t, "sanarise")
			src := &fakeSource{issues: map[string]rules.Issue{"1": sanIssue("1", tc.issue)}}
			esc := &notingEscalator{}
			cur := &fakeCursors{m: map[string]string{}}
			if tc.ladder != "" {
				cur.m[ladderName(p.Product)] = tc.ladder
			}
			w, err := New(Config{Policies: []*rules.Policy{p}, Source: src, Writer: &fakeWriter{}, Escalator: esc, Cursors: cur,
				Actions: fixedClicks{ack, snooze}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Cycle(context.Background(), p.Product, now); err != nil {
				t.Fatal(err)
			}
			if len(esc.notes) != 1 {
				t.Fatalf("notes %+v, want one", esc.notes)
			}
			n := esc.notes[0]
			if n.Issue != tc.issue || n.Goal != "first_response" || n.Cycle != 1 || n.Step != "75%/agent" || n.Level != 1 ||
				n.Event != tc.event || n.Rule != tc.rule || n.By != tc.by || !n.Until.Equal(tc.until) || !n.DueAt.Equal(at75) || !n.At.Equal(now) {
				t.Errorf("note %+v", n)
			}
			if n.Reason == "" {
				t.Errorf("note without a reason: %+v", n)
			}
			if len(esc.got) == 1 != tc.handled || tc.handled && esc.got[0].Skip == "" {
				t.Errorf("handed over %+v, want a skipped row: %v", esc.got, tc.handled)
			}
		})
	}
}
