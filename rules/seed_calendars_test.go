package rules_test

import (
	"strings"
	"testing"
	"time"

	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/calendar"
	"github.com/slabot/slabot/rules/rulestest"
)

// B2Bee (Europe/Ljubljana, which has summer time): "First response time 1h,
// availability from 8-22:00" (Critical / Basic), "First response time 1h,
// availability from 8-24:00" (Critical / Standard) and "First response time
// 4h, availability from 8-20:00 w.d." (Minor / Premium), on the days the
// clocks change. The windows keep their wall-clock times; the short and the
// long night are not business time.
func TestB2BeeDSTChangeDays(t *testing.T) {
	p := seed(t, "b2bee")
	cases := []struct {
		contract, prio, org, created, want string
		real                               time.Duration // wall time from creation to deadline
	}{
		{"Critical / Basic, 8-22:00: Saturday 21:30 CET, spring forward overnight", "Highest", "Pekarna Novak",
			"2026-03-28T21:30:00+01:00", "2026-03-29T08:30:00+02:00", 10 * time.Hour},
		{"Critical / Standard, 8-24:00: Saturday 23:30 CEST, fall back overnight", "Highest", "Mlin Kos",
			"2026-10-24T23:30:00+02:00", "2026-10-25T08:30:00+01:00", 10 * time.Hour},
		{"Minor / Premium, 8-20:00 w.d.: Friday 18:00 CET to Monday in CEST", "Medium", "Trgovina Zupan",
			"2026-03-27T18:00:00+01:00", "2026-03-30T10:00:00+02:00", 63 * time.Hour},
	}
	for _, tc := range cases {
		t.Run(tc.contract, func(t *testing.T) {
			created := rulestest.RFC3339(t, tc.created)
			o := evalOne(t, p, rulestest.Issue("B2B-50", tc.prio, "Question", created, rulestest.Org(tc.org)), created)
			g := mustGoal(t, o, "first_response")
			if !g.Deadline.Equal(rulestest.RFC3339(t, tc.want)) {
				t.Errorf("deadline %s, want %s (calendar %s)", g.Deadline.Format(time.RFC3339), tc.want, g.Calendar.Name())
			}
			if real := g.Deadline.Sub(created); real != tc.real {
				t.Errorf("wall time to the deadline %s, want %s", real, tc.real)
			}
		})
	}
	// The change days themselves: 23 and 25 real hours, 14 business hours
	// of 08:00-22:00 each, and 08:00 local is the opening on both.
	lj := p.Location
	cal := p.Calendars["daily-08-22"]
	for _, day := range []calendar.Date{{Year: 2026, Month: time.March, Day: 29}, {Year: 2026, Month: time.October, Day: 25}} {
		start := time.Date(day.Year, day.Month, day.Day, 0, 0, 0, 0, lj)
		end := time.Date(day.Year, day.Month, day.Day+1, 0, 0, 0, 0, lj)
		if b := cal.Between(start, end); b != 14*time.Hour {
			t.Errorf("%s: %s of business time, want 14h", day, b)
		}
		if open := cal.NextOpen(start); !open.Equal(time.Date(day.Year, day.Month, day.Day, 8, 0, 0, 0, lj)) {
			t.Errorf("%s opens at %s, want 08:00 local", day, open)
		}
	}
}

// Botron: "Business hours are from 6,00am to 10,00pm Western European Time
// (GMT)." GMT has no summer time: in July the window is still 06:00-22:00
// GMT (07:00-23:00 in London), and "1 business day" is still 16 hours.
func TestBotronGMTAllYear(t *testing.T) {
	p := seed(t, "botron")
	created := rulestest.RFC3339(t, "2026-07-01T21:00:00Z")
	o := evalOne(t, p, rulestest.Issue("BCFG-20", "Medium", "Question", created), created)
	if g := mustGoal(t, o, "first_response"); !g.Deadline.Equal(rulestest.RFC3339(t, "2026-07-02T21:00:00Z")) {
		t.Errorf("deadline %s, want 2026-07-02T21:00:00Z", g.Deadline.UTC().Format(time.RFC3339))
	}
	if !p.DefaultCalendar.IsOpen(rulestest.RFC3339(t, "2026-07-01T21:30:00Z")) || p.DefaultCalendar.IsOpen(rulestest.RFC3339(t, "2026-07-01T05:30:00Z")) {
		t.Error("summer hours must stay 06:00-22:00 GMT")
	}
}

