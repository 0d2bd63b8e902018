package jirasim

import (
	"encoding/json"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// strictSite is DefaultSeed with a non-JSM project ENG holding ENG-1, and
// API tokens for the agent and the customer, so tests can read as them.
func strictSite(t *testing.T) (*Server, *httptest.Server) {
	t.Helper()
	seed := DefaultSeed()
	seed.Projects = append(seed.Projects, Project{Key: "ENG", Name: "Engineering"})
	for i := range seed.Users {
		switch seed.Users[i].AccountID {
		case AgentID:
			seed.Users[i].APIToken = "agent-token"
		case CustomerID:
			seed.Users[i].APIToken = "customer-token"
		}
	}
	seed.Issues = []Issue{{Key: "ENG-1", Project: "ENG", Type: "Bug", Summary: "crash", Reporter: CustomerID, Created: t0}}
	sim, err := New(seed, Options{Now: NewManualClock(t0).Now})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, srv
}

// commentBodies reads the bodies of a PageOfComments; a total that counts
// more than the page shows (hidden comments counted) is reported too.
func commentBodies(data []byte) []string {
	var p struct {
		Comments []struct {
			Body string `json:"body"`
		} `json:"comments"`
		Total int `json:"total"`
	}
	_ = json.Unmarshal(data, &p)
	out := []string{}
	for _, c := range p.Comments {
		out = append(out, c.Body)
	}
	if p.Total != len(out) {
		out = append(out, "(total counts hidden comments)")
	}
	return out
}

// Atlassian's description of GET /rest/api/3/issue/{issueIdOrKey}/comment:
// comments are included "If the comment has visibility restrictions,
// [where the user] belongs to the group or has the role visibility is ...
// restricted to". A restricted comment is hidden from the reporter in
// every answer (the comment list, the issue, search) and shown to a member
// of the role or group.
func TestRestrictedCommentHiddenOutsideItsRoleOrGroup(t *testing.T) {
	_, srv := strictSite(t)
	for _, body := range []string{
		`{"body":"public hello"}`,
		`{"body":"agents only","visibility":{"type":"role","value":"Support Agents"}}`,
		`{"body":"staff only","visibility":{"type":"group","value":"staff"}}`,
	} {
		if r := do(t, srv, "POST", "/rest/api/2/issue/ENG-1/comment", body, nil); r.StatusCode != 201 {
			t.Fatalf("%s: %d", body, r.StatusCode)
		}
	}
	inIssue := func(data []byte) []string {
		var is struct {
			Fields struct {
				Comment json.RawMessage `json:"comment"`
			} `json:"fields"`
		}
		_ = json.Unmarshal(data, &is)
		return commentBodies(is.Fields.Comment)
	}
	inSearch := func(data []byte) []string {
		var sr struct {
			Issues []json.RawMessage `json:"issues"`
		}
		_ = json.Unmarshal(data, &sr)
		if len(sr.Issues) != 1 {
			return []string{"(no issue found)"}
		}
		return inIssue(sr.Issues[0])
	}
	reads := map[string]func([]byte) []string{
		"/rest/api/2/issue/ENG-1/comment":                         commentBodies,
		"/rest/api/2/issue/ENG-1?fields=comment":                  inIssue,
		"/rest/api/2/search/jql?jql=project%3DENG&fields=comment": inSearch,
	}
	for path, read := range reads {
		_, asCustomer := send(t, srv, "carla@customer.example", "customer-token", "GET", path, "")
		if got := read(asCustomer); !slices.Equal(got, []string{"public hello"}) {
			t.Errorf("%s as the reporter: %q, want only the public comment", path, got)
		}
		_, asAgent := send(t, srv, "alice@example.com", "agent-token", "GET", path, "")
		if got := read(asAgent); !slices.Equal(got, []string{"public hello", "agents only", "staff only"}) {
			t.Errorf("%s as an agent: %q, want all three", path, got)
		}
	}
}

// Jira refuses a restriction the author cannot use, under "commentLevel":
// "Role with id: NAME does not exist." (atlassian/atlassian-mcp-server
// issue 105) and "You are currently not a member of the project role:
// NAME." (reload/github-security-jira issue 128).
func TestUnknownVisibilityRefused(t *testing.T) {
	_, srv := strictSite(t)
	asAgent := requester(t, srv, "alice@example.com", "agent-token")
	for _, c := range []struct {
		who  func(method, path, body string) (int, map[string]any)
		vis  string
		want string
	}{
		{asAgent, `{"type":"role","value":"Nope"}`, "Role with id: Nope does not exist."},
		{asAgent, `{"type":"role","value":"Administrators"}`, "You are currently not a member of the project role: Administrators."},
		{asAgent, `{"type":"group","value":"nobody-has-this"}`, "does not exist"},
	} {
		status, body := c.who("POST", "/rest/api/2/issue/ENG-1/comment", `{"body":"x","visibility":`+c.vis+`}`)
		errs, _ := body["errors"].(map[string]any)
		if msg, _ := errs["commentLevel"].(string); status != 400 || !strings.Contains(msg, c.want) {
			t.Errorf("visibility %s: %d %v, want 400 commentLevel %q", c.vis, status, body, c.want)
		}
	}
	// Accepted as Jira accepts it: a role the author acts in.
	if status, body := asAgent("POST", "/rest/api/2/issue/ENG-1/comment", `{"body":"x","visibility":{"type":"role","value":"Support Agents"}}`); status != 201 {
		t.Errorf("a role the author is in: %d %v", status, body)
	}
}

// "The label '...' exceeds the maximum length for a single label of 255
// characters" (Jira Cloud, prometheus-community/jiralert issue 146).
func TestLabelOver255CharactersRefused(t *testing.T) {
	_, srv := strictSite(t)
	edit := requester(t, srv, BotEmail, BotToken)
	ok, long := strings.Repeat("l", 255), strings.Repeat("l", 256)
	for _, body := range []string{
		`{"update":{"labels":[{"add":"` + long + `"}]}}`,
		`{"fields":{"labels":["` + long + `"]}}`,
		`{"update":{"labels":[{"set":["` + long + `"]}]}}`,
	} {
		status, ans := edit("PUT", "/rest/api/2/issue/ENG-1", body)
		errs, _ := ans["errors"].(map[string]any)
		if msg, _ := errs["labels"].(string); status != 400 || !strings.Contains(msg, "exceeds the maximum length for a single label of 255 characters") {
			t.Errorf("%.60s...: %d %v, want 400 on labels", body, status, ans)
		}
	}
	if status, ans := edit("PUT", "/rest/api/2/issue/ENG-1", `{"update":{"labels":[{"add":"`+ok+`"}]}}`); status != 204 {
		t.Errorf("a 255-character label: %d %v, want 204", status, ans)
	}
}

// "The entered text is too long. It exceeds the allowed limit of 32,767
// characters." under "comment" (mozilla/jira-bugzilla-integration issue
// 1030, jenkinsci/jira-plugin issue 667).
func TestCommentOver32767CharactersRefused(t *testing.T) {
	_, srv := strictSite(t)
	post := requester(t, srv, BotEmail, BotToken)
	long := strings.Repeat("c", 32768)
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/rest/api/2/issue/ENG-1/comment", `{"body":"` + long + `"}`},
		{"PUT", "/rest/api/2/issue/ENG-1", `{"update":{"comment":[{"add":{"body":"` + long + `"}}]}}`},
	} {
		status, ans := post(c.method, c.path, c.body)
		errs, _ := ans["errors"].(map[string]any)
		if msg, _ := errs["comment"].(string); status != 400 || !strings.Contains(msg, "32,767") {
			t.Errorf("%s %s: %d %v, want 400 on comment", c.method, c.path, status, ans)
		}
	}
	// A comment of exactly the limit is accepted; é is one UTF-16 unit.
	if status, ans := post("POST", "/rest/api/2/issue/ENG-1/comment", `{"body":"`+strings.Repeat("é", 32767)+`"}`); status != 201 {
		t.Errorf("a 32,767-character comment: %d %v, want 201", status, ans)
	}
}

