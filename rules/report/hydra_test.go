package report

import (
	"errors"
	"testing"
	"time"

	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/rulestest"
)

func hydraReport(t testing.TB) *Report {
	t.Helper()
	return Build(seed(t, "hydra"), hydraIssues(t), MonthPeriod(2026, time.November), hydraNow(t), rules.Options{BotAccountID: "slabot"})
}

// The figures of hydraIssues, each worked out by hand in its comment.
func TestHydraNovemberFigures(t *testing.T) {
	r := hydraReport(t)
	msk := func(s string) time.Time { return at(t, "Europe/Moscow", s) }
	if !r.Start.Equal(utc(t, "2026-10-31T21:00:00Z")) || !r.End.Equal(utc(t, "2026-11-30T21:00:00Z")) {
		t.Errorf("bounds %s - %s, want Moscow midnights", r.Start.UTC(), r.End.UTC())
	}
	if !r.Complete || !r.AsOf.Equal(r.End) {
		t.Errorf("as of %s complete %v, want the period end", r.AsOf, r.Complete)
	}
	if len(r.Customers) != 2 || r.Customers[0].Customer != "alfa.ru" || r.Customers[1].Customer != "beta.ru" {
		t.Fatalf("customers %+v, want alfa.ru and beta.ru", r.Customers)
	}
	h := func(n float64) time.Duration { return time.Duration(n * float64(time.Hour)) }
	m := func(n int) time.Duration { return time.Duration(n) * time.Minute }

	type want struct {
		met, breached          int
		bMed, bP90, wMed, wP90 time.Duration
		completed              int
	}
	check := func(name string, got Stats, w want) {
		t.Helper()
		if got.Met != w.met || got.Breached != w.breached || got.Business.N != w.completed ||
			got.Business.Median != w.bMed || got.Business.P90 != w.bP90 || got.Wall.Median != w.wMed || got.Wall.P90 != w.wP90 {
			t.Errorf("%s: got met %d breached %d n %d business %s/%s wall %s/%s, want %+v", name, got.Met, got.Breached, got.Business.N,
				got.Business.Median, got.Business.P90, got.Wall.Median, got.Wall.P90, w)
		}
	}

	alfa := sectionOf(t, r, "alfa.ru")
	if c := alfa.Current; c.Opened != 6 || c.Resolved != 4 {
		t.Errorf("alfa opened %d resolved %d, want 6 and 4", c.Opened, c.Resolved)
	}
	fr := goalFigures(t, &alfa.Current, "first_response")
	check("alfa first response", fr.All, want{4, 1, h(2.5), h(9), h(42.5), h(69), 6})
	check("alfa urgent", prioStats(t, fr, "urgent"), want{1, 0, m(20), h(2.5), m(20), h(65.5), 2})
	check("alfa high", prioStats(t, fr, "high"), want{1, 1, h(2.5), h(6), h(17.5), h(69), 2})
	check("alfa normal", prioStats(t, fr, "normal"), want{2, 0, h(4), h(9), h(42.5), h(43), 2})
	if len(fr.Priorities) != 3 {
		t.Errorf("alfa priorities %+v, want urgent, high, normal (low settled nothing)", fr.Priorities)
	}
	if share, ok := fr.All.Share(); !ok || share != 0.8 {
		t.Errorf("alfa share %v %v, want 0.8", share, ok)
	}
	res := goalFigures(t, &alfa.Current, "resolution")
	check("alfa resolution", res.All, want{0, 0, h(5), h(12), h(66), h(74), 4})

	if len(alfa.Breaches) != 1 {
		t.Fatalf("alfa breaches %+v, want HYD-104 only (HYD-090 was settled in October)", alfa.Breaches)
	}
	b := alfa.Breaches[0]
	if b.Key != "HYD-104" || !b.Deadline.Equal(msk("2026-11-09 11:00")) || !b.Stopped.Equal(msk("2026-11-09 13:00")) || b.Overdue != h(2) || b.OverdueWall != h(2) {
		t.Errorf("breach %+v, want HYD-104 due Mon 11:00, answered 13:00, 2h over", b)
	}
	if cr := alfa.Current.Credit; cr.BillableHours != 9.5 || cr.AfterHours != h(3) || cr.Requests != 6 {
		t.Errorf("alfa hours %.2f after %s requests %d, want 9.50, 3h, 6", cr.BillableHours, cr.AfterHours, cr.Requests)
	}
	if w := alfa.Weeks; len(w) != 6 || w[1].Goals[0].Met != 4 || w[2].Goals[0].Breached != 1 || !w[0].From.Equal(r.Start) || !w[5].To.Equal(r.End) {
		t.Errorf("alfa weeks %+v", w)
	}

	// October, for the comparison.
	prev := alfa.Previous
	pfr := goalFigures(t, &prev, "first_response")
	check("alfa October first response", pfr.All, want{1, 1, h(1), h(1), h(1), h(1), 1})
	if prev.Opened != 2 || prev.Resolved != 1 || prev.Credit.BillableHours != 3 {
		t.Errorf("alfa October opened %d resolved %d hours %.2f, want 2, 1, 3.00", prev.Opened, prev.Resolved, prev.Credit.BillableHours)
	}

	beta := sectionOf(t, r, "beta.ru")
	bfr := goalFigures(t, &beta.Current, "first_response")
	check("beta first response", bfr.All, want{1, 1, h(4), h(4), h(26), h(26), 1})
	if len(beta.Breaches) != 1 {
		t.Fatalf("beta breaches %+v", beta.Breaches)
	}
	if b := beta.Breaches[0]; b.Key != "HYD-111" || !b.Stopped.IsZero() || b.Overdue != h(125.5) || b.OverdueWall != h(469.5) {
		t.Errorf("beta breach %+v, want HYD-111 still open, 125h30m business and 469h30m wall over", b)
	}

	tfr := goalFigures(t, &r.Total.Current, "first_response")
	check("all first response", tfr.All, want{5, 2, h(4), h(9), tfr.All.Wall.Median, tfr.All.Wall.P90, 7})
	if r.Total.Current.Opened != 8 || r.Total.Current.Resolved != 5 || r.Total.Current.Credit.BillableHours != 9.5 {
		t.Errorf("total %+v", r.Total.Current)
	}
}

