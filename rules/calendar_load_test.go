package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
	p, err := Load("uk.yaml", withCalendars(t, `  business:
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
	_, err = Load("tr.yaml", withCalendars(t, `  business:
    country: tr
    week: {mon-fri: ["09:00-17:00"]}`))
	if err == nil || !strings.Contains(err.Error(), "calendars.business.country: no holiday set for country \"tr\"") {
		t.Errorf("unknown country: %v", err)
	}
}
