package report

import (
	"testing"
	"time"

	"github.com/slabot/slabot/rules"
)

// The quarterly review: B2Bee's fourth quarter of 2026 from b2beeIssues,
// built on Thu 3 Dec 2026 08:00 CET while the quarter still runs.
//
// Bounds in Europe/Ljubljana: Thu 1 Oct 00:00 CEST (UTC+2) =
// 2026-09-30T22:00Z to Fri 1 Jan 2027 00:00 CET (UTC+1) = 2026-12-31T23:00Z;
// summer time ends on 25 October inside the quarter. As of 3 December, not
// complete. Weeks: Thu 1 - Sun 4 Oct (clipped), then the 13 weeks starting
// Mondays 5, 12, 19, 26 Oct, 2, 9, 16, 23, 30 Nov, 7, 14, 21, 28 Dec (the
// last clipped at 31 Dec): 14.
//
// Credits are counted per month, not per quarter (they do not carry over):
//
//	Pekarna Novak (basic, 1 a month): October B2B-P1 charged 1 of 1;
//	November 3 requests, 1 charged, 2 over quota, 1 unregistered (see
//	b2beeIssues); December B2B-4 (Tue 1 Dec 00:30 CET) charged 1 of 1.
//	Quarter: 5 requests, 3 charged of 3, 2 over quota.
//	Mlin Kos (standard, 5 a month): October and December have no request
//	but still get a line with the plan's 5 (the quiet months of "credits
//	used vs plan"); November 4 requests, 3 charged, 1 daily-cap hit.
//	Quarter: 4 requests, 3 charged of 15.
//
// Pekarna Novak first response in the quarter: B2B-P1 1h, B2B-1 2h, B2B-2
// 1h, B2B-3 2h, all met; B2B-4 is running (Tue 1 and Wed 2 Dec 09:00-17:00
// = 16h of 48h). Sorted 1h, 1h, 2h, 2h: median rank ceil(0.5*4) = 2 -> 1h,
// P90 rank ceil(3.6) = 4 -> 2h. The previous quarter (Q3) has nothing.
func TestB2BeeQuarter(t *testing.T) {
	now := at(t, "Europe/Ljubljana", "2026-12-03 08:00")
	r := Build(seed(t, "b2bee"), b2beeIssues(t), QuarterPeriod(2026, 4), now, rules.Options{BotAccountID: "slabot"})
	if r.Period.String() != "2026-Q4" || r.Previous.String() != "2026-Q3" {
		t.Errorf("period %s previous %s", r.Period, r.Previous)
	}
	if !r.Start.Equal(utc(t, "2026-09-30T22:00:00Z")) || !r.End.Equal(utc(t, "2026-12-31T23:00:00Z")) {
		t.Errorf("bounds %s - %s", r.Start.UTC(), r.End.UTC())
	}
	if r.Complete || !r.AsOf.Equal(now) {
		t.Errorf("as of %s complete %v, want now, incomplete", r.AsOf, r.Complete)
	}

	type month struct {
		month                                                  string
		requests, charged, allowance, dailyCap, over, unregist int
	}
	check := func(s *Section, want []month, sum month) {
		t.Helper()
		got := s.Current.Credits
		if len(got) != len(want) {
			t.Fatalf("%s: %d credit months %+v, want %d", s.Customer, len(got), got, len(want))
		}
		for i, w := range append(want, sum) {
			c := s.Current.Credit
			if i < len(want) {
				c = got[i]
			}
			g := month{c.Month, c.Requests, c.Charged, c.Allowance, c.DailyCapHits, c.OverQuota, c.Unregistered}
			if g != w {
				t.Errorf("%s: got %+v, want %+v", s.Customer, g, w)
			}
		}
	}
	pek := sectionOf(t, r, "Pekarna Novak")
	check(pek, []month{
		{"2026-10", 1, 1, 1, 0, 0, 0},
		{"2026-11", 3, 1, 1, 0, 2, 1},
		{"2026-12", 1, 1, 1, 0, 0, 0},
	}, month{"", 5, 3, 3, 0, 2, 1})
	mlin := sectionOf(t, r, "Mlin Kos")
	check(mlin, []month{
		{"2026-10", 0, 0, 5, 0, 0, 0},
		{"2026-11", 4, 3, 5, 1, 0, 0},
		{"2026-12", 0, 0, 5, 0, 0, 0},
	}, month{"", 4, 3, 15, 1, 0, 0})

	// The total's allowance is the customers': 3 + 15 = 18, month by month
	// 1 + 5 = 6 (Mlin Kos's quiet October and December included).
	if tc := r.Total.Current; tc.Credit.Allowance != 18 || tc.Credit.Charged != 6 || tc.Credit.Requests != 9 ||
		len(tc.Credits) != 3 || tc.Credits[0].Allowance != 6 || tc.Credits[2].Allowance != 6 {
		t.Errorf("total credits %+v by month %+v, want 6 charged of 18, 9 requests, 6 a month", tc.Credit, tc.Credits)
	}
	if pek.Current.Opened != 5 || pek.Previous.Opened != 0 {
		t.Errorf("Pekarna Novak opened %d (Q3 %d), want 5 (0)", pek.Current.Opened, pek.Previous.Opened)
	}
	fr := goalFigures(t, &pek.Current, "first_response").All
	if fr.Met != 4 || fr.Breached != 0 || fr.Business.N != 4 || fr.Business.Median != time.Hour || fr.Business.P90 != 2*time.Hour {
		t.Errorf("Pekarna Novak first response %+v, want 4 met, median 1h, P90 2h", fr)
	}
	if w := pek.Weeks; len(w) != 14 || !w[0].From.Equal(r.Start) || !w[0].To.Equal(at(t, "Europe/Ljubljana", "2026-10-05 00:00")) ||
		!w[13].From.Equal(at(t, "Europe/Ljubljana", "2026-12-28 00:00")) || !w[13].To.Equal(r.End) {
		t.Errorf("weeks: %d, first %s - %s, last %s - %s", len(w), w[0].From, w[0].To, w[len(w)-1].From, w[len(w)-1].To)
	}
}
