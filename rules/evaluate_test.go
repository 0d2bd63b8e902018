package rules_test

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/rulestest"
)

// Botron: "the first response and assessment of the issue is done in 1
// business day. Business days are Monday to Friday, except December 25th
// (Christmas), January 1st (New Year), March 3rd and Thanksgiving Day (last
// Thursday of November). Business hours are from 6,00am to 10,00pm Western
// European Time (GMT)."
func TestBotronFirstResponseDeadline(t *testing.T) {
	p := seed(t, "botron")
	cases := []struct {
		name, created, want string
	}{
		{"a plain Tuesday: 1bd is 16 business hours, the same time next day", "2026-11-17T10:00:00Z", "2026-11-18T10:00:00Z"},
		{"Dec 24 (Thu) runs past Christmas (Fri) and the weekend to Mon Dec 28", "2026-12-24T12:00:00Z", "2026-12-28T12:00:00Z"},
		{"Dec 31 (Thu) skips January 1st (Fri) and the weekend", "2026-12-31T15:00:00Z", "2027-01-04T15:00:00Z"},
		{"March 3rd is a holiday", "2027-03-02T10:00:00Z", "2027-03-04T10:00:00Z"},
		{"Thanksgiving is the last Thursday: 2029-11-29 is closed", "2029-11-28T14:00:00Z", "2029-11-30T14:00:00Z"},
		{"2029-11-22 is the 4th Thursday but not the last: a business day", "2029-11-21T14:00:00Z", "2029-11-22T14:00:00Z"},
		{"deadline exactly at closing time stays at 22:00", "2026-11-16T06:00:00Z", "2026-11-16T22:00:00Z"},
		{"created at night starts at 06:00", "2026-11-16T23:30:00Z", "2026-11-17T22:00:00Z"},
		{"created Saturday starts Monday 06:00", "2026-11-21T12:00:00Z", "2026-11-23T22:00:00Z"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			created := rulestest.RFC3339(t, tc.created)
			o := evalOne(t, p, rulestest.Issue("BCFG-1", "Medium", "Question", created), created)
			g := mustGoal(t, o, "first_response")
			if g.State != rules.StateRunning {
				t.Fatalf("state %s, want running", g.State)
			}
			if want := rulestest.RFC3339(t, tc.want); !g.Deadline.Equal(want) {
				t.Errorf("deadline %s, want %s", g.Deadline.UTC().Format(time.RFC3339), tc.want)
			}
			if got := o.Fields["First response due"].Time; !got.Equal(g.Deadline) {
				t.Errorf("field %s, want the deadline %s", got, g.Deadline)
			}
		})
	}
}

// Botron: first response "in 1 business day"; a response exactly at the
// deadline meets it, one after it is a breach.
func TestBotronMetAndBreached(t *testing.T) {
	p := seed(t, "botron")
	created := rulestest.RFC3339(t, "2026-11-16T06:00:00Z") // deadline Mon 22:00
	cases := []struct {
		name   string
		answer string
		public bool
		email  string
		want   rules.GoalState
	}{
		{"public agent reply before the deadline", "2026-11-16T12:00:00Z", true, agentEmail, rules.StateMet},
		{"reply exactly at closing time is in time", "2026-11-16T22:00:00Z", true, agentEmail, rules.StateMet},
		{"reply after closing is late although no business time passed", "2026-11-16T23:00:00Z", true, agentEmail, rules.StateBreached},
		{"an internal note is not a response", "2026-11-16T12:00:00Z", false, agentEmail, rules.StateBreached},
		{"the reporter's own comment is not a response", "2026-11-16T12:00:00Z", true, rulestest.CustomerEmail, rules.StateBreached},
		{"a colleague of the reporter is a customer, not an agent", "2026-11-16T12:00:00Z", true, "dora@customer.example", rules.StateBreached},
		{"nor is anyone outside Botron's domain", "2026-11-16T12:00:00Z", true, "helper@botronsoft.com.evil.example", rules.StateBreached},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			iss := rulestest.Issue("BCFG-2", "Medium", "Question", created, rulestest.Comment(rulestest.RFC3339(t, tc.answer), tc.email, tc.public))
			o := evalOne(t, p, iss, rulestest.RFC3339(t, "2026-11-18T12:00:00Z"))
			g := mustGoal(t, o, "first_response")
			if g.State != tc.want {
				t.Fatalf("state %s, want %s (elapsed %s)", g.State, tc.want, g.Elapsed)
			}
			breachedLabel := hasLabel(o, "sla-first_response-breached")
			if breachedLabel != (tc.want == rules.StateBreached) {
				t.Errorf("breached label %v, labels %v", breachedLabel, o.Labels)
			}
		})
	}
}

