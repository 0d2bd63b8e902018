package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// slabot calendar --add prints the deadline in the calendar's zone, whatever
// zone --from is written in, DST change days and half-days included.
func TestCalendarAddInCalendarZone(t *testing.T) {
	cases := []struct {
		contract string
		args     []string
		want     string
	}{
		// B2Bee: "First response time 1h, availability from 8-22:00", in
		// Europe/Ljubljana: Saturday 21:30 CET, clocks go forward overnight.
		{"B2Bee over the spring-forward night", []string{"--policy", "../../deploy/policies/b2bee.yaml", "--calendar", "daily-08-22", "--from", "2026-03-28T20:30:00Z", "--add", "1h"}, "2026-03-29T08:30:00+02:00"},
		// Sanarise: "Pazartesi'den Cuma'ya, 9:00 - 18:00"; the feast eve is a
		// half-day and the Sacrifice Feast follows.
		{"Sanarise over the Sacrifice Feast", []string{"--policy", "../../deploy/policies/sanarise.yaml", "--calendar", "business", "--from", "2026-05-26T09:00:00Z", "--add", "2h"}, "2026-06-01T10:00:00+03:00"},
		// Botron: 1bd is 16 business hours of 06:00-22:00 GMT.
		{"Botron 1bd from Thanksgiving eve", []string{"--policy", "../../deploy/policies/botron.yaml", "--from", "2029-11-28T14:00:00+01:00", "--add", "1bd"}, "2029-11-30T13:00:00Z"},
	}
	for _, tc := range cases {
		code, out, errs := runCLI(t, append([]string{"calendar"}, tc.args...)...)
		if code != 0 || strings.TrimSpace(out) != tc.want {
			t.Errorf("%s: exit %d out %q err %q, want %s", tc.contract, code, out, errs, tc.want)
		}
	}
}

// --month lists every day's windows with the holiday or half-day that shaped
// it and the source the entry names, and the month's working time.
func TestCalendarMonthHalfDaysAndTotal(t *testing.T) {
	code, out, errs := runCLI(t, "calendar", "--policy", "../../deploy/policies/sanarise.yaml", "--month", "2026-05")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{
		"calendar business, May 2026 (Europe/Istanbul)",
		"2026-05-01 Fri closed  (Labour and Solidarity Day)",
		"2026-05-19 Tue closed  (Commemoration of Atatürk, Youth and Sports Day)",
		"2026-05-26 Tue 09:00-13:00  (Sacrifice Feast eve 2026 (half-day); source: Diyanet İşleri Başkanlığı, Dini Günler calendar (diyanet.gov.tr))",
		"2026-05-27 Wed closed  (Sacrifice Feast 2026; source: Diyanet İşleri Başkanlığı, Dini Günler calendar (diyanet.gov.tr))",
		"2026-05-25 Mon 09:00-18:00\n",
		// 21 weekdays, 5 of them holidays, one a half-day: 15 x 9h + 4h.
		"working time: 139h0m0s",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("listing lacks %q:\n%s", want, out)
		}
	}
}

func TestCalendarUsageErrors(t *testing.T) {
	const policy = "../../deploy/policies/hydra.yaml"
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"neither mode", []string{"--policy", policy}, 2, "either --from with --add, --from with --to, or --month"},
		{"both modes", []string{"--policy", policy, "--month", "2026-01", "--from", "2026-01-12T10:00:00Z", "--add", "1h"}, 2, "either --from with --add, --from with --to, or --month"},
		{"unknown calendar", []string{"--policy", policy, "--calendar", "weekend", "--month", "2026-01"}, 1, `has no calendar "weekend"`},
		{"bad duration", []string{"--policy", policy, "--from", "2026-01-12T10:00:00Z", "--add", "4 hours"}, 2, "--add"},
		{"bad instant", []string{"--policy", policy, "--from", "12/01/2026 10:00", "--add", "4h"}, 2, "--from"},
		{"bad month", []string{"--policy", policy, "--month", "January"}, 2, "YYYY-MM"},
	}
	for _, tc := range cases {
		code, _, errs := runCLI(t, append([]string{"calendar"}, tc.args...)...)
		if code != tc.code || !strings.Contains(errs, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit %d mentioning %q", tc.name, code, errs, tc.code, tc.want)
		}
	}
}

