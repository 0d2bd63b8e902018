package jira

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slabot/slabot/connectors/jira/jirasim"
	"github.com/slabot/slabot/rules"
)

// contextSite is SUP (governed) and OPS (not) on one site where "SLA
// State" has no context and the only context of "Resolution Due" is
// OPS's: neither exists on SUP's issues.
func contextSite(t *testing.T) *site {
	t.Helper()
	seed := seedWith(oneIssue())
	seed.Projects = append(seed.Projects, jirasim.Project{Key: "OPS", Name: "Operations"})
	for i := range seed.Fields {
		switch seed.Fields[i].Name {
		case "SLA State":
			seed.Fields[i].NoContext = true
		case "Resolution Due":
			seed.Fields[i].ContextProjects = []string{"OPS"}
		}
	}
	return newSite(t, seed, jirasim.Options{}, func(c *Config) {
		for i := range c.Fields {
			if c.Fields[i].Name == "SLA State" {
				c.Fields[i].Options = []string{"on track", "met"}
			}
		}
	})
}

func supProject() []SetupProject {
	var names []string
	for _, f := range defaultFields() {
		names = append(names, f.Name)
	}
	return []SetupProject{{Key: "SUP", Fields: names}}
}

// adminWrites counts the setup's writes (screens, fields, contexts,
// options).
func adminWrites(s *site) int {
	return s.sim.CountRequests("PUT", "/rest/api/2/field/*") + s.sim.CountRequests("POST", "/rest/api/2/field*") +
		s.sim.CountRequests("POST", "/rest/api/2/screens/*")
}

// "A field exists but has no context" and "a field whose only contexts are
// scoped to other projects": Jira refuses slabot's writes of both on SUP
// (the refusal's fix names contexts) and check names both; setup --dry-run
// plans a context scoped to SUP for the first, SUP added to the OPS
// context of the second and the options in the new context, writing
// nothing; setup makes exactly that (OPS keeps its context, no global
// context changes scope); a second setup changes nothing; then the same
// writes go through and read back.
func TestSetupGivesFieldsAContextOnTheProjects(t *testing.T) {
	s := contextSite(t)
	patch := rules.Patch{Key: "SUP-1", Fields: map[string]rules.FieldValue{
		"Resolution Due": rules.Datetime(t0.Add(time.Hour + 123*time.Millisecond)), "SLA State": rules.Option("on track"), "Credits Used": rules.Number(2)}}
	done, err := s.client.Apply(ctx(t), patch)
	if err != nil {
		t.Fatal(err)
	}
	if len(done.Refused) != 2 || !done.Edited {
		t.Fatalf("before setup: refused %+v, edited %v: want both refused, Credits Used written", done.Refused, done.Edited)
	}
	for _, r := range done.Refused {
		if !strings.Contains(r.Fix, "context") || !strings.Contains(r.Fix, "slabot setup") {
			t.Errorf("refusal of %s does not point at contexts and setup: %s", r.Field, r.Fix)
		}
	}
	probs, err := s.client.ContextProblems(ctx(t), "SUP", []string{"Resolution Due", "SLA State", "First Response Due"})
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) != 2 || !strings.Contains(probs["SLA State"], "has no context") || !strings.Contains(probs["Resolution Due"], "none of its 1 context(s) covers project SUP") {
		t.Fatalf("context problems before setup: %v", probs)
	}

	s.sim.ResetRequests()
	plan, err := s.client.Setup(ctx(t), supProject(), true)
	if err != nil || len(plan.Problems) != 0 || adminWrites(s) != 0 {
		t.Fatalf("dry run: %v, problems %v, %d writes", err, plan.Problems, adminWrites(s))
	}
	want := []string{
		`add project SUP to context "Default Configuration Scheme for Resolution Due" of "Resolution Due" (its 1 other project(s) keep it)`,
		`create context "slabot: SUP" of "SLA State" for project SUP (it has no context)`,
		`add options on track, met to "SLA State" (context "slabot: SUP")`,
	}
	if !slices.Equal(plan.Changes, want) {
		t.Fatalf("plan:\n%s\nwant:\n%s", strings.Join(plan.Changes, "\n"), strings.Join(want, "\n"))
	}

	done2, err := s.client.Setup(ctx(t), supProject(), false)
	if err != nil || len(done2.Problems) != 0 || !slices.Equal(done2.Changes, want) {
		t.Fatalf("setup: %v, problems %v, changes:\n%s", err, done2.Problems, strings.Join(done2.Changes, "\n"))
	}
	if n := s.sim.CountRequests("PUT", "/rest/api/2/field/*"); n != 1 {
		t.Errorf("%d context project assignments, want 1", n)
	}
	// OPS keeps its context, SUP is in it; the new context is SUP's alone;
	// global contexts stay global.
	ids := map[string]string{}
	for _, k := range []string{"SUP", "OPS"} {
		var p struct {
			ID string `json:"id"`
		}
		if _, err := s.client.call(ctx(t), op{method: "GET", path: "rest/api/2/project/" + k, endpoint: "/rest/api/2/project/{projectIdOrKey}", out: &p}); err != nil {
			t.Fatal(err)
		}
		ids[k] = p.ID
	}
	for name, projects := range map[string][]string{"Resolution Due": {ids["OPS"], ids["SUP"]}, "SLA State": {ids["SUP"]}, "First Response Due": nil} {
		id, _ := s.client.FieldID(name)
		ctxs, err := s.client.fieldContexts(ctx(t), id)
		if err != nil {
			t.Fatal(err)
		}
		if len(ctxs) != 1 || !slices.Equal(ctxs[0].projects, projects) || ctxs[0].IsGlobal != (projects == nil) {
			t.Errorf("%s: contexts %+v, want one for projects %v", name, ctxs, projects)
		}
	}

	s.sim.ResetRequests()
	again, err := s.client.Setup(ctx(t), supProject(), false)
	if err != nil || len(again.Changes)+len(again.Problems) != 0 || adminWrites(s) != 0 {
		t.Fatalf("second setup: %v, changes %v, problems %v, %d writes", err, again.Changes, again.Problems, adminWrites(s))
	}
	if probs, err := s.client.ContextProblems(ctx(t), "SUP", []string{"Resolution Due", "SLA State"}); err != nil || len(probs) != 0 {
		t.Errorf("context problems after setup: %v %v", probs, err)
	}

	done, err = s.client.Apply(ctx(t), patch)
	if err != nil || len(done.Refused) != 0 {
		t.Fatalf("after setup: refused %+v, %v", done.Refused, err)
	}
	is, _, err := s.client.Issue(ctx(t), "SUP-1")
	if err != nil {
		t.Fatal(err)
	}
	if is.Fields["SLA State"].Text != "on track" || !is.Fields["Resolution Due"].Time.Equal(t0.Add(time.Hour+123*time.Millisecond)) {
		t.Errorf("read back: %v", is.Fields)
	}
}

