package jirasim

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// adminSamples are the OpenAPI test's requests for the administration
// routes and their v3 twins. They take their ids from the site; "Credits
// Used" and "Support Contract" are taken off SUP's edit screen first so
// adding them back (once through each version) is a real change. Two
// projects without issues, OPS and DEV, are added so that contexts can be
// created for them and a context scoped to SUP can gain them.
func adminSamples(sim *Server) map[string]sample {
	sim.mu.Lock()
	defer sim.mu.Unlock()
	f := sim.fieldNamed("SLA State")
	credits, contract := sim.fieldNamed("Credits Used"), sim.fieldNamed("Support Contract")
	ctx := sim.admin.contexts[f.ID][0].id
	for i, k := range []string{"OPS", "DEV"} {
		p := &project{Project: Project{ID: strconv.Itoa(10901 + i), Key: k, Name: k}}
		sim.projects[k], sim.projByID[p.ID] = p, p
	}
	ops, dev := sim.projects["OPS"].ID, sim.projects["DEV"].ID
	scoped := sim.newContext(contract, "SUP contracts", "", []string{sim.projects["SUP"].ID}, nil, nil)
	p := sim.projects["SUP"]
	edit := sim.editScreen(p, sim.typeNamed("Task"))
	for _, t := range edit.tabs {
		t.fields = slices.DeleteFunc(t.fields, func(id string) bool { return id == credits.ID || id == contract.ID })
	}
	its := sim.admin.projITSS[p.ID]
	scr, tab := strconv.FormatInt(edit.id, 10), strconv.FormatInt(edit.tabs[1].id, 10)
	out := map[string]sample{
		"POST /rest/api/2/field":                                      {"/rest/api/2/field", `{"name":"Reaction due","description":"slabot","type":"com.atlassian.jira.plugin.system.customfieldtypes:datetime","searcherKey":"com.atlassian.jira.plugin.system.customfieldtypes:datetimerange"}`, 201},
		"GET /rest/api/2/field/{fieldId}/context":                     {"/rest/api/2/field/" + f.ID + "/context", "", 200},
		"POST /rest/api/2/field/{fieldId}/context":                    {"/rest/api/2/field/" + credits.ID + "/context", `{"name":"OPS credits","description":"slabot","projectIds":["` + ops + `"],"issueTypeIds":[]}`, 201},
		"GET /rest/api/2/field/{fieldId}/context/projectmapping":      {"/rest/api/2/field/" + contract.ID + "/context/projectmapping", "", 200},
		"PUT /rest/api/2/field/{fieldId}/context/{contextId}/project": {"/rest/api/2/field/" + contract.ID + "/context/" + scoped.id + "/project", `{"projectIds":["` + ops + `"]}`, 204},
		"GET /rest/api/2/field/{fieldId}/context/{contextId}/option":  {"/rest/api/2/field/" + f.ID + "/context/" + ctx + "/option?startAt=1", "", 200},
		"POST /rest/api/2/field/{fieldId}/context/{contextId}/option": {"/rest/api/2/field/" + f.ID + "/context/" + ctx + "/option", `{"options":[{"value":"no_target"},{"value":"unknown","disabled":false}]}`, 200},
		"GET /rest/api/2/project/{projectIdOrKey}":                    {"/rest/api/2/project/SUP", "", 200},
		"GET /rest/api/2/issuetypescreenscheme/project":               {"/rest/api/2/issuetypescreenscheme/project?projectId=" + p.ID, "", 200},
		"GET /rest/api/2/issuetypescreenscheme/mapping":               {"/rest/api/2/issuetypescreenscheme/mapping?issueTypeScreenSchemeId=" + its.id, "", 200},
		"GET /rest/api/2/screenscheme":                                {"/rest/api/2/screenscheme?id=" + strconv.FormatInt(its.mappings[0].screenSchemeID, 10), "", 200},
		"GET /rest/api/2/screens":                                     {"/rest/api/2/screens?id=" + scr, "", 200},
		"GET /rest/api/2/screens/{screenId}/tabs":                     {"/rest/api/2/screens/" + scr + "/tabs", "", 200},
		"GET /rest/api/2/screens/{screenId}/tabs/{tabId}/fields":      {"/rest/api/2/screens/" + scr + "/tabs/" + strconv.FormatInt(edit.tabs[0].id, 10) + "/fields", "", 200},
		"POST /rest/api/2/screens/{screenId}/tabs/{tabId}/fields":     {"/rest/api/2/screens/" + scr + "/tabs/" + tab + "/fields", `{"fieldId":"` + credits.ID + `"}`, 200},
	}
	twins := map[string]sample{}
	for name, smp := range out {
		smp.path = strings.Replace(smp.path, "/rest/api/2/", "/rest/api/3/", 1)
		switch {
		case strings.HasPrefix(name, "POST") && strings.HasSuffix(name, "/option"):
			smp.body = `{"options":[{"value":"on hold"}]}`
		case strings.HasPrefix(name, "POST") && strings.HasSuffix(name, "/fields"):
			smp.body = `{"fieldId":"` + contract.ID + `"}`
		case strings.HasPrefix(name, "POST") && strings.HasSuffix(name, "/context"):
			smp.body = `{"name":"DEV tasks","projectIds":["` + dev + `"],"issueTypeIds":["` + sim.typeNamed("Task").ID + `"]}`
		case strings.HasPrefix(name, "PUT") && strings.HasSuffix(name, "/project"):
			smp.body = `{"projectIds":["` + dev + `"]}`
		}
		twins[strings.Replace(name, "/rest/api/2/", "/rest/api/3/", 1)] = smp
	}
	maps.Copy(out, twins)
	return out
}