// A pause over a weekend. Botron: "the first response and assessment of the
// issue is done in 1 business day. Business days are Monday to Friday". The
// contract is silent on waiting for the customer; the policy pauses the
// clock in "Waiting for customer" (so the weekend and the wait both stand
// still), and while paused the deadline is the projection if the clock
// resumed now.
func TestPauseOverWeekend(t *testing.T) {
	p := seed(t, "botron")
	created := rulestest.RFC3339(t, "2026-11-20T10:00:00Z") // Friday
	opts := []rulestest.Opt{
		rulestest.MoveTo(rulestest.RFC3339(t, "2026-11-20T12:00:00Z"), "Waiting for customer", rules.CategoryInProgress),
	}
	paused := rulestest.Issue("BCFG-3", "Medium", "Question", created, opts...)
	o := evalOne(t, p, paused, rulestest.RFC3339(t, "2026-11-22T12:00:00Z")) // Sunday noon
	g := mustGoal(t, o, "first_response")
	if g.State != rules.StatePaused || g.Elapsed != 2*time.Hour {
		t.Fatalf("state %s elapsed %s, want paused after 2h", g.State, g.Elapsed)
	}
	// 14h left, projected from now (Sunday): Monday 06:00 + 14h = 20:00.
	if want := rulestest.RFC3339(t, "2026-11-23T20:00:00Z"); !g.Deadline.Equal(want) {
		t.Errorf("projected deadline %s, want %s", g.Deadline.UTC(), want)
	}
	if len(g.Pauses) != 1 || !g.Pauses[0].To.IsZero() {
		t.Errorf("pauses %+v, want one open pause", g.Pauses)
	}

	resumed := rulestest.Issue("BCFG-3", "Medium", "Question", created, append(opts,
		rulestest.MoveTo(rulestest.RFC3339(t, "2026-11-23T09:00:00Z"), "In Progress", rules.CategoryInProgress))...)
	o = evalOne(t, p, resumed, rulestest.RFC3339(t, "2026-11-23T10:00:00Z"))
	g = mustGoal(t, o, "first_response")
	// resumed Monday 09:00 with 14h left: 13h to 22:00, 1h Tuesday -> 07:00.
	if want := rulestest.RFC3339(t, "2026-11-24T07:00:00Z"); g.State != rules.StateRunning || !g.Deadline.Equal(want) {
		t.Errorf("state %s deadline %s, want running until %s", g.State, g.Deadline.UTC(), want)
	}
	if g.Elapsed != 3*time.Hour {
		t.Errorf("elapsed %s, want 3h (2h Friday + 1h Monday)", g.Elapsed)
	}
}

// Sanarise: "The resolution time for any ticket begins after the
// qualification stage." A reopened issue starts a new cycle.
func TestSanariseResolutionAfterQualificationAndReopen(t *testing.T) {
	p := seed(t, "sanarise")
	ist := func(s string) time.Time { return rulestest.RFC3339(t, s+"+03:00") }
	iss := rulestest.Issue("SAN-1", "High", "Report a Problem/Bug", ist("2026-11-16T09:00:00"),
		rulestest.Comment(ist("2026-11-16T10:00:00"), "ayse@sanarise.com", true),
		rulestest.MoveTo(ist("2026-11-16T10:00:00"), "Qualification", rules.CategoryInProgress),
		rulestest.MoveTo(ist("2026-11-16T11:00:00"), "In Progress", rules.CategoryInProgress),
	)
	// During qualification the resolution clock has not started.
	o := evalOne(t, p, iss, ist("2026-11-16T10:30:00"))
	if g := mustGoal(t, o, "resolution"); g.State != rules.StateNotStarted {
		t.Fatalf("resolution during qualification: %s, want not started", g.State)
	}
	// "Yüksek" (high): "Çözüm Süresi: 12 saat içinde" -> 12 business hours from
	// 11:00 Monday: 7h Monday, 5h Tuesday -> Tuesday 14:00.
	o = evalOne(t, p, iss, ist("2026-11-16T12:00:00"))
	g := mustGoal(t, o, "resolution")
	if want := ist("2026-11-17T14:00:00"); g.State != rules.StateRunning || !g.Deadline.Equal(want) || !g.Start.Equal(ist("2026-11-16T11:00:00")) {
		t.Fatalf("state %s start %s deadline %s, want running from 11:00 until %s", g.State, g.Start, g.Deadline, want)
	}
	resolved := iss
	rulestest.Resolve(ist("2026-11-17T10:00:00"))(&resolved)
	o = evalOne(t, p, resolved, ist("2026-11-17T12:00:00"))
	if g := mustGoal(t, o, "resolution"); g.State != rules.StateMet || g.Elapsed != 8*time.Hour || g.Cycle != 1 {
		t.Fatalf("after resolving: state %s elapsed %s cycle %d, want met after 8h in cycle 1", g.State, g.Elapsed, g.Cycle)
	}
	reopened := resolved
	reopened.Changes = append([]rules.Change(nil), resolved.Changes...)
	rulestest.Reopen(ist("2026-11-18T14:00:00"))(&reopened)
	o = evalOne(t, p, reopened, ist("2026-11-19T12:00:00"))
	g = mustGoal(t, o, "resolution")
	// New cycle from Wednesday 14:00: 4h Wednesday + 8h Thursday -> Thu 17:00.
	if g.Cycle != 2 || g.State != rules.StateRunning || !g.Deadline.Equal(ist("2026-11-19T17:00:00")) || g.Elapsed != 7*time.Hour {
		t.Fatalf("reopened: cycle %d state %s deadline %s elapsed %s, want cycle 2 running until Thu 17:00 after 7h", g.Cycle, g.State, g.Deadline, g.Elapsed)
	}
}

