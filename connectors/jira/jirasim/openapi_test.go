package jirasim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// specPath is Atlassian's OpenAPI description of the Jira Cloud REST API
// (v3 paths), shared by the project outside the module; SLABOT_JIRA_OPENAPI
// overrides it.
const specPath = "../../../../shared/jira-openapi/swagger-v3.v3.json"

type spec struct {
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas map[string]*schema `json:"schemas"`
	} `json:"components"`
}

type schema struct {
	Ref                  string             `json:"$ref"`
	Type                 string             `json:"type"`
	Properties           map[string]*schema `json:"properties"`
	Required             []string           `json:"required"`
	Items                *schema            `json:"items"`
	AllOf                []*schema          `json:"allOf"`
	AdditionalProperties json.RawMessage    `json:"additionalProperties"`
}

type operation struct {
	Deprecated bool `json:"deprecated"`
	Responses  map[string]struct {
		Content map[string]struct {
			Schema *schema `json:"schema"`
		} `json:"content"`
	} `json:"responses"`
}

func loadSpec(t *testing.T) *spec {
	t.Helper()
	path := specPath
	// A worktree sits deeper than the main checkout: look up the tree for
	// the shared directory.
	for up := "../../../../../"; ; up += "../" {
		if _, err := os.Stat(path); err == nil || len(up) > 30 {
			break
		}
		path = up + "shared/jira-openapi/swagger-v3.v3.json"
	}
	if p := os.Getenv("SLABOT_JIRA_OPENAPI"); p != "" {
		path = p
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("OpenAPI description not available: %v", err)
	}
	var s spec
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	return &s
}

func (s *spec) resolve(sc *schema) *schema {
	for sc != nil && sc.Ref != "" {
		sc = s.Components.Schemas[strings.TrimPrefix(sc.Ref, "#/components/schemas/")]
	}
	return sc
}

// validate checks v against sc: JSON types, required properties, and no
// undeclared properties where the schema is closed. Jira sends null for
// empty optional values, so null is accepted where a property is optional.
func (s *spec) validate(v any, sc *schema, at string, errs *[]string) {
	sc = s.resolve(sc)
	if sc == nil || v == nil {
		return
	}
	for _, sub := range sc.AllOf {
		s.validate(v, sub, at, errs)
	}
	bad := func(format string, args ...any) { *errs = append(*errs, at+": "+fmt.Sprintf(format, args...)) }
	switch sc.Type {
	case "object", "":
		obj, ok := v.(map[string]any)
		if !ok {
			if sc.Type == "object" {
				bad("want object, got %T", v)
			}
			return
		}
		for _, r := range sc.Required {
			if _, ok := obj[r]; !ok {
				bad("required property %q missing", r)
			}
		}
		closed := string(sc.AdditionalProperties) == "false"
		for k, pv := range obj {
			ps, ok := sc.Properties[k]
			if !ok {
				if closed {
					bad("property %q is not in the schema", k)
				}
				continue
			}
			s.validate(pv, ps, at+"."+k, errs)
		}
	case "array":
		arr, ok := v.([]any)
		if !ok {
			bad("want array, got %T", v)
			return
		}
		for i, e := range arr {
			s.validate(e, sc.Items, at+"["+strconv.Itoa(i)+"]", errs)
		}
	case "string":
		if _, ok := v.(string); !ok {
			bad("want string, got %T", v)
		}
	case "integer", "number":
		n, ok := v.(float64)
		if !ok {
			bad("want %s, got %T", sc.Type, v)
		} else if sc.Type == "integer" && n != float64(int64(n)) {
			bad("want integer, got %v", n)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			bad("want boolean, got %T", v)
		}
	}
}

// sample is a request exercising one route and the status it must get.
type sample struct {
	path   string
	body   string
	status int
}

