package report

import (
	"testing"
	"time"

	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/rulestest"
)

// b2beeIssues is the fixed B2Bee data set for the November 2026 report:
// credits against the plan. Policy (deploy/policies/b2bee.yaml): zone
// Europe/Ljubljana (CET, UTC+1, in November); plans basic 1 credit a month,
// standard 5, both at most 2 a day; Pekarna Novak (basic) has one
// registered person, ana@; Mlin Kos (standard) has jure@ and maja@. Agents
// answer from b2bee.si.
//
// Pekarna Novak, November:
//
//	B2B-1 ana, 2026-10-31T23:30Z = Sun 1 Nov 00:30 CET: November in
//	      Ljubljana although October in UTC. First of the month: charged
//	      (1 of 1). Priority none on basic: 48h on wd-09-17; the clock starts
//	      Mon 2 Nov 09:00; reply 11:00: 2h, met; wall 34h30m.
//	B2B-2 ana, Mon 2 Nov 09:00: the month's credit is used: over quota.
//	      Reply 10:00: 1h, met.
//	B2B-3 boris@pekarna-novak.si, Mon 2 Nov 10:00: not a registered person
//	      (flagged), and over quota. Reply 12:00: 2h, met.
//	B2B-4 ana, 2026-11-30T23:30Z = Tue 1 Dec 00:30 CET: December's, absent.
//
// Pekarna Novak: 3 requests, 1 charged of 1, 2 over quota, 0 daily-cap
// hits, 1 unregistered (boris@pekarna-novak.si). First response 3 of 3 met;
// business 1h, 2h, 2h: median rank 2 -> 2h, P90 rank ceil(2.7) = 3 -> 2h.
// October: B2B-P1 ana Thu 15 Oct 10:00: 1 charged of 1.
//
// Mlin Kos, November (standard: significant 2h on wd-08-20, critical 1h on
// daily-08-24, minor 8h on wd-08-17):
//
//	B2B-10 jure, High, Tue 10 Nov 08:00, reply 09:00: 1h, met. Charged.
//	B2B-11 jure, Highest, Tue 10 Nov 09:00, reply 10:30: 1h30m of 1h,
//	       breached at 10:00, 30m over (business and wall). Charged (2nd of
//	       the day).
//	B2B-12 jure, Medium, Tue 10 Nov 10:00: third of the day: daily cap, not
//	       charged. Reply 16:00: 6h of 8h, met.
//	B2B-13 maja, Medium, Wed 11 Nov 09:00: charged (3rd of the month). The
//	       8h target ends at closing time Wed 17:00; reply Thu 12 Nov 09:00:
//	       8h + 1h = 9h, breached, 1h over in business time, 16h in wall time.
//
// Mlin Kos: 4 requests, 3 charged of 5, 1 daily-cap hit. First response 2
// of 4 met = 50.0%; business 1h, 1h30m, 6h, 9h: median rank 2 -> 1h30m,
// P90 rank ceil(3.6) = 4 -> 9h. Nothing in October.
func b2beeIssues(t testing.TB) []rules.Issue {
	lj := func(s string) time.Time { return at(t, "Europe/Ljubljana", s) }
	const agent = "nina@b2bee.si"
	ana, boris := "ana@pekarna-novak.si", "boris@pekarna-novak.si"
	jure, maja := "jure@mlinkos.si", "maja@mlinkos.si"
	pek, mlin := rulestest.Org("Pekarna Novak"), rulestest.Org("Mlin Kos")
	return []rules.Issue{
		newIssue("B2B-P1", "Low", "Question", lj("2026-10-15 10:00"), ana, pek, rulestest.Comment(lj("2026-10-15 11:00"), agent, true)),
		newIssue("B2B-1", "Low", "Question", utc(t, "2026-10-31T23:30:00Z"), ana, pek, rulestest.Summary("Order sync question", ""), rulestest.Comment(lj("2026-11-02 11:00"), agent, true)),
		newIssue("B2B-2", "Low", "Question", lj("2026-11-02 09:00"), ana, pek, rulestest.Summary("Price list import", ""), rulestest.Comment(lj("2026-11-02 10:00"), agent, true)),
		newIssue("B2B-3", "Low", "Question", lj("2026-11-02 10:00"), boris, pek, rulestest.Summary("New user access", ""), rulestest.Comment(lj("2026-11-02 12:00"), agent, true)),
		newIssue("B2B-4", "Low", "Question", utc(t, "2026-11-30T23:30:00Z"), ana, pek, rulestest.Summary("December request", "")),
		newIssue("B2B-10", "High", "Bug", lj("2026-11-10 08:00"), jure, mlin, rulestest.Summary("Invoices stuck", ""), rulestest.Comment(lj("2026-11-10 09:00"), agent, true)),
		newIssue("B2B-11", "Highest", "Incident", lj("2026-11-10 09:00"), jure, mlin, rulestest.Summary("App down", ""), rulestest.Comment(lj("2026-11-10 10:30"), agent, true)),
		newIssue("B2B-12", "Medium", "Task", lj("2026-11-10 10:00"), jure, mlin, rulestest.Summary("Report filter", ""), rulestest.Comment(lj("2026-11-10 16:00"), agent, true)),
		newIssue("B2B-13", "Medium", "Task", lj("2026-11-11 09:00"), maja, mlin, rulestest.Summary("Export format", ""), rulestest.Comment(lj("2026-11-12 09:00"), agent, true)),
	}
}