// A priority change re-targets the running cycle from its start.
// Sanarise: "Orta" (medium) "İlk Yanıt Süresi: 4 saat içinde", "Yüksek" (high)
// "İlk Yanıt Süresi: 2 saat içinde".
func TestPriorityChangeMidCycle(t *testing.T) {
	p := seed(t, "sanarise")
	ist := func(s string) time.Time { return rulestest.RFC3339(t, s+"+03:00") }
	iss := rulestest.Issue("SAN-2", "Medium", "Report a Problem/Bug", ist("2026-11-16T09:00:00"))
	o := evalOne(t, p, iss, ist("2026-11-16T09:30:00"))
	if g := mustGoal(t, o, "first_response"); !g.Deadline.Equal(ist("2026-11-16T13:00:00")) {
		t.Fatalf("medium deadline %s, want 13:00", g.Deadline)
	}
	rulestest.SetPriority(ist("2026-11-16T10:00:00"), "High")(&iss)
	o = evalOne(t, p, iss, ist("2026-11-16T10:30:00"))
	g := mustGoal(t, o, "first_response")
	if !g.Deadline.Equal(ist("2026-11-16T11:00:00")) || g.Priority != "high" {
		t.Fatalf("after raising to high: deadline %s priority %s, want 11:00 from the cycle start", g.Deadline, g.Priority)
	}
	// 75 % of 2h is 1h30m: at 10:30 the goal is at risk and the agent step is due.
	if !g.AtRisk || !hasLabel(o, "sla-first_response-at-risk") {
		t.Errorf("want at risk at 10:30, labels %v", o.Labels)
	}
	if len(o.Notices) != 1 || o.Notices[0].Rung != rules.RungAgent || o.Notices[0].Level != 1 {
		t.Errorf("escalations %+v, want level 1 to the agent", o.Notices)
	}
}

// Sanarise: "Genişletilmiş Destek: ... kritik sorunlarda 7/24 destek
// sağlıyoruz." Critical issues run 24/7; others wait for Monday 09:00.
func TestSanariseCriticalRunsAroundTheClock(t *testing.T) {
	p := seed(t, "sanarise")
	ist := func(s string) time.Time { return rulestest.RFC3339(t, s+"+03:00") }
	sat := ist("2026-11-21T02:00:00")
	cases := []struct {
		prio, typ string
		resp, res string
	}{
		{"Critical", "Cannot Access Website/Database", "2026-11-21T03:00:00", "2026-11-21T09:00:00"}, // 1h / 7h, 24/7
		{"High", "Cannot Access Website/Database", "2026-11-23T11:00:00", ""},                        // 2h from Monday 09:00
		{"Low", "Other", "2026-11-23T17:00:00", ""},                                                  // 8h from Monday 09:00
	}
	for _, tc := range cases {
		t.Run(tc.prio, func(t *testing.T) {
			opts := []rulestest.Opt{}
			if tc.res != "" {
				opts = append(opts, rulestest.MoveTo(sat, "Qualification", rules.CategoryInProgress), rulestest.MoveTo(ist("2026-11-21T02:00:00"), "In Progress", rules.CategoryInProgress))
			}
			o := evalOne(t, p, rulestest.Issue("SAN-3", tc.prio, tc.typ, sat, opts...), sat)
			if g := mustGoal(t, o, "first_response"); !g.Deadline.Equal(ist(tc.resp)) {
				t.Errorf("first response deadline %s, want %s", g.Deadline, tc.resp)
			}
			if tc.res != "" {
				if g := mustGoal(t, o, "resolution"); !g.Deadline.Equal(ist(tc.res)) {
					t.Errorf("resolution deadline %s, want %s", g.Deadline, tc.res)
				}
			}
		})
	}
}

// B2Bee: every cell of the severity x plan table is "a first-response time and
// its own availability window".
func TestB2BeePerPlanWindows(t *testing.T) {
	p := seed(t, "b2bee")
	lj := func(s string) time.Time { return rulestest.RFC3339(t, s+"+01:00") }
	cases := []struct {
		contract, prio, org, created, want string
	}{
		{"Significant / Basic: First response time 4h, availability from 8-18:00 w.d.", "High", "Pekarna Novak", "2026-11-20T16:00:00", "2026-11-23T10:00:00"},
		{"Significant / Premium: First response time 1h, availability from 8-22:00 w.d.", "High", "Trgovina Zupan", "2026-11-20T21:30:00", "2026-11-23T08:30:00"},
		{"Critical / Basic: First response time 1h, availability from 8-22:00 (every day)", "Highest", "Pekarna Novak", "2026-11-21T21:30:00", "2026-11-22T08:30:00"},
		{"Critical / Standard: First response time 1h, availability from 8-24:00", "Highest", "Mlin Kos", "2026-11-21T23:30:00", "2026-11-22T08:30:00"},
		{"Minor / Standard: First response time 8h, availability from 8-17:00 w.d.", "Medium", "Mlin Kos", "2026-11-20T12:00:00", "2026-11-23T11:00:00"},
		{"No business impact / Basic: First response time 48h, availability from 9-17:00 w.d.", "Low", "Pekarna Novak", "2026-11-16T09:00:00", "2026-11-23T17:00:00"},
		{"w.d. excludes public holidays: Christmas 25 Dec and 26 Dec", "Low", "Trgovina Zupan", "2026-12-24T13:00:00", "2026-12-28T13:00:00"},
	}
	for _, tc := range cases {
		t.Run(tc.contract, func(t *testing.T) {
			o := evalOne(t, p, rulestest.Issue("B2B-1", tc.prio, "Question", lj(tc.created), rulestest.Org(tc.org)), lj(tc.created))
			g := mustGoal(t, o, "first_response")
			if !g.Deadline.Equal(lj(tc.want)) {
				t.Errorf("deadline %s, want %s (row %d, calendar %s)", g.Deadline, tc.want, g.Row.Row, g.Calendar.Name())
			}
		})
	}
}