// Atlassian's description lists "a field is specified in both `fields`
// and `update`" among the 400s of a transition; an edit is refused alike.
func TestFieldInBothFieldsAndUpdateRefused(t *testing.T) {
	_, srv := strictSite(t)
	edit := requester(t, srv, BotEmail, BotToken)
	status, ans := edit("PUT", "/rest/api/2/issue/ENG-1", `{"fields":{"labels":["a"]},"update":{"labels":[{"add":"b"}]}}`)
	errs, _ := ans["errors"].(map[string]any)
	if status != 400 || errs["labels"] == nil {
		t.Errorf("labels in both: %d %v, want 400 naming labels", status, ans)
	}
	if status, ans := edit("PUT", "/rest/api/2/issue/ENG-1", `{"fields":{"summary":"s"},"update":{"labels":[{"add":"b"}]}}`); status != 204 {
		t.Errorf("different fields in each: %d %v, want 204", status, ans)
	}
}

// "200 Returned if the request is successful and the `returnIssue`
// parameter is `true`", the issue "in the same format as in the Get issue
// API" (PUT /rest/api/3/issue/{issueIdOrKey}).
func TestEditWithReturnIssueAnswersTheIssue(t *testing.T) {
	_, srv := strictSite(t)
	var is struct {
		Key    string `json:"key"`
		Fields struct {
			Labels []string `json:"labels"`
		} `json:"fields"`
	}
	r := do(t, srv, "PUT", "/rest/api/2/issue/ENG-1?returnIssue=true", `{"update":{"labels":[{"add":"sla-met"}]}}`, &is)
	if r.StatusCode != 200 || is.Key != "ENG-1" || !slices.Contains(is.Fields.Labels, "sla-met") {
		t.Errorf("returnIssue=true: %d %+v, want 200 with the edited issue", r.StatusCode, is)
	}
	if r := do(t, srv, "PUT", "/rest/api/2/issue/ENG-1", `{"update":{"labels":[{"add":"x"}]}}`, nil); r.StatusCode != 204 {
		t.Errorf("without returnIssue: %d, want 204", r.StatusCode)
	}
}

