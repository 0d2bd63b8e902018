package report

import (
	"testing"
	"time"

	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/rulestest"
)

// hydraIssues is the fixed Hydra data set for the November 2026 report
// (previous period: October 2026). Every figure the tests check is worked
// out by hand here.
//
// Hydra's policy (deploy/policies/hydra.yaml): zone Europe/Moscow (UTC+3 all
// year, no DST); business calendar Mon-Fri 10:00-19:00 (9h a day), Unity Day
// Wed 4 Nov 2026 is a holiday. First response ("Reaction") targets: urgent
// 1h, high 4h, normal 1bd = 9h, low 2bd = 18h; resolution has no target
// (times only). Agents answer from latera.ru. Worklogs inside business hours
// bill once, outside them twice. No plans, so no credits. Customers are the
// reporters' e-mail domains: alfa.ru and beta.ru.
//
// November 2026: Sun 1, Mon 2, Tue 3, Wed 4 (holiday), Thu 5, Fri 6, Mon 9,
// 16, 23, 30. The month in Moscow is [2026-11-01 00:00 MSK, 2026-12-01
// 00:00 MSK) = [2026-10-31 21:00Z, 2026-11-30 21:00Z).
//
// alfa.ru, November:
//
//	HYD-101 urgent incident, created Mon 2 Nov 10:00, reply 10:20: met,
//	        business 20m, wall 20m. Resolved 15:00: 5h / 5h.
//	        Worklog Mon 2 Nov 11:00 1h, in hours: 1.00 h.
//	HYD-102 high incident, created Mon 2 Nov 18:00, reply Tue 3 Nov 11:30:
//	        1h (Mon 18-19) + 1h30m (Tue 10-11:30) = 2h30m, met (4h); wall
//	        17h30m. Resolved Thu 5 Nov 12:00: 1h + 9h (Tue) + 0 (holiday) +
//	        2h (Thu) = 12h business; wall 66h.
//	HYD-103 normal question, created Tue 3 Nov 17:00, reply Thu 5 Nov 12:00:
//	        2h (Tue) + 0 (holiday) + 2h (Thu) = 4h, met (9h); wall 43h.
//	HYD-104 high incident, created Fri 6 Nov 16:00: 3h on Friday, the 4h
//	        target is reached Mon 9 Nov 11:00. Reply Mon 13:00: 3h + 3h = 6h,
//	        breached, overdue 2h business and 2h wall; wall 69h. Resolved Mon
//	        9 Nov 18:00: 3h + 8h = 11h business, 74h wall.
//	        Worklogs: Sat 7 Nov 12:00 2h, all after hours: 4.00 h; Mon 9 Nov
//	        18:00 2h, 18-19 in hours (1.00) and 19-20 after (2.00): 3.00 h.
//	        Issue total 7.00 h, 3h after hours.
//	HYD-105 low incident, created Mon 30 Nov 18:00, no reply by the month's
//	        end: 1h of 18h elapsed, running: not settled, not completed.
//	        Worklogs: Mon 30 Nov 18:00 30m in hours (0.50 h, November);
//	        2026-11-30T21:30Z = Tue 1 Dec 00:30 MSK 1h: December, not billed
//	        in November although it is still 30 November in UTC.
//	HYD-106 normal question, created 2026-10-31T21:30Z = Sun 1 Nov 00:30
//	        MSK: November in Moscow although October in UTC. The clock
//	        starts Mon 2 Nov 10:00; reply Mon 19:00 = 9h exactly, the
//	        deadline at closing time: met. Wall 1 Nov 00:30 -> 2 Nov 19:00 =
//	        42h30m.
//	HYD-107 created 2026-11-30T23:30Z = Tue 1 Dec 02:30 MSK: December, absent
//	        from November's report although it is November in UTC.
//	HYD-090 urgent incident opened in October (Fri 30 Oct 17:00): deadline
//	        Fri 18:00, breached in October. Reply Mon 2 Nov 10:30: 2h (Fri
//	        17-19) + 30m = 2h30m business, wall 65h30m. The breach was
//	        settled in October, so November counts its times (the clock
//	        stopped in November) but not its breach. Resolved Mon 2 Nov
//	        12:00: 2h + 2h = 4h business, wall 67h. Worklogs: Fri 30 Oct
//	        20:00 1h after hours (2.00 h, October); Mon 2 Nov 10:30 1h in
//	        hours (1.00 h, November: billed in the month the work was done).
//
// alfa.ru first response in November: met 101, 102, 103, 106; breached 104
// -> 4 of 5 = 80.0%. Completed (stopped in November): 101 20m, 102 2h30m,
// 103 4h, 104 6h, 106 9h, 090 2h30m. Business sorted: 20m, 2h30m, 2h30m,
// 4h, 6h, 9h (n = 6): median rank ceil(0.5*6) = 3 -> 2h30m; P90 rank
// ceil(0.9*6) = ceil(5.4) = 6 -> 9h. Wall sorted: 20m, 17h30m, 42h30m, 43h,
// 65h30m, 69h: median 42h30m, P90 69h.
// Per priority: urgent (101, 090): 1 met, 0 breached, business 20m, 2h30m
// -> median rank ceil(1) = 1 -> 20m, P90 rank ceil(1.8) = 2 -> 2h30m; wall
// 20m, 65h30m. high (102, 104): 1 met, 1 breached = 50.0%, business 2h30m /
// 6h, wall 17h30m / 69h. normal (103, 106): 2 met = 100.0%, business 4h /
// 9h, wall 42h30m / 43h. low (105): nothing settled or completed: no line.
// alfa.ru resolution in November (no target): 101 5h/5h, 102 12h/66h, 104
// 11h/74h, 090 4h/67h. Business sorted 4h, 5h, 11h, 12h: median rank 2 ->
// 5h, P90 rank ceil(3.6) = 4 -> 12h. Wall sorted 5h, 66h, 67h, 74h: median
// 66h, P90 74h.
// alfa.ru opened 6 (101-106), resolved 4 (101, 102, 104, 090). Support
// hours: 1.00 + 4.00 + 3.00 + 0.50 + 1.00 = 9.50 h, 3h of it after hours.
// Weeks: Mon 2 - Sun 8 Nov: 101, 102, 103, 106 met; Mon 9 - Sun 15: 104
// breached (at Mon 9 11:00).
//
// alfa.ru, October: HYD-080 high incident Mon 26 Oct 10:00, reply 11:00
// (met, 1h), resolved 12:00 (2h), worklog Mon 26 Oct 10:00 1h (1.00 h);
// HYD-090 above, breached 30 Oct 18:00 and still open at the end of October:
// overdue 1h business (2h elapsed Fri 17-19, target 1h) and 30h wall (Fri
// 18:00 -> Sun 1 Nov 00:00). October: opened 2, resolved 1, met 1 of 2 =
// 50.0%, first-response median 1h (080 is the only stopped clock), support
// hours 1.00 + 2.00 = 3.00.
//
// beta.ru, November:
//
//	HYD-110 normal question, created on the Unity Day holiday Wed 4 Nov
//	        12:00: the clock starts Thu 5 Nov 10:00. Reply Thu 14:00: 4h, met;
//	        wall 26h. Resolved Thu 16:00: 6h business, 28h wall.
//	HYD-111 urgent incident, created Tue 10 Nov 18:30, never answered: the
//	        1h target is reached Wed 11 Nov 10:30 (30m Tue + 30m Wed),
//	        breached in November and still open at its end. Elapsed at Tue
//	        1 Dec 00:00: 30m (Tue 10) + 27h (Wed 11 - Fri 13) + 45h (16-20)
//	        + 45h (23-27) + 9h (Mon 30) = 126h30m; overdue 125h30m business;
//	        wall 11 Nov 10:30 -> 1 Dec 00:00 = 19 days 13h30m = 469h30m.
//
// beta.ru: opened 2, resolved 1, first response met 1 of 2 = 50.0%,
// business median and P90 4h (one stopped clock); nothing in October.
//
// All customers, November: opened 8, resolved 5; first response met 5 of 7
// = 71.4%; completed business times 20m, 2h30m, 2h30m, 4h, 4h, 6h, 9h (n =
// 7): median rank ceil(3.5) = 4 -> 4h, P90 rank ceil(6.3) = 7 -> 9h.
// Support hours 9.50 (beta.ru logged none).
func hydraIssues(t testing.TB) []rules.Issue {
	msk := func(s string) time.Time { return at(t, "Europe/Moscow", s) }
	const agent = "olga@latera.ru"
	alfa, beta := "ivan@alfa.ru", "petr@beta.ru"
	return []rules.Issue{
		newIssue("HYD-080", "High", "Incident", msk("2026-10-26 10:00"), alfa, rulestest.Summary("Invoices not generated", ""),
			rulestest.Comment(msk("2026-10-26 11:00"), agent, true), rulestest.Worklog(msk("2026-10-26 10:00"), time.Hour, "agent@latera.ru"), rulestest.Resolve(msk("2026-10-26 12:00"))),
		newIssue("HYD-090", "Highest", "Incident", msk("2026-10-30 17:00"), alfa, rulestest.Summary("Billing run stopped", ""),
			rulestest.Worklog(msk("2026-10-30 20:00"), time.Hour, "agent@latera.ru"), rulestest.Comment(msk("2026-11-02 10:30"), agent, true),
			rulestest.Worklog(msk("2026-11-02 10:30"), time.Hour, "agent@latera.ru"), rulestest.Resolve(msk("2026-11-02 12:00"))),
		newIssue("HYD-101", "Highest", "Incident", msk("2026-11-02 10:00"), alfa, rulestest.Summary("Payments gateway down", ""),
			rulestest.Comment(msk("2026-11-02 10:20"), agent, true), rulestest.Worklog(msk("2026-11-02 11:00"), time.Hour, "agent@latera.ru"), rulestest.Resolve(msk("2026-11-02 15:00"))),
		newIssue("HYD-102", "High", "Incident", msk("2026-11-02 18:00"), alfa, rulestest.Summary("Tariff change | not applied", ""),
			rulestest.Comment(msk("2026-11-03 11:30"), agent, true), rulestest.Resolve(msk("2026-11-05 12:00"))),
		newIssue("HYD-103", "Medium", "Question", msk("2026-11-03 17:00"), alfa, rulestest.Summary("How to export *all* subscribers?", ""),
			rulestest.Comment(msk("2026-11-05 12:00"), agent, true)),
		newIssue("HYD-104", "High", "Incident", msk("2026-11-06 16:00"), alfa, rulestest.Summary("Duplicate charges", ""),
			rulestest.Worklog(msk("2026-11-07 12:00"), 2*time.Hour, "agent@latera.ru"), rulestest.Comment(msk("2026-11-09 13:00"), agent, true),
			rulestest.Worklog(msk("2026-11-09 18:00"), 2*time.Hour, "agent@latera.ru"), rulestest.Resolve(msk("2026-11-09 18:00"))),
		newIssue("HYD-105", "Low", "Incident", msk("2026-11-30 18:00"), alfa, rulestest.Summary("Report layout", ""),
			rulestest.Worklog(msk("2026-11-30 18:00"), 30*time.Minute, "agent@latera.ru"), rulestest.Worklog(utc(t, "2026-11-30T21:30:00Z"), time.Hour, "agent@latera.ru")),
		newIssue("HYD-106", "Medium", "Question", utc(t, "2026-10-31T21:30:00Z"), alfa, rulestest.Summary("Question sent at night", ""),
			rulestest.Comment(msk("2026-11-02 19:00"), agent, true)),
		newIssue("HYD-107", "Medium", "Question", utc(t, "2026-11-30T23:30:00Z"), alfa, rulestest.Summary("December question", "")),
		newIssue("HYD-110", "Medium", "Question", msk("2026-11-04 12:00"), beta, rulestest.Summary("Question on a holiday", ""),
			rulestest.Comment(msk("2026-11-05 14:00"), agent, true), rulestest.Resolve(msk("2026-11-05 16:00"))),
		newIssue("HYD-111", "Highest", "Incident", msk("2026-11-10 18:30"), beta, rulestest.Summary("Nobody answered", "")),
	}
}

// hydraNow is when the November report is built: in December, after more
// has happened (HYD-105's December worklog, HYD-107), none of which may
// change November's figures.
func hydraNow(t testing.TB) time.Time { return at(t, "Europe/Moscow", "2026-12-02 09:00") }
