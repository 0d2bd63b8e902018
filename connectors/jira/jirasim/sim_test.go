package jirasim

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// do sends a request as the bot and decodes a JSON answer into out.
func do(t *testing.T, srv *httptest.Server, method, path, body string, out any) *http.Response {
	t.Helper()
	return doAs(t, srv, BotEmail, BotToken, method, path, body, out)
}

func doAs(t *testing.T, srv *httptest.Server, email, token, method, path, body string, out any) *http.Response {
	t.Helper()
	resp, data := send(t, srv, email, token, method, path, body)
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, data)
		}
	}
	return resp
}

// requester returns a function sending requests as email, for tests that
// look at the status and the JSON object of answers that may be errors or
// empty (the object is nil then).
func requester(t *testing.T, srv *httptest.Server, email, token string) func(method, path, body string) (int, map[string]any) {
	return func(method, path, body string) (int, map[string]any) {
		t.Helper()
		resp, data := send(t, srv, email, token, method, path, body)
		var v map[string]any
		_ = json.Unmarshal(data, &v)
		return resp.StatusCode, v
	}
}

// send makes one request (as email unless it is empty) and reads the answer.
func send(t *testing.T, srv *httptest.Server, email, token, method, path, body string) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, srv.URL+path, rd)
	if email != "" {
		req.SetBasicAuth(email, token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, data
}

type page struct {
	Issues []struct {
		Key    string         `json:"key"`
		Fields map[string]any `json:"fields"`
	} `json:"issues"`
	NextPageToken string `json:"nextPageToken"`
	IsLast        bool   `json:"isLast"`
}

func searchKeys(t *testing.T, srv *httptest.Server, jql string) ([]string, int) {
	t.Helper()
	var p page
	body, _ := json.Marshal(map[string]any{"jql": jql, "maxResults": 100})
	resp := do(t, srv, "POST", "/rest/api/2/search/jql", string(body), &p)
	var ks []string
	for _, is := range p.Issues {
		ks = append(ks, is.Key)
	}
	return ks, resp.StatusCode
}

func TestRemovedSearchAnswers410(t *testing.T) {
	srv := httptest.NewServer(newTestSim(t, Options{}))
	defer srv.Close()
	for _, p := range []string{"/rest/api/2/search", "/rest/api/3/search"} {
		var ec errorCollection
		resp := do(t, srv, "GET", p+"?jql=project=SUP", "", &ec)
		if resp.StatusCode != http.StatusGone || len(ec.ErrorMessages) != 1 || !strings.Contains(ec.ErrorMessages[0], "/rest/api/3/search/jql") {
			t.Errorf("%s: %d %v", p, resp.StatusCode, ec)
		}
	}
}

func TestJQL(t *testing.T) {
	sim := newTestSim(t, Options{})
	must(t, sim.AddIssues(
		Issue{Key: "SUP-2", Project: "SUP", Type: "Question", Priority: "Low", Status: "Resolved", Summary: "b", Created: t0.Add(-30 * time.Hour)},
		Issue{Key: "SUP-3", Project: "SUP", Type: "Bug", Status: "In Progress", Summary: "c", Labels: []string{"sla-breached"}, Created: t0.Add(-10 * time.Minute)},
	))
	srv := httptest.NewServer(sim)
	defer srv.Close()
	for _, tc := range []struct {
		jql  string
		want []string
	}{
		{"project = SUP ORDER BY key ASC", []string{"SUP-1", "SUP-2", "SUP-3"}},
		{"project in (SUP, Support) ORDER BY key DESC", []string{"SUP-3", "SUP-2", "SUP-1"}},
		{`key in ("SUP-1", sup-3) order by key`, []string{"SUP-1", "SUP-3"}},
		{"statusCategory = Done", []string{"SUP-2"}},
		{`statusCategory != "To Do" AND project = SUP ORDER BY key`, []string{"SUP-2", "SUP-3"}},
		{`status = "In Progress" OR (priority = Low AND type = Question) ORDER BY key`, []string{"SUP-2", "SUP-3"}},
		{"project = SUP AND created >= -1h", []string{"SUP-3"}},
		{`project = SUP AND created < "2025-03-02 03:01" ORDER BY created`, []string{"SUP-2"}},
		{`project = SUP AND created >= "2025/03/03" AND created < "2025-03-03 09:00" ORDER BY key`, []string{"SUP-1", "SUP-3"}},
		{"project = SUP AND updated >= -2d ORDER BY updated ASC, key ASC", []string{"SUP-2", "SUP-1", "SUP-3"}},
		{"labels = sla-breached", []string{"SUP-3"}},
		{"project = SUP AND resolution IS EMPTY ORDER BY key", []string{"SUP-1", "SUP-3"}},
		{"project = SUP AND NOT status = Open ORDER BY key", []string{"SUP-2", "SUP-3"}},
		{"assignee = agent-0001", []string{"SUP-1"}},
		// updated/created with >= and < against absolute and relative dates
		// (SUP-1 updated 07:03, SUP-2 on the 2nd at 03:00, SUP-3 at 08:50).
		{`project = SUP AND updated >= "2025-03-03 07:00" ORDER BY key`, []string{"SUP-1", "SUP-3"}},
		{`project = SUP AND updated < "2025-03-03 08:50" ORDER BY key`, []string{"SUP-1", "SUP-2"}},
		{"project = SUP AND updated < -1h ORDER BY key", []string{"SUP-1", "SUP-2"}},
		{"project = SUP AND created < -1d", []string{"SUP-2"}},
		{"project in (SUP) AND (status = Open OR statusCategory = Done) ORDER BY created DESC", []string{"SUP-1", "SUP-2"}},
		{"key in (SUP-2, SUP-3) AND NOT (status = Resolved) ORDER BY key", []string{"SUP-3"}},
	} {
		got, status := searchKeys(t, srv, tc.jql)
		if status != 200 || !slices.Equal(got, tc.want) {
			t.Errorf("%s: %d %v, want %v", tc.jql, status, got, tc.want)
		}
	}
	for jql, msg := range map[string]string{
		"":                         "Unbounded JQL",
		"ORDER BY key":             "Unbounded JQL",
		"project = ":               "Expecting a value",
		"projekt = SUP":            "does not exist",
		`project = "SUP`:           "has not been completed",
		"created >= yesterday":     "is invalid",
		"project = SUP AND":        "Expecting a field name",
		"project = SUP ORDER BY x": "does not exist",
		// Jira validates every value before searching: one unknown project
		// fails the whole search.
		"project in (SUP, NOPE) ORDER BY key DESC": "The value 'NOPE' does not exist for the field 'project'.",
		`project = SUP AND status = "Doing"`:       "The value 'Doing' does not exist for the field 'status'.",
		"priority in (High, Urgent)":               "The value 'Urgent' does not exist for the field 'priority'.",
		"issuetype = Epic":                         "The value 'Epic' does not exist for the field 'issuetype'.",
		"statusCategory = Finished":                "The value 'Finished' does not exist for the field 'statusCategory'.",
	} {
		var ec errorCollection
		body, _ := json.Marshal(map[string]any{"jql": jql})
		resp := do(t, srv, "POST", "/rest/api/2/search/jql", string(body), &ec)
		if resp.StatusCode != 400 || len(ec.ErrorMessages) == 0 || !strings.Contains(ec.ErrorMessages[0], msg) {
			t.Errorf("%q: %d %v, want 400 %q", jql, resp.StatusCode, ec.ErrorMessages, msg)
		}
	}
}

func TestJQLDatesUseTheUsersZone(t *testing.T) {
	sim := newTestSim(t, Options{})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	// SUP-1 was created at 07:00 UTC = 08:00 in Berlin (the agent's zone).
	sim.mu.Lock()
	sim.users[AgentID].APIToken = "agent-token"
	sim.mu.Unlock()
	var p page
	doAs(t, srv, "alice@example.com", "agent-token", "POST", "/rest/api/2/search/jql", `{"jql":"created >= \"2025-03-03 08:00\""}`, &p)
	if len(p.Issues) != 1 {
		t.Errorf("Berlin user: %d issues, want SUP-1 (08:00 Berlin = 07:00 UTC)", len(p.Issues))
	}
	doAs(t, srv, BotEmail, BotToken, "POST", "/rest/api/2/search/jql", `{"jql":"created >= \"2025-03-03 08:00\""}`, &p)
	if len(p.Issues) != 0 {
		t.Errorf("UTC user: %d issues, want none", len(p.Issues))
	}
}

func TestSearchPagingSurvivesUpdatesBetweenPages(t *testing.T) {
	clock := NewManualClock(t0)
	sim := newTestSim(t, Options{Now: clock.Now})
	for i := range 5 {
		_, err := sim.CreateIssue(Issue{Project: "SUP", Type: "Task", Summary: "x", Created: t0.Add(time.Duration(i) * time.Minute)})
		must(t, err)
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()
	const jql = "project = SUP ORDER BY updated ASC"
	var p page
	do(t, srv, "POST", "/rest/api/2/search/jql", `{"jql":"`+jql+`","maxResults":2}`, &p)
	seen := []string{p.Issues[0].Key, p.Issues[1].Key}
	clock.Advance(time.Hour)
	must(t, sim.SetPriority(seen[0], "Low", AgentID, time.Time{})) // moves to the end
	for !p.IsLast {
		tok := p.NextPageToken
		p = page{}
		do(t, srv, "POST", "/rest/api/2/search/jql", `{"jql":"`+jql+`","maxResults":2,"nextPageToken":"`+tok+`"}`, &p)
		for _, is := range p.Issues {
			seen = append(seen, is.Key)
		}
	}
	// 6 issues, one seen twice (it moved), none skipped.
	uniq := slices.Compact(slices.Sorted(slices.Values(seen)))
	if len(uniq) != 6 || len(seen) != 7 {
		t.Errorf("pages gave %v", seen)
	}
	var ec errorCollection
	if resp := do(t, srv, "POST", "/rest/api/2/search/jql", `{"jql":"project = SUP","nextPageToken":"bogus"}`, &ec); resp.StatusCode != 400 {
		t.Errorf("bogus token: %d", resp.StatusCode)
	}
}

func TestSearchCapsInlineListsWithRealTotals(t *testing.T) {
	sim := newTestSim(t, Options{Caps: Caps{SearchChangelog: 2, InlineComments: 1}})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	var p struct {
		Issues []struct {
			Fields struct {
				Comment struct {
					Total    int   `json:"total"`
					Comments []any `json:"comments"`
				} `json:"comment"`
			} `json:"fields"`
			Changelog struct {
				Total     int `json:"total"`
				Histories []struct {
					Created string `json:"created"`
				} `json:"histories"`
			} `json:"changelog"`
		} `json:"issues"`
	}
	do(t, srv, "POST", "/rest/api/2/search/jql", `{"jql":"key = SUP-1","fields":["comment"],"expand":"changelog"}`, &p)
	is := p.Issues[0]
	if is.Changelog.Total != 3 || len(is.Changelog.Histories) != 2 || is.Fields.Comment.Total != 2 || len(is.Fields.Comment.Comments) != 1 {
		t.Errorf("inline lists: %+v", is)
	}
	if is.Changelog.Histories[0].Created < is.Changelog.Histories[1].Created {
		t.Error("inline changelog should be newest first")
	}
}

func TestAuthPermissionsAndNotFound(t *testing.T) {
	seed := DefaultSeed()
	seed.Projects = append(seed.Projects, Project{Key: "SEC", Name: "Secret"})
	seed.Users = append(seed.Users, User{AccountID: "ro", DisplayName: "ro", Email: "ro@x", APIToken: "ro", ReadOnly: true, Projects: []string{"SUP"}})
	seed.Issues = []Issue{{Key: "SUP-1", Project: "SUP", Type: "Task", Summary: "a"}, {Key: "SEC-1", Project: "SEC", Type: "Task", Summary: "b"}}
	sim, err := New(seed, Options{})
	must(t, err)
	srv := httptest.NewServer(sim)
	defer srv.Close()
	if r := doAs(t, srv, BotEmail, "nope", "GET", "/rest/api/2/myself", "", nil); r.StatusCode != 401 || r.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("bad token: %d", r.StatusCode)
	}
	if r := doAs(t, srv, "", "", "GET", "/rest/api/2/serverInfo", "", nil); r.StatusCode != 200 {
		t.Errorf("serverInfo is anonymous: %d", r.StatusCode)
	}
	if r := doAs(t, srv, "ro@x", "ro", "GET", "/rest/api/2/issue/SEC-1", "", nil); r.StatusCode != 404 {
		t.Errorf("unbrowsable issue: %d, want 404", r.StatusCode)
	}
	if r := doAs(t, srv, "ro@x", "ro", "PUT", "/rest/api/2/issue/SUP-1", `{"update":{"labels":[{"add":"x"}]}}`, nil); r.StatusCode != 403 {
		t.Errorf("read-only edit: %d, want 403", r.StatusCode)
	}
	var p page
	doAs(t, srv, "ro@x", "ro", "POST", "/rest/api/2/search/jql", `{"jql":"project = SUP OR key = SEC-1"}`, &p)
	if len(p.Issues) != 1 {
		t.Errorf("search shows %d issues to a user who can browse one", len(p.Issues))
	}
	// A project the user cannot browse is, to JQL, a project that does not
	// exist: the whole search fails.
	var ec errorCollection
	if r := doAs(t, srv, "ro@x", "ro", "POST", "/rest/api/2/search/jql", `{"jql":"project in (SUP, SEC)"}`, &ec); r.StatusCode != 400 ||
		len(ec.ErrorMessages) != 1 || ec.ErrorMessages[0] != "The value 'SEC' does not exist for the field 'project'." {
		t.Errorf("unbrowsable project in JQL: %d %v, want 400 naming SEC", r.StatusCode, ec.ErrorMessages)
	}
	if r := do(t, srv, "GET", "/rest/api/2/nothing", "", nil); r.StatusCode != 404 {
		t.Errorf("unknown route: %d", r.StatusCode)
	}
}

func TestEditRules(t *testing.T) {
	seed := DefaultSeed()
	seed.Fields[1].NotOnEditScreen = true // First Response Due
	seed.Users = append(seed.Users, User{AccountID: "u", DisplayName: "u", Email: "u@x", APIToken: "u"})
	seed.Issues = []Issue{{Key: "SUP-1", Project: "SUP", Type: "Task", Summary: "a", Labels: []string{"vip"}}}
	sim, err := New(seed, Options{})
	must(t, err)
	srv := httptest.NewServer(sim)
	defer srv.Close()
	frd, tier := sim.fieldNamed("First Response Due"), sim.fieldNamed("Customer Tier")

	var ec errorCollection
	r := do(t, srv, "PUT", "/rest/api/2/issue/SUP-1", `{"fields":{"`+frd.ID+`":"2025-03-03T10:00:00.000+0000","`+tier.ID+`":{"value":"Basic"}}}`, &ec)
	if r.StatusCode != 400 || !strings.Contains(ec.Errors[frd.ID], "not on the appropriate screen") {
		t.Errorf("screen rule: %d %v", r.StatusCode, ec)
	}
	if got, _ := sim.Issue("SUP-1"); got.Fields["Customer Tier"] != nil {
		t.Error("a rejected edit was partly applied")
	}
	ec = errorCollection{}
	r = do(t, srv, "PUT", "/rest/api/2/issue/SUP-1", `{"fields":{"`+tier.ID+`":{"value":"Platinum"}}}`, &ec)
	if r.StatusCode != 400 || !strings.Contains(ec.Errors[tier.ID], "not valid") {
		t.Errorf("bad option: %d %v", r.StatusCode, ec)
	}
	if r := doAs(t, srv, "u@x", "u", "PUT", "/rest/api/2/issue/SUP-1?notifyUsers=false", `{"update":{"labels":[{"add":"x"}]}}`, nil); r.StatusCode != 403 {
		t.Errorf("notifyUsers=false by non-admin: %d", r.StatusCode)
	}
	r = do(t, srv, "PUT", "/rest/api/2/issue/SUP-1?notifyUsers=false", `{"fields":{"`+tier.ID+`":{"value":"Basic"}},"update":{"labels":[{"add":"sla-ok"},{"remove":"nope"}]}}`, nil)
	if r.StatusCode != 204 {
		t.Fatalf("edit: %d", r.StatusCode)
	}
	got, _ := sim.Issue("SUP-1")
	if !slices.Equal(got.Labels, []string{"sla-ok", "vip"}) || got.Fields["Customer Tier"] != "Basic" {
		t.Errorf("after edit: %v %v", got.Labels, got.Fields)
	}
	last := got.History[len(got.History)-1]
	if last.Author != BotAccountID || len(last.Items) != 2 {
		t.Errorf("changelog entry: %+v", last)
	}
	// A no-op edit changes nothing and writes no history.
	before := got.Updated
	do(t, srv, "PUT", "/rest/api/2/issue/SUP-1", `{"fields":{"`+tier.ID+`":{"value":"Basic"}}}`, nil)
	if again, _ := sim.Issue("SUP-1"); len(again.History) != len(got.History) || !again.Updated.Equal(before) {
		t.Error("no-op edit changed the issue")
	}
	if r := do(t, srv, "PUT", "/rest/api/2/issue/SUP-1", `{"fields":{},"bogus":1}`, nil); r.StatusCode != 400 {
		t.Errorf("unknown body property: %d", r.StatusCode)
	}
}

func TestRateLimits(t *testing.T) {
	clock := NewManualClock(t0)
	sim := newTestSim(t, Options{Now: clock.Now, Limits: Limits{Burst: 2, PerSecond: 1, IssueWrites: []Window{{N: 2, Per: 2 * time.Second}}}})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	get := func() *http.Response { return do(t, srv, "GET", "/rest/api/2/issue/SUP-1/comment", "", nil) }
	get()
	get()
	r := get()
	if r.StatusCode != 429 || r.Header.Get("Retry-After") != "1" || r.Header.Get("RateLimit-Reason") != ReasonBurst {
		t.Fatalf("bucket: %d %v", r.StatusCode, r.Header)
	}
	if get().StatusCode != 429 || sim.EarlyRetries() != 1 {
		t.Errorf("an immediate retry must be refused and counted early (%d)", sim.EarlyRetries())
	}
	clock.Advance(time.Second)
	if r := get(); r.StatusCode != 200 {
		t.Errorf("after Retry-After: %d", r.StatusCode)
	}
	// Other endpoints have their own bucket.
	if r := do(t, srv, "GET", "/rest/api/2/issue/SUP-1/worklog", "", nil); r.StatusCode != 200 {
		t.Errorf("separate bucket: %d", r.StatusCode)
	}
	sim.SetLimits(Limits{IssueWrites: []Window{{N: 2, Per: 2 * time.Second}}})
	post := func() *http.Response {
		return do(t, srv, "POST", "/rest/api/2/issue/SUP-1/comment", `{"body":"x"}`, nil)
	}
	post()
	post()
	r = post()
	if r.StatusCode != 429 || r.Header.Get("RateLimit-Reason") != ReasonPerIssueWrite || r.Header.Get("Retry-After") != "2" {
		t.Fatalf("per-issue: %d %v", r.StatusCode, r.Header)
	}
	clock.Advance(2 * time.Second)
	if r := post(); r.StatusCode != 201 {
		t.Errorf("after window: %d", r.StatusCode)
	}
	if sim.RateLimited() != 3 { // two from the bucket (one of them early), one per-issue
		t.Errorf("RateLimited = %d", sim.RateLimited())
	}
}

func TestFaults(t *testing.T) {
	sim := newTestSim(t, Options{})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	remove := sim.InjectFault(Fault{Method: "GET", Path: "/rest/api/2/issue/*", Status: 503, Times: 1})
	if r := do(t, srv, "GET", "/rest/api/2/issue/SUP-1", "", nil); r.StatusCode != 503 {
		t.Errorf("fault: %d", r.StatusCode)
	}
	if r := do(t, srv, "GET", "/rest/api/2/issue/SUP-1", "", nil); r.StatusCode != 200 {
		t.Errorf("fault used up: %d", r.StatusCode)
	}
	remove()
	sim.InjectFault(Fault{Method: "POST", Path: "/rest/api/2/issue/SUP-1/comment", Drop: true, AfterApply: true})
	req, _ := http.NewRequest("POST", srv.URL+"/rest/api/2/issue/SUP-1/comment", strings.NewReader(`{"body":"x"}`))
	req.SetBasicAuth(BotEmail, BotToken)
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Error("dropped connection answered")
	}
	if got, _ := sim.Issue("SUP-1"); len(got.Comments) != 3 {
		t.Errorf("AfterApply: comment not applied (%d comments)", len(got.Comments))
	}
	reqs := sim.Requests()
	if last := reqs[len(reqs)-1]; last.Status != 0 || last.Route != "POST /rest/api/2/issue/{issueIdOrKey}/comment" || last.AccountID != BotAccountID {
		t.Errorf("log entry: %+v", last)
	}
	sim.ResetRequests()
	if len(sim.Requests()) != 0 {
		t.Error("log not reset")
	}
}

