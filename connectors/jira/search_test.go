package jira

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slabot/slabot/connectors/jira/jirasim"
	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/clock"
)

func TestSearchPaginatesAcrossPages(t *testing.T) {
	s := newSite(t, seedWith(genIssues(250, 3, t0.Add(-48*time.Hour))...), jirasim.Options{}, nil)
	issues, cur, err := s.client.ChangedIn(ctx(t), []string{"SUP"}, Cursor{})
	if err != nil {
		t.Fatal(err)
	}
	if len(issues) != 250 {
		t.Fatalf("got %d issues, want 250", len(issues))
	}
	seen := map[string]bool{}
	for _, is := range issues {
		if seen[is.Key] {
			t.Fatalf("%s delivered twice", is.Key)
		}
		seen[is.Key] = true
	}
	if n := s.sim.CountRequests("POST", "/rest/api/2/search/jql"); n != 3 {
		t.Errorf("search requests = %d, want 3 pages of 100", n)
	}
	if cur.Updated.IsZero() {
		t.Error("cursor did not advance")
	}
}

func TestFullSyncNeverCallsRemovedSearch(t *testing.T) {
	s := newSite(t, seedWith(genIssues(120, 50, t0.Add(-48*time.Hour))...), jirasim.Options{}, nil)
	if _, _, err := s.client.ChangedIn(ctx(t), []string{"SUP"}, Cursor{}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/rest/api/2/search", "/rest/api/3/search"} {
		if n := s.sim.CountRequests("", p); n != 0 {
			t.Errorf("%d requests to removed %s", n, p)
		}
	}
	if s.sim.CountRequests("POST", "/rest/api/2/search/jql") == 0 {
		t.Error("no search/jql request")
	}
}

func TestTruncatedChangelogCommentsAndWorklogsAreCompleted(t *testing.T) {
	created := t0.Add(-10 * 24 * time.Hour)
	is := jirasim.Issue{Key: "SUP-1", Project: "SUP", Type: "Incident", Status: "In Progress", Summary: "long story",
		Reporter: jirasim.CustomerID, Created: created, History: statusPingPong(created, 131)}
	for i := range 25 {
		is.Comments = append(is.Comments, jirasim.Comment{Author: jirasim.AgentID, Body: "c", Created: created.Add(time.Duration(i) * time.Hour)})
	}
	for i := range 30 {
		is.Worklogs = append(is.Worklogs, jirasim.Worklog{Author: jirasim.AgentID, Started: created.Add(time.Duration(i) * time.Hour), SpentSeconds: 600})
	}
	s := newSite(t, seedWith(is), jirasim.Options{}, nil)
	issues, _, err := s.client.ChangedIn(ctx(t), []string{"SUP"}, Cursor{})
	if err != nil {
		t.Fatal(err)
	}
	got := issues[0]
	if len(got.Changes) != 131 {
		t.Fatalf("changes = %d, want 131 (inline cap is 40)", len(got.Changes))
	}
	if !slices.IsSortedFunc(got.Changes, func(a, b rules.Change) int { return a.At.Compare(b.At) }) {
		t.Error("changes are not chronological")
	}
	if !got.Changes[0].At.Equal(created.Add(time.Second)) {
		t.Errorf("first change at %v, want the oldest", got.Changes[0].At)
	}
	if len(got.Comments) != 25 || len(got.Worklogs) != 30 {
		t.Errorf("comments = %d (want 25), worklogs = %d (want 30)", len(got.Comments), len(got.Worklogs))
	}
	for path, want := range map[string]int{
		"POST /rest/api/3/changelog/bulkfetch":  1, // 131 entries, one bulk page
		"GET /rest/api/2/issue/SUP-1/changelog": 0,
		"GET /rest/api/2/issue/SUP-1/comment":   1,
		"GET /rest/api/2/issue/SUP-1/worklog":   1,
	} {
		method, p, _ := strings.Cut(path, " ")
		if n := s.sim.CountRequests(method, p); n != want {
			t.Errorf("%s: %d requests, want %d", path, n, want)
		}
	}
}