// The screens decide what an edit may set: a field created through the
// API is on no screen (editmeta lacks it, an edit answers 400) until it is
// added to the edit screen of the issue's project and type; the default
// screen of a service desk project is not its edit screen, and an issue
// type mapped to its own screen scheme uses that scheme's screen.
func TestScreensDecideEdits(t *testing.T) {
	sim := newTestSim(t, Options{})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	do := requester(t, srv, BotEmail, BotToken)
	code, created := do("POST", "/rest/api/2/field", `{"name":"Reaction due","type":"com.atlassian.jira.plugin.system.customfieldtypes:datetime"}`)
	if code != 201 {
		t.Fatalf("create field: %d %v", code, created)
	}
	id := created["id"].(string)
	edit := `{"fields":{"` + id + `":"2026-11-20T10:00:00.000+0000"}}`
	if code, _ := do("PUT", "/rest/api/2/issue/SUP-1", edit); code != 400 {
		t.Fatalf("edit of a field on no screen: %d, want 400", code)
	}
	_, meta := do("GET", "/rest/api/2/issue/SUP-1/editmeta", "")
	if _, ok := meta["fields"].(map[string]any)[id]; ok {
		t.Fatal("editmeta lists a field on no screen")
	}
	sim.mu.Lock()
	p := sim.projects["SUP"]
	incident := sim.editScreen(p, sim.typeNamed("Incident")) // SUP-1 is an Incident: its own screen scheme
	task := sim.editScreen(p, sim.typeNamed("Task"))
	ss := sim.admin.screenSchemes[sim.admin.projITSS[p.ID].mappings[0].screenSchemeID]
	sim.mu.Unlock()
	if incident == task || task.id != ss.edit || task.id == ss.def {
		t.Fatalf("screens: incident %d, task %d, scheme %+v", incident.id, task.id, ss)
	}
	// Adding it to the default mapping's edit screen does not help an Incident.
	if code, _ := do("POST", "/rest/api/2/screens/"+strconv.FormatInt(task.id, 10)+"/tabs/"+strconv.FormatInt(task.tabs[0].id, 10)+"/fields", `{"fieldId":"`+id+`"}`); code != 200 {
		t.Fatalf("add to task edit screen: %d", code)
	}
	if code, _ := do("PUT", "/rest/api/2/issue/SUP-1", edit); code != 400 {
		t.Fatalf("edit of an Incident with the field only on another screen: %d, want 400", code)
	}
	if code, _ := do("POST", "/rest/api/2/screens/"+strconv.FormatInt(incident.id, 10)+"/tabs/"+strconv.FormatInt(incident.tabs[1].id, 10)+"/fields", `{"fieldId":"`+id+`"}`); code != 200 {
		t.Fatalf("add to incident screen: %d", code)
	}
	if code, v := do("PUT", "/rest/api/2/issue/SUP-1", edit); code != 204 {
		t.Fatalf("edit once on the screen: %d %v", code, v)
	}
	// Twice on one screen is refused, as Jira does.
	if code, _ := do("POST", "/rest/api/2/screens/"+strconv.FormatInt(incident.id, 10)+"/tabs/"+strconv.FormatInt(incident.tabs[0].id, 10)+"/fields", `{"fieldId":"`+id+`"}`); code != 400 {
		t.Fatalf("second add: %d, want 400", code)
	}
}

// Administration needs Administer Jira: a plain account gets 403.
func TestAdminNeedsAdministrator(t *testing.T) {
	seed := DefaultSeed()
	seed.Users = append(seed.Users, User{AccountID: "plain", DisplayName: "Plain", Email: "plain@example.com", APIToken: "plain-token"})
	sim, err := New(seed, Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()
	req, _ := http.NewRequest("POST", srv.URL+"/rest/api/2/field", strings.NewReader(`{"name":"x","type":"com.atlassian.jira.plugin.system.customfieldtypes:textfield"}`))
	req.SetBasicAuth("plain@example.com", "plain-token")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("status %d, want 403", resp.StatusCode)
	}
}

// The simulator answers something useful at / (the demo prints its URL):
// its projects with their issues, not a 404.
func TestIndexListsProjects(t *testing.T) {
	sim := newTestSim(t, Options{})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var idx struct {
		Projects []struct {
			Key    string   `json:"key"`
			Issues []string `json:"issues"`
		} `json:"projects"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&idx); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /: %d %v", resp.StatusCode, err)
	}
	if len(idx.Projects) != 1 || idx.Projects[0].Key != "SUP" || !slices.Contains(idx.Projects[0].Issues, "SUP-1") {
		t.Errorf("index %+v", idx)
	}
}