// Unknown priority, type or customer: a label and a reason, never a panic,
// and the other issues are unaffected.
func TestUnknownTermsAreFlagged(t *testing.T) {
	p := seed(t, "b2bee")
	now := rulestest.RFC3339(t, "2026-11-17T10:00:00Z")
	issues := []rules.Issue{
		rulestest.Issue("B2B-10", "P0", "Epic", now, rulestest.Reporter("someone@unknown.example")),
		rulestest.Issue("B2B-11", "High", "Question", now, rulestest.Org("Mlin Kos"), rulestest.Reporter("jure@mlinkos.si")),
		{Key: "B2B-12"}, // nothing at all
	}
	ev := rules.Evaluate(p, issues, now, rules.Options{})
	bad := ev.Outcome("B2B-10")
	for _, l := range []string{"sla-unknown-priority", "sla-unknown-type", "sla-unknown-customer"} {
		if !hasLabel(bad, l) {
			t.Errorf("B2B-10 lacks %s: %v", l, bad.Labels)
		}
	}
	if g := mustGoal(t, bad, "first_response"); g.State != rules.StateUnknown {
		t.Errorf("goal without a matching row: %s, want unknown", g.State)
	}
	if !strings.Contains(bad.Explain(p, now), `Jira priority "P0" is not mapped`) {
		t.Errorf("explanation lacks the reason:\n%s", bad.Explain(p, now))
	}
	good := ev.Outcome("B2B-11")
	if len(good.Flags) != 0 || mustGoal(t, good, "first_response").State != rules.StateRunning {
		t.Errorf("a valid issue beside bad ones: flags %v, state %s", good.Flags, mustGoal(t, good, "first_response").State)
	}
}

// B2Bee: "Credits are not carried over to the next month" -- months are
// calendar months in the policy's zone (Europe/Ljubljana), not UTC.
func TestCreditsAcrossMonthBoundary(t *testing.T) {
	p := seed(t, "b2bee")
	issues := []rules.Issue{
		// 23:30 in Ljubljana on 30 November: November's one credit (plan basic).
		rulestest.Issue("B2B-20", "Low", "Question", rulestest.RFC3339(t, "2026-11-30T22:30:00Z"), rulestest.Org("Pekarna Novak"), rulestest.Reporter("ana@pekarna-novak.si")),
		// 00:30 in Ljubljana on 1 December (still 30 November in UTC): a new month.
		rulestest.Issue("B2B-21", "Low", "Question", rulestest.RFC3339(t, "2026-11-30T23:30:00Z"), rulestest.Org("Pekarna Novak"), rulestest.Reporter("ana@pekarna-novak.si")),
		// Later in December: December's credit is used up.
		rulestest.Issue("B2B-22", "Low", "Question", rulestest.RFC3339(t, "2026-12-02T10:00:00Z"), rulestest.Org("Pekarna Novak"), rulestest.Reporter("ana@pekarna-novak.si")),
	}
	ev := rules.Evaluate(p, issues, rulestest.RFC3339(t, "2026-12-03T10:00:00Z"), rules.Options{})
	want := []struct {
		key, month string
		charged    bool
	}{{"B2B-20", "2026-11", true}, {"B2B-21", "2026-12", true}, {"B2B-22", "2026-12", false}}
	for _, w := range want {
		c := ev.Outcome(w.key).Credit
		if c == nil || c.Month != w.month || c.Charged != w.charged {
			t.Errorf("%s credit %+v, want month %s charged %v", w.key, c, w.month, w.charged)
		}
	}
	if o := ev.Outcome("B2B-22"); !o.Credit.OverQuota || !hasLabel(o, "sla-over-quota") {
		t.Errorf("B2B-22 should be over quota: %+v %v", o.Credit, o.Labels)
	}
}

// B2Bee: "No more than two Credits can be used per day" and "10
// CREDITS/month" for Premium. The outcome is deterministic whatever the input
// order.
func TestCreditsDailyCap(t *testing.T) {
	p := seed(t, "b2bee")
	day := rulestest.RFC3339(t, "2026-11-17T08:00:00Z")
	var issues []rules.Issue
	for i, key := range []string{"B2B-30", "B2B-31", "B2B-32"} {
		issues = append(issues, rulestest.Issue(key, "Low", "Question", day.Add(time.Duration(i)*time.Hour), rulestest.Org("Trgovina Zupan"), rulestest.Reporter("tina@zupan.si")))
	}
	issues = append(issues, rulestest.Issue("B2B-33", "Low", "Question", day.Add(24*time.Hour), rulestest.Org("Trgovina Zupan"), rulestest.Reporter("tina@zupan.si")))
	for _, order := range [][]int{{0, 1, 2, 3}, {3, 2, 1, 0}} {
		in := make([]rules.Issue, 0, 4)
		for _, i := range order {
			in = append(in, issues[i])
		}
		ev := rules.Evaluate(p, in, day.Add(48*time.Hour), rules.Options{})
		for key, wantCap := range map[string]bool{"B2B-30": false, "B2B-31": false, "B2B-32": true, "B2B-33": false} {
			o := ev.Outcome(key)
			if o.Credit.DailyCap != wantCap || o.Credit.Charged == wantCap || hasLabel(o, "sla-daily-cap") != wantCap {
				t.Errorf("order %v: %s credit %+v labels %v, want daily cap %v", order, key, o.Credit, o.Labels, wantCap)
			}
		}
		if m := ev.Months[0]; m.Charged != 3 || m.DailyCapHits != 1 || m.Allowance != 10 {
			t.Errorf("month %+v, want 3 charged, 1 daily-cap hit of 10", m)
		}
	}
}