func TestLoadSeedFixture(t *testing.T) {
	seed, err := LoadSeed("testdata/site.yaml")
	must(t, err)
	clock := NewManualClock(time.Date(2025, 3, 2, 0, 0, 0, 0, time.UTC))
	sim, err := New(seed, Options{Now: clock.Now})
	must(t, err)
	is, ok := sim.Issue("OPS-7")
	if !ok {
		t.Fatal("OPS-7 missing")
	}
	if is.Status != "Done" || is.Resolution != "Done" || !is.Resolved.Equal(time.Date(2025, 3, 1, 9, 30, 0, 0, time.UTC)) ||
		is.Fields["Tier"] != "Gold" || !slices.Equal(is.Organizations, []string{"Globex"}) || len(is.History) != 2 ||
		!is.Comments[1].Internal || is.Worklogs[0].SpentSeconds != 3600 {
		t.Errorf("fixture issue: %+v", is)
	}
	// The same keys work as JSON.
	js := `{"projects":[{"key":"J","name":"JSON"}],"issueTypes":[{"name":"Task"}],
		"statuses":[{"name":"Open","category":"new"}],"users":[{"accountId":"a","displayName":"A"}],
		"issues":[{"key":"J-3","project":"J","type":"Task","summary":"from JSON","reporter":"a","created":"2025-03-01T08:00:00Z"}]}`
	path := filepath.Join(t.TempDir(), "site.json")
	must(t, os.WriteFile(path, []byte(js), 0o600))
	seedJ, err := LoadSeed(path)
	must(t, err)
	simJ, err := New(seedJ, Options{Now: clock.Now})
	must(t, err)
	if is, ok := simJ.Issue("J-3"); !ok || is.Summary != "from JSON" || is.Reporter != "a" ||
		!is.Created.Equal(time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("JSON fixture issue: %+v", is)
	}
	if _, err := ParseSeed([]byte(`{"projects":[],"bogus":1}`), ".json"); err == nil {
		t.Error("unknown JSON fixture key accepted")
	}
	if _, err := ParseSeed([]byte("projects: []\nbogus: 1\n"), ".yaml"); err == nil {
		t.Error("unknown fixture key accepted")
	}
	if _, err := New(Seed{Issues: []Issue{{Project: "NOPE"}}}, Options{}); err == nil {
		t.Error("issue in unknown project accepted")
	}
}

