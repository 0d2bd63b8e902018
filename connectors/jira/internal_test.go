package jira

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slabot/slabot/connectors/jira/jirasim"
	"github.com/slabot/slabot/rules"
)

// nonJSMSite is DefaultSeed plus ENG, a project that is not a service
// desk, holding ENG-1 reported by the customer; the agent and the
// customer have API tokens so the test reads comments as each of them.
// drop removes the bot from these roles of the seed.
func nonJSMSite(t *testing.T, tweak func(*Config), dropRoles ...string) *site {
	t.Helper()
	seed := seedWith(jirasim.Issue{Key: "ENG-1", Project: "ENG", Type: "Bug", Summary: "crash on start",
		Reporter: jirasim.CustomerID, Created: t0.Add(-time.Hour)}, oneIssue())
	seed.Projects = append(seed.Projects, jirasim.Project{Key: "ENG", Name: "Engineering"})
	for i := range seed.Users {
		switch seed.Users[i].AccountID {
		case jirasim.AgentID:
			seed.Users[i].APIToken = "agent-token"
		case jirasim.CustomerID:
			seed.Users[i].APIToken = "customer-token"
		}
	}
	for i := range seed.Roles {
		for _, r := range dropRoles {
			if seed.Roles[i].Name == r {
				seed.Roles[i].Staff, seed.Roles[i].Members = false, []string{jirasim.AgentID, jirasim.LeadID}
			}
		}
	}
	return newSite(t, seed, jirasim.Options{}, tweak)
}