// B2Bee: "1 CREDIT/month, 1 registered person": an issue from anyone else of
// the customer is flagged.
func TestUnregisteredPerson(t *testing.T) {
	p := seed(t, "b2bee")
	now := rulestest.RFC3339(t, "2026-11-17T08:00:00Z")
	ev := rules.Evaluate(p, []rules.Issue{
		rulestest.Issue("B2B-40", "Low", "Question", now, rulestest.Reporter("ana@pekarna-novak.si")),
		rulestest.Issue("B2B-41", "Low", "Question", now.Add(time.Hour), rulestest.Reporter("boris@pekarna-novak.si")),
	}, now.Add(2*time.Hour), rules.Options{})
	if o := ev.Outcome("B2B-40"); o.Customer == nil || o.Customer.Name != "Pekarna Novak" || o.HasFlag(rules.FlagUnregistered) {
		t.Errorf("registered contact: customer %v flags %v", o.Customer, o.Flags)
	}
	if o := ev.Outcome("B2B-41"); o.Customer == nil || !o.HasFlag(rules.FlagUnregistered) {
		t.Errorf("colleague by e-mail domain should be matched and flagged: %v %v", o.Customer, o.Flags)
	}
}

// Sanarise: "If more than three issues are opened on the same day by the same
// client, the SLA times and ticket priorities will be reviewed".
func TestReviewFourthSameDayIssue(t *testing.T) {
	p := seed(t, "sanarise")
	ist := func(s string) time.Time { return rulestest.RFC3339(t, s+"+03:00") }
	var issues []rules.Issue
	for i, at := range []string{"2026-11-16T00:10:00", "2026-11-16T09:00:00", "2026-11-16T12:00:00", "2026-11-16T23:50:00", "2026-11-17T00:10:00"} {
		issues = append(issues, rulestest.Issue("SAN-"+string(rune('A'+i)), "Medium", "Question in Use or Configuration of Odoo", ist(at), rulestest.Reporter("user@client.com.tr")))
	}
	issues = append(issues, rulestest.Issue("SAN-X", "Medium", "Other", ist("2026-11-16T23:55:00"), rulestest.Reporter("someone@other.com.tr")))
	ev := rules.Evaluate(p, issues, ist("2026-11-18T00:00:00"), rules.Options{})
	want := map[string]bool{"SAN-A": false, "SAN-B": false, "SAN-C": false, "SAN-D": true, "SAN-E": false, "SAN-X": false}
	for key, review := range want {
		if o := ev.Outcome(key); hasLabel(o, "sla-review") != review {
			t.Errorf("%s review %v, want %v (labels %v)", key, !review, review, o.Labels)
		}
	}
}

// Hydra: "Priority can be set only to tickets of the Incident type (see
// below). For other types of tickets, priorities are ignored by the
// Contractor and can be automatically changed."
func TestHydraPriorityOnlyOnIncident(t *testing.T) {
	p := seed(t, "hydra")
	msk := func(s string) time.Time { return rulestest.RFC3339(t, s+"+03:00") }
	created := msk("2026-11-16T10:00:00")
	cases := []struct {
		name, prio, typ, wantSet, wantGoalPrio string
	}{
		{"urgent incident keeps its priority", "Highest", "Incident", "", "urgent"},
		{"high on a consultation is reset to normal", "High", "Question", "Medium", "normal"},
		{"low on an update is reset to normal", "Low", "Update", "Medium", "normal"},
		{"normal is allowed on every type", "Medium", "Question", "", "normal"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := evalOne(t, p, rulestest.Issue("HYD-1", tc.prio, tc.typ, created), created)
			if o.SetPriority != tc.wantSet {
				t.Errorf("set priority %q, want %q", o.SetPriority, tc.wantSet)
			}
			if g := mustGoal(t, o, "first_response"); g.Priority != tc.wantGoalPrio {
				t.Errorf("goal measured as %s, want %s", g.Priority, tc.wantGoalPrio)
			}
			if tc.wantSet != "" && (len(o.Comments) != 1 || !strings.Contains(o.Comments[0].Body, "applies only to incident")) {
				t.Errorf("want one comment saying why: %+v", o.Comments)
			}
		})
	}
}

