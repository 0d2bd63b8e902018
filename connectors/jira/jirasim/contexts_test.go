package jirasim

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// A field exists on an issue only where a context covers the issue's
// project: elsewhere reads leave it out, editmeta lacks it and an edit
// answers Jira's 400 naming the field. Adding the project to a context
// (or creating one for it) makes it settable; a select list takes the
// options of the issue's context. The context routes refuse what Jira
// refuses: a project already in a context of the field, projects added to
// a global context, unknown projects, duplicates, non-administrators.
func TestContextsDecideWhereAFieldExists(t *testing.T) {
	seed := DefaultSeed()
	seed.Projects = append(seed.Projects, Project{Key: "OPS", Name: "Operations"})
	for i := range seed.Fields {
		switch seed.Fields[i].Name {
		case "Resolution Due":
			seed.Fields[i].ContextProjects = []string{"OPS"}
		case "Customer Tier":
			seed.Fields[i].NoContext = true
		}
	}
	seed.Users = append(seed.Users, User{AccountID: "plain", DisplayName: "Plain", Email: "plain@example.com", APIToken: "plain-token"})
	seed.Issues = []Issue{{Key: "SUP-1", Project: "SUP", Type: "Incident", Summary: "VPN down", Reporter: CustomerID,
		Created: t0.Add(-time.Hour), Fields: map[string]any{"First Response Due": t0}}}
	sim, err := New(seed, Options{Now: NewManualClock(t0).Now})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()
	do := requester(t, srv, BotEmail, BotToken)
	sim.mu.Lock()
	due, tier, first := sim.fieldNamed("Resolution Due").ID, sim.fieldNamed("Customer Tier").ID, sim.fieldNamed("First Response Due").ID
	sup, ops := sim.projects["SUP"].ID, sim.projects["OPS"].ID
	sim.mu.Unlock()

	_, is := do("GET", "/rest/api/2/issue/SUP-1?fields=*all", "")
	fields := is["fields"].(map[string]any)
	if _, ok := fields[first]; !ok {
		t.Fatalf("a field of a global context is missing: %v", fields)
	}
	for _, id := range []string{due, tier} {
		if _, ok := fields[id]; ok {
			t.Errorf("%s is read on an issue no context of it covers", id)
		}
	}
	_, meta := do("GET", "/rest/api/2/issue/SUP-1/editmeta", "")
	if m := meta["fields"].(map[string]any); m[due] != nil || m[tier] != nil || m[first] == nil {
		t.Errorf("editmeta %v: want %s, not %s or %s", m, first, due, tier)
	}
	edit := `{"fields":{"` + due + `":"2026-11-20T10:00:00.000+0000","` + tier + `":{"value":"Premium"}}}`
	code, v := do("PUT", "/rest/api/2/issue/SUP-1", edit)
	errs, _ := v["errors"].(map[string]any)
	if code != 400 || errs[due] != notOnScreen(due) || errs[tier] != notOnScreen(tier) {
		t.Fatalf("edit of fields out of context: %d %v, want 400 naming both", code, v)
	}

	// What the context routes show.
	if _, v := do("GET", "/rest/api/2/field/"+tier+"/context", ""); len(v["values"].([]any)) != 0 {
		t.Errorf("contexts of a field without any: %v", v)
	}
	_, v = do("GET", "/rest/api/2/field/"+due+"/context", "")
	ctxs := v["values"].([]any)
	if len(ctxs) != 1 || ctxs[0].(map[string]any)["isGlobalContext"] != false {
		t.Fatalf("contexts %v: want one project-scoped", ctxs)
	}
	dueCtx := ctxs[0].(map[string]any)["id"].(string)
	if _, v := do("GET", "/rest/api/2/field/"+due+"/context/projectmapping", ""); len(v["values"].([]any)) != 1 ||
		v["values"].([]any)[0].(map[string]any)["projectId"] != ops {
		t.Errorf("project mapping %v: want OPS (%s)", v, ops)
	}
	_, v = do("GET", "/rest/api/2/field/"+first+"/context/projectmapping", "")
	if rows := v["values"].([]any); len(rows) != 1 || rows[0].(map[string]any)["isGlobalContext"] != true {
		t.Errorf("project mapping of a global context: %v", v)
	}
	var globalCtx string
	if _, v := do("GET", "/rest/api/2/field/"+first+"/context?isGlobalContext=true", ""); len(v["values"].([]any)) == 1 {
		globalCtx = v["values"].([]any)[0].(map[string]any)["id"].(string)
	}

	// What they refuse.
	for _, bad := range []struct {
		name, method, path, body string
		code                     int
	}{
		{"projects added to a global context", "PUT", "/rest/api/2/field/" + first + "/context/" + globalCtx + "/project", `{"projectIds":["` + sup + `"]}`, 400},
		{"a project twice", "PUT", "/rest/api/2/field/" + due + "/context/" + dueCtx + "/project", `{"projectIds":["` + sup + `","` + sup + `"]}`, 400},
		{"a project already in a context", "PUT", "/rest/api/2/field/" + due + "/context/" + dueCtx + "/project", `{"projectIds":["` + ops + `"]}`, 400},
		{"no projects", "PUT", "/rest/api/2/field/" + due + "/context/" + dueCtx + "/project", `{"projectIds":[]}`, 400},
		{"an unknown project", "PUT", "/rest/api/2/field/" + due + "/context/" + dueCtx + "/project", `{"projectIds":["99999"]}`, 404},
		{"an unknown context", "PUT", "/rest/api/2/field/" + due + "/context/1/project", `{"projectIds":["` + sup + `"]}`, 404},
		{"a context for a project that has one", "POST", "/rest/api/2/field/" + due + "/context", `{"name":"x","projectIds":["` + ops + `"]}`, 400},
		{"a context without a name", "POST", "/rest/api/2/field/" + tier + "/context", `{"projectIds":["` + sup + `"]}`, 400},
		{"a context of an unknown field", "POST", "/rest/api/2/field/customfield_1/context", `{"name":"x"}`, 404},
		{"a context for an unknown issue type", "POST", "/rest/api/2/field/" + tier + "/context", `{"name":"x","issueTypeIds":["1"]}`, 404},
	} {
		if code, v := do(bad.method, bad.path, bad.body); code != bad.code {
			t.Errorf("%s: %d %v, want %d", bad.name, code, v, bad.code)
		}
	}
	if code, v := requester(t, srv, "plain@example.com", "plain-token")("PUT", "/rest/api/2/field/"+due+"/context/"+dueCtx+"/project", `{"projectIds":["`+sup+`"]}`); code != 403 ||
		v["errorMessages"].([]any)[0] != contextsForbidden {
		t.Errorf("a non-administrator: %d %v", code, v)
	}

	// The fixes: SUP joins the scoped context, and gets a context of its
	// own for the field that had none, with options of its own.
	if code, v := do("PUT", "/rest/api/2/field/"+due+"/context/"+dueCtx+"/project", `{"projectIds":["`+sup+`"]}`); code != 204 {
		t.Fatalf("add SUP: %d %v", code, v)
	}
	code, v = do("POST", "/rest/api/2/field/"+tier+"/context", `{"name":"slabot","description":"for SUP","projectIds":["`+sup+`"]}`)
	if code != 201 || v["projectIds"].([]any)[0] != sup || len(v["issueTypeIds"].([]any)) != 0 {
		t.Fatalf("create context: %d %v", code, v)
	}
	tierCtx := v["id"].(string)
	if code, v := do("PUT", "/rest/api/2/issue/SUP-1", edit); code != 400 || !strings.Contains(v["errors"].(map[string]any)[tier].(string), "not valid") {
		t.Fatalf("an option the new context lacks: %d %v, want 400 (the seeded options belong to no context)", code, v)
	}
	if code, v := do("POST", "/rest/api/2/field/"+tier+"/context/"+tierCtx+"/option", `{"options":[{"value":"Premium"}]}`); code != 200 {
		t.Fatalf("add option: %d %v", code, v)
	}
	if code, v := do("PUT", "/rest/api/2/issue/SUP-1", edit); code != 204 {
		t.Fatalf("edit once covered: %d %v", code, v)
	}
	_, is = do("GET", "/rest/api/2/issue/SUP-1", "")
	fields = is["fields"].(map[string]any)
	if fields[due] == nil || fields[tier].(map[string]any)["value"] != "Premium" {
		t.Errorf("values after the fix: %v %v", fields[due], fields[tier])
	}
}