// Hydra: "Off on weekends (Saturday and Sunday) and bank holidays (official
// Russian bank holidays)", with the transfer days and the working Saturday
// the policy lists from the decrees it names in source: (2025, 2026), and the Labour
// Code's art. 112: "When a weekend day and a non-working holiday coincide,
// the day off is transferred to the next working day after the holiday".
func TestHydraRussianBankHolidays(t *testing.T) {
	p := seed(t, "hydra")
	cal := p.Calendars["business"]
	cases := []struct {
		date, hours, why string
	}{
		{"2026-01-08", "", "New Year holidays"},
		{"2026-01-09", "", "Transferred days off 2026"},
		{"2026-01-12", "10:00-19:00", ""},
		{"2026-02-23", "", "Defender of the Fatherland Day"},
		// art. 112: Mar 8 2026 is a Sunday, May 9 a Saturday
		{"2026-03-09", "", "International Women's Day (substitute day)"},
		{"2026-05-11", "", "Victory Day (substitute day)"},
		// art. 112 in 2027: May 1 Sat, May 9 Sun, Jun 12 Sat
		{"2027-05-03", "", "Spring and Labour Day (substitute day)"},
		{"2027-05-10", "", "Victory Day (substitute day)"},
		{"2027-06-14", "", "Russia Day (substitute day)"},
		{"2027-05-04", "10:00-19:00", ""},
		// 2027's decree could not be read: none of its transfers are
		// listed, so its days are what the law alone gives (and check
		// warns that 2027 has no dated days).
		{"2027-01-08", "", "New Year holidays"},
		{"2027-01-11", "10:00-19:00", ""},
		{"2027-02-20", "", ""},
		{"2027-02-22", "10:00-19:00", ""},
		{"2027-02-23", "", "Defender of the Fatherland Day"},
		{"2027-11-04", "", "Unity Day"},
		{"2027-11-05", "10:00-19:00", ""},
		{"2027-12-31", "10:00-19:00", ""},
		// the 2025 decree moved Feb 23's and Mar 8's substitutes elsewhere
		{"2025-02-24", "10:00-19:00", "Working day (decree moved the substitute to May 8)"},
		{"2025-05-08", "", "Transferred days off 2025"},
		{"2026-06-12", "", "Russia Day"},
		{"2026-11-04", "", "Unity Day"},
		{"2025-11-01", "10:00-19:00", "Working Saturday"},
		{"2025-11-03", "", "Transferred days off 2025"},
		{"2026-11-07", "", ""}, // a plain Saturday
	}
	for _, tc := range cases {
		d, _ := calendar.ParseDate(tc.date)
		ws, why := cal.Hours(d)
		var parts []string
		for _, w := range ws {
			parts = append(parts, w.String())
		}
		if got := strings.Join(parts, " "); got != tc.hours || why != tc.why {
			t.Errorf("%s: %q (%s), want %q (%s)", tc.date, got, why, tc.hours, tc.why)
		}
	}
	// Each decree day names its decree.
	for date, want := range map[string]string{
		"2025-05-08": "Decree of the Government of the Russian Federation No. 1335 of 4 Oct 2024 (transfer of days off in 2025)",
		"2025-11-01": "Decree of the Government of the Russian Federation No. 1335 of 4 Oct 2024 (transfer of days off in 2025)",
		"2026-12-31": "Decree of the Government of the Russian Federation No. 1466 of 24 Sep 2025 (transfer of days off in 2026)",
	} {
		d, _ := calendar.ParseDate(date)
		if _, why := cal.Day(d); why.Source != want {
			t.Errorf("%s: source %q, want %q", date, why.Source, want)
		}
	}
	// "On weekdays from 10 to 19 Moscow time": 2h from Wednesday 30 Dec 18:00
	// is 1h that day, then Dec 31 (transferred) and Jan 1-8, and the weekend.
	if got := cal.Add(rulestest.RFC3339(t, "2026-12-30T18:00:00+03:00"), 2*time.Hour); !got.Equal(rulestest.RFC3339(t, "2027-01-11T11:00:00+03:00")) {
		t.Errorf("over the New Year holidays: %s, want 2027-01-11T11:00:00+03:00", got.Format(time.RFC3339))
	}
}