// Sanarise in flag mode. Each priority is offered only for its types:
// "Kritik Sorunlar ... İlk Yanıt Süresi: 1 saat içinde ... Applicable Types:
// Report a Problem, Report a Problem (Due to Changes in Main Code), Cannot
// Access Website/Database, Email Deliverability Issue"; "Yüksek Öncelikli
// Sorunlar ... İlk Yanıt Süresi: 2 saat içinde ... Applicable Types: ...
// Website Issue"; "Düşük Öncelikli Sorunlar ... İlk Yanıt Süresi: 8 saat
// içinde ... Applicable Types: Request for Customization/Modifications,
// Other". So the contract commits to no critical time for a Website Issue:
// a critical Website Issue (SAN-2 in issue 22) is labelled, commented for
// the team to correct, left at Critical in Jira, and measured as high (2h
// in business hours), the nearest allowed priority (less urgent first), as
// fix mode would measure it. (Hydra: "For other types of tickets,
// priorities are ignored by the Contractor and can be automatically
// changed" is fix mode: TestHydraPriorityOnlyOnIncident.)
func TestSanarisePriorityFlag(t *testing.T) {
	p := seed(t, "sanarise")
	ist := func(s string) time.Time { return rulestest.RFC3339(t, s+"+03:00") }
	created := ist("2026-11-16T10:00:00") // a Monday
	cases := []struct {
		name, prio, typ string
		reply           string // first agent comment, "" for none
		wantPrio        string // the priority the first response is measured as
		wantDeadline    string
		wantState       rules.GoalState
		flagged         bool
	}{
		{"a critical Website Issue is measured as high", "Critical", "Website Issue", "", "high", "2026-11-16T12:00:00", rules.StateRunning, true},
		{"answered after critical's 1h but within high's 2h: met", "Critical", "Website Issue", "2026-11-16T11:30:00", "high", "2026-11-16T12:00:00", rules.StateMet, true},
		{"a high Website Issue is allowed", "High", "Website Issue", "", "high", "2026-11-16T12:00:00", rules.StateRunning, false},
		{"a critical problem report keeps critical's 1h, 24/7", "Critical", "Report a Problem", "", "critical", "2026-11-16T11:00:00", rules.StateRunning, false},
		{"a critical Other is measured as low", "Critical", "Other", "", "low", "2026-11-16T18:00:00", rules.StateRunning, true},
		{"a medium customization request is measured as low", "Medium", "Request for Customization/Modifications", "", "low", "2026-11-16T18:00:00", rules.StateRunning, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var opts []rulestest.Opt
			now := created.Add(30 * time.Minute)
			if tc.reply != "" {
				opts = append(opts, rulestest.Comment(ist(tc.reply), "agent@sanarise.com", true))
				now = ist(tc.reply).Add(time.Hour)
			}
			o := evalOne(t, p, rulestest.Issue("SAN-2", tc.prio, tc.typ, created, opts...), now)
			if o.SetPriority != "" {
				t.Errorf("flag mode changed the priority to %q", o.SetPriority)
			}
			g := mustGoal(t, o, "first_response")
			if g.Priority != tc.wantPrio || !g.Deadline.Equal(ist(tc.wantDeadline)) || g.State != tc.wantState {
				t.Errorf("measured as %s, deadline %s, %s; want %s, %s, %s", g.Priority, g.Deadline.Format(time.RFC3339), g.State, tc.wantPrio, tc.wantDeadline, tc.wantState)
			}
			if hasLabel(o, "sla-priority-not-allowed") != tc.flagged {
				t.Errorf("labels %v, flagged want %v", o.Labels, tc.flagged)
			}
			var comments []rules.NewComment
			for _, c := range o.Comments {
				if strings.HasPrefix(c.Key, "priority") {
					comments = append(comments, c)
				}
			}
			switch {
			case !tc.flagged && len(comments) > 0:
				t.Errorf("an allowed priority gets no comment: %+v", comments)
			case tc.flagged && (len(comments) != 1 || !comments[0].Internal ||
				!strings.Contains(comments[0].Body, "Priority "+tc.prio+" does not apply to") ||
				!strings.Contains(comments[0].Body, "the SLA is measured as priority "+tc.wantPrio)):
				t.Errorf("want one internal comment saying why and which priority is measured: %+v", comments)
			}
			// Posted once: the marker on the issue stops a second one.
			if tc.flagged && len(comments) == 1 {
				iss := rulestest.Issue("SAN-2", tc.prio, tc.typ, created, opts...)
				iss.Comments = append(iss.Comments, rules.Comment{Author: rules.User{AccountID: "slabot"}, Body: comments[0].Body, Created: now})
				again := evalOne(t, p, iss, now)
				for _, c := range again.Comments {
					if c.Key == comments[0].Key {
						t.Errorf("the flag comment is proposed again: %+v", c)
					}
				}
				if !hasLabel(again, "sla-priority-not-allowed") {
					t.Error("the label stays while the priority is wrong")
				}
			}
		})
	}
}

// Hydra: "Processing any ticket outside business hours is charged at double
// rate and requires verification from both parties."
func TestHydraAfterHoursDoubleRate(t *testing.T) {
	p := seed(t, "hydra")
	msk := func(s string) time.Time { return rulestest.RFC3339(t, s+"+03:00") }
	cases := []struct {
		name     string
		start    string
		spent    time.Duration
		billable float64
		after    bool
	}{
		{"inside business hours", "2026-11-16T11:00:00", 2 * time.Hour, 2, false},
		{"18:00-20:00: one hour in, one hour after", "2026-11-16T18:00:00", 2 * time.Hour, 3, true},
		{"Saturday counts double", "2026-11-21T12:00:00", 90 * time.Minute, 3, true},
		{"Russia Day (12 June) counts double", "2026-06-12T11:00:00", time.Hour, 2, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			iss := rulestest.Issue("HYD-2", "Medium", "Update", msk("2026-06-01T10:00:00"), rulestest.Worklog(msk(tc.start), tc.spent, agentEmail))
			o := evalOne(t, p, iss, msk("2026-11-30T10:00:00"))
			if o.BillableHours != tc.billable || o.HasFlag(rules.FlagAfterHours) != tc.after {
				t.Errorf("billable %.2f after-hours flag %v, want %.2f %v", o.BillableHours, o.HasFlag(rules.FlagAfterHours), tc.billable, tc.after)
			}
			if got := o.Fields["Billable hours"]; got.Kind != rules.KindNumber || got.Number != math.Round(tc.billable*100)/100 {
				t.Errorf("billable hours field = %+v, want the number %.2f", got, tc.billable)
			}
		})
	}
}

