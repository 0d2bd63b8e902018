package jirasim

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

// Tests of the ways Jira Cloud is untidy (issue 12): restricted comments,
// search lag, bulk changelogs, v3 rich text, datetime forms, deletions and
// moves. Each quotes what Jira does.

// "A comment restricted to a role or group (visibility) ..." is stored and
// returned as Jira returns it, on v2 and v3 alike.
func TestCommentVisibilityRoundTrips(t *testing.T) {
	sim := newTestSim(t, Options{})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	var posted map[string]any
	if r := do(t, srv, "POST", "/rest/api/2/issue/SUP-1/comment", `{"body":"root cause: our DNS","visibility":{"type":"role","value":"Developers"}}`, &posted); r.StatusCode != 201 {
		t.Fatalf("restricted comment: %d %v", r.StatusCode, posted)
	}
	if _, err := sim.AddRestrictedComment("SUP-1", AgentID, "for the team", Visibility{Type: "group", Value: "jira-servicedesk-users"}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if r := do(t, srv, "POST", "/rest/api/2/issue/SUP-1/comment", `{"body":"x","visibility":{"type":"everyone","value":"x"}}`, nil); r.StatusCode != 400 {
		t.Errorf("unknown visibility type: %d, want 400", r.StatusCode)
	}
	for _, api := range []string{"2", "3"} {
		var p struct {
			Comments []struct {
				Body       any `json:"body"`
				Visibility *struct {
					Type, Value, Identifier string
				} `json:"visibility"`
			} `json:"comments"`
		}
		do(t, srv, "GET", "/rest/api/"+api+"/issue/SUP-1/comment", "", &p)
		n := len(p.Comments)
		if n != 4 {
			t.Fatalf("v%s: %d comments, want 4", api, n)
		}
		if p.Comments[0].Visibility != nil {
			t.Errorf("v%s: an unrestricted comment has visibility %+v", api, p.Comments[0].Visibility)
		}
		if v := p.Comments[n-2].Visibility; v == nil || v.Type != "role" || v.Value != "Developers" {
			t.Errorf("v%s: role restriction came back as %+v", api, v)
		}
		if v := p.Comments[n-1].Visibility; v == nil || v.Type != "group" || v.Value != "jira-servicedesk-users" || v.Identifier == "" {
			t.Errorf("v%s: group restriction came back as %+v", api, v)
		}
		if api == "3" {
			if _, ok := p.Comments[n-1].Body.(map[string]any); !ok {
				t.Errorf("v3 comment body is %T, want an ADF document", p.Comments[n-1].Body)
			}
		} else if p.Comments[n-1].Body != "for the team" {
			t.Errorf("v2 body %v", p.Comments[n-1].Body)
		}
	}
}

// "search/jql is eventually consistent (reconcileIssues exists for that
// reason)": a change is found by search only IndexLag after it was made,
// unless the issue is named in reconcileIssues.
func TestIndexLagAndReconcileIssues(t *testing.T) {
	clock := NewManualClock(t0)
	sim := newTestSim(t, Options{Now: clock.Now, IndexLag: 30 * time.Second})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	search := func(body string) []string {
		t.Helper()
		var p page
		if r := do(t, srv, "POST", "/rest/api/2/search/jql", body, &p); r.StatusCode != 200 {
			t.Fatalf("search %s: %d", body, r.StatusCode)
		}
		var ks []string
		for _, is := range p.Issues {
			ks = append(ks, is.Key)
		}
		return ks
	}
	q := `{"jql":"project = SUP AND status = \"In Progress\""}`
	must(t, sim.Transition("SUP-1", "In Progress", AgentID, time.Time{}))
	if got := search(q); len(got) != 0 {
		t.Errorf("right after the change search found %v: the index cannot know yet", got)
	}
	// The issue's id is what reconcileIssues takes.
	is, _ := sim.Issue("SUP-1")
	if got := search(`{"jql":"project = SUP AND status = \"In Progress\"","reconcileIssues":[` + is.ID + `]}`); !slices.Equal(got, []string{"SUP-1"}) {
		t.Errorf("with reconcileIssues: %v, want SUP-1", got)
	}
	clock.Advance(29 * time.Second)
	if got := search(q); len(got) != 0 {
		t.Errorf("29 s after the change search found %v", got)
	}
	clock.Advance(time.Second)
	if got := search(q); !slices.Equal(got, []string{"SUP-1"}) {
		t.Errorf("30 s after the change: %v, want SUP-1", got)
	}
	// A new issue is invisible for the lag too; the old view of a changed
	// issue still matches meanwhile.
	key, err := sim.CreateIssue(Issue{Project: "SUP", Type: "Task", Summary: "new", Reporter: CustomerID})
	must(t, err)
	must(t, sim.Transition("SUP-1", "Open", AgentID, time.Time{}))
	if got := search(`{"jql":"project = SUP ORDER BY key"}`); !slices.Equal(got, []string{"SUP-1"}) {
		t.Errorf("new issue before the lag: %v, want only SUP-1", got)
	}
	if got := search(q); !slices.Equal(got, []string{"SUP-1"}) {
		t.Errorf("the index still holds SUP-1 In Progress: %v", got)
	}
	clock.Advance(30 * time.Second)
	if got := search(`{"jql":"project = SUP ORDER BY key"}`); !slices.Equal(got, []string{"SUP-1", key}) {
		t.Errorf("after the lag: %v, want SUP-1 and %s", got, key)
	}
	if got := search(q); len(got) != 0 {
		t.Errorf("after the lag SUP-1 is Open again, search found %v", got)
	}
}

// POST /rest/api/3/changelog/bulkfetch: "changelogs for multiple issues
// ... sorted by changelog date and issue IDs, starting from the oldest",
// up to 1000 issues, filtered by up to 10 field ids, paged by token.
func TestBulkChangelogs(t *testing.T) {
	sim := newTestSim(t, Options{})
	created := t0.Add(-time.Hour)
	must(t, sim.AddIssues(Issue{Key: "SUP-2", Project: "SUP", Type: "Task", Status: "Open", Summary: "two", Created: created,
		History: []History{
			{At: created.Add(90 * time.Second), Items: []Item{{Field: "status", From: "Open", To: "In Progress"}}},
			{At: created.Add(150 * time.Second), Items: []Item{{Field: "summary", From: "2", To: "two"}}},
			{At: created.Add(200 * time.Second), Items: []Item{{Field: "status", From: "In Progress", To: "Open"}, {Field: "summary", From: "two", To: "two!"}}},
		}}))
	srv := httptest.NewServer(sim)
	defer srv.Close()
	type resp struct {
		IssueChangeLogs []struct {
			IssueID         string `json:"issueId"`
			ChangeHistories []struct {
				ID      string `json:"id"`
				Created string `json:"created"`
				Items   []struct {
					FieldID string `json:"fieldId"`
				} `json:"items"`
			} `json:"changeHistories"`
		} `json:"issueChangeLogs"`
		NextPageToken string `json:"nextPageToken"`
	}
	one, _ := sim.Issue("SUP-1")
	two, _ := sim.Issue("SUP-2")
	// Everything, a page of two entries at a time.
	var got []string
	tok := ""
	pages := 0
	for {
		body := `{"issueIdsOrKeys":["SUP-1","` + two.ID + `","SUP-404"],"maxResults":2`
		if tok != "" {
			body += `,"nextPageToken":"` + tok + `"`
		}
		var r resp
		if h := do(t, srv, "POST", "/rest/api/3/changelog/bulkfetch", body+"}", &r); h.StatusCode != 200 {
			t.Fatalf("bulkfetch: %d", h.StatusCode)
		}
		pages++
		for _, cl := range r.IssueChangeLogs {
			for _, h := range cl.ChangeHistories {
				got = append(got, cl.IssueID+"@"+h.Created[11:19])
			}
		}
		if tok = r.NextPageToken; tok == "" {
			break
		}
	}
	// SUP-1 was created at 07:00 with entries at +1, +2, +3 min; SUP-2 at
	// 08:00 with +1:30, +2:30, +3:20.
	want := []string{one.ID + "@07:01:00", one.ID + "@07:02:00", one.ID + "@07:03:00", two.ID + "@08:01:30", two.ID + "@08:02:30", two.ID + "@08:03:20"}
	if !slices.Equal(got, want) || pages != 3 {
		t.Errorf("bulk changelogs %v in %d pages, want %v in 3", got, pages, want)
	}
	// Filtered: only entries touching status, and only their status items.
	var r resp
	do(t, srv, "POST", "/rest/api/3/changelog/bulkfetch", `{"issueIdsOrKeys":["SUP-2"],"fieldIds":["status"]}`, &r)
	if len(r.IssueChangeLogs) != 1 || len(r.IssueChangeLogs[0].ChangeHistories) != 2 {
		t.Fatalf("filtered to status: %+v", r)
	}
	for _, h := range r.IssueChangeLogs[0].ChangeHistories {
		if len(h.Items) != 1 || h.Items[0].FieldID != "status" {
			t.Errorf("entry %s items %+v, want the status item only", h.ID, h.Items)
		}
	}
	// Documented limits.
	many := make([]string, 1001)
	for i := range many {
		many[i] = fmt.Sprintf(`"SUP-%d"`, i+1)
	}
	for body, what := range map[string]string{
		`{"issueIdsOrKeys":[` + strings.Join(many, ",") + `]}`:                                    "1001 issues",
		`{"issueIdsOrKeys":["SUP-1"],"fieldIds":["1","2","3","4","5","6","7","8","9","10","11"]}`: "11 field ids",
		`{"issueIdsOrKeys":["SUP-1"],"maxResults":10001}`:                                         "10001 results",
		`{"issueIdsOrKeys":[]}`:  "no issues",
		`{"issueIds":["SUP-1"]}`: "an unknown property",
	} {
		if h := do(t, srv, "POST", "/rest/api/3/changelog/bulkfetch", body, nil); h.StatusCode != 400 {
			t.Errorf("%s: %d, want 400", what, h.StatusCode)
		}
	}
}

// v3 takes and gives rich text as Atlassian Document Format.
func TestV3RichText(t *testing.T) {
	sim := newTestSim(t, Options{})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	doc := `{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":"line one"}]},{"type":"paragraph","content":[{"type":"text","text":"line "},{"type":"text","text":"two"}]}]}`
	if r := do(t, srv, "PUT", "/rest/api/3/issue/SUP-1", `{"fields":{"description":`+doc+`}}`, nil); r.StatusCode != 204 {
		t.Fatalf("v3 description edit: %d", r.StatusCode)
	}
	if r := do(t, srv, "PUT", "/rest/api/3/issue/SUP-1", `{"fields":{"description":"plain"}}`, nil); r.StatusCode != 400 {
		t.Errorf("v3 takes a plain string description: %d, want 400", r.StatusCode)
	}
	if r := do(t, srv, "POST", "/rest/api/3/issue/SUP-1/comment", `{"body":"plain"}`, nil); r.StatusCode != 400 {
		t.Errorf("v3 takes a plain string comment: %d, want 400", r.StatusCode)
	}
	var v2 struct {
		Fields struct{ Description string } `json:"fields"`
	}
	do(t, srv, "GET", "/rest/api/2/issue/SUP-1?fields=description", "", &v2)
	if v2.Fields.Description != "line one\nline two" {
		t.Errorf("v2 reads the description as %q", v2.Fields.Description)
	}
	var v3 struct {
		Self   string                                `json:"self"`
		Fields struct{ Description json.RawMessage } `json:"fields"`
	}
	do(t, srv, "GET", "/rest/api/3/issue/SUP-1?fields=description", "", &v3)
	if text, ok := fromADF(v3.Fields.Description); !ok || text != "line one\nline two" || !strings.Contains(v3.Self, "/rest/api/3/") {
		t.Errorf("v3 reads %s (%q, %v), self %s", v3.Fields.Description, text, ok, v3.Self)
	}
}

// Datetime fields take the ISO 8601 forms Jira accepts (milliseconds
// optional, offset with or without a colon, or Z) and refuse the rest.
func TestDatetimeInputForms(t *testing.T) {
	sim := newTestSim(t, Options{})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	due := sim.fieldNamed("First Response Due").ID
	want := time.Date(2026, 11, 10, 9, 0, 0, 123e6, time.UTC)
	for in, w := range map[string]time.Time{
		"2026-11-10T10:00:00.123+0100":  want,
		"2026-11-10T09:00:00.123Z":      want,
		"2026-11-10T10:00:00.123+01:00": want,
		"2026-11-10T10:00:00+0100":      want.Truncate(time.Second),
		"2026-11-10T09:00:00Z":          want.Truncate(time.Second),
	} {
		if r := do(t, srv, "PUT", "/rest/api/2/issue/SUP-1", `{"fields":{"`+due+`":"`+in+`"}}`, nil); r.StatusCode != 204 {
			t.Errorf("%s: %d, want 204", in, r.StatusCode)
			continue
		}
		is, _ := sim.Issue("SUP-1")
		if got, _ := is.Fields["First Response Due"].(time.Time); !got.Equal(w) {
			t.Errorf("%s stored as %v, want %v", in, got, w)
		}
	}
	for _, in := range []string{"2026-11-10", "2026-11-10 10:00", "2026-11-10T10:00:00", "10/11/2026 10:00"} {
		var ec errorCollection
		if r := do(t, srv, "PUT", "/rest/api/2/issue/SUP-1", `{"fields":{"`+due+`":"`+in+`"}}`, &ec); r.StatusCode != 400 || !strings.Contains(ec.Errors[due], "Invalid date format") {
			t.Errorf("%s: %d %v, want 400 Invalid date format", in, r.StatusCode, ec.Errors)
		}
	}
}

// Issues are deleted (404 everywhere at once) and moved between projects
// (a new key; the old one still resolves).
func TestDeleteAndMove(t *testing.T) {
	seed := DefaultSeed()
	seed.Projects = append(seed.Projects, Project{Key: "OPS", Name: "Operations"})
	seed.Issues = []Issue{{Key: "SUP-1", Project: "SUP", Type: "Task", Summary: "a"}, {Key: "SUP-2", Project: "SUP", Type: "Task", Summary: "b"}}
	sim, err := New(seed, Options{Now: NewManualClock(t0).Now})
	must(t, err)
	srv := httptest.NewServer(sim)
	defer srv.Close()
	must(t, sim.DeleteIssue("SUP-1"))
	for _, p := range []string{"/rest/api/2/issue/SUP-1", "/rest/api/2/issue/SUP-1/changelog", "/rest/api/3/issue/SUP-1/comment"} {
		if r := do(t, srv, "GET", p, "", nil); r.StatusCode != 404 {
			t.Errorf("GET %s after deletion: %d, want 404", p, r.StatusCode)
		}
	}
	if r := do(t, srv, "PUT", "/rest/api/2/issue/SUP-1", `{"update":{"labels":[{"add":"x"}]}}`, nil); r.StatusCode != 404 {
		t.Errorf("PUT after deletion: %d, want 404", r.StatusCode)
	}
	key, err := sim.MoveIssue("SUP-2", "OPS", AgentID, time.Time{})
	must(t, err)
	if key != "OPS-1" {
		t.Errorf("moved to %s, want OPS-1", key)
	}
	if got, _ := searchKeys(t, srv, "project = SUP"); len(got) != 0 {
		t.Errorf("SUP still lists %v", got)
	}
	var is struct{ Key string }
	if r := do(t, srv, "GET", "/rest/api/2/issue/SUP-2", "", &is); r.StatusCode != 200 || is.Key != "OPS-1" {
		t.Errorf("old key: %d %s, want 200 OPS-1", r.StatusCode, is.Key)
	}
}