func TestIssueMapping(t *testing.T) {
	created := t0.Add(-3 * time.Hour)
	frd := time.Date(2025, 3, 3, 10, 30, 0, 0, time.UTC)
	seed := seedWith(jirasim.Issue{
		Key: "SUP-7", Project: "SUP", Type: "Incident", Priority: "High", Status: "Resolved", Summary: "VPN down",
		Description: "since 8:00", Reporter: jirasim.CustomerID, Assignee: jirasim.AgentID, Labels: []string{"vip"},
		Organizations: []string{"Acme"}, Created: created,
		Fields: map[string]any{"First Response Due": frd, "Customer Tier": "Premium", "Support Contract": "C-42", "Credits Used": 2.5},
		History: []jirasim.History{
			{At: created.Add(5 * time.Minute), Author: jirasim.AgentID, Items: []jirasim.Item{{Field: "assignee", To: jirasim.AgentID}}},
			{At: created.Add(10 * time.Minute), Author: jirasim.AgentID, Items: []jirasim.Item{{Field: "priority", From: "Medium", To: "High"}}},
			{At: created.Add(20 * time.Minute), Author: jirasim.AgentID, Items: []jirasim.Item{{Field: "issuetype", From: "Question", To: "Incident"}}},
			{At: created.Add(30 * time.Minute), Author: jirasim.AgentID, Items: []jirasim.Item{{Field: "status", From: "Open", To: "In Progress"}}},
			{At: created.Add(2 * time.Hour), Author: jirasim.AgentID, Items: []jirasim.Item{
				{Field: "status", From: "In Progress", To: "Resolved"}, {Field: "resolution", To: "Done"}}},
		},
		Comments: []jirasim.Comment{
			{Author: jirasim.AgentID, Body: "looking", Created: created.Add(15 * time.Minute)},
			{Author: jirasim.AgentID, Body: "note to self", Internal: true, Created: created.Add(16 * time.Minute)},
			{Author: jirasim.CustomerID, Body: "thanks", Created: created.Add(17 * time.Minute)},
		},
		Worklogs: []jirasim.Worklog{{Author: jirasim.AgentID, Started: created.Add(time.Hour), SpentSeconds: 5400}},
	})
	s := newSite(t, seed, jirasim.Options{}, nil)
	got, resp, err := s.client.Issue(ctx(t), "SUP-7")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Errorf("status %d", resp.StatusCode)
	}
	check := func(what string, got, want any) {
		t.Helper()
		if !equalish(got, want) {
			t.Errorf("%s = %#v, want %#v", what, got, want)
		}
	}
	check("key", got.Key, "SUP-7")
	check("project", got.Project, "SUP")
	check("type", got.Type, "Incident")
	check("priority", got.Priority, "High")
	check("status", got.Status, "Resolved")
	check("category", got.StatusCategory, rules.CategoryDone)
	check("resolution", got.Resolution, "Done")
	check("resolved", got.Resolved, created.Add(2*time.Hour))
	check("created", got.Created, created)
	check("reporter id", got.Reporter.AccountID, jirasim.CustomerID)
	check("reporter email hidden", got.Reporter.Email, "")
	check("assignee", got.Assignee.AccountID, jirasim.AgentID)
	check("assignee email", got.Assignee.Email, "alice@example.com")
	check("orgs", got.Organizations, []string{"Acme"})
	check("labels", got.Labels, []string{"vip"})
	check("frd", got.Fields["First Response Due"].Time.Equal(frd), true)
	check("tier", got.Fields["Customer Tier"], rules.Option("Premium"))
	check("contract", got.Fields["Support Contract"], rules.Text("C-42"))
	check("credits", got.Fields["Credits Used"], rules.Number(2.5))
	if _, ok := got.Fields["SLA State"]; ok {
		t.Error("empty field mapped")
	}
	// From and To as Jira displays them; the ids as Jira keeps them (the
	// simulator's ids: the assignee's accountId, status ids ...).
	wantChanges := []rules.Change{
		{At: created.Add(5 * time.Minute), AuthorID: jirasim.AgentID, Field: "assignee", To: "Alice Agent", ToID: jirasim.AgentID},
		{At: created.Add(10 * time.Minute), AuthorID: jirasim.AgentID, Field: "priority", From: "Medium", To: "High", FromID: "3", ToID: "2"},
		{At: created.Add(20 * time.Minute), AuthorID: jirasim.AgentID, Field: "issuetype", From: "Question", To: "Incident", FromID: "10003", ToID: "10001"},
		{At: created.Add(30 * time.Minute), AuthorID: jirasim.AgentID, Field: "status", From: "Open", To: "In Progress", FromID: "10100", ToID: "10102", ToCategory: rules.CategoryInProgress},
		{At: created.Add(2 * time.Hour), AuthorID: jirasim.AgentID, Field: "status", From: "In Progress", To: "Resolved", FromID: "10102", ToID: "10104", ToCategory: rules.CategoryDone},
		{At: created.Add(2 * time.Hour), AuthorID: jirasim.AgentID, Field: "resolution", To: "Done"},
	}
	check("changes", got.Changes, wantChanges)
	if len(got.Comments) != 3 {
		t.Fatalf("comments = %d", len(got.Comments))
	}
	check("comment public", []bool{got.Comments[0].Public, got.Comments[1].Public, got.Comments[2].Public}, []bool{true, false, true})
	check("comment author", got.Comments[2].Author.AccountID, jirasim.CustomerID)
	check("comment body", got.Comments[0].Body, "looking")
	check("worklog", got.Worklogs, []rules.Worklog{{Author: rules.User{AccountID: jirasim.AgentID, Email: "alice@example.com", DisplayName: "Alice Agent"},
		Started: created.Add(time.Hour), Spent: 90 * time.Minute}})
}