// "slabot calendar works on such a file alone, and gains --from A --to B
// (business time between) and unit-less minutes refused with a hint"
// (issue 13).
func TestCalendarFileAloneBetweenAndUnits(t *testing.T) {
	const file = "testdata/istanbul-office.yaml"
	cases := []struct {
		why  string
		args []string
		code int
		out  string
		err  string
	}{
		{"a calendar file alone: the eve is a half-day, the feast closed", []string{"--policies", file, "--from", "2028-02-25T10:00:00+03:00", "--add", "8h"}, 0, "2028-02-29T14:00:00+03:00", ""},
		{"business time between: 3h of the eve, 5h on Tuesday", []string{"--policies", file, "--from", "2028-02-25T10:00:00+03:00", "--to", "2028-02-29T14:00:00+03:00"}, 0, "8h0m0s", ""},
		{"between over a policy's calendar (Hydra, New Year holidays)", []string{"--policies", "../../deploy/policies/hydra.yaml", "--from", "2026-12-30T18:00:00+03:00", "--to", "2027-01-11T11:00:00+03:00"}, 0, "2h0m0s", ""},
		{"the yearly eve on a Saturday stays closed (2028-10-28)", []string{"--policies", file, "--from", "2028-10-27T17:00:00+03:00", "--add", "4h"}, 0, "2028-10-30T12:00:00+03:00", ""},
		{"unit-less minutes are refused with a hint", []string{"--policies", file, "--from", "2028-02-25T10:00:00+03:00", "--add", "1440"}, 2, "", `"1440" has no unit: write 1440m for minutes`},
		{"the file as PATH, flags after it", []string{file, "--from", "2028-02-25T10:00:00+03:00", "--add", "8h"}, 0, "2028-02-29T14:00:00+03:00", ""},
		{"one PATH only", []string{file, file, "--month", "2028-02"}, 2, "", "unexpected argument"},
		{"--to before --from", []string{"--policies", file, "--from", "2028-02-25T10:00:00+03:00", "--to", "2028-02-24T10:00:00+03:00"}, 2, "", "--to is before --from"},
	}
	for _, tc := range cases {
		code, out, errs := runCLI(t, append([]string{"calendar"}, tc.args...)...)
		if code != tc.code || strings.TrimSpace(out) != tc.out || !strings.Contains(errs, tc.err) {
			t.Errorf("%s: exit %d out %q err %q; want exit %d out %q err containing %q", tc.why, code, out, errs, tc.code, tc.out, tc.err)
		}
	}
	// A sourced entry shows its source (issue 22).
	code, out, errs := runCLI(t, "calendar", "--policies", "../../deploy/policies/hydra.yaml", "--month", "2026-12")
	if code != 0 || !strings.Contains(out, "2026-12-31 Thu closed  (Transferred days off 2026; source: Decree of the Government of the Russian Federation No. 1466 of 24 Sep 2025") {
		t.Errorf("calendar --month does not show the decree: exit %d\n%s%s", code, out, errs)
	}
	// A file with only calendars (no product, no goals) is a calendar file
	// too, not a policy missing its goals.
	dir := t.TempDir()
	only := filepath.Join(dir, "calendars.yaml")
	if err := os.WriteFile(only, []byte("timezone: Europe/Moscow\ncalendars:\n  business:\n    week: {mon-fri: [\"10:00-19:00\"]}\n    country: ru\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs = runCLI(t, "calendar", "--policies", only, "--month", "2027-05")
	if code != 0 || !strings.Contains(out, "2027-05-10 Mon closed  (") || !strings.Contains(out, "2027-05-11 Tue 10:00-19:00") {
		t.Errorf("calendars-only file: exit %d\n%s%s", code, out, errs)
	}
}

// Issue 25: "calendar --from refuses a local time and now". A local time
// is read in the calendar's zone (B2Bee's Europe/Ljubljana: 21:30 on 28
// March 2026 is 20:30Z, the first case of TestCalendarAddInCalendarZone),
// and now is accepted.
func TestCalendarFromLocalTimeAndNow(t *testing.T) {
	code, out, errs := runCLI(t, "calendar", "--policy", "../../deploy/policies/b2bee.yaml", "--calendar", "daily-08-22", "--from", "2026-03-28T21:30", "--add", "1h")
	if want := "2026-03-29T08:30:00+02:00"; code != 0 || strings.TrimSpace(out) != want {
		t.Errorf("local --from: exit %d out %q err %q, want %s", code, out, errs, want)
	}
	code, out, errs = runCLI(t, "calendar", "--policy", "../../deploy/policies/b2bee.yaml", "--calendar", "daily-08-22", "--from", "now", "--to", "2099-01-01T00:00")
	if code != 0 || strings.TrimSpace(out) == "" {
		t.Errorf("--from now: exit %d out %q err %q", code, out, errs)
	}
	loc, err := time.LoadLocation("Europe/Istanbul")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 5, 26, 6, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"now":                       now,
		"2026-05-26T09:00":          now,
		"2026-05-26 09:00:00":       now,
		"2026-05-26T09:00:00+03:00": now,
		"2026-05-26T06:00:00Z":      now,
	} {
		if got, err := parseInstant(in, loc, now); err != nil || !got.Equal(want) {
			t.Errorf("parseInstant(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := parseInstant("tomorrow", loc, now); err == nil {
		t.Error("parseInstant accepted tomorrow")
	}
}
