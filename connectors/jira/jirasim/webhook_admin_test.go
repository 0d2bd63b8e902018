package jirasim

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// adminCall makes one request to the admin webhooks resource as the given
// account and decodes the answer into out (when not nil).
func adminCall(t *testing.T, base, email, token, method, path, body string, out any) int {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, base+path, rd)
	req.SetBasicAuth(email, token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, data)
		}
	}
	return resp.StatusCode
}

// The admin webhooks resource as Atlassian's Webhooks page documents it
// ("Registering a webhook via the Jira REST API": POST a name, url,
// events, filters {"issue-related-events-section": JQL} and excludeBody;
// GET lists; DELETE unregisters), for administrators only, strict about
// its body, with the two steps the page leaves to the WebHooks page (the
// secret, the enable toggle) played by SetWebhookSecret and
// SetWebhookEnabled.
func TestAdminWebhookResource(t *testing.T) {
	rcv := &receiver{}
	hook := httptest.NewServer(rcv)
	defer hook.Close()
	s := newTestSim(t, Options{})
	srv := httptest.NewServer(s)
	defer srv.Close()
	s.SetWebhookFaults(WebhookFaults{RetryBackoff: time.Millisecond, Retries: 1})
	const path = "/rest/webhooks/1.0/webhook"
	body := `{"name":"slabot","url":"` + hook.URL + `","events":["jira:issue_updated"],` +
		`"filters":{"issue-related-events-section":"project = SUP"},"excludeBody":false}`

	if got := adminCall(t, srv.URL, "nobody@example.com", "x", "GET", path, "", nil); got != http.StatusUnauthorized {
		t.Errorf("GET without a valid account: %d, want 401", got)
	}
	for name, bad := range map[string]string{
		"unknown property": `{"name":"x","url":"` + hook.URL + `","secret":"s"}`,
		"unknown event":    `{"name":"x","url":"` + hook.URL + `","events":["jira:issue_exploded"]}`,
		"invalid JQL":      `{"name":"x","url":"` + hook.URL + `","filters":{"issue-related-events-section":"project = (("}}`,
		"no url":           `{"name":"x"}`,
	} {
		if got := adminCall(t, srv.URL, BotEmail, BotToken, "POST", path, bad, nil); got != http.StatusBadRequest {
			t.Errorf("POST with %s: %d, want 400", name, got)
		}
	}
	var created adminWebhook
	if got := adminCall(t, srv.URL, BotEmail, BotToken, "POST", path, body, &created); got != http.StatusCreated {
		t.Fatalf("POST: %d, want 201", got)
	}
	if !created.Enabled || !strings.HasSuffix(created.Self, path+"/1") || created.Filters[jqlFilterKey] != "project = SUP" {
		t.Errorf("created %+v: want enabled, self .../webhook/1, the filter", created)
	}
	var list []adminWebhook
	adminCall(t, srv.URL, BotEmail, BotToken, "GET", path, "", &list)
	if len(list) != 1 || list[0].URL != hook.URL || len(list[0].Events) != 1 {
		t.Fatalf("GET lists %+v", list)
	}

	// Its events only, unsigned until an administrator sets the secret.
	if _, err := s.AddComment("SUP-1", AgentID, "a comment", false, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetFields("SUP-1", map[string]any{"summary": "VPN down (2)"}, AgentID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	s.WaitDeliveries()
	if len(rcv.got) != 1 || rcv.got[0].sig != "" || !strings.Contains(string(rcv.got[0].body), `"jira:issue_updated"`) {
		t.Fatalf("deliveries %+v: want one jira:issue_updated (not the comment), unsigned", rcv.got)
	}
	if n := s.SetWebhookSecret(hook.URL, "whsec"); n != 1 {
		t.Fatalf("SetWebhookSecret changed %d webhooks", n)
	}
	// PUT replaces the definition and keeps the secret.
	put := strings.Replace(body, `["jira:issue_updated"]`, `["jira:issue_updated","comment_created"]`, 1)
	if got := adminCall(t, srv.URL, BotEmail, BotToken, "PUT", path+"/1", put, nil); got != http.StatusOK {
		t.Fatalf("PUT: %d", got)
	}
	rcv.got = nil
	if _, err := s.AddComment("SUP-1", AgentID, "another", false, time.Time{}); err != nil {
		t.Fatal(err)
	}
	s.WaitDeliveries()
	if len(rcv.got) != 1 || !strings.HasPrefix(rcv.got[0].sig, "sha256=") {
		t.Fatalf("after PUT: %+v, want the comment, signed", rcv.got)
	}
	// Disabled: nothing is sent.
	s.SetWebhookEnabled(hook.URL, false)
	adminCall(t, srv.URL, BotEmail, BotToken, "GET", path+"/1", "", &created)
	if created.Enabled {
		t.Error("GET shows a disabled webhook enabled")
	}
	rcv.got = nil
	if _, err := s.AddComment("SUP-1", AgentID, "third", false, time.Time{}); err != nil {
		t.Fatal(err)
	}
	s.WaitDeliveries()
	if len(rcv.got) != 0 {
		t.Errorf("a disabled webhook delivered %d", len(rcv.got))
	}
	if got := adminCall(t, srv.URL, BotEmail, BotToken, "DELETE", path+"/1", "", nil); got != http.StatusNoContent {
		t.Errorf("DELETE: %d", got)
	}
	if got := adminCall(t, srv.URL, BotEmail, BotToken, "GET", path+"/1", "", nil); got != http.StatusNotFound {
		t.Errorf("GET after DELETE: %d, want 404", got)
	}
}

// Only an administrator manages admin webhooks.
func TestAdminWebhookResourceNeedsAdmin(t *testing.T) {
	seed := DefaultSeed()
	seed.Users = append(seed.Users, User{AccountID: "agent-0009", DisplayName: "Nina", Email: "nina@example.com", APIToken: "nina"})
	s, err := New(seed, Options{Now: NewManualClock(t0).Now})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	if got := adminCall(t, srv.URL, "nina@example.com", "nina", "GET", "/rest/webhooks/1.0/webhook", "", nil); got != http.StatusForbidden {
		t.Errorf("GET as a non-administrator: %d, want 403", got)
	}
	if got := adminCall(t, srv.URL, "nina@example.com", "nina", "POST", "/rest/webhooks/1.0/webhook",
		`{"name":"x","url":"https://example.com/h"}`, nil); got != http.StatusForbidden {
		t.Errorf("POST as a non-administrator: %d, want 403", got)
	}
}