// Sanarise: "Standart Destek: Destek ekibimiz, Pazartesi'den Cuma'ya, 9:00 -
// 18:00 saatleri arasında hizmet vermektedir." The contract lists no
// holidays; the policy chooses Turkey's official ones, whose eves are
// half-days (work ends at 13:00).
func TestSanariseHalfDayEves(t *testing.T) {
	p := seed(t, "sanarise")
	ist := func(s string) time.Time { return rulestest.RFC3339(t, s+"+03:00") }
	cases := []struct {
		contract, prio, typ, created, want string
	}{
		// "Yüksek": "İlk Yanıt Süresi: 2 saat içinde": 1h of the eve, then the
		// Sacrifice Feast (27-30 May 2026) and Sunday.
		{"high on the Sacrifice Feast eve", "High", "Website Issue", "2026-05-26T12:00:00", "2026-06-01T10:00:00"},
		// "Orta": "İlk Yanıt Süresi: 4 saat içinde": 30m of the Republic Day
		// eve, Republic Day (29 Oct) closed, 3h30m on Friday.
		{"medium on the Republic Day eve", "Medium", "Question in Use or Configuration of Odoo", "2026-10-28T12:30:00", "2026-10-30T12:30:00"},
		// Critical runs 24/7 ("kritik sorunlarda 7/24 destek"): the eve is
		// not a half-day for it.
		{"critical ignores the eve", "Critical", "Report a Problem/Bug", "2026-10-28T12:30:00", "2026-10-28T13:30:00"},
	}
	for _, tc := range cases {
		t.Run(tc.contract, func(t *testing.T) {
			created := ist(tc.created)
			o := evalOne(t, p, rulestest.Issue("SAN-20", tc.prio, tc.typ, created), created)
			if g := mustGoal(t, o, "first_response"); !g.Deadline.Equal(ist(tc.want)) {
				t.Errorf("deadline %s, want %s+03:00", g.Deadline.Format(time.RFC3339), tc.want)
			}
		})
	}
}

// Sanarise: "Standart Destek: ... Pazartesi'den Cuma'ya, 9:00 - 18:00" with
// Turkey's holidays from the Diyanet's calendar. A feast eve on a Saturday
// does not open the Saturday, and the feasts are listed through 2030.
func TestSanariseFeastsStayCurrent(t *testing.T) {
	p := seed(t, "sanarise")
	cal := p.Calendars["business"]
	ist := func(s string) time.Time { return rulestest.RFC3339(t, s+"+03:00") }
	cases := []struct{ why, from, add, want string }{
		{"Saturday 2027-05-15 (Sacrifice Feast eve) stays closed", "2027-05-14T17:00:00", "4h", "2027-05-20T12:00:00"},
		{"Saturday 2028-10-28 (yearly Republic Day eve) stays closed", "2028-10-27T17:00:00", "4h", "2028-10-30T12:00:00"},
		{"Ramadan Feast 2028: eve Fri 02-25 half-day, feast 26-28", "2028-02-25T10:00:00", "8h", "2028-02-29T14:00:00"},
		{"Sacrifice Feast 2029: the eve on 23 April is a full holiday", "2029-04-20T17:00:00", "2h", "2029-04-30T10:00:00"},
		{"Sacrifice Feast 2030: eve Fri 04-12 ends at 13:00, feast 13-16", "2030-04-12T12:00:00", "2h", "2030-04-17T10:00:00"},
	}
	for _, tc := range cases {
		d, err := rules.ParseDuration(tc.add)
		if err != nil {
			t.Fatal(err)
		}
		if got := cal.Add(ist(tc.from), d.Resolve(cal)); !got.Equal(ist(tc.want)) {
			t.Errorf("%s: %s + %s = %s, want %s+03:00", tc.why, tc.from, tc.add, got.Format(time.RFC3339), tc.want)
		}
	}
	for y := 2026; y <= 2030; y++ {
		feasts := 0
		for _, h := range cal.Spec().Holidays {
			if h.Dated() && len(h.Hours) == 0 && h.Kind == calendar.HolidayRange && h.From.Year == y {
				feasts++
			}
		}
		if feasts != 2 {
			t.Errorf("%d: %d feasts listed, want the Ramadan and the Sacrifice Feast", y, feasts)
		}
	}
}