// Month boundaries are Moscow's, not UTC's: HYD-106 (31 Oct 21:30 UTC) is a
// November issue, HYD-107 (30 Nov 23:30 UTC) a December one; a worklog at
// 30 Nov 21:30 UTC is December's work.
func TestHydraMonthBoundaryInPolicyZone(t *testing.T) {
	r := hydraReport(t)
	if !hasRow(r, "HYD-106") || !row(t, r, "HYD-106").Opened {
		t.Errorf("HYD-106 opened at 00:30 MSK on 1 November belongs to November")
	}
	if hasRow(r, "HYD-107") {
		t.Errorf("HYD-107 opened at 02:30 MSK on 1 December must not be in November")
	}
	if got := row(t, r, "HYD-105").PeriodHours; got != 0.5 {
		t.Errorf("HYD-105 November hours %.2f, want 0.50 (the 00:30 MSK worklog is December's)", got)
	}
	oct := Build(seed(t, "hydra"), hydraIssues(t), MonthPeriod(2026, time.October), hydraNow(t), rules.Options{BotAccountID: "slabot"})
	if hasRow(oct, "HYD-106") {
		t.Errorf("HYD-106 must not be in October although it is October in UTC")
	}
	if sectionOf(t, oct, "alfa.ru").Current.Opened != 2 {
		t.Errorf("October opened %d, want 2", sectionOf(t, oct, "alfa.ru").Current.Opened)
	}
}

