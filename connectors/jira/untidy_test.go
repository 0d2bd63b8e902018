package jira

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slabot/slabot/connectors/jira/jirasim"
	"github.com/slabot/slabot/rules"
)

// Tests of slabot's client against a site as untidy as Jira Cloud (issue
// 12), over real HTTP with the real client.

func twoProjectSeed(issues ...jirasim.Issue) jirasim.Seed {
	seed := seedWith(issues...)
	seed.Projects = append(seed.Projects, jirasim.Project{Key: "ENG", Name: "Engineering"})
	return seed
}

// "a product whose project is missing or unreadable keeps syncing its
// other projects, logs and counts the bad one with the fix".
func TestPollSurvivesAnUnavailableProject(t *testing.T) {
	seed := twoProjectSeed(
		jirasim.Issue{Key: "SUP-1", Project: "SUP", Type: "Incident", Summary: "a", Reporter: jirasim.CustomerID, Created: t0.Add(-time.Hour)},
		jirasim.Issue{Key: "ENG-1", Project: "ENG", Type: "Bug", Summary: "b", Reporter: jirasim.AgentID, Created: t0.Add(-time.Hour)},
	)
	// The bot may browse SUP only: ENG is, to JQL, a project that does not
	// exist.
	for i := range seed.Users {
		if seed.Users[i].AccountID == jirasim.BotAccountID {
			seed.Users[i].Projects = []string{"SUP"}
		}
	}
	var logs bytes.Buffer
	var mu sync.Mutex
	s := newSite(t, seed, jirasim.Options{}, func(c *Config) {
		c.Logger = slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &mu}, nil))
	})
	issues, cur, err := s.client.ChangedIn(ctx(t), []string{"SUP", "NOPE", "ENG"}, Cursor{})
	if err != nil {
		t.Fatalf("one bad project failed the poll: %v", err)
	}
	if len(issues) != 1 || issues[0].Key != "SUP-1" {
		t.Errorf("polled %d issues, want SUP-1", len(issues))
	}
	if cur.Updated.IsZero() {
		t.Error("the cursor did not advance")
	}
	got := s.client.Skipped()
	for _, p := range []string{"NOPE", "ENG"} {
		if got[SkipCount{Reason: SkipProjectUnavailable, Project: p}] != 1 {
			t.Errorf("skip of %s counted %d times, want 1 (counts %v)", p, got[SkipCount{Reason: SkipProjectUnavailable, Project: p}], got)
		}
	}
	mu.Lock()
	out := logs.String()
	mu.Unlock()
	if !strings.Contains(out, "ENG,NOPE") || !strings.Contains(out, "Browse projects") || !strings.Contains(out, "policy's projects list") {
		t.Errorf("the log does not name the projects and the fix:\n%s", out)
	}
	// Every project bad: the poll fails, naming them.
	_, _, err = s.client.ChangedIn(ctx(t), []string{"NOPE"}, Cursor{})
	var pu *ProjectUnavailableError
	if !errors.As(err, &pu) || len(pu.Projects) != 1 || pu.Projects[0] != "NOPE" {
		t.Errorf("all projects unavailable: %v", err)
	}
	// `slabot check` names it (ScreenProblems is what check calls per project).
	problems, err := s.client.ScreenProblems(ctx(t), "NOPE", []string{"SLA State"})
	if err != nil || len(problems) != 1 || !strings.Contains(problems[0], "project NOPE cannot be searched") {
		t.Errorf("check of NOPE: %q %v", problems, err)
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// "restricted comments are never a customer-visible first response": a
// comment with visibility (any project) or a JSM internal note maps to
// Public false.
func TestRestrictedCommentsAreNotPublic(t *testing.T) {
	created := t0.Add(-time.Hour)
	seed := twoProjectSeed(
		jirasim.Issue{Key: "ENG-1", Project: "ENG", Type: "Bug", Summary: "b", Reporter: jirasim.CustomerID, Created: created,
			Comments: []jirasim.Comment{
				{Author: jirasim.AgentID, Body: "note to devs", Visibility: &jirasim.Visibility{Type: "role", Value: "Developers"}, Created: created.Add(time.Minute)},
				{Author: jirasim.AgentID, Body: "group only", Visibility: &jirasim.Visibility{Type: "group", Value: "staff"}, Created: created.Add(2 * time.Minute)},
				{Author: jirasim.AgentID, Body: "hello customer", Created: created.Add(3 * time.Minute)},
			}},
		jirasim.Issue{Key: "SUP-1", Project: "SUP", Type: "Incident", Summary: "a", Reporter: jirasim.CustomerID, Created: created,
			Comments: []jirasim.Comment{
				{Author: jirasim.AgentID, Body: "internal", Internal: true, Created: created.Add(time.Minute)},
				{Author: jirasim.AgentID, Body: "restricted", Visibility: &jirasim.Visibility{Type: "role", Value: "Service Desk Team"}, Created: created.Add(2 * time.Minute)},
				{Author: jirasim.AgentID, Body: "public reply", Created: created.Add(3 * time.Minute)},
			}},
	)
	s := newSite(t, seed, jirasim.Options{}, nil)
	issues, _, err := s.client.ChangedIn(ctx(t), []string{"ENG", "SUP"}, Cursor{})
	if err != nil {
		t.Fatal(err)
	}
	if len(issues) != 2 {
		t.Fatalf("%d issues", len(issues))
	}
	for _, is := range issues {
		var pub []bool
		for _, c := range is.Comments {
			pub = append(pub, c.Public)
		}
		if fmt.Sprint(pub) != "[false false true]" {
			t.Errorf("%s: comments public %v, want [false false true]", is.Key, pub)
		}
	}
}

// "the poll uses reconcileIssues or an overlap that covers the configured
// lag, and a test with lag proves no update is missed". Search here lags
// 9 minutes, polls run every 2 minutes with a 2-minute overlap. Without
// IndexLag the window reaches back about 4 minutes and updates are lost
// until the resync (the control run proves the scenario bites); with it,
// every update arrives.
func TestPollWithIndexLagMissesNothing(t *testing.T) {
	const lag = 9 * time.Minute
	run := func(clientLag time.Duration) (missed []string) {
		var issues []jirasim.Issue
		for i := range 6 {
			issues = append(issues, jirasim.Issue{Key: fmt.Sprintf("SUP-%d", i+1), Project: "SUP", Type: "Incident", Status: "Open",
				Summary: "lagged", Reporter: jirasim.CustomerID, Created: t0.Add(-24 * time.Hour)})
		}
		s := newSite(t, seedWith(issues...), jirasim.Options{IndexLag: lag}, func(c *Config) { c.IndexLag = clientLag })
		delivered := map[string]time.Time{}
		cur := Cursor{}
		poll := func() {
			got, next, err := s.client.ChangedIn(ctx(t), []string{"SUP"}, cur)
			if err != nil {
				t.Fatal(err)
			}
			for _, is := range got {
				if is.Updated.After(delivered[is.Key]) {
					delivered[is.Key] = is.Updated
				}
			}
			cur = next
		}
		poll()
		// An hour of polls every 2 minutes; between them agents change
		// issues at odd instants (milliseconds included).
		statuses := []string{"In Progress", "Waiting for customer", "Open"}
		for step := range 30 {
			s.clock.Advance(37*time.Second + 123*time.Millisecond)
			key := fmt.Sprintf("SUP-%d", step%6+1)
			if err := s.sim.Transition(key, statuses[step%3], jirasim.AgentID, time.Time{}); err != nil {
				t.Fatal(err)
			}
			s.clock.Advance(2*time.Minute - 37*time.Second - 123*time.Millisecond)
			poll()
		}
		// Quiet time for the index to catch up, polls going on.
		for range 8 {
			s.clock.Advance(2 * time.Minute)
			poll()
		}
		for _, key := range s.sim.IssueKeys() {
			is, _ := s.sim.Issue(key)
			if !delivered[key].Equal(is.Updated) {
				missed = append(missed, fmt.Sprintf("%s (updated %s, delivered %s)", key, is.Updated.Format("15:04:05.000"), delivered[key].Format("15:04:05.000")))
			}
		}
		return missed
	}
	if missed := run(0); len(missed) == 0 {
		t.Fatal("control: without IndexLag no update was missed, so this test cannot tell")
	}
	if missed := run(lag); len(missed) > 0 {
		t.Errorf("with IndexLag %v updates were missed: %v", lag, missed)
	}
}

// "a 404 on one issue's sub-resource skips that issue, not the product".
func TestNotFoundWhileCompletingSkipsTheIssue(t *testing.T) {
	created := t0.Add(-time.Hour)
	var many []jirasim.Comment
	for i := range 25 { // more than the 20 inlined: the client pages them
		many = append(many, jirasim.Comment{Author: jirasim.AgentID, Body: fmt.Sprint("c", i), Created: created.Add(time.Duration(i+1) * time.Second)})
	}
	s := newSite(t, seedWith(
		jirasim.Issue{Key: "SUP-1", Project: "SUP", Type: "Incident", Summary: "a", Reporter: jirasim.CustomerID, Created: created},
		jirasim.Issue{Key: "SUP-2", Project: "SUP", Type: "Incident", Summary: "gone soon", Reporter: jirasim.CustomerID, Created: created, Comments: many},
		jirasim.Issue{Key: "SUP-3", Project: "SUP", Type: "Incident", Summary: "c", Reporter: jirasim.CustomerID, Created: created},
	), jirasim.Options{}, nil)
	// Deleted between the search page and the completion of its comments.
	s.sim.InjectFault(jirasim.Fault{Method: "GET", Path: "/rest/api/2/issue/SUP-2/comment", Status: 404,
		Body: `{"errorMessages":["Issue does not exist or you do not have permission to see it."],"errors":{}}`})
	issues, _, err := s.client.ChangedIn(ctx(t), []string{"SUP"}, Cursor{})
	if err != nil {
		t.Fatalf("one vanished issue failed the poll: %v", err)
	}
	var keys []string
	for _, is := range issues {
		keys = append(keys, is.Key)
	}
	if fmt.Sprint(keys) != "[SUP-1 SUP-3]" {
		t.Errorf("polled %v, want [SUP-1 SUP-3]", keys)
	}
	if n := s.client.Skipped()[SkipCount{Reason: SkipIssueGone, Project: "SUP"}]; n != 1 {
		t.Errorf("skip counted %d times, want 1", n)
	}
	// A 5xx is not a skip: the poll fails and is retried next cycle.
	s.sim.ClearFaults()
	s.sim.InjectFault(jirasim.Fault{Method: "GET", Path: "/rest/api/2/issue/SUP-2/comment", Status: 500})
	if _, _, err := s.client.ChangedIn(ctx(t), []string{"SUP"}, Cursor{}); err == nil {
		t.Error("a 500 while completing was skipped silently; want the poll to fail")
	}
}

// "issues without created are refused with a clear message" (never read
// as year 1); the other issues of the page still arrive.
func TestIssueWithoutCreatedIsRefused(t *testing.T) {
	s := newSite(t, seedWith(), jirasim.Options{}, nil)
	s.sim.InjectFault(jirasim.Fault{Method: "POST", Path: "/rest/api/2/search/jql", Times: 1, Status: 200,
		Header: http.Header{"Content-Type": {"application/json"}},
		Body: `{"issues":[{"id":"1","key":"SUP-1","fields":{"summary":"no dates","updated":"2025-03-03T08:00:00.000+0000"}},` +
			`{"id":"2","key":"SUP-2","fields":{"summary":"fine","created":"2025-03-03T08:00:00.123+0000","updated":"2025-03-03T08:00:00.123+0000"}}],"isLast":true}`})
	var logs bytes.Buffer
	var mu sync.Mutex
	s.client.cfg.Logger = slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &mu}, nil))
	var got []rules.Issue
	if err := s.client.Search(ctx(t), "project = SUP", func(is rules.Issue) error { got = append(got, is); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Key != "SUP-2" || got[0].Created.Year() != 2025 {
		t.Errorf("got %+v, want SUP-2 only", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logs.String(), "SUP-1 has no created date") {
		t.Errorf("no clear message for SUP-1:\n%s", logs.String())
	}
	for _, data := range []string{"null", "{}", `{"key":"SUP-9","fields":{"summary":"x"}}`} {
		if _, err := DecodeIssue([]byte(data), nil, ""); err == nil {
			t.Errorf("DecodeIssue(%s) accepted an issue without created", data)
		}
	}
}

// "redirects never carry credentials to another host or to http".
func TestRedirectsKeepCredentialsOnTheSite(t *testing.T) {
	var mu sync.Mutex
	var leaked []string
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		leaked = append(leaked, r.Header.Get("Authorization"))
		mu.Unlock()
		w.WriteHeader(200)
		_, _ = w.Write([]byte(`{"accountId":"evil"}`))
	}))
	defer elsewhere.Close()
	sim, err := jirasim.New(jirasim.DefaultSeed(), jirasim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/rest/api/2/myself":
			http.Redirect(w, r, elsewhere.URL+"/steal", http.StatusFound)
		default:
			if rest, ok := strings.CutPrefix(r.URL.Path, "/moved/"); ok { // a redirect within the site is fine
				r.URL.Path = "/" + rest
				sim.ServeHTTP(w, r)
				return
			}
			if strings.HasPrefix(r.URL.Path, "/old/") {
				http.Redirect(w, r, strings.TrimPrefix(r.URL.Path, "/old"), http.StatusMovedPermanently)
				return
			}
			sim.ServeHTTP(w, r)
		}
	}))
	defer site.Close()
	c, err := New(Config{BaseURL: site.URL, Email: jirasim.BotEmail, APIToken: jirasim.BotToken})
	if err != nil {
		t.Fatal(err)
	}
	err = c.Connect(ctx(t))
	if err == nil || !strings.Contains(err.Error(), "refusing a redirect") {
		t.Errorf("Connect followed a redirect off the site: %v", err)
	}
	mu.Lock()
	if len(leaked) > 0 {
		t.Errorf("the other host was called (Authorization %q)", leaked)
	}
	mu.Unlock()
	if strings.Contains(fmt.Sprint(err), jirasim.BotToken) {
		t.Error("the error shows the token")
	}
	// Within the site, redirects are followed with credentials.
	c2, err := New(Config{BaseURL: site.URL + "/old/moved", Email: jirasim.BotEmail, APIToken: jirasim.BotToken})
	if err != nil {
		t.Fatal(err)
	}
	if err := c2.Connect(ctx(t)); err != nil {
		t.Errorf("a redirect within the site failed: %v", err)
	}
	// The transport adds credentials only for the site's scheme and host.
	tp := &authTransport{email: "a", token: "b", site: mustURL(t, "https://example.atlassian.net"), base: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if _, _, ok := r.BasicAuth(); ok && (r.URL.Scheme != "https" || r.URL.Host != "example.atlassian.net") {
			t.Errorf("credentials sent to %s", r.URL)
		}
		return &http.Response{StatusCode: 200, Body: http.NoBody, Request: r}, nil
	})}
	for _, u := range []string{"https://example.atlassian.net/x", "http://example.atlassian.net/x", "https://evil.example/x"} {
		req, _ := http.NewRequest("GET", u, nil)
		if _, err := tp.RoundTrip(req); err != nil {
			t.Fatal(err)
		}
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// Truncated changelogs are completed in bulk: one POST
// /rest/api/3/changelog/bulkfetch for up to 1,000 issues, filtered to the
// fields the engine reads (slabot's own field writes and label edits do not
// come back); a site without the endpoint falls back to paging each one.
func TestChangelogsCompletedInBulk(t *testing.T) {
	created := t0.Add(-10 * 24 * time.Hour)
	var issues []jirasim.Issue
	for i := range 3 {
		is := jirasim.Issue{Key: fmt.Sprintf("SUP-%d", i+1), Project: "SUP", Type: "Incident", Status: "Open", Summary: "busy",
			Reporter: jirasim.CustomerID, Created: created}
		for j := range 60 { // 30 status changes, 30 writes of slabot's field and labels
			at := created.Add(time.Duration(j+1) * time.Minute)
			if j%2 == 0 {
				from, to := "Open", "In Progress"
				if j%4 == 2 {
					from, to = to, from
				}
				is.History = append(is.History, jirasim.History{At: at, Author: jirasim.AgentID, Items: []jirasim.Item{{Field: "status", From: from, To: to}}})
			} else {
				is.History = append(is.History, jirasim.History{At: at, Author: jirasim.BotAccountID,
					Items: []jirasim.Item{{Field: "SLA State", From: "on track", To: "at risk"}, {Field: "labels", To: "sla-at-risk"}}})
			}
		}
		if i == 0 {
			// The oldest entry, so only the bulk fetch brings it: who held
			// the issue then (the outbox looks in their DMs after a lost
			// database).
			is.History = append([]jirasim.History{{At: created.Add(30 * time.Second), Author: jirasim.AgentID,
				Items: []jirasim.Item{{Field: "assignee", To: jirasim.AgentID}}}}, is.History...)
		}
		issues = append(issues, is)
	}
	issues = append(issues, jirasim.Issue{Key: "SUP-4", Project: "SUP", Type: "Incident", Status: "Open", Summary: "quiet",
		Reporter: jirasim.CustomerID, Created: created, History: statusPingPong(created, 4)})
	s := newSite(t, seedWith(issues...), jirasim.Options{LogBodies: true}, nil)
	got, _, err := s.client.ChangedIn(ctx(t), []string{"SUP"}, Cursor{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 {
		t.Fatalf("%d issues, want 4", len(got))
	}
	for _, is := range got {
		want := 30
		switch is.Key {
		case "SUP-1":
			want = 31 // and the assignee change
			if ch := is.Changes[0]; ch.Field != rules.FieldAssignee || ch.FromID != "" || ch.ToID != jirasim.AgentID || ch.To == "" {
				t.Errorf("SUP-1's oldest change %+v, want the assignee set to %s (accountId and name)", ch, jirasim.AgentID)
			}
		case "SUP-4":
			want = 4 // not truncated: the inline changelog, whole
		}
		if len(is.Changes) != want {
			t.Errorf("%s: %d changes, want %d", is.Key, len(is.Changes), want)
		}
		for _, ch := range is.Changes {
			if ch.Field != rules.FieldStatus && ch.Field != rules.FieldAssignee {
				t.Errorf("%s: a %s change came back: the bulk request was not filtered", is.Key, ch.Field)
				break
			}
		}
	}
	var bulk []jirasim.Request
	for _, r := range s.sim.Requests() {
		if r.Path == "/rest/api/3/changelog/bulkfetch" {
			bulk = append(bulk, r)
		}
	}
	if len(bulk) != 1 || s.sim.CountRequests("GET", "/rest/api/2/issue/*") != 0 {
		t.Fatalf("%d bulk requests and %d per-issue reads, want 1 and 0", len(bulk), s.sim.CountRequests("GET", "/rest/api/2/issue/*"))
	}
	if body := string(bulk[0].Body); !strings.Contains(body, `"fieldIds":["status","priority","issuetype","resolution","summary","description","assignee"]`) {
		t.Errorf("bulk request %s", body)
	}

	// Without the endpoint: per-issue paging, and no second try at bulk.
	s.sim.InjectFault(jirasim.Fault{Method: "POST", Path: "/rest/api/3/changelog/bulkfetch", Status: 404,
		Body: `{"errorMessages":["null for uri"],"errors":{}}`})
	s.sim.ResetRequests()
	for range 2 {
		got, _, err = s.client.ChangedIn(ctx(t), []string{"SUP"}, Cursor{})
		if err != nil || len(got) != 4 {
			t.Fatalf("fallback: %d issues, %v", len(got), err)
		}
		for _, is := range got {
			want := 90 // paged whole: 30 status + 30 × (field, labels)
			if is.Key == "SUP-1" {
				want++ // and the assignee
			}
			if is.Key != "SUP-4" && len(is.Changes) != want {
				t.Errorf("fallback: %s has %d changes, want %d", is.Key, len(is.Changes), want)
			}
		}
	}
	if n := s.sim.CountRequests("POST", "/rest/api/3/changelog/bulkfetch"); n != 1 {
		t.Errorf("%d bulk attempts after a 404, want 1", n)
	}
	if n := s.sim.CountRequests("GET", "/rest/api/2/issue/*"); n != 6 {
		t.Errorf("%d per-issue changelog reads, want 6 (3 issues, twice)", n)
	}
}