// Botron: "Customers will receive an automatic email reply with a issue
// number for the submitted inquiry" and the "Required Information" list is
// requested once.
func TestBotronAcknowledgementAndMissingInfo(t *testing.T) {
	p := seed(t, "botron")
	created := rulestest.RFC3339(t, "2026-11-17T10:00:00Z")
	iss := rulestest.Issue("BCFG-7", "Medium", "Bug", created, rulestest.Summary("It is broken", "help"))
	o := evalOne(t, p, iss, created)
	keys := map[string]string{}
	for _, c := range o.Comments {
		keys[c.Key] = c.Body
	}
	ack := keys["ack"]
	if !strings.Contains(ack, "BCFG-7") || !strings.Contains(ack, "Wed 18 Nov 2026 10:00") {
		t.Errorf("acknowledgement lacks the issue number or the deadline: %q", ack)
	}
	missing := keys["missing-info"]
	for _, item := range []string{"Product name and version in the summary", "Steps to reproduce", "Error messages or log files"} {
		if !strings.Contains(missing, item) {
			t.Errorf("missing-info comment lacks %q:\n%s", item, missing)
		}
	}
	if !hasLabel(o, "sla-missing-info") {
		t.Errorf("labels %v lack sla-missing-info", o.Labels)
	}

	// Once posted by the bot, neither comment is proposed again, but the
	// label stays until the information is supplied.
	for _, c := range o.Comments {
		iss.Comments = append(iss.Comments, rules.Comment{Author: rules.User{AccountID: "slabot"}, Created: created.Add(time.Minute), Body: c.Body, Public: true})
	}
	o = evalOne(t, p, iss, created.Add(time.Hour))
	if len(o.Comments) != 0 || !hasLabel(o, "sla-missing-info") {
		t.Errorf("after posting: comments %+v labels %v", o.Comments, o.Labels)
	}
	// The bot's own comment is not a first response.
	if g := mustGoal(t, o, "first_response"); g.State != rules.StateRunning {
		t.Errorf("bot comment stopped the clock: %s", g.State)
	}

	complete := rulestest.Issue("BCFG-8", "Medium", "Bug", created, rulestest.Summary("Configuration Manager 4.2.1 export fails",
		"Contact: Carl, ACME Ltd, phone +44 20 1234. License number: ABC-123456. Version 4.2.1 build 77 on Jira 9.12. "+
			"The export fails with an error in the log: NullPointerException. Steps to reproduce: 1. open 2. export. "+
			"Recent changes: we upgraded Jira last week."))
	o = evalOne(t, p, complete, created)
	if len(o.Missing) != 0 || hasLabel(o, "sla-missing-info") {
		t.Errorf("complete issue reported missing %v", o.Missing)
	}
	question := rulestest.Issue("BCFG-9", "Medium", "Question", created, rulestest.Summary("How do I?", ""))
	if o := evalOne(t, p, question, created); len(o.Missing) != 0 {
		t.Errorf("questions need no reproduction steps, got missing %v", o.Missing)
	}
}

// The ladder: Sanarise "İlk Seviye: Atanan destek temsilcinizle ... İkinci
// Seviye: Destek ekibi liderine ... Son Seviye: ... şirket yöneticisiyle"
// (agent, then team lead, then manager). Steps stop when the goal is met; a
// new cycle starts a new ladder.
func TestLadderClimbsAndStops(t *testing.T) {
	p := seed(t, "sanarise")
	ist := func(s string) time.Time { return rulestest.RFC3339(t, s+"+03:00") }
	created := ist("2026-11-16T09:00:00") // high: first response 2h -> 11:00
	iss := rulestest.Issue("SAN-9", "High", "Website Issue", created)
	cases := []struct {
		now    string
		levels []int
	}{
		{"2026-11-16T10:29:00", nil},
		{"2026-11-16T10:30:00", []int{1}},       // 75 % of 2h
		{"2026-11-16T11:00:00", []int{1, 2}},    // breach
		{"2026-11-16T12:59:00", []int{1, 2}},    // breach+2h is 13:00
		{"2026-11-16T13:00:00", []int{1, 2, 3}}, // management
	}
	for _, tc := range cases {
		o := evalOne(t, p, iss, ist(tc.now))
		var got []int
		for _, e := range o.Notices {
			if e.Goal == "first_response" {
				got = append(got, e.Level)
			}
		}
		if !slices.Equal(got, tc.levels) {
			t.Errorf("at %s: levels %v, want %v", tc.now, got, tc.levels)
		}
	}
	o := evalOne(t, p, iss, ist("2026-11-16T13:00:00"))
	for _, e := range o.Notices {
		want := map[int]string{1: "#sanarise-support", 2: "#sanarise-leads", 3: "#sanarise-management"}[e.Level]
		ch := e.Recipient.Channel + e.Recipient.FallbackChannel // the agent rung's channel is its fallback
		if ch != want || e.Cycle != 1 {
			t.Errorf("level %d to %s cycle %d, want %s cycle 1", e.Level, ch, e.Cycle, want)
		}
	}
	answered := iss
	rulestest.Comment(ist("2026-11-16T11:30:00"), "ayse@sanarise.com", true)(&answered)
	o = evalOne(t, p, answered, ist("2026-11-16T14:00:00"))
	for _, e := range o.Notices {
		if e.Goal == "first_response" {
			t.Errorf("met goal still escalates: %+v", e)
		}
	}
	if g := mustGoal(t, o, "first_response"); g.State != rules.StateBreached || !g.Stopped() {
		t.Errorf("answered late: %s stopped=%v, want breached and stopped", g.State, g.Stopped())
	}
}