// Hydra: "Processing any ticket outside business hours is charged at double
// rate": HYD-104's Saturday 2h bill 4.00, its Monday 18:00-20:00 bills 1.00
// + 2.00.
func TestHydraDoubleRateHours(t *testing.T) {
	r := hydraReport(t)
	x := row(t, r, "HYD-104")
	if x.PeriodHours != 7 || x.PeriodAfterHours != 3*time.Hour || x.BillableHours != 7 {
		t.Errorf("HYD-104 hours %.2f (after %s), total %.2f, want 7.00 with 3h after hours", x.PeriodHours, x.PeriodAfterHours, x.BillableHours)
	}
	// HYD-090 was opened in October; its November hour is November's work.
	if y := row(t, r, "HYD-090"); y.PeriodHours != 1 || y.BillableHours != 3 {
		t.Errorf("HYD-090 period hours %.2f total %.2f, want 1.00 of 3.00", y.PeriodHours, y.BillableHours)
	}
}

// A report built while the month runs is taken as of now, and says so.
func TestPartialPeriod(t *testing.T) {
	now := at(t, "Europe/Moscow", "2026-11-09 12:00")
	r := Build(seed(t, "hydra"), hydraIssues(t), MonthPeriod(2026, time.November), now, rules.Options{BotAccountID: "slabot"})
	if r.Complete || !r.AsOf.Equal(now) {
		t.Fatalf("as of %s complete %v, want now and incomplete", r.AsOf, r.Complete)
	}
	alfa := sectionOf(t, r, "alfa.ru")
	// By Mon 9 Nov 12:00 HYD-104 is breached (due 11:00) but unanswered:
	// 3h Friday + 2h Monday = 5h elapsed, 1h over; wall 1h over.
	if len(alfa.Breaches) != 1 || !alfa.Breaches[0].Stopped.IsZero() || alfa.Breaches[0].Overdue != time.Hour {
		t.Errorf("breaches %+v, want HYD-104 open and 1h over", alfa.Breaches)
	}
	if alfa.Current.Opened != 5 {
		t.Errorf("opened %d, want 5 (HYD-105 does not exist yet)", alfa.Current.Opened)
	}
}

// A reopened issue: the first cycle's resolution, hidden at the period's end
// by the second cycle, is still counted because the issue is also evaluated
// as of its resolution.
func TestReopenedCycleStillCounted(t *testing.T) {
	msk := func(s string) time.Time { return at(t, "Europe/Moscow", s) }
	iss := newIssue("HYD-200", "High", "Incident", msk("2026-11-02 10:00"), "ivan@alfa.ru",
		rulestest.Comment(msk("2026-11-02 11:00"), "olga@latera.ru", true), rulestest.Resolve(msk("2026-11-02 13:00")), rulestest.Reopen(msk("2026-11-03 10:00")))
	r := Build(seed(t, "hydra"), []rules.Issue{iss}, MonthPeriod(2026, time.November), hydraNow(t), rules.Options{})
	res := goalFigures(t, &r.Total.Current, "resolution").All
	if res.Business.N != 1 || res.Business.Median != 3*time.Hour {
		t.Errorf("resolution %+v, want the first cycle's 3h", res.Business)
	}
	if g := row(t, r, "HYD-200").Goals[1]; g.Cycles != 1 || g.Cycle != 1 || !row(t, r, "HYD-200").Closed {
		t.Errorf("row goal %+v, want cycle 1 counted", g)
	}
}

func TestOnlyOneCustomer(t *testing.T) {
	r := hydraReport(t)
	one, err := r.Only("BETA.ru")
	if err != nil {
		t.Fatal(err)
	}
	if len(one.Customers) != 1 || one.Total.Customer != "beta.ru" || len(one.Issues) != 2 {
		t.Errorf("only beta: %d sections, total %q, %d rows", len(one.Customers), one.Total.Customer, len(one.Issues))
	}
	if _, err := r.Only("gamma.ru"); !errors.Is(err, ErrNoCustomer) {
		t.Errorf("unknown customer: %v, want ErrNoCustomer", err)
	}
}
