package jirasim

import (
	"maps"
	"net/http/httptest"
	"slices"
	"testing"
	"time"
)

// TestSearchFieldsAsAsked: search/jql answers the fields asked for and no
// others, ids only by default, and exclusions take from the navigable
// default (Atlassian's OpenAPI description of search/jql's fields).
func TestSearchFieldsAsAsked(t *testing.T) {
	srv := httptest.NewServer(newTestSim(t, Options{}))
	defer srv.Close()
	keys := func(fields string) []string {
		t.Helper()
		var res struct {
			Issues []struct {
				ID     string         `json:"id"`
				Fields map[string]any `json:"fields"`
			} `json:"issues"`
		}
		do(t, srv, "POST", "/rest/api/2/search/jql", `{"jql":"project = SUP","fields":`+fields+`}`, &res)
		if len(res.Issues) != 1 || res.Issues[0].ID == "" {
			t.Fatalf("fields %s: %d issues", fields, len(res.Issues))
		}
		return slices.Sorted(maps.Keys(res.Issues[0].Fields))
	}
	if got := keys(`[]`); len(got) != 0 {
		t.Errorf("default: fields %v, want ids only", got)
	}
	if got := keys(`["id"]`); len(got) != 0 {
		t.Errorf("id: fields %v, want none", got)
	}
	if got := keys(`["summary","status","labels"]`); !slices.Equal(got, []string{"labels", "status", "summary"}) {
		t.Errorf("summary,status,labels: fields %v", got)
	}
	all := keys(`["*all"]`)
	if !slices.Contains(all, "comment") || !slices.Contains(all, "description") || len(all) < 15 {
		t.Errorf("*all: fields %v", all)
	}
	if got := keys(`["*navigable"]`); !slices.Equal(got, all) {
		t.Errorf("*navigable: %v, want every field (all are navigable here): %v", got, all)
	}
	noDesc := slices.DeleteFunc(slices.Clone(all), func(f string) bool { return f == "description" })
	if got := keys(`["-description"]`); !slices.Equal(got, noDesc) {
		t.Errorf("-description: %v, want %v", got, noDesc)
	}
	if got := keys(`["*all","-comment","-description"]`); slices.Contains(got, "comment") || slices.Contains(got, "description") || len(got) != len(all)-2 {
		t.Errorf("*all,-comment,-description: %v", got)
	}
}

// TestSearchOrderFollowsChanges: the ordering search keeps between pages
// (order.go) is sorted again after a change, so a page after an update
// sees the issue at its new place, and a new issue appears.
func TestSearchOrderFollowsChanges(t *testing.T) {
	clock := NewManualClock(t0)
	s := newTestSim(t, Options{Now: clock.Now})
	srv := httptest.NewServer(s)
	defer srv.Close()
	for i := range 3 {
		if _, err := s.CreateIssue(Issue{Project: "SUP", Type: "Incident", Priority: "High", Status: "Open", Summary: "n",
			Reporter: CustomerID, Created: t0.Add(time.Duration(i+1) * time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	type page struct {
		Issues []struct {
			Key string `json:"key"`
		} `json:"issues"`
		NextPageToken string `json:"nextPageToken"`
		IsLast        bool   `json:"isLast"`
	}
	const jql = `project = SUP ORDER BY updated ASC, key ASC`
	var p1 page
	do(t, srv, "POST", "/rest/api/2/search/jql", `{"jql":"`+jql+`","maxResults":2}`, &p1)
	if len(p1.Issues) != 2 || p1.IsLast || p1.Issues[0].Key != "SUP-1" {
		t.Fatalf("page 1: %+v", p1)
	}
	// SUP-1 changes: it moves to the end; a new issue comes after it.
	clock.Advance(time.Hour)
	if err := s.Transition("SUP-1", "In Progress", AgentID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	added, err := s.CreateIssue(Issue{Project: "SUP", Type: "Incident", Priority: "High", Status: "Open", Summary: "late",
		Reporter: CustomerID, Created: clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	var rest []string
	for tok := p1.NextPageToken; tok != ""; {
		var p page
		do(t, srv, "POST", "/rest/api/2/search/jql", `{"jql":"`+jql+`","maxResults":2,"nextPageToken":"`+tok+`"}`, &p)
		for _, is := range p.Issues {
			rest = append(rest, is.Key)
		}
		if p.IsLast {
			break
		}
		tok = p.NextPageToken
	}
	if len(rest) < 3 || rest[len(rest)-2] != "SUP-1" || rest[len(rest)-1] != added {
		t.Fatalf("after the change, the later pages hold %v: want SUP-1 then %s last", rest, added)
	}
}