// TestIncrementalPollingOverlap drives several polls with changes landing
// inside the overlap window, in the same minute as the cursor, and while a
// poll is paging; every change must arrive exactly once.
func TestIncrementalPollingOverlap(t *testing.T) {
	s := newSite(t, seedWith(genIssues(230, 2, t0.Add(-5*time.Hour))...), jirasim.Options{}, nil)
	c := s.client
	first, cur, err := c.ChangedIn(ctx(t), []string{"SUP"}, Cursor{})
	if err != nil || len(first) != 230 {
		t.Fatalf("full sync: %d issues, %v", len(first), err)
	}

	// Nothing changed: the overlap window is re-read but nothing is redelivered.
	s.clock.Advance(30 * time.Second)
	again, cur, err := c.ChangedIn(ctx(t), []string{"SUP"}, cur)
	if err != nil || len(again) != 0 {
		t.Fatalf("idle poll delivered %d issues (%v)", len(again), err)
	}

	// Changes in the same minute as the cursor and just after it.
	s.clock.Advance(10 * time.Second)
	must(t, s.sim.SetPriority("SUP-5", "Highest", jirasim.AgentID, time.Time{}))
	must(t, s.sim.Transition("SUP-230", "Resolved", jirasim.AgentID, time.Time{}))
	s.clock.Advance(5 * time.Second)
	_, err = s.sim.AddComment("SUP-17", jirasim.CustomerID, "any news?", false, time.Time{})
	must(t, err)
	got, cur, err := c.ChangedIn(ctx(t), []string{"SUP"}, cur)
	if err != nil {
		t.Fatal(err)
	}
	assertKeys(t, got, "SUP-5", "SUP-230", "SUP-17")

	// A change while the poll pages: SUP-1 (first page) is updated after the
	// first page was served, so it moves to the end of the result order.
	s.clock.Advance(3 * time.Minute)
	for _, k := range []string{"SUP-1", "SUP-2", "SUP-3"} {
		must(t, s.sim.SetPriority(k, "Low", jirasim.AgentID, time.Time{}))
		s.clock.Advance(time.Second)
	}
	moved := false
	c.cfg.OnRequest = func(ri RequestInfo) {
		if ri.Endpoint == "/rest/api/2/search/jql" && !moved {
			moved = true
			s.clock.Advance(time.Second)
			must(t, s.sim.SetPriority("SUP-1", "Lowest", jirasim.AgentID, time.Time{}))
		}
	}
	c.cfg.PageSize = 2
	got, cur, err = c.ChangedIn(ctx(t), []string{"SUP"}, cur)
	c.cfg.OnRequest, c.cfg.PageSize = nil, 100
	if err != nil {
		t.Fatal(err)
	}
	assertKeys(t, got, "SUP-1", "SUP-2", "SUP-3")
	for _, is := range got {
		if is.Key == "SUP-1" && is.Priority != "Lowest" {
			t.Errorf("SUP-1 delivered with stale priority %q", is.Priority)
		}
	}

	// And the next poll has nothing new.
	s.clock.Advance(20 * time.Second)
	got, _, err = c.ChangedIn(ctx(t), []string{"SUP"}, cur)
	if err != nil || len(got) != 0 {
		t.Fatalf("final poll delivered %v (%v)", keys(got), err)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func keys(is []rules.Issue) []string {
	out := make([]string, len(is))
	for i, x := range is {
		out[i] = x.Key
	}
	return out
}

func assertKeys(t *testing.T, got []rules.Issue, want ...string) {
	t.Helper()
	k := keys(got)
	slices.Sort(k)
	slices.Sort(want)
	if !slices.Equal(k, want) {
		t.Fatalf("delivered %v, want %v", k, want)
	}
}

// TestIncrementalPollingUsesTheUsersZone: JQL date literals are read in the
// zone of the user searching. For a bot account west of UTC, a cursor
// written as UTC wall-clock time would point hours into the future and the
// poll would miss every change; the client must write it in the zone
// GET /myself reports.
func TestIncrementalPollingUsesTheUsersZone(t *testing.T) {
	seed := seedWith(genIssues(3, 2, t0.Add(-time.Hour))...)
	seed.Users[0].TimeZone = "America/Los_Angeles"
	s := newSite(t, seed, jirasim.Options{LogBodies: true}, nil)
	_, cur, err := s.client.ChangedIn(ctx(t), []string{"SUP"}, Cursor{})
	if err != nil {
		t.Fatal(err)
	}
	s.clock.Advance(time.Minute)
	must(t, s.sim.SetPriority("SUP-2", "Low", jirasim.AgentID, time.Time{}))
	s.sim.ResetRequests()
	got, _, err := s.client.ChangedIn(ctx(t), []string{"SUP"}, cur)
	if err != nil {
		t.Fatal(err)
	}
	assertKeys(t, got, "SUP-2")
	// The cursor (the first poll's time, 09:00 UTC, minus the two-minute
	// overlap: later than SUP-3's last change at 08:02:02) minus the
	// overlap again, floored to the minute, in Los Angeles (UTC-8 in March).
	var body struct {
		JQL string `json:"jql"`
	}
	for _, r := range s.sim.Requests() {
		if r.Path == "/rest/api/2/search/jql" {
			must(t, json.Unmarshal(r.Body, &body))
		}
	}
	if want := `updated >= "2025-03-03 00:56"`; !strings.Contains(body.JQL, want) {
		t.Errorf("jql = %q, want it to contain %s", body.JQL, want)
	}
}

// TestQuietSiteCostsOneRequestPerPoll: after a burst of changes (slabot's
// own writes, say) the cursor moves on with the clock, so once the burst is
// older than the overlap a poll of a quiet site is one search that returns
// nothing, and one search covers all of a product's projects.
func TestQuietSiteCostsOneRequestPerPoll(t *testing.T) {
	seed := seedWith(genIssues(250, 2, t0.Add(-5*time.Hour))...)
	seed.Projects = append(seed.Projects, jirasim.Project{Key: "OPS", Name: "Operations"})
	ops := genIssues(3, 2, t0.Add(-time.Hour))
	for i := range ops {
		ops[i].Project = "OPS"
	}
	seed.Issues = append(seed.Issues, ops...)
	s := newSite(t, seed, jirasim.Options{}, nil)
	c := s.client
	projects := []string{"SUP", "OPS"}
	all, cur, err := c.ChangedIn(ctx(t), projects, Cursor{})
	if err != nil || len(all) != 253 {
		t.Fatalf("full sync: %d issues, %v", len(all), err)
	}
	// A burst: every SUP issue changes in the same minute.
	for i := 1; i <= 250; i++ {
		must(t, s.sim.SetPriority(fmt.Sprintf("SUP-%d", i), "Low", jirasim.AgentID, time.Time{}))
	}
	s.clock.Advance(30 * time.Second)
	got, cur, err := c.ChangedIn(ctx(t), projects, cur)
	if err != nil || len(got) != 250 {
		t.Fatalf("burst poll: %d issues, %v", len(got), err)
	}
	// Quiet from here on. Within the overlap the burst is re-read (and not
	// redelivered); past twice the overlap it is not even fetched.
	s.clock.Advance(5 * time.Minute)
	if _, cur, err = c.ChangedIn(ctx(t), projects, cur); err != nil {
		t.Fatal(err)
	}
	s.clock.Advance(2 * time.Minute)
	s.sim.ResetRequests()
	got, cur, err = c.ChangedIn(ctx(t), projects, cur)
	if err != nil || len(got) != 0 {
		t.Fatalf("quiet poll delivered %v (%v)", keys(got), err)
	}
	if n := len(s.sim.Requests()); n != 1 {
		t.Errorf("quiet poll of two projects made %d requests, want 1", n)
	}
	// A change in either project still arrives.
	s.clock.Advance(10 * time.Second)
	must(t, s.sim.SetPriority("OPS-2", "Highest", jirasim.AgentID, time.Time{}))
	s.clock.Advance(10 * time.Second)
	got, _, err = c.ChangedIn(ctx(t), projects, cur)
	if err != nil {
		t.Fatal(err)
	}
	assertKeys(t, got, "OPS-2")
}

// TestCursorFollowsJirasClockNotOurs: the cursor moves on with the poll's
// time as Jira states it (the Date header), so a host clock running ten
// minutes fast cannot carry the cursor past a change Jira stamped after
// the previous poll.
func TestCursorFollowsJirasClockNotOurs(t *testing.T) {
	s := newSite(t, seedWith(genIssues(3, 2, t0.Add(-time.Hour))...), jirasim.Options{}, func(c *Config) {
		c.Clock = fastClock{c.Clock, 10 * time.Minute}
	})
	_, cur, err := s.client.ChangedIn(ctx(t), []string{"SUP"}, Cursor{})
	if err != nil {
		t.Fatal(err)
	}
	s.clock.Advance(30 * time.Second)
	must(t, s.sim.SetPriority("SUP-2", "Low", jirasim.AgentID, time.Time{}))
	s.clock.Advance(90 * time.Second)
	got, _, err := s.client.ChangedIn(ctx(t), []string{"SUP"}, cur)
	if err != nil {
		t.Fatal(err)
	}
	assertKeys(t, got, "SUP-2")
}

// fastClock is a host clock running ahead of Jira's by ahead.
type fastClock struct {
	clock.Clock
	ahead time.Duration
}

func (c fastClock) Now() time.Time { return c.Clock.Now().Add(c.ahead) }
