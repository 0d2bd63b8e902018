package rules_test

import (
	"strings"
	"testing"
	"time"

	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/rulestest"
)

// sanariseLedger is a Sanarise issue (high: first response 2h, resolution
// 12h, "İlk Yanıt Süresi: 2 saat içinde") whose ladder went every way a
// step can: the 75% reminder went to the assignee's DM, the breach step was
// held back by an acknowledgement ("acknowledge: {hold: until_breach ...}"
// holds reminders, so the held step here is the reminder of resolution),
// the management step was skipped by the catch-up rule, and the first
// response's breach step waited for a snooze. Times carry milliseconds.
func sanariseLedger(t *testing.T) (*rules.Policy, *rules.Outcome, time.Time, rules.Ledger) {
	t.Helper()
	p := seed(t, "sanarise")
	created := rulestest.RFC3339(t, "2026-11-16T06:00:00.250Z") // Monday 09:00:00.250 Istanbul
	iss := rulestest.Issue("SAN-7", "High", "Website Issue", created, rulestest.Reporter("mehmet@client.com.tr"),
		rulestest.Assign(created.Add(time.Minute), "ayse@sanarise.com"),
		// "the resolution clock starts when it leaves Qualification"
		rulestest.MoveTo(created.Add(30*time.Minute), "Qualification", rules.CategoryInProgress),
		rulestest.MoveTo(created.Add(time.Hour), "In Progress", rules.CategoryInProgress))
	now := rulestest.RFC3339(t, "2026-11-18T10:30:00Z")
	o := evalOne(t, p, iss, now)
	fr, res := mustGoal(t, o, "first_response"), mustGoal(t, o, "resolution")
	due := func(gs *rules.GoalStatus, level int) time.Time {
		t.Helper()
		for _, s := range gs.Steps {
			if s.Step.Level == level {
				return s.At
			}
		}
		t.Fatalf("%s has no step %d", gs.Goal.Name, level)
		return time.Time{}
	}
	at75, atBreach, atMgmt, res75 := due(fr, 1), due(fr, 2), due(fr, 3), due(res, 1)
	if !(at75.Before(now) && atBreach.Before(now) && atMgmt.Before(now) && res75.Before(now)) {
		t.Fatalf("the steps must be due as of %s: %s %s %s %s", now, at75, atBreach, atMgmt, res75)
	}
	ms := func(t time.Time, d time.Duration) time.Time { return t.Add(d).UTC() }
	ack := ms(at75, 20*time.Minute)
	lg := rules.Ledger{Available: true, Entries: []rules.LedgerEntry{
		{Issue: "SAN-7", Goal: "first_response", Cycle: 1, Step: "75%/agent", Level: 1, Event: rules.LedgerRecorded, At: ms(at75, 310*time.Millisecond), DueAt: at75},
		{Issue: "SAN-7", Goal: "first_response", Cycle: 1, Step: "75%/agent", Level: 1, Event: rules.LedgerSent, At: ms(at75, 1200*time.Millisecond), DueAt: at75,
			Channel: "D0AYSE", DMName: "Ayşe Yılmaz (ayse@sanarise.com)", TS: "1763283601.000100"},
		{Issue: "SAN-7", Goal: "first_response", Cycle: 1, Step: "75%/agent", Event: rules.LedgerClicked, At: ack,
			By: "U0LEAD", ByName: "Mehmet Öz", Click: "acknowledge"},
		{Issue: "SAN-7", Goal: "first_response", Cycle: 1, Step: "75%/agent", Event: rules.LedgerClicked, At: ms(ack, time.Minute),
			By: "U0LEAD", ByName: "Mehmet Öz", Click: "snooze", Until: ms(ack, time.Minute+time.Hour)},
		{Issue: "SAN-7", Goal: "first_response", Cycle: 1, Step: "breach/team_lead", Level: 2, Event: rules.LedgerSnoozed, At: ms(atBreach, 400*time.Millisecond), DueAt: atBreach,
			By: "U0LEAD", ByName: "Mehmet Öz", Until: ms(ack, time.Minute+time.Hour)},
		{Issue: "SAN-7", Goal: "first_response", Cycle: 1, Step: "breach+2h/management", Level: 3, Event: rules.LedgerSkipped, At: ms(atMgmt, 500*time.Millisecond), DueAt: atMgmt,
			Rule: rules.RuleCatchUp, Reason: "step breach+2h/management was added to the policy after its instant for this issue"},
		{Issue: "SAN-7", Goal: "resolution", Cycle: 1, Step: "75%/agent", Level: 1, Event: rules.LedgerHeld, At: ms(res75, 600*time.Millisecond), DueAt: res75,
			Rule: rules.RuleAcknowledgement, By: "U0LEAD", ByName: "Mehmet Öz", ByAt: ack, Reason: "reminders before the deadline are held back"},
	}}
	return p, o, now, lg
}