// A project already in a context limited to some issue types, with no
// global context for the rest, is a problem setup names and leaves alone
// (widening the context changes the field on its other projects too); an
// account without Administer Jira cannot read contexts.
func TestSetupLeavesIssueTypeLimitedContexts(t *testing.T) {
	seed := seedWith(oneIssue())
	for i := range seed.Fields {
		if seed.Fields[i].Name == "Support Contract" {
			seed.Fields[i].NoContext = true
		}
	}
	seed.Users = append(seed.Users, jirasim.User{AccountID: "plain", DisplayName: "Plain", Email: "plain@example.com", APIToken: "plain-token"})
	s := newSite(t, seed, jirasim.Options{}, nil)
	id, _ := s.client.FieldID("Support Contract")
	var sup struct {
		ID string `json:"id"`
	}
	if _, err := s.client.call(ctx(t), op{method: "GET", path: "rest/api/2/project/SUP", endpoint: "/rest/api/2/project/{projectIdOrKey}", out: &sup}); err != nil {
		t.Fatal(err)
	}
	const incident = "10001" // DefaultSeed's first issue type
	body := map[string]any{"name": "SUP incidents", "projectIds": []string{sup.ID}, "issueTypeIds": []string{incident}}
	if _, err := s.client.call(ctx(t), op{method: "POST", path: "rest/api/2/field/" + id + "/context", endpoint: "/rest/api/2/field/{fieldId}/context", body: body, out: &struct{}{}}); err != nil {
		t.Fatal(err)
	}
	s.sim.ResetRequests()
	res, err := s.client.Setup(ctx(t), supProject(), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Problems) != 1 || !strings.Contains(res.Problems[0], `its context "SUP incidents" applies to some issue types of project SUP only`) ||
		s.sim.CountRequests("PUT", "/rest/api/2/field/*") != 0 || s.sim.CountRequests("POST", "/rest/api/2/field/"+id+"/context") != 0 {
		t.Errorf("problems %v, changes %v", res.Problems, res.Changes)
	}
	probs, err := s.client.ContextProblems(ctx(t), "SUP", []string{"Support Contract"})
	if err != nil || !strings.Contains(probs["Support Contract"], "some issue types") {
		t.Errorf("context problems: %v %v", probs, err)
	}

	plain := newSite(t, seed, jirasim.Options{}, func(c *Config) { c.Email, c.APIToken = "plain@example.com", "plain-token" })
	var pe *PermissionError
	if _, err := plain.client.ContextProblems(ctx(t), "SUP", []string{"Support Contract"}); !errors.As(err, &pe) {
		t.Errorf("contexts read without Administer Jira: %v, want a permission error", err)
	}
}