// An issue type limited context applies to its types in its projects;
// the project's other types fall back to a global context; a seeded value
// of a field no context covers is refused.
func TestContextIssueTypesFallBackToGlobal(t *testing.T) {
	sim := newTestSim(t, Options{})
	sim.mu.Lock()
	f := sim.fieldNamed("Support Contract")
	sup := sim.projects["SUP"]
	scoped := sim.newContext(f, "SUP tasks", "", []string{sup.ID}, []string{sim.typeNamed("Task").ID}, nil)
	task := &issue{project: sup, typ: sim.typeNamed("Task")}
	incident := &issue{project: sup, typ: sim.typeNamed("Incident")}
	gotTask, gotIncident := sim.contextFor(f, task), sim.contextFor(f, incident)
	global := sim.admin.contexts[f.ID][0]
	sim.mu.Unlock()
	if gotTask != scoped || gotIncident != global {
		t.Errorf("task -> %v, incident -> %v: want the scoped context, then the global one", gotTask, gotIncident)
	}

	seed := DefaultSeed()
	seed.Fields[5].NoContext = true // Support Contract
	seed.Issues = []Issue{{Project: "SUP", Type: "Task", Summary: "x", Fields: map[string]any{"Support Contract": "C-1"}}}
	if _, err := New(seed, Options{}); err == nil || !strings.Contains(err.Error(), "no context") {
		t.Errorf("seeded value of a field without context: %v", err)
	}
}
