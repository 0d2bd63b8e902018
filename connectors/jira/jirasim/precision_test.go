package jirasim

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// "Real data is untidy: timestamps carry milliseconds
// (2026-11-10T10:00:00.123+0000)" (DESIGN.md): every stamp the simulator
// makes keeps the milliseconds of its clock, and nothing finer.
func TestStampsCarryMilliseconds(t *testing.T) {
	clock := NewManualClock(time.Date(2026, 11, 10, 10, 0, 0, 123456789, time.UTC))
	sim, err := New(DefaultSeed(), Options{Now: clock.Now})
	must(t, err)
	srv := httptest.NewServer(sim)
	defer srv.Close()

	key, err := sim.CreateIssue(Issue{Project: "SUP", Type: "Task", Summary: "a", Reporter: CustomerID})
	must(t, err)
	clock.Advance(1500*time.Millisecond + 7*time.Microsecond)
	must(t, sim.Transition(key, "In Progress", AgentID, time.Time{}))
	_, err = sim.AddComment(key, AgentID, "looking", false, time.Time{})
	must(t, err)
	must(t, sim.LogWork(key, Worklog{Author: AgentID, SpentSeconds: 60}))
	clock.Advance(250 * time.Millisecond)
	if r := do(t, srv, "POST", "/rest/api/2/issue/"+key+"/comment", `{"body":"over HTTP"}`, nil); r.StatusCode != 201 {
		t.Fatalf("comment: %d", r.StatusCode)
	}

	var got struct {
		Fields struct {
			Created, Updated string
			Comment          struct {
				Comments []struct{ Created, Updated string }
			}
			Worklog struct {
				Worklogs []struct{ Started, Created string }
			}
		}
		Changelog struct{ Histories []struct{ Created string } }
	}
	do(t, srv, "GET", "/rest/api/2/issue/"+key+"?expand=changelog&fields=created,updated,comment,worklog", "", &got)
	want := func(what, s, stamp string) {
		t.Helper()
		if s != stamp {
			t.Errorf("%s = %q, want %q", what, s, stamp)
		}
	}
	f := got.Fields
	want("created", f.Created, "2026-11-10T10:00:00.123+0000")
	want("updated", f.Updated, "2026-11-10T10:00:01.873+0000")
	if len(f.Comment.Comments) != 2 || len(f.Worklog.Worklogs) != 1 || len(got.Changelog.Histories) != 1 {
		t.Fatalf("issue: %+v", got)
	}
	want("comment", f.Comment.Comments[0].Created, "2026-11-10T10:00:01.623+0000")
	want("comment over HTTP", f.Comment.Comments[1].Created, "2026-11-10T10:00:01.873+0000")
	want("worklog started", f.Worklog.Worklogs[0].Started, "2026-11-10T10:00:01.623+0000")
	want("changelog", got.Changelog.Histories[0].Created, "2026-11-10T10:00:01.623+0000")
	if is, _ := sim.Issue(key); is.Created.Nanosecond() != 123000000 {
		t.Errorf("stored created %v keeps more than milliseconds", is.Created)
	}
}

// Datetime custom fields keep milliseconds, or whole seconds (Forge
// datetime: "the milliseconds part is ignored", Jira's OpenAPI description),
// or whole minutes (what the date-time picker shows), as configured.
func TestDatetimeFieldPrecision(t *testing.T) {
	for _, tc := range []struct {
		precision time.Duration
		want      string
	}{
		{0, "2026-11-10T10:07:42.987+0000"},
		{time.Second, "2026-11-10T10:07:42.000+0000"},
		{time.Minute, "2026-11-10T10:07:00.000+0000"},
	} {
		seed := DefaultSeed()
		seed.Issues = []Issue{{Key: "SUP-1", Project: "SUP", Type: "Task", Summary: "a",
			Fields: map[string]any{"Resolution Due": "2026-11-10T10:07:42.987654Z"}}}
		sim, err := New(seed, Options{DatetimePrecision: tc.precision})
		must(t, err)
		srv := httptest.NewServer(sim)
		frd := sim.fieldNamed("First Response Due")
		if r := do(t, srv, "PUT", "/rest/api/2/issue/SUP-1", `{"fields":{"`+frd.ID+`":"2026-11-10T10:07:42.987+0000"}}`, nil); r.StatusCode != 204 {
			t.Fatalf("edit: %d", r.StatusCode)
		}
		var got struct{ Fields map[string]any }
		do(t, srv, "GET", "/rest/api/2/issue/SUP-1", "", &got)
		srv.Close()
		for _, name := range []string{"First Response Due", "Resolution Due"} {
			if v := got.Fields[sim.fieldNamed(name).ID]; v != tc.want {
				t.Errorf("precision %v: %s = %v, want %s", tc.precision, name, v, tc.want)
			}
		}
	}
	if _, err := New(DefaultSeed(), Options{DatetimePrecision: time.Hour}); err == nil || !strings.Contains(err.Error(), "DatetimePrecision") {
		t.Errorf("an hour's precision: %v", err)
	}
}
