package rules_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/calendar"
)

// withCalendars returns Botron's shipped policy with its calendars block
// replaced by block (indented two spaces, as under calendars:).
func withCalendars(t *testing.T, block string) []byte {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "deploy", "policies", "botron.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	i := strings.Index(s, "calendars:\n")
	j := strings.Index(s, "\ntypes:")
	if i < 0 || j < 0 {
		t.Fatal("botron.yaml lost its calendars or types block")
	}
	return []byte(s[:i] + "calendars:\n" + block + "\n" + s[j:])
}

// A calendar may take a country's holidays from rickar/cal and add its
// own: "If a bank holiday is on a weekend, a 'substitute' weekday becomes a
// bank holiday, normally the following Monday" (gov.uk/bank-holidays).
func TestLoadCountryCalendar(t *testing.T) {
	p, err := rules.Load("uk.yaml", withCalendars(t, `  business:
    timezone: Europe/London
    country: GB
    week: {mon-fri: ["09:00-17:00"]}
    holidays:
      - {name: Company day, date: "12-29"}`))
	if err != nil {
		t.Fatal(err)
	}
	cal := p.Calendars["business"]
	for _, day := range []string{"2027-12-27", "2027-12-28", "2027-12-29"} {
		d, _ := calendar.ParseDate(day)
		if ws, name := cal.Hours(d); len(ws) != 0 {
			t.Errorf("%s open %v, want closed (%s)", day, ws, name)
		}
	}
	lon, _ := time.LoadLocation("Europe/London")
	if got, want := cal.Add(time.Date(2027, 12, 24, 16, 0, 0, 0, lon), 2*time.Hour), time.Date(2027, 12, 30, 10, 0, 0, 0, lon); !got.Equal(want) {
		t.Errorf("Fri 24 Dec 2027 16:00 + 2h = %s, want %s", got, want)
	}
	_, err = rules.Load("tr.yaml", withCalendars(t, `  business:
    country: tr
    week: {mon-fri: ["09:00-17:00"]}`))
	if err == nil || !strings.Contains(err.Error(), "calendars.business.country: no holiday set for country \"tr\"") {
		t.Errorf("unknown country: %v", err)
	}
}

// "every type error reported (not only the first) with file:line:column,
// the YAML path and plain words; fractional or out-of-range numbers where
// integers are meant are errors" (issue 13).
func TestLoadReportsEveryTypeError(t *testing.T) {
	src := string(withCalendars(t, `  business:
    timezone: [Etc/GMT]
    week:
      mon-fri: "06:00-22:00"
    holidays:
      - {name: Easter Monday, easter: 1.5}
      - {name: Far away, easter: 99999999999}
      - {name: Christmas, date: "12-25"}`))
	src = strings.Replace(src, "  enabled: true", "  enabled: sure", 1)
	src += "\nreview: {max_per_day: lots}\nplans:\n  - {name: basic, persons: 2.5}\n"
	_, err := rules.Load("botron.yaml", []byte(src))
	var ps rules.Problems
	if !errors.As(err, &ps) {
		t.Fatalf("want Problems, got %v", err)
	}
	lineOf := func(s string) int {
		i := strings.Index(src, s)
		if i < 0 {
			t.Fatalf("%q not in the source", s)
		}
		return strings.Count(src[:i], "\n") + 1
	}
	want := []struct {
		line    int
		path    string
		message string
	}{
		{lineOf("[Etc/GMT]"), "calendars.business.timezone", "want a single value, got a list"},
		{lineOf(`"06:00-22:00"`), "calendars.business.week.mon-fri", `want a list, got the text "06:00-22:00"`},
		{lineOf("1.5}"), "calendars.business.holidays[0].easter", "1.5 is not a whole number"},
		{lineOf("99999999999"), "calendars.business.holidays[1].easter", "99999999999 is out of range"},
		{lineOf("enabled: sure"), "acknowledgement.enabled", `want true or false, got the text "sure"`},
		{lineOf("max_per_day: lots"), "review.max_per_day", `want a whole number, got the text "lots"`},
		{lineOf("persons: 2.5"), "plans[0].persons", "2.5 is not a whole number"},
	}
	if len(ps) != len(want) {
		t.Errorf("%d problems, want %d:\n%v", len(ps), len(want), ps)
	}
	for _, w := range want {
		found := false
		for _, p := range ps {
			if p.Line == w.line && p.Column > 0 && p.Path == w.path && p.Message == w.message && p.Fix != "" {
				found = true
			}
		}
		if !found {
			t.Errorf("no problem at line %d %s: %s in:\n%v", w.line, w.path, w.message, ps)
		}
	}
	if strings.Contains(err.Error(), "Go struct") || strings.Contains(err.Error(), "unmarshal") {
		t.Errorf("Go names leaked:\n%v", err)
	}
}