// Issue 21: "slabot explain KEY prints the computation and the ledger side
// by side, and distinguishes 'due at' from 'sent at'; it names the real
// destination" and DESIGN.md: "Never 'fired' for a step not sent."
func TestExplainLedgerListsWhatHappenedToEachStep(t *testing.T) {
	p, o, now, lg := sanariseLedger(t)
	text := o.ExplainLedger(p, now, lg)
	for _, want := range []string{
		"ledger: 7 entries",
		// sent: when, how long after due, where (the DM, not #sanarise-support), ts
		"sent Mon 2026-11-16 10:30:01 +03 (1.2s after due) to the DM of Ayşe Yılmaz (ayse@sanarise.com) (conversation D0AYSE), ts 1763283601.000100",
		// held: by whose acknowledgement, when, the rule
		"held back Tue 2026-11-17 10:00:00 +03, not sent: acknowledged", ", not sent: acknowledged by Mehmet Öz (Slack user U0LEAD) at Mon 2026-11-16 10:50:00 +03: reminders before the deadline are held back",
		// snoozed: by whom, until when
		"snoozed Mon 2026-11-16 11:00:00 +03 by Mehmet Öz (Slack user U0LEAD) until Mon 2026-11-16 11:51:00 +03: not recorded while the snooze lasts",
		// skipped: which rule
		", not sent, by the catch-up rule: step breach+2h/management was added",
		// the clicks
		"acknowledge by Mehmet Öz (Slack user U0LEAD) at Mon 2026-11-16 10:50:00 +03, on the message of step 75%/agent",
		"snooze by Mehmet Öz (Slack user U0LEAD) at Mon 2026-11-16 10:51:00 +03, until Mon 2026-11-16 11:51:00 +03",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("explanation lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "fired") {
		t.Errorf("explanation says fired:\n%s", text)
	}
	// No step the ledger does not say was sent reads as sent: the only
	// "sent <time>" line is the 75% reminder's; the resolution's breach
	// step is due and has no entry, and says so.
	if n := strings.Count(text, "    sent "); n != 1 {
		t.Errorf("%d steps read as sent, want 1:\n%s", n, text)
	}
	if !strings.Contains(text, "nothing in the ledger: not recorded, not sent") {
		t.Errorf("a due step without entries does not say it was not sent:\n%s", text)
	}
}

// The same, as values (explain --json carries them): each step's due
// instant from the computation beside its outcome and sent instant from
// the ledger.
func TestStepRecordsPairComputationAndLedger(t *testing.T) {
	p, o, _, lg := sanariseLedger(t)
	steps, other := mustGoal(t, o, "first_response").StepRecords(&p.Ladder, lg.Entries)
	want := map[string]rules.LedgerEvent{"75%/agent": rules.LedgerSent, "breach/team_lead": rules.LedgerSnoozed, "breach+2h/management": rules.LedgerSkipped}
	if len(steps) != 3 {
		t.Fatalf("%d steps, want 3", len(steps))
	}
	for _, s := range steps {
		if s.Outcome != want[s.Step] {
			t.Errorf("step %s: outcome %q, want %q", s.Step, s.Outcome, want[s.Step])
		}
		if s.DueAt.IsZero() || !s.Due {
			t.Errorf("step %s: due %v at %s", s.Step, s.Due, s.DueAt)
		}
		if sent := s.Outcome == rules.LedgerSent; sent == s.SentAt.IsZero() {
			t.Errorf("step %s: outcome %s but sent at %s", s.Step, s.Outcome, s.SentAt)
		}
	}
	if s := steps[0]; s.SentAt.Sub(s.DueAt) != 1200*time.Millisecond || s.Reaches != "#sanarise-support" {
		t.Errorf("sent step: due %s sent %s reaches %s", s.DueAt, s.SentAt, s.Reaches)
	}
	if len(other) != 2 || other[0].Click != "acknowledge" || other[1].Click != "snooze" {
		t.Errorf("clicks: %+v", other)
	}
	res, _ := mustGoal(t, o, "resolution").StepRecords(&p.Ladder, lg.Entries)
	if res[0].Outcome != rules.LedgerHeld || res[1].Outcome != "" || !res[0].SentAt.IsZero() {
		t.Errorf("resolution: %+v", res)
	}
}

// Issue 21: "Offline explain says the ledger is not available rather than
// guessing."
func TestExplainLedgerNotAvailable(t *testing.T) {
	p, o, now, _ := sanariseLedger(t)
	text := o.ExplainLedger(p, now, rules.Ledger{Why: "offline: the issue was read from a file, no database"})
	if !strings.Contains(text, "ledger: not available (offline: the issue was read from a file, no database): what was sent") {
		t.Errorf("explanation does not say the ledger is not available:\n%s", text)
	}
	for _, never := range []string{"fired", "    sent ", "nothing in the ledger"} {
		if strings.Contains(text, never) {
			t.Errorf("without a ledger the explanation says %q:\n%s", never, text)
		}
	}
}

// A stopped goal's steps were due before it stopped; whether they were
// sent is not the computation's to say.
func TestExplainStoppedGoalNeverSaysFired(t *testing.T) {
	p := seed(t, "sanarise")
	created := rulestest.RFC3339(t, "2026-11-16T06:00:00Z")
	iss := rulestest.Issue("SAN-8", "High", "Website Issue", created, rulestest.Reporter("mehmet@client.com.tr"),
		rulestest.Comment(rulestest.RFC3339(t, "2026-11-16T09:00:00.677Z"), "ayse@sanarise.com", true))
	now := rulestest.RFC3339(t, "2026-11-16T12:00:00Z")
	text := evalOne(t, p, iss, now).Explain(p, now)
	if strings.Contains(text, "fired") || !strings.Contains(text, "step 2 (breach, team_lead): was due Mon 2026-11-16 11:00 +03, before the goal stopped") {
		t.Errorf("explanation:\n%s", text)
	}
}