// TestRoutesAgreeWithOpenAPI checks every route the simulator serves: its
// v3 twin exists in Atlassian's description with the same method, and a
// real response has the declared status and the declared shape.
func TestRoutesAgreeWithOpenAPI(t *testing.T) {
	sp := loadSpec(t)
	sim := newTestSim(t, Options{})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	sdue, _ := sim.fieldNamed("SLA State"), 0

	samples := map[string]sample{
		"GET /rest/api/2/search":                            {"/rest/api/2/search?jql=project=SUP", "", 410},
		"POST /rest/api/2/search":                           {"/rest/api/2/search", `{"jql":"project = SUP"}`, 410},
		"GET /rest/api/3/search":                            {"/rest/api/3/search?jql=project=SUP", "", 410},
		"POST /rest/api/3/search":                           {"/rest/api/3/search", `{"jql":"project = SUP"}`, 410},
		"GET /rest/api/2/serverInfo":                        {"/rest/api/2/serverInfo", "", 200},
		"GET /rest/api/2/myself":                            {"/rest/api/2/myself", "", 200},
		"GET /rest/api/2/field":                             {"/rest/api/2/field", "", 200},
		"GET /rest/api/2/status":                            {"/rest/api/2/status", "", 200},
		"GET /rest/api/2/search/jql":                        {"/rest/api/2/search/jql?jql=project%3DSUP&fields=*all&expand=changelog&maxResults=1", "", 200},
		"POST /rest/api/2/search/jql":                       {"/rest/api/2/search/jql", `{"jql":"project = SUP","fields":["*all"],"expand":"changelog","maxResults":1}`, 200},
		"POST /rest/api/2/issue":                            {"/rest/api/2/issue", `{"fields":{"project":{"key":"SUP"},"issuetype":{"name":"Incident"},"summary":"new"}}`, 201},
		"GET /rest/api/2/issue/{issueIdOrKey}":              {"/rest/api/2/issue/SUP-1?expand=changelog", "", 200},
		"PUT /rest/api/2/issue/{issueIdOrKey}":              {"/rest/api/2/issue/SUP-1", `{"fields":{"` + sdue.ID + `":{"value":"met"}},"update":{"labels":[{"add":"x"}]}}`, 204},
		"GET /rest/api/2/issue/{issueIdOrKey}/editmeta":     {"/rest/api/2/issue/SUP-1/editmeta", "", 200},
		"GET /rest/api/2/issue/{issueIdOrKey}/transitions":  {"/rest/api/2/issue/SUP-1/transitions", "", 200},
		"POST /rest/api/2/issue/{issueIdOrKey}/transitions": {"/rest/api/2/issue/SUP-1/transitions", `{"transition":{"id":"` + sim.statusNamed("In Progress").ID + `"}}`, 204},
		"GET /rest/api/2/issue/{issueIdOrKey}/comment":      {"/rest/api/2/issue/SUP-1/comment", "", 200},
		"POST /rest/api/2/issue/{issueIdOrKey}/comment":     {"/rest/api/2/issue/SUP-1/comment", `{"body":"hi","properties":[{"key":"sd.public.comment","value":{"internal":true}}]}`, 201},
		"GET /rest/api/2/issue/{issueIdOrKey}/changelog":    {"/rest/api/2/issue/SUP-1/changelog?maxResults=2", "", 200},
		"GET /rest/api/2/issue/{issueIdOrKey}/worklog":      {"/rest/api/2/issue/SUP-1/worklog", "", 200},
		"POST /rest/api/2/issue/{issueIdOrKey}/worklog":     {"/rest/api/2/issue/SUP-1/worklog", `{"timeSpentSeconds":600,"started":"2025-03-03T09:00:00.000+0000"}`, 201},
	}
	// Every v2 route's v3 twin answers the same request, with rich text as
	// ADF both ways.
	for name, smp := range samples {
		if twin, ok := strings.CutPrefix(smp.path, "/rest/api/2/"); ok && smp.status != 410 {
			smp.path = "/rest/api/3/" + twin
			samples[strings.Replace(name, "/rest/api/2/", "/rest/api/3/", 1)] = smp
		}
	}
	samples["POST /rest/api/3/issue/{issueIdOrKey}/comment"] = sample{"/rest/api/3/issue/SUP-1/comment",
		`{"body":{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":"internal"}]}]},"visibility":{"type":"role","value":"Service Desk Team"}}`, 201}
	samples["POST /rest/api/3/issue/{issueIdOrKey}/worklog"] = sample{"/rest/api/3/issue/SUP-1/worklog",
		`{"timeSpentSeconds":600,"started":"2025-03-03T09:00:00.000+0000","comment":{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":"call"}]}]}}`, 201}
	samples["POST /rest/api/3/issue/{issueIdOrKey}/transitions"] = sample{"/rest/api/3/issue/SUP-1/transitions",
		`{"transition":{"id":"` + sim.statusNamed("Waiting for customer").ID + `"}}`, 204}
	samples["POST /rest/api/3/changelog/bulkfetch"] = sample{"/rest/api/3/changelog/bulkfetch",
		`{"issueIdsOrKeys":["SUP-1"],"fieldIds":["status","priority"],"maxResults":2}`, 200}
	for name, smp := range assignSamples(sim) {
		samples[name] = smp
	}
	for name, smp := range adminSamples(sim) {
		samples[name] = smp
	}
	for name, smp := range roleSamples(sim) {
		samples[name] = smp
	}
	covered := map[string]bool{}
	for _, rt := range sim.Routes() {
		name := rt.Method + " " + rt.Path
		covered[name] = true
		t.Run(name, func(t *testing.T) {
			if rt.OutsideSpec != "" {
				t.Skipf("not in the platform OpenAPI description; follows %s (webhook_admin_test.go tests it)", rt.OutsideSpec)
			}
			twin := strings.Replace(rt.Path, "/rest/api/2/", "/rest/api/3/", 1)
			raw, ok := sp.Paths[twin][strings.ToLower(rt.Method)]
			if !ok {
				t.Fatalf("%s %s is not in the OpenAPI description", rt.Method, twin)
			}
			var op operation
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatal(err)
			}
			smp, ok := samples[name]
			if !ok {
				t.Fatalf("no sample request for %s: add one", name)
			}
			var body io.Reader
			if smp.body != "" {
				body = strings.NewReader(smp.body)
			}
			req, _ := http.NewRequest(rt.Method, srv.URL+smp.path, body)
			req.SetBasicAuth(BotEmail, BotToken)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != smp.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, smp.status, data)
			}
			if rt.Removed {
				if !op.Deprecated {
					t.Error("a removed route should be marked deprecated in the description")
				}
				if !bytes.Contains(data, []byte(removedSearchMessage)) {
					t.Errorf("410 body lacks Atlassian's message: %s", data)
				}
				return
			}
			declared, ok := op.Responses[strconv.Itoa(resp.StatusCode)]
			if !ok {
				t.Fatalf("status %d is not declared for %s %s", resp.StatusCode, rt.Method, twin)
			}
			js, hasSchema := declared.Content["application/json"]
			if resp.StatusCode == http.StatusNoContent || !hasSchema || js.Schema == nil {
				if len(bytes.TrimSpace(data)) != 0 {
					t.Errorf("declared without a body, got %s", data)
				}
				return
			}
			var v any
			if err := json.Unmarshal(data, &v); err != nil {
				t.Fatalf("not JSON: %v", err)
			}
			var errs []string
			sp.validate(v, js.Schema, "$", &errs)
			sort.Strings(errs)
			for _, e := range errs {
				t.Error(e)
			}
		})
	}
	for name := range samples {
		if !covered[name] {
			t.Errorf("sample for %s, which the simulator does not serve", name)
		}
	}
	_ = time.Second
}

// TestValidatorCatchesShapeErrors keeps the check above honest.
func TestValidatorCatchesShapeErrors(t *testing.T) {
	sp := loadSpec(t)
	var errs []string
	user := &schema{Ref: "#/components/schemas/UserDetails"}
	sp.validate(map[string]any{"accountId": "x", "bogus": 1.0}, user, "$", &errs)
	sp.validate(map[string]any{"accountId": 3.0}, user, "$", &errs)
	sp.validate(map[string]any{"issueIdsOrKeys": "x"}, &schema{Ref: "#/components/schemas/BulkChangelogRequestBean"}, "$", &errs)
	sp.validate(map[string]any{}, &schema{Ref: "#/components/schemas/BulkChangelogRequestBean"}, "$", &errs)
	if len(errs) != 4 {
		t.Fatalf("validator found %d problems, want 4: %v", len(errs), errs)
	}
}