// TestScriptTimeline plays a ticket's life the way the demo does.
func TestScriptTimeline(t *testing.T) {
	clock := NewManualClock(t0)
	sim, err := New(DefaultSeed(), Options{Now: clock.Now})
	must(t, err)
	key, err := sim.CreateIssue(Issue{Project: "SUP", Type: "Incident", Summary: "Login broken", Reporter: CustomerID, Organizations: []string{"Acme"}})
	must(t, err)
	must(t, sim.Transition(key, "In Progress", AgentID, t0.Add(10*time.Minute)))
	_, err = sim.AddComment(key, AgentID, "Looking into it", false, t0.Add(11*time.Minute))
	must(t, err)
	_, err = sim.AddComment(key, CustomerID, "trying to sneak an internal note", true, t0.Add(12*time.Minute))
	must(t, err)
	must(t, sim.SetPriority(key, "Highest", LeadID, t0.Add(20*time.Minute)))
	must(t, sim.SetFields(key, map[string]any{"SLA State": "at risk"}, BotAccountID, t0.Add(21*time.Minute)))
	must(t, sim.LogWork(key, Worklog{Author: AgentID, Started: t0.Add(10 * time.Minute), SpentSeconds: 1800}))
	must(t, sim.Transition(key, "Resolved", AgentID, t0.Add(time.Hour)))
	must(t, sim.Transition(key, "Waiting for customer", AgentID, t0.Add(2*time.Hour))) // reopened

	is, _ := sim.Issue(key)
	if key != "SUP-1" || is.Status != "Waiting for customer" || is.Resolution != "" || is.Priority != "Highest" {
		t.Errorf("issue: %+v", is)
	}
	if len(is.History) != 5 || is.History[2].Items[0].To != "at risk" && is.History[2].Items[0].To != "Highest" {
		t.Errorf("history: %+v", is.History)
	}
	if is.Comments[1].Internal {
		t.Error("a customer's comment became internal")
	}
	if !is.Updated.Equal(t0.Add(2 * time.Hour)) {
		t.Errorf("updated = %v", is.Updated)
	}
	if err := sim.Transition(key, "Nope", AgentID, time.Time{}); err == nil {
		t.Error("unknown status accepted")
	}
	if !slices.Equal(sim.IssueKeys(), []string{"SUP-1"}) {
		t.Error("IssueKeys")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