func TestExplainTellsTheChain(t *testing.T) {
	p := seed(t, "botron")
	created := rulestest.RFC3339(t, "2026-11-20T10:00:00Z")
	iss := rulestest.Issue("BCFG-11", "Medium", "Question", created,
		rulestest.MoveTo(rulestest.RFC3339(t, "2026-11-20T12:00:00Z"), "Waiting for customer", rules.CategoryInProgress),
		rulestest.MoveTo(rulestest.RFC3339(t, "2026-11-23T09:00:00Z"), "In Progress", rules.CategoryInProgress))
	now := rulestest.RFC3339(t, "2026-11-23T10:00:00Z")
	text := evalOne(t, p, iss, now).Explain(p, now)
	for _, want := range []string{
		"goal first_response (First response): running",
		"target row 1 (any issue: 1bd on business)",
		"cycle 1 started Fri 2026-11-20 10:00 GMT",
		"paused Fri 2026-11-20 12:00 GMT to Mon 2026-11-23 09:00 GMT",
		"business time elapsed 3h, remaining 13h",
		"deadline Tue 2026-11-24 07:00 GMT",
		"step 1 (75%, agent -> #botron-support): due at",
		"step 2 (breach, team_lead -> #botron-leads): due at Tue 2026-11-24 07:00 GMT",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("explanation lacks %q:\n%s", want, text)
		}
	}
}

// Evaluating as of a past instant ignores what happened later.
func TestEvaluateAsOfPastInstant(t *testing.T) {
	p := seed(t, "botron")
	created := rulestest.RFC3339(t, "2026-11-17T10:00:00Z")
	iss := rulestest.Issue("BCFG-12", "Medium", "Question", created, rulestest.Comment(rulestest.RFC3339(t, "2026-11-17T15:00:00Z"), agentEmail, true))
	if g := mustGoal(t, evalOne(t, p, iss, rulestest.RFC3339(t, "2026-11-17T12:00:00Z")), "first_response"); g.State != rules.StateRunning {
		t.Errorf("before the reply: %s, want running", g.State)
	}
	if g := mustGoal(t, evalOne(t, p, iss, rulestest.RFC3339(t, "2026-11-17T16:00:00Z")), "first_response"); g.State != rules.StateMet {
		t.Errorf("after the reply: %s, want met", g.State)
	}
}

// Hydra: "For other types of tickets, priorities are ignored by the
// Contractor" -- also once the clock has stopped, before Jira holds the fix.
func TestHydraFixedPriorityAfterStop(t *testing.T) {
	p := seed(t, "hydra")
	msk := func(s string) time.Time { return rulestest.RFC3339(t, s+"+03:00") }
	iss := rulestest.Issue("HYD-9", "High", "Question", msk("2026-11-16T10:00:00"), rulestest.Comment(msk("2026-11-16T16:00:00"), "ivan@latera.ru", true))
	g := mustGoal(t, evalOne(t, p, iss, msk("2026-11-16T17:00:00")), "first_response")
	// normal: 1bd = 9h; answered after 6h: met (high's 4h would be a breach).
	if g.Priority != "normal" || g.State != rules.StateMet {
		t.Errorf("stopped clock measured as %s: %s, want normal: met", g.Priority, g.State)
	}
}

// Explain names the holidays that moved a deadline and where their dates
// come from (issue 22: "shown by calendar --month and explain"). A Hydra
// question raised on Wednesday 30 Dec 2026 at 18:00 Moscow time (1bd = 9h)
// runs 1h that day, then skips Dec 31 (the 2026 decree's transferred day),
// Jan 1-8 (Labour Code art. 112) and the weekend.
func TestExplainShowsTheHolidaysOnTheWay(t *testing.T) {
	p := seed(t, "hydra")
	created := rulestest.RFC3339(t, "2026-12-30T18:00:00+03:00")
	iss := rulestest.Issue("HYD-7", "Medium", "Question", created)
	text := evalOne(t, p, iss, created).Explain(p, created)
	for _, want := range []string{
		"deadline Mon 2027-01-11 18:00 MSK",
		"2026-12-31 Thu closed: Transferred days off 2026; source: Decree of the Government of the Russian Federation No. 1466 of 24 Sep 2025",
		"2027-01-07 Thu closed: Orthodox Christmas\n",
		"2027-01-08 Fri closed: New Year holidays\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("explanation lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "2027-01-02") {
		t.Errorf("a holiday on a weekend changed nothing and is not listed:\n%s", text)
	}
}
