package jira

import (
	"errors"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/slabot/slabot/connectors/jira/jirasim"
)

// PlanWebhook is the one decision setup and check share. Each row quotes
// what it implements (README "Jira webhooks" and Atlassian's Webhooks
// page).
func TestPlanWebhook(t *testing.T) {
	spec := WebhookSpec{URL: "https://slabot.example.com/jira/webhook", Projects: []string{"SUP", "OPS", "SUP"}}
	good := AdminWebhook{Self: "https://x.atlassian.net/rest/webhooks/1.0/webhook/7", Name: WebhookName, URL: spec.URL,
		Events: WebhookEvents, Filters: map[string]string{jqlFilter: "project in (OPS, SUP)"}, Enabled: true}
	with := func(edit func(*AdminWebhook)) AdminWebhook {
		w := good
		w.Events = slices.Clone(good.Events)
		w.Filters = map[string]string{jqlFilter: good.Filters[jqlFilter]}
		edit(&w)
		return w
	}
	other := AdminWebhook{Self: ".../webhook/3", Name: "ci", URL: "https://ci.example.com/hook", Enabled: true}
	for _, tc := range []struct {
		name    string
		site    []AdminWebhook
		create  bool
		update  string // the Why that must be named
		current bool
		problem string
	}{
		{name: "none yet: setup creates it", site: []AdminWebhook{other}, create: true},
		{name: "as the policies need: nothing to do", site: []AdminWebhook{other, good}, current: true},
		{name: "an event missing (Issue, Comment and Worklog: created, updated, deleted)",
			site: []AdminWebhook{with(func(w *AdminWebhook) { w.Events = w.Events[:3] })}, update: "events lack comment_created"},
		{name: "no events listed: setup lists the README's",
			site: []AdminWebhook{with(func(w *AdminWebhook) { w.Events = nil })}, update: "events lack jira:issue_created"},
		{name: "a project added to a policy: the JQL filter follows",
			site: []AdminWebhook{with(func(w *AdminWebhook) { w.Filters[jqlFilter] = "project = SUP" })}, update: `filter "project = SUP"`},
		{name: "excludeBody: slabot reads the issue key from the body",
			site: []AdminWebhook{with(func(w *AdminWebhook) { w.ExcludeBody = true })}, update: "excludeBody"},
		{name: "the public URL moved: the webhook named slabot is pointed at the new one",
			site: []AdminWebhook{with(func(w *AdminWebhook) { w.URL = "https://old.example.com/jira/webhook" })}, update: "url https://old.example.com"},
		{name: "disabled on the WebHooks page: only a person can enable it",
			site: []AdminWebhook{with(func(w *AdminWebhook) { w.Enabled = false })}, current: true, problem: "is disabled"},
		{name: "two point here: Jira would send every event twice",
			site:    []AdminWebhook{good, with(func(w *AdminWebhook) { w.Self = ".../webhook/8"; w.Name = "copy" })},
			problem: "2 admin webhooks point at"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := PlanWebhook(spec, tc.site)
			if p.Create != tc.create || (p.Current != nil) != tc.current || (p.Update != nil) != (tc.update != "") {
				t.Fatalf("plan %+v: want create=%v current=%v update=%q", p, tc.create, tc.current, tc.update)
			}
			if tc.update != "" && !strings.Contains(strings.Join(p.Why, "; "), tc.update) {
				t.Errorf("why %q, want it to name %q", p.Why, tc.update)
			}
			if got := strings.Join(p.Problems, "; "); (tc.problem == "") != (got == "") || !strings.Contains(got, tc.problem) {
				t.Errorf("problems %q, want %q", got, tc.problem)
			}
		})
	}
	if got := spec.JQL(); got != "project in (OPS, SUP)" {
		t.Errorf("JQL %q", got)
	}
}

// Setup over real HTTP: it creates the webhook with slabot's events and
// the projects' filter, leaves the secret to an administrator and says
// so, changes nothing the second time, and puts back what someone changed
// while keeping an event an administrator added (jirasim's
// TestAdminWebhookResource shows the deliveries, unsigned until the secret
// is set).
func TestSetupWebhook(t *testing.T) {
	s := newSite(t, jirasim.DefaultSeed(), jirasim.Options{}, nil)
	rcv := httptest.NewServer(nil)
	defer rcv.Close()
	spec := WebhookSpec{URL: rcv.URL + "/jira/webhook", Projects: []string{"SUP"}}

	var dry SetupResult
	if err := s.client.SetupWebhook(ctx(t), spec, true, &dry); err != nil {
		t.Fatal(err)
	}
	if site, _ := s.client.AdminWebhooks(ctx(t)); len(dry.Changes) != 1 || len(site) != 0 {
		t.Fatalf("dry run: changes %q, site %v: want one planned, none made", dry.Changes, site)
	}
	var res SetupResult
	if err := s.client.SetupWebhook(ctx(t), spec, false, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Changes) != 1 || !strings.Contains(res.Changes[0], "create admin webhook") || len(res.Notes) != 1 ||
		!strings.Contains(res.Notes[0], "SLABOT_JIRA_WEBHOOK_SECRET") {
		t.Fatalf("changes %q notes %q", res.Changes, res.Notes)
	}
	site, err := s.client.AdminWebhooks(ctx(t))
	if err != nil || len(site) != 1 {
		t.Fatalf("site %+v %v", site, err)
	}
	if p := PlanWebhook(spec, site); p.Current == nil {
		t.Fatalf("after setup the plan is %+v, want nothing to do", p)
	}
	var again SetupResult
	if err := s.client.SetupWebhook(ctx(t), spec, false, &again); err != nil || len(again.Changes) != 0 {
		t.Fatalf("second run: %q %v, want no change", again.Changes, err)
	}

	// Someone narrows the events and adds one of theirs: setup restores
	// slabot's and keeps theirs.
	edited := `{"name":"slabot","url":"` + spec.URL + `","events":["jira:issue_created","worklog_created"],` +
		`"filters":{"issue-related-events-section":"project = SUP"},"excludeBody":false}`
	req := httptest.NewRequest("PUT", "/rest/webhooks/1.0/webhook/"+site[0].ID(), strings.NewReader(edited))
	req.SetBasicAuth(jirasim.BotEmail, jirasim.BotToken)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	s.sim.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("edit: %d %s", rec.Code, rec.Body)
	}
	var fixed SetupResult
	if err := s.client.SetupWebhook(ctx(t), spec, false, &fixed); err != nil {
		t.Fatal(err)
	}
	if len(fixed.Changes) != 1 || !strings.Contains(fixed.Changes[0], "update admin webhook") {
		t.Fatalf("changes %q, want one update", fixed.Changes)
	}
	site, _ = s.client.AdminWebhooks(ctx(t))
	if p := PlanWebhook(spec, site); p.Current == nil || site[0].Filters[jqlFilter] != "project in (SUP)" {
		t.Errorf("after the update: %+v", site)
	}
}

// Listing admin webhooks needs Administer Jira: without it the error is a
// *PermissionError, which check turns into a warning naming the fix.
func TestAdminWebhooksNeedAdministerJira(t *testing.T) {
	seed := jirasim.DefaultSeed()
	for i := range seed.Users {
		if seed.Users[i].Email == jirasim.BotEmail {
			seed.Users[i].Admin = false
		}
	}
	s := newSite(t, seed, jirasim.Options{}, nil)
	_, err := s.client.AdminWebhooks(ctx(t))
	var pe *PermissionError
	if !errors.As(err, &pe) {
		t.Fatalf("err %v, want a *PermissionError", err)
	}
}