// readComments GETs an issue's comments over HTTP as a person.
func readComments(t *testing.T, s *site, email, token, key string) []map[string]any {
	t.Helper()
	req, _ := http.NewRequest("GET", s.srv.URL+"/rest/api/2/issue/"+key+"/comment", nil)
	req.SetBasicAuth(email, token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var p struct {
		Comments []map[string]any `json:"comments"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(data, &p) != nil {
		t.Fatalf("GET comments as %s: %d %s", email, resp.StatusCode, data)
	}
	return p.Comments
}

func ackPatch(key string) rules.Patch {
	return rules.Patch{Key: key, Comments: []rules.NewComment{{Key: "ack", Internal: true,
		Body: "Acknowledged in Slack by Alice Agent.\n\n[slabot:ack]"}}}
}

// Issue 22: "On a non-JSM project an internal comment is written with
// visibility ... A test reads the comments as the customer." The
// acknowledgement on ENG (not a service desk) carries visibility (the
// default role), the reporter does not read it, an agent does; on SUP (a
// service desk) it is a JSM internal note as before.
func TestInternalCommentOutsideJSMIsRestricted(t *testing.T) {
	s := nonJSMSite(t, nil)
	done, err := s.client.Apply(ctx(t), ackPatch("ENG-1"))
	if err != nil || len(done.Posted) != 1 {
		t.Fatalf("Apply: %+v, %v", done, err)
	}
	if got := readComments(t, s, "carla@customer.example", "customer-token", "ENG-1"); len(got) != 0 {
		t.Errorf("the reporter reads %d comment(s): %v", len(got), got)
	}
	got := readComments(t, s, "alice@example.com", "agent-token", "ENG-1")
	if len(got) != 1 {
		t.Fatalf("the agent reads %d comments, want the acknowledgement", len(got))
	}
	vis, _ := got[0]["visibility"].(map[string]any)
	if vis["type"] != "role" || vis["value"] != rules.DefaultInternalRole {
		t.Errorf("visibility = %v, want role %q", got[0]["visibility"], rules.DefaultInternalRole)
	}
	if _, jsm := got[0]["jsdPublic"]; jsm {
		t.Errorf("a comment outside JSM reports jsdPublic: %v", got[0])
	}

	// On the service desk project: the JSM property, no visibility.
	if _, err := s.client.Apply(ctx(t), ackPatch("SUP-1")); err != nil {
		t.Fatal(err)
	}
	snap, _ := s.sim.Issue("SUP-1")
	if len(snap.Comments) != 1 || !snap.Comments[0].Internal || snap.Comments[0].Visibility != nil {
		t.Errorf("SUP-1 comment = %+v, want a JSM internal note", snap.Comments)
	}
	// A group named by the policy is used instead of the role.
	g := nonJSMSite(t, func(c *Config) {
		c.InternalVisibility = map[string]rules.CommentRestriction{"ENG": {Group: "staff"}}
	})
	if _, err := g.client.Apply(ctx(t), ackPatch("ENG-1")); err != nil {
		t.Fatal(err)
	}
	snap, _ = g.sim.Issue("ENG-1")
	if len(snap.Comments) != 1 || snap.Comments[0].Visibility == nil || *snap.Comments[0].Visibility != (jirasim.Visibility{Type: "group", Value: "staff"}) {
		t.Errorf("ENG-1 comment = %+v, want restricted to group staff", snap.Comments)
	}
}

// Issue 22: "If slabot cannot restrict it, it does not post it and says
// why (log, metric, check): it is never posted public." The bot is not in
// the role: Jira refuses the restriction, nothing is posted, the refusal
// is logged once with the fix and every withheld comment is counted; for
// RestrictionRetry Jira is not asked again; InternalCommentProblem (what
// slabot check reports) says why.
func TestInternalCommentWithheldWhenItCannotBeRestricted(t *testing.T) {
	var logs bytes.Buffer
	var mu sync.Mutex
	s := nonJSMSite(t, func(c *Config) {
		c.Logger = slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &mu}, nil))
	}, rules.DefaultInternalRole)
	for range 3 {
		done, err := s.client.Apply(ctx(t), ackPatch("ENG-1"))
		if err != nil || len(done.Posted) != 0 || len(done.Withheld) != 1 {
			t.Fatalf("Apply: %+v, %v; want the comment withheld", done, err)
		}
	}
	snap, _ := s.sim.Issue("ENG-1")
	if len(snap.Comments) != 0 {
		t.Errorf("comments posted: %+v", snap.Comments)
	}
	if n := s.sim.CountRequests("POST", "/rest/api/2/issue/ENG-1/comment"); n != 1 {
		t.Errorf("%d comment requests, want 1 (then withheld without asking)", n)
	}
	if n := s.client.Withheld()[WithheldCount{Project: "ENG"}]; n != 3 {
		t.Errorf("withheld count %d, want 3", n)
	}
	mu.Lock()
	out := logs.String()
	mu.Unlock()
	if strings.Count(out, "internal comment not posted") != 1 || !strings.Contains(out, "slabot setup") ||
		!strings.Contains(out, "You are currently not a member of the project role") {
		t.Errorf("log, want one line with Jira's reason and the fix:\n%s", out)
	}
	// After RestrictionRetry Jira is asked again.
	s.clock.Advance(time.Hour)
	if _, err := s.client.Apply(ctx(t), ackPatch("ENG-1")); err != nil {
		t.Fatal(err)
	}
	if n := s.sim.CountRequests("POST", "/rest/api/2/issue/ENG-1/comment"); n != 2 {
		t.Errorf("%d comment requests after an hour, want 2", n)
	}

	ok, detail, err := s.client.InternalCommentProblem(ctx(t), "ENG")
	if err != nil || ok || !strings.Contains(detail, `role "Support Agents"`) || !strings.Contains(detail, "Fix:") {
		t.Errorf("check: ok=%v %q %v, want the problem with its fix", ok, detail, err)
	}
	if ok, _, err := s.client.InternalCommentProblem(ctx(t), "SUP"); !ok || err != nil {
		t.Errorf("check of the service desk project: %v %v", ok, err)
	}
	full := nonJSMSite(t, nil)
	if ok, detail, err := full.client.InternalCommentProblem(ctx(t), "ENG"); !ok || err != nil {
		t.Errorf("check with the bot in the role: %v %q %v", ok, detail, err)
	}
}

// Issue 22: "A Jira that refuses every edit never gets the
// acknowledgement." When the edit is refused for a reason that names no
// field slabot can drop (the account may comment but not edit, a workflow
// validator, a 400 on labels), the comments are posted all the same and
// the error says which (PostedComments) and how to fix the refusal.
func TestCommentsPostedWhenTheEditIsRefused(t *testing.T) {
	for _, c := range []struct {
		name, body, fix string
		status          int
	}{
		{"may comment but not edit", `{"errorMessages":["You do not have permission to edit this issue."],"errors":{}}`, "Edit issues", 403},
		{"workflow validator", `{"errorMessages":["Resolution is required."],"errors":{}}`, "workflow", 400},
		{"400 on labels", `{"errorMessages":[],"errors":{"labels":"The label 'x' contains spaces which is invalid."}}`, "Labels field", 400},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := nonJSMSite(t, nil)
			s.sim.InjectFault(jirasim.Fault{Method: "PUT", Path: "/rest/api/2/issue/*", Status: c.status, Body: c.body,
				Header: http.Header{"Content-Type": {"application/json"}}})
			pt := ackPatch("SUP-1")
			pt.AddLabels = []string{"sla-at-risk"}
			pt.Fields = map[string]rules.FieldValue{"SLA State": rules.Option("at risk")}
			done, err := s.client.Apply(ctx(t), pt)
			var er *EditRefusedError
			var posted interface{ PostedComments() []string }
			if !errors.As(err, &er) || !errors.As(err, &posted) || strings.Join(posted.PostedComments(), ",") != "ack" {
				t.Fatalf("err = %v, want an EditRefusedError listing the posted ack", err)
			}
			if !strings.Contains(err.Error(), c.fix) {
				t.Errorf("err = %v, want the fix naming %q", err, c.fix)
			}
			if done.Edited || len(done.Posted) != 1 {
				t.Errorf("applied %+v", done)
			}
			snap, _ := s.sim.Issue("SUP-1")
			if len(snap.Comments) != 1 {
				t.Errorf("%d comments on SUP-1, want the acknowledgement once", len(snap.Comments))
			}
		})
	}
	// A failure that is not a refusal posts nothing: the next cycle tries
	// the whole patch again.
	s := nonJSMSite(t, nil)
	s.sim.InjectFault(jirasim.Fault{Method: "PUT", Path: "/rest/api/2/issue/*", Status: 503})
	pt := ackPatch("SUP-1")
	pt.AddLabels = []string{"sla-at-risk"}
	var posted interface{ PostedComments() []string }
	if _, err := s.client.Apply(ctx(t), pt); err == nil || errors.As(err, &posted) {
		t.Fatalf("a 503 edit: err = %v, want a failure that posted nothing", err)
	}
	if snap, _ := s.sim.Issue("SUP-1"); len(snap.Comments) != 0 {
		t.Errorf("%d comments after a 503 edit, want none", len(snap.Comments))
	}
}

// Jira refuses a label over 255 characters and a comment over 32,767
// (jirasim's TestLabelOver255CharactersRefused and
// TestCommentOver32767CharactersRefused); slabot leaves such a label out
// of the edit (reported as a refusal of the labels) and shortens such a
// comment, keeping its last paragraph, where the once-only marker is.
func TestApplyKeepsWithinJiraLimits(t *testing.T) {
	s := nonJSMSite(t, nil)
	long := "sla-" + strings.Repeat("g", 260)
	body := strings.Repeat("é", 40000) + "\n\n[slabot:missing-info]"
	done, err := s.client.Apply(ctx(t), rules.Patch{Key: "SUP-1", AddLabels: []string{"sla-ok", long},
		Comments: []rules.NewComment{{Key: "missing-info", Body: body}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(done.Refused) != 1 || done.Refused[0].Field != "labels" {
		t.Errorf("refused %+v, want the long label", done.Refused)
	}
	snap, _ := s.sim.Issue("SUP-1")
	if strings.Join(snap.Labels, ",") != "sla-ok" {
		t.Errorf("labels %v", snap.Labels)
	}
	if len(snap.Comments) != 1 || !strings.HasSuffix(snap.Comments[0].Body, "\n\n[slabot:missing-info]") || utf16Len(snap.Comments[0].Body) > 32767 {
		t.Errorf("comment of %d characters, want at most 32,767 ending in its marker", utf16Len(snap.Comments[0].Body))
	}
}

// "a sensible default that slabot setup creates": on a site without the
// default role, setup creates it and makes its account an actor on the
// non-JSM project (not on the service desk, which needs none); a second
// run changes nothing, and the acknowledgement is then posted restricted.
func TestSetupCreatesTheInternalRole(t *testing.T) {
	seed := seedWith(jirasim.Issue{Key: "ENG-1", Project: "ENG", Type: "Bug", Summary: "s", Reporter: jirasim.CustomerID, Created: t0})
	seed.Projects = append(seed.Projects, jirasim.Project{Key: "ENG", Name: "Engineering"})
	seed.Roles = slices.DeleteFunc(seed.Roles, func(r jirasim.Role) bool { return r.Name == rules.DefaultInternalRole })
	s := newSite(t, seed, jirasim.Options{}, nil)
	if ok, detail, _ := s.client.InternalCommentProblem(ctx(t), "ENG"); ok {
		t.Fatalf("check before setup: ok (%s)", detail)
	}
	role := &rules.CommentRestriction{Role: rules.DefaultInternalRole}
	projects := []SetupProject{{Key: "ENG", Internal: role}, {Key: "SUP", Internal: role}}
	res, err := s.client.Setup(ctx(t), projects, false)
	if err != nil {
		t.Fatal(err)
	}
	changes := strings.Join(res.Changes, "\n")
	if !strings.Contains(changes, `create project role "Support Agents"`) || !strings.Contains(changes, `role "Support Agents" in project ENG`) ||
		strings.Contains(changes, "project SUP") || len(res.Notes) == 0 {
		t.Errorf("setup changes:\n%s\nnotes %q", changes, res.Notes)
	}
	if ok, detail, err := s.client.InternalCommentProblem(ctx(t), "ENG"); !ok || err != nil {
		t.Errorf("check after setup: %v %q %v", ok, detail, err)
	}
	if again, err := s.client.Setup(ctx(t), projects, false); err != nil || len(again.Changes) != 0 {
		t.Errorf("second setup: %q %v, want no change", again.Changes, err)
	}
	if done, err := s.client.Apply(ctx(t), ackPatch("ENG-1")); err != nil || len(done.Posted) != 1 {
		t.Errorf("Apply after setup: %+v %v", done, err)
	}
}