// "a calendar (or a holiday set) can live in its own file and be used by
// several policies" (issue 13): two policies name one holiday set; each
// gives its own week. A mistake in the shared file is reported at its own
// file:line, once per policy that uses it.
func TestLoadSharedCalendarFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("shared/ru.yaml", `# Russia's days off: the Labour Code plus the decree's transfers.
timezone: Europe/Moscow
country: ru
holidays:
  - {name: Transferred days off 2026, dates: [2026-01-09, 2026-12-31]}
`)
	a := write("a.yaml", string(withCalendars(t, "  business:\n    file: shared/ru.yaml\n    week: {mon-fri: [\"10:00-19:00\"]}\n")))
	b := write("b.yaml", strings.Replace(string(withCalendars(t, "  business:\n    file: shared/ru.yaml\n    week: {mon-fri: [\"09:00-18:00\"]}\n")), "[BCFG, BPRM, BEXP]", "[OTHER]", 1))
	ps, err := rules.LoadPaths(a, b)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"10:00-19:00", "09:00-18:00"} {
		cal := ps[i].Calendars["business"]
		if cal.Location().String() != "Europe/Moscow" {
			t.Errorf("policy %d: zone %s, want the shared file's Europe/Moscow", i, cal.Location())
		}
		for day, hours := range map[string]string{"2027-05-10": "", "2026-12-31": "", "2027-05-11": want} {
			d, _ := calendar.ParseDate(day)
			ws, name := cal.Hours(d)
			got := ""
			for _, w := range ws {
				got = w.String()
			}
			if got != hours {
				t.Errorf("policy %d: %s is %q (%s), want %q", i, day, got, name, hours)
			}
		}
	}
	write("shared/ru.yaml", "timezone: Europe/Moscow\nholidays:\n  - {name: Bad, dates: [2026-13-01]}\n")
	_, err = rules.LoadPaths(a)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "shared", "ru.yaml")+":3:") || !strings.Contains(err.Error(), "holidays[0].dates[0]") {
		t.Errorf("a problem in the shared file must point into it: %v", err)
	}
	write("a.yaml", string(withCalendars(t, "  business:\n    file: shared/missing.yaml\n")))
	if _, err = rules.LoadPaths(a); err == nil || !strings.Contains(err.Error(), "calendars.business.file: cannot read calendar file \"shared/missing.yaml\"") {
		t.Errorf("missing shared file: %v", err)
	}
}

// A shared calendar file may sit in the policies directory itself, next to
// the policies that include it: a Kubernetes ConfigMap or Helm values mount
// one flat directory. Loading the directory checks the calendar file at its
// own file:line and does not take it for a policy without product and
// goals; a directory of calendar files only is still refused.
func TestLoadDirHoldsSharedCalendarFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A holiday set (no week, no zone: the including policy gives both).
	write("ru-days-off.yaml", "country: ru\nholidays:\n  - {name: Transferred days off 2026, dates: [2026-01-09, 2026-12-31], source: Decree No. 1466 of 24 Sep 2025}\n")
	write("botron.yaml", string(withCalendars(t, "  business:\n    file: ru-days-off.yaml\n    timezone: Europe/Moscow\n    week: {mon-fri: [\"10:00-19:00\"]}\n")))
	ps, err := rules.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || ps[0].Product != "Botron Support" {
		t.Fatalf("policies %v, want only Botron's", ps)
	}
	d, _ := calendar.ParseDate("2026-12-31")
	if ws, why := ps[0].Calendars["business"].Day(d); len(ws) != 0 || why.Source != "Decree No. 1466 of 24 Sep 2025" {
		t.Errorf("2026-12-31 open %v (%+v), want the shared file's transferred day off with its source", ws, why)
	}
	if !rules.IsCalendarFile([]byte("timezone: Europe/Moscow\nweek: {mon-fri: [\"10:00-19:00\"]}\n")) || rules.IsCalendarFile([]byte("product: X\ncalendars: {}\n")) || rules.IsCalendarFile([]byte("- a list\n")) {
		t.Error("IsCalendarFile: a calendar is one, a file with product: or a list is not")
	}

	write("ru-days-off.yaml", "holidays:\n  - {name: Bad, dates: [2027-13-01]}\n")
	if _, err := rules.LoadDir(dir); err == nil || !strings.Contains(err.Error(), "ru-days-off.yaml:2:") {
		t.Errorf("a problem in the calendar file must point into it: %v", err)
	}
	if err := os.Remove(filepath.Join(dir, "botron.yaml")); err != nil {
		t.Fatal(err)
	}
	write("ru-days-off.yaml", "country: ru\n")
	if _, err := rules.LoadDir(dir); err == nil || !strings.Contains(err.Error(), "no policy files") {
		t.Errorf("a directory of calendar files only: %v", err)
	}
}