// Roles as `slabot setup` and `check` use them: roles are shared by every
// project and start without actors (POST /rest/api/3/role); roledetails
// with currentMember=true lists the caller's roles in a project.
func TestRolesCreatedAndJoined(t *testing.T) {
	_, srv := strictSite(t)
	var created struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	}
	if r := do(t, srv, "POST", "/rest/api/2/role", `{"name":"Triage","description":"t"}`, &created); r.StatusCode != 200 || created.ID == 0 {
		t.Fatalf("create role: %d %+v", r.StatusCode, created)
	}
	if r := do(t, srv, "POST", "/rest/api/2/role", `{"name":"Triage"}`, nil); r.StatusCode != 409 {
		t.Errorf("a second role of that name: %d, want 409", r.StatusCode)
	}
	mine := func() []string {
		var roles []struct{ Name string }
		do(t, srv, "GET", "/rest/api/2/project/ENG/roledetails?currentMember=true", "", &roles)
		var out []string
		for _, r := range roles {
			out = append(out, r.Name)
		}
		return out
	}
	if slices.Contains(mine(), "Triage") {
		t.Fatal("a new role has actors")
	}
	path := "/rest/api/2/project/ENG/role/" + jsonNumber(created.ID)
	if r := do(t, srv, "POST", path, `{"user":["`+BotAccountID+`"]}`, nil); r.StatusCode != 200 {
		t.Fatalf("add actor: %d", r.StatusCode)
	}
	if !slices.Contains(mine(), "Triage") {
		t.Errorf("the bot joined Triage in ENG but roledetails says %v", mine())
	}
	if status, _ := requester(t, srv, "alice@example.com", "agent-token")("GET", "/rest/api/2/project/ENG/role", ""); status != 404 {
		t.Errorf("roles of a project read by a non-administrator: %d, want 404", status)
	}
}

func jsonNumber(n int64) string { b, _ := json.Marshal(n); return string(b) }

// roleSamples are requests exercising the role routes, for
// TestRoutesAgreeWithOpenAPI.
func roleSamples(sim *Server) map[string]sample {
	sim.mu.Lock()
	id := jsonNumber(sim.roleNamed("Support Agents").id)
	sim.mu.Unlock()
	out := map[string]sample{
		"GET /rest/api/2/project/{projectIdOrKey}/role":        {"/rest/api/2/project/SUP/role", "", 200},
		"GET /rest/api/2/project/{projectIdOrKey}/roledetails": {"/rest/api/2/project/SUP/roledetails?currentMember=true", "", 200},
		"GET /rest/api/2/project/{projectIdOrKey}/role/{id}":   {"/rest/api/2/project/SUP/role/" + id, "", 200},
		"POST /rest/api/2/project/{projectIdOrKey}/role/{id}":  {"/rest/api/2/project/SUP/role/" + id, `{"user":["` + LeadID + `"]}`, 200},
		"POST /rest/api/2/role":                                {"/rest/api/2/role", `{"name":"Triage","description":"slabot"}`, 200},
	}
	for name, smp := range out {
		smp.path = strings.Replace(smp.path, "/rest/api/2/", "/rest/api/3/", 1)
		if name == "POST /rest/api/2/role" {
			smp.body = `{"name":"Triage 3","description":"slabot"}`
		}
		out[strings.Replace(name, "/rest/api/2/", "/rest/api/3/", 1)] = smp
	}
	return out
}