func b2beeReport(t testing.TB) *Report {
	t.Helper()
	now := at(t, "Europe/Ljubljana", "2026-12-03 08:00")
	return Build(seed(t, "b2bee"), b2beeIssues(t), MonthPeriod(2026, time.November), now, rules.Options{BotAccountID: "slabot"})
}

func TestB2BeeCreditsAgainstPlan(t *testing.T) {
	r := b2beeReport(t)
	if !r.HasCredits || r.HasBilling || r.HasReview {
		t.Errorf("has credits %v billing %v review %v, want credits only", r.HasCredits, r.HasBilling, r.HasReview)
	}
	cases := []struct {
		customer                                                    string
		plan                                                        string
		requests, charged, allowance, dailyCap, overQuota, unregist int
		met, breached                                               int
		median, p90                                                 time.Duration
		prevCharged                                                 int
	}{
		{"Mlin Kos", "standard", 4, 3, 5, 1, 0, 0, 2, 2, 90 * time.Minute, 9 * time.Hour, 0},
		{"Pekarna Novak", "basic", 3, 1, 1, 0, 2, 1, 3, 0, 2 * time.Hour, 2 * time.Hour, 1},
	}
	for _, tc := range cases {
		t.Run(tc.customer, func(t *testing.T) {
			s := sectionOf(t, r, tc.customer)
			c := s.Current.Credit
			if s.Plan != tc.plan || len(s.Current.Credits) != 1 || c.Requests != tc.requests || c.Charged != tc.charged || c.Allowance != tc.allowance ||
				c.DailyCapHits != tc.dailyCap || c.OverQuota != tc.overQuota || c.Unregistered != tc.unregist {
				t.Errorf("plan %q credits %+v", s.Plan, c)
			}
			fr := goalFigures(t, &s.Current, "first_response").All
			if fr.Met != tc.met || fr.Breached != tc.breached || fr.Business.Median != tc.median || fr.Business.P90 != tc.p90 {
				t.Errorf("first response %+v", fr)
			}
			if s.Previous.Credit.Charged != tc.prevCharged {
				t.Errorf("October charged %d, want %d", s.Previous.Credit.Charged, tc.prevCharged)
			}
		})
	}
	pek := sectionOf(t, r, "Pekarna Novak")
	if ps := pek.Current.Credit.UnregisteredPersons; len(ps) != 1 || ps[0] != "boris@pekarna-novak.si" {
		t.Errorf("unregistered persons %v", ps)
	}
	// 23:30 UTC on 31 October is 00:30 on 1 November in Ljubljana: B2B-1
	// takes November's only credit; B2B-4 (1 December locally) is absent.
	if c := row(t, r, "B2B-1").Credit; c == nil || !c.Charged || c.Month != "2026-11" || c.Number != 1 {
		t.Errorf("B2B-1 credit %+v, want November's first, charged", c)
	}
	if hasRow(r, "B2B-4") {
		t.Errorf("B2B-4 belongs to December")
	}
	mlin := sectionOf(t, r, "Mlin Kos")
	if len(mlin.Breaches) != 2 || mlin.Breaches[0].Key != "B2B-11" || mlin.Breaches[0].Overdue != 30*time.Minute ||
		mlin.Breaches[1].Key != "B2B-13" || mlin.Breaches[1].Overdue != time.Hour || mlin.Breaches[1].OverdueWall != 16*time.Hour {
		t.Errorf("Mlin Kos breaches %+v", mlin.Breaches)
	}
}
