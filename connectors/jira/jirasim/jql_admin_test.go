package jirasim

import (
	"encoding/json"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

// The JQL admins write, and values Jira refuses (issue 22): each gap the
// simulator had, refused as Jira refuses it or accepted as Jira accepts it.

// jqlSite is newTestSim with SUP-2 (resolved as a duplicate, unassigned)
// and SUP-3 (Lee's, text fields set) beside SUP-1.
func jqlSite(t *testing.T) (*Server, *httptest.Server) {
	t.Helper()
	sim := newTestSim(t, Options{})
	must(t, sim.AddIssues(
		Issue{Key: "SUP-2", Project: "SUP", Type: "Question", Status: "Resolved", Resolution: "Duplicate", Summary: "Printer on fire again",
			Created: t0.Add(-30 * time.Hour), Fields: map[string]any{"Customer Tier": "Basic", "Credits Used": 3}},
		Issue{Key: "SUP-3", Project: "SUP", Type: "Bug", Status: "In Progress", Assignee: LeadID, Summary: "Full-screen mode: the window flickers",
			Description: "Since Windows 11 the full screen flickers", Created: t0.Add(-10 * time.Minute),
			Fields: map[string]any{"Support Contract": "Premium support 2026", "First Response Due": t0.Add(26 * time.Hour)}},
	))
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, srv
}

// searchError runs jql and returns the first error message of a 400.
func searchError(t *testing.T, srv *httptest.Server, jql string) string {
	t.Helper()
	var ec errorCollection
	body, _ := json.Marshal(map[string]any{"jql": jql})
	resp := do(t, srv, "POST", "/rest/api/2/search/jql", string(body), &ec)
	if resp.StatusCode != 400 || len(ec.ErrorMessages) == 0 {
		t.Errorf("%s: HTTP %d %v, want 400 with a message", jql, resp.StatusCode, ec.ErrorMessages)
		return ""
	}
	return ec.ErrorMessages[0]
}

func wantKeys(t *testing.T, srv *httptest.Server, jql string, want ...string) {
	t.Helper()
	got, status := searchKeys(t, srv, jql)
	if status != 200 || !slices.Equal(got, want) {
		t.Errorf("%s: HTTP %d %v, want %v", jql, status, got, want)
	}
}

// "The value 'INVALID' does not exist for the field 'project'." (Atlassian's
// OpenAPI description, POST /rest/api/3/jql/parse): Jira checks every
// operand, resolution included; Unresolved and EMPTY stand for none.
func TestJQLRefusesAnUnknownResolution(t *testing.T) {
	_, srv := jqlSite(t)
	if msg := searchError(t, srv, "project = SUP AND resolution = Fixed"); msg != "The value 'Fixed' does not exist for the field 'resolution'." {
		t.Errorf("resolution = Fixed: %q", msg)
	}
	wantKeys(t, srv, "project = SUP AND resolution = duplicate", "SUP-2")
	wantKeys(t, srv, "project = SUP AND resolution = Unresolved ORDER BY key", "SUP-1", "SUP-3")
	wantKeys(t, srv, `project = SUP AND resolution in ("Won't Do", EMPTY) ORDER BY key`, "SUP-1", "SUP-3")
	// "The != operator will not match a field that has no value" (JQL operators).
	wantKeys(t, srv, `project = SUP AND resolution != "Won't Do"`, "SUP-2")
}

// Users are found by account ID, full name or e-mail address; a value that
// is none of them is refused like any unknown value.
func TestJQLRefusesAnUnknownAssignee(t *testing.T) {
	_, srv := jqlSite(t)
	if msg := searchError(t, srv, "assignee = nobody-0001"); msg != "The value 'nobody-0001' does not exist for the field 'assignee'." {
		t.Errorf("assignee = nobody-0001: %q", msg)
	}
	if msg := searchError(t, srv, `reporter = "Nobody Known"`); msg != "The value 'Nobody Known' does not exist for the field 'reporter'." {
		t.Errorf("reporter = Nobody Known: %q", msg)
	}
	wantKeys(t, srv, "assignee = agent-0001", "SUP-1")
	wantKeys(t, srv, `assignee = "Lee Lead"`, "SUP-3")
	wantKeys(t, srv, "assignee in (alice@example.com, lead-0001) ORDER BY key", "SUP-1", "SUP-3")
	wantKeys(t, srv, "project = SUP AND assignee is EMPTY", "SUP-2")
	wantKeys(t, srv, "project = SUP AND assignee = EMPTY", "SUP-2")
}

// cf[NNNNN] names a custom field by number, as Jira's own JQL shows it
// ("Component - cf[10061]", GET /rest/api/3/jql/autocompletedata).
func TestJQLCustomFieldByNumber(t *testing.T) {
	sim, srv := jqlSite(t)
	num := func(name string) string {
		return "cf[" + strings.TrimPrefix(sim.fieldNamed(name).ID, "customfield_") + "]"
	}
	wantKeys(t, srv, num("Customer Tier")+" = premium", "SUP-1")
	wantKeys(t, srv, "project = SUP AND "+num("Customer Tier")+" is EMPTY", "SUP-3")
	wantKeys(t, srv, num("Credits Used")+" >= 2", "SUP-2")
	wantKeys(t, srv, num("First Response Due")+` > "2025-03-04"`, "SUP-3")
	if msg := searchError(t, srv, "cf[99999] = x"); msg != "Field 'cf[99999]' does not exist or you do not have permission to view it." {
		t.Errorf("cf[99999]: %q", msg)
	}
}

// A custom field by its name, quoted when it has spaces.
func TestJQLCustomFieldByName(t *testing.T) {
	_, srv := jqlSite(t)
	wantKeys(t, srv, `"Customer Tier" in (Basic, Premium) ORDER BY key`, "SUP-1", "SUP-2")
	wantKeys(t, srv, `"customer tier" != Premium`, "SUP-2")
	wantKeys(t, srv, `"First Response Due" <= "2025-03-03 09:00"`, "SUP-1")
	wantKeys(t, srv, `"Support Contract" ~ premium`, "SUP-3")
	wantKeys(t, srv, `Organizations = Acme`, "SUP-1")
	if msg := searchError(t, srv, `"Support Contract" = "C-1"`); msg != "The operator '=' is not supported by the 'Support Contract' field." {
		t.Errorf(`"Support Contract" = "C-1": %q`, msg)
	}
	if msg := searchError(t, srv, `"Customer Tier" ~ Premium`); msg != "The operator '~' is not supported by the 'Customer Tier' field." {
		t.Errorf(`"Customer Tier" ~ Premium: %q`, msg)
	}
}

// Text search as "Search syntax for text fields" (Jira Cloud) describes it:
// not case-sensitive, terms joined with AND, a trailing * for any ending,
// an escaped phrase in order; = is refused ("The operator '=' is not
// supported by the 'summary' field.", the OpenAPI description).
func TestJQLTextSearch(t *testing.T) {
	_, srv := jqlSite(t)
	wantKeys(t, srv, `summary ~ "printer"`, "SUP-2")
	wantKeys(t, srv, `summary ~ "WINDOW flick*"`, "SUP-3")
	wantKeys(t, srv, `summary ~ "window printer"`)
	wantKeys(t, srv, `project = SUP AND summary !~ fire ORDER BY key`, "SUP-1", "SUP-3")
	wantKeys(t, srv, `description ~ "\"full screen\""`, "SUP-3")
	wantKeys(t, srv, `description ~ "\"screen full\""`)
	// text: summary, description, public comments and text fields.
	wantKeys(t, srv, `text ~ "looking"`, "SUP-1")
	wantKeys(t, srv, `text ~ "internal"`)
	wantKeys(t, srv, `text ~ "2026 flickers"`, "SUP-3")
	if msg := searchError(t, srv, `summary = "VPN down"`); msg != "The operator '=' is not supported by the 'summary' field." {
		t.Errorf(`summary = "VPN down": %q`, msg)
	}
}

// startOfDay() and its siblings are read in the searching user's zone,
// like date literals; an increment without a unit counts the function's
// period. Unknown functions and wrong arguments are refused with the
// messages of Jira's functional tests.
func TestJQLStartOfDay(t *testing.T) {
	sim, srv := jqlSite(t)
	// Now is 09:00 UTC on Monday 3 March 2025. SUP-2 was created on the 2nd
	// at 03:00 UTC, SUP-3 at 08:50 UTC, SUP-1 at 07:00 UTC.
	wantKeys(t, srv, "project = SUP AND created >= startOfDay() ORDER BY key", "SUP-1", "SUP-3")
	wantKeys(t, srv, "project = SUP AND created >= startOfDay(-1) ORDER BY key", "SUP-1", "SUP-2", "SUP-3")
	wantKeys(t, srv, `project = SUP AND created < startOfDay("-1d")`)
	wantKeys(t, srv, `project = SUP AND created > endOfDay("-1") ORDER BY key`, "SUP-1", "SUP-3")
	wantKeys(t, srv, "project = SUP AND created >= startOfMonth() AND created <= endOfYear() ORDER BY key", "SUP-1", "SUP-2", "SUP-3")
	wantKeys(t, srv, `project = SUP AND created >= startOfDay("+8h")`, "SUP-3")
	// In Sydney (UTC+11) it is already 20:00: the day began at 13:00 UTC on
	// the 2nd, after SUP-2 was created.
	sim.mu.Lock()
	sim.users[BotAccountID].TimeZone = "Australia/Sydney"
	sim.mu.Unlock()
	wantKeys(t, srv, "project = SUP AND created >= startOfDay() ORDER BY key", "SUP-1", "SUP-3")
	wantKeys(t, srv, "project = SUP AND created < startOfDay()", "SUP-2")
	for jql, msg := range map[string]string{
		"created > nextTuesday()":        "Unable to find JQL function 'nextTuesday()'.",
		"created > echo(HSP)":            "Unable to find JQL function 'echo(HSP)'.",
		"created > now(1)":               "Function 'now' expected '0' arguments but received '1'.",
		"created > startOfDay(1, 2)":     "Function 'startOfDay' expected between '0' and '1' arguments but received '2'.",
		"created > currentUser()":        "A date for the field 'created' provided by the function 'currentUser' is not valid.",
		"assignee = now()":               "A value provided by the function 'now' is invalid for the field 'assignee'.",
		"status = currentUser()":         "A value provided by the function 'currentUser' is invalid for the field 'status'.",
		"created > startOfWeek()":        "jirasim: startOfWeek() is not simulated",
		`created > startOfDay("-1 day")`: "is not an increment",
	} {
		if got := searchError(t, srv, jql); !strings.Contains(got, msg) {
			t.Errorf("%s: %q, want %q", jql, got, msg)
		}
	}
}
